"""Making offer spreadsheets for the import tests, and driving the upload and confirm pages."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta

import openpyxl
from sqlalchemy import func, select

from academy.catalogue.models import Offering, OfferingSession
from academy.extensions import db
from academy.timeutil import today
from tests.conftest import csrf_token

OFFER_HEADERS = [
    "reference", "title", "summary", "description", "level", "format", "contact_hours",
    "cpd_hours", "credit_value", "credit_scheme", "academic_level", "cost_gbp", "audiences",
    "sectors", "ee_values", "co_designed", "co_delivered", "lived_experience_led",
    "co_production_statement", "booking_url",
]  # fmt: skip
SESSION_HEADERS = [
    "reference",
    "starts_on",
    "ends_on",
    "venue",
    "region",
    "online",
    "places",
    "booking_url",
]
START = today() + timedelta(days=30)


def offer(reference: str = "PIE-1", **changes) -> dict:
    """One row of the Offerings sheet, by header."""
    return {
        "reference": reference,
        "title": f"Relational practice in housing {reference}",
        "summary": "Two days on psychologically informed environments.",
        "description": "What a PIE is.\n\nHow to build one.",
        "level": "Awareness",
        "format": "Short course (several days)",
        "contact_hours": 12.5,
        "cpd_hours": 12,
        "cost_gbp": "149.99",
        "audiences": "Housing and homelessness workers; peer_workers",
        "sectors": "housing",
        "ee_values": "Belonging; Safety",
        "co_designed": "yes",
        "co_delivered": "Yes",
        "lived_experience_led": "no",
        "co_production_statement": "Written and taught with residents.",
        "booking_url": "https://example.org/book",
        **changes,
    }


def dates(reference: str = "PIE-1", days: int = 0, **changes) -> dict:
    """One row of the Sessions sheet, by header."""
    start = START + timedelta(days=days)
    return {
        "reference": reference,
        "starts_on": start,
        "ends_on": start + timedelta(days=1),
        "venue": "Friends Meeting House, Manchester",
        "region": "North West England",
        "online": "no",
        "places": 20,
        **changes,
    }


def make_xlsx(offers=(), sessions=None, *, offer_headers=None, session_headers=None) -> bytes:
    """A workbook with an Offerings sheet and, unless None, a Sessions sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Offerings"
    headers = offer_headers or OFFER_HEADERS
    sheet.append(headers)
    for row in offers:
        sheet.append([row.get(h) for h in headers])
    if sessions is not None:
        sheet = book.create_sheet("Sessions")
        headers = session_headers or SESSION_HEADERS
        sheet.append(headers)
        for row in sessions:
            sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_csv(offers, *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """The offers as a CSV file in an encoding."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(OFFER_HEADERS)
    for row in offers:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in OFFER_HEADERS])
    return buffer.getvalue().encode(encoding)


def rezip(data: bytes, replace: dict[str, bytes] | None = None, **extra: bytes) -> bytes:
    """A copy of a zip with some members replaced or added."""
    replace = replace or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, replace.get(item.filename, source.read(item.filename)))
        for name, content in extra.items():
            target.writestr(name, content)
    return buffer.getvalue()


def sheet_xml(data: bytes, number: int = 1) -> str:
    """The XML of a worksheet of a workbook."""
    return zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{number}.xml").decode()


def rows_in(app) -> tuple[int, int]:
    """How many offerings and sessions the database holds."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Offering)),
            db.session.scalar(select(func.count()).select_from(OfferingSession)),
        )


def upload(client, data: bytes, filename: str = "offers.xlsx", *, mode="draft", provider=None):
    """Post a file to the import form, as a person would."""
    token = csrf_token(client, "/provide/import")
    form = {"csrf_token": token, "mode": mode, "spreadsheet": (io.BytesIO(data), filename)}
    if provider:
        form["provider"] = provider
    else:
        page = client.get("/provide/import").get_data(as_text=True)
        form["provider"] = re.search(r'name="provider" value="([^"]+)"', page).group(1)
    return client.post("/provide/import", data=form, content_type="multipart/form-data")


def confirm(client, page):
    """Press the confirm button on a preview page."""
    html = page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return client.post("/provide/import/confirm", data={"csrf_token": csrf, "token": token})


def offering(app, reference: str) -> dict:
    """The stored offering with this reference, as a few plain values."""
    with app.app_context():
        item = db.session.scalar(select(Offering).where(Offering.reference == reference))
        if item is None:
            return {}
        return {
            "status": item.status,
            "title": item.title,
            "cost_pence": item.cost_pence,
            "audiences": item.audiences,
            "regions": item.regions,
            "sessions": [(s.starts_on, s.ends_on, s.venue) for s in item.sessions],
            "slug": item.slug,
        }


def xlsx_with_formulas() -> bytes:
    """Formulas with saved values: a title built by a formula and hours that divide by zero."""
    data = make_xlsx([offer(title="PLACEHOLDER", contact_hours="ERRORCELL")])
    xml = sheet_xml(data)
    xml = re.sub(
        r'<c r="B2" t="(?:s|inlineStr)">.*?</c>',
        '<c r="B2" t="str"><f>CONCATENATE("Mentalization"," basics")</f>'
        "<v>Mentalization basics</v></c>",
        xml,
    )
    xml = re.sub(
        r'<c r="G2" t="(?:s|inlineStr)">.*?</c>',
        '<c r="G2" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
        xml,
    )
    return rezip(data, {"xl/worksheets/sheet1.xml": xml.encode()})
