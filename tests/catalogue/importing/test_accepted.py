"""What the import accepts: saved formula values, real and text dates, merged cells, CSV encodings."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from academy.catalogue.importing.operations import preview_import
from academy.catalogue.models import Provider
from academy.extensions import db
from tests.catalogue.importing.files import (
    OFFER_HEADERS,
    SESSION_HEADERS,
    confirm,
    make_csv,
    offer,
    offering,
    rezip,
    sheet_xml,
    upload,
    xlsx_with_formulas,
)

# --- what is accepted ------------------------------------------------------------------------


def test_formulas_give_their_saved_values_and_are_never_evaluated(app, member):
    """Does a formula cell import the value the spreadsheet saved?"""
    data = xlsx_with_formulas()
    fixed = sheet_xml(data).replace('<c r="G2" t="e"><f>1/0</f><v>#DIV/0!</v></c>', "")
    data = rezip(data, {"xl/worksheets/sheet1.xml": fixed.encode()})
    with app.app_context():
        provider = db.session.scalar(select(Provider))
        preview = preview_import(provider, data, "offers.xlsx")
        assert not preview.errors, preview.errors
        assert preview.rows[0].data["title"] == "Mentalization basics"
        assert preview.rows[0].data["contact_hours"] is None


def test_dates_merged_cells_blank_rows_and_extra_columns(app, member):
    """Are real dates, ISO and UK text dates, merged cells and blank rows all read right?"""
    book = openpyxl.Workbook()
    offers = book.active
    offers.title = "Offerings"
    offers.append(["Notes: our 2027 courses"])  # a title row above the headers
    offers.append([h.upper().replace("_", " ") for h in OFFER_HEADERS] + ["Internal notes"])
    offers.append([offer("A").get(h) for h in OFFER_HEADERS] + ["ignore me"])
    offers.append([])  # a blank row
    offers.append([offer("B").get(h) for h in OFFER_HEADERS])
    sessions = book.create_sheet("Sessions")
    sessions.append(SESSION_HEADERS)
    real = datetime(2027, 1, 31)
    for start, end in ((real, real), ("2027-02-01", "2027-02-02"), ("03/02/2027", None)):
        sessions.append(["A", start, end, "Hall, York", "Yorkshire and the Humber", "no"])
    sessions.merge_cells("A2:A4")  # one reference for three rows
    book.create_sheet("Old stuff").sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    with app.app_context():
        provider = db.session.scalar(select(Provider))
        preview = preview_import(provider, buffer.getvalue(), "offers.xlsx")
        assert not preview.errors, [str(p) for p in preview.errors]
        notes = " ".join(str(n) for n in preview.notes)
        assert "“Internal notes” (U) is not one the import reads" in notes
        assert "The header row is row 2" in notes
        assert "merged" in notes and "hidden sheet “Old stuff”" in notes
        first, second = preview.rows
        assert (first.row, second.row) == (3, 5)
        assert [(s["starts_on"], s["ends_on"]) for s in first.sessions] == [
            (date(2027, 1, 31), date(2027, 1, 31)),
            (date(2027, 2, 1), date(2027, 2, 2)),
            (date(2027, 2, 3), date(2027, 2, 3)),
        ]
        assert second.sessions is None and second.dates == 0


@pytest.mark.parametrize(
    ("encoding", "prefix", "delimiter"),
    [("utf-8", b"", ","), ("utf-8", b"\xef\xbb\xbf", ","), ("cp1252", b"", ";")],
    ids=["utf-8", "utf-8 with BOM", "windows-1252 with semicolons"],
)
def test_csv_in_each_encoding(app, client, member, encoding, prefix, delimiter):
    """Does a CSV of offers import with its accents and pound signs, whatever its encoding?"""
    row = offer("CAFÉ-1", title="Café conversations", cost_gbp="£1,250.50")
    data = prefix + make_csv([row], encoding=encoding, delimiter=delimiter)
    response = upload(client, data, "offers.csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Café conversations" in response.get_data(as_text=True)
    assert confirm(client, response).status_code == 302
    stored = offering(app, "CAFÉ-1")
    assert stored["title"] == "Café conversations" and stored["cost_pence"] == 125050
    assert stored["status"] == "draft"
