"""Journeys through the app in a real browser, as a practitioner would take them.

Locators go by role and accessible name (get_by_role, get_by_label) wherever
they can: if a test finds a control that way, a screen reader user can too.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, VIEWPORT
from tests.conftest import PASSWORD
from tests.factories import gen_offering, gen_provider, gen_user

DATE_IN_TEXT = re.compile(r"(\d{1,2}) ([A-Z][a-z]+) (\d{4})")


def last_date_in(text: str) -> date:
    """The last full date ("3 March 2027") in a cell such as "3–5 March 2027"."""
    found = DATE_IN_TEXT.findall(text)
    assert found, f"no date in {text!r}"
    day, month, year = found[-1]
    return datetime.strptime(f"{day} {month} {year}", "%d %B %Y").date()


@pytest.mark.reads_only
def test_find_awareness_training_filter_and_add_it_to_a_calendar(live_server, page):
    page.goto(f"{live_server}/")

    search = page.get_by_role("search").get_by_role("searchbox", name="Search for training")
    search.fill("awareness")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/catalogue/\?q=awareness"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find relational training")

    filters = page.get_by_role("group", name="Escalator level")
    filters.get_by_role("checkbox", name=re.compile(r"^Awareness\b")).check()
    page.get_by_role("group", name="Co-production").get_by_role(
        "checkbox", name=re.compile(r"^Co-delivered\b")
    ).check()
    region = page.get_by_role("group", name="Region").get_by_role(
        "checkbox", name=re.compile(r"^East of England\b")
    )
    expect(region).to_be_visible()
    region.check()
    page.get_by_role("button", name="Apply filters").click()

    query = parse_qs(urlsplit(page.url).query)
    assert query.get("q") == ["awareness"], page.url
    assert query.get("level") == ["awareness"], page.url
    assert query.get("co_delivered") == ["1"], page.url
    assert query.get("region") == ["east_of_england"], page.url
    # The choices stay ticked on the results, so the person can see what they asked for.
    expect(page.get_by_label(re.compile(r"^Awareness\b"))).to_be_checked()
    expect(page.get_by_label(re.compile(r"^Co-delivered\b"))).to_be_checked()
    expect(page.get_by_label(re.compile(r"^East of England\b"))).to_be_checked()

    results = page.locator("ol.result-list > li")
    count = results.count()
    assert count >= 1, "no results for awareness, co-delivered, East of England"
    expect(page.get_by_role("heading", name=re.compile(r"^\d+ offers?\b"))).to_be_visible()
    for index in range(count):
        card = results.nth(index)
        level = card.locator("dl.facts > div").filter(has=page.locator("dt", has_text="Level"))
        expect(level.locator("dd")).to_have_text("Awareness")
        expect(card.get_by_role("list", name="Co-production")).to_contain_text("Co-delivered")

    first = results.first.get_by_role("heading").get_by_role("link")
    title = first.inner_text().strip()
    first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("list", name="Co-production").get_by_role("listitem")).to_contain_text(
        ["Co-delivered"]
    )
    dates = page.get_by_role("table", name=re.compile(r"^Upcoming dates for"))
    expect(dates).to_be_visible()
    rows = dates.locator("tbody tr")
    assert rows.count() >= 1
    first_dates = rows.first.get_by_role("cell").first.inner_text()
    assert last_date_in(first_dates) >= date.today(), first_dates

    calendar_link = page.get_by_role("link", name=re.compile(r"^Add these dates to your calendar"))
    expect(calendar_link).to_be_visible()
    href = calendar_link.get_attribute("href")
    assert href and href.endswith(".ics"), href

    with page.expect_download() as download_info:
        calendar_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics"), download.suggested_filename
    body = Path(download.path()).read_bytes()

    # The same file as any calendar client would fetch it.
    response = page.request.get(f"{live_server}{href}")
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("text/calendar"), response.headers

    def without_stamps(ics: bytes) -> bytes:  # DTSTAMP is the moment the file is made
        return re.sub(rb"DTSTAMP:\d{8}T\d{6}Z", b"DTSTAMP:", ics)

    assert without_stamps(response.body()) == without_stamps(body)

    text = body.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR"), text[:80]
    assert text.rstrip().endswith("END:VCALENDAR"), text[-80:]
    calendar = Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert events, "the calendar file has no VEVENT"
    starts = [event.decoded("DTSTART") for event in events]
    starts = [value.date() if isinstance(value, datetime) else value for value in starts]
    assert max(starts) >= date.today(), starts


@pytest.mark.reads_only
def test_keyboard_first_tab_reaches_the_skip_link_which_moves_focus_to_main(live_server, page):
    page.goto(f"{live_server}/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # visible when focused, for sighted keyboard users

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))
    main = page.get_by_role("main")
    expect(main).to_be_focused()

    # The next Tab goes to the first control inside main, not back to the header.
    page.keyboard.press("Tab")
    focused_in_main = page.evaluate(
        "() => document.querySelector('main').contains(document.activeElement)"
    )
    assert focused_in_main, page.evaluate("() => document.activeElement.outerHTML")


def test_register_set_my_level_and_see_suggestions(live_server, page):
    page.goto(f"{live_server}/accounts/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")

    page.get_by_label("Your name").fill("Pat Practitioner")
    page.get_by_label("Email address").fill("pat@example.org")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")
    expect(page.get_by_role("main")).to_contain_text("Tell us where you are on the escalator")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    level = page.get_by_label("Where are you on the escalator?")
    level.select_option("awareness")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved")
    expect(page.get_by_label("Where are you on the escalator?")).to_have_value("awareness")

    page.get_by_role("link", name="Relational Learning Academy", exact=True).click()
    expect(page).to_have_url(f"{live_server}/")
    at_level = page.get_by_role("region", name=re.compile(r"^Training at your level"))
    expect(at_level.get_by_role("heading", level=2)).to_have_text(
        "Training at your level: Awareness"
    )
    expect(at_level.get_by_role("article").first).to_be_visible()
    next_step = page.get_by_role("region", name=re.compile(r"^Your next step"))
    expect(next_step.get_by_role("heading", level=2)).to_contain_text("Your next step:")
    expect(next_step.get_by_role("heading", level=2)).to_contain_text("Developing understanding")


def log_in_through_the_form(page, base: str, email: str) -> None:
    """Log in as a person would, from the login page."""
    page.goto(f"{base}/accounts/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged in")


def answer(page, question: str, choice: str) -> None:
    """Choose one radio button of a question asked as a fieldset."""
    page.get_by_role("group", name=question).get_by_role("radio", name=choice, exact=True).check()


def test_a_provider_lists_an_offer_a_curator_publishes_it_and_a_practitioner_finds_it(
    app, live_server, page, browser
):
    """From a new account to a published offer with two dates, all through the forms."""
    with app.app_context():
        gen_user("curator@example.org", name="Cass Curator", curator=True)
    curator = browser.new_context(viewport=VIEWPORT)
    curator.set_default_timeout(TIMEOUT_MS)
    practitioner = browser.new_context(viewport=VIEWPORT)
    practitioner.set_default_timeout(TIMEOUT_MS)
    try:
        # A trainer creates an account and asks to list their organisation's training.
        page.goto(f"{live_server}/accounts/register")
        page.get_by_label("Your name").fill("Robin Trainer")
        page.get_by_label("Email address").fill("robin@corridors.example.org")
        page.get_by_label("Create a password").fill(PASSWORD)
        page.get_by_label("Type the password again").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("status")).to_contain_text("Your account is ready")

        page.get_by_role("contentinfo").get_by_role("link", name="list your training").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "List your organisation's training"
        )
        page.get_by_label("Name of the organisation").fill("Corridor Kindness Collective")
        page.get_by_label("Website (optional)").fill("https://corridors.example.org/")
        page.get_by_label("Contact email for enquiries").fill("training@corridors.example.org")
        page.get_by_label("About the organisation").fill(
            "Peer trainers and ward staff teaching relational practice together."
        )
        answer(page, "Is it a user-led organisation?", "Yes")
        page.get_by_role("button", name="Ask to list training").click()
        expect(page).to_have_url(f"{live_server}/provide/")
        expect(page.get_by_role("status")).to_contain_text("We will review")
        organisation = page.get_by_role("region", name=re.compile("Corridor Kindness Collective"))
        expect(organisation).to_contain_text("pending")
        expect(organisation.get_by_role("link", name=re.compile("^Add an offer"))).to_have_count(0)

        # A curator approves the organisation.
        desk = curator.new_page()
        log_in_through_the_form(desk, live_server, "curator@example.org")
        desk.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
        expect(desk.get_by_role("heading", level=1)).to_have_text("Review")
        desk.get_by_role("table", name=re.compile("^Organisations waiting")).get_by_role(
            "link", name="Corridor Kindness Collective"
        ).click()
        desk.get_by_role("button", name="Approve: let them list training").click()
        expect(desk.get_by_role("status")).to_contain_text(
            "Corridor Kindness Collective can now list training"
        )

        # The trainer adds an offer, gives it two dates, and submits it.
        page.reload()
        organisation = page.get_by_role("region", name=re.compile("Corridor Kindness Collective"))
        expect(organisation).to_contain_text("approved")
        organisation.get_by_role("link", name=re.compile("^Add an offer")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Add an offer")
        page.get_by_label("Title", exact=True).fill("Kindness in corridors for hospital porters")
        page.get_by_label("Summary", exact=True).fill(
            "Two co-delivered days on relational practice."
        )
        page.get_by_label("Full description").fill(
            "How porters can build trust in the few minutes they spend with patients."
        )
        answer(page, "Level on the escalator", "Awareness")
        page.get_by_label("Format", exact=True).select_option(label="Short course (several days)")
        answer(page, "Did people with lived experience help design this training?", "Yes")
        answer(page, "Is it delivered together with a trainer who has lived experience?", "Yes")
        answer(page, "Is it led by people with lived experience?", "No")
        answer(page, "Does it cost anything?", "It is free")
        page.get_by_role("button", name="Save as a draft").click()
        expect(page.get_by_role("status")).to_contain_text("Your offer is saved as a draft")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Kindness in corridors for hospital porters"
        )
        offer_url = page.url

        first, second = date.today() + timedelta(days=21), date.today() + timedelta(days=49)
        for start, venue in ((first, "Royal Infirmary, Leeds"), (second, "Guildhall, York")):
            page.get_by_role("link", name="Add dates").click()
            expect(page).to_have_url(re.compile(r"/sessions/new$"))
            page.get_by_label("Start date").fill(start.isoformat())
            page.get_by_label("End date").fill((start + timedelta(days=1)).isoformat())
            answer(page, "Is it online?", "No")
            page.get_by_label(re.compile("^Venue")).fill(venue)
            page.get_by_label("Region", exact=True).select_option(label="Yorkshire and the Humber")
            page.get_by_role("button", name="Save dates").click()
            expect(page.get_by_role("status")).to_contain_text("The dates are added")
        dates = page.get_by_role("table", name=re.compile("^Dates of"))
        expect(dates.locator("tbody tr")).to_have_count(2)

        page.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_role("status")).to_contain_text("Your offer is submitted")
        expect(page.get_by_role("main")).to_contain_text("submitted")

        # The curator reviews it and publishes it.
        desk.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
        desk.get_by_role("table", name=re.compile("^Offers waiting for review")).get_by_role(
            "link", name="Kindness in corridors for hospital porters"
        ).click()
        desk.get_by_role("button", name="Approve and publish").click()
        expect(desk.get_by_role("status")).to_contain_text("is published")

        page.goto(offer_url)
        expect(page.get_by_role("main")).to_contain_text("It is in the catalogue")

        # A practitioner searches and finds it, with both dates.
        reader = practitioner.new_page()
        reader.goto(f"{live_server}/")
        search = reader.get_by_role("search").get_by_role("searchbox", name="Search for training")
        search.fill("porters")
        search.press("Enter")
        found = reader.locator("ol.result-list > li").filter(
            has_text="Kindness in corridors for hospital porters"
        )
        expect(found).to_have_count(1)
        expect(found).to_contain_text("Corridor Kindness Collective")
        found.get_by_role("heading").get_by_role("link").click()
        expect(reader.get_by_role("heading", level=1)).to_have_text(
            "Kindness in corridors for hospital porters"
        )
        upcoming = reader.get_by_role("table", name=re.compile("^Upcoming dates for"))
        expect(upcoming.locator("tbody tr")).to_have_count(2)
        expect(upcoming).to_contain_text("Royal Infirmary, Leeds")
        expect(upcoming).to_contain_text("Guildhall, York")
    finally:
        curator.close()
        practitioner.close()


def test_the_page_for_new_dates_is_headed_add_dates(app, live_server, page):
    """Does "Add dates" lead to a page that says "Add dates", not "Change dates"?"""
    with app.app_context():
        member = gen_user("member@example.org", name="Morgan Member")
        slug = gen_offering(gen_provider(members=[member]), status="draft").slug
    log_in_through_the_form(page, live_server, "member@example.org")
    page.goto(f"{live_server}/provide/offers/{slug}/")
    page.get_by_role("link", name="Add dates").click()
    expect(page).to_have_url(re.compile(r"/sessions/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add dates", timeout=2000)


def test_a_learner_records_an_offer_and_takes_the_portfolio_away(app, live_server, page, tmp_path):
    """Register, find an awareness offer, record it, see the figures and the escalator change,
    and download the portfolio as a spreadsheet."""
    from openpyxl import load_workbook

    page.goto(f"{live_server}/accounts/register")
    page.get_by_label("Your name").fill("Robin Recorder")
    page.get_by_label("Email address").fill("robin@example.org")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your portfolio").click()
    expect(page.get_by_role("main")).to_contain_text("Nothing recorded yet")
    picture = page.get_by_role("img", name=re.compile("^Your escalator"))
    expect(picture).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("From your entries: Ground level")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find training").click()
    search = page.get_by_role("main").get_by_role("searchbox")
    search.fill("awareness")
    search.press("Enter")
    page.get_by_role("group", name="Escalator level").get_by_role(
        "checkbox", name=re.compile(r"^Awareness\b")
    ).check()
    page.get_by_role("button", name="Apply filters").click()
    first = page.get_by_role("article").first
    title = first.get_by_role("heading").inner_text()
    first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    page.get_by_role("link", name="I've done this: record it in your portfolio").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an activity")
    expect(page.get_by_label("What was the activity called?")).to_have_value(title)
    page.get_by_label("Start date").fill("2026-10-05")
    page.get_by_label("End date").fill("2026-10-06")
    page.get_by_label("Total hours").fill("13")
    page.get_by_label("Participatory hours").fill("12")
    page.get_by_label("Type of activity").select_option("course")
    page.get_by_role("group", name="Level on the escalator").get_by_role(
        "radio", name="Awareness", exact=True
    ).check()
    answer(page, "Was it delivered together with a trainer who has lived experience?", "Yes")
    answer(page, "Was it designed together with people with lived experience?", "No")
    page.get_by_label("What did you learn?").fill("To ask what happened, not what is wrong.")
    page.get_by_role("button", name="Save to your portfolio").click()

    expect(page.get_by_role("status")).to_contain_text("is in your portfolio")
    figures = page.get_by_role("region", name="Summary")
    expect(figures).to_contain_text("13")
    expect(figures).to_contain_text("100% of hours")
    expect(page.get_by_role("main")).to_contain_text("From your entries: Awareness")
    expect(picture).to_have_accessible_name(re.compile("^Your escalator"))
    expect(page.locator("#your-escalator-desc")).to_contain_text("Awareness, 13 hours")
    expect(page.get_by_role("table", name="Your activities, newest first")).to_contain_text(title)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="spreadsheet (.xlsx)").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.suffix == ".xlsx"
    book = load_workbook(path)
    activities = book["Activities"]
    titles = [row[0] for row in activities.iter_rows(min_row=2, values_only=True) if row[0]]
    assert title in titles


def test_a_stranger_checks_a_pdf_record_and_later_sees_it_revoked(
    app, live_server, page, browser, tmp_path
):
    """A learner downloads a PDF record; a stranger checks it with its code and finds it
    genuine; the learner revokes it; the stranger's next check says it was revoked."""
    import io

    from pypdf import PdfReader

    from tests.factories import gen_entry

    with app.app_context():
        learner = gen_user("kit@example.org", name="Kit Keeper")
        gen_entry(learner, title="Trauma-informed care day", learning="To slow down.")
        gen_entry(learner, title="Reflective practice group", hours=1.5, participatory_hours=1.5)
    page.goto(f"{live_server}/accounts/login")
    page.get_by_label("Email address").fill("kit@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your portfolio").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF record").click()
    pdf_path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(pdf_path)
    assert pdf_path.suffix == ".pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    assert "Kit Keeper" in text and "Trauma-informed care day" in text
    code = re.search(r"\(code ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})\)", text).group(1)

    stranger = browser.new_context(viewport=VIEWPORT).new_page()
    stranger.set_default_timeout(TIMEOUT_MS)
    try:
        stranger.goto(f"{live_server}/verify/")
        stranger.get_by_label("Verification code").fill(code.lower().replace("-", " "))
        stranger.get_by_role("button", name="Check this code").click()
        expect(stranger).to_have_url(f"{live_server}/verify/{code}")
        expect(stranger.get_by_role("main")).to_contain_text("Kit Keeper")
        stranger.get_by_label("The file you were given").set_input_files(pdf_path)
        stranger.get_by_role("button", name="Check", exact=True).click()
        expect(stranger.get_by_role("heading", name="Genuine")).to_be_visible()

        page.get_by_role("link", name="your issued records").click()
        row = page.get_by_role("row", name=re.compile(code))
        expect(row).to_contain_text("Valid")
        row.get_by_role("link", name=re.compile("^Revoke")).click()
        page.get_by_role("button", name="Revoke this record").click()
        expect(page.get_by_role("status")).to_contain_text(f"The record {code} is revoked")
        expect(page.get_by_role("row", name=re.compile(code))).to_contain_text("Revoked")

        stranger.goto(f"{live_server}/verify/{code}")
        expect(stranger.get_by_role("main")).not_to_contain_text("Kit Keeper")
        stranger.get_by_label("The file you were given").set_input_files(pdf_path)
        stranger.get_by_role("button", name="Check", exact=True).click()
        expect(stranger.get_by_role("heading", name="Revoked")).to_be_visible()
    finally:
        stranger.context.close()
