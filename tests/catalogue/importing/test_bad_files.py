"""Bad files and bad rows: each gets a clear message, and nothing is written."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from academy.catalogue.importing.operations import preview_import
from academy.catalogue.models import Provider
from academy.extensions import db
from tests.catalogue.importing.files import (
    OFFER_HEADERS,
    START,
    dates,
    make_csv,
    make_xlsx,
    offer,
    rezip,
    rows_in,
    sheet_xml,
    upload,
    xlsx_with_formulas,
)
from tests.conftest import csrf_token
from tests.factories import gen_offering

# --- bad files: each gets a clear message and nothing is written ---------------------------


def _xml_bomb(external: bool) -> bytes:
    """A worksheet whose XML declares entities: nested expansion, or a file on the server."""
    data = make_xlsx([offer(title="TITLE")])
    entity = (
        '<!ENTITY x SYSTEM "file:///etc/passwd">'
        if external
        else '<!ENTITY a "aaaaaaaaaa"><!ENTITY x "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    )
    xml = sheet_xml(data).replace("<t>TITLE</t>", "<t>&x;</t>")
    xml = f'<?xml version="1.0"?><!DOCTYPE worksheet [{entity}]>{xml}'
    return rezip(data, {"xl/worksheets/sheet1.xml": xml.encode()})


def _zip_bomb(size: int) -> bytes:
    data = make_xlsx([offer()])
    return rezip(data, **{"xl/media/image1.bin": b"\0" * size})


def _not_a_workbook_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


BAD_FILES = [
    ("empty", lambda: b"", "offers.xlsx", "The file is empty"),
    ("text file", lambda: b"some notes", "notes.txt", "Upload a spreadsheet"),
    ("old .xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls", "Old Excel"),
    (
        "encrypted or old workbook named .xlsx",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        "locked.xlsx",
        "password-protected",
    ),
    ("PDF named .xlsx", lambda: b"%PDF-1.7\n...", "offers.xlsx", "is a PDF document"),
    ("CSV text named .xlsx", lambda: make_csv([offer()]), "offers.xlsx", "holds plain text"),
    ("workbook named .csv", lambda: make_xlsx([offer()]), "offers.csv", "it is an Excel workbook"),
    (
        "binary named .csv",
        lambda: b"\x00\x01\x02" * 50,
        "offers.csv",
        "is called .csv but it is not a spreadsheet",
    ),
    ("truncated workbook", lambda: make_xlsx([offer()])[:2000], "offers.xlsx", "damaged"),
    ("zip of something else", _not_a_workbook_zip, "offers.xlsx", "not an Excel workbook"),
    ("zip bomb (size)", lambda: _zip_bomb(80 * 1024 * 1024), "offers.xlsx", "would unpack to"),
    ("zip bomb (ratio)", lambda: _zip_bomb(20 * 1024 * 1024), "offers.xlsx", "times its size"),
    ("XML entity expansion", lambda: _xml_bomb(False), "offers.xlsx", "XML instructions"),
    ("XML external entity", lambda: _xml_bomb(True), "offers.xlsx", "XML instructions"),
    (
        "missing columns",
        lambda: make_xlsx([offer()], offer_headers=OFFER_HEADERS[:4]),
        "offers.xlsx",
        "has no column “level”, “format”, “cost_gbp”",
    ),
    (
        "hidden Offerings sheet",
        lambda: _hide(make_xlsx([offer()], []), "Offerings"),
        "offers.xlsx",
        "The “Offerings” sheet is hidden",
    ),
    (
        "no Offerings sheet among several",
        lambda: _rename(make_xlsx([offer()], []), "Offerings", "Courses"),
        "offers.xlsx",
        "no sheet called “Offerings”",
    ),
    ("only headers", lambda: make_xlsx([]), "offers.xlsx", "There are no offers in the file"),
    (
        "CSV in an unknown encoding",
        lambda: b"reference,title\nA,\x81\x8d\x90",
        "offers.csv",
        "letters could not be read",
    ),
    (
        "too many offers",
        lambda: make_csv([offer(f"R{n}") for n in range(5001)]),
        "offers.csv",
        "The sheet has 5,001 offers; at most 5,000 can be imported at once.",
    ),
    (
        "a file just over 5 MB",
        lambda: make_csv([offer()]) + b"#" * (5 * 1024 * 1024),
        "offers.csv",
        "files can be at most 5 MB",
    ),
]


def _hide(data: bytes, name: str) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    book[name].sheet_state = "hidden"
    book.active = 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rename(data: bytes, old: str, new: str) -> bytes:
    """The workbook with a sheet renamed, and another sheet added."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    book[old].title = new
    book.create_sheet("Budget")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "build", "filename", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_a_bad_file_gets_a_clear_message_and_nothing_is_written(
    app, client, member, name, build, filename, message
):
    """Does each kind of bad file get a plain message next to the field, and write nothing?"""
    with app.app_context():
        gen_offering(db.session.scalar(select(Provider)), reference="KEEP", sessions=[3])
    before = rows_in(app)
    response = upload(client, build(), filename)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page.replace("&#34;", '"').replace("&#39;", "'")
    assert 'class="error-summary"' in page
    assert "Import 1 offer" not in page and 'name="token"' not in page
    assert rows_in(app) == before


def row_errors(app, data: bytes, filename: str = "offers.xlsx") -> list[str]:
    """The problems a file has, as 'Sheet|row|column|message' lines."""
    with app.app_context():
        provider = db.session.scalar(select(Provider).where(Provider.slug == "good-org"))
        preview = preview_import(provider, data, filename)
        return [f"{p.sheet}|{p.row}|{p.column}|{p.message}" for p in preview.errors]


ROW_PROBLEMS = [
    (
        "unknown vocabulary values",
        lambda: make_xlsx([offer(level="Beginner", sectors="Housing; Space travel")]),
        [
            "Offerings|2|level|“Beginner” is not a level we know. Use one of: Ground level;",
            "Offerings|2|sectors|“Space travel” is not a sector we know.",
        ],
    ),
    (
        "several values separated by commas",
        lambda: make_xlsx([offer(ee_values="Belonging, Safety")]),
        [
            "Offerings|2|ee_values|“Belonging, Safety” is not an Enabling Environments value we "
            "know. Separate several values with a semicolon (;)."
        ],
    ),
    (
        "duplicate references",
        lambda: make_xlsx([offer("A"), offer("B"), offer("A")]),
        ["Offerings|4|reference|The reference “A” is already used on row 2."],
    ),
    (
        "dates for an offer in neither the file nor the catalogue",
        lambda: make_xlsx([offer("A")], [dates("A"), dates("NOPE")]),
        ["Sessions|3|reference|There is no offer “NOPE” on the Offerings sheet"],
    ),
    (
        "a reference in the wrong case",
        lambda: make_xlsx([offer("PIE-1")], [dates("pie-1")]),
        ["Sessions|2|reference|There is no offer “pie-1”", "Did you mean “PIE-1”?"],
    ),
    (
        "a session that ends before it starts",
        lambda: make_xlsx([offer()], [dates(ends_on=START - timedelta(days=2))]),
        ["Sessions|2|ends_on|The last day"],
    ),
    (
        "a venue missing for an in-person session",
        lambda: make_xlsx([offer()], [dates(venue=None, region=None)]),
        ["Sessions|2|venue|Enter the venue, or put yes", "Sessions|2|region|Choose the region"],
    ),
    (
        "bad numbers, dates, yes/no, money and links",
        lambda: make_xlsx(
            [
                offer(
                    contact_hours="six",
                    credit_value=2.5,
                    credit_scheme="CATS",
                    cost_gbp="-3",
                    co_designed="maybe",
                    booking_url="javascript:alert(1)",
                )
            ],
            [dates(starts_on="31/13/2027")],
        ),
        [
            "Offerings|2|contact_hours|“six” is not a number",
            "Offerings|2|credit_value|Enter a whole number",
            "Offerings|2|cost_gbp|Enter an amount from 0",
            "Offerings|2|co_designed|Enter yes or no",
            "Offerings|2|booking_url|Enter a web address that starts with https://",
            "Sessions|2|starts_on|“31/13/2027” is not a date",
        ],
    ),
    (
        "required cells left blank",
        lambda: make_xlsx([offer(title=None, cost_gbp=None)]),
        ["Offerings|2|title|Enter the title.", "Offerings|2|cost_gbp|Enter the cost in pounds"],
    ),
    (
        "credit without its scheme",
        lambda: make_xlsx([offer(credit_value=15)]),
        ["Offerings|2|credit_scheme|Choose the scheme the credit is in."],
    ),
    (
        "a title too long",
        lambda: make_xlsx([offer(title="x" * 201)]),
        ["Offerings|2|title|Use at most 200 characters (this has 201)."],
    ),
    (
        "a formula that failed",
        xlsx_with_formulas,
        ["Offerings|2|contact_hours|The cell shows the Excel error #DIV/0!"],
    ),
]


@pytest.mark.parametrize(
    ("name", "build", "expected"), ROW_PROBLEMS, ids=[p[0] for p in ROW_PROBLEMS]
)
def test_a_bad_row_is_reported_with_its_sheet_row_and_column(
    app, client, member, name, build, expected
):
    """Is every bad cell named by sheet, row and column, with nothing written?"""
    data = build()
    errors = "\n".join(row_errors(app, data))
    for fragment in expected:
        assert fragment in errors, errors
    before = rows_in(app)
    response = upload(client, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Problems to fix" in page and 'name="token"' not in page
    assert rows_in(app) == before


def test_a_request_over_the_limit_is_a_413_that_says_the_limit(app, client, member):
    """Does an upload far over 5 MB get the 413 page that names the limit?"""
    token = csrf_token(client, "/provide/import")
    big = io.BytesIO(b"x" * (6 * 1024 * 1024))
    response = client.post(
        "/provide/import",
        data={
            "csrf_token": token,
            "provider": member,
            "mode": "draft",
            "spreadsheet": (big, "a.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "at most 5 MB" in response.get_data(as_text=True)
