"""Time helpers: the Academy stores naive UTC datetimes and plain dates."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """The current time in UTC, without tzinfo, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in UTC: the day the catalogue counts as 'upcoming' from."""
    return utcnow().date()


def iso_utc(moment: datetime | None) -> str | None:
    """A stored naive-UTC datetime as ISO 8601 with a Z."""
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds") + "Z"
