"""Providers, their offerings, the offerings' dated sessions, and the audit trail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.accounts.models import User
from academy.extensions import db
from academy.timeutil import today, utcnow

PROVIDER_STATUSES = ("pending", "approved", "declined")
OFFERING_STATUSES = ("draft", "submitted", "published", "withdrawn")
Hours = Numeric(7, 2, asdecimal=False)


class Provider(db.Model):
    """An organisation that offers training."""

    __tablename__ = "providers"
    __table_args__ = (CheckConstraint(f"status IN {PROVIDER_STATUSES!r}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    description: Mapped[str] = mapped_column(Text, default="")
    user_led: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decline_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    members: Mapped[list[ProviderMember]] = relationship(
        back_populates="provider", cascade="all, delete-orphan"
    )
    offerings: Mapped[list[Offering]] = relationship(back_populates="provider")

    @property
    def is_approved(self) -> bool:
        """Whether curators have approved the provider."""
        return self.status == "approved"

    def has_member(self, user: User | None) -> bool:
        """Whether the user is one of the provider's members."""
        return user is not None and any(m.user_id == user.id for m in self.members)

    def __repr__(self) -> str:
        return f"<Provider {self.slug}>"


class ProviderMember(db.Model):
    """A user who may manage a provider's offers."""

    __tablename__ = "provider_members"

    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    provider: Mapped[Provider] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships")


class Offering(db.Model):
    """One training activity, event or course."""

    __tablename__ = "offerings"
    __table_args__ = (
        CheckConstraint(f"status IN {OFFERING_STATUSES!r}", name="status"),
        CheckConstraint("cost_pence >= 0", name="cost_not_negative"),
        UniqueConstraint("provider_id", "reference", name="uq_offerings_provider_reference"),
        Index("ix_offerings_status_level", "status", "level"),
        Index("ix_offerings_status_format", "status", "format"),
        Index("ix_offerings_status_published_at", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    reference: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(40))
    format: Mapped[str] = mapped_column(String(40))
    contact_hours: Mapped[float | None] = mapped_column(Hours)
    cpd_hours: Mapped[float | None] = mapped_column(Hours)
    credit_value: Mapped[int | None] = mapped_column(Integer)
    credit_scheme: Mapped[str | None] = mapped_column(String(40))
    academic_level: Mapped[str | None] = mapped_column(String(40))
    cost_pence: Mapped[int] = mapped_column(Integer, default=0)
    co_designed: Mapped[bool] = mapped_column(Boolean, default=False)
    co_delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    lived_experience_led: Mapped[bool] = mapped_column(Boolean, default=False)
    co_production_statement: Mapped[str] = mapped_column(Text, default="")
    booking_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    reviewer_notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)

    provider: Mapped[Provider] = relationship(back_populates="offerings")
    tags: Mapped[list[OfferingTag]] = relationship(
        back_populates="offering", cascade="all, delete-orphan", order_by="OfferingTag.key"
    )
    sessions: Mapped[list[OfferingSession]] = relationship(
        back_populates="offering",
        cascade="all, delete-orphan",
        order_by="(OfferingSession.starts_on, OfferingSession.id)",
    )

    def tag_keys(self, facet: str) -> list[str]:
        """The keys this offering holds in one multi-valued facet."""
        return [t.key for t in self.tags if t.facet == facet]

    @property
    def audiences(self) -> list[str]:
        """Audience keys."""
        return self.tag_keys("audience")

    @property
    def sectors(self) -> list[str]:
        """Sector keys."""
        return self.tag_keys("sector")

    @property
    def ee_values(self) -> list[str]:
        """Enabling Environments value keys."""
        return self.tag_keys("ee_value")

    @property
    def regions(self) -> list[str]:
        """Region keys, derived from the sessions and the format."""
        return self.tag_keys("region")

    @property
    def is_published(self) -> bool:
        """Whether the public can see the offering."""
        return self.status == "published"

    @property
    def is_free(self) -> bool:
        """Whether the offering costs nothing."""
        return self.cost_pence == 0

    @property
    def is_self_paced(self) -> bool:
        """Self-paced offers have no dates and are always available."""
        return not self.sessions

    @property
    def upcoming_sessions(self) -> list[OfferingSession]:
        """Sessions that have not yet ended, soonest first."""
        now = today()
        return [s for s in self.sessions if s.ends_on >= now]

    def __repr__(self) -> str:
        return f"<Offering {self.slug}>"


class OfferingTag(db.Model):
    """One value of a multi-valued facet of an offering (audience, sector...)."""

    __tablename__ = "offering_tags"
    __table_args__ = (Index("ix_offering_tags_facet_key", "facet", "key", "offering_id"),)

    offering_id: Mapped[int] = mapped_column(
        ForeignKey("offerings.id", ondelete="CASCADE"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)

    offering: Mapped[Offering] = relationship(back_populates="tags")


class OfferingSession(db.Model):
    """A dated run of an offering ("session" or "dates" to people)."""

    __tablename__ = "offering_sessions"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_offering_sessions_offering_starts", "offering_id", "starts_on"),
        Index("ix_offering_sessions_starts_on", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str | None] = mapped_column(String(40))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    places: Mapped[int | None] = mapped_column(Integer)
    booking_url: Mapped[str | None] = mapped_column(String(500))

    offering: Mapped[Offering] = relationship(back_populates="sessions")

    @property
    def days(self) -> int:
        """How many calendar days the session spans."""
        return (self.ends_on - self.starts_on).days + 1

    def __repr__(self) -> str:
        return f"<OfferingSession {self.offering_id} {self.starts_on}>"


class CatalogueState(db.Model):
    """One row whose version goes up whenever the catalogue changes.

    Database triggers on offerings, offering_tags, offering_sessions and
    providers bump it (see the migration), so every write path counts, bulk
    ones included. Each process's search index compares it to know when to
    rebuild.
    """

    __tablename__ = "catalogue_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(db.Model):
    """Who did what to which offering or provider, and when."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_offering_at", "offering_id", "at"),
        Index("ix_audit_events_provider_at", "provider_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"))
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id", ondelete="SET NULL"))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    provider: Mapped[Provider | None] = relationship()
    offering: Mapped[Offering | None] = relationship()
