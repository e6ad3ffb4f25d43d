"""Importing a provider's offerings from a spreadsheet: reading, the preview, writing.

`preview_import` reads an uploaded .xlsx or .csv (through the generic
`academy.spreadsheets` machinery), checks every row and compares it with the
provider's offers of the same `reference`, so each row is new, update,
unchanged or error, with every problem named by sheet, row and column.
Nothing is written. `apply_import` writes a clean preview in the caller's
transaction and never commits.

Dates: an offer with rows on the Sessions sheet gets exactly those dates; an
offer with none there keeps the dates it has (a new one is self-paced).
The sheets' columns and the template are in `import_columns`; the batch
writing in `import_writer`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from academy.catalogue.import_columns import (
    EXAMPLE_REFERENCE,
    MAX_OFFERINGS,
    MAX_SESSIONS,
    OFFERINGS_SHEET,
    SESSIONS_SHEET,
    TEMPLATE_SHEETS,
    offering_columns,
    session_columns,
)
from academy.catalogue.import_writer import (
    batched,
    offering_changes,
    sessions_differ,
    write_rows,
)
from academy.catalogue.models import Offering, OfferingSession, OfferingTag
from academy.catalogue.operations import OFFERING_FIELDS, OFFERING_TAG_FIELDS, SESSION_FIELDS
from academy.extensions import db
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

MODES = ("draft", "submit", "publish")
ACTIONS = ("new", "update", "unchanged", "error")
#: How a changed field is named to the provider: by its column in the file.
CHANGE_NAMES = {"cost_pence": "cost_gbp", "sessions": "dates"}


# --- the preview ------------------------------------------------------------------------


@dataclass
class Existing:
    """What the provider already has under a reference, as plain values."""

    id: int
    status: str
    reviewer_notes: str | None
    published_at: object
    fields: dict
    tags: dict[str, list[str]]
    sessions: list[dict]


@dataclass
class PreviewRow:
    """One offer of the import and what confirming will do to it."""

    sheet: str
    row: int
    reference: str
    title: str
    action: str  # new, update, unchanged or error
    changes: list[str] = field(default_factory=list)
    dates: int | None = None  # how many dates it will have; None when unknown
    dates_kept: bool = False  # whether it keeps the dates it has
    status: str | None = None  # the existing offer's status
    data: dict | None = None  # operation data; None for an offer named only on Sessions
    sessions: list[dict] | None = None  # its dates from the file; None: untouched
    existing: Existing | None = None


@dataclass
class ImportPreview(Findings):
    """Every offer of a file and every problem, before anything is written."""

    provider_id: int
    filename: str
    rows: list[PreviewRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """How many offers are new, updates, unchanged and in error."""
        found = Counter(row.action for row in self.rows)
        return {action: found[action] for action in ACTIONS}

    def digest(self) -> str:
        """A fingerprint of what confirming would do, to notice that it has changed."""
        shown = [(r.reference, r.action, r.changes, r.dates) for r in self.rows]
        return hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()[:32]


@dataclass
class ParsedImport:
    """A file read and checked on its own, before it is compared with the catalogue."""

    filename: str
    sheet: str = OFFERINGS_SHEET
    dates_sheet: str = SESSIONS_SHEET
    offers: dict[str, ParsedRow] = field(default_factory=dict)
    dates: dict[str, list[ParsedRow]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Optional Offerings columns not in the file: offers already listed keep those values.
    absent: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        """The rows as JSON, to check again and write when the provider confirms."""
        return json.dumps(
            {
                "filename": self.filename,
                "sheet": self.sheet,
                "dates_sheet": self.dates_sheet,
                "offers": [[k, p.number, p.values] for k, p in self.offers.items()],
                "dates": [[r, p.number, p.values] for r, rows in self.dates.items() for p in rows],
                "notes": [[n.message, n.sheet, n.row, n.column] for n in self.problems if n.note],
                "absent": self.absent,
            },
            default=date.isoformat,
        )

    @classmethod
    def from_json(cls, text: str) -> ParsedImport:
        """Rows saved by to_json (a file that had no errors)."""
        saved = json.loads(text)
        parsed = cls(saved["filename"], saved["sheet"], saved["dates_sheet"])
        parsed.offers = {k: ParsedRow(n, v, []) for k, n, v in saved["offers"]}
        for ref, number, values in saved["dates"]:
            for name in ("starts_on", "ends_on"):
                values[name] = date.fromisoformat(values[name])
            parsed.dates.setdefault(ref, []).append(ParsedRow(number, values, []))
        parsed.problems = [Problem(m, s, r, c, note=True) for m, s, r, c in saved["notes"]]
        parsed.absent = saved["absent"]
        return parsed


def preview_import(provider, data: bytes, filename: str, *, limits: Limits | None = None):
    """Read a file and compare it with the provider's offers; writes nothing."""
    return check_import(provider, read_import(data, filename, limits=limits))


def read_import(data: bytes, filename: str, *, limits: Limits | None = None) -> ParsedImport:
    """Read and check every row of a file on its own (no database)."""
    parsed = ParsedImport(filename[:200])
    problems = parsed.problems
    limits = limits or Limits(
        max_bytes=current_app.config.get("IMPORT_MAX_BYTES", Limits.max_bytes),
        max_rows=MAX_SESSIONS,
    )
    try:
        book = read_spreadsheet(
            data, filename, limits=limits, csv_sheet=OFFERINGS_SHEET, skip=TEMPLATE_SHEETS
        )
    except SpreadsheetError as error:
        problems.append(error.problem)
        return parsed
    problems += book.notes
    offer_sheet, session_sheet = _find_sheets(book, problems)
    if _file_errors(problems):
        return parsed
    parsed.sheet = offer_sheet.name
    offer_columns, date_columns = offering_columns(), session_columns()
    offer_table, found = match_columns(offer_sheet, offer_columns)
    problems += found
    date_table = None
    if session_sheet is not None:
        parsed.dates_sheet = session_sheet.name
        date_table, found = match_columns(session_sheet, date_columns)
        problems += found
    if _file_errors(problems):
        return parsed
    missing = [c for c in offer_columns if c.name not in offer_table.positions]
    if missing:
        parsed.absent = [c.name for c in missing]
        names = ", ".join(c.header for c in missing)
        problems.append(
            Problem(
                f"The sheet has no column {names}: offers you already have keep what they "
                "have there, and new offers leave it blank.",
                offer_sheet.name,
                note=True,
            )
        )
    # One row more than the limit may be the template's example, which is skipped.
    if len(offer_table.rows) > MAX_OFFERINGS + 1:
        problems.append(_too_many(len(offer_table.rows), offer_sheet.name))
        return parsed
    parsed.offers = _read_offers(offer_table, offer_columns, problems)
    if len(parsed.offers) > MAX_OFFERINGS:
        problems.append(_too_many(len(parsed.offers), offer_sheet.name))
        parsed.offers = {}
        return parsed
    parsed.dates = _read_dates(date_table, date_columns, problems) if date_table else {}
    if not parsed.offers and not parsed.dates:
        problems.append(Problem("There are no offers in the file, only headers.", parsed.sheet))
    return parsed


def _too_many(rows: int, sheet: str) -> Problem:
    """The problem of a file with more offers than one import takes."""
    return Problem(
        f"The sheet has {rows:,} offers; at most {MAX_OFFERINGS:,} can be imported at once. "
        "Split it into smaller files.",
        sheet,
    )


def _file_errors(problems: list[Problem]) -> bool:
    """Whether any problem is about the file as a whole."""
    return any(p.is_error and p.row is None for p in problems)


def check_import(provider, parsed: ParsedImport) -> ImportPreview:
    """Compare a read file with the provider's offers: each offer new, update, same or error."""
    preview = ImportPreview(provider.id, parsed.filename, problems=list(parsed.problems))
    if preview.file_errors:
        return preview
    existing = load_existing(provider.id, set(parsed.offers) | set(parsed.dates))
    _unknown_references(parsed, existing, preview.problems)
    preview.rows = _classify(parsed, existing)
    return preview


def _find_sheets(book: Workbook, problems: list[Problem]):
    """The Offerings sheet (or the only one) and the Sessions sheet, if any."""
    for name in (OFFERINGS_SHEET, SESSIONS_SHEET):
        if book.sheet(name, hidden=True) and not book.sheet(name):
            problems.append(
                Problem(
                    f"The “{name}” sheet is hidden. Unhide it (or delete it) and upload "
                    "the file again.",
                    name,
                )
            )
    offers = book.sheet(OFFERINGS_SHEET)
    dates = book.sheet(SESSIONS_SHEET)
    others = [s for s in book.sheets if s is not offers and s is not dates]
    if offers is None and book.kind == "xlsx":
        visible = [s for s in others if not s.hidden and s.name.casefold() not in TEMPLATE_SHEETS]
        if len(visible) == 1 and not _file_errors(problems):
            offers = visible[0]
            problems.append(
                Problem(
                    f"There is no “{OFFERINGS_SHEET}” sheet, so the offers were read from "
                    f"the sheet “{offers.name}”.",
                    offers.name,
                    note=True,
                )
            )
            others.remove(offers)
        elif not _file_errors(problems):
            problems.append(
                Problem(
                    f"The workbook has no sheet called “{OFFERINGS_SHEET}”. Use the "
                    "template's sheets, or name the sheet of offers Offerings."
                )
            )
    for sheet in others:
        if sheet.name.casefold() in TEMPLATE_SHEETS or _fold(sheet.name) in _FOLDED_DATA:
            continue
        state = "hidden sheet" if sheet.hidden else "sheet"
        problems.append(
            Problem(
                f"The {state} “{sheet.name}” is not one the import reads, so it was ignored.",
                sheet.name,
                note=True,
            )
        )
    return offers, dates


def _fold(name: str) -> str:
    """A sheet name as compared: spaces collapsed, any case."""
    return " ".join(name.split()).casefold()


_FOLDED_DATA = {_fold(OFFERINGS_SHEET), _fold(SESSIONS_SHEET)}


def _skip_example(parsed, sheet: str, problems: list[Problem]) -> bool:
    """The template's example row is skipped, with a note."""
    if (parsed.values.get("reference") or "").casefold() != EXAMPLE_REFERENCE.casefold():
        return False
    problems.append(
        Problem(
            f"This is the template's example ({EXAMPLE_REFERENCE}), so it was skipped.",
            sheet,
            parsed.number,
            note=True,
        )
    )
    return True


def _read_offers(table, columns, problems: list[Problem]) -> dict[str, object]:
    """Offerings rows by reference (rows without one under a key of their own)."""
    sheet = table.sheet.name
    offers: dict[str, object] = {}
    for parsed in parse_rows(table, columns):
        if _skip_example(parsed, sheet, problems):
            continue
        values = parsed.values
        if values["credit_value"] is not None and not values["credit_scheme"]:
            parsed.error("credit_scheme", "Choose the scheme the credit is in.", sheet)
        if values["credit_scheme"] and values["credit_value"] is None:
            parsed.error(
                "credit_value",
                "Enter the number of credits too, or leave credit_scheme blank.",
                sheet,
            )
        key = values["reference"] or f"\0row {parsed.number}"
        if key in offers:
            parsed.error(
                "reference",
                f"The reference “{key}” is already used on row "
                f"{offers[key].number}. Each offer needs its own reference.",
                sheet,
            )
            key = f"\0row {parsed.number}"
        offers[key] = parsed
        problems += parsed.problems
    return offers


def _read_dates(table, columns, problems: list[Problem]) -> dict[str, list]:
    """Sessions rows grouped by reference, each checked."""
    sheet = table.sheet.name
    dates: dict[str, list] = defaultdict(list)
    for parsed in parse_rows(table, columns):
        if _skip_example(parsed, sheet, problems):
            continue
        values = parsed.values
        if values["ends_on"] is None and "ends_on" not in _errors_of(parsed):
            values["ends_on"] = values["starts_on"]
        starts, ends = values["starts_on"], values["ends_on"]
        if starts and ends and ends < starts:
            parsed.error(
                "ends_on",
                f"The last day ({ends:%d/%m/%Y}) is before the first day ({starts:%d/%m/%Y}).",
                sheet,
            )
        if not values["online"]:
            if not values["venue"]:
                parsed.error("venue", "Enter the venue, or put yes in the online column.", sheet)
            if not values["region"] and "region" not in _errors_of(parsed):
                parsed.error(
                    "region",
                    "Choose the region the venue is in, or put yes in the online column.",
                    sheet,
                )
        elif not values["region"]:
            values["region"] = "online"
        if values["reference"]:
            dates[values["reference"]].append(parsed)
        problems += parsed.problems
    return dates


def _errors_of(parsed) -> set[str]:
    """The columns of a row that already have a problem."""
    return {p.column for p in parsed.problems}


def _unknown_references(parsed: ParsedImport, existing, problems: list[Problem]) -> None:
    """Dates for a reference in neither the file nor the provider's catalogue are errors."""
    offers = parsed.offers
    known = {key.casefold(): key for key in (*offers, *existing) if not key.startswith("\0")}
    for ref, rows in parsed.dates.items():
        if ref in offers or ref in existing:
            continue
        near = known.get(ref.casefold())
        hint = f" Did you mean “{near}”? References must match exactly." if near else ""
        message = f"There is no offer “{ref}” on the {parsed.sheet} sheet or among your offers."
        for row in rows:
            problems.append(Problem(message + hint, parsed.dates_sheet, row.number, "reference"))


def load_existing(provider_id: int, references: set[str]) -> dict[str, Existing]:
    """The provider's offers with these references, with their tags and dates, as values."""
    references = {r for r in references if not r.startswith("\0")}
    found: dict[str, Existing] = {}
    by_id: dict[int, Existing] = {}
    columns = [getattr(Offering, name) for name in OFFERING_FIELDS]
    for chunk in batched(sorted(references), 2000):
        query = select(
            Offering.id, Offering.status, Offering.reviewer_notes, Offering.published_at, *columns
        ).where(Offering.provider_id == provider_id, Offering.reference.in_(chunk))
        for row in db.session.execute(query):
            fields = dict(zip(OFFERING_FIELDS, row[4:], strict=True))
            item = Existing(
                row.id,
                row.status,
                row.reviewer_notes,
                row.published_at,
                fields,
                defaultdict(list),
                [],
            )
            found[fields["reference"]] = by_id[row.id] = item
    for chunk in batched(sorted(by_id), 2000):
        tags = (
            select(OfferingTag.offering_id, OfferingTag.facet, OfferingTag.key)
            .where(OfferingTag.offering_id.in_(chunk))
            .order_by(OfferingTag.key)
        )
        for offering_id, facet, key in db.session.execute(tags):
            by_id[offering_id].tags[facet].append(key)
        columns = [getattr(OfferingSession, name) for name in SESSION_FIELDS]
        sessions = select(OfferingSession.offering_id, OfferingSession.id, *columns).where(
            OfferingSession.offering_id.in_(chunk)
        )
        for row in db.session.execute(sessions):
            values = dict(zip(SESSION_FIELDS, row[2:], strict=True))
            by_id[row.offering_id].sessions.append({"id": row.id, **values})
    return found


def _session_values(parsed) -> dict:
    """A Sessions row as the operations take a session."""
    values = parsed.values
    return {
        name: values[name] if values[name] is not None or name != "venue" else ""
        for name in SESSION_FIELDS
    }


def _kept(existing: Existing, name: str):
    """What an offer already has for a field (or a list of tags)."""
    if name in OFFERING_TAG_FIELDS:
        return list(existing.tags.get(OFFERING_TAG_FIELDS[name], []))
    return existing.fields[name]


def _classify(parsed: ParsedImport, existing: dict[str, Existing]) -> list[PreviewRow]:
    """One PreviewRow per offer: new, update, unchanged or error."""
    offers, dates, sheet = parsed.offers, parsed.dates, parsed.sheet
    failed_dates = {ref for ref, rows in dates.items() if any(r.problems for r in rows)}
    rows = []
    for key, offer in offers.items():
        ref = offer.values["reference"] or ""
        sessions = [_session_values(p) for p in dates.get(ref, [])] if ref in dates else None
        row = PreviewRow(sheet, offer.number, ref, offer.values["title"] or "", "error")
        rows.append(row)
        row.existing = existing.get(key)
        row.status = row.existing.status if row.existing else None
        row.dates = (
            len(sessions)
            if sessions is not None
            else (len(row.existing.sessions) if row.existing else 0)
        )
        row.dates_kept = sessions is None and row.existing is not None
        if offer.problems or ref in failed_dates:
            continue
        row.data = {name: offer.values[name] for name in (*OFFERING_FIELDS, *OFFERING_TAG_FIELDS)}
        row.sessions = sessions
        if row.existing is None:
            row.action = "new"
            continue
        for name in parsed.absent:
            row.data[name] = _kept(row.existing, name)
        changed = list(offering_changes(row.data, row.existing))
        if sessions is not None and sessions_differ(sessions, row.existing):
            changed.append("sessions")
        row.changes = [CHANGE_NAMES.get(name, name) for name in changed]
        row.action = "update" if changed else "unchanged"
    for ref, parsed_rows in dates.items():
        if ref in offers or ref not in existing:
            continue
        item = existing[ref]
        first = parsed_rows[0]
        row = PreviewRow(
            parsed.dates_sheet,
            first.number,
            ref,
            item.fields["title"],
            "error",
            status=item.status,
            existing=item,
            dates=len(parsed_rows),
        )
        rows.append(row)
        if ref in failed_dates:
            continue
        row.sessions = [_session_values(p) for p in parsed_rows]
        row.action = "update" if sessions_differ(row.sessions, item) else "unchanged"
        row.changes = ["dates"] if row.action == "update" else []
    return rows


# --- writing ------------------------------------------------------------------------------


def apply_import(
    provider,
    preview: ImportPreview,
    *,
    actor=None,
    mode: str = "draft",
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write a preview without errors in the caller's transaction; returns counts. No commit."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if preview.has_errors or preview.provider_id != provider.id:
        raise ValueError("only a preview of this provider's file without errors can be applied")
    return write_rows(provider, preview, actor=actor, mode=mode, progress=progress)
