"""Portfolio exports: the spreadsheet, the CSV file and the JSON record, and who gets them."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from academy.accounts.operations import find_user
from academy.extensions import db
from academy.portfolios.records.exports import (
    ACTIVITY_COLUMNS,
    REFLECTION_COLUMNS,
    Column,
    entries_for_export,
    portfolio_csv,
)
from academy.spreadsheets.formulas import neutralise
from academy.timeutil import today
from tests.factories import gen_entry, gen_offering, gen_provider, gen_user

HEADERS = [column.header for column in ACTIVITY_COLUMNS]
INJECTION = {
    "title": '=HYPERLINK("http://evil.example/","Click me")',
    "provider_name": "+1",
    "description": "-1",
    "learning": "@SUM(1)",
    "practice_change": "\tx",
    "peer_discussion": "\rx",
    "evidence": "'=already quoted",
    "standards_link": "Code\x0bsection 2",  # a control character XML cannot hold
}


@pytest.fixture
def learner(app):
    """A learner with three entries: from the catalogue, by hand, and a formula-injection one."""
    with app.app_context():
        user = gen_user("sam@example.org", name="Sam Learner", sector="housing")
        offering = gen_offering(
            gen_provider("KUF Hub", slug="kuf-hub"),
            title="Personality disorder awareness",
            level="awareness",
            format="short_course",
            co_delivered=True,
        )
        gen_entry(
            user,
            offering=offering,
            title="Personality disorder awareness",
            provider_name="KUF Hub",
            activity_type="course",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 4),
            hours=19.5,
            participatory_hours=18,
            level="awareness",
            format="short_course",
            co_delivered=True,
            co_designed=True,
            description="Three co-delivered days.",
            learning="That behaviour is communication.",
            practice_change="I ask before I assume.",
            standards_link="Prioritise people.",
            evidence="Certificate KUF-123",
        )
        gen_entry(
            user,
            title="Reading group on Open Dialogue",
            activity_type="reading",
            starts_on=date(2025, 6, 10),
            hours=1.5,
            participatory_hours=0,
            level=None,
            format=None,
        )
        gen_entry(
            user,
            starts_on=date(2024, 11, 5),
            hours=2.25,
            participatory_hours=1,
            level="ground",
            format="talk",
            activity_type="conference",
            **INJECTION,
        )
    return "sam@example.org"


@pytest.fixture
def logged_in(client, auth, learner):
    """The client, logged in as the learner."""
    auth.login(learner)
    return client


def rows_of(sheet) -> list[list]:
    """A worksheet's values, row by row."""
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def open_xlsx(client):
    """Download the spreadsheet and open it with openpyxl."""
    response = client.get("/portfolio/export.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def read_csv(client) -> list[list[str]]:
    """Download the CSV and read it with the csv module."""
    response = client.get("/portfolio/export.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


# --- access --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "csv", "json"])
def test_exports_need_logging_in(client, kind):
    """Does an anonymous visitor asking for an export get sent to log in?"""
    response = client.get(f"/portfolio/export.{kind}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login?next=")


@pytest.mark.parametrize(
    ("kind", "mimetype"),
    [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("csv", "text/csv"),
        ("json", "application/json"),
    ],
)
def test_exports_are_private_downloads(logged_in, kind, mimetype):
    """Is each export a dated attachment, of the right type, that nothing caches?"""
    response = logged_in.get(f"/portfolio/export.{kind}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    expected = f'attachment; filename="portfolio-{today().isoformat()}.{kind}"'
    assert response.headers["Content-Disposition"] == expected
    assert response.headers["Cache-Control"] == "private, no-store"


def test_an_unknown_export_is_a_404(logged_in):
    """Is an export in a format we do not make a 404?"""
    assert logged_in.get("/portfolio/export.pdfx").status_code == 404


def test_each_learner_exports_only_their_own_portfolio(app, client, auth, learner):
    """Can another learner get someone else's entries in any export? (No: there is no id to try.)"""
    with app.app_context():
        gen_user("other@example.org")
    auth.login("other@example.org")
    for kind in ("xlsx", "csv", "json"):
        body = client.get(f"/portfolio/export.{kind}").data
        assert b"Personality disorder" not in body and b"Sam Learner" not in body
    record = client.get("/portfolio/export.json").get_json()
    assert record["entries"] == [] and record["learner"]["email"] == "other@example.org"
    assert len(read_csv(client)) == 1  # the header only


def test_the_portfolio_page_links_to_every_export(logged_in):
    """Does the portfolio page link to the three downloads, and do they answer?"""
    page = logged_in.get("/portfolio/").get_data(as_text=True)
    for kind in ("xlsx", "csv", "json"):
        assert f'href="/portfolio/export.{kind}"' in page
        assert logged_in.get(f"/portfolio/export.{kind}").status_code == 200


# --- the spreadsheet -----------------------------------------------------------------


def test_the_spreadsheet_has_summary_activities_and_reflections(logged_in):
    """Does the workbook have its three sheets, with frozen header rows and set column widths?"""
    book = open_xlsx(logged_in)
    assert book.sheetnames == ["Summary", "Activities", "Reflections"]
    activities, reflections = book["Activities"], book["Reflections"]
    assert activities.freeze_panes == "A2" and reflections.freeze_panes == "A2"
    assert rows_of(activities)[0] == HEADERS
    assert rows_of(reflections)[0] == [column.header for column in REFLECTION_COLUMNS]
    assert activities.column_dimensions["A"].width == ACTIVITY_COLUMNS[0].width
    assert all(cell.font.bold for cell in activities[1])


def test_the_activities_sheet_has_real_dates_numbers_and_totals(logged_in):
    """Are dates real dates, hours numbers, yes/no words, and is there a totals row?"""
    sheet = open_xlsx(logged_in)["Activities"]
    rows = rows_of(sheet)
    assert len(rows) == 1 + 3 + 1  # header, three entries newest first, totals
    row = dict(zip(HEADERS, rows[1], strict=True))
    assert row["Title"] == "Personality disorder awareness"
    assert row["Start date"] == datetime(2026, 3, 2) and row["End date"] == datetime(2026, 3, 4)
    assert sheet["D2"].is_date and sheet["D2"].number_format == "yyyy-mm-dd"
    assert row["Hours"] == 19.5 and row["Participatory hours"] == 18
    assert sheet["F2"].data_type == "n"
    assert row["Type of activity"] == "Course"
    assert row["Level"] == "Awareness" and row["Format"] == "Short course (several days)"
    assert (row["Co-delivered"], row["Co-designed"]) == ("Yes", "Yes")
    assert row["What I learnt"] == "That behaviour is communication."
    assert row["Catalogue page"] == "http://localhost/catalogue/personality-disorder-awareness"
    hand = dict(zip(HEADERS, rows[2], strict=True))
    assert (hand["Level"], hand["Format"], hand["Catalogue page"]) == ("Not sure", None, None)
    totals = dict(zip(HEADERS, rows[-1], strict=True))
    assert totals["Title"] == "Total (3 activities)"
    assert totals["Hours"] == 23.25 and totals["Participatory hours"] == 19


def test_the_summary_sheet_has_the_figures(logged_in):
    """Does the Summary sheet hold the totals, the co-delivered share and the breakdowns?"""
    sheet = open_xlsx(logged_in)["Summary"]
    rows = rows_of(sheet)
    figures = {row[0]: row[1] for row in rows if row and row[0]}
    assert figures["Learner"] == "Sam Learner"
    assert figures["Activities"] == 3
    assert figures["Total hours"] == 23.25
    assert figures["Participatory hours"] == 19
    assert figures["Co-delivered hours"] == 19.5
    assert figures["Share of hours co-delivered"] == pytest.approx(19.5 / 23.25, abs=1e-4)
    assert figures["Activities with reflections"] == 2
    assert figures["Where your entries put you"] == "Awareness"
    assert (figures["Awareness"], figures["Ground level"], figures["Not sure"]) == (19.5, 2.25, 1.5)
    assert (figures[2026], figures[2025], figures[2024]) == (19.5, 1.5, 2.25)
    assert figures["Not given"] == 1.5 and figures["Talk, webinar or open event"] == 2.25
    totals = [row for row in rows if row and row[0] == "Total"]
    assert [row[1] for row in totals] == [23.25, 23.25, 23.25]


def test_the_reflections_sheet_lists_entries_with_reflective_writing(logged_in):
    """Does the Reflections sheet hold only the entries with something reflective written?"""
    rows = rows_of(open_xlsx(logged_in)["Reflections"])
    titles = [row[0] for row in rows[1:]]
    assert titles == ["Personality disorder awareness", "'" + INJECTION["title"]]
    assert rows[1][3] == "That behaviour is communication."


def test_the_spreadsheet_neutralises_formulas(logged_in):
    """Is every text that could run as a formula written as text, with a quote in front?"""
    book = open_xlsx(logged_in)
    rows = rows_of(book["Activities"])
    row = dict(zip(HEADERS, rows[3], strict=True))
    assert row["Title"] == "'" + INJECTION["title"]
    assert row["Provider"] == "'+1"
    assert row["What it was and why it is relevant"] == "'-1"
    assert row["What I learnt"] == "'@SUM(1)"
    assert row["How my practice changed"] == "'\tx"
    assert row["Peer discussion"] == "'\nx"  # XML reads a bare \r back as \n; the quote stays
    assert row["Evidence"] == "''=already quoted"
    assert row["Link to professional standards"] == "Codesection 2"  # \x0b dropped, no error
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in cells), sheet.title


def test_an_empty_portfolio_exports_cleanly(app, client, auth):
    """Does a learner with no entries get valid, empty exports?"""
    with app.app_context():
        gen_user("new@example.org")
    auth.login("new@example.org")
    book = open_xlsx(client)
    assert rows_of(book["Activities"]) == [
        HEADERS,
        ["Total (0 activities)", *[None] * 4, 0, 0, *[None] * 12],
    ]
    assert read_csv(client) == [HEADERS]
    record = client.get("/portfolio/export.json").get_json()
    assert record["summary"]["hours"] == 0 and record["position"]["level"] == "ground"


# --- CSV -----------------------------------------------------------------------------


def test_the_csv_has_the_activities_columns(logged_in):
    """Does the CSV hold one row per entry in the CPD-log columns, with ISO dates?"""
    rows = read_csv(logged_in)
    assert rows[0] == HEADERS
    assert len(rows) == 4  # no totals row: a CSV is data
    row = dict(zip(HEADERS, rows[1], strict=True))
    assert (row["Start date"], row["End date"]) == ("2026-03-02", "2026-03-04")
    assert (row["Hours"], row["Participatory hours"]) == ("19.5", "18")
    assert (row["Co-delivered"], row["Level"]) == ("Yes", "Awareness")
    hand = dict(zip(HEADERS, rows[2], strict=True))
    assert (hand["Hours"], hand["Level"], hand["Format"]) == ("1.5", "Not sure", "")


def test_the_csv_neutralises_formulas(logged_in):
    """Is every text that could run as a formula quoted in the CSV, the rest left alone?"""
    row = dict(zip(HEADERS, read_csv(logged_in)[3], strict=True))
    assert row["Title"] == "'" + INJECTION["title"]
    assert row["Provider"] == "'+1"
    assert row["What it was and why it is relevant"] == "'-1"
    assert row["What I learnt"] == "'@SUM(1)"
    assert row["How my practice changed"] == "'\tx"
    assert row["Peer discussion"] == "'\rx"
    assert row["Evidence"] == "''=already quoted"
    assert row["Hours"] == "2.25"


def test_a_profile_can_bring_its_own_columns(app, learner):
    """Can a record profile replace the column list without touching the writers?"""
    columns = (
        Column("Activity", lambda e, ref: e.title),
        Column("CPD hours", lambda e, ref: float(e.hours)),
    )
    with app.test_request_context():
        text = portfolio_csv(entries_for_export(find_user(learner)), columns)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[:2] == [["Activity", "CPD hours"], ["Personality disorder awareness", "19.5"]]


# --- JSON ----------------------------------------------------------------------------

RECORD_KEYS = {
    "schema",
    "schema_version",
    "generated_at",
    "generator",
    "self_reported",
    "signed",
    "notice",
    "text_neutralised",
    "learner",
    "summary",
    "position",
    "entries",
    "record",
}
ENTRY_KEYS = {
    "id",
    "confirmation",
    "url",
    "title",
    "provider_name",
    "activity_type",
    "activity_type_label",
    "starts_on",
    "ends_on",
    "hours",
    "participatory_hours",
    "level",
    "level_label",
    "format",
    "format_label",
    "co_delivered",
    "co_designed",
    "description",
    "learning",
    "practice_change",
    "peer_discussion",
    "standards_link",
    "evidence",
    "has_reflection",
    "offering",
    "session_id",
    "created_at",
    "updated_at",
    "open_badge",
}


def test_the_json_record_follows_the_documented_schema(logged_in):
    """Does the JSON carry every documented key, the learner, the figures and the position?"""
    record = logged_in.get("/portfolio/export.json").get_json()
    assert set(record) == RECORD_KEYS
    assert (record["schema_version"], record["self_reported"], record["signed"]) == (1, True, False)
    assert record["generated_at"].endswith("Z")
    assert record["learner"]["name"] == "Sam Learner"
    assert record["learner"]["sector"] == "housing"
    assert record["learner"]["sector_label"]
    summary = record["summary"]
    assert (summary["entries"], summary["hours"], summary["participatory_hours"]) == (3, 23.25, 19)
    assert summary["co_delivered_share"] == round(19.5 / 23.25, 4)
    assert summary["by_level"][0] == {"level": "ground", "label": "Ground level", "hours": 2.25}
    assert summary["by_level"][-1] == {"level": None, "label": "Not sure", "hours": 1.5}
    assert summary["by_year"][0] == {"year": 2026, "hours": 19.5}
    assert record["position"]["level"] == "awareness"
    assert [check["level"] for check in record["position"]["checks"]][0] == "ground"
    entries = record["entries"]
    assert [set(entry) for entry in entries] == [ENTRY_KEYS] * 3
    first = entries[0]
    assert first["starts_on"] == "2026-03-02" and first["hours"] == 19.5
    assert first["level_label"] == "Awareness" and first["co_delivered"] is True
    assert first["offering"] == {
        "slug": "personality-disorder-awareness",
        "url": "http://localhost/catalogue/personality-disorder-awareness",
    }
    assert entries[1]["offering"] is None and entries[1]["level"] is None


def test_each_entry_is_an_open_badges_credential(logged_in):
    """Is each entry also an (unsigned) Open Badges 3.0 credential with an achievement?"""
    entry = logged_in.get("/portfolio/export.json").get_json()["entries"][0]
    badge = entry["open_badge"]
    assert badge["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["id"] == f"{entry['url']}#credential" and "proof" not in badge
    assert badge["issuer"]["type"] == ["Profile"] and badge["issuer"]["name"] == "Sam Learner"
    subject = badge["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert (subject["activityStartDate"], subject["activityEndDate"]) == (
        "2026-03-02",
        "2026-03-04",
    )
    assert subject["creditsEarned"] == 19.5
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["id"] == f"{entry['url']}#achievement"
    assert subject["id"] == badge["issuer"]["id"] and subject["id"].startswith("urn:uuid:")
    assert achievement["name"] == "Personality disorder awareness"
    assert achievement["description"] == "Three co-delivered days."
    assert "Self-reported" in achievement["criteria"]["narrative"]
    assert achievement["creator"]["type"] == ["Profile"]
    assert achievement["creator"]["name"] == "KUF Hub"
    assert achievement["alignment"][0]["targetUrl"] == "http://localhost/escalator/awareness"
    names = [item["name"] for item in badge["evidence"]]
    assert names == ["Evidence", "Reflection"]
    assert all(item["type"] == ["Evidence"] for item in badge["evidence"])
    assert "That behaviour is communication." in badge["evidence"][1]["narrative"]


def test_the_json_record_neutralises_formulas_too(logged_in):
    """Does the JSON apply the same quoting rule to text, leaving numbers alone?"""
    body = logged_in.get("/portfolio/export.json").get_data(as_text=True)
    entry = json.loads(body)["entries"][2]
    assert entry["title"] == "'" + INJECTION["title"]
    assert entry["learning"] == "'@SUM(1)" and entry["peer_discussion"] == "'\rx"
    assert entry["evidence"] == "''=already quoted"
    assert entry["open_badge"]["name"] == "'" + INJECTION["title"]
    assert entry["hours"] == 2.25


# --- the rule itself and the cost ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=1", "''=1"),
        ("''-1", "'''-1"),
        ("plain text", "plain text"),
        ("a = b", "a = b"),
        ("'quoted", "'quoted"),
        ("", ""),
        (" =1", " =1"),
    ],
)
def test_neutralise_quotes_what_a_spreadsheet_would_run(value, shown):
    """Does the rule quote exactly the values that start (after any quotes) with a trigger?"""
    assert neutralise(value) == shown
    undone = shown[1:] if shown != value else shown
    assert undone == value


def test_exports_run_a_fixed_number_of_queries(app, logged_in):
    """Does an export cost the same few queries whatever the number of entries (no N+1)?"""
    with app.app_context():
        engine = db.engine
    statements = []

    def count(*_args):
        statements.append(1)

    counts = []
    for _ in range(2):
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            for kind in ("xlsx", "csv", "json"):
                assert logged_in.get(f"/portfolio/export.{kind}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
        with app.app_context():
            user = find_user("sam@example.org")
            offering = gen_offering(title="Another offer")
            for number in range(5):
                gen_entry(user, offering=offering, title=f"More {number}")
    assert counts[0] == counts[1]
