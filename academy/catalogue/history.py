"""The audit trail read back: an offer's or a provider's history, and recent live edits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from academy.catalogue.models import AuditEvent, Offering
from academy.extensions import db
from academy.timeutil import utcnow

#: How each action reads in a history list.
ACTION_LABELS = {
    "provider.created": "Asked to list training",
    "provider.updated": "Changed the organisation's details",
    "provider.approved": "Approved the organisation",
    "provider.declined": "Declined the organisation",
    "provider.resubmitted": "Asked again to list training",
    "provider.member_added": "Added a member",
    "provider.member_removed": "Removed a member",
    "provider.imported": "Imported a spreadsheet",
    "offering.created": "Created the offer",
    "offering.updated": "Edited the offer",
    "offering.sessions_changed": "Changed the dates",
    "offering.session_added": "Added dates",
    "offering.session_changed": "Changed dates",
    "offering.session_removed": "Removed dates",
    "offering.submitted": "Submitted for review",
    "offering.resubmitted": "Resubmitted for review",
    "offering.approved": "Approved and published",
    "offering.published": "Published",
    "offering.returned": "Returned to the provider with notes",
    "offering.unpublished": "Unpublished by a curator",
    "offering.withdrawn": "Withdrawn by the provider",
    "offering.republished": "Republished by the provider",
    "entry.confirmed": "Confirmed a learner's attendance",
    "entry.declined": "Could not confirm a learner's attendance",
}
#: Edits that reach the public straight away, which curators keep an eye on.
LIVE_EDITS = (
    "offering.updated",
    "offering.sessions_changed",
    "offering.session_added",
    "offering.session_changed",
    "offering.session_removed",
)
RECENT_DAYS = 30
PAGE_SIZE = 50


def action_label(action: str) -> str:
    """What an action means, in words."""
    return ACTION_LABELS.get(action, action)


def _with_names(query):
    return query.options(
        selectinload(AuditEvent.actor),
        selectinload(AuditEvent.offering),
        selectinload(AuditEvent.provider),
    )


def offering_history(offering: Offering) -> list[AuditEvent]:
    """Everything that happened to one offer, newest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.offering_id == offering.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    return list(db.session.scalars(_with_names(query)))


def provider_history(provider_id: int, *, page: int = 1) -> tuple[list[AuditEvent], int]:
    """A page of everything that happened to a provider and its offers; and the total."""
    return _page(AuditEvent.provider_id == provider_id, page)


def all_history(*, page: int = 1) -> tuple[list[AuditEvent], int]:
    """A page of the whole audit trail, newest first; and the total."""
    return _page(None, page)


def _page(condition, page: int) -> tuple[list[AuditEvent], int]:
    query = select(AuditEvent)
    count = select(func.count(AuditEvent.id))
    if condition is not None:
        query, count = query.where(condition), count.where(condition)
    query = (
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return list(db.session.scalars(_with_names(query))), db.session.scalar(count)


def recently_changed(*, days: int = RECENT_DAYS) -> list[AuditEvent]:
    """Edits made to live offers in the last days, newest first."""
    since = utcnow() - timedelta(days=days)
    query = (
        select(AuditEvent)
        .where(AuditEvent.action.in_(LIVE_EDITS), AuditEvent.at >= since)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(200)
    )
    return [event for event in db.session.scalars(_with_names(query)) if event.detail.get("live")]
