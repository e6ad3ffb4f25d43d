"""Record profiles (data/record_profiles.toml): a regulator's period, requirements and columns.

A profile says which entries count (its *period*, worked out from the
learner's renewal or appraisal date), what the body asks for (its
*requirements*), and how its record reads (columns, headers, the title of its
reflective pages). `progress()` does the arithmetic for the portfolio page:
"28 of 35 hours · 15 of 20 participatory · 3 of 5 reflective accounts".

The rules, all documented in the README:

- An entry counts in a period when it *starts* inside it (as the summary counts
  hours in the year an entry starts).
- A period of `months` ends on the renewal date and starts the day after the
  same date `months` earlier: 36 months before 1 May 2027 is 2 May 2024 to
  1 May 2027. Without a date it ends today.
- A period with `year_ending` "11-30" is the registration year that ends on
  30 November of the renewal date's year (1 December to 30 November).
  Without a date it is the registration year that contains today.
- Credits are one per hour, at most six a day: each entry's hours are spread
  evenly over its days, days are added up across entries, and each day gives
  at most six credits.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from academy.reference.profiles import RecordProfile, Requirement
from academy.text import format_number

CREDITS_PER_DAY = 6


# --- periods ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The dates whose entries count, both ends included, and why they were chosen."""

    starts_on: date
    ends_on: date
    renews_on: date | None = None

    def __contains__(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day if it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_for(profile: RecordProfile, renews_on: date | None, today: date) -> Period:
    """The period a profile's record covers, for a renewal date (or none: see the module)."""
    if profile.year_ending is not None:
        month, day = profile.year_ending
        if renews_on is not None:
            end = date(renews_on.year, month, day)
        else:
            end = date(today.year, month, day)
            if today > end:
                end = date(today.year + 1, month, day)
        return Period(date(end.year - 1, month, day) + timedelta(days=1), end, renews_on)
    end = renews_on or today
    return Period(months_before(end, profile.months or 12) + timedelta(days=1), end, renews_on)


# --- progress ---------------------------------------------------------------------------


def has_written(entry, fields: Iterable[str]) -> bool:
    """Whether an entry has every one of these fields written (not blank).

    Takes entries (text fields) or `queries.profile_facts` rows (a flag per field).
    """
    for name in fields:
        value = getattr(entry, name)
        if not (value.strip() if isinstance(value, str) else value):
            return False
    return True


def credits_by_entry(entries: Sequence) -> dict[int, float]:
    """Each entry's credits: one an hour, at most six a day across all entries that day.

    Each entry's hours are spread evenly over its days; where the day's total is
    over six, every entry that day gives its share of the six.
    """
    per_day: dict[date, float] = defaultdict(float)
    shares: list[tuple[object, list[tuple[date, float]]]] = []
    for entry in entries:
        days = (entry.ends_on - entry.starts_on).days + 1
        each = float(entry.hours) / days
        spread = [(entry.starts_on + timedelta(days=offset), each) for offset in range(days)]
        for day, hours in spread:
            per_day[day] += hours
        shares.append((entry, spread))
    credits = {}
    for entry, spread in shares:
        total = 0.0
        for day, hours in spread:
            day_total = per_day[day]
            total += hours if day_total <= CREDITS_PER_DAY else hours * CREDITS_PER_DAY / day_total
        credits[entry.id] = round(total, 2)
    return credits


@dataclass(frozen=True)
class RequirementProgress:
    """How far a learner's entries go towards one requirement, and what would help."""

    requirement: Requirement
    have: float
    #: Entries in the period that would count if the learner finished them
    #: (wrote the missing reflection, say). Empty where only new activity helps.
    could_count: tuple = ()

    @property
    def met(self) -> bool:
        """Whether the requirement is met."""
        return self.have >= self.requirement.need

    @property
    def short(self) -> float:
        """How many more are needed (0 when met)."""
        return max(0.0, round(self.requirement.need - self.have, 2))

    @property
    def missing_text(self) -> str:
        """The profile's sentence for what is missing, with the number in it."""
        return self.requirement.missing.format(n=format_number(self.short, grouped=False))


@dataclass(frozen=True)
class ProfileProgress:
    """A profile's requirements against the entries of its period."""

    profile: RecordProfile
    period: Period
    today: date
    entries: int
    hours: float
    items: tuple[RequirementProgress, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        """Whether every requirement is met."""
        return all(item.met for item in self.items)

    @property
    def days_to_renewal(self) -> int | None:
        """Days from today to the renewal date (negative once it has passed), if there is one."""
        if self.period.renews_on is None:
            return None
        return (self.period.renews_on - self.today).days

    @property
    def needs_date(self) -> bool:
        """Whether the profile asks for a date the learner has not given."""
        return self.profile.date_required and self.period.renews_on is None


def progress(profile: RecordProfile, entries: Sequence, period: Period, today: date):
    """The profile's requirements measured on the entries that start in the period.

    Takes entries or rows with the entry's attributes (id, dates, hours,
    participatory hours, activity type and the written fields).
    """
    counted = [entry for entry in entries if entry.starts_on in period]
    return ProfileProgress(
        profile=profile,
        period=period,
        today=today,
        entries=len(counted),
        hours=round(sum(float(entry.hours) for entry in counted), 2),
        items=tuple(_measure(req, profile, counted) for req in profile.requirements),
    )


def _measure(requirement: Requirement, profile: RecordProfile, entries: list):
    kind = requirement.kind
    if kind == "hours":
        return RequirementProgress(requirement, round(sum(float(e.hours) for e in entries), 2))
    if kind == "participatory_hours":
        have = round(sum(float(e.participatory_hours) for e in entries), 2)
        return RequirementProgress(requirement, have)
    if kind == "credits":
        return RequirementProgress(requirement, round(sum(credits_by_entry(entries).values()), 2))
    if kind == "activity_types":
        return RequirementProgress(requirement, len({e.activity_type for e in entries}))
    if kind in ("reflective_accounts", "pieces"):
        fields = profile.reflective_fields
    else:  # peer_reflections: a written piece that was also discussed with a peer
        fields = (*profile.reflective_fields, "peer_discussion")
    done = [e for e in entries if has_written(e, fields)]
    could = tuple(e for e in entries if not has_written(e, fields))
    return RequirementProgress(requirement, len(done), could)
