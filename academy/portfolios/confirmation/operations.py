"""Provider confirmation of attendance: asking, withdrawing, confirming, declining, losing it.

A learner asks the provider of the offering an entry was recorded from to
confirm they took part. The provider is taken from the offering when the
learner asks, never from what the browser sends, and fixed from then on. The
provider's members confirm or decline; a confirmed entry is marked in the
portfolio and every export. Changing the facts the provider confirmed (dates,
hours, offering, session) removes the mark. Flush, never commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from academy.accounts.models import User
from academy.catalogue.models import Provider
from academy.catalogue.operations import record_event
from academy.extensions import db
from academy.portfolios.models import PortfolioEntry
from academy.timeutil import today, utcnow

REQUESTED, CONFIRMED, DECLINED = "requested", "confirmed", "declined"
#: What a provider confirms: changing any of these afterwards removes the confirmation.
CONFIRMED_FACTS = (
    "starts_on",
    "ends_on",
    "hours",
    "participatory_hours",
    "offering_id",
    "session_id",
)
#: The longest note a provider may leave with their answer.
MAX_NOTE = 500
#: Requests on one page of a provider's list.
PAGE_SIZE = 25


class ConfirmationError(Exception):
    """A step of the confirmation that cannot be taken now; the message says why."""


def provider_to_ask(entry: PortfolioEntry) -> Provider | None:
    """The provider the learner would ask: the one that runs the entry's offering."""
    return entry.offering.provider if entry.offering is not None else None


def why_cannot_ask(entry: PortfolioEntry) -> str | None:
    """Why the learner cannot ask for a confirmation now, in words; None when they can."""
    if entry.confirmation_status == REQUESTED:
        return "You have already asked. The organisation has not answered yet."
    if entry.confirmation_status == CONFIRMED:
        return "This activity is already confirmed."
    provider = provider_to_ask(entry)
    if provider is None:
        return (
            "Only activities you recorded from the catalogue can be confirmed by the "
            "organisation that ran them."
        )
    if not provider.is_approved:
        return f"{provider.name} cannot confirm attendance at the moment."
    if entry.starts_on > today():
        return "You can ask once the activity has started."
    return None


def request_confirmation(entry: PortfolioEntry) -> Provider:
    """Ask the offering's provider to confirm the learner took part; returns the provider."""
    problem = why_cannot_ask(entry)
    if problem:
        raise ConfirmationError(problem)
    provider = provider_to_ask(entry)
    _reset(entry)
    entry.confirmation_status = REQUESTED
    entry.confirmation_provider = provider
    # _reset set the column to None; asking the provider that declined, the relationship
    # ends where it began, so the ORM would not write the id back: set it too.
    entry.confirmation_provider_id = provider.id
    entry.confirmation_requested_at = utcnow()
    db.session.flush()
    return provider


def withdraw_request(entry: PortfolioEntry) -> None:
    """Take back a request the provider has not answered yet."""
    if entry.confirmation_status != REQUESTED:
        raise ConfirmationError("There is no request waiting for an answer.")
    _reset(entry)
    db.session.flush()


def confirm(entry: PortfolioEntry, provider: Provider, actor: User, note: str = "") -> None:
    """The provider confirms the learner took part."""
    _decide(entry, provider, actor, CONFIRMED, note)


def decline(entry: PortfolioEntry, provider: Provider, actor: User, note: str = "") -> None:
    """The provider cannot confirm the learner took part."""
    _decide(entry, provider, actor, DECLINED, note)


def _decide(entry: PortfolioEntry, provider: Provider, actor: User, status: str, note: str) -> None:
    """Record a provider's answer to a request addressed to it, and audit it."""
    if entry.confirmation_status != REQUESTED or entry.confirmation_provider_id != provider.id:
        raise ConfirmationError("There is no request from this learner waiting for you.")
    if not provider.has_member(actor):
        raise ConfirmationError("Only the organisation's members can answer.")
    note = note.strip().replace("\r\n", "\n")
    if len(note) > MAX_NOTE:
        raise ConfirmationError(f"Use at most {MAX_NOTE} characters.")
    entry.confirmation_status = status
    entry.confirmation_decided_at = utcnow()
    entry.confirmation_decided_by = actor
    entry.confirmation_note = note
    # Only the entry's id: the trail outlives the entry, and it need not keep a learner's name.
    detail = {"entry": entry.id, **({"notes": note} if note else {})}
    record_event(
        f"entry.{status}", actor=actor, provider=provider, offering=entry.offering, **detail
    )
    db.session.flush()


def clear_confirmation(entry: PortfolioEntry) -> None:
    """Forget any request or answer: the entry is self-reported again."""
    _reset(entry)
    db.session.flush()


def changed_facts(entry: PortfolioEntry, values: Mapping) -> list[str]:
    """Which of the confirmed facts the values would change (only those given are compared)."""
    return [
        name
        for name in CONFIRMED_FACTS
        if name in values and _differs(name, getattr(entry, name), values[name])
    ]


def _differs(name: str, old, new) -> bool:
    """Whether a fact really changed: hours as stored, to the hundredth."""
    if name.endswith("hours") and old is not None and new is not None:
        return round(float(old), 2) != round(float(new), 2)
    return old != new


def clear_if_facts_changed(entry: PortfolioEntry, changes: Mapping) -> bool:
    """After an edit ({field: [old, new]}), remove a confirmation whose facts changed.

    Returns whether the confirmation was removed. A request still waiting stays:
    the provider answers about the entry as it is when they answer (see `facts_code`).
    """
    if entry.confirmation_status != CONFIRMED:
        return False
    if not any(name in changes and _differs(name, *changes[name]) for name in CONFIRMED_FACTS):
        return False
    clear_confirmation(entry)
    return True


def facts_code(entry: PortfolioEntry) -> str:
    """A short fingerprint of the confirmed facts, to notice they changed while a provider read.

    The provider's form carries it; an answer to facts that have since changed is refused.
    """
    text = "|".join(
        [
            entry.starts_on.isoformat(),
            entry.ends_on.isoformat(),
            f"{float(entry.hours):.2f}",
            f"{float(entry.participatory_hours):.2f}",
            str(entry.offering_id),
            str(entry.session_id),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _reset(entry: PortfolioEntry) -> None:
    entry.confirmation_status = None
    entry.confirmation_provider = None
    entry.confirmation_provider_id = None
    entry.confirmation_requested_at = None
    entry.confirmation_decided_at = None
    entry.confirmation_decided_by = None
    entry.confirmation_decided_by_id = None
    entry.confirmation_note = ""


# --- what providers see --------------------------------------------------------------


def _waiting_for(provider_id: int):
    return (
        PortfolioEntry.confirmation_provider_id == provider_id,
        PortfolioEntry.confirmation_status == REQUESTED,
    )


def pending_count(provider: Provider) -> int:
    """How many requests are waiting for the provider's answer."""
    query = select(func.count(PortfolioEntry.id)).where(*_waiting_for(provider.id))
    return db.session.scalar(query) or 0


def pending_counts(provider_ids: list[int]) -> dict[int, int]:
    """How many requests are waiting for each of these providers, in one query (0s left out)."""
    query = (
        select(PortfolioEntry.confirmation_provider_id, func.count(PortfolioEntry.id))
        .where(
            PortfolioEntry.confirmation_provider_id.in_(provider_ids),
            PortfolioEntry.confirmation_status == REQUESTED,
        )
        .group_by(PortfolioEntry.confirmation_provider_id)
    )
    # .all() first: a Result has keys(), so dict() would take it for a mapping.
    return dict(db.session.execute(query).all())


def pending_requests(provider: Provider, *, page: int = 1) -> list[PortfolioEntry]:
    """A page of the requests waiting for the provider's answer, oldest first."""
    query = (
        select(PortfolioEntry)
        .where(*_waiting_for(provider.id))
        .order_by(PortfolioEntry.confirmation_requested_at, PortfolioEntry.id)
        .options(
            selectinload(PortfolioEntry.user),
            selectinload(PortfolioEntry.offering),
            selectinload(PortfolioEntry.session),
        )
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return list(db.session.scalars(query))


def get_request_for(provider: Provider, entry_id: int) -> PortfolioEntry | None:
    """The entry with this id if its request is addressed to the provider and still waiting."""
    return db.session.scalar(
        select(PortfolioEntry).where(PortfolioEntry.id == entry_id, *_waiting_for(provider.id))
    )
