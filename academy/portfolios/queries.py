"""Loading a learner's own entries: nobody else's, whatever id is asked for."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_login import current_user
from sqlalchemy import func, or_, select

from academy.accounts.models import User
from academy.catalogue.models import Offering
from academy.extensions import db
from academy.portfolios.models import PortfolioEntry

NEWEST_FIRST = (
    PortfolioEntry.starts_on.desc(),
    PortfolioEntry.ends_on.desc(),
    PortfolioEntry.id.desc(),
)
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


def entry_rows(user: User) -> list:
    """Every entry of a learner, newest first, as read-only rows for the exports.

    Each row has the entry's columns, `offering_slug` and `has_reflection`,
    the attributes the exports read: much quicker to load than whole entries.
    """
    return list(
        db.session.execute(
            select(
                *PortfolioEntry.__table__.c,
                Offering.slug.label("offering_slug"),
                HAS_REFLECTION,
            )
            .outerjoin(Offering, Offering.id == PortfolioEntry.offering_id)
            .where(PortfolioEntry.user_id == user.id)
            .order_by(*NEWEST_FIRST)
        )
    )


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
