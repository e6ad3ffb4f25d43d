"""A learner's portfolio: one entry per completed activity."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.accounts.models import User
from academy.catalogue.models import Hours, Offering, OfferingSession, Provider
from academy.extensions import db
from academy.timeutil import utcnow


class PortfolioEntry(db.Model):
    """One completed activity, from the catalogue or from anywhere else, with reflections.

    The fields follow a combined CPD log (NMC, HCPC, Social Work England,
    RCPsych), so one record serves an appraisal or a regulator's renewal.
    """

    __tablename__ = "portfolio_entries"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("hours >= 0", name="hours_not_negative"),
        CheckConstraint(
            "participatory_hours >= 0 AND participatory_hours <= hours",
            name="participatory_within_hours",
        ),
        Index("ix_portfolio_entries_user_starts", "user_id", "starts_on"),
        Index(
            "ix_portfolio_entries_confirmation",
            "confirmation_provider_id",
            "confirmation_status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    offering_id: Mapped[int | None] = mapped_column(
        ForeignKey("offerings.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("offering_sessions.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    provider_name: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Hours)
    participatory_hours: Mapped[float] = mapped_column(Hours, default=0)
    activity_type: Mapped[str] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(40))
    format: Mapped[str | None] = mapped_column(String(40))
    co_delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    co_designed: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    learning: Mapped[str] = mapped_column(Text, default="")
    practice_change: Mapped[str] = mapped_column(Text, default="")
    peer_discussion: Mapped[str] = mapped_column(Text, default="")
    standards_link: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Provider confirmation: None, "requested", "confirmed" or "declined". The
    # provider is fixed when the learner asks: the offering's provider then.
    confirmation_status: Mapped[str | None] = mapped_column(String(12))
    confirmation_provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("providers.id", ondelete="SET NULL")
    )
    confirmation_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirmation_decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirmation_decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    confirmation_note: Mapped[str] = mapped_column(String(500), default="", server_default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    offering: Mapped[Offering | None] = relationship()
    session: Mapped[OfferingSession | None] = relationship()
    confirmation_provider: Mapped[Provider | None] = relationship()
    confirmation_decided_by: Mapped[User | None] = relationship(
        foreign_keys=[confirmation_decided_by_id]
    )

    @property
    def is_confirmed(self) -> bool:
        """Whether the offering's provider confirmed the learner took part."""
        return self.confirmation_status == "confirmed"

    @property
    def has_reflection(self) -> bool:
        """Whether the learner wrote what they learnt or how their practice changed."""
        return bool(self.learning.strip() or self.practice_change.strip())

    @property
    def offering_slug(self) -> str | None:
        """The slug of the catalogue offer it was recorded from, if any."""
        return self.offering.slug if self.offering else None

    @property
    def days(self) -> int:
        """Calendar days the activity spanned."""
        return (self.ends_on - self.starts_on).days + 1

    def __repr__(self) -> str:
        return f"<PortfolioEntry {self.id} of user {self.user_id}>"


class ProfileChoice(db.Model):
    """A record profile a learner has chosen (NMC, HCPC...), with their renewal date."""

    __tablename__ = "profile_choices"
    __table_args__ = (UniqueConstraint("user_id", "profile"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    profile: Mapped[str] = mapped_column(String(40))
    renews_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ProfileChoice {self.profile} of user {self.user_id}>"


class IssuedRecord(db.Model):
    """A record a learner downloaded (PDF, xlsx, JSON), frozen so anyone can check it.

    `snapshot` is the record's canonical JSON (sorted keys, no spaces), and
    `snapshot_sha256` its hash; `file_sha256` is the hash of the exact file
    issued. `/verify/<code>` compares an uploaded file or a pasted hash with both.
    """

    __tablename__ = "issued_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    profile: Mapped[str] = mapped_column(String(40))
    format: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[float] = mapped_column(Hours, default=0)
    snapshot: Mapped[str] = mapped_column(Text)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        """Whether the learner withdrew the record."""
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<IssuedRecord {self.code}>"


class ShareLink(db.Model):
    """A read-only link to a learner's portfolio, or to one profile's period of it.

    Only the SHA-256 of the token is kept: the link is shown once, when made,
    and a copy of the database cannot open anyone's portfolio.
    """

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    profile: Mapped[str | None] = mapped_column(String(40))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    open_count: Mapped[int] = mapped_column(Integer, default=0)
    last_opened_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ShareLink {self.id} of user {self.user_id}>"
