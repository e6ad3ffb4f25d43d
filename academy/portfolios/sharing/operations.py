"""Share links: a read-only view of a learner's portfolio, or of one profile's period of it.

A link is `/shared/<token>`, where the token is 32 random bytes in URL-safe
base64 (43 characters). Only the token's SHA-256 is stored: the learner sees
the link once, when it is made, and a copy of the database opens nothing.
Looking a link up means hashing what was sent and one indexed lookup, the same
work for a token that never existed, a malformed one and a real one.

A link's scope is fixed when it is made: the whole portfolio (every entry,
including those recorded later), or a profile and the period worked out for
it that day, stored on the link so it does not drift as the days pass.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from academy.accounts.models import User
from academy.extensions import db
from academy.portfolios.models import ShareLink
from academy.portfolios.records.issued import Scope, scope_for
from academy.portfolios.records.periods import Period
from academy.reference import reference
from academy.timeutil import utcnow

#: Random bytes in a token: secrets.token_urlsafe(32) gives 43 characters.
TOKEN_BYTES = 32
DEFAULT_DAYS = 30
MAX_DAYS = 365
LABEL_MAX = 120

LIVE, EXPIRED, REVOKED = "live", "expired", "revoked"


def hash_token(token: str) -> str:
    """The SHA-256 of a token, in hex: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8", "backslashreplace")).hexdigest()


def create_share(
    user: User, *, label: str = "", profile_key: str | None = None, days: int = DEFAULT_DAYS
) -> tuple[ShareLink, str]:
    """Make a share link; returns it and its token, which is never stored or shown again.

    `profile_key` None is the whole portfolio; a profile's period is worked out
    now (`records.scope_for`) and stored. Raises records.UnknownProfile for a
    key that is not a profile, and ValueError for days outside 1 to MAX_DAYS.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"a link lasts from 1 to {MAX_DAYS} days, not {days}")
    scope = scope_for(user, profile_key) if profile_key else None
    period = scope.period if scope else None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow().replace(microsecond=0)
    link = ShareLink(
        user_id=user.id,
        token_sha256=hash_token(token),
        label=label.strip()[:LABEL_MAX],
        profile=profile_key or None,
        period_start=period.starts_on if period else None,
        period_end=period.ends_on if period else None,
        created_at=now,
        expires_at=now + timedelta(days=days),
        open_count=0,
    )
    db.session.add(link)
    db.session.flush()
    return link, token


def shares_of(user: User) -> list[ShareLink]:
    """A learner's share links, newest first."""
    return list(
        db.session.scalars(
            select(ShareLink)
            .where(ShareLink.user_id == user.id)
            .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
        )
    )


def get_share_for_owner(user: User, share_id: int) -> ShareLink | None:
    """One of this learner's links, or None (another learner's id included)."""
    return db.session.scalar(
        select(ShareLink).where(ShareLink.id == share_id, ShareLink.user_id == user.id)
    )


def find_share(token: str) -> ShareLink | None:
    """The link with this token, whatever its state, or None: one lookup by the token's hash."""
    return db.session.scalar(select(ShareLink).where(ShareLink.token_sha256 == hash_token(token)))


def state_of(link: ShareLink, now: datetime | None = None) -> str:
    """LIVE, EXPIRED or REVOKED (a revoked link says so, even once past its expiry)."""
    if link.revoked_at is not None:
        return REVOKED
    if (now or utcnow()) >= link.expires_at:
        return EXPIRED
    return LIVE


def revoke_share(link: ShareLink) -> None:
    """Withdraw a link: from now on it opens nothing. Revoking twice keeps the first time."""
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        db.session.flush()


def record_opening(link: ShareLink) -> None:
    """Count one opening, in one UPDATE: openings at the same moment are all counted."""
    db.session.execute(
        update(ShareLink.__table__)
        .where(ShareLink.__table__.c.id == link.id)
        .values(open_count=ShareLink.__table__.c.open_count + 1, last_opened_at=utcnow())
    )


def scope_of(link: ShareLink) -> Scope:
    """The record a link shows: the whole portfolio, or its profile over the stored period.

    A profile since taken out of data/ keeps the stored period under the general
    profile's wording: the link never shows more than it did.
    """
    profiles = reference().record_profiles
    if not link.profile:
        return Scope(profiles.get("general"), None)
    profile = profiles.get(link.profile) or profiles.get("general")
    if link.period_start is None or link.period_end is None:
        # Never made so; an empty period rather than every entry, if it were.
        return Scope(profile, Period(date.max, date.max))
    return Scope(profile, Period(link.period_start, link.period_end))


def scope_label(link: ShareLink) -> str:
    """ "Whole portfolio", or e.g. "NMC revalidation: 2 May 2024 to 1 May 2027"."""
    return scope_text(link.profile, link.period_start, link.period_end)


def scope_text(profile_key: str | None, starts_on: date | None, ends_on: date | None) -> str:
    """A scope in words: "Whole portfolio", or a profile's label and its period."""
    if not profile_key:
        return "Whole portfolio"
    label = reference().record_profiles.label(profile_key)
    if starts_on is None or ends_on is None:
        return label
    return f"{label}: {long_date(starts_on)} to {long_date(ends_on)}"


def long_date(day: date) -> str:
    """2 May 2024."""
    return f"{day.day} {day:%B %Y}"
