"""What is wrong with an uploaded spreadsheet, said so that anyone can fix it."""

from __future__ import annotations

from collections import Counter
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


def notes_as_json(problems: list[Problem]) -> list[list]:
    """The notes among problems as plain lists, to keep a checked upload for confirming."""
    return [[n.message, n.sheet, n.row, n.column] for n in problems if n.note]


def notes_from_json(saved: list[list]) -> list[Problem]:
    """Notes kept by `notes_as_json`."""
    return [Problem(m, s, r, c, note=True) for m, s, r, c in saved]


class Findings:
    """What reading a file found, for a preview: its `problems`, sorted into kinds, and its
    `rows`, counted by what confirming would do with each."""

    problems: list[Problem]
    rows: list  # each with an `action`, one of `actions`
    #: What confirming may do with a row (new, update, error...), in the order counted.
    actions: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """How many rows there are of each action."""
        found = Counter(row.action for row in self.rows)
        return {action: found[action] for action in self.actions}

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop the import."""
        return [p for p in self.problems if p.is_error]

    @property
    def notes(self) -> list[Problem]:
        """Things worth knowing that do not stop it."""
        return [p for p in self.problems if p.note]

    @property
    def file_errors(self) -> list[Problem]:
        """Errors about the file as a whole (no row): it could not be read at all."""
        return [p for p in self.errors if p.row is None]

    @property
    def has_errors(self) -> bool:
        """Whether anything stops the import."""
        return any(p.is_error for p in self.problems)


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""

    def __init__(self, message: str, *, sheet: str | None = None):
        super().__init__(message)
        self.problem = Problem(message, sheet=sheet)
