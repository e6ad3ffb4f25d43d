"""Bringing an existing CPD log into a portfolio: reading, the preview, writing.

A learner uploads a spreadsheet in the Activities columns (those of the
portfolio's own export, so an exported portfolio comes back in as it went
out). `read_log` reads it through the generic `academy.spreadsheets`
machinery and checks every row with the same rules as the entry form;
`check_log` compares the rows with the portfolio, so each is new, already
there (skipped) or in error, with every problem named by sheet, row and
column. Nothing is written: `apply_log` writes a clean preview in the
caller's transaction and never commits. The columns and the template are in
`log_columns`.

An activity is "already there" when the portfolio (or an earlier row of the
file) has one with the same title, dates and hours: importing the same log
twice adds nothing the second time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, url_for
from sqlalchemy import select

from academy.accounts.models import User
from academy.catalogue.models import Offering
from academy.extensions import db
from academy.portfolios.entries.operations import create_entries
from academy.portfolios.entries.rules import entry_problems
from academy.portfolios.importing.columns import (
    ACTIVITIES_SHEET,
    EXAMPLE_TITLE,
    MAX_ROWS,
    OTHER_SHEETS,
    REFLECTIVE,
    log_columns,
)
from academy.portfolios.models import PortfolioEntry
from academy.spreadsheets import (
    Findings,
    Limits,
    ParsedRow,
    Problem,
    SpreadsheetError,
    Workbook,
    match_columns,
    parse_rows,
    read_spreadsheet,
)
from academy.spreadsheets.formulas import unneutralise
from academy.spreadsheets.parsed import ParsedUpload, kept_row

ACTIONS = ("new", "already", "error")
#: The values of an activity that are dates.
DATES = ("starts_on", "ends_on")
#: The Activities sheet of an export ends with a row like this; it is skipped.
TOTALS_ROW = re.compile(r"^total \([\d,]+ activit(y|ies)\)$", re.IGNORECASE)


# --- reading ------------------------------------------------------------------------------


@dataclass
class ParsedLog(ParsedUpload):
    """A file read and checked on its own, before it is compared with the portfolio."""

    sheet: str = ACTIVITIES_SHEET
    rows: list[ParsedRow] = field(default_factory=list)

    def rows_as_json(self) -> dict:
        """The activities as JSON values."""
        return {"rows": [[row.number, row.values] for row in self.rows]}

    def rows_from_json(self, saved: dict) -> None:
        """Put back what `rows_as_json` kept."""
        self.rows = [kept_row(number, values, DATES) for number, values in saved["rows"]]


def read_log(data: bytes, filename: str, *, limits: Limits | None = None) -> ParsedLog:
    """Read and check every row of a learner's log on its own (no database)."""
    parsed = ParsedLog(filename[:200])
    problems = parsed.problems
    limits = limits or Limits(
        max_bytes=current_app.config.get("IMPORT_MAX_BYTES", Limits.max_bytes),
        max_rows=MAX_ROWS + 2,  # the header and an export's totals row
    )
    try:
        book = read_spreadsheet(
            data, filename, limits=limits, csv_sheet=ACTIVITIES_SHEET, skip=OTHER_SHEETS
        )
    except SpreadsheetError as error:
        problems.append(error.problem)
        return parsed
    problems += book.notes
    sheet = _activities_sheet(book, problems)
    if sheet is None:
        return parsed
    parsed.sheet = sheet.name
    columns = log_columns()
    headers = {column.name: column.header for column in columns}
    table, found = match_columns(sheet, columns)
    problems += found
    if table is None:
        return parsed
    if len(table.rows) > MAX_ROWS + 2:
        problems.append(_too_many(len(table.rows), sheet.name))
        return parsed
    skipped = 0
    for row in parse_rows(table, columns):
        if _skipped(row, sheet.name, problems):
            skipped += 1
            continue
        _check_row(row, sheet.name, headers)
        problems += row.problems
        parsed.rows.append(row)
    if len(parsed.rows) > MAX_ROWS:
        problems.append(_too_many(len(parsed.rows), sheet.name))
        parsed.rows = []
    elif not parsed.rows:
        what = "only rows that are skipped" if skipped else "only headers"
        problems.append(Problem(f"There are no activities in the file, {what}.", sheet.name))
    return parsed


def _too_many(rows: int, sheet: str) -> Problem:
    """The problem of a file with more activities than one import takes."""
    return Problem(
        f"The sheet has {rows:,} activities; at most {MAX_ROWS:,} can be brought in at once. "
        "Split it into smaller files.",
        sheet,
    )


def _activities_sheet(book: Workbook, problems: list[Problem]):
    """The Activities sheet, or the only sheet with data; None (with an error) if neither."""
    sheet = book.sheet(ACTIVITIES_SHEET)
    if sheet is None and book.sheet(ACTIVITIES_SHEET, hidden=True):
        problems.append(
            Problem(
                f"The “{ACTIVITIES_SHEET}” sheet is hidden. Unhide it and upload the file again.",
                ACTIVITIES_SHEET,
            )
        )
        return None
    others = [s for s in book.sheets if s is not sheet and s.name.casefold() not in OTHER_SHEETS]
    if sheet is None:
        visible = [s for s in others if not s.hidden]
        if len(visible) != 1:
            problems.append(
                Problem(
                    f"The workbook has no sheet called “{ACTIVITIES_SHEET}”. Put your activities "
                    f"on a sheet of that name (the template has one) and upload it again."
                )
            )
            return None
        sheet = visible[0]
        others.remove(sheet)
        if book.kind == "xlsx":
            problems.append(
                Problem(
                    f"There is no “{ACTIVITIES_SHEET}” sheet, so the activities were read from "
                    f"the sheet “{sheet.name}”.",
                    sheet.name,
                    note=True,
                )
            )
    for other in others:
        state = "hidden sheet" if other.hidden else "sheet"
        problems.append(
            Problem(
                f"The {state} “{other.name}” is not one the import reads, so it was ignored.",
                other.name,
                note=True,
            )
        )
    return sheet


def _skipped(row: ParsedRow, sheet: str, problems: list[Problem]) -> bool:
    """The template's example and an export's totals row are skipped, with a note."""
    title = row.values.get("title") or ""
    if title == EXAMPLE_TITLE:
        why = "This is the template's example, so it was skipped: put your own activities below it."
    elif TOTALS_ROW.match(title) and row.values.get("starts_on") is None:
        why = "This is the totals row of an exported portfolio, so it was skipped."
    else:
        return False
    problems.append(Problem(why, sheet, row.number, note=True))
    return True


def _check_row(row: ParsedRow, sheet: str, headers: dict[str, str]) -> None:
    """Fill in what blanks mean, undo the exports' quoting, and apply the entry rules."""
    values = row.values
    failed = {problem.column for problem in row.problems}
    for name in ("title", "provider_name", *REFLECTIVE, "evidence"):
        if values.get(name):
            values[name] = unneutralise(values[name])
    blanks = {
        "activity_type": "other",
        "ends_on": values.get("starts_on"),
        "participatory_hours": 0.0,
    }
    for name, value in blanks.items():
        if values.get(name) is None and headers[name] not in failed:
            values[name] = value
    values["offering"] = _offering_slug(values.pop("catalogue_page", "") or "")
    problems = entry_problems(
        values.get("starts_on"),
        values.get("ends_on"),
        values.get("hours"),
        values.get("participatory_hours"),
    )
    for name, message in problems.items():
        if headers[name] not in failed:
            row.error(headers[name], message, sheet)


def _offering_slug(address: str) -> str | None:
    """The slug of an address of one of the Academy's offer pages, else None."""
    base = url_for("catalogue.offering", slug="x", _external=True)[:-1]
    if not address.startswith(base):
        return None
    slug = address[len(base) :].strip("/")
    return slug if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) else None


# --- the preview -----------------------------------------------------------------------------


@dataclass
class LogRow:
    """One activity of the file and what confirming will do with it."""

    sheet: str
    row: int
    title: str
    starts_on: date | None
    hours: float | None
    action: str  # new, already or error
    why: str = ""  # why an activity is skipped
    values: dict | None = None


@dataclass
class LogPreview(Findings):
    """Every activity of a file and every problem, before anything is written."""

    actions = ACTIONS

    filename: str
    rows: list[LogRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def new_rows(self) -> list[LogRow]:
        """The activities confirming adds."""
        return [row for row in self.rows if row.action == "new"]

    def digest(self) -> str:
        """A fingerprint of what confirming would do, to notice that it has changed."""
        shown = [(r.row, r.action) for r in self.rows]
        return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:32]


def _same_key(title: str, starts_on, ends_on, hours) -> tuple:
    """What makes two activities the same one: title (any case), dates and hours."""
    return (" ".join(title.split()).casefold(), starts_on, ends_on, round(float(hours), 2))


def check_log(user: User, parsed: ParsedLog) -> LogPreview:
    """Compare a read log with the portfolio: each activity new, already there, or in error."""
    preview = LogPreview(parsed.filename, problems=list(parsed.problems))
    if preview.file_errors:
        return preview
    held = {
        _same_key(*values): "It is already in your portfolio."
        for values in db.session.execute(
            select(
                PortfolioEntry.title,
                PortfolioEntry.starts_on,
                PortfolioEntry.ends_on,
                PortfolioEntry.hours,
            ).where(PortfolioEntry.user_id == user.id)
        )
    }
    for row in parsed.rows:
        values = row.values
        shown = LogRow(
            parsed.sheet,
            row.number,
            values.get("title") or "",
            values.get("starts_on"),
            values.get("hours"),
            "error",
        )
        preview.rows.append(shown)
        if not row.ok:
            continue
        key = _same_key(values["title"], values["starts_on"], values["ends_on"], values["hours"])
        if key in held:
            shown.action, shown.why = "already", held[key]
            continue
        held[key] = f"It is the same as row {row.number}."
        shown.action, shown.values = "new", values
    return preview


def apply_log(user: User, preview: LogPreview) -> int:
    """Add a clean preview's new activities to the portfolio; returns how many. Never commits."""
    if preview.has_errors:
        raise ValueError("An import with errors cannot be applied.")
    rows = preview.new_rows
    slugs = {row.values["offering"] for row in rows if row.values.get("offering")}
    offerings = (
        dict(
            db.session.execute(
                select(Offering.slug, Offering.id).where(
                    Offering.slug.in_(slugs), Offering.status == "published"
                )
            ).all()
        )
        if slugs
        else {}
    )
    entries = []
    for row in rows:
        values = dict(row.values)
        values["offering_id"] = offerings.get(values.pop("offering", None))
        entries.append(values)
    return create_entries(user, entries)
