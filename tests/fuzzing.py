"""What the fuzz tests share: hypothesis settings, hostile values, files from rows, row counts.

ACADEMY_FUZZ_EXAMPLES multiplies the examples each fuzz test runs (1 by
default, a couple of minutes for them all on SQLite), for a deeper run:
`ACADEMY_FUZZ_EXAMPLES=10 .venv/bin/pytest tests -k fuzz`.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import date, datetime

import openpyxl
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, inspect, select, table

from academy.extensions import db

SCALE = max(1, int(os.environ.get("ACADEMY_FUZZ_EXAMPLES", "1") or 1))


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for a fuzz test: `examples` times the scale, no deadline."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


#: Characters that break things: NUL, controls, line breaks, invisible and combining ones, emoji.
HOSTILE = "\x00\x01\x1f\x7f\r\n\t\u200b\u202e\u0301\ufeff\U0001f600"

#: Text of every kind: any unicode (NUL and lone surrogates included), syntax, SQL, formulas.
junk = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=150, max_size=400),
    st.sampled_from(
        [
            '"',
            "'",
            "*",
            "-",
            "(",
            "NEAR(a b)",
            "a OR b",
            "' OR 1=1 --",
            "%",
            "\\",
            "\x00",
            "ａｗａｒｅｎｅｓｓ",
            "<script>alert(1)</script>",
            "=1+1",
            '=HYPERLINK("x")',
            "+1",
            "@SUM(A1)",
            "-1",
            "#N/A",
            "#DIV/0!",
            "NULL",
            "None",
            "nan",
            "inf",
            "  ",
        ]
    ),  # fmt: skip
)
#: Text longer than any column takes, than a cell in Excel holds, than Python's csv reads.
over_long = st.sampled_from([101, 201, 501, 2001, 10001, 20001, 40000, 140000]).map(
    lambda n: "x" * n
)
#: Numbers as they turn up in cells and URLs: huge, negative, odd, and text that is not one.
numbers = st.one_of(
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "0",
            "1",
            "12.5",
            "12,5",
            "1,250",
            "-1",
            "1e3",
            "1e400",
            "0x10",
            "١٢",
            " 2 ",
            "+3",
            "1_000",
            "£10",
            "10p",
            "free",
            "FREE",
            "½",
        ]
    ),  # fmt: skip
)
#: Dates as they turn up: real ones, text in many forms, impossible ones, Excel day numbers.
dates = st.one_of(
    st.dates(min_value=date(1900, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1)),
    st.dates().map(date.isoformat),
    st.dates().map(lambda day: day.strftime("%d/%m/%Y")),
    st.dates().map(lambda day: day.strftime("%m/%d/%y")),
    st.dates().map(lambda day: day.strftime("%d %B %Y")),
    st.integers(-10, 3_000_000),
    st.sampled_from(["2027-02-30", "0000-01-01", "9999-12-31", "20270101", "2027-W01-1",
                     "31/12/99", "tomorrow", "2027-01-31T10:00:00", "2027-01-31 10:00"]),
)  # fmt: skip
yes_no = st.one_of(
    st.booleans(),
    st.sampled_from(["yes", "no", "Y", "n", "TRUE", "False", "1", "0", "ja", "maybe", ""]),
)


@st.composite
def spiced(draw, values):
    """A likely value with a hostile character put somewhere in it."""
    value = str(draw(values))
    at = draw(st.integers(0, len(value)))
    return value[:at] + draw(st.sampled_from(HOSTILE)) + value[at:]


def terms(vocabulary):
    """A vocabulary's keys and labels, in any case."""
    words = [*vocabulary.keys, *(term.label for term in vocabulary)]
    return st.sampled_from(words) | st.sampled_from(words).map(str.upper)


def several(vocabulary):
    """Several terms in one cell, separated by semicolons (and the odd comma or junk)."""
    return st.lists(terms(vocabulary) | junk, max_size=4).map(
        lambda items: "; ".join(str(item) for item in items)
    ) | st.lists(terms(vocabulary), max_size=3).map(", ".join)


def cell(value):
    """A value as an .xlsx cell can hold it: text without the characters XML refuses."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def xlsx_file(sheets: dict[str, tuple[list[str], list[dict]]]) -> bytes:
    """A workbook with a sheet per name: its headers, then rows given as {header: value}."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, (headers, rows) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(headers)
        for row in rows:
            sheet.append([cell(row.get(header)) for header in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(headers: list[str], rows: list[dict]) -> bytes:
    """The rows as a UTF-8 CSV file (NUL characters and all)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else _csv_text(row.get(h)) for h in headers])
    return buffer.getvalue().encode("utf-8", "surrogatepass").decode("utf-8", "replace").encode()


def _csv_text(value) -> str:
    """A value as text in a CSV cell."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def row_counts(app) -> dict[str, int]:
    """How many rows every table of the database holds, by table."""
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        return {
            name: db.session.scalar(select(func.count()).select_from(table(name))) for name in names
        }


def changes(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The tables whose row counts changed, with by how much."""
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}
