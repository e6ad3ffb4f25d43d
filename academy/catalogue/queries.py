"""Loading catalogue objects for the public: only what is published."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from academy.catalogue.models import Offering, Provider
from academy.extensions import db


def get_published_offering(slug: str) -> Offering:
    """The published offering with this slug, with its provider, tags and sessions, or 404."""
    offering = db.session.scalar(
        select(Offering)
        .where(Offering.slug == slug, Offering.status == "published")
        .options(
            selectinload(Offering.provider),
            selectinload(Offering.tags),
            selectinload(Offering.sessions),
        )
    )
    if offering is None:
        abort(404)
    return offering


def get_approved_provider(slug: str) -> Provider:
    """The approved provider with this slug, or 404."""
    provider = db.session.scalar(
        select(Provider).where(Provider.slug == slug, Provider.status == "approved")
    )
    if provider is None:
        abort(404)
    return provider


def published_offerings_of(provider: Provider) -> list[Offering]:
    """A provider's published offerings, by title."""
    return list(
        db.session.scalars(
            select(Offering)
            .where(Offering.provider_id == provider.id, Offering.status == "published")
            .order_by(Offering.title)
            .options(selectinload(Offering.tags), selectinload(Offering.sessions))
        )
    )


def offering_by_reference(provider: Provider, reference: str) -> Offering | None:
    """The provider's offering with this reference of their own, in any status."""
    return db.session.scalar(
        select(Offering).where(Offering.provider_id == provider.id, Offering.reference == reference)
    )
