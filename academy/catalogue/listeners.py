"""The catalogue's answers to the signals of accounts (academy/signals.py).

An account's memberships and what it did on organisations' listings belong to
the catalogue: it adds them to "your data", says when an account cannot be
deleted (the last member of an organisation), and takes the account's name
out of the organisations' history when it goes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from academy import signals
from academy.accounts.models import User
from academy.catalogue.models import AuditEvent, Provider, ProviderMember
from academy.extensions import db
from academy.spreadsheets.formulas import neutralise_all
from academy.timeutil import iso_utc

#: History events that name a user (by email) in their detail.
NAMING_ACTIONS = ("provider.member_added", "provider.member_removed")
DELETED_ACCOUNT = "(a deleted account)"


def connect() -> None:
    """Answer the signals (blinker keeps one connection however often this runs)."""
    signals.account_data.connect(account_data)
    signals.account_deletion_blockers.connect(providers_left_without_members)
    signals.deleting_account.connect(forget_names_in_history)


def account_data(user: User, **_) -> dict:
    """The organisations a user belongs to, what they did there, and where history names them."""
    actions = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.at)
        .options(selectinload(AuditEvent.provider), selectinload(AuditEvent.offering))
    )
    return neutralise_all(
        {
            "memberships": [
                {
                    "provider": {
                        "slug": member.provider.slug,
                        "name": member.provider.name,
                        "status": member.provider.status,
                    },
                    "added_at": iso_utc(member.added_at),
                }
                for member in memberships_of(user)
            ],
            "actions": [
                {
                    "at": iso_utc(event.at),
                    "action": event.action,
                    "provider": event.provider.slug if event.provider else None,
                    "offering": event.offering.slug if event.offering else None,
                    "detail": event.detail,
                }
                for event in actions
            ],
            "named_in_history": [
                {
                    "at": iso_utc(event.at),
                    "action": event.action,
                    "provider": event.provider.slug if event.provider else None,
                }
                for event in events_naming(user)
            ],
        }
    )


def providers_left_without_members(user: User, **_) -> list[Provider]:
    """The organisations whose only member this user is, by name."""
    other = aliased(ProviderMember)
    someone_else = (
        select(other.provider_id)
        .where(other.provider_id == Provider.id, other.user_id != user.id)
        .exists()
    )
    alone = db.session.scalars(
        select(Provider)
        .join(ProviderMember, ProviderMember.provider_id == Provider.id)
        .where(ProviderMember.user_id == user.id, ~someone_else)
    )
    return sorted(alone, key=lambda provider: provider.name.casefold())


def forget_names_in_history(user: User, **_) -> None:
    """History keeps what was done, naming no one: the events that named the user say
    "(a deleted account)"; the database sets the events' actor to null."""
    for event in events_naming(user):
        event.detail = {**event.detail, "user": DELETED_ACCOUNT}


def events_naming(user: User) -> list[AuditEvent]:
    """History events whose detail names the user by email (being added to an organisation)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action.in_(NAMING_ACTIONS),
                AuditEvent.detail["user"].as_string() == user.email,
            )
            .order_by(AuditEvent.at)
            .options(selectinload(AuditEvent.provider))
        )
    )


def memberships_of(user: User) -> list[ProviderMember]:
    """A user's memberships, in the order they were added, each with its provider."""
    return list(
        db.session.scalars(
            select(ProviderMember)
            .where(ProviderMember.user_id == user.id)
            .order_by(ProviderMember.added_at, ProviderMember.provider_id)
            .options(selectinload(ProviderMember.provider))
        )
    )
