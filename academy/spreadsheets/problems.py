"""What is wrong with an uploaded spreadsheet, said so that anyone can fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing to fix (or, for a note, to know): where it is and what to do.

    `row` is the row number the spreadsheet program shows; `column` is the
    column's header as the template names it. A note is information only
    (an ignored column, a skipped example row) and never stops an import.
    """

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    note: bool = False

    @property
    def is_error(self) -> bool:
        """Whether the problem stops the import."""
        return not self.note

    @property
    def where(self) -> str:
        """Sheet, row and column in words, as far as they are known."""
        parts = []
        if self.sheet:
            parts.append(f"sheet “{self.sheet}”")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column “{self.column}”")
        text = ", ".join(parts)
        return text[:1].upper() + text[1:]

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""

    def __init__(self, message: str, *, sheet: str | None = None):
        super().__init__(message)
        self.problem = Problem(message, sheet=sheet)
