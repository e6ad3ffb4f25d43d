"""Loading a learner's own entries: nobody else's, whatever id is asked for."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_login import current_user
from sqlalchemy import func, or_, select

from academy.accounts.models import User
from academy.catalogue.models import Offering, Provider
from academy.extensions import db
from academy.portfolios.models import PortfolioEntry, ProfileChoice

NEWEST_FIRST = (
    PortfolioEntry.starts_on.desc(),
    PortfolioEntry.ends_on.desc(),
    PortfolioEntry.id.desc(),
)
OLDEST_FIRST = (PortfolioEntry.starts_on, PortfolioEntry.ends_on, PortfolioEntry.id)
HAS_REFLECTION = or_(
    func.trim(PortfolioEntry.learning) != "",
    func.trim(PortfolioEntry.practice_change) != "",
).label("has_reflection")


def entries_of(user: User) -> list[PortfolioEntry]:
    """Every entry of a learner, newest first."""
    return list(
        db.session.scalars(
            select(PortfolioEntry).where(PortfolioEntry.user_id == user.id).order_by(*NEWEST_FIRST)
        )
    )


def entry_rows(
    user: User,
    *,
    starts_on: date | None = None,
    ends_on: date | None = None,
    oldest_first: bool = False,
) -> list:
    """A learner's entries (those starting between two dates, if given) as rows for exports.

    Each row has the entry's columns, `offering_slug`, `has_reflection` and
    `confirmed_by` (the confirming provider's name), the attributes the
    exports read: much quicker to load than whole entries. Newest first,
    unless `oldest_first`.
    """
    query = (
        select(
            *PortfolioEntry.__table__.c,
            Offering.slug.label("offering_slug"),
            HAS_REFLECTION,
            Provider.name.label("confirmed_by"),
        )
        .outerjoin(Offering, Offering.id == PortfolioEntry.offering_id)
        .outerjoin(Provider, Provider.id == PortfolioEntry.confirmation_provider_id)
        .where(PortfolioEntry.user_id == user.id)
    )
    if starts_on is not None:
        query = query.where(PortfolioEntry.starts_on >= starts_on)
    if ends_on is not None:
        query = query.where(PortfolioEntry.starts_on <= ends_on)
    order = OLDEST_FIRST if oldest_first else NEWEST_FIRST
    return list(db.session.execute(query.order_by(*order)))


#: Entries on one page of the portfolio.
PAGE_SIZE = 50
#: What the figures, pictures and filters need of every entry (not its writing).
FACT_COLUMNS = (
    PortfolioEntry.starts_on,
    PortfolioEntry.hours,
    PortfolioEntry.participatory_hours,
    PortfolioEntry.level,
    PortfolioEntry.format,
    PortfolioEntry.co_delivered,
    PortfolioEntry.offering_id,
    HAS_REFLECTION,
)


def entry_facts(user: User) -> list:
    """Every entry of a learner as a light row of the FACT_COLUMNS, for `summarise` and friends.

    Thousands of entries load in a few milliseconds this way, where whole
    entries with their reflections would take many times longer.
    """
    return list(db.session.execute(select(*FACT_COLUMNS).where(PortfolioEntry.user_id == user.id)))


def entries_page(
    user: User, *, year: int | None, level: str | None, page: int
) -> list[PortfolioEntry]:
    """One page of a learner's entries, newest first, of a year and a level if given.

    `level` "none" means entries whose level is "not sure".
    """
    query = select(PortfolioEntry).where(PortfolioEntry.user_id == user.id)
    if year is not None:
        query = query.where(
            PortfolioEntry.starts_on >= date(year, 1, 1),
            PortfolioEntry.starts_on < date(year + 1, 1, 1),
        )
    if level == "none":
        query = query.where(PortfolioEntry.level.is_(None))
    elif level is not None:
        query = query.where(PortfolioEntry.level == level)
    query = query.order_by(*NEWEST_FIRST).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return list(db.session.scalars(query))


def get_entry_for_owner(entry_id: int) -> PortfolioEntry:
    """The current user's entry with this id, or 404 (also when it is someone else's)."""
    entry = db.session.scalar(
        select(PortfolioEntry).where(
            PortfolioEntry.id == entry_id, PortfolioEntry.user_id == current_user.id
        )
    )
    if entry is None:
        abort(404)
    return entry


def _written(column) -> object:
    return (func.trim(column) != "").label(column.key)


#: What a record profile's requirements need of every entry: dates, hours, type,
#: and for each written field whether it is written (not the writing itself).
PROFILE_FACT_COLUMNS = (
    PortfolioEntry.id,
    PortfolioEntry.starts_on,
    PortfolioEntry.ends_on,
    PortfolioEntry.hours,
    PortfolioEntry.participatory_hours,
    PortfolioEntry.activity_type,
    PortfolioEntry.title,
    _written(PortfolioEntry.description),
    _written(PortfolioEntry.learning),
    _written(PortfolioEntry.practice_change),
    _written(PortfolioEntry.peer_discussion),
    _written(PortfolioEntry.standards_link),
)


def profile_facts(user: User, since: date | None = None) -> list:
    """A learner's entries as light rows for `profiles.progress`, oldest first.

    Each row has the entry's id, title, dates, hours and type, and a flag for each
    written field (`description`, `learning`...): True when it is not blank.
    """
    query = select(*PROFILE_FACT_COLUMNS).where(PortfolioEntry.user_id == user.id)
    if since is not None:
        query = query.where(PortfolioEntry.starts_on >= since)
    return list(db.session.execute(query.order_by(PortfolioEntry.starts_on, PortfolioEntry.id)))


def profile_choices_of(user: User) -> list[ProfileChoice]:
    """The record profiles a learner has chosen, in the order they were chosen."""
    return list(
        db.session.scalars(
            select(ProfileChoice).where(ProfileChoice.user_id == user.id).order_by(ProfileChoice.id)
        )
    )
