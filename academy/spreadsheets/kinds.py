"""Kinds of cell: how text, numbers, dates, yes/no, web addresses and vocabulary terms are read.

Each kind turns whatever a cell holds (text, a number, a real date) into a
value, or raises a `CellError` whose message a person can act on, and says
what it accepts for a template's Read me sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from openpyxl.utils.datetime import from_excel


class CellError(ValueError):
    """A cell's value cannot be used; the message says what to put instead."""


def is_blank(value: Any) -> bool:
    """Whether a cell is empty (or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: Any) -> str:
    """A cell as text: whole numbers without ".0", dates as ISO."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _to_decimal(value: Any, example: str) -> Decimal:
    """A number from a number cell or from text like 12.5 or 1,250."""
    if isinstance(value, (bool, date, time)):
        raise CellError(f"Enter a number, like {example}.")
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = str(value).strip().replace(" ", "")
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
            text = text.replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(
                f"“{as_text(value)}” is not a number. Enter a number, like {example}."
            ) from None
    if not number.is_finite():
        raise CellError(f"Enter a number, like {example}.")
    return number


class Kind:
    """How one kind of cell is read; subclasses set `parse` and `describe`."""

    #: The value of a blank cell in an optional column.
    default: Any = None
    #: Excel's number format for the column in a template, if any.
    number_format: str | None = None

    def parse(self, value: Any) -> Any:
        """The value of a non-blank cell, or CellError."""
        raise NotImplementedError

    def describe(self) -> str:
        """What may go in the cell, for the template's Read me sheet."""
        return ""

    def list_values(self) -> list[str] | None:
        """Values for a drop-down list in the template, if the column has one."""
        return None

    #: Whether a drop-down is only a suggestion (several values may be typed).
    free_text_list = False


@dataclass
class Text(Kind):
    """Text up to a length; line breaks kept only where `multiline`."""

    max_length: int
    multiline: bool = False
    default: Any = ""

    def parse(self, value: Any) -> str:
        """The trimmed text."""
        text = as_text(value).replace("\r\n", "\n").replace("\r", "\n")
        if not self.multiline:
            text = " ".join(text.split())
        else:
            text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
        if len(text) > self.max_length:
            raise CellError(f"Use at most {self.max_length:,} characters (this has {len(text):,}).")
        return text

    def describe(self) -> str:
        """Its length."""
        return f"Text, at most {self.max_length:,} characters."


@dataclass
class Number(Kind):
    """A number in a range, rounded to `places` decimals."""

    minimum: float
    maximum: float
    places: int = 2
    example: str = "6 or 12.5"

    def parse(self, value: Any) -> float:
        """A float within the range."""
        number = _to_decimal(value, self.example)
        if not self.minimum <= number <= self.maximum:
            raise CellError(
                f"Enter a number from {self.minimum:,g} to {self.maximum:,g}, like {self.example}."
            )
        return float(round(number, self.places))

    def describe(self) -> str:
        """Its range."""
        return f"A number from {self.minimum:,g} to {self.maximum:,g}, like {self.example}."


@dataclass
class Integer(Kind):
    """A whole number in a range."""

    minimum: int
    maximum: int
    example: str = "15"

    def parse(self, value: Any) -> int:
        """An int within the range."""
        number = _to_decimal(value, self.example)
        if number != number.to_integral_value():
            raise CellError(f"Enter a whole number, like {self.example}.")
        if not self.minimum <= number <= self.maximum:
            raise CellError(f"Enter a whole number from {self.minimum:,} to {self.maximum:,}.")
        return int(number)

    def describe(self) -> str:
        """Its range."""
        return f"A whole number from {self.minimum:,} to {self.maximum:,}."


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y", "%d-%m-%Y", "%d.%m.%Y")


@dataclass
class Date(Kind):
    """A date: a real Excel date, ISO text (2027-01-31) or 31/01/2027."""

    first_year: int = 2000
    last_year: int = 2100
    number_format: str | None = "dd/mm/yyyy"

    def parse(self, value: Any) -> date:
        """A date between the years allowed."""
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            # A date typed into a cell formatted as a number: Excel's day count.
            if not 1 <= value < 2958466:
                raise CellError(self._ask(value))
            day = from_excel(value).date()
        elif isinstance(value, str):
            day = self._from_text(value.strip())
        else:
            raise CellError(self._ask(value))
        if not self.first_year <= day.year <= self.last_year:
            raise CellError(
                f"Enter a date between the years {self.first_year} and {self.last_year}."
            )
        return day

    def _from_text(self, text: str) -> date:
        """A date from text in one of the accepted forms."""
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", text):
            text = text[:10]
        for pattern in DATE_FORMATS:
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise CellError(self._ask(text))

    @staticmethod
    def _ask(value: Any) -> str:
        """The message for something that is not a date."""
        return f"“{as_text(value)}” is not a date. Enter a date like 31/01/2027 or 2027-01-31."

    def describe(self) -> str:
        """The forms accepted."""
        return "A date: a date cell, or text like 31/01/2027 or 2027-01-31."


YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


@dataclass
class YesNo(Kind):
    """Yes or no; a blank cell means no."""

    default: Any = False

    def parse(self, value: Any) -> bool:
        """True or False."""
        if isinstance(value, bool):
            return value
        text = as_text(value).casefold()
        if text in YES:
            return True
        if text in NO:
            return False
        raise CellError(f"Enter yes or no (not “{as_text(value)}”).")

    def describe(self) -> str:
        """The words accepted."""
        return "yes or no. A blank cell means no."

    def list_values(self) -> list[str]:
        """yes, no."""
        return ["yes", "no"]


@dataclass
class WebAddress(Kind):
    """A web address starting https:// or http://."""

    max_length: int = 500

    def parse(self, value: Any) -> str:
        """The address, checked."""
        text = as_text(value)
        ask = "Enter a web address that starts with https://, like https://www.example.org/book."
        if len(text) > self.max_length:
            raise CellError(f"Use a web address of at most {self.max_length} characters.")
        try:
            parts = urlsplit(text)
            host = parts.hostname or ""
        except ValueError:
            raise CellError(ask) from None
        if parts.scheme.lower() not in ("http", "https") or "." not in host or " " in text:
            raise CellError(ask)
        return text

    def describe(self) -> str:
        """The form it takes."""
        return "A web address starting https:// (or http://)."


def _a(noun: str) -> str:
    """The noun with "a" or "an"."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _labels(vocabulary) -> list[str]:
    """A vocabulary's labels in order."""
    return [term.label for term in vocabulary]


def _choose_from(vocabulary, what: str) -> str:
    """What to choose from: the labels, or where to find them."""
    labels = _labels(vocabulary)
    if len(labels) <= 12:
        return f"Use one of: {'; '.join(labels)}."
    return f"Choose {_a(what)} from the drop-down list, or see the “Read me” sheet."


@dataclass
class Choice(Kind):
    """One term of a vocabulary, by its key or its label (any case).

    `none_label` names a choice that means "none of them" ("Not sure"): it
    reads as None, like a blank cell, and is offered in the drop-down.
    """

    vocabulary: Any
    what: str
    none_label: str | None = None

    def parse(self, value: Any) -> str | None:
        """The term's key (None for `none_label`)."""
        text = as_text(value)
        if self.none_label and " ".join(text.split()).casefold() == self.none_label.casefold():
            return None
        key = self.vocabulary.resolve(text)
        if key is None:
            choose = _choose_from(self.vocabulary, self.what)
            if self.none_label and choose.startswith("Use one of"):
                choose = f"{choose[:-1]}; {self.none_label}."
            raise CellError(f"“{text}” is not {_a(self.what)} we know. {choose}")
        return key

    def describe(self) -> str:
        """The labels."""
        return f"One of: {'; '.join(self.list_values())}."

    def list_values(self) -> list[str]:
        """The labels."""
        labels = _labels(self.vocabulary)
        return [*labels, self.none_label] if self.none_label else labels


@dataclass
class Choices(Kind):
    """Several terms of a vocabulary, separated by semicolons; blank means none."""

    vocabulary: Any
    what: str
    separator: str = ";"
    free_text_list = True

    def __post_init__(self):
        self.default = []

    def parse(self, value: Any) -> list[str]:
        """The terms' keys, in the order given, each once."""
        text = as_text(value)
        keys, unknown = [], []
        for part in text.replace("\n", self.separator).split(self.separator):
            if not part.strip():
                continue
            key = self.vocabulary.resolve(part)
            if key is None:
                unknown.append(part.strip())
            elif key not in keys:
                keys.append(key)
        if unknown:
            names = ", ".join(f"“{u}”" for u in unknown)
            hint = (
                "Separate several values with a semicolon (;)."
                if any("," in u for u in unknown)
                else _choose_from(self.vocabulary, self.what)
            )
            what = f"are not {self.what}s" if len(unknown) > 1 else f"is not {_a(self.what)}"
            raise CellError(f"{names} {what} we know. {hint}")
        return keys

    def describe(self) -> str:
        """The labels and the separator."""
        return (
            f"None, one or several of: {'; '.join(_labels(self.vocabulary))}. "
            f"Separate several with a semicolon ({self.separator})."
        )

    def list_values(self) -> list[str]:
        """The labels."""
        return _labels(self.vocabulary)


@dataclass
class Money(Kind):
    """An amount in pounds (450, 12.50, £1,250) or the word free; read as pence."""

    maximum: int = 100_000
    free_word: str = "free"

    def parse(self, value: Any) -> int:
        """Pence."""
        text = as_text(value)
        if text.casefold() == self.free_word:
            return 0
        cleaned = re.sub(r"^(£|gbp)\s*", "", text.strip(), flags=re.IGNORECASE)
        number = _to_decimal(cleaned if isinstance(value, str) else value, "450 or 12.50")
        if number < 0 or number > self.maximum:
            raise CellError(
                f"Enter an amount from 0 to {self.maximum:,} pounds, or {self.free_word}."
            )
        if number != number.quantize(Decimal("0.01")):
            raise CellError("Enter the amount in pounds and pence, like 12.50.")
        return int(number * 100)

    def describe(self) -> str:
        """The forms accepted."""
        return f"An amount in pounds, like 450 or 12.50, or the word {self.free_word} (or 0)."
