"""Who may touch what: loaders that fetch an object *and* check it is the user's.

Anything that is not the current user's is a 404, never a 403, so guessing a
slug or an id reveals nothing about whether it exists.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from academy.catalogue.models import Offering, OfferingSession, Provider, ProviderMember
from academy.extensions import db


def member_providers(*, approved_only: bool = False) -> list[Provider]:
    """The providers the current user belongs to, by name."""
    query = (
        select(Provider)
        .join(ProviderMember)
        .where(ProviderMember.user_id == current_user.id)
        .order_by(Provider.name)
    )
    if approved_only:
        query = query.where(Provider.status == "approved")
    return list(db.session.scalars(query))


def get_provider_for_member(
    slug: str, *, approved: bool = False, with_members: bool = False
) -> Provider:
    """A provider the current user is a member of (and, if asked, approved), or 404.

    `with_members` loads its members and their accounts too, in two more queries.
    """
    query = (
        select(Provider)
        .join(ProviderMember)
        .where(Provider.slug == slug, ProviderMember.user_id == current_user.id)
    )
    if with_members:
        query = query.options(members_with_accounts())
    provider = db.session.scalar(query)
    if provider is None or (approved and not provider.is_approved):
        abort(404)
    return provider


def members_with_accounts():
    """A loader option: a provider's members, each with their account."""
    return selectinload(Provider.members).selectinload(ProviderMember.user)


def get_offering_for_edit(slug: str) -> Offering:
    """An offering of an approved provider the current user belongs to, or 404."""
    offering = db.session.scalar(
        select(Offering)
        .join(Provider)
        .join(ProviderMember)
        .where(
            Offering.slug == slug,
            ProviderMember.user_id == current_user.id,
            Provider.status == "approved",
        )
        .options(selectinload(Offering.tags), selectinload(Offering.sessions))
    )
    if offering is None:
        abort(404)
    return offering


def get_session_for_edit(offering: Offering, session_id: int) -> OfferingSession:
    """One of this offering's sessions, or 404."""
    session = next((s for s in offering.sessions if s.id == session_id), None)
    if session is None:
        abort(404)
    return session


def curator_required(view):
    """Only curators: anyone else gets a 404, as if /review/ were not there."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_curator:
            abort(404)
        return view(*args, **kwargs)

    return wrapped
