"""Your data: download everything the Academy holds about you, or delete your account.

Deleting asks for the account's password: it proves that the person at the
keyboard owns the account (not someone at a computer left logged in), and
typing it is a deliberate act that no stray click can make. The POST is
rate-limited like logging in, so it cannot be used to guess a password.
"""

from __future__ import annotations

import orjson
from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import delete, func, select
from sqlalchemy.orm import aliased, selectinload
from wtforms import PasswordField
from wtforms.validators import DataRequired, ValidationError

from academy.accounts import bp
from academy.accounts.models import LoginSession, User
from academy.accounts.operations import oldest_live_session
from academy.catalogue.models import AuditEvent, Provider, ProviderMember
from academy.escalator.position import position_of
from academy.extensions import db, limiter
from academy.portfolios.models import IssuedRecord, PortfolioEntry, ProfileChoice, ShareLink
from academy.portfolios.records.exports import (
    download,
    entries_for_export,
    neutralise_all,
)
from academy.portfolios.records.json_record import SCHEMA_VERSION, iso_utc, portfolio_record
from academy.portfolios.summary import summarise
from academy.reference import reference
from academy.timeutil import today, utcnow

#: History events that name a user (by email) in their detail.
NAMING_ACTIONS = ("provider.member_added", "provider.member_removed")
DELETED_ACCOUNT = "(a deleted account)"


class AccountDeletionError(Exception):
    """The account cannot be deleted yet; the message says why and what to do."""


class DeleteAccountForm(FlaskForm):
    """Confirm deleting your account by typing your password."""

    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password to delete your account.")],
        description="To check it is you. Your account is deleted as soon as you confirm.",
    )

    def validate_password(self, field) -> None:
        """The password must be the current user's."""
        if not current_user.check_password(field.data or ""):
            raise ValidationError("That is not your password. Nothing has been deleted.")


# --- operations: flush, never commit ----------------------------------------------------


def account_record(user: User) -> dict:
    """Everything the Academy holds about a user, except the password hash."""
    ref = reference()
    entries = entries_for_export(user)
    summary = summarise(entries, ref.escalator.keys)
    position = position_of(summary.by_level, ref.escalator)
    actions = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.at)
        .options(selectinload(AuditEvent.provider), selectinload(AuditEvent.offering))
    )
    record = {
        "schema": "relational-learning-academy/account-data",
        "schema_version": SCHEMA_VERSION,
        "generated_at": iso_utc(utcnow()),
        "about": (
            "Everything the Relational Learning Academy holds about you: your account (not your "
            "password, which is stored only as a salted hash), the organisations you belong to, "
            "what you did on their listings, your record profiles, the records you issued, "
            "your share links (never the links themselves, which are not kept), when each of "
            "your log-ins still open began, and your portfolio."
        ),
        "account": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "profession": user.profession,
            "sector": user.sector,
            "region": user.region,
            "self_assessed_level": user.self_assessed_level,
            "roles": user.roles,
            "is_curator": user.is_curator,
            "created_at": iso_utc(user.created_at),
            "last_login_at": iso_utc(user.last_login_at),
        },
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
    record.update(records_held(user))
    record = neutralise_all(record)
    # The portfolio record neutralises its own text: once is the rule.
    record["portfolio"] = portfolio_record(user, entries, summary, position)
    return record


def records_held(user: User) -> dict:
    """A learner's record profiles, issued records, share links and open log-ins, as data."""

    def day(value):
        return value.isoformat() if value else None

    def owned(model):
        return db.session.scalars(select(model).where(model.user_id == user.id).order_by(model.id))

    return {
        "record_profiles": [
            {"profile": choice.profile, "renews_on": day(choice.renews_on)}
            for choice in owned(ProfileChoice)
        ],
        "issued_records": [
            {
                "code": issued.code,
                "profile": issued.profile,
                "format": issued.format,
                "period_start": day(issued.period_start),
                "period_end": day(issued.period_end),
                "entries": issued.entry_count,
                "hours": float(issued.hours),
                "issued_at": iso_utc(issued.issued_at),
                "revoked_at": iso_utc(issued.revoked_at),
                "snapshot_sha256": issued.snapshot_sha256,
                "file_sha256": issued.file_sha256,
            }
            for issued in owned(IssuedRecord)
        ],
        "share_links": [
            {
                "label": link.label,
                "profile": link.profile,
                "period_start": day(link.period_start),
                "period_end": day(link.period_end),
                "created_at": iso_utc(link.created_at),
                "expires_at": iso_utc(link.expires_at),
                "revoked_at": iso_utc(link.revoked_at),
                "open_count": link.open_count,
                "last_opened_at": iso_utc(link.last_opened_at),
            }
            for link in owned(ShareLink)
        ],
        # Only when each began: the token is in the browser's cookie, never here.
        "login_sessions": [
            {"started_at": iso_utc(login.created_at)}
            for login in owned(LoginSession)
            if login.created_at > oldest_live_session()
        ],
    }


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


def providers_left_without_members(user: User) -> list[Provider]:
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


def delete_account(user: User) -> int:
    """Delete a user's portfolio, records, share links and account; returns how many entries went.

    Issued records go too: their codes then check as never issued.
    Memberships go with the account. The organisations' history keeps what
    was done, naming no one: the database sets the events' actor to null, and
    events that named the user by email say "(a deleted account)" instead.
    """
    alone = providers_left_without_members(user)
    if alone:
        names = ", ".join(provider.name for provider in alone)
        raise AccountDeletionError(
            f"You are the only member of {names}. Add another member first, so that someone "
            "can still manage its listings, then delete your account."
        )
    count = db.session.scalar(
        select(func.count()).select_from(PortfolioEntry).where(PortfolioEntry.user_id == user.id)
    )
    for model in (PortfolioEntry, ProfileChoice, IssuedRecord, ShareLink):
        db.session.execute(delete(model).where(model.user_id == user.id))
    for event in events_naming(user):
        event.detail = {**event.detail, "user": DELETED_ACCOUNT}
    db.session.delete(user)
    db.session.flush()
    return count


# --- views ---------------------------------------------------------------------------


def _delete_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.get("/data.json")
@login_required
def data_download():
    """Download everything the Academy holds about you, as JSON."""
    record = account_record(current_user._get_current_object())
    body = orjson.dumps(record)
    return download(body, "application/json", f"academy-data-{today().isoformat()}.json")


@bp.route("/delete", methods=["GET", "POST"])
@limiter.limit(_delete_limit, methods=["POST"])
@login_required
def delete_account_page():
    """Delete your account and your portfolio, after typing your password."""
    user = current_user._get_current_object()
    alone = providers_left_without_members(user)
    entries = db.session.scalar(
        select(func.count()).select_from(PortfolioEntry).where(PortfolioEntry.user_id == user.id)
    )
    form = DeleteAccountForm()
    if alone:
        status = 409 if form.is_submitted() else 200
        return render_template(
            "accounts/delete.html", form=None, alone=alone, entries=entries
        ), status
    if form.validate_on_submit():
        delete_account(user)
        db.session.commit()
        logout_user()
        flash("Your account and your portfolio are deleted.", "success")
        return redirect(url_for("escalator.home"))
    status = 400 if form.errors else 200
    return render_template("accounts/delete.html", form=form, alone=[], entries=entries), status
