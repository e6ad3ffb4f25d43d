"""What a portfolio does: record, change and delete entries. Flush, never commit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import insert, select

from academy.accounts.models import User
from academy.catalogue.models import Offering, OfferingSession
from academy.catalogue.operations import _assign
from academy.extensions import db
from academy.portfolios.models import PortfolioEntry, ProfileChoice
from academy.timeutil import today

#: The fields a learner fills in, in the order of the combined CPD log.
ENTRY_FIELDS = (
    "title",
    "provider_name",
    "starts_on",
    "ends_on",
    "hours",
    "participatory_hours",
    "activity_type",
    "level",
    "format",
    "co_delivered",
    "co_designed",
    "description",
    "learning",
    "practice_change",
    "peer_discussion",
    "standards_link",
    "evidence",
)
#: Formats that are usually learning with others, for pre-filled participatory hours.
SOLITARY_FORMATS = {"self_paced"}
#: An offering's format, as the type of activity a CPD log asks for.
ACTIVITY_OF_FORMAT = {
    "talk": "conference",
    "conference": "conference",
    "reflective_group": "reflective_group",
    "workshop": "workshop",
    "self_paced": "e_learning",
}


def values_from_offering(offering: Offering, session: OfferingSession | None = None) -> dict:
    """An entry pre-filled from a catalogue offer and, if given, one of its sessions."""
    hours = _whole_if_possible(offering.cpd_hours or offering.contact_hours or 0)
    start = session.starts_on if session else today()
    end = session.ends_on if session else start
    return {
        "title": offering.title,
        "provider_name": offering.provider.name,
        "starts_on": start,
        "ends_on": end,
        "hours": hours,
        "participatory_hours": 0 if offering.format in SOLITARY_FORMATS else hours,
        "activity_type": ACTIVITY_OF_FORMAT.get(offering.format, "course"),
        "level": offering.level,
        "format": offering.format,
        "co_delivered": offering.co_delivered,
        "co_designed": offering.co_designed,
        "description": offering.summary,
        "evidence": "",
    }


def create_entry(
    user: User,
    data: Mapping,
    *,
    offering: Offering | None = None,
    session: OfferingSession | None = None,
) -> PortfolioEntry:
    """Record a completed activity in the learner's portfolio."""
    entry = PortfolioEntry(user=user, offering=offering, session=session)
    _assign(entry, {name: data.get(name, _default(name)) for name in ENTRY_FIELDS})
    db.session.add(entry)
    db.session.flush()
    return entry


def create_entries(user: User, rows: list[Mapping]) -> int:
    """Record many activities at once (a learner's existing log); returns how many.

    One multi-row INSERT instead of one per entry: a log of thousands of rows
    goes in in a moment. Each row has the entry fields and may have an `offering_id`.
    """
    if not rows:
        return 0
    values = [
        {
            "user_id": user.id,
            "offering_id": row.get("offering_id"),
            **{name: row.get(name, _default(name)) for name in ENTRY_FIELDS},
        }
        for row in rows
    ]
    db.session.execute(insert(PortfolioEntry), values)
    return len(values)


def update_entry(entry: PortfolioEntry, data: Mapping) -> dict:
    """Change an entry; returns {field: [old, new]} for what changed."""
    changes = _assign(entry, {name: data[name] for name in ENTRY_FIELDS if name in data})
    db.session.flush()
    return changes


def delete_entry(entry: PortfolioEntry) -> None:
    """Remove an entry for good."""
    db.session.delete(entry)
    db.session.flush()


def choose_profiles(user: User, chosen: Mapping[str, date | None]) -> None:
    """Keep exactly these record profiles for a learner, each with its renewal date (or None)."""
    existing = {
        choice.profile: choice
        for choice in db.session.scalars(
            select(ProfileChoice).where(ProfileChoice.user_id == user.id)
        )
    }
    for key, choice in existing.items():
        if key not in chosen:
            db.session.delete(choice)
    for key, renews_on in chosen.items():
        if key in existing:
            existing[key].renews_on = renews_on
        else:
            db.session.add(ProfileChoice(user_id=user.id, profile=key, renews_on=renews_on))
    db.session.flush()


def _whole_if_possible(hours: float) -> float | int:
    """13.0 as 13, so a form shows the hours as a person would write them."""
    return int(hours) if float(hours).is_integer() else hours


def _default(name: str):
    if name in ("co_delivered", "co_designed"):
        return False
    if name in ("level", "format"):
        return None
    if name == "participatory_hours":
        return 0
    return ""
