"""A learner's portfolio as a spreadsheet (.xlsx) and a CSV file; quoting formula-like text.

The Activities columns are data (`ACTIVITY_COLUMNS`, a tuple of `Column`), so a
record profile (NMC, HCPC...) can later pass its own list, headers and wording
without touching the writers.

Formula injection: a text value that a spreadsheet could read as a formula
(one beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
written with a ``'`` in front, in every export, JSON included (see `neutralise`).
The JSON record is in `json_record`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from academy.accounts.models import User
from academy.escalator.position import Position
from academy.portfolios.models import PortfolioEntry
from academy.portfolios.queries import entry_rows
from academy.portfolios.summary import Summary
from academy.reference import Reference, reference
from academy.spreadsheets.formulas import neutralise
from academy.text import format_number
from academy.timeutil import utcnow

# --- the columns ----------------------------------------------------------------------

Getter = Callable[[PortfolioEntry, Reference], object]


@dataclass(frozen=True)
class Column:
    """One column of a CPD log: its header, how to get its value, and how to show it."""

    header: str
    value: Getter
    width: float = 16
    wrap: bool = False
    total: bool = False
    #: The entry field it shows (`record_columns.FIELD_COLUMNS` lists them), if it is one.
    field: str = ""

    @property
    def is_prose(self) -> bool:
        """Whether it holds the learner's writing: the PDF gives it a paragraph of its own."""
        return self.field in PROSE_FIELDS


#: Fields that hold what the learner wrote, as opposed to short facts.
PROSE_FIELDS = frozenset(
    {"description", "learning", "practice_change", "peer_discussion", "standards_link"}
)


def offering_url(entry: PortfolioEntry) -> str:
    """The catalogue page of the offer an entry was recorded from, or an empty string."""
    if entry.offering_slug is None:
        return ""
    return url_for("catalogue.offering", slug=entry.offering_slug, _external=True)


def _level(entry: PortfolioEntry, ref: Reference) -> str:
    return ref.escalator.label(entry.level) if entry.level else "Not sure"


def confirmed_text(entry) -> str:
    """ "Yes: <provider>, <date>" for attendance the provider confirmed, else "No"."""
    if entry.confirmation_status != "confirmed":
        return "No"
    by = getattr(entry, "confirmed_by", None) or "the provider"
    when = entry.confirmation_decided_at
    return f"Yes: {by}, {when:%Y-%m-%d}" if when else f"Yes: {by}"


#: The Activities sheet and the CSV: one row per entry, in the combined CPD log's order.
ACTIVITY_COLUMNS: tuple[Column, ...] = (
    Column("Title", lambda e, ref: e.title, 36, wrap=True, field="title"),
    Column("Provider", lambda e, ref: e.provider_name, 24, wrap=True, field="provider"),
    Column(
        "Type of activity",
        lambda e, ref: ref.activity_types.label(e.activity_type),
        20,
        field="activity_type",
    ),
    Column("Start date", lambda e, ref: e.starts_on, 12, field="starts_on"),
    Column("End date", lambda e, ref: e.ends_on, 12, field="ends_on"),
    Column("Hours", lambda e, ref: float(e.hours), 9, total=True, field="hours"),
    Column(
        "Participatory hours",
        lambda e, ref: float(e.participatory_hours),
        12,
        total=True,
        field="participatory_hours",
    ),
    Column("Level", _level, 22, field="level"),
    Column("Format", lambda e, ref: ref.formats.label(e.format), 24, field="format"),
    Column("Co-delivered", lambda e, ref: e.co_delivered, 12, field="co_delivered"),
    Column("Co-designed", lambda e, ref: e.co_designed, 12, field="co_designed"),
    Column(
        "What it was and why it is relevant",
        lambda e, ref: e.description,
        48,
        wrap=True,
        field="description",
    ),
    Column("What I learnt", lambda e, ref: e.learning, 48, wrap=True, field="learning"),
    Column(
        "How my practice changed",
        lambda e, ref: e.practice_change,
        48,
        wrap=True,
        field="practice_change",
    ),
    Column(
        "Peer discussion", lambda e, ref: e.peer_discussion, 40, wrap=True, field="peer_discussion"
    ),
    Column(
        "Link to professional standards",
        lambda e, ref: e.standards_link,
        40,
        wrap=True,
        field="standards_link",
    ),
    Column("Evidence", lambda e, ref: e.evidence, 30, wrap=True, field="evidence"),
    Column("Catalogue page", lambda e, ref: offering_url(e), 40, field="catalogue_url"),
    Column(
        "Confirmed by provider", lambda e, ref: confirmed_text(e), 24, wrap=True, field="confirmed"
    ),
)

#: The Reflections sheet: one row per entry with any reflective writing.
REFLECTION_COLUMNS: tuple[Column, ...] = (
    Column("Title", lambda e, ref: e.title, 36, wrap=True, field="title"),
    Column("Start date", lambda e, ref: e.starts_on, 12, field="starts_on"),
    Column("End date", lambda e, ref: e.ends_on, 12, field="ends_on"),
    Column("What I learnt", lambda e, ref: e.learning, 60, wrap=True, field="learning"),
    Column(
        "How my practice changed",
        lambda e, ref: e.practice_change,
        60,
        wrap=True,
        field="practice_change",
    ),
    Column(
        "Peer discussion", lambda e, ref: e.peer_discussion, 48, wrap=True, field="peer_discussion"
    ),
    Column(
        "Link to professional standards",
        lambda e, ref: e.standards_link,
        48,
        wrap=True,
        field="standards_link",
    ),
)


def has_reflective_writing(entry: PortfolioEntry) -> bool:
    """Whether an entry has anything for the Reflections sheet."""
    return entry.has_reflection or bool(
        entry.peer_discussion.strip() or entry.standards_link.strip()
    )


def entries_for_export(user: User) -> list:
    """Every entry of a learner, newest first, as light rows (`queries.entry_rows`)."""
    return entry_rows(user)


def hours_text(hours: float) -> str:
    """19.5, 3, 1250 or 0.25: at most two decimals, no trailing zeros, no thousands separator."""
    return format_number(hours, grouped=False)


# --- CSV --------------------------------------------------------------------------------


def csv_text(value) -> str:
    """A value as CSV text: ISO dates, plain numbers, Yes/No, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return hours_text(value)
    return neutralise(str(value))


def portfolio_csv(
    entries: Iterable[PortfolioEntry], columns: Sequence[Column] = ACTIVITY_COLUMNS
) -> str:
    """The Activities as CSV, starting with a byte-order mark so Excel reads it as UTF-8."""
    ref = reference()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([neutralise(column.header) for column in columns])
    for entry in entries:
        writer.writerow([csv_text(column.value(entry, ref)) for column in columns])
    return out.getvalue()


# --- xlsx -------------------------------------------------------------------------------

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
HOURS_FORMAT = "0.##"


class _Sheet:
    """A write-only worksheet with a few helpers for styled cells."""

    def __init__(self, workbook: Workbook, title: str, widths: Sequence[float]):
        self.ws = workbook.create_sheet(title)
        # Widths and the frozen pane must be set before the first row is written.
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self._styles: dict[tuple, StyleArray] = {}

    def cell(self, value, *, bold: bool = False, wrap: bool = False, number_format=None):
        """A cell value: text neutralised and cleaned of characters XML cannot hold, styled.

        Plain text and numbers go in as values; a cell with a style is built from
        a copy of a style made once per sheet, because openpyxl's per-cell style
        setters cost more than everything else in a big export.
        """
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        elif isinstance(value, str):
            value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)) if value else None
        elif isinstance(value, datetime):
            number_format = number_format or DATETIME_FORMAT
        elif isinstance(value, date):
            number_format = number_format or DATE_FORMAT
        if value is None or not (bold or wrap or number_format):
            return value
        key = (bold, wrap, number_format)
        style = self._styles.get(key)
        if style is None:
            cell = WriteOnlyCell(self.ws)
            if bold:
                cell.font = BOLD
            if wrap:
                cell.alignment = WRAP
            if number_format:
                cell.number_format = number_format
            style = self._styles[key] = copy(cell._style)
        cell = Cell(self.ws, row=1, column=1, style_array=copy(style))  # as WriteOnlyCell does
        cell.value = value
        return cell

    def row(self, *values, bold: bool = False) -> None:
        """Append a row of plain values (bold for headings)."""
        self.ws.append([self.cell(value, bold=bold) for value in values])

    def figure(self, label, number: float, number_format=HOURS_FORMAT, *, bold=False) -> None:
        """Append a label and a number shown with a format (hours unless told)."""
        self.ws.append(
            [
                self.cell(label, bold=bold),
                self.cell(number, bold=bold, number_format=number_format),
            ]
        )

    def blank(self) -> None:
        """Append an empty row."""
        self.ws.append([])


def portfolio_xlsx(
    user: User,
    entries: Sequence[PortfolioEntry],
    summary: Summary,
    position: Position,
    columns: Sequence[Column] = ACTIVITY_COLUMNS,
    reflection_columns: Sequence[Column] = REFLECTION_COLUMNS,
    *,
    reflective: Sequence[PortfolioEntry] | None = None,
    facts: Sequence[tuple[str, object]] = (),
    reflection_title: str = "Reflections",
) -> bytes:
    """The portfolio as a workbook: Summary, Activities and Reflections sheets.

    A record profile passes its own columns, the entries for its reflective
    sheet and its title, and `facts` (label, value) for the Summary sheet:
    the profile, the period, the verification code, progress.
    """
    ref = reference()
    workbook = Workbook(write_only=True)
    _summary_sheet(workbook, user, summary, position, ref, facts)
    _entries_sheet(workbook, "Activities", entries, columns, ref, totals=True)
    if reflective is None:
        reflective = [entry for entry in entries if has_reflective_writing(entry)]
    title = re.sub(r"[][:*?/\\]", " ", reflection_title)[:31]
    _entries_sheet(workbook, title, reflective, reflection_columns, ref, totals=False)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _summary_sheet(
    workbook: Workbook,
    user: User,
    summary: Summary,
    position: Position,
    ref: Reference,
    facts: Sequence[tuple[str, object]] = (),
) -> None:
    sheet = _Sheet(workbook, "Summary", (34, 60))
    sheet.row("Portfolio record", bold=True)
    sheet.row("Learner", user.name)
    sheet.row("Generated (UTC)", utcnow().replace(microsecond=0))
    for label, value in facts:
        sheet.ws.append([sheet.cell(label), sheet.cell(value, wrap=isinstance(value, str))])
    sheet.row("Self-reported", "Recorded by the learner; not checked by the Academy.")
    sheet.blank()
    sheet.row("Figure", "Value", bold=True)
    sheet.row("Activities", summary.entries)
    sheet.figure("Total hours", summary.hours)
    sheet.figure("Participatory hours", summary.participatory_hours)
    sheet.figure("Co-delivered hours", summary.co_delivered_hours)
    sheet.figure("Share of hours co-delivered", round(summary.co_delivered_share, 4), "0%")
    sheet.row("Activities with reflections", summary.reflections)
    sheet.row("Where your entries put you", position.level.name)
    sheet.ws.append([sheet.cell("Why"), sheet.cell(position.explanation, wrap=True)])
    by_level = [
        (ref.escalator.label(key) if key else "Not sure", hours)
        for key, hours in summary.by_level.items()
    ]
    by_format = [
        (ref.formats.label(key) if key else "Not given", hours)
        for key, hours in summary.by_format.items()
    ]
    for heading, rows in (
        ("Level", by_level),
        ("Year", list(summary.by_year.items())),
        ("Format", by_format),
    ):
        sheet.blank()
        sheet.row(heading, "Hours", bold=True)
        for label, hours in rows:
            sheet.figure(label, hours)
        sheet.figure("Total", summary.hours, bold=True)


def _entries_sheet(
    workbook: Workbook,
    title: str,
    entries: Iterable[PortfolioEntry],
    columns: Sequence[Column],
    ref: Reference,
    *,
    totals: bool,
) -> None:
    sheet = _Sheet(workbook, title, [column.width for column in columns])
    sheet.ws.freeze_panes = "A2"
    sheet.row(*(column.header for column in columns), bold=True)
    sums = [0.0] * len(columns)
    count = 0
    for entry in entries:
        cells = []
        for index, column in enumerate(columns):
            value = column.value(entry, ref)
            if column.total:
                sums[index] += value
                cells.append(value)
            else:
                cells.append(sheet.cell(value, wrap=column.wrap))
        sheet.ws.append(cells)
        count += 1
    if totals:
        row = [sheet.cell(f"Total ({count:,} activit{'y' if count == 1 else 'ies'})", bold=True)]
        for index, column in enumerate(columns[1:], start=1):
            row.append(
                sheet.cell(round(sums[index], 2), bold=True, number_format=HOURS_FORMAT)
                if column.total
                else None
            )
        sheet.ws.append(row)
