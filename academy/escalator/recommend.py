"""Offers to suggest for a learner's step: available, and suited to them."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import case, exists, or_, select, true
from sqlalchemy.orm import selectinload

from academy.accounts.models import User
from academy.catalogue.models import Offering, OfferingSession, OfferingTag
from academy.extensions import db
from academy.timeutil import today


def available():
    """Offerings with an upcoming session, or self-paced ones (no sessions at all)."""
    any_session = exists().where(OfferingSession.offering_id == Offering.id)
    upcoming = exists().where(
        OfferingSession.offering_id == Offering.id, OfferingSession.ends_on >= today()
    )
    return or_(upcoming, ~any_session)


def suggestions(
    level: str,
    user: User | None = None,
    *,
    limit: int = 4,
    exclude: Collection[int] = (),
) -> list[Offering]:
    """Published, available offers at a level, those nearest the person first.

    Offers in the person's sector and region come first, then co-delivered
    ones; this orders, it never filters anyone out. `exclude` leaves out
    offerings by id (what the learner has already done).
    """

    def has_tag(facet: str, key: str):
        matched = exists().where(
            OfferingTag.offering_id == Offering.id,
            OfferingTag.facet == facet,
            OfferingTag.key == key,
        )
        return case((matched, 1), else_=0)

    nearness = [
        has_tag(facet, key).desc()
        for facet, key in (("sector", user and user.sector), ("region", user and user.region))
        if key
    ]
    query = (
        select(Offering)
        .where(Offering.status == "published", Offering.level == level, available())
        .where(Offering.id.not_in(list(exclude)) if exclude else true())
        .order_by(
            *nearness, Offering.co_delivered.desc(), Offering.published_at.desc(), Offering.id
        )
        .limit(limit)
        .options(
            selectinload(Offering.provider),
            selectinload(Offering.tags),
            selectinload(Offering.sessions),
        )
    )
    return list(db.session.scalars(query))
