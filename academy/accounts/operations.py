"""What accounts do: register, authenticate, change a profile. Flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from academy.accounts.models import LoginSession, User
from academy.extensions import db
from academy.timeutil import utcnow

PROFILE_FIELDS = ("name", "profession", "sector", "region", "self_assessed_level")
# Checked when no account matches, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


def normalise_email(email: str) -> str:
    """Emails are compared without surrounding space or case."""
    return email.strip().lower()


def find_user(email: str) -> User | None:
    """The user with this email, or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def register_user(email: str, password: str, name: str, **profile) -> User:
    """Create a learner account."""
    user = User(email=normalise_email(email), name=name.strip())
    user.set_password(password)
    for field in PROFILE_FIELDS[1:]:
        setattr(user, field, profile.get(field) or None)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password these are, or None (never saying which was wrong)."""
    user = find_user(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def update_profile(user: User, data: Mapping) -> None:
    """Change a user's name and the profile that shapes their recommendations."""
    for field in PROFILE_FIELDS:
        if field in data:
            value = data[field]
            setattr(user, field, value.strip() if field == "name" else (value or None))
    db.session.flush()


def _token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def oldest_live_session():
    """When the oldest login session still in use began (LOGIN_SESSION_DAYS ago)."""
    return utcnow() - timedelta(days=current_app.config["LOGIN_SESSION_DAYS"])


def start_login_session(user: User) -> str:
    """Begin a login session for a user (forgetting everyone's expired ones); returns its token."""
    db.session.execute(delete(LoginSession).where(LoginSession.created_at <= oldest_live_session()))
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, token_sha256=_token_sha256(token)))
    db.session.flush()
    user.login_token = token
    return token


def user_for_login_token(token: str) -> User | None:
    """The user whose live login session this token is, or None (one query)."""
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(
        select(User)
        .join(LoginSession)
        .where(
            LoginSession.token_sha256 == _token_sha256(token),
            LoginSession.created_at > oldest_live_session(),
        )
    )
    if user is not None:
        user.login_token = token
    return user


def end_login_session(user: User) -> None:
    """End the login session the user is using now, wherever its cookie is."""
    if user.login_token:
        db.session.execute(
            delete(LoginSession).where(LoginSession.token_sha256 == _token_sha256(user.login_token))
        )
        user.login_token = None


def change_password(user: User, password: str) -> None:
    """Set a new password and end every login session the user has, wherever it is."""
    user.set_password(password)
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.login_token = None
    db.session.flush()
