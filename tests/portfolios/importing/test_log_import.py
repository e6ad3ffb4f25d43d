"""Bringing an existing CPD log into a portfolio: the template, the preview, confirming, bad rows."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from academy.accounts.operations import find_user
from academy.extensions import db
from academy.portfolios.importing.operations import apply_log, check_log, read_log
from academy.portfolios.models import PortfolioEntry
from academy.portfolios.records.exports import ACTIVITY_COLUMNS
from academy.timeutil import today
from tests.conftest import csrf_token
from tests.factories import gen_entry, gen_offering, gen_provider

#: The export's columns but the provider's confirmation, which a learner cannot bring in.
HEADERS = [c.header for c in ACTIVITY_COLUMNS if c.header != "Confirmed by provider"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(*rows, headers=HEADERS, sheet="Activities") -> bytes:
    """An .xlsx with one sheet: the headers, then rows given as {header: value}."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(header) for header in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def activity(**values) -> dict:
    """A good row: a one-day workshop last month."""
    day = today() - timedelta(days=30)
    return {
        "Title": "Trauma-informed care workshop",
        "Provider": "Leeds Mind",
        "Type of activity": "Workshop",
        "Start date": day,
        "End date": day,
        "Hours": 6,
        "Participatory hours": 5,
        "Level": "Awareness",
        "Format": None,
        "Co-delivered": "yes",
        "Co-designed": "no",
        "What I learnt": "Ask what happened, not what is wrong.",
        **values,
    }


def upload(client, data: bytes, filename: str = "log.xlsx"):
    """Post a file to the form, as a person would."""
    form = {
        "csrf_token": csrf_token(client, "/portfolio/import"),
        "spreadsheet": (io.BytesIO(data), filename),
    }
    return client.post("/portfolio/import", data=form, content_type="multipart/form-data")


def confirm(client, page):
    """Press the confirm button on a preview page."""
    html = page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return client.post("/portfolio/import/confirm", data={"csrf_token": csrf, "token": token})


def entries(app, email="learner@example.org") -> list[PortfolioEntry]:
    """A learner's entries, oldest first, detached for reading."""
    with app.app_context():
        user = find_user(email)
        found = list(
            db.session.scalars(
                select(PortfolioEntry)
                .where(PortfolioEntry.user_id == user.id)
                .order_by(PortfolioEntry.starts_on, PortfolioEntry.id)
            )
        )
        db.session.expunge_all()
        return found


def count_entries(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PortfolioEntry))


@pytest.fixture
def learner(auth):
    """A registered, logged-in learner."""
    auth.register()
    return "learner@example.org"


def test_the_template_has_the_export_columns_a_read_me_and_an_example(client, learner):
    """Does the template download open, with the Activities columns and drop-downs?"""
    response = client.get("/portfolio/import/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "Read me"
    ws = book["Activities"]
    assert [cell.value for cell in ws[1]] == HEADERS
    assert ws["A2"].value.startswith("Example")
    assert ws.data_validations.dataValidation, "no drop-down lists"
    readme = " ".join(str(c.value) for row in book["Read me"].iter_rows() for c in row if c.value)
    assert "Participatory hours" in readme and "Not sure" in readme


def test_the_template_uploaded_as_it_is_has_no_activities(client, learner):
    """Is the example row skipped, so an unfilled template adds nothing?"""
    template = client.get("/portfolio/import/template.xlsx").data
    page = upload(client, template, "academy-cpd-log-template.xlsx")
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "There are no activities in the file" in html
    assert "There are no activities in the file, only rows that are skipped" in html


def test_preview_writes_nothing_and_confirm_adds_every_row(app, client, learner):
    """Does the preview list each row, save nothing, and confirming add them as read?"""
    start = date(2025, 9, 1)
    data = workbook(
        activity(),
        activity(
            **{
                "Title": "Open Dialogue conference",
                "Type of activity": None,
                "Start date": "01/09/2025",
                "End date": None,
                "Hours": "7.5",
                "Participatory hours": None,
                "Level": "Not sure",
                "Format": "Conference or networking event",
                "Co-delivered": None,
                "Catalogue page": "https://elsewhere.example/catalogue/x",
            }
        ),
    )
    page = upload(client, data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert html.count(">Add</td>") == 2 or html.count("<td>Add") == 2
    assert "Add 2 activities" in html
    assert count_entries(app) == 0

    done = confirm(client, page)
    assert done.status_code == 302 and done.headers["Location"].endswith("/portfolio/")
    saved = entries(app)
    assert [e.title for e in saved] == ["Open Dialogue conference", "Trauma-informed care workshop"]
    conference, workshop = saved
    assert (conference.starts_on, conference.ends_on) == (start, start)
    assert conference.hours == 7.5 and conference.participatory_hours == 0
    assert conference.activity_type == "other"
    assert conference.level is None and conference.format == "conference"
    assert conference.co_delivered is False and conference.offering_id is None
    assert workshop.provider_name == "Leeds Mind" and workshop.activity_type == "workshop"
    assert workshop.hours == 6 and workshop.participatory_hours == 5
    assert workshop.level == "awareness" and workshop.co_delivered is True
    assert workshop.learning == "Ask what happened, not what is wrong."
    follow = client.get("/portfolio/").get_data(as_text=True)
    assert "2 activities added to your portfolio." in follow


BAD_ROWS = [
    ({"Hours": 30}, "Hours", "more than 24 hours a day over 1 day"),
    ({"Hours": -2}, "Hours", "Enter a number from 0 to 10,000"),
    ({"Hours": "lots"}, "Hours", "is not a number"),
    ({"Participatory hours": 8}, "Participatory hours", "cannot be more than the total hours"),
    (
        {"Start date": date(2026, 3, 5), "End date": date(2026, 3, 1)},
        "End date",
        "must be the same as or after the start date",
    ),
    ({"Start date": date(2090, 1, 1), "End date": None}, "Start date", "between the years"),
    (
        {"Start date": today() + timedelta(days=400), "End date": None},
        "Start date",
        "up to a year from today",
    ),
    ({"Start date": "next Tuesday"}, "Start date", "is not a date"),
    ({"Level": "Grand master"}, "Level", "is not a level we know"),
    ({"Type of activity": "Juggling"}, "Type of activity", "is not a type of activity we know"),
    ({"Title": None}, "Title", "Enter the name of the activity."),
    ({"What I learnt": "x" * 100_000}, "What I learnt", "at most 10,000 characters"),
    ({"Co-delivered": "perhaps"}, "Co-delivered", "Enter yes or no"),
]


@pytest.mark.parametrize(("values", "column", "message"), BAD_ROWS, ids=[m for _, _, m in BAD_ROWS])
def test_a_bad_row_is_named_with_its_row_and_column_and_nothing_is_saved(
    app, client, learner, values, column, message
):
    """Does each kind of bad cell get a plain message at its row and column, and no confirm?"""
    page = upload(client, workbook(activity(Title="Fine"), activity(**values)))
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    problems = re.search(r'<table class="table" id="problems">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(
        r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", problems
    )
    assert ("Activities", "3", column) in [row[:3] for row in rows], rows
    assert any(message in row[3] for row in rows), rows
    assert 'name="token"' not in html
    assert "Nothing has been added to your portfolio" in html
    assert count_entries(app) == 0


def test_html_in_the_file_is_shown_as_text(client, learner):
    """Is a title with a script tag escaped on the preview?"""
    page = upload(client, workbook(activity(Title="<script>alert(1)</script>")))
    html = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_a_file_that_is_not_a_spreadsheet_gets_a_message_by_the_field(app, client, learner):
    """Is a PDF called .xlsx refused next to the upload field, with an error summary?"""
    page = upload(client, b"%PDF-1.7 not a workbook", "log.xlsx")
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert 'class="error-summary"' in html
    assert "a PDF document" in html
    assert count_entries(app) == 0


def test_a_missing_column_and_a_missing_sheet_are_refused(client, learner):
    """Does a sheet without the Hours column, or a workbook of several other sheets, say so?"""
    headers = [h for h in HEADERS if h != "Hours"]
    page = upload(client, workbook(activity(), headers=headers))
    assert page.status_code == 400
    assert "has no column “Hours”" in page.get_data(as_text=True)

    book = Workbook()
    book.active.title = "2024"
    book.create_sheet("2025")
    out = io.BytesIO()
    book.save(out)
    page = upload(client, out.getvalue())
    assert page.status_code == 400
    assert "no sheet called “Activities”" in page.get_data(as_text=True)


def test_a_csv_log_in_windows_1252_is_read(app, client, learner):
    """Is a CSV saved by Excel on Windows (cp1252, 31/01/2027 dates) read correctly?"""
    text = (
        "Title,Start date,Hours,Participatory hours,Level\r\n"
        "Café-style peer reflection – Leeds,31/01/2026,2,2,Awareness\r\n"
    )
    page = upload(client, text.encode("cp1252"), "log.csv")
    assert page.status_code == 200, page.get_data(as_text=True)
    assert confirm(client, page).status_code == 302
    (entry,) = entries(app)
    assert entry.title == "Café-style peer reflection – Leeds"
    assert entry.starts_on == entry.ends_on == date(2026, 1, 31)


def test_an_exported_portfolio_comes_back_in_as_it_went_out(app, client, learner):
    """Does the learner's own xlsx export import into an empty portfolio unchanged, twice over?"""
    with app.app_context():
        user = find_user(learner)
        offering = gen_offering(gen_provider("KUF Hub"), title="Awareness day", level="awareness")
        gen_entry(
            user,
            offering=offering,
            title="Awareness day",
            provider_name="KUF Hub",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 4),
            hours=19.5,
            participatory_hours=18,
            co_delivered=True,
            learning="Behaviour is communication.\nAsk first.",
        )
        gen_entry(
            user,
            title='=HYPERLINK("http://evil.example/")',
            description="-1",
            activity_type="reading",
            level=None,
            format=None,
            hours=1.25,
            participatory_hours=0,
        )
    fields = (
        "title provider_name starts_on ends_on hours participatory_hours activity_type level "
        "format co_delivered co_designed description learning offering_id"
    ).split()

    def values():
        return sorted(tuple(getattr(e, name) for name in fields) for e in entries(app))

    before = values()
    exported = client.get("/portfolio/export.xlsx").data
    titles = [cell.value for cell in load_workbook(io.BytesIO(exported))["Activities"]["A"]]
    assert """'=HYPERLINK("http://evil.example/")""" in titles

    # Into the same portfolio: everything is already there.
    page = upload(client, exported, "portfolio.xlsx")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "every activity in the file is already in your portfolio" in html
    assert 'name="token"' not in html
    assert "totals row of an exported portfolio" in html

    # Into an emptied one: the same values come back, the offer linked again.
    with app.app_context():
        db.session.execute(db.delete(PortfolioEntry))
        db.session.commit()
    page = upload(client, exported, "portfolio.xlsx")
    assert page.status_code == 200
    assert confirm(client, page).status_code == 302
    assert values() == before

    # The CSV export round-trips too.
    page = upload(client, client.get("/portfolio/export.csv").data, "portfolio.csv")
    assert page.status_code == 200
    assert "every activity in the file is already in your portfolio" in page.get_data(as_text=True)


def test_a_row_repeated_in_the_file_is_added_once(app, client, learner):
    """Is a second copy of the same activity left out, naming the row it repeats?"""
    page = upload(client, workbook(activity(), activity(), activity(Title="Another")))
    html = page.get_data(as_text=True)
    assert "It is the same as row 2." in html
    assert "Add 2 activities" in html
    confirm(client, page)
    assert count_entries(app) == 2


def test_confirming_after_the_portfolio_changed_checks_again(app, client, learner):
    """If the same activity is recorded meanwhile, is confirming refused with the new list?"""
    page = upload(client, workbook(activity(), activity(Title="Another")))
    with app.app_context():
        gen_entry(
            find_user(learner),
            **{
                "title": "Trauma-informed care workshop",
                "starts_on": today() - timedelta(days=30),
                "hours": 6,
                "participatory_hours": 5,
            },
        )
    again = confirm(client, page)
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "Your portfolio changed since you checked the file" in html
    assert "Add 1 activity" in html
    assert count_entries(app) == 1
    assert confirm(client, again).status_code == 302
    assert count_entries(app) == 2


def test_only_the_uploader_can_confirm_and_only_once(app, client, auth, learner):
    """Is another learner's token, a second confirm, or no CSRF token refused, adding nothing?"""
    page = upload(client, workbook(activity()))
    html = page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)

    response = client.post("/portfolio/import/confirm", data={"token": token})
    assert response.status_code == 400  # no CSRF token

    auth.logout()
    auth.register(email="other@example.org")
    csrf = csrf_token(client, "/portfolio/import")
    response = client.post("/portfolio/import/confirm", data={"csrf_token": csrf, "token": token})
    assert response.status_code == 404
    assert count_entries(app) == 0

    auth.logout()
    auth.login()
    fresh = upload(client, workbook(activity()))
    assert confirm(client, fresh).status_code == 302
    assert confirm(client, fresh).status_code == 404
    assert count_entries(app) == 1


def test_the_import_needs_a_login(client):
    """Are the pages closed to visitors who are not logged in?"""
    for url in ("/portfolio/import", "/portfolio/import/template.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login" in response.headers["Location"]


def test_the_operations_write_nothing_until_applied_and_refuse_errors(app, learner):
    """Do read_log and check_log leave the database alone, and apply_log refuse a bad file?"""
    with app.test_request_context():
        user = find_user(learner)
        good = check_log(user, read_log(workbook(activity(), activity(Title="B")), "log.xlsx"))
        assert good.counts == {"new": 2, "already": 0, "error": 0}
        assert count_entries(app) == 0
        bad = check_log(user, read_log(workbook(activity(Hours=99)), "log.xlsx"))
        assert bad.counts == {"new": 0, "already": 0, "error": 1}
        with pytest.raises(ValueError):
            apply_log(user, bad)
        assert apply_log(user, good) == 2
        db.session.rollback()  # the caller's transaction: nothing stays without a commit
        assert count_entries(app) == 0
