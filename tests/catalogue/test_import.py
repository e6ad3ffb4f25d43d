"""The spreadsheet import: bad files, the preview, confirming, re-importing, the CLI."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from academy.catalogue.importing.operations import apply_import, preview_import
from academy.catalogue.listing.workflow import approve_offering
from academy.catalogue.models import AuditEvent, Offering, OfferingSession, Provider
from academy.catalogue.operations import create_offering, replace_sessions
from academy.extensions import db
from academy.timeutil import today
from tests.conftest import csrf_token
from tests.factories import gen_offering, gen_provider, gen_user

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


@pytest.fixture
def member(app, auth):
    """A logged-in member of the approved provider "Good Org"; returns its slug."""
    with app.app_context():
        user = gen_user("member@example.org")
        slug = gen_provider("Good Org", slug="good-org", members=[user]).slug
    auth.login("member@example.org")
    return slug


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


# --- bad files: each gets a clear message and nothing is written ---------------------------


def _xlsx_with_formulas() -> bytes:
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
        _xlsx_with_formulas,
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


# --- what is accepted ------------------------------------------------------------------------


def test_formulas_give_their_saved_values_and_are_never_evaluated(app, member):
    """Does a formula cell import the value the spreadsheet saved?"""
    data = _xlsx_with_formulas()
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


# --- confirming, re-importing ----------------------------------------------------------------


def test_nothing_is_written_until_the_provider_confirms(app, client, member):
    """Does the preview list every row, write nothing, and confirming write it all?"""
    data = make_xlsx([offer("A"), offer("B")], [dates("A"), dates("A", 7), dates("B")])
    response = upload(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count(">Add<") == 2 and "2 dates" in page and "Import 2 offers" in page
    assert rows_in(app) == (0, 0)
    response = confirm(client, response)
    assert response.status_code == 302 and response.headers["Location"].endswith("/provide/")
    assert rows_in(app) == (2, 3)
    flashed = client.get("/provide/").get_data(as_text=True)
    assert "Import complete: 2 offers added, 0 offers updated, 0 offers unchanged." in flashed
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "provider.imported")
        )
        assert event.detail["created"] == 2 and event.actor.email == "member@example.org"
    assert confirm(client, response := upload(client, data)).status_code == 302
    assert rows_in(app) == (2, 3)  # the same file again changes nothing


def test_re_importing_a_reference_updates_the_offer_and_never_duplicates_it(app, client, member):
    """Does a changed row update its offer (a live one staying live) and an equal one stay?"""
    first = make_xlsx([offer("A"), offer("B"), offer("C")], [dates("A"), dates("C")])
    confirm(client, upload(client, first))
    with app.app_context():
        live = db.session.scalar(select(Offering).where(Offering.reference == "A"))
        live.status, live.published_at = "published", datetime(2026, 1, 1)
        db.session.scalar(select(Offering).where(Offering.reference == "B")).status = "submitted"
        db.session.commit()
    changed = make_xlsx(
        [offer("A", title="A new title", cost_gbp="free", audiences="Nurses and nursing associates"),
         offer("B"), offer("C")],
        [dates("A", 14, online="yes", venue=None, region=None)],
    )  # fmt: skip
    response = upload(client, changed)
    page = response.get_data(as_text=True)
    assert "Update: title, cost gbp, audiences, dates" in page
    assert page.count("No change") == 2 and "Keeps its 1 date" in page
    assert confirm(client, response).status_code == 302
    assert rows_in(app) == (3, 2)
    a, b, c = offering(app, "A"), offering(app, "B"), offering(app, "C")
    assert a["status"] == "published" and a["title"] == "A new title" and a["cost_pence"] == 0
    assert a["sessions"][0][0] == START + timedelta(days=14)
    assert a["audiences"] == ["nurses"] and a["regions"] == ["online"]
    assert b["status"] == "submitted" and len(c["sessions"]) == 1  # C kept its dates
    with app.app_context():
        actions = set(
            db.session.scalars(
                select(AuditEvent.action).join(Offering).where(Offering.reference == "A")
            )
        )
        assert {"offering.updated", "offering.sessions_changed"} <= actions


def test_a_column_left_out_keeps_what_offers_have_there(app, client, member):
    """Does a file without optional columns leave those of listed offers alone, saying so?"""
    confirm(client, upload(client, make_xlsx([offer("A")])))
    headers = [h for h in OFFER_HEADERS if h not in ("contact_hours", "audiences", "booking_url")]
    fewer = make_xlsx([offer("A", title="A retitled"), offer("B")], offer_headers=headers)
    response = upload(client, fewer)
    page = response.get_data(as_text=True)
    assert "The sheet has no column contact_hours, audiences, booking_url" in page
    assert re.search(r"Update: title\s*<", page), "only the title changes"
    assert confirm(client, response).status_code == 302
    with app.app_context():
        a, b = (
            db.session.scalar(select(Offering).where(Offering.reference == ref))
            for ref in ("A", "B")
        )
        assert a.title == "A retitled" and a.contact_hours == 12.5
        assert a.audiences == ["housing_workers", "peer_workers"]
        assert a.booking_url == "https://example.org/book"
        # A new offer leaves them blank.
        assert (b.contact_hours, b.audiences, b.booking_url) == (None, [], None)


def test_submit_for_review_submits_new_offers_and_drafts_only(app, client, member):
    """Does "submit for review" submit new offers and drafts, leaving live ones live?"""
    with app.app_context():
        provider = db.session.scalar(select(Provider))
        gen_offering(provider, reference="LIVE", title="Live one")
        gen_offering(provider, reference="DRAFT", title="Draft one", status="draft")
    data = make_xlsx([offer("NEW"), offer("LIVE"), offer("DRAFT")])
    response = upload(client, data, mode="submit")
    assert "submitted for review" in response.get_data(as_text=True)
    confirm(client, response)
    statuses = [offering(app, ref)["status"] for ref in ("NEW", "LIVE", "DRAFT")]
    assert statuses == ["submitted", "published", "submitted"]


def test_dates_alone_can_update_an_offer_already_listed(app, member):
    """Can a Sessions sheet alone replace the dates of an offer the provider already has?"""
    with app.app_context():
        provider = db.session.scalar(select(Provider))
        gen_offering(provider, reference="OLD", sessions=[5, 9])
        preview = preview_import(provider, make_xlsx([], [dates("OLD")]), "dates.xlsx")
        assert not preview.errors and [(r.action, r.changes) for r in preview.rows] == [
            ("update", ["dates"])
        ]
        assert apply_import(provider, preview, mode="draft")["updated"] == 1
        db.session.commit()
    assert offering(app, "OLD")["sessions"] == [
        (START, START + timedelta(days=1), dates()["venue"])
    ]
    assert offering(app, "OLD")["status"] == "published"


def test_an_imported_offer_matches_one_made_through_the_operations(app, member):
    """Does the batch import give the same slug rule, regions, tags and history as the forms?"""
    with app.app_context():
        provider = db.session.scalar(select(Provider))
        preview = preview_import(
            provider,
            make_xlsx([offer("X", title="Same title"), offer("Y", title="Same title")],
                      [dates("X", online="yes", venue=None, region=None), dates("Y")]),
            "offers.xlsx",
        )  # fmt: skip
        apply_import(provider, preview, mode="publish")
        made = create_offering(provider, {**preview.rows[1].data, "reference": "Z"})
        replace_sessions(made, preview.rows[1].sessions)
        db.session.commit()
        x, y, z = (
            db.session.scalar(select(Offering).where(Offering.reference == r)) for r in "XYZ"
        )
        assert [x.slug, y.slug, z.slug] == ["same-title", "same-title-2", "same-title-3"]
        assert x.regions == ["online"] and y.regions == z.regions == ["north_west"]
        assert [t.key for t in y.tags if t.facet != "region"] == [
            t.key for t in z.tags if t.facet != "region"
        ]
        y_events = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.offering_id == y.id).order_by(AuditEvent.id)
        ).all()
        assert y_events == ["offering.created", "offering.sessions_changed", "offering.published"]
        assert y.status == "published" and y.published_at is not None


def test_the_round_trip_from_the_template_to_search(app, client, member):
    """Can a provider fill in the downloaded template, import it, and see it found once live?"""
    response = client.get("/provide/import/template.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Read me", "Offerings", "Sessions", "Lists"]
    assert book["Lists"].sheet_state == "hidden"
    offers, sessions = book["Offerings"], book["Sessions"]
    headers = [c.value for c in offers[1]]
    assert headers == OFFER_HEADERS
    assert [c.value for c in sessions[1]] == SESSION_HEADERS
    assert offers.freeze_panes == "A2"
    assert any("Lists'!" in (v.formula1 or "") for v in offers.data_validations.dataValidation)
    readme = " ".join(str(c.value) for row in book["Read me"].iter_rows() for c in row if c.value)
    assert "co_production_statement" in readme and "keeps the dates it already has" in readme
    example = {h: c.value for h, c in zip(headers, offers[2], strict=True)}
    example_session = [c.value for c in sessions[2]]
    for number, word in enumerate(("Zephyrine", "Quillbeck"), start=3):
        values = {**example, "reference": f"RT-{number}", "title": f"{word} relational practice"}
        for column, header in enumerate(headers, start=1):
            offers.cell(row=number, column=column, value=values[header])
        for column, value in enumerate(example_session, start=1):
            sessions.cell(row=number, column=column, value=f"RT-{number}" if column == 1 else value)
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, buffer.getvalue(), "filled.xlsx", mode="submit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "template&#39;s example" in page or "template's example" in page
    assert confirm(client, response).status_code == 302
    assert client.get("/api/v1/offerings?q=zephyrine").get_json()["total"] == 0
    with app.app_context():
        curator = gen_user("curator@example.org", curator=True)
        for item in db.session.scalars(select(Offering).where(Offering.reference.like("RT-%"))):
            approve_offering(item, actor=curator)
        db.session.commit()
    found = client.get("/api/v1/offerings?q=zephyrine").get_json()
    assert found["total"] == 1 and found["items"][0]["title"] == "Zephyrine relational practice"
    assert found["items"][0]["sessions"][0]["venue"] == "Friends Meeting House, Manchester"


# --- who may import ----------------------------------------------------------------------------


def test_only_members_of_approved_providers_may_import(app, client, auth):
    """Is the import a 403 for a user of no (or no approved) organisation, and a login for others?"""
    assert client.get("/provide/import").status_code == 302
    with app.app_context():
        pending_member = gen_user("pending@example.org")
        gen_provider("Waiting", status="pending", members=[pending_member])
        gen_user("nobody@example.org")
    for email in ("pending@example.org", "nobody@example.org"):
        auth.login(email)
        assert client.get("/provide/import").status_code == 403
        assert client.get("/provide/import/template.xlsx").status_code == 403
        assert client.post("/provide/import/confirm").status_code in (400, 403)
        auth.logout()


def test_a_provider_cannot_import_into_another_organisation(app, client, member):
    """Is another organisation's slug refused, and its offers untouched?"""
    with app.app_context():
        other = gen_provider("Other Org", slug="other-org")
        gen_offering(other, reference="PIE-1", title="Theirs")
    response = upload(client, make_xlsx([offer("PIE-1")]), provider="other-org")
    assert response.status_code == 404
    assert client.get("/provide/import?provider=other-org").status_code == 404
    assert client.get(f"/provide/import?provider={member}").status_code == 200
    response = upload(client, make_xlsx([offer("PIE-1")]), provider=member)
    assert ">Add<" in response.get_data(as_text=True)  # their PIE-1 is not ours to update
    confirm(client, response)
    with app.app_context():
        titles = db.session.scalars(select(Offering.title).order_by(Offering.id)).all()
        assert titles == ["Theirs", "Relational practice in housing PIE-1"]


def test_someone_else_cannot_confirm_your_upload(app, client, member):
    """Can another provider's member, holding your token, confirm your import? (No: 404.)"""
    response = upload(client, make_xlsx([offer("A")]))
    token = re.search(
        r'name="token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)
    )
    with app.app_context():
        intruder = gen_user("intruder@example.org")
        gen_provider("Intruders", members=[intruder])
    other = app.test_client()
    page = other.get("/accounts/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    other.post(
        "/accounts/login",
        data={"csrf_token": csrf, "email": "intruder@example.org", "password": "correct horse battery staple"},
    )  # fmt: skip
    csrf = csrf_token(other, "/provide/import")
    answer = other.post(
        "/provide/import/confirm", data={"csrf_token": csrf, "token": token.group(1)}
    )
    assert answer.status_code == 404
    assert rows_in(app) == (0, 0)
    forged = client.post(
        "/provide/import/confirm",
        data={"csrf_token": csrf_token(client, "/provide/import"), "token": "x" * 32},
    )
    assert forged.status_code == 404
    assert client.post("/provide/import/confirm", data={"token": token.group(1)}).status_code == 400
    assert rows_in(app) == (0, 0)
    assert confirm(client, response).status_code == 302 and rows_in(app) == (1, 0)


def test_confirming_shows_the_preview_again_if_the_catalogue_changed(app, client, member):
    """If an offer changes between preview and confirm, is the new preview shown, unwritten?"""
    response = upload(client, make_xlsx([offer("A")]))
    with app.app_context():
        gen_offering(db.session.scalar(select(Provider)), reference="A", title="Made meanwhile")
    again = confirm(client, response)
    assert again.status_code == 409
    assert "Your offers changed since you checked the file" in again.get_data(as_text=True)
    assert offering(app, "A")["title"] == "Made meanwhile"
    assert confirm(client, again).status_code == 302
    assert offering(app, "A")["title"] == "Relational practice in housing A"


# --- the command line --------------------------------------------------------------------------


def test_the_command_imports_a_file(app, runner, tmp_path):
    """Does import-offerings import a file as drafts, report counts, and --publish make it live?"""
    with app.app_context():
        gen_provider("Good Org", slug="good-org")
    path = tmp_path / "offers.xlsx"
    path.write_bytes(make_xlsx([offer("A"), offer("B", title="Zephyrine")], [dates("A")]))
    result = runner.invoke(args=["import-offerings", str(path), "--provider", "good-org"])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged" in result.output
    assert offering(app, "A")["status"] == "draft"
    result = runner.invoke(
        args=["import-offerings", str(path), "--provider", "good-org", "--publish"]
    )
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 2 unchanged, 2 published" in result.output
    client = app.test_client()
    assert client.get("/api/v1/offerings?q=zephyrine").get_json()["total"] == 1


def test_the_command_reports_problems_and_writes_nothing(app, runner, tmp_path):
    """Does import-offerings print each problem with sheet, row and column, and exit non-zero?"""
    with app.app_context():
        gen_provider("Good Org", slug="good-org")
    path = tmp_path / "offers.xlsx"
    path.write_bytes(make_xlsx([offer("A"), offer("B", level="Beginner")]))
    result = runner.invoke(args=["import-offerings", str(path), "--provider", "good-org"])
    assert result.exit_code != 0
    assert "Sheet “Offerings”, row 3, column “level”: “Beginner” is not a level" in result.output
    assert "1 problem in offers.xlsx. Nothing was imported." in result.output
    assert rows_in(app) == (0, 0)
    result = runner.invoke(args=["import-offerings", str(path), "--provider", "nobody"])
    assert result.exit_code != 0 and "No provider has the slug 'nobody'" in result.output
