"""Reading a provider's spreadsheet of offers: every row checked on its own, before the catalogue.

`read_import` turns an uploaded .xlsx or .csv into a `ParsedImport`: the
Offerings rows by reference, the Sessions rows grouped by reference, and
every problem named by sheet, row and column. It reads no database;
`importer.check_import` then compares the rows with the provider's offers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app

from academy.catalogue.importing.columns import (
    EXAMPLE_REFERENCE,
    MAX_OFFERINGS,
    MAX_SESSIONS,
    OFFERINGS_SHEET,
    SESSIONS_SHEET,
    TEMPLATE_SHEETS,
    offering_columns,
    session_columns,
)
from academy.spreadsheets import (
    Limits,
    ParsedRow,
    Problem,
    SpreadsheetError,
    Workbook,
    fold_name,
    match_columns,
    parse_rows,
    read_spreadsheet,
)
from academy.spreadsheets.parsed import ParsedUpload, kept_row

#: The data sheets' names as compared (a sheet of either is never "ignored").
_FOLDED_DATA = {fold_name(OFFERINGS_SHEET), fold_name(SESSIONS_SHEET)}
#: The values of a Sessions row that are dates.
SESSION_DATES = ("starts_on", "ends_on")


@dataclass
class ParsedImport(ParsedUpload):
    """A file read and checked on its own, before it is compared with the catalogue."""

    sheet: str = OFFERINGS_SHEET
    dates_sheet: str = SESSIONS_SHEET
    offers: dict[str, ParsedRow] = field(default_factory=dict)
    dates: dict[str, list[ParsedRow]] = field(default_factory=dict)
    #: Optional Offerings columns not in the file: offers already listed keep those values.
    absent: list[str] = field(default_factory=list)

    def rows_as_json(self) -> dict:
        """The offers by reference, the dates, and the columns left out, as JSON values."""
        return {
            "dates_sheet": self.dates_sheet,
            "offers": [[k, p.number, p.values] for k, p in self.offers.items()],
            "dates": [[r, p.number, p.values] for r, rows in self.dates.items() for p in rows],
            "absent": self.absent,
        }

    def rows_from_json(self, saved: dict) -> None:
        """Put back what `rows_as_json` kept."""
        self.dates_sheet = saved["dates_sheet"]
        self.offers = {k: kept_row(n, v) for k, n, v in saved["offers"]}
        for ref, number, values in saved["dates"]:
            self.dates.setdefault(ref, []).append(kept_row(number, values, SESSION_DATES))
        self.absent = saved["absent"]


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
        if sheet.name.casefold() in TEMPLATE_SHEETS or fold_name(sheet.name) in _FOLDED_DATA:
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
