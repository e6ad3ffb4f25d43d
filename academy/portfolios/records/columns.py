"""A record profile's columns as export columns: each entry field, how to get and show it.

A profile in data/record_profiles.toml names entry fields and the body's own
headers ("Method", "Number of participatory hours"); `profile_columns` turns
them into the `exports.Column`s the spreadsheet, CSV and PDF writers share.
The general profile names none and gets the whole CPD log (`ACTIVITY_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Mapping

from academy.portfolios.records.exports import ACTIVITY_COLUMNS, REFLECTION_COLUMNS, Column
from academy.reference import RecordProfile

#: Each field a profile may name: how to read it from an entry row, and how to show it.
FIELD_COLUMNS: dict[str, Column] = {column.field: column for column in ACTIVITY_COLUMNS}


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
