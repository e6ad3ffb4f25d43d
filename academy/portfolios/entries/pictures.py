"""Hours per month as bars: geometry for an accessible SVG drawn on the server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH = 760
HEIGHT = 220
AXIS = 28  # room under the bars for the month labels
TOP = 16


@dataclass(frozen=True)
class Bar:
    """One month's bar."""

    month: date
    hours: float
    x: float
    y: float
    width: float
    height: float
    label: bool  # whether to print the month under it (January and July)


@dataclass(frozen=True)
class MonthsPicture:
    """Bars for each month, oldest first, and the scale's top value."""

    bars: list[Bar]
    width: int
    height: int
    top: float
    baseline: float


def months_picture(months: list[tuple[date, float]]) -> MonthsPicture:
    """Lay out one bar per month, scaled to the busiest month."""
    most = max((hours for _, hours in months), default=0) or 1
    slot = WIDTH / max(len(months), 1)
    baseline = HEIGHT - AXIS
    bars = []
    for index, (month, hours) in enumerate(months):
        height = (baseline - TOP) * hours / most
        bars.append(
            Bar(
                month=month,
                hours=hours,
                x=round(index * slot + 2, 1),
                y=round(baseline - height, 1),
                width=round(slot - 4, 1),
                height=round(height, 1),
                label=month.month in (1, 7),
            )
        )
    return MonthsPicture(bars=bars, width=WIDTH, height=HEIGHT, top=most, baseline=baseline)
