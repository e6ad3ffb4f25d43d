"""Upload, preview, confirm (`academy.spreadsheets.flow`): each outcome of confirming.

Through both import pages, as a person uses them (a CPD log into a portfolio,
a provider's offers into the catalogue), and through the flow itself where a
page cannot make the outcome happen on demand (two writes at the same moment).
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from flask_login import login_user
from sqlalchemy import func, select

from academy.accounts.models import User
from academy.catalogue.importing.views import ALREADY_IMPORTED
from academy.catalogue.models import Offering, Provider
from academy.extensions import db
from academy.locks import take_turns
from academy.portfolios.entries.operations import create_entry
from academy.portfolios.importing.views import ALREADY_ADDED
from academy.portfolios.models import PortfolioEntry
from academy.spreadsheets.flow import EXPIRED, Messages, Outcome, UploadFlow
from academy.spreadsheets.pending import KEEP_SECONDS, imports_folder
from academy.timeutil import today
from tests.conftest import Auth, csrf_token
from tests.factories import gen_entry, gen_offering, gen_provider, gen_user

DAY = today() - timedelta(days=30)
OFFER_HEADERS = ["reference", "title", "summary", "description", "level", "format", "cost_gbp"]


def csv_file(headers: list[str], rows: list[dict]) -> bytes:
    """A small CSV file: the headers, then each row's values under them."""
    lines = [",".join(headers)] + [",".join(str(row[h]) for h in headers) for row in rows]
    return "\r\n".join(lines).encode()


def workbook(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx with these sheets of rows."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def post_upload(client, page: str, data: bytes, filename: str, **fields):
    """Choose a file on an import page and press the button; the preview page."""
    form = {"csrf_token": csrf_token(client, page), "spreadsheet": (io.BytesIO(data), filename)}
    return client.post(page, data={**form, **fields}, content_type="multipart/form-data")


def press_confirm(client, page: str, preview):
    """Press the confirm button on the preview an import page gave."""
    html = preview.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return client.post(f"{page}/confirm", data={"csrf_token": csrf, "token": token})


def log_file(*titles: str) -> bytes:
    """A CPD log of these activities, six hours each, a month ago."""
    return csv_file(["Title", "Start date", "Hours"], [*map(log_row, titles)])


def log_row(title: str) -> dict:
    """An activity of a CPD log: six hours, a month ago."""
    return {"Title": title, "Start date": DAY.isoformat(), "Hours": 6}


def offer_row(reference: str) -> dict:
    """An offer, with only the columns the import needs."""
    return {
        "reference": reference,
        "title": f"Relational practice {reference}",
        "summary": "Two days on psychologically informed environments.",
        "description": "What a PIE is.",
        "level": "Awareness",
        "format": "Short course (several days)",
        "cost_gbp": "free",
    }


@dataclass
class Importer:
    """One of the two imports, as the person it is for uses it."""

    kind: str
    page: str  # the upload page; confirming posts to page + "/confirm"
    home: str  # where a written upload goes
    again: str  # where an expired one goes, to upload it again
    already: str
    changed: str
    app: object
    client: object

    def upload(self, *names: str):
        """Upload a file of these activities or offers; the preview page."""
        if self.kind == "log":
            return post_upload(self.client, self.page, log_file(*names), "log.csv")
        data = csv_file(OFFER_HEADERS, [*map(offer_row, names)])
        return post_upload(
            self.client, self.page, data, "offers.csv", provider="good-org", mode="draft"
        )

    def confirm(self, preview, client=None):
        """Press the confirm button on a preview page (in this browser, or another tab)."""
        return press_confirm(client or self.client, self.page, preview)

    def written(self) -> int:
        """How many activities or offers are in the database."""
        model = PortfolioEntry if self.kind == "log" else Offering
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    def change_meanwhile(self, name: str) -> None:
        """Record the same activity, or add an offer with the same reference, by hand."""
        with self.app.app_context():
            if self.kind == "log":
                user = db.session.scalar(select(User).where(User.email == "learner@example.org"))
                gen_entry(user, title=name, starts_on=DAY, hours=6, participatory_hours=0)
            else:
                gen_offering(db.session.scalar(select(Provider)), reference=name)


@pytest.fixture(params=["log", "offers"])
def importer(request, app, client, auth) -> Importer:
    """A logged-in learner with the CPD-log import, or provider member with the offers one."""
    if request.param == "log":
        auth.register()
        return Importer(
            "log",
            "/portfolio/import",
            "/portfolio/",
            "/portfolio/import",
            ALREADY_ADDED,
            "Your portfolio changed since you checked the file. Check the list again.",
            app,
            client,
        )
    with app.app_context():
        gen_provider("Good Org", slug="good-org", members=[gen_user("member@example.org")])
    auth.login("member@example.org")
    return Importer(
        "offers",
        "/provide/import",
        "/provide/",
        "/provide/import?provider=good-org",
        ALREADY_IMPORTED,
        "Your offers changed since you checked the file. Check the list again.",
        app,
        client,
    )


def flashed(client) -> list[tuple[str, str]]:
    """The messages waiting to be shown on the next page, with their kinds."""
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def kept_rows(app, page) -> Path:
    """Where the upload a preview page names waits for its confirmation."""
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    with app.app_context():
        return imports_folder() / token.group(1)


def test_a_confirmed_upload_is_written_once_and_says_what_was_done(importer):
    """Does confirming write every row, say so, go home, and leave no rows waiting?"""
    page = importer.upload("A", "B")
    assert page.status_code == 200
    rows = kept_rows(importer.app, page)
    assert rows.exists()

    response = importer.confirm(page)

    assert response.status_code == 302 and response.headers["Location"] == importer.home
    (category, message), *_ = flashed(importer.client)
    assert category == "success"
    assert message in (
        "2 activities added to your portfolio.",
        "Import complete: 2 offers added, 0 offers updated, 0 offers unchanged.",
    )
    assert importer.written() == 2
    assert not rows.exists() and rows.with_name(rows.name + ".done").exists()


def test_a_confirm_after_the_upload_expired_says_so_and_writes_nothing(importer, app):
    """Does a confirm after the upload expired (removed a day later) say so and write nothing?"""
    page = importer.upload("A")
    rows = kept_rows(app, page)
    stale = time.time() - KEEP_SECONDS - 60
    os.utime(rows, (stale, stale))
    someone = app.test_client()
    Auth(someone).register(email="someone@example.org")
    post_upload(someone, "/portfolio/import", log_file("Theirs"), "log.csv")
    assert not rows.exists()  # cleared out by the next upload, anyone's

    response = importer.confirm(page)

    assert response.status_code == 302 and response.headers["Location"] == importer.again
    assert flashed(importer.client) == [("error", EXPIRED)]
    assert importer.written() == 0
    assert importer.confirm(page).status_code == 404  # and it is no longer waiting


def test_a_confirm_from_another_tab_after_the_first_is_told_it_was_already_done(importer, app):
    """Is the second confirm of one upload (another tab, a double click) told it was done,
    writing nothing twice?"""
    page = importer.upload("A", "B")
    tab = app.test_client()
    tab.set_cookie("session", importer.client.get_cookie("session").value)
    assert importer.confirm(page).status_code == 302

    response = importer.confirm(page, client=tab)

    assert response.status_code == 302 and response.headers["Location"] == importer.home
    assert flashed(tab) == [("info", importer.already)]
    assert importer.written() == 2


def test_a_confirm_after_the_data_changed_shows_the_new_preview_to_confirm(importer):
    """If the portfolio or catalogue changed since the preview, is the new preview shown (409),
    unwritten, with a button that then writes it?"""
    page = importer.upload("A", "B")
    importer.change_meanwhile("A")

    again = importer.confirm(page)

    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert importer.changed in html and 'name="token"' in html
    assert importer.written() == 1
    assert importer.confirm(again).status_code == 302
    assert importer.written() == 2


def test_a_file_that_no_longer_imports_cleanly_is_shown_without_a_button(app, client, auth):
    """If dates in the file were for an offer whose reference has changed since, is the
    preview shown again with the problem and no confirm button?"""
    with app.app_context():
        user = gen_user("member@example.org")
        provider = gen_provider("Good Org", slug="good-org", members=[user])
        gen_offering(provider, reference="OLD")
    auth.login("member@example.org")
    soon = (today() + timedelta(days=9)).isoformat()
    data = workbook(
        {
            "Offerings": [OFFER_HEADERS],
            "Sessions": [["reference", "starts_on", "online"], ["OLD", soon, "yes"]],
        }
    )
    page = post_upload(
        client, "/provide/import", data, "dates.xlsx", provider="good-org", mode="draft"
    )
    assert page.status_code == 200
    with app.app_context():
        db.session.scalar(select(Offering)).reference = "RENAMED"
        db.session.commit()

    again = press_confirm(client, "/provide/import", page)

    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "The file no longer imports cleanly against your offers as they are now." in html
    assert "There is no offer “OLD”" in html and 'name="token"' not in html


# --- the flow itself --------------------------------------------------------------------------


@dataclass
class Rows:
    """Rows read from a file, as the flow keeps them."""

    titles: list[str]

    def to_json(self) -> str:
        return json.dumps(self.titles)


@dataclass
class Preview:
    """What confirming would do: the titles not yet in the portfolio."""

    new: list[str]
    has_errors: bool = False

    def digest(self) -> str:
        return ",".join(self.new)


def titles_of(user: User) -> list[str]:
    """The titles in a portfolio."""
    query = select(PortfolioEntry.title).where(PortfolioEntry.user_id == user.id)
    return sorted(db.session.scalars(query))


FLOW = UploadFlow(
    "test_upload",
    load=lambda text: Rows(json.loads(text)),
    messages=Messages(already_done="Done before.", changed="Changed.", conflict="At once."),
)


def steps(user: User, log: list[str], *, clash: bool = False) -> dict:
    """The steps of confirming rows into a portfolio, each noting itself in `log`."""

    def check(rows: Rows) -> Preview:
        log.append("check")
        return Preview([t for t in rows.titles if t not in titles_of(user)])

    def write(preview: Preview) -> str:
        log.append("write")
        for title in preview.new:
            entry = {"title": title, "starts_on": DAY, "ends_on": DAY, "hours": 1}
            create_entry(user, {**entry, "participatory_hours": 0, "activity_type": "other"})
        if clash:  # another request took this address a moment ago: the database says no
            db.session.add(User(email=user.email, name="Twin", password_hash="x"))
        db.session.flush()
        return f"{len(preview.new)} added."

    def turn() -> None:
        log.append("turn")
        take_turns(User, user.id)

    return {"take_turns": turn, "check": check, "write": write}


def test_confirming_takes_its_turn_before_it_reads_anything(app):
    """Is the lock taken before the kept rows are loaded and checked again, then written?"""
    log: list[str] = []
    with app.test_request_context("/"):
        user = gen_user("flow@example.org")
        login_user(user)
        form = FLOW.keep(Rows(["A"]), Preview(["A"]))
        pending = FLOW.pending.facts(form.token.data)

        result = FLOW.confirm(pending, **steps(user, log))

        assert (result.outcome, result.message) == (Outcome.DONE, "1 added.")
        assert log == ["turn", "check", "write"]
        assert titles_of(user) == ["A"]


def test_two_writes_at_the_same_moment_save_nothing_and_can_be_tried_again(app):
    """If the database refuses the write (a conflict), is nothing saved, the preview offered
    again with its button, and the upload still waiting to be confirmed?"""
    with app.test_request_context("/"):
        user = gen_user("flow@example.org")
        login_user(user)
        form = FLOW.keep(Rows(["A", "B"]), Preview(["A", "B"]))
        pending = FLOW.pending.facts(form.token.data)

        result = FLOW.confirm(pending, **steps(user, [], clash=True))

        assert (result.outcome, result.message) == (Outcome.CONFLICT, "At once.")
        assert result.shows_preview and result.confirm.token.data == pending["token"]
        assert titles_of(user) == []
        again = FLOW.confirm(FLOW.pending.facts(form.token.data), **steps(user, []))
        assert again.outcome is Outcome.DONE and titles_of(user) == ["A", "B"]
