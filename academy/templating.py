"""Template filters and globals shared by every feature."""

from __future__ import annotations

from datetime import date

from flask import Flask

from academy.reference import reference
from academy.text import format_hours, format_number, format_pence


def format_date(value: date | None) -> str:
    """Tue 3 March 2027."""
    if value is None:
        return ""
    return f"{value:%a} {value.day} {value:%B %Y}"


def format_date_range(start: date, end: date) -> str:
    """3 March 2027, or 3–5 March 2027, or 30 March – 1 April 2027."""
    if start == end:
        return f"{start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"
    return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"


def record_value(value) -> str:
    """A value in a portfolio record: dates in words, figures plain, Yes or No, text as is."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, int | float):
        return format_number(value)
    return str(value)


def labels(keys: list[str], vocabulary: str) -> str:
    """Keys of a vocabulary as their labels, in its order, joined with commas."""
    return ", ".join(getattr(reference(), vocabulary).labels(keys))


def register(app: Flask) -> None:
    """Install the filters and globals."""
    app.jinja_env.filters.update(
        money=format_pence,
        hours=format_hours,
        number=format_number,
        record_value=record_value,
        date=format_date,
        date_range=format_date_range,
        labels=labels,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_reference():
        return {"ref": reference()}
