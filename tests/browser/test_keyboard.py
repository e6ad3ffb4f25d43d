"""Keyboard-only journeys, one for each kind of user, and no keyboard trap on any busy page.

Only keys: Tab and Shift+Tab to move, Enter and Space to follow and press, arrows
in radio groups and drop-down lists, and typing into whatever has the focus
(tests/browser/keyboard.py). A journey's first page is opened by its address, as
a person types it or follows a bookmark; everything after is by keyboard. At
every stop the focus must be visible and on screen; on the pages a journey
passes the first Tab stop is the skip link, which moves the focus to main.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from academy.catalogue.listing.workflow import submit_offering
from academy.extensions import db
from tests.browser.keyboard import (
    choose_option,
    choose_radio,
    focus_state,
    is_focused,
    press_enter_and_wait,
    skip_to_main,
    tab_through_the_page,
    tab_to,
    type_into,
)
from tests.browser.states import PAGES, state_params
from tests.browser.worlds import demo_offering
from tests.conftest import PASSWORD
from tests.factories import gen_offering, gen_provider, gen_user

# A busy page of each kind, tabbed through from top to bottom.
TRAP_CHECKED = [
    "home-as-learner",
    "catalogue-results",
    "offering",
    "accessibility-statement",
    "register",
    "portfolio",
    "portfolio-entry-edit",
    "portfolio-shares",
    "profile-with-records",
    "provide-offer-edit",
    "provide-provider",
    "review-offer-submitted",
    "review-dashboard",
    "verify-start",
]


def nav_link(page: Page, name: str):
    """A link in the header's main navigation."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def press_enter_on(page: Page, target) -> None:
    """Tab to a link or button, press Enter, and wait for the page it leads to."""
    tab_to(page, target, limit=200)
    press_enter_and_wait(page)


def assert_no_form_errors(page: Page) -> None:
    """The form went through: no error summary came back."""
    summary = page.locator(".error-summary")
    assert not summary.count(), f"the form came back with errors: {summary.inner_text()}"


def type_date(page: Page, field, day: date) -> None:
    """Tab to a date field and type the date into its parts (month, day, year in Chromium)."""
    tab_to(page, field, limit=80)
    page.keyboard.type(day.strftime("%m%d%Y"))
    expect(field).to_have_value(day.isoformat())


def log_in_by_keyboard(page: Page, base: str, email: str) -> None:
    """From the home page: the header's Log in link, then the form, all by keyboard."""
    page.goto(f"{base}/")
    press_enter_on(page, nav_link(page, "Log in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    skip_to_main(page)
    type_into(page, page.get_by_label("Email address"), email)
    type_into(page, page.get_by_label("Password"), PASSWORD)
    press_enter_and_wait(page)  # in a text field, Enter sends the form
    expect(page.get_by_role("status")).to_contain_text("You are logged in")


@pytest.mark.reads_only
def test_a_visitor_searches_filters_and_opens_an_offer(live_server, page):
    page.goto(f"{live_server}/")
    skip_to_main(page)
    search = page.get_by_role("main").get_by_role("searchbox", name="Search for training")
    type_into(page, search, "awareness")
    press_enter_and_wait(page)
    expect(page).to_have_url(re.compile(r"/catalogue/\?q=awareness"))

    skip_to_main(page)
    awareness = page.get_by_role("group", name="Escalator level").get_by_role(
        "checkbox", name=re.compile(r"^Awareness\b")
    )
    tab_to(page, awareness)
    page.keyboard.press("Space")
    expect(awareness).to_be_checked()
    press_enter_on(page, page.get_by_role("button", name="Apply filters"))
    expect(page).to_have_url(re.compile(r"level=awareness"))
    expect(page.get_by_label(re.compile(r"^Awareness\b"))).to_be_checked()

    skip_to_main(page)
    first = page.get_by_role("article").first.get_by_role("heading").get_by_role("link")
    title = first.inner_text()
    press_enter_on(page, first)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    stops = tab_through_the_page(page)
    assert "skip-link" in stops[0], stops[:3]


def test_a_learner_records_an_offer_and_downloads_and_shares_the_portfolio(app, live_server, page):
    slug, _ = demo_offering(app)
    with app.app_context():
        gen_user("kim@example.org", name="Kim Keys")
    log_in_by_keyboard(page, live_server, "kim@example.org")

    # Find the offer from the header's search, and record it.
    press_enter_on(page, nav_link(page, "Find training"))
    skip_to_main(page)
    type_into(page, page.get_by_role("main").get_by_role("searchbox"), "open dialogue")
    press_enter_and_wait(page)
    skip_to_main(page)
    result = page.get_by_role("main").locator(f"a[href='/catalogue/{slug}']").first
    title = result.inner_text()
    press_enter_on(page, result)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    press_enter_on(
        page, page.get_by_role("link", name="I've done this: record it in your portfolio")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an activity")
    expect(page.get_by_label("What was the activity called?")).to_have_value(title)

    skip_to_main(page)
    choose_option(page, page.get_by_label("Type of activity"), "Course")
    type_date(page, page.get_by_label("Start date"), date(2026, 10, 5))
    type_date(page, page.get_by_label("End date"), date(2026, 10, 6))
    type_into(page, page.get_by_label("Total hours"), "13")
    type_into(page, page.get_by_label("Participatory hours"), "12")
    choose_radio(page, page.get_by_role("group", name="Level on the escalator"), "Awareness")
    type_into(page, page.get_by_label("What did you learn?"), "To ask what happened.")
    press_enter_on(page, page.get_by_role("button", name="Save to your portfolio"))
    assert_no_form_errors(page)
    expect(page.get_by_role("status")).to_contain_text("is in your portfolio")

    # It is in the portfolio; download it, then make a share link.
    activities = page.get_by_role("table", name="Your activities, newest first")
    expect(activities).to_contain_text(title)
    tab_to(page, page.get_by_role("link", name="spreadsheet (.xlsx)"), limit=200)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".xlsx")

    press_enter_on(page, page.get_by_role("link", name="your share links"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Share your portfolio")
    skip_to_main(page)
    type_into(page, page.get_by_label("Label (optional)"), "For my appraisal")
    press_enter_on(page, page.get_by_role("button", name="Make the link"))
    assert_no_form_errors(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new share link")
    link = page.get_by_label("The link")
    tab_to(page, link)
    expect(link).to_have_value(re.compile(rf"^{re.escape(live_server)}/shared/"))

    # Whoever is given the link reads the entry.
    page.goto(link.input_value())
    expect(page.get_by_role("main")).to_contain_text(title)


def test_a_provider_member_adds_an_offer_with_dates_and_submits_it(app, live_server, page):
    with app.app_context():
        member = gen_user("morgan@example.org", name="Morgan Member")
        gen_provider("Keyboard Training Trust", members=[member])
    log_in_by_keyboard(page, live_server, "morgan@example.org")

    press_enter_on(page, nav_link(page, "Your listings"))
    skip_to_main(page)
    press_enter_on(page, page.get_by_role("link", name=re.compile("^Add an offer")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an offer")

    skip_to_main(page)
    type_into(page, page.get_by_label("Title", exact=True), "Listening on the ward by keyboard")
    type_into(page, page.get_by_label("Summary", exact=True), "A day on listening first.")
    type_into(page, page.get_by_label("Full description"), "What listening first looks like.")
    choose_radio(page, page.get_by_role("group", name="Level on the escalator"), "Awareness")
    choose_option(page, page.get_by_label("Format", exact=True), "Short course (several days)")
    for question, answer in (
        ("Did people with lived experience help design this training?", "Yes"),
        ("Is it delivered together with a trainer who has lived experience?", "Yes"),
        ("Is it led by people with lived experience?", "No"),
    ):
        choose_radio(page, page.get_by_role("group", name=question), answer)
    choose_radio(page, page.get_by_role("group", name="Does it cost anything?"), "It is free")
    press_enter_on(page, page.get_by_role("button", name="Save as a draft"))
    assert_no_form_errors(page)
    expect(page.get_by_role("status")).to_contain_text("Your offer is saved as a draft")

    press_enter_on(page, page.get_by_role("link", name="Add dates"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add dates")
    skip_to_main(page)
    start = date.today() + timedelta(days=30)
    type_date(page, page.get_by_label("Start date"), start)
    type_date(page, page.get_by_label("End date"), start)
    choose_radio(page, page.get_by_role("group", name="Is it online?"), "No")
    type_into(page, page.get_by_label(re.compile("^Venue")), "Guildhall, York")
    choose_option(page, page.get_by_label("Region", exact=True), "Yorkshire and the Humber")
    press_enter_on(page, page.get_by_role("button", name="Save dates"))
    assert_no_form_errors(page)
    expect(page.get_by_role("status")).to_contain_text("The dates are added")

    press_enter_on(page, page.get_by_role("button", name="Submit for review"))
    expect(page.get_by_role("status")).to_contain_text("Your offer is submitted")


def test_a_curator_reviews_and_publishes_a_submitted_offer(app, live_server, page):
    with app.app_context():
        member = gen_user("morgan@example.org", name="Morgan Member")
        gen_user("cass@example.org", name="Cass Curator", curator=True)
        offering = gen_offering(
            gen_provider("Keyboard Training Trust", members=[member]),
            title="Listening on the ward by keyboard",
            status="draft",
            sessions=[30],
        )
        submit_offering(offering, actor=member)
        db.session.commit()
    log_in_by_keyboard(page, live_server, "cass@example.org")

    press_enter_on(page, nav_link(page, "Review"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Review")
    skip_to_main(page)
    waiting = page.get_by_role("table", name=re.compile("^Offers waiting for review"))
    press_enter_on(page, waiting.get_by_role("link", name="Listening on the ward by keyboard"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Listening on the ward")

    skip_to_main(page)
    press_enter_on(page, page.get_by_role("button", name="Approve and publish"))
    expect(page.get_by_role("status")).to_contain_text("is published")


@pytest.mark.parametrize("name", state_params(TRAP_CHECKED))
def test_tabbing_through_the_whole_page_leaves_it_with_the_focus_always_visible(
    name, app, live_server, page
):
    PAGES[name](page, live_server, app)
    page.goto(page.url)  # a fresh load: the focus starts at the top of the document
    stops = tab_through_the_page(page)
    assert "skip-link" in stops[0], f"the first Tab stop is not the skip link: {stops[0]}"
    # After leaving the page, the next Tab comes back in at the skip link: no trap either way.
    page.keyboard.press("Tab")
    assert is_focused(page.get_by_role("link", name="Skip to main content")), focus_state(page)
