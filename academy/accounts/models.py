"""Users and their roles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from academy.extensions import db
from academy.timeutil import utcnow

if TYPE_CHECKING:
    from academy.catalogue.models import ProviderMember

ROLES = ("learner", "provider", "curator")


class User(UserMixin, db.Model):
    """A person with an account. Everyone is a learner; some are more."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    profession: Mapped[str | None] = mapped_column(String(40))
    sector: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(40))
    self_assessed_level: Mapped[str | None] = mapped_column(String(40))
    is_curator: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    memberships: Mapped[list[ProviderMember]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    login_sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    #: The token of the login session this object was loaded for (not a column):
    #: Flask-Login keeps it in the signed session cookie as the user's id.
    login_token = None

    def get_id(self) -> str | None:
        """What Flask-Login keeps in the session cookie: the login session's token."""
        return self.login_token

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password, never the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_provider_member(self) -> bool:
        """Whether the user belongs to at least one provider."""
        return bool(self.memberships)

    @property
    def roles(self) -> list[str]:
        """The user's roles: always learner, then provider and curator as held."""
        roles = ["learner"]
        if self.is_provider_member:
            roles.append("provider")
        if self.is_curator:
            roles.append("curator")
        return roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class LoginSession(db.Model):
    """One log-in on one browser, until it logs out, changes the password or grows old.

    The session cookie holds a random token; only its SHA-256 is stored here,
    so a copy of the database lets no one in. Deleting the row ends the session
    at once, wherever its cookie is.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="login_sessions")
