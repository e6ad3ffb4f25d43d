"""A record profile's columns as export columns: each entry field, how to get and show it.

A profile in data/record_profiles.toml names entry fields and the body's own
headers ("Method", "Number of participatory hours"); `profile_columns` turns
them into the `exports.Column`s the spreadsheet, CSV and PDF writers share.
The general profile names none and gets the whole CPD log (`ACTIVITY_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Mapping

from academy.portfolios.exports import (
    ACTIVITY_COLUMNS,
    REFLECTION_COLUMNS,
    Column,
    confirmed_text,
    offering_url,
)
from academy.portfolios.profiles import RecordProfile

#: Each field a profile may name: how to read it from an entry row, and how to show it.
FIELD_COLUMNS: dict[str, Column] = {
    "title": Column("Title", lambda e, ref: e.title, 36, wrap=True),
    "provider": Column("Provider", lambda e, ref: e.provider_name, 24, wrap=True),
    "activity_type": Column(
        "Type of activity", lambda e, ref: ref.activity_types.label(e.activity_type), 20
    ),
    "starts_on": Column("Start date", lambda e, ref: e.starts_on, 12),
    "ends_on": Column("End date", lambda e, ref: e.ends_on, 12),
    "hours": Column("Hours", lambda e, ref: float(e.hours), 9, total=True),
    "participatory_hours": Column(
        "Participatory hours", lambda e, ref: float(e.participatory_hours), 12, total=True
    ),
    "level": Column(
        "Level", lambda e, ref: ref.escalator.label(e.level) if e.level else "Not sure", 22
    ),
    "format": Column("Format", lambda e, ref: ref.formats.label(e.format), 24),
    "co_delivered": Column("Co-delivered", lambda e, ref: e.co_delivered, 12),
    "co_designed": Column("Co-designed", lambda e, ref: e.co_designed, 12),
    "description": Column(
        "What it was and why it is relevant", lambda e, ref: e.description, 48, wrap=True
    ),
    "learning": Column("What I learnt", lambda e, ref: e.learning, 48, wrap=True),
    "practice_change": Column(
        "How my practice changed", lambda e, ref: e.practice_change, 48, wrap=True
    ),
    "peer_discussion": Column("Peer discussion", lambda e, ref: e.peer_discussion, 40, wrap=True),
    "standards_link": Column(
        "Link to professional standards", lambda e, ref: e.standards_link, 40, wrap=True
    ),
    "evidence": Column("Evidence", lambda e, ref: e.evidence, 30, wrap=True),
    "confirmed": Column("Confirmed by provider", lambda e, ref: confirmed_text(e), 24, wrap=True),
    "catalogue_url": Column("Catalogue page", lambda e, ref: offering_url(e), 40),
}


def _named(field: str, header: str, credits: Mapping[int, float]) -> Column:
    if field == "credits":
        return Column(header, lambda e, ref: credits.get(e.id, 0.0), 9, total=True, field=field)
    base = FIELD_COLUMNS[field]
    return Column(header, base.value, base.width, base.wrap, base.total, field)


def profile_columns(profile: RecordProfile, credits: Mapping[int, float]) -> tuple[Column, ...]:
    """The columns of a profile's Activities: its own, or the whole CPD log if it names none.

    `credits` maps entry ids to their credits (`profiles.credits_by_entry`).
    """
    if not profile.columns:
        return ACTIVITY_COLUMNS
    return tuple(_named(column.field, column.header, credits) for column in profile.columns)


def reflection_columns(profile: RecordProfile) -> tuple[Column, ...]:
    """The columns of a profile's reflective pages: title and dates, then its questions."""
    if not profile.reflection_columns:
        return REFLECTION_COLUMNS
    return (
        FIELD_COLUMNS["title"],
        FIELD_COLUMNS["starts_on"],
        FIELD_COLUMNS["ends_on"],
        *(_named(column.field, column.header, {}) for column in profile.reflection_columns),
    )
