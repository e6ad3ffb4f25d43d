"""Records per profile, the PDF, issuing, /verify/<code> and revoking."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from academy import create_app
from academy.accounts.operations import find_user
from academy.extensions import db
from academy.portfolios.entries.operations import choose_profiles
from academy.portfolios.models import IssuedRecord, PortfolioEntry
from academy.portfolios.records.issued import canonical_json, normalise_code, snapshot_data
from academy.reference import reference
from academy.timeutil import utcnow
from tests.conftest import app_settings, csrf_token, submit
from tests.factories import gen_entry, gen_provider, gen_user

RENEWAL = date(2027, 5, 1)  # NMC period: 2 May 2024 to 1 May 2027
WRITTEN = {
    "description": "A workshop on boundaries.",
    "learning": "That boundaries are kind.",
    "practice_change": "I agree them at the first meeting.",
    "standards_link": "Prioritise people",
}


@pytest.fixture
def learner(app):
    """Sam, with an NMC renewal date, four entries in the NMC period and one before it."""
    with app.app_context():
        user = gen_user("sam@example.org", name="Sam Learner")
        choose_profiles(user, {"nmc": RENEWAL, "rcpsych": date(2027, 1, 31)})
        db.session.commit()
        gen_entry(user, title="Old course", starts_on=date(2024, 5, 1), hours=10)
        gen_entry(user, title="First day", starts_on=date(2024, 5, 2), hours=7, **WRITTEN)
        gen_entry(
            user,
            title="Three long days",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 4),
            hours=21,
            participatory_hours=21,
            activity_type="course",
        )
        gen_entry(
            user,
            title="Reading that day",
            starts_on=date(2026, 3, 3),
            hours=3,
            participatory_hours=0,
            activity_type="reading",
        )
        gen_entry(
            user,
            title="=HYPERLINK(1)",
            starts_on=date(2026, 6, 1),
            hours=1.5,
            participatory_hours=1.5,
        )
        return user.id


@pytest.fixture
def signed_in(client, auth, learner):
    """The test client, logged in as Sam."""
    auth.login("sam@example.org")
    return client


def issued(app, **where) -> list[IssuedRecord]:
    with app.app_context():
        query = select(IssuedRecord).order_by(IssuedRecord.id)
        for name, value in where.items():
            query = query.where(getattr(IssuedRecord, name) == value)
        records = list(db.session.scalars(query))
        for record in records:
            db.session.expunge(record)
        return records


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- profiles' records ------------------------------------------------------------------


def test_an_nmc_spreadsheet_has_the_nmc_columns_period_and_pages(app, signed_in):
    """Does ?profile=nmc give the NMC log's headers, only the period's entries, and its pages?"""
    response = signed_in.get("/portfolio/export.xlsx?profile=nmc")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Summary", "Activities", "Reflective accounts"]
    with app.app_context():
        nmc = reference().record_profiles.get("nmc")
    activities = rows_of(book["Activities"])
    assert activities[0] == [column.header for column in nmc.columns]
    topics = [row[1] for row in activities[1:-1]]
    # Newest first; "Old course" (1 May 2024) is the day before the period starts.
    assert topics == ["'=HYPERLINK(1)", "Reading that day", "Three long days", "First day"]
    assert activities[-1][4:6] == [32.5, 25.5]  # hours and participatory hours totals
    reflections = rows_of(book["Reflective accounts"])
    assert reflections[0][3:] == [column.header for column in nmc.reflection_columns]
    assert [row[0] for row in reflections[1:]] == ["First day"]  # the one full account
    summary = {row[0]: row[1] for row in rows_of(book["Summary"]) if row and row[0]}
    assert summary["Record"] == "NMC revalidation"
    assert (summary["Period from"].date(), summary["Period to"].date()) == (
        date(2024, 5, 2),
        RENEWAL,
    )
    assert summary["Hours"] == "32.5 of 35: not yet met"
    assert summary["Participatory"] == "25.5 of 20: met"
    assert summary["Reflective accounts"] == "1 of 5: not yet met"
    code = summary["Verification code"]
    assert summary["Check it at"] == f"http://localhost/verify/{code}"


def test_an_hcpc_csv_is_a_chronological_list(app, signed_in):
    """Is the HCPC record oldest first, in the HCPC's columns, within two years of renewal?"""
    with app.app_context():
        user = find_user("sam@example.org")
        choose_profiles(user, {"hcpc": date(2026, 12, 31)})
        db.session.commit()
    response = signed_in.get("/portfolio/export.csv?profile=hcpc")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Date", "End date", "Type of activity", "Activity"]
    assert [row[3] for row in rows[1:]] == ["Three long days", "Reading that day", "'=HYPERLINK(1)"]
    assert issued(app) == []  # a CSV file carries no code


def test_rcpsych_credits_are_capped_at_six_a_day(app, signed_in):
    """Do three 7-hour days plus 3 hours' reading on the middle day give 18 credits in all?"""
    response = signed_in.get("/portfolio/export.xlsx?profile=rcpsych")
    book = load_workbook(io.BytesIO(response.data))
    rows = rows_of(book["Activities"])
    credits = {row[0]: row[5] for row in rows[1:-1]}
    # Day 2 has 7 + 3 = 10 hours: its 6 credits split 4.2 and 1.8.
    assert credits == {"'=HYPERLINK(1)": 1.5, "Reading that day": 1.8, "Three long days": 16.2}
    assert rows[-1][5] == 19.5


def test_an_unknown_profile_is_a_clear_400(signed_in):
    """Does ?profile=nonsense get a 400 page rather than a 500 or a silent default?"""
    for path in ("/portfolio/export.pdf", "/portfolio/export.xlsx", "/portfolio/record"):
        assert signed_in.get(path + "?profile=nonsense").status_code == 400


def test_the_printable_page_is_the_record_without_a_code(app, signed_in):
    """Does /portfolio/record show the record's cover and entries, but issue nothing?"""
    page = signed_in.get("/portfolio/record?profile=nmc").get_data(as_text=True)
    assert "NMC revalidation: CPD log and reflective accounts" in page
    assert "Three long days" in page and "Old course" not in page
    assert "This preview has no verification code" in page
    assert issued(app) == []


# --- the PDF ----------------------------------------------------------------------------


def test_the_pdf_has_a_title_a_language_real_text_and_the_code_on_every_page(app, signed_in):
    """Can the PDF's text be read, with its title, language and the code in every footer?"""
    response = signed_in.get("/portfolio/export.pdf?profile=nmc")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    pdf = PdfReader(io.BytesIO(response.data))
    assert pdf.metadata.title == "NMC revalidation: CPD log and reflective accounts: Sam Learner"
    assert pdf.trailer["/Root"]["/Lang"] == "en-GB"
    [record] = issued(app)
    assert (record.format, record.profile, record.entry_count) == ("pdf", "nmc", 4)
    pages = [page.extract_text() for page in pdf.pages]
    assert len(pages) >= 3
    footer = f"Check this record at http://localhost/verify/{record.code} (code {record.code})"
    assert all(footer in text for text in pages)
    text = "\n".join(pages)
    for expected in (
        "Sam Learner",
        "Nursing and Midwifery Council",
        "2 May 2024 – 1 May 2027",
        "32.5 of 35 hours: not yet met",
        "Three long days",
        "Reflective accounts",
        "That boundaries are kind.",
    ):
        assert expected in text
    assert "Old course" not in text
    assert record.file_sha256 == hashlib.sha256(response.data).hexdigest()


def test_a_whole_portfolio_pdf_has_every_entry(app, signed_in):
    """Without a profile, is the PDF the general record of every entry?"""
    response = signed_in.get("/portfolio/export.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Old course" in text and "Every activity recorded" in text
    [record] = issued(app)
    assert (record.profile, record.period_start, record.entry_count) == ("general", None, 5)


def test_the_pdf_prints_what_the_learner_wrote_once_with_the_facts_in_one_line(app, signed_in):
    """Is a reflection on the reflective pages only, with the activity pointing to it?"""
    response = signed_in.get("/portfolio/export.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    flat = " ".join(text.split())
    assert flat.count("That boundaries are kind.") == 1
    assert flat.count("I agree them at the first meeting.") == 1
    assert flat.count("A workshop on boundaries.") == 1  # what it was: in the activity only
    assert "See Reflections, number 1." in flat
    assert "Type of activity Course · Start date 2 March 2026 · End date 4 March 2026" in flat


def test_the_pdf_never_fetches_what_a_learner_wrote(app, signed_in, monkeypatch):
    """Is a URL in an entry left as text, with no request made while rendering?"""
    with app.app_context():
        user = find_user("sam@example.org")
        gen_entry(user, title="Linked", evidence='<img src="http://127.0.0.1:9/x.png">')
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("the PDF renderer fetched a URL")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    response = signed_in.get("/portfolio/export.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert '<img src="http://127.0.0.1:9/x.png">' in text


# --- issuing ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pdf", "xlsx", "json"])
def test_every_pdf_xlsx_and_json_download_is_issued(app, signed_in, kind):
    """Does each download freeze a snapshot whose hash and code match the file?"""
    response = signed_in.get(f"/portfolio/export.{kind}?profile=nmc")
    [record] = issued(app)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", record.code)
    assert record.file_sha256 == hashlib.sha256(response.data).hexdigest()
    snapshot = snapshot_data(record)
    assert record.snapshot_sha256 == hashlib.sha256(canonical_json(snapshot)).hexdigest()
    assert snapshot["issued"]["code"] == record.code
    assert snapshot["issued"]["period"] == {"starts_on": "2024-05-02", "ends_on": "2027-05-01"}
    assert snapshot["learner"] == {"name": "Sam Learner"}  # no email in a snapshot
    assert [entry["title"] for entry in snapshot["entries"]][-1] == "First day"
    assert (record.entry_count, float(record.hours)) == (4, 32.5)
    if kind == "json":
        assert response.json["record"]["verification"]["code"] == record.code


def test_confirmed_entries_are_marked_in_every_export(app, signed_in):
    """Does an entry its provider confirmed say so in the xlsx, CSV and JSON?"""
    with app.app_context():
        provider = gen_provider("KUF Hub")
        entry = db.session.scalar(
            select(PortfolioEntry).where(PortfolioEntry.title == "Three long days")
        )
        entry.confirmation_status = "confirmed"
        entry.confirmation_provider_id = provider.id
        entry.confirmation_decided_at = utcnow().replace(year=2026, month=3, day=10)
        db.session.commit()
    book = load_workbook(io.BytesIO(signed_in.get("/portfolio/export.xlsx?profile=nmc").data))
    rows = rows_of(book["Activities"])
    confirmed = {row[1]: row[-1] for row in rows[1:-1]}
    assert confirmed["Three long days"] == "Yes: KUF Hub, 2026-03-10"
    assert confirmed["Reading that day"] == "No"
    text = signed_in.get("/portfolio/export.csv").data.decode("utf-8-sig")
    assert "Yes: KUF Hub, 2026-03-10" in text
    entries = signed_in.get("/portfolio/export.json").json["entries"]
    marks = {entry["title"]: entry["confirmation"] for entry in entries}
    assert marks["Three long days"]["provider"] == "KUF Hub"
    assert marks["Reading that day"] is None


# --- /verify/ ---------------------------------------------------------------------------


@pytest.fixture
def pdf(app, signed_in):
    """A PDF record Sam issued, and its code."""
    body = signed_in.get("/portfolio/export.pdf?profile=nmc").data
    [record] = issued(app)
    return body, record.code


def check(client, code, **data):
    token = csrf_token(client, "/verify/")
    return client.post(
        f"/verify/{code}",
        data={"csrf_token": token, **data},
        content_type="multipart/form-data",
    )


def test_anyone_can_see_what_was_issued(app, pdf):
    """Does a stranger see who it was issued to, when, the period and the entries?"""
    stranger = app.test_client()
    page = stranger.get(f"/verify/{pdf[1]}").get_data(as_text=True)
    assert "Sam Learner" in page and "NMC revalidation" in page
    assert "Three long days" in page and "It has not been revoked" in page
    assert "sam@example.org" not in page and "That boundaries are kind." not in page


def test_a_genuine_file_checks_out_and_an_altered_one_does_not(app, pdf):
    """Is the issued file genuine, and the same file with one byte changed altered?"""
    body, code = pdf
    stranger = app.test_client()
    genuine = check(stranger, code, file=(io.BytesIO(body), "record.pdf"))
    assert genuine.status_code == 200 and "<h2>Genuine</h2>" in genuine.get_data(as_text=True)
    forged = body[:1000] + bytes([body[1000] ^ 1]) + body[1001:]  # one bit flipped
    altered = check(stranger, code, file=(io.BytesIO(forged), "record.pdf"))
    assert "<h2>Not the record issued</h2>" in altered.get_data(as_text=True)


def test_a_pasted_hash_is_checked_in_any_case(app, pdf):
    """Is the file's SHA-256 pasted in capitals with spaces genuine, and another hash not?"""
    body, code = pdf
    stranger = app.test_client()
    digest = hashlib.sha256(body).hexdigest().upper()
    spaced = " ".join(digest[i : i + 8] for i in range(0, 64, 8))
    assert "<h2>Genuine</h2>" in check(stranger, code, digest=spaced).get_data(as_text=True)
    other = hashlib.sha256(b"something else").hexdigest()
    assert "Not the record issued" in check(stranger, code, digest=other).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose the file, or paste its SHA-256."),
        ({"digest": "not a hash"}, "A SHA-256 is 64 characters"),
        ({"digest": "a" * 63}, "A SHA-256 is 64 characters"),
    ],
)
def test_a_check_without_a_file_or_a_good_hash_is_refused_plainly(app, pdf, data, message):
    """Does an empty or malformed check get a 400 with the message by the field?"""
    response = check(app.test_client(), pdf[1], **data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "There is a problem" in page


def test_a_revoked_record_says_so_and_shows_nothing_more(app, signed_in, pdf):
    """After Sam revokes it, does a stranger see "revoked", with no entries, even for the file?"""
    body, code = pdf
    [record] = issued(app)
    response = submit(signed_in, f"/portfolio/records/{record.id}/revoke", {})
    assert response.status_code == 302
    stranger = app.test_client()
    page = stranger.get(f"/verify/{code}").get_data(as_text=True)
    assert "revoked by the learner" in page
    assert "Three long days" not in page and "Sam Learner" not in page
    result = check(stranger, code, file=(io.BytesIO(body), "record.pdf")).get_data(as_text=True)
    assert "<h2>Revoked</h2>" in result and "Genuine" not in result


def test_unknown_and_malformed_codes_get_the_same_404(app, pdf):
    """Do a never-issued code and a malformed one both get the plain 404 page?"""
    stranger = app.test_client()
    unknown = stranger.get("/verify/AAAA-AAAA-AAAA-AAAA")
    malformed = stranger.get("/verify/not-a-code")
    assert unknown.status_code == malformed.status_code == 404
    for response in (unknown, malformed):
        assert "No record with this code" in response.get_data(as_text=True)
    posted = check(stranger, "AAAA-AAAA-AAAA-AAAA", digest="a" * 64)
    assert posted.status_code == 404


def test_a_code_typed_loosely_finds_its_record(app, pdf):
    """Do lower case, no dashes and O for 0 lead to the printed code?"""
    code = pdf[1]
    assert normalise_code(code.lower().replace("-", " ").replace("0", "o")) == code
    response = app.test_client().get(f"/verify/{code.lower().replace('-', '')}")
    assert response.status_code == 301 and response.location.endswith(f"/verify/{code}")


def test_the_code_form_takes_you_to_the_record(app, pdf):
    """Does typing the code at /verify/ lead to its page, and nonsense get a message?"""
    stranger = app.test_client()
    response = submit(stranger, "/verify/", {"code": pdf[1].lower()})
    assert response.status_code == 302 and response.location.endswith(f"/verify/{pdf[1]}")
    response = submit(stranger, "/verify/", {"code": "12345"})
    assert response.status_code == 400
    assert "A code is 16 letters and numbers" in response.get_data(as_text=True)


def test_verification_is_rate_limited(database_url):
    """Is a client who keeps trying codes stopped with a 429?"""
    app = create_app(app_settings(database_url, VERIFY_RATE_LIMIT="3 per minute"))
    client = app.test_client()
    statuses = [client.get(f"/verify/AAAA-AAAA-AAAA-AAA{n}").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]


# --- the learner's list, and revoking ---------------------------------------------------


def test_a_learner_sees_only_their_own_issued_records(app, client, auth, pdf):
    """Does another learner's list leave out Sam's record, and their revoke get a 404?"""
    [record] = issued(app)
    with app.app_context():
        gen_user("other@example.org")
    auth.logout()
    auth.login("other@example.org")
    assert pdf[1] not in client.get("/portfolio/records").get_data(as_text=True)
    assert client.get(f"/portfolio/records/{record.id}/revoke").status_code == 404
    token = csrf_token(client, "/portfolio/records")
    response = client.post(f"/portfolio/records/{record.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 404
    assert issued(app)[0].revoked_at is None


def test_revoking_asks_first_and_needs_a_csrf_token(app, signed_in, pdf):
    """Does the revoke page ask before revoking, and a POST without a token change nothing?"""
    [record] = issued(app)
    listing = signed_in.get("/portfolio/records").get_data(as_text=True)
    assert record.code in listing and "Valid" in listing
    page = signed_in.get(f"/portfolio/records/{record.id}/revoke").get_data(as_text=True)
    assert f"Revoke record {record.code}?" in page
    assert signed_in.post(f"/portfolio/records/{record.id}/revoke").status_code == 400
    assert issued(app)[0].revoked_at is None


def test_exports_need_a_login(client):
    """Are records only for their owner (a login page for anyone else)?"""
    for path in ("/portfolio/export.pdf", "/portfolio/record", "/portfolio/records"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login" in response.location


def test_a_renewal_date_long_past_still_gives_a_record(app, signed_in):
    """With a renewal date in the past, is the record that period's, not a 500?"""
    with app.app_context():
        user = find_user("sam@example.org")
        choose_profiles(user, {"nmc": date(2025, 1, 1)})
        db.session.commit()
    response = signed_in.get("/portfolio/record?profile=nmc")
    assert response.status_code == 200
    assert "2 January 2022 – 1 January 2025" in response.get_data(as_text=True)
