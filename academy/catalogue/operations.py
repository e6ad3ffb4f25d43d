"""What the catalogue does: providers, offerings, sessions and their audit trail.

Views, CLI commands and importers all call these. They take domain objects
and already-validated values, flush, and leave committing to the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from academy.accounts.models import User
from academy.catalogue.models import (
    AuditEvent,
    Offering,
    OfferingSession,
    OfferingTag,
    Provider,
    ProviderMember,
)
from academy.extensions import db
from academy.reference import reference
from academy.text import slugify
from academy.timeutil import utcnow


@dataclass(frozen=True)
class OfferingLimits:
    """The most an offering may hold: the form and the spreadsheet import both check these."""

    title: int = 200  # characters
    summary: int = 500
    description: int = 20_000
    co_production_statement: int = 2000
    reference: int = 100
    hours: int = 10_000  # contact hours, and CPD hours
    credit: int = 720  # academic credit
    cost_pounds: int = 100_000


OFFERING_LIMITS = OfferingLimits()

#: Offering fields set directly from validated data.
OFFERING_FIELDS = (
    "title",
    "summary",
    "description",
    "level",
    "format",
    "contact_hours",
    "cpd_hours",
    "credit_value",
    "credit_scheme",
    "academic_level",
    "cost_pence",
    "co_designed",
    "co_delivered",
    "lived_experience_led",
    "co_production_statement",
    "booking_url",
    "reference",
)
#: Multi-valued fields, by the name in data and the facet in offering_tags.
OFFERING_TAG_FIELDS = {"audiences": "audience", "sectors": "sector", "ee_values": "ee_value"}
SESSION_FIELDS = ("starts_on", "ends_on", "venue", "region", "online", "places", "booking_url")


def record_event(
    action: str,
    *,
    actor: User | None = None,
    provider: Provider | None = None,
    offering: Offering | None = None,
    **detail,
) -> AuditEvent:
    """Add an audit event: who did what to which provider or offering."""
    if offering is not None and provider is None:
        provider = offering.provider
    event = AuditEvent(
        action=action, actor=actor, provider=provider, offering=offering, detail=detail
    )
    db.session.add(event)
    return event


def unique_slug(model, text: str, *, exclude_id: int | None = None) -> str:
    """A slug from text that no other row of the model uses: title, title-2, ..."""
    base = slugify(text)
    taken = set(
        db.session.scalars(
            select(model.slug).where(model.slug.like(f"{base}%"), model.id != (exclude_id or 0))
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def create_provider(
    name: str,
    *,
    actor: User | None = None,
    slug: str | None = None,
    status: str = "pending",
    **fields,
) -> Provider:
    """Create a provider (pending until a curator approves it)."""
    provider = Provider(
        name=name, slug=slug or unique_slug(Provider, name), status=status, **fields
    )
    db.session.add(provider)
    db.session.flush()
    record_event("provider.created", actor=actor, provider=provider, status=status)
    return provider


def update_provider(provider: Provider, fields: Mapping, *, actor: User | None = None) -> dict:
    """Change a provider's details; returns what changed."""
    changes = _assign(provider, fields)
    if changes:
        record_event("provider.updated", actor=actor, provider=provider, changes=_jsonable(changes))
        db.session.flush()
    return changes


def approve_provider(provider: Provider, *, actor: User | None = None) -> None:
    """Let a provider's members list offers."""
    provider.status = "approved"
    provider.decline_reason = None
    record_event("provider.approved", actor=actor, provider=provider)
    db.session.flush()


def request_provider(user: User, fields: Mapping) -> Provider:
    """A user asks to list training for an organisation: pending, with them as its member."""
    provider = create_provider(
        fields["name"],
        actor=user,
        status="pending",
        **{name: value for name, value in fields.items() if name != "name"},
    )
    add_member(provider, user, actor=user)
    return provider


def decline_provider(provider: Provider, reason: str, *, actor: User | None = None) -> None:
    """Turn down a provider's request, with a reason its members see."""
    provider.status = "declined"
    provider.decline_reason = reason
    record_event("provider.declined", actor=actor, provider=provider, reason=reason)
    db.session.flush()


def resubmit_provider(provider: Provider, *, actor: User | None = None) -> None:
    """A declined provider, its details changed, asks the curators again."""
    provider.status = "pending"
    record_event("provider.resubmitted", actor=actor, provider=provider)
    db.session.flush()


class MembershipError(ValueError):
    """A change to a provider's members that cannot be made; the message says why."""


def add_member(provider: Provider, user: User, *, actor: User | None = None) -> ProviderMember:
    """Make a user a member of a provider (once)."""
    for member in provider.members:
        if member.user_id == user.id:
            return member
    member = ProviderMember(provider=provider, user=user)
    db.session.add(member)
    record_event("provider.member_added", actor=actor, provider=provider, user=user.email)
    db.session.flush()
    return member


def remove_member(provider: Provider, user: User, *, actor: User | None = None) -> None:
    """Take a user off a provider's members; the last member stays."""
    member = next((m for m in provider.members if m.user_id == user.id), None)
    if member is None:
        raise MembershipError(f"{user.name} is not a member of {provider.name}.")
    if len(provider.members) == 1:
        raise MembershipError(
            f"{user.name} is the only member of {provider.name}. Add someone else first."
        )
    provider.members.remove(member)
    record_event("provider.member_removed", actor=actor, provider=provider, user=user.email)
    db.session.flush()


def _assign(target, values: Mapping) -> dict:
    """Set the attributes that differ; returns {name: [old, new]} for each."""
    changes = {}
    for name, value in values.items():
        old = getattr(target, name)
        if old != value:
            changes[name] = [old, value]
            setattr(target, name, value)
    return changes


def _set_tags(offering: Offering, facet: str, keys: Iterable[str]) -> bool:
    """Replace one facet's tags; returns whether anything changed."""
    wanted = list(dict.fromkeys(keys))
    current = [t for t in offering.tags if t.facet == facet]
    if sorted(t.key for t in current) == sorted(wanted):
        return False
    for tag in current:
        offering.tags.remove(tag)
    db.session.flush()  # the old rows go before new ones with the same key arrive
    offering.tags.extend(OfferingTag(facet=facet, key=key) for key in wanted)
    return True


def refresh_regions(offering: Offering) -> None:
    """Derive the offering's regions from its sessions and its format.

    An offering is in every region one of its sessions is in; online sessions
    and online formats put it in "online" too. Kept as tags so that a region
    filter and its facet count cost the same as a sector's.
    """
    places = [(session.region, session.online) for session in offering.sessions]
    _set_tags(offering, "region", regions_of(places, offering.format))


def regions_of(places: Iterable[tuple[str | None, bool]], format_key: str) -> list[str]:
    """The regions of (region, online) session places, plus "online" for an online format."""
    regions = {region for region, _ in places if region}
    if any(online for _, online in places):
        regions.add("online")
    term = reference().formats.get(format_key)
    if term is not None and term.extra.get("mode") == "online":
        regions.add("online")
    return sorted(regions)


def _apply_offering_data(offering: Offering, data: Mapping) -> dict:
    """Copy validated data onto an offering; returns {field: [old, new]}."""
    changes = _assign(offering, {name: data[name] for name in OFFERING_FIELDS if name in data})
    for name, facet in OFFERING_TAG_FIELDS.items():
        if name in data:
            before = offering.tag_keys(facet)
            if _set_tags(offering, facet, data[name]):
                changes[name] = [before, list(data[name])]
    return changes


def create_offering(provider: Provider, data: Mapping, *, actor: User | None = None) -> Offering:
    """Create a draft offering for a provider from validated data."""
    offering = Offering(
        provider=provider, slug=unique_slug(Offering, data["title"]), status="draft"
    )
    db.session.add(offering)
    _apply_offering_data(offering, data)
    refresh_regions(offering)
    db.session.flush()
    record_event("offering.created", actor=actor, offering=offering)
    return offering


def update_offering(offering: Offering, data: Mapping, *, actor: User | None = None) -> dict:
    """Change an offering's details; returns what changed (audited when anything did)."""
    changes = _apply_offering_data(offering, data)
    if "format" in changes:
        refresh_regions(offering)
    if changes:
        offering.updated_at = utcnow()  # tag changes alone leave the row clean
        db.session.flush()
        record_event(
            "offering.updated",
            actor=actor,
            offering=offering,
            changes=_jsonable(changes),
            live=offering.is_published,
        )
    return changes


def replace_sessions(
    offering: Offering, sessions: list[Mapping], *, actor: User | None = None
) -> bool:
    """Make the offering's sessions exactly these, updating rows in place.

    Sessions are matched by position (soonest first), so re-importing or
    re-seeding the same dates changes nothing. Returns whether anything changed.
    """
    wanted = sorted(sessions, key=lambda s: (s["starts_on"], s["ends_on"]))
    current = list(offering.sessions)
    changed = len(current) != len(wanted)
    for row, values in zip(current, wanted, strict=False):
        for name in SESSION_FIELDS:
            value = values.get(name, _session_default(name))
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
    for row in current[len(wanted) :]:
        offering.sessions.remove(row)
    for values in wanted[len(current) :]:
        offering.sessions.append(
            OfferingSession(**{n: values.get(n, _session_default(n)) for n in SESSION_FIELDS})
        )
    if changed:
        _sessions_changed(offering, "offering.sessions_changed", actor, count=len(wanted))
    return changed


def add_session(offering: Offering, values: Mapping, *, actor: User | None = None):
    """Add one dated run to an offering."""
    session = OfferingSession(**{n: values.get(n, _session_default(n)) for n in SESSION_FIELDS})
    offering.sessions.append(session)
    _sessions_changed(offering, "offering.session_added", actor, dates=_dates(session))
    return session


def update_session(
    offering: Offering, session: OfferingSession, values: Mapping, *, actor: User | None = None
) -> dict:
    """Change one of an offering's sessions; returns what changed."""
    changes = _assign(session, {n: values[n] for n in SESSION_FIELDS if n in values})
    if changes:
        _sessions_changed(
            offering, "offering.session_changed", actor, dates=_dates(session), changes=changes
        )
    return changes


def remove_session(
    offering: Offering, session: OfferingSession, *, actor: User | None = None
) -> None:
    """Take one dated run off an offering."""
    dates = _dates(session)
    offering.sessions.remove(session)
    _sessions_changed(offering, "offering.session_removed", actor, dates=dates)


def _dates(session: OfferingSession) -> str:
    return f"{session.starts_on.isoformat()} to {session.ends_on.isoformat()}"


def _sessions_changed(offering: Offering, action: str, actor: User | None, **detail) -> None:
    """After a change to dates: keep them in order, re-derive regions, audit."""
    offering.updated_at = utcnow()
    db.session.flush()
    # Reload so the collection is in date order again for this request.
    db.session.refresh(offering, ["sessions"])
    refresh_regions(offering)
    if "changes" in detail:
        detail["changes"] = _jsonable(detail["changes"])
    record_event(action, actor=actor, offering=offering, live=offering.is_published, **detail)
    db.session.flush()


def _session_default(name: str):
    return {"venue": "", "online": False}.get(name)


def publish_offering(offering: Offering, *, actor: User | None = None) -> None:
    """Make an offering public."""
    if offering.status == "published":
        return
    offering.status = "published"
    offering.published_at = offering.published_at or utcnow()
    record_event("offering.published", actor=actor, offering=offering)
    db.session.flush()


def _jsonable(changes: dict) -> dict:
    """Audit details are JSON: dates become ISO strings."""
    return {
        name: [v.isoformat() if isinstance(v, date) else v for v in pair]
        for name, pair in changes.items()
    }
