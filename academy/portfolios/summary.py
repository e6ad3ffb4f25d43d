"""A portfolio's figures: hours in total, with others, by level, year, format and month."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from academy.portfolios.models import PortfolioEntry

MONTHS_SHOWN = 24


@dataclass
class Summary:
    """Totals over a set of entries. Hours are counted in the month and year an entry starts."""

    entries: int = 0
    hours: float = 0.0
    participatory_hours: float = 0.0
    co_delivered_hours: float = 0.0
    reflections: int = 0
    by_level: dict[str | None, float] = field(default_factory=dict)
    by_year: dict[int, float] = field(default_factory=dict)
    by_format: dict[str | None, float] = field(default_factory=dict)

    @property
    def co_delivered_share(self) -> float:
        """The share of hours that were co-delivered, from 0 to 1."""
        return self.co_delivered_hours / self.hours if self.hours else 0.0


def summarise(entries: Iterable[PortfolioEntry], level_order: list[str]) -> Summary:
    """Add up entries; levels in escalator order, years newest first, formats by hours.

    Takes entries or the light rows of `queries.entry_facts`: the same attributes.
    """
    summary = Summary()
    by_level: dict[str | None, float] = defaultdict(float)
    by_year: dict[int, float] = defaultdict(float)
    by_format: dict[str | None, float] = defaultdict(float)
    for entry in entries:
        hours = float(entry.hours)
        summary.entries += 1
        summary.hours += hours
        summary.participatory_hours += float(entry.participatory_hours)
        if entry.co_delivered:
            summary.co_delivered_hours += hours
        if entry.has_reflection:
            summary.reflections += 1
        by_level[entry.level] += hours
        by_year[entry.starts_on.year] += hours
        by_format[entry.format] += hours
    order = {key: index for index, key in enumerate(level_order)}
    summary.by_level = dict(sorted(by_level.items(), key=lambda kv: order.get(kv[0], len(order))))
    summary.by_year = dict(sorted(by_year.items(), reverse=True))
    summary.by_format = dict(sorted(by_format.items(), key=lambda kv: (-kv[1], kv[0] or "~")))
    return summary


def monthly_hours(
    entries: Iterable[PortfolioEntry], until: date, months: int = MONTHS_SHOWN
) -> list[tuple[date, float]]:
    """Hours per month for the months up to and including until's, oldest first."""
    firsts = []
    year, month = until.year, until.month
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    totals = dict.fromkeys(firsts, 0.0)
    for entry in entries:
        key = entry.starts_on.replace(day=1)
        if key in totals:
            totals[key] += float(entry.hours)
    return list(totals.items())
