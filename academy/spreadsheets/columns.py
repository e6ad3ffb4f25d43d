"""Columns of a sheet: their headers, their kinds, and reading rows into values and problems.

A `Column` has the header the template gives it, whether it must be filled
in, and a kind (see `kinds`). `match_columns` finds the columns by header
(case, spaces, underscores and hyphens do not matter); `parse_rows` reads
every row, collecting a `Problem` per bad cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from academy.spreadsheets.kinds import CellError, Kind, as_text, is_blank
from academy.spreadsheets.problems import Problem
from academy.spreadsheets.reading import Row, Sheet

#: What Excel shows in a cell whose formula failed.
EXCEL_ERRORS = frozenset(
    "#NULL! #DIV/0! #VALUE! #REF! #NAME? #NUM! #N/A #GETTING_DATA #SPILL! #CALC! #FIELD! "
    "#BLOCKED! #CONNECT! #BUSY! #UNKNOWN!".split()
)
#: How many header rows may stand above the real one (a title, a note).
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, its kind, and help for the Read me sheet."""

    header: str
    kind: Kind
    required: bool = False
    help: str = ""
    field: str = ""
    missing: str = ""
    width: int = 18

    @property
    def name(self) -> str:
        """The key of the value in a parsed row."""
        return self.field or self.header

    def read(self, value: Any) -> Any:
        """The cell's value, or CellError."""
        if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
            raise CellError(
                f"The cell shows the Excel error {value.strip()}: fix its formula, or type the "
                "value in."
            )
        if is_blank(value):
            if self.required:
                raise CellError(self.missing or f"Enter the {self.header.replace('_', ' ')}.")
            default = self.kind.default
            return list(default) if isinstance(default, list) else default
        return self.kind.parse(value)


def normalise_header(value: Any) -> str:
    """A header as matched: lower case, with spaces, underscores and hyphens alike."""
    return re.sub(r"[\s_\-]+", "_", as_text(value).casefold()).strip("_") if value else ""


@dataclass
class Table:
    """A sheet matched to its columns: the header row and where each column is."""

    sheet: Sheet
    header_row: int
    positions: dict[str, int]
    rows: list[Row] = field(default_factory=list)


def match_columns(sheet: Sheet, columns: Sequence[Column]) -> tuple[Table | None, list[Problem]]:
    """Find the header row and each column; missing required ones are errors."""
    wanted = {normalise_header(c.header): c for c in columns}
    candidates = sheet.rows[:HEADER_SEARCH_ROWS]
    if not candidates:
        return None, [
            Problem("The sheet has no rows: add the header row and your rows.", sheet.name)
        ]
    scores = [sum(normalise_header(v) in wanted for v in row.values) for row in candidates]
    best = max(range(len(candidates)), key=lambda i: (scores[i], -i))
    header = candidates[best]
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, value in enumerate(header.values):
        if is_blank(value):
            continue
        column = wanted.get(normalise_header(value))
        letter = get_column_letter(index + 1)
        if column is None:
            problems.append(
                Problem(
                    f"The column “{as_text(value)}” ({letter}) is not one the import reads, "
                    "so it was ignored.",
                    sheet.name,
                    header.number,
                    note=True,
                )
            )
        elif column.name in positions:
            first = get_column_letter(positions[column.name] + 1)
            problems.append(
                Problem(
                    f"The column “{column.header}” appears twice ({first} and {letter}). "
                    "Keep one of them.",
                    sheet.name,
                    header.number,
                )
            )
        else:
            positions[column.name] = index
    missing = [c.header for c in columns if c.required and c.name not in positions]
    if missing:
        names = ", ".join(f"“{m}”" for m in missing)
        problems.append(
            Problem(
                f"The header row (row {header.number}) has no column {names}. Every sheet "
                "needs the template's header row: copy it from the template.",
                sheet.name,
            )
        )
    if any(p.is_error for p in problems):
        return None, problems
    if best:
        problems.append(
            Problem(
                f"The header row is row {header.number}; the rows above it were ignored.",
                sheet.name,
                note=True,
            )
        )
    rows = sheet.rows[best + 1 :]
    return Table(sheet, header.number, positions, rows), problems


@dataclass
class ParsedRow:
    """One row read: its number, its values by column name, and its problems."""

    number: int
    values: dict[str, Any]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """Whether every cell could be read."""
        return not self.problems

    def error(self, column: str | None, message: str, sheet: str) -> None:
        """Add a problem found after reading (a rule across columns, say)."""
        self.problems.append(Problem(message, sheet, self.number, column))


def parse_rows(table: Table, columns: Iterable[Column]) -> Iterator[ParsedRow]:
    """Read every row of a matched table, one ParsedRow each."""
    present = [(c, table.positions.get(c.name)) for c in columns]
    name = table.sheet.name
    for row in table.rows:
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for column, index in present:
            cell = row.values[index] if index is not None and index < len(row.values) else None
            try:
                values[column.name] = column.read(cell)
            except CellError as error:
                problems.append(Problem(str(error), name, row.number, column.header))
                values[column.name] = None
        yield ParsedRow(row.number, values, problems)
