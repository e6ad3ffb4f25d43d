"""Read an uploaded .xlsx or .csv into sheets of rows, refusing anything unsafe.

The checks run before any parser sees the bytes: the size; the first bytes
against the file's extension (an old .xls or a password-protected workbook
is an OLE container, not a zip); and, for a workbook, every zip member's
declared uncompressed size and compression ratio, so a zip bomb is refused
without unpacking it (Python's zipfile never reads past a member's declared
size). Only then does openpyxl open it, read-only and with the values Excel
saved for formulas (never evaluating them). openpyxl parses the XML with
defusedxml when it is installed, which refuses entity tricks; we check that
it does, and refuse workbooks if it does not.

Hidden sheets are kept but marked; merged cells give their value to every row
they cover (in their first column); blank rows are skipped but row numbers
stay those the spreadsheet program shows. CSV may be UTF-8 (with or without a
byte-order mark), UTF-16 with a byte-order mark, or Windows-1252.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import openpyxl
import openpyxl.xml
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.utils.cell import range_boundaries

from academy.spreadsheets.problems import Problem, SpreadsheetError

log = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
#: Other files people upload by mistake, by their first bytes.
OTHER_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a picture (PNG)",
    b"\xff\xd8\xff": "a picture (JPEG)",
    b"GIF8": "a picture (GIF)",
    b"{\\rtf": "a Rich Text document",
}
SAVE_AS = "Open it in Excel, LibreOffice or Google Sheets and save it as an Excel workbook (.xlsx)"
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How big an upload may be, before and after unpacking."""

    max_bytes: int = 5 * MB
    max_uncompressed: int = 64 * MB
    max_ratio: int = 100
    max_members: int = 500
    max_rows: int = 50_000  # non-blank rows in one sheet
    max_columns: int = 100


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
        wanted = _fold(name)
        return next(
            (s for s in self.sheets if _fold(s.name) == wanted and s.hidden == hidden), None
        )


def _fold(name: str) -> str:
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
    if not data:
        raise SpreadsheetError("The file is empty. Choose the spreadsheet you filled in.")
    if len(data) > limits.max_bytes:
        raise SpreadsheetError(
            f"The file is {_megabytes(len(data))}; files can be at most "
            f"{_megabytes(limits.max_bytes)}. Split it into smaller files and upload each one."
        )
    extension = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    kind = sniff(data)
    if extension == ".xlsx":
        if kind == "zip":
            return read_xlsx(data, limits, skip=skip)
        if kind == "ole":
            raise SpreadsheetError(_ole_message())
        if kind == "text":
            raise SpreadsheetError(
                "The file is called .xlsx but it holds plain text, not an Excel workbook. "
                f"{SAVE_AS}, or if it is a CSV file, give its name the ending .csv."
            )
        raise SpreadsheetError(f"The file is called .xlsx but it is {_describe(kind)}. {SAVE_AS}.")
    if extension == ".csv":
        if kind == "zip":
            raise SpreadsheetError(
                "The file is called .csv but it is an Excel workbook. Give its name the ending "
                ".xlsx, or save it from your spreadsheet program as CSV."
            )
        if kind == "ole":
            raise SpreadsheetError(
                "The file is called .csv but it is an old Excel (.xls) or password-protected "
                f"workbook. {SAVE_AS}, or as CSV."
            )
        if kind != "text":
            raise SpreadsheetError(f"The file is called .csv but it is {_describe(kind)}.")
        return read_csv(data, limits, sheet_name=csv_sheet)
    if extension == ".xls":
        raise SpreadsheetError(
            f"Old Excel 97–2003 workbooks (.xls) cannot be read. {SAVE_AS} and upload that."
        )
    if extension in (".ods", ".numbers", ".xlsm", ".xlsb", ".xltx"):
        raise SpreadsheetError(f"Files ending {extension} cannot be read. {SAVE_AS} or as CSV.")
    raise SpreadsheetError(
        "Upload a spreadsheet: an Excel workbook (.xlsx) or a CSV file (.csv)."
        + (f" This file ends {extension}." if extension else "")
    )


def sniff(data: bytes) -> str:
    """What the first bytes say a file is: zip, ole, text, or another kind."""
    head = data[:8]
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    for magic in OTHER_MAGIC:
        if head.startswith(magic):
            return magic.decode("latin-1")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 with a byte-order mark: Excel's "Unicode text"
    if b"\x00" in data[:4096]:
        return "binary"
    return "text"


def _describe(kind: str) -> str:
    """What a sniffed kind of file is, in words."""
    for magic, what in OTHER_MAGIC.items():
        if kind == magic.decode("latin-1"):
            return what
    return "not a spreadsheet"


def _ole_message() -> str:
    """The message for a password-protected or old .xls workbook."""
    return (
        "The file is password-protected, or it is an old Excel 97–2003 workbook, so it cannot "
        "be read. Remove the password (in Excel: File › Info › Protect Workbook), or open it "
        "and save it as an Excel workbook (.xlsx), then upload it again."
    )


def _megabytes(size: int) -> str:
    """A size in MB, as people write it."""
    tenths = math.ceil(size * 10 / MB)  # rounded up, so a file over a limit never looks equal to it
    return f"{tenths // 10} MB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MB"


# --- .xlsx ----------------------------------------------------------------------------


def check_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open the zip and check its declared sizes before anything unpacks it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise SpreadsheetError(_damaged()) from None
    if len(members) > limits.max_members:
        raise SpreadsheetError(_unusual("it holds an unusually large number of parts"))
    if any(member.flag_bits & 0x1 for member in members):
        raise SpreadsheetError(_ole_message())
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed:
        raise SpreadsheetError(
            _unusual(
                f"it would unpack to {_megabytes(total)}, more than the "
                f"{_megabytes(limits.max_uncompressed)} a spreadsheet of this kind needs"
            )
        )
    for member in members:
        if member.file_size > MB and member.file_size > member.compress_size * limits.max_ratio:
            ratio = member.file_size // max(member.compress_size, 1)
            raise SpreadsheetError(
                _unusual(f"one of its parts unpacks to {ratio:,} times its size")
            )
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise SpreadsheetError(
            "The file is called .xlsx but it is not an Excel workbook (it may be another kind "
            f"of document). {SAVE_AS}."
        )
    return archive


def _damaged() -> str:
    """The message for a workbook that cannot be read."""
    return (
        "The file looks like an Excel workbook but it is damaged, so it could not be read. "
        f"{SAVE_AS} again, and upload that."
    )


def _unusual(why: str) -> str:
    """The message for a workbook refused before it is opened."""
    return (
        f"The file was not opened because {why}: it may be damaged or made to cause harm. "
        f"{SAVE_AS} again, without pictures or unused sheets, and upload that."
    )


def _xml_attack() -> str:
    """The message for a workbook whose XML declares entities."""
    return (
        "The file was not opened because it contains XML instructions (entities) that "
        f"spreadsheets do not need and that can be used to cause harm. {SAVE_AS} again."
    )


def read_xlsx(data: bytes, limits: Limits, *, skip: Iterable[str] = ()) -> Workbook:
    """Read every worksheet of a checked workbook (but those to skip), values only."""
    skipped = {_fold(name) for name in skip}
    if not openpyxl.xml.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        log.error("openpyxl is not using defusedxml; refusing to open workbooks")
        raise SpreadsheetError("Excel workbooks cannot be read at the moment. Upload a CSV file.")
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
                    if _fold(ws.title) in skipped
                    else _read_sheet(ws, archive, limits, notes)
                    for ws in book.worksheets
                ]
            finally:
                book.close()
    except SpreadsheetError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure inside a damaged file
        if _caused_by(error, DefusedXmlException):
            raise SpreadsheetError(_xml_attack()) from None
        log.info("Unreadable workbook: %r", error)
        raise SpreadsheetError(_damaged()) from None
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
                raise SpreadsheetError(_too_many_rows(sheet.name, limits), sheet=sheet.name)
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


def _too_many_rows(name: str, limits: Limits) -> str:
    """The message for a sheet over the row limit."""
    return f"The sheet has more than {limits.max_rows:,} rows. Split it into smaller files."


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


def _blank(value) -> bool:
    """Whether a cell is empty or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def _trim(values) -> tuple:
    """The row without its trailing empty cells (an empty tuple for a blank row)."""
    end = len(values)
    while end:
        value = values[end - 1]
        if value is not None and not (isinstance(value, str) and not value.strip()):
            break
        end -= 1
    return tuple(values[:end])


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
                    raise SpreadsheetError(_too_many_rows(sheet_name, limits), sheet=sheet_name)
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
