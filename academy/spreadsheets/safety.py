"""Before any parser sees an upload: its size, what its first bytes say it is, its zip.

The checks run on the bytes alone: the size; the first bytes against the
file's extension (an old .xls or a password-protected workbook is an OLE
container, not a zip); and, for a workbook, every zip member's declared
uncompressed size and compression ratio, so a zip bomb is refused without
unpacking it (Python's zipfile never reads past a member's declared size).
openpyxl parses the XML with defusedxml when it is installed, which refuses
entity tricks; `check_xml_parser` refuses workbooks if it does not.

`reading` opens a file only once these have passed.
"""

from __future__ import annotations

import io
import logging
import math
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import openpyxl.xml

from academy.spreadsheets.problems import SpreadsheetError

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


def kind_of_upload(data: bytes, filename: str, limits: Limits) -> str:
    """What the file is, "xlsx" or "csv", if its size and first bytes agree with its name.

    Anything else raises SpreadsheetError with a plain message.
    """
    if not data:
        raise SpreadsheetError("The file is empty. Choose the spreadsheet you filled in.")
    if len(data) > limits.max_bytes:
        raise SpreadsheetError(
            f"The file is {megabytes(len(data))}; files can be at most "
            f"{megabytes(limits.max_bytes)}. Split it into smaller files and upload each one."
        )
    extension = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    kind = sniff(data)
    if extension == ".xlsx":
        if kind == "zip":
            return "xlsx"
        if kind == "ole":
            raise SpreadsheetError(ole_message())
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
        return "csv"
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


def megabytes(size: int) -> str:
    """A size in MB, as people write it."""
    tenths = math.ceil(size * 10 / MB)  # rounded up, so a file over a limit never looks equal to it
    return f"{tenths // 10} MB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MB"


def check_xml_parser() -> None:
    """Refuse workbooks unless openpyxl parses their XML with defusedxml."""
    if not openpyxl.xml.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        log.error("openpyxl is not using defusedxml; refusing to open workbooks")
        raise SpreadsheetError("Excel workbooks cannot be read at the moment. Upload a CSV file.")


def check_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open the zip and check its declared sizes before anything unpacks it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise SpreadsheetError(damaged_message()) from None
    if len(members) > limits.max_members:
        raise SpreadsheetError(_unusual("it holds an unusually large number of parts"))
    if any(member.flag_bits & 0x1 for member in members):
        raise SpreadsheetError(ole_message())
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed:
        raise SpreadsheetError(
            _unusual(
                f"it would unpack to {megabytes(total)}, more than the "
                f"{megabytes(limits.max_uncompressed)} a spreadsheet of this kind needs"
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


def ole_message() -> str:
    """The message for a password-protected or old .xls workbook."""
    return (
        "The file is password-protected, or it is an old Excel 97–2003 workbook, so it cannot "
        "be read. Remove the password (in Excel: File › Info › Protect Workbook), or open it "
        "and save it as an Excel workbook (.xlsx), then upload it again."
    )


def damaged_message() -> str:
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


def xml_attack_message() -> str:
    """The message for a workbook whose XML declares entities."""
    return (
        "The file was not opened because it contains XML instructions (entities) that "
        f"spreadsheets do not need and that can be used to cause harm. {SAVE_AS} again."
    )
