"""Loading catalogue objects for the public: only what is published."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from academy.catalogue.models import Offering, Provider
from academy.extensions import db

#: What an offer's page shows besides the offer: loaded with it, in one query each.
OFFERING_PAGE_LOADS = (
    selectinload(Offering.provider),
    selectinload(Offering.tags),
    selectinload(Offering.sessions),
)


def get_offering_for_page(slug: str, *, published_only: bool = True) -> Offering:
    """The offering with this slug (published, unless told), with what its page shows; or 404."""
    if "\x00" in slug:  # no slug holds one, and PostgreSQL cannot compare text that does
        abort(404)
    query = select(Offering).where(Offering.slug == slug).options(*OFFERING_PAGE_LOADS)
    if published_only:
        query = query.where(Offering.status == "published")
    offering = db.session.scalar(query)
    if offering is None:
        abort(404)
    return offering


def get_published_offering(slug: str) -> Offering:
    """The published offering with this slug, with its provider, tags and sessions, or 404."""
    return get_offering_for_page(slug)


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
