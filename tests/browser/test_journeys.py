"""Journeys through the app in a real browser, as a practitioner would take them.

Locators go by role and accessible name (get_by_role, get_by_label) wherever
they can: if a test finds a control that way, a screen reader user can too.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from icalendar import Calendar
from playwright.sync_api import expect

from tests.conftest import PASSWORD

DATE_IN_TEXT = re.compile(r"(\d{1,2}) ([A-Z][a-z]+) (\d{4})")


def last_date_in(text: str) -> date:
    """The last full date ("3 March 2027") in a cell such as "3–5 March 2027"."""
    found = DATE_IN_TEXT.findall(text)
    assert found, f"no date in {text!r}"
    day, month, year = found[-1]
    return datetime.strptime(f"{day} {month} {year}", "%d %B %Y").date()


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
    assert response.body() == body

    text = body.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR"), text[:80]
    assert text.rstrip().endswith("END:VCALENDAR"), text[-80:]
    calendar = Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert events, "the calendar file has no VEVENT"
    starts = [event.decoded("DTSTART") for event in events]
    starts = [value.date() if isinstance(value, datetime) else value for value in starts]
    assert max(starts) >= date.today(), starts


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
