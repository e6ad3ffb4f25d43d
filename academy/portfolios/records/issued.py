"""A portfolio record for one reader: its scope, its contents, and issuing it for verification.

A *scope* is a record profile and a period: the general profile without a
period is the whole portfolio; a regulator's profile covers its period,
worked out from the renewal date the learner gave (`profiles.period_for`).
`build_record` gathers what every format shows (entries, figures, progress,
columns); `issue_record` freezes it as an IssuedRecord, whose code is printed
on the file and checked at `/verify/<code>`.

Codes are 16 characters of Crockford's base32 (80 random bits) in groups of
four, e.g. ``7KQ2-M9XD-4HTR-BN3P``: short enough to type from paper, far too
many to guess (and `/verify/` is rate-limited).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

import orjson
from sqlalchemy import select

from academy.accounts.models import User
from academy.escalator.position import Position, position_of
from academy.extensions import db
from academy.portfolios.models import IssuedRecord
from academy.portfolios.queries import entry_rows, profile_choices_of
from academy.portfolios.records.columns import profile_columns, reflection_columns
from academy.portfolios.records.exports import Column, has_reflective_writing
from academy.portfolios.records.json_record import portfolio_record
from academy.portfolios.records.periods import (
    Period,
    ProfileProgress,
    credits_by_entry,
    has_written,
    period_for,
    progress,
)
from academy.portfolios.summary import Summary, summarise
from academy.reference import RecordProfile, reference
from academy.timeutil import today, utcnow

#: Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
ISSUED_FORMATS = ("pdf", "xlsx", "json")


class UnknownProfile(ValueError):
    """A record profile key that is not in data/record_profiles.toml."""


@dataclass(frozen=True)
class Scope:
    """What a record covers: a profile, and a period (None: every entry)."""

    profile: RecordProfile
    period: Period | None

    @property
    def is_whole_portfolio(self) -> bool:
        """Whether the record holds every entry, whatever its date."""
        return self.period is None


def scope_for(user: User, profile_key: str | None, on: date | None = None) -> Scope:
    """The scope of a record: the whole portfolio, or a profile's period for this learner.

    The period uses the renewal date the learner gave for that profile, if any.
    Raises UnknownProfile for a key that is not a profile.
    """
    profiles = reference().record_profiles
    if not profile_key:
        return Scope(profiles.get("general"), None)
    profile = profiles.get(profile_key)
    if profile is None:
        raise UnknownProfile(profile_key)
    renews_on = next(
        (c.renews_on for c in profile_choices_of(user) if c.profile == profile_key), None
    )
    return Scope(profile, period_for(profile, renews_on, on or today()))


@dataclass
class Record:
    """Everything a record shows, in any format."""

    user: User
    scope: Scope
    entries: list
    summary: Summary
    position: Position
    progress: ProfileProgress | None
    columns: tuple[Column, ...]
    reflection_columns: tuple[Column, ...]
    reflective: list
    generated_at: datetime = field(default_factory=utcnow)
    code: str | None = None

    @property
    def profile(self) -> RecordProfile:
        """The record's profile."""
        return self.scope.profile

    @cached_property
    def document(self) -> dict:
        """The portfolio as a JSON record's document (`portfolio_record`), made once.

        A JSON download and the snapshot its issue keeps are both made from it: at
        2,000 entries each making took about 100 ms.
        """
        return portfolio_record(self.user, self.entries, self.summary, self.position)

    @cached_property
    def reflective_numbers(self) -> dict[int, int]:
        """Each reflective entry's id and its number on the reflective pages (from 1)."""
        return {entry.id: number for number, entry in enumerate(self.reflective, start=1)}

    @property
    def confirmed(self) -> int:
        """How many entries the provider confirmed."""
        return sum(1 for entry in self.entries if entry.confirmation_status == "confirmed")


def build_record(user: User, scope: Scope) -> Record:
    """Gather a record's entries (in the profile's order), figures, progress and columns."""
    ref = reference()
    period = scope.period
    entries = entry_rows(
        user,
        starts_on=period.starts_on if period else None,
        ends_on=period.ends_on if period else None,
        oldest_first=scope.profile.oldest_first,
    )
    summary = summarise(entries, ref.escalator.keys)
    profile = scope.profile
    credits = credits_by_entry(entries) if _names_credits(profile) else {}
    if profile.reflection_columns and profile.key != "general":
        needed = _reflection_requires(profile)
        reflective = [entry for entry in entries if has_written(entry, needed)]
    else:
        reflective = [entry for entry in entries if has_reflective_writing(entry)]
    return Record(
        user=user,
        scope=scope,
        entries=entries,
        summary=summary,
        position=position_of(summary.by_level, ref.escalator),
        progress=progress(profile, entries, period, period.ends_on) if period else None,
        columns=profile_columns(profile, credits),
        reflection_columns=reflection_columns(profile),
        reflective=reflective,
    )


def _names_credits(profile: RecordProfile) -> bool:
    return any(column.field == "credits" for column in profile.columns)


def _reflection_requires(profile: RecordProfile) -> tuple[str, ...]:
    """What an entry must have written to appear on a profile's reflective pages."""
    fields = [column.field for column in profile.reflection_columns]
    if "peer_discussion" in fields and "peer_discussion" not in profile.reflective_fields:
        return ("peer_discussion",)
    return profile.reflective_fields or tuple(fields[:1])


# --- issuing ----------------------------------------------------------------------------


def new_code() -> str:
    """A fresh random code, e.g. 7KQ2-M9XD-4HTR-BN3P."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str | None:
    """A code as typed (any case, spaces or dashes, O for 0) in its printed form, or None."""
    raw = "".join(ch for ch in text.upper() if ch not in " -").translate(_READ_AS)
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def canonical_json(data) -> bytes:
    """JSON with sorted keys and no spaces: the same data always gives the same bytes."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def sha256(data: bytes) -> str:
    """The SHA-256 of some bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def snapshot_of(record: Record, kind: str) -> dict:
    """What was issued, frozen: who, which profile and period, the figures and every entry."""
    period = record.scope.period
    document = record.document
    data = {
        **document,
        # Without each entry's badge: derived from the rest, and half the size.
        "entries": [
            {key: value for key, value in entry.items() if key != "open_badge"}
            for entry in document["entries"]
        ],
    }
    data["issued"] = {
        "code": record.code,
        "format": kind,
        "issued_at": data["generated_at"],
        "profile": record.profile.key,
        "profile_label": record.profile.label,
        "period": (
            {"starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat()}
            if period
            else None
        ),
    }
    data["learner"] = {"name": data["learner"]["name"]}  # no email or profile in a snapshot
    return data


def issue_record(record: Record, kind: str) -> IssuedRecord:
    """Give a record a code and freeze its snapshot; `seal` adds the file's hash once made."""
    record.code = _unused_code()
    snapshot = canonical_json(snapshot_of(record, kind))
    period = record.scope.period
    issued = IssuedRecord(
        user_id=record.user.id,
        code=record.code,
        profile=record.profile.key,
        format=kind,
        period_start=period.starts_on if period else None,
        period_end=period.ends_on if period else None,
        entry_count=record.summary.entries,
        hours=round(record.summary.hours, 2),
        snapshot=snapshot.decode("utf-8"),
        snapshot_sha256=sha256(snapshot),
        issued_at=record.generated_at.replace(microsecond=0),
    )
    db.session.add(issued)
    db.session.flush()
    return issued


def seal(issued: IssuedRecord, body: bytes) -> None:
    """Keep the hash of the exact file given to the learner."""
    issued.file_sha256 = sha256(body)
    db.session.flush()


def _unused_code() -> str:
    while True:  # 2**80 codes: a clash is all but impossible, but cheap to rule out
        code = new_code()
        if db.session.scalar(select(IssuedRecord.id).where(IssuedRecord.code == code)) is None:
            return code


def issued_records_of(user: User) -> list[IssuedRecord]:
    """A learner's issued records, newest first."""
    return list(
        db.session.scalars(
            select(IssuedRecord)
            .where(IssuedRecord.user_id == user.id)
            .order_by(IssuedRecord.issued_at.desc(), IssuedRecord.id.desc())
        )
    )


def revoke_record(issued: IssuedRecord) -> None:
    """Withdraw an issued record: from now on /verify/ says it is revoked."""
    if issued.revoked_at is None:
        issued.revoked_at = utcnow()
        db.session.flush()


def find_issued(code: str) -> IssuedRecord | None:
    """The issued record with this printed code, or None."""
    return db.session.scalar(select(IssuedRecord).where(IssuedRecord.code == code))


@dataclass(frozen=True)
class Check:
    """The result of checking a file or a hash against an issued record."""

    outcome: str  # "genuine", "altered" or "revoked"
    digest: str


def check_against(issued: IssuedRecord, *, body: bytes | None = None, digest: str = "") -> Check:
    """Whether a file (or a pasted SHA-256) is the record issued under this code.

    Genuine when it matches the issued file's hash (or, for a hash, the
    snapshot's); revoked whatever it matches once the learner has revoked it.
    """
    given = sha256(body) if body is not None else digest.strip().lower()
    if issued.is_revoked:
        return Check("revoked", given)
    known = {issued.file_sha256, issued.snapshot_sha256}
    matches = any(secrets.compare_digest(given, value) for value in known if value)
    return Check("genuine" if matches else "altered", given)


def snapshot_data(issued: IssuedRecord) -> dict:
    """The frozen snapshot of an issued record, as data."""
    return orjson.loads(issued.snapshot)
