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
from sqlalchemy import select
from wtforms import PasswordField
from wtforms.validators import DataRequired, ValidationError

from academy import signals
from academy.accounts import bp
from academy.accounts.models import LoginSession, User
from academy.accounts.operations import oldest_live_session
from academy.downloads import download
from academy.extensions import db, limiter
from academy.spreadsheets.formulas import neutralise_all
from academy.timeutil import iso_utc, today, utcnow

#: The download's schema version (the same number as the portfolio record's, which it holds).
SCHEMA_VERSION = 1
#: The sections of the download in the order they are written; the features fill them in
#: through `signals.account_data` (a section no one fills is left out).
ACCOUNT_DATA_ORDER = (
    "account",
    "memberships",
    "actions",
    "named_in_history",
    "record_profiles",
    "issued_records",
    "share_links",
    "login_sessions",
    "portfolio",
)


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
    """Everything the Academy holds about a user, except the password hash.

    The account and its open log-ins are this feature's; every other section
    is a higher feature's answer to `signals.account_data`, already neutralised.
    """
    sections = {
        "account": neutralise_all(
            {
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
            }
        ),
        # Only when each began: the token is in the browser's cookie, never here.
        "login_sessions": [
            {"started_at": iso_utc(login.created_at)}
            for login in db.session.scalars(
                select(LoginSession)
                .where(LoginSession.user_id == user.id)
                .order_by(LoginSession.id)
            )
            if login.created_at > oldest_live_session()
        ],
    }
    for answer in signals.answers(signals.account_data, user):
        sections.update(answer)
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
    }
    order = {name: index for index, name in enumerate(ACCOUNT_DATA_ORDER)}
    for name in sorted(sections, key=lambda name: order.get(name, len(order))):
        record[name] = sections[name]
    return record


def deletion_blockers(user: User) -> list:
    """The organisations that would be left with no member if this account went."""
    blockers = []
    for answer in signals.answers(signals.account_deletion_blockers, user):
        blockers.extend(answer)
    return blockers


def deletion_counts(user: User) -> dict:
    """What deleting the account would remove, counted by the features that hold it."""
    counts = {}
    for answer in signals.answers(signals.account_deletion_counts, user):
        counts.update(answer)
    return counts


def delete_account(user: User) -> None:
    """Delete a user's account and everything the features hold of it (flush, never commit).

    Each feature removes or anonymises its own rows on `signals.deleting_account`
    (the portfolio, records and share links go; the organisations' history keeps
    what was done, naming no one); memberships and log-ins go with the account.
    """
    alone = deletion_blockers(user)
    if alone:
        names = ", ".join(provider.name for provider in alone)
        raise AccountDeletionError(
            f"You are the only member of {names}. Add another member first, so that someone "
            "can still manage its listings, then delete your account."
        )
    signals.deleting_account.send(user)
    db.session.delete(user)
    db.session.flush()


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
    alone = deletion_blockers(user)
    entries = deletion_counts(user).get("entries", 0)
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
