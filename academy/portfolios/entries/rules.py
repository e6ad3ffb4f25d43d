"""What makes an entry's dates and hours believable: one set of rules for the form and the import.

Each rule gives a message a person can act on, keyed by the field it is about,
so the form shows it next to that field and the import next to that column.
"""

from __future__ import annotations

from datetime import date, timedelta

from academy.timeutil import today

#: The earliest date an activity may have.
EARLIEST = date(1950, 1, 1)
#: How far ahead an activity's dates may go (a course booked and under way).
MAX_DAYS_AHEAD = 366
#: The most hours one entry may have.
MAX_HOURS = 10000
#: The longest reflection, in characters.
MAX_REFLECTION = 10000


def latest_date() -> date:
    """The latest date an activity may have."""
    return today() + timedelta(days=MAX_DAYS_AHEAD)


def entry_problems(
    starts_on: date | None,
    ends_on: date | None,
    hours: float | None,
    participatory_hours: float | None,
) -> dict[str, str]:
    """The rules across fields an entry breaks, as {field: message}; empty when it keeps them.

    A value that is None (missing, or already refused) is not checked.
    """
    problems: dict[str, str] = {}
    latest = latest_date()
    for name, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if day and not EARLIEST <= day <= latest:
            problems[name] = "Enter a date from 1950 up to a year from today."
    if starts_on and ends_on and ends_on < starts_on and "ends_on" not in problems:
        problems["ends_on"] = "The end date must be the same as or after the start date."
    if starts_on and ends_on and ends_on >= starts_on and hours is not None:
        days = (ends_on - starts_on).days + 1
        if hours > 24 * days:
            plural = "s" if days > 1 else ""
            problems["hours"] = (
                f"That is more than 24 hours a day over {days} day{plural}. "
                "Check the hours and the dates."
            )
    if hours is not None and participatory_hours is not None and participatory_hours > hours:
        problems["participatory_hours"] = "Participatory hours cannot be more than the total hours."
    return problems
