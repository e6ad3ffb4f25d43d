"""The generic spreadsheet machinery: reading safely, columns and kinds, templates."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import openpyxl.xml
import pytest

from academy.config import PROJECT_ROOT
from academy.reference import load_reference
from academy.spreadsheets import (
    CellError,
    Choice,
    Choices,
    Column,
    Date,
    Integer,
    Limits,
    Money,
    Number,
    Problem,
    SpreadsheetError,
    TemplateSheet,
    Text,
    WebAddress,
    YesNo,
    match_columns,
    parse_rows,
    read_spreadsheet,
    write_template,
)
from academy.spreadsheets.reading import Row, Sheet, delimiter_of

REF = load_reference(str(PROJECT_ROOT / "data"))


def workbook(*rows, title="Data", merge=None, hidden=None) -> bytes:
    """A one-sheet workbook (plus a hidden one if asked)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    if hidden:
        book.create_sheet(hidden).sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_openpyxl_parses_with_defusedxml():
    """Is openpyxl using defusedxml, so entity tricks in a workbook are refused?"""
    assert openpyxl.xml.DEFUSEDXML is True


def test_rows_keep_the_numbers_the_spreadsheet_shows():
    """Are blank rows skipped while row numbers stay those the spreadsheet program shows?"""
    data = workbook(["a", "b"], [None, None], ["  ", None], [1, None], hidden="Secret")
    book = read_spreadsheet(data, "x.xlsx")
    sheet = book.sheet("data")  # any case
    assert [(r.number, r.values) for r in sheet.rows] == [(1, ("a", "b")), (4, (1,))]
    assert book.sheet("Secret") is None and book.sheet("Secret", hidden=True).hidden


def test_merged_cells_fill_down_their_first_column():
    """Does a value merged over three rows apply to each of them (and only its first column)?"""
    data = workbook(["ref", "x"], ["A", 1], [None, 2], [None, 3], merge="A2:A4")
    book = read_spreadsheet(data, "x.xlsx")
    assert [r.values for r in book.sheets[0].rows[1:]] == [("A", 1), ("A", 2), ("A", 3)]
    assert "merged" in book.notes[0].message


def test_too_many_rows_is_refused_early():
    """Does a sheet over the row limit stop with a message instead of being read whole?"""
    data = workbook(*([n] for n in range(30)))
    with pytest.raises(SpreadsheetError, match="more than 20 rows"):
        read_spreadsheet(data, "x.xlsx", limits=Limits(max_rows=20))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a,b\n1,2\n", ("a", "b")),
        (b"\xef\xbb\xbfa;b\n1;2\n", ("a", "b")),
        ("a\tb\nCafé\t£2\n".encode("utf-16"), ("a", "b")),
        ("a,b\nCafé,£2\n".encode("cp1252"), ("a", "b")),
    ],
    ids=["utf-8", "utf-8 BOM with semicolons", "utf-16 with tabs", "windows-1252"],
)
def test_csv_encodings_and_separators(data, expected):
    """Are CSV files read in every encoding and separator spreadsheet programs save?"""
    sheet = read_spreadsheet(data, "x.csv", csv_sheet="Offers").sheets[0]
    assert sheet.name == "Offers" and sheet.rows[0].values == expected
    assert sheet.rows[1].values in (("1", "2"), ("Café", "£2"))


def test_delimiter_comes_from_the_header_line():
    """Is the separator the one the header line uses, a comma when it uses none?"""
    assert delimiter_of("a;b;c\n1,5;2;3") == ";"
    assert delimiter_of("only\n1") == ","


def test_a_problem_says_where_it_is():
    """Does a problem read as sheet, row, column, then message?"""
    problem = Problem("Enter a date.", "Sessions", 4, "starts_on")
    assert str(problem) == "Sheet “Sessions”, row 4, column “starts_on”: Enter a date."
    assert str(Problem("The file is empty.")) == "The file is empty."


@pytest.mark.parametrize(
    ("kind", "cell", "value"),
    [
        (Number(0, 100), "12.5", 12.5),
        (Number(0, 10000), "1,250", 1250.0),
        (Number(0, 100), 7, 7.0),
        (Integer(1, 720), 15.0, 15),
        (Date(), datetime(2027, 1, 31, 0, 0), date(2027, 1, 31)),
        (Date(), "2027-01-31", date(2027, 1, 31)),
        (Date(), "31/01/2027", date(2027, 1, 31)),
        (Date(), "31 January 2027", date(2027, 1, 31)),
        (Date(), 46418, date(2027, 1, 31)),  # a date typed into a number cell
        (YesNo(), "Yes", True),
        (YesNo(), False, False),
        (Money(), "free", 0),
        (Money(), "£1,250.50", 125050),
        (Money(), 12.5, 1250),
        (Text(10), 101.0, "101"),
        (Text(50, multiline=True), "a\r\n\r\nb  ", "a\n\nb"),
        (Text(50), "a\n b", "a b"),
        (WebAddress(), "https://example.org/x", "https://example.org/x"),
        (Choice(REF.formats, "format"), "WORKSHOP", "workshop"),
        (Choice(REF.formats, "format"), "Workshop (a day or less)", "workshop"),
        (
            Choices(REF.sectors, "sector"),
            "Housing and homelessness; health; health",
            ["housing", "health"],
        ),
    ],
)
def test_each_kind_reads_what_people_type(kind, cell, value):
    """Does each kind of column accept the forms people and spreadsheets give it?"""
    assert kind.parse(cell) == value


@pytest.mark.parametrize(
    ("kind", "cell", "message"),
    [
        (Number(0, 100), "12,5", "is not a number"),
        (Number(0, 100), 101, "from 0 to 100"),
        (Integer(1, 720), 2.5, "whole number"),
        (Date(), "01/31/2027", "is not a date"),
        (Date(), "1999-12-31", "between the years 2000 and 2100"),
        (YesNo(), "perhaps", "Enter yes or no"),
        (Money(), "12.505", "pounds and pence"),
        (Money(), -1, "from 0 to 100,000"),
        (Text(5), "toolong", "at most 5 characters"),
        (WebAddress(), "javascript:alert(1)", "starts with https://"),
        (WebAddress(), "https://localhost", "starts with https://"),
        (Choice(REF.formats, "format"), "Lecture", "is not a format we know"),
        (Choices(REF.sectors, "sector"), "Housing, Health", "semicolon"),
    ],
)
def test_each_kind_explains_what_is_wrong(kind, cell, message):
    """Does a bad cell get a message saying what to put instead?"""
    with pytest.raises(CellError, match=message):
        kind.parse(cell)


def test_columns_are_matched_by_header_whatever_the_case():
    """Are headers matched in any case and spacing, extras noted, missing ones errors?"""
    columns = [Column("reference", Text(10), True), Column("contact_hours", Number(0, 9))]
    sheet = Sheet("S", [Row(1, (" Contact Hours ", "REFERENCE", "notes")), Row(2, (3, "A"))])
    table, problems = match_columns(sheet, columns)
    assert [p.message for p in problems] == [
        "The column “notes” (C) is not one the import reads, so it was ignored."
    ]
    (row,) = parse_rows(table, columns)
    assert row.values == {"reference": "A", "contact_hours": 3.0} and row.ok
    table, problems = match_columns(Sheet("S", [Row(1, ("notes",))]), columns)
    assert table is None and "has no column “reference”" in problems[-1].message


def test_excel_errors_are_named():
    """Does a cell showing #N/A say so, rather than 'not a number'?"""
    with pytest.raises(CellError, match="Excel error #N/A"):
        Column("hours", Number(0, 9)).read("#N/A")


def test_the_template_has_drop_downs_prompts_and_a_read_me():
    """Does a written template have its sheets, headers, drop-downs and a Read me?"""
    columns = [
        Column("reference", Text(10), True, "Your code."),
        Column("format", Choice(REF.formats, "format"), True),
        Column("sectors", Choices(REF.sectors, "sector")),
        Column("online", YesNo()),
        Column("starts_on", Date()),
    ]
    data = write_template(
        [TemplateSheet("Things", columns, "One per row.", {"reference": "EX-1"}, rows=10)],
        title="Things to import",
        introduction=["Fill it in."],
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Read me", "Things", "Lists"]
    assert book["Lists"].sheet_state == "hidden"
    things = book["Things"]
    assert [c.value for c in things[1]] == ["reference", "format", "sectors", "online", "starts_on"]
    assert things["A2"].value == "EX-1" and things.freeze_panes == "A2"
    validations = {str(v.sqref): v for v in things.data_validations.dataValidation}
    assert validations["B2:B11"].type == "list" and validations["B2:B11"].showErrorMessage
    assert validations["C2:C11"].type == "list" and not validations["C2:C11"].showErrorMessage
    assert validations["A2:A11"].prompt == "Your code."
    lists = [c.value for c in book["Lists"]["A"] if c.value]
    assert lists[1:] == [t.label for t in REF.formats]
    readme = [c.value for c in book["Read me"]["C"] if c.value]
    assert any("Separate several with a semicolon" in text for text in readme)
