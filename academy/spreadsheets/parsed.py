"""A file read and checked on its own, kept as JSON between its preview and its confirmation.

A feature's reader returns a `ParsedUpload` of its own kind: the file's name,
the sheet read, the problems, and its rows (the subclass says how they are
kept, in `rows_as_json` and `rows_from_json`). Only a file without errors is
kept for confirming, so only its notes are kept and a kept row has no
problems. JSON has no dates: `kept_row` turns the values named back into dates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Self

from academy.spreadsheets.columns import ParsedRow
from academy.spreadsheets.problems import Problem, notes_as_json, notes_from_json


@dataclass
class ParsedUpload:
    """An upload read and checked, before it is compared with the database."""

    filename: str
    sheet: str = ""
    problems: list[Problem] = field(default_factory=list)

    def rows_as_json(self) -> dict:
        """The rows, and anything else read, as JSON values (dates may stay dates)."""
        raise NotImplementedError

    def rows_from_json(self, saved: dict) -> None:
        """Put back what `rows_as_json` kept."""
        raise NotImplementedError

    def to_json(self) -> str:
        """The upload as JSON, to check again and write when the uploader confirms."""
        kept = {"filename": self.filename, "sheet": self.sheet, **self.rows_as_json()}
        return json.dumps({**kept, "notes": notes_as_json(self.problems)}, default=date.isoformat)

    @classmethod
    def from_json(cls, text: str) -> Self:
        """An upload kept by `to_json`; ValueError, KeyError or TypeError if it cannot be."""
        saved = json.loads(text)
        parsed = cls(saved["filename"], saved["sheet"], notes_from_json(saved["notes"]))
        parsed.rows_from_json(saved)
        return parsed


def kept_row(number: int, values: dict, dates: Iterable[str] = ()) -> ParsedRow:
    """A row kept as JSON, with the values named in `dates` back as dates."""
    for name in dates:
        values[name] = date.fromisoformat(values[name])
    return ParsedRow(number, values, [])
