"""Loading a learner's own entries: nobody else's, whatever id is asked for."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from academy.accounts.models import User
from academy.extensions import db
from academy.portfolios.models import PortfolioEntry


def entries_of(user: User) -> list[PortfolioEntry]:
    """Every entry of a learner, newest first."""
    return list(
        db.session.scalars(
            select(PortfolioEntry)
            .where(PortfolioEntry.user_id == user.id)
            .order_by(
                PortfolioEntry.starts_on.desc(),
                PortfolioEntry.ends_on.desc(),
                PortfolioEntry.id.desc(),
            )
        )
    )


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
