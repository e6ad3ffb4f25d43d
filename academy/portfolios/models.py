"""A learner's portfolio: one entry per completed activity."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.accounts.models import User
from academy.catalogue.models import Hours, Offering, OfferingSession
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

    user: Mapped[User] = relationship()
    offering: Mapped[Offering | None] = relationship()
    session: Mapped[OfferingSession | None] = relationship()

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
