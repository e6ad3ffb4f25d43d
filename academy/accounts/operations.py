"""What accounts do: register, authenticate, change a profile. Flush, never commit."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from academy.accounts.models import User
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
