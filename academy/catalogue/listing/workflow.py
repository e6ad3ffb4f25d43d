"""An offering's way to the public: draft → submitted → published, and back.

    draft ──submit──▶ submitted ──approve──▶ published ──withdraw──▶ withdrawn
      ▲                   │                      │                      │
      └──────return───────┘◀─────unpublish───────┘       republish ─────┘

A curator returns a submitted offer with notes, or unpublishes a live one
with a reason; either way it goes back to draft with the notes showing, and
the provider edits and resubmits. A provider may withdraw a live offer and
republish it without review, since a curator approved it once. Every step is
an audit event. Like the operations, these flush and never commit.
"""

from __future__ import annotations

from academy.accounts.models import User
from academy.catalogue.models import Offering
from academy.catalogue.operations import record_event
from academy.extensions import db
from academy.timeutil import utcnow


class WorkflowError(ValueError):
    """A step that the offering's status does not allow; the message says why."""


def _require(offering: Offering, *statuses: str, doing: str) -> None:
    if offering.status not in statuses:
        raise WorkflowError(
            f"“{offering.title}” is {offering.status}, so it cannot be {doing} now."
        )


def _move(offering: Offering, status: str, action: str, actor: User | None, **detail) -> None:
    before = offering.status
    offering.status = status
    record_event(action, actor=actor, offering=offering, status=[before, status], **detail)
    db.session.flush()


def submit_offering(offering: Offering, *, actor: User | None = None) -> None:
    """Send a draft to the curators for review (again, after it was returned)."""
    _require(offering, "draft", doing="submitted for review")
    offering.submitted_at = utcnow()
    action = "offering.resubmitted" if offering.reviewer_notes else "offering.submitted"
    _move(offering, "submitted", action, actor)


def approve_offering(offering: Offering, *, actor: User | None = None) -> None:
    """A curator publishes a submitted offer."""
    _require(offering, "submitted", doing="approved")
    offering.reviewer_notes = None
    offering.published_at = offering.published_at or utcnow()
    _move(offering, "published", "offering.approved", actor)


def return_offering(offering: Offering, notes: str, *, actor: User | None = None) -> None:
    """A curator sends a submitted offer back to its provider with notes."""
    _require(offering, "submitted", doing="returned")
    offering.reviewer_notes = notes
    _move(offering, "draft", "offering.returned", actor, notes=notes)


def unpublish_offering(offering: Offering, reason: str, *, actor: User | None = None) -> None:
    """A curator takes a live offer down; the provider sees why and may resubmit."""
    _require(offering, "published", doing="unpublished")
    offering.reviewer_notes = reason
    _move(offering, "draft", "offering.unpublished", actor, notes=reason)


def withdraw_offering(offering: Offering, *, actor: User | None = None) -> None:
    """A provider takes its live offer out of the catalogue for now."""
    _require(offering, "published", doing="withdrawn")
    _move(offering, "withdrawn", "offering.withdrawn", actor)


def republish_offering(offering: Offering, *, actor: User | None = None) -> None:
    """A provider puts a withdrawn offer back, without another review."""
    _require(offering, "withdrawn", doing="republished")
    _move(offering, "published", "offering.republished", actor)
