"""Read an uploaded .xlsx or .csv into sheets of rows, once `safety` has let it through.

openpyxl opens a workbook read-only and with the values Excel saved for
formulas (never evaluating them). Hidden sheets are kept but marked; merged
cells give their value to every row they cover (in their first column);
blank rows are skipped but row numbers stay those the spreadsheet program
shows. CSV may be UTF-8 (with or without a byte-order mark), UTF-16 with a
byte-order mark, or Windows-1252.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.utils.cell import range_boundaries

from academy.spreadsheets.kinds import is_blank
from academy.spreadsheets.problems import Problem, SpreadsheetError
from academy.spreadsheets.safety import (
    Limits,
    check_xml_parser,
    check_zip,
    damaged_message,
    kind_of_upload,
    xml_attack_message,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Row:
    """A non-blank row: its number as the spreadsheet shows it, and its cell values."""

    number: int
    values: tuple


@dataclass
class Sheet:
    """One sheet (or a CSV file) as rows."""

    name: str
    rows: list[Row] = field(default_factory=list)
    hidden: bool = False


@dataclass
class Workbook:
    """What was read: the sheets in order, and notes about what was changed on the way."""

    kind: str  # "xlsx" or "csv"
    sheets: list[Sheet]
    notes: list[Problem] = field(default_factory=list)

    def sheet(self, name: str, *, hidden: bool = False) -> Sheet | None:
        """The sheet with this name (any case, spaces trimmed), visible unless asked."""
        wanted = fold_name(name)
        return next(
            (s for s in self.sheets if fold_name(s.name) == wanted and s.hidden == hidden), None
        )


def fold_name(name: str) -> str:
    """A sheet name as compared: spaces collapsed, any case."""
    return " ".join(name.split()).casefold()


def read_spreadsheet(
    data: bytes,
    filename: str,
    *,
    limits: Limits | None = None,
    csv_sheet: str = "Sheet1",
    skip: Iterable[str] = (),
) -> Workbook:
    """Read an uploaded .xlsx or .csv; raises SpreadsheetError with a plain message.

    Sheets named in `skip` (a template's own, say) are listed without their rows.
    """
    limits = limits or Limits()
    if kind_of_upload(data, filename, limits) == "xlsx":
        return read_xlsx(data, limits, skip=skip)
    return read_csv(data, limits, sheet_name=csv_sheet)


def _trim(values) -> tuple:
    """The row without its trailing empty cells (an empty tuple for a blank row)."""
    end = len(values)
    while end and is_blank(values[end - 1]):
        end -= 1
    return tuple(values[:end])


def _too_many_rows(limits: Limits) -> str:
    """The message for a sheet over the row limit."""
    return f"The sheet has more than {limits.max_rows:,} rows. Split it into smaller files."


# --- .xlsx ----------------------------------------------------------------------------


def read_xlsx(data: bytes, limits: Limits, *, skip: Iterable[str] = ()) -> Workbook:
    """Read every worksheet of a checked workbook (but those to skip), values only."""
    skipped = {fold_name(name) for name in skip}
    check_xml_parser()
    archive = check_zip(data, limits)
    notes: list[Problem] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles, dates, extensions
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
            try:
                sheets = [
                    Sheet(ws.title, hidden=ws.sheet_state != "visible")
                    if fold_name(ws.title) in skipped
                    else _read_sheet(ws, archive, limits, notes)
                    for ws in book.worksheets
                ]
            finally:
                book.close()
    except SpreadsheetError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure inside a damaged file
        if _caused_by(error, DefusedXmlException):
            raise SpreadsheetError(xml_attack_message()) from None
        log.info("Unreadable workbook: %r", error)
        raise SpreadsheetError(damaged_message()) from None
    finally:
        archive.close()
    if not sheets:
        raise SpreadsheetError("The workbook has no sheets with rows in it.")
    return Workbook("xlsx", sheets, notes)


def _caused_by(error: BaseException, kind: type) -> bool:
    """Whether an exception or one it was raised from is of a kind (openpyxl wraps them)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _read_sheet(ws, archive: zipfile.ZipFile, limits: Limits, notes: list[Problem]) -> Sheet:
    """One worksheet's non-blank rows, merged areas filled down their first column."""
    sheet = Sheet(ws.title, hidden=ws.sheet_state != "visible")
    ws.reset_dimensions()  # never trust the declared size: read what is there
    for number, values in enumerate(
        ws.iter_rows(max_col=limits.max_columns, values_only=True), start=1
    ):
        values = _trim(values)
        if values:
            sheet.rows.append(Row(number, values))
            if len(sheet.rows) > limits.max_rows:
                raise SpreadsheetError(_too_many_rows(limits), sheet=sheet.name)
    merged = _merged_ranges(archive, getattr(ws, "_worksheet_path", ""))
    if merged:
        _fill_merged(sheet, merged)
        notes.append(
            Problem(
                f"Some cells are merged ({', '.join(merged[:5])}"
                f"{'…' if len(merged) > 5 else ''}): each merged value was used on every "
                "row it covers.",
                sheet=sheet.name,
                note=True,
            )
        )
    return sheet


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[str]:
    """The merged areas of a sheet (A2:A4 ...), read only when the sheet has any."""
    path = path.lstrip("/")
    if not path or path not in archive.namelist():
        return []
    raw = archive.read(path)  # within the checked, declared size
    if b"mergeCell" not in raw:
        return []
    return [
        element.get("ref")
        for _event, element in iterparse(io.BytesIO(raw))
        if element.tag.endswith("}mergeCell") and element.get("ref")
    ]


def _fill_merged(sheet: Sheet, merged: list[str]) -> None:
    """Give each merged area's first value to the rows below it, in its first column."""
    by_number = {row.number: index for index, row in enumerate(sheet.rows)}
    for ref in merged:
        try:
            first_col, first_row, _last_col, last_row = range_boundaries(ref)
        except (TypeError, ValueError):
            continue
        if None in (first_col, first_row, last_row):
            continue
        top = by_number.get(first_row)
        if top is None or first_col > len(sheet.rows[top].values):
            continue
        value = sheet.rows[top].values[first_col - 1]
        for number in range(first_row + 1, min(last_row, first_row + 100_000) + 1):
            index = by_number.get(number)
            if index is None:
                continue
            values = list(sheet.rows[index].values)
            values += [None] * (first_col - len(values))
            values[first_col - 1] = value
            sheet.rows[index] = Row(number, tuple(values))


# --- .csv -----------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise SpreadsheetError(
        "The file's letters could not be read. Save it from your spreadsheet program as "
        "“CSV UTF-8” and upload it again."
    )


def delimiter_of(text: str) -> str:
    """The separator the header line uses most: comma, semicolon or tab (comma if none)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(data: bytes, limits: Limits, *, sheet_name: str) -> Workbook:
    """A CSV file as one sheet of text cells (blank cells as None)."""
    text = decode_text(data)
    if "\x00" in text:
        raise SpreadsheetError("The file is called .csv but it is not a CSV file.")
    sheet = Sheet(sheet_name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(text))
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007 - used after the loop
            values = tuple(
                None if not cell.strip() else cell for cell in record[: limits.max_columns]
            )
            values = _trim(values)
            if values:
                sheet.rows.append(Row(number, values))
                if len(sheet.rows) > limits.max_rows:
                    raise SpreadsheetError(_too_many_rows(limits), sheet=sheet_name)
    except csv.Error as error:
        message = str(error)
        if "field larger" in message:
            message = "a cell is longer than a spreadsheet of this kind needs"
        raise SpreadsheetError(
            f"Row {number + 1} could not be read ({re.sub(r'[.]$', '', message)}). Check its "
            "quotation marks, or save the file again from your spreadsheet program.",
            sheet=sheet_name,
        ) from None
    return Workbook("csv", [sheet])
