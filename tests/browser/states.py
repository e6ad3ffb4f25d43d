"""Every kind of page, in every state worth checking, as each role that can see it.

PAGES maps a page state's name to a function that takes (page, base URL, app),
makes the data it needs, logs in as the right person and opens the page. The
accessibility, reflow and zoom tests run over them. READS_ONLY names the states
that write nothing (no log-in, no form that saves): their tests share a live
server and the demo catalogue (see tests/browser/conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from academy.accounts.operations import find_user
from academy.extensions import db
from tests.browser.worlds import (
    CURATOR,
    LEARNER,
    MEMBER,
    demo_offering,
    issued_world,
    log_in,
    log_in_as,
    portfolio_world,
    provider_world,
    share_world,
    visit,
)
from tests.factories import gen_provider, gen_user


def offering_page(page: Page, base: str, app) -> None:
    """The richest demo offer, with its dates."""
    slug, _ = demo_offering(app)
    visit(f"/catalogue/{slug}")(page, base, app)
    expect(page.get_by_role("link", name="Add these dates to your calendar")).to_be_visible()


def provider_page(page: Page, base: str, app) -> None:
    """The public page of that offer's provider."""
    _, slug = demo_offering(app)
    visit(f"/providers/{slug}")(page, base, app)


def register_with_errors(page: Page, base: str, app) -> None:
    """The registration form sent empty."""
    visit("/accounts/register")(page, base, app)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def profile_logged_in(page: Page, base: str, app) -> None:
    """A learner's profile page."""
    log_in(page, base, app)
    visit("/accounts/profile")(page, base, app)


def delete_account(*, wrong_password: bool) -> Callable:
    """The page that deletes an account: as it opens, or after a wrong password."""

    def go(page: Page, base: str, app) -> None:
        log_in(page, base, app)
        visit("/accounts/delete")(page, base, app)
        if wrong_password:
            page.get_by_label("Your password").fill("not the password")
            page.get_by_role("button", name="Delete my account").click()
            expect(page.get_by_role("alert")).to_contain_text("There is a problem")

    return go


def home_with_a_level(page: Page, base: str, app) -> None:
    """The home page of a learner who chose a level: suggestions at it and above."""
    log_in(page, base, app, level="awareness")
    visit("/")(page, base, app)
    expect(page.get_by_role("heading", name="Training at your level: Awareness")).to_be_visible()


def search_with_errors(page: Page, base: str, app) -> None:
    """A search with a filter value that cannot be used."""
    response = page.goto(f"{base}/catalogue/?level=nonsense")
    assert response is not None and response.status < 500, response.status
    expect(page.get_by_role("alert")).to_be_visible()


def as_learner_with_entries(path: str) -> Callable:
    """A portfolio page of a learner with entries; path takes {entry}."""

    def go(page: Page, base: str, app) -> None:
        log_in(page, base, app, level="understanding")
        world = portfolio_world(app)
        visit(path.format(**world))(page, base, app)

    return go


def search_with_errors_of_every_kind(page: Page, base: str, app) -> None:
    """A search whose address was edited by hand: a wrong value for each kind of parameter."""
    query = "level=nonsense&free=maybe&sort=oldest&starts_after=soon&page=two&provider=nobody"
    response = page.goto(f"{base}/catalogue/?q=awareness&{query}")
    assert response is not None and response.status < 500, response.status
    expect(page.get_by_role("alert")).to_contain_text("Sort by one of")


def portfolio_empty(page: Page, base: str, app) -> None:
    """The portfolio of a learner with nothing recorded."""
    log_in(page, base, app)
    visit("/portfolio/")(page, base, app)
    expect(page.get_by_role("heading", name="Your portfolio", level=1)).to_be_visible()


def record_from_an_offer(page: Page, base: str, app) -> None:
    """The entry form filled in from a catalogue offer."""
    slug, _ = demo_offering(app)
    log_in(page, base, app)
    visit(f"/portfolio/entries/new?offering={slug}")(page, base, app)


def entry_with_errors(page: Page, base: str, app) -> None:
    """The entry form sent back with errors."""
    log_in(page, base, app)
    visit("/portfolio/entries/new")(page, base, app)
    page.get_by_label("Total hours").fill("-3")
    page.get_by_role("button", name="Save to your portfolio").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


LOG_CSV = (
    "Title,Start date,Hours,Participatory hours,Level\r\n"
    "Axe reflective group,31/01/2026,2,2,Awareness\r\n"
    "Axe reading,01/02/2026,{hours},0,Not sure\r\n"
)


def log_preview(*, problems: bool) -> Callable:
    """The preview after a learner uploads their CPD log: clean, or with a row to fix."""

    def go(page: Page, base: str, app) -> None:
        log_in(page, base, app)
        visit("/portfolio/import")(page, base, app)
        text = LOG_CSV.format(hours="99" if problems else "1.5")
        page.get_by_label("Your CPD log").set_input_files(
            files=[{"name": "log.csv", "mimeType": "text/csv", "buffer": text.encode()}]
        )
        page.get_by_role("button", name="Upload and check").click()
        heading = "Fix the problems in your file" if problems else "Check what will be added"
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)

    return go


def log_upload_with_errors(page: Page, base: str, app) -> None:
    """The CPD-log upload sent with no file."""
    log_in(page, base, app)
    visit("/portfolio/import")(page, base, app)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def as_member(path: str) -> Callable:
    """A page under /provide/, seen by a member of the organisation; path takes the world's slugs."""

    def go(page: Page, base: str, app) -> None:
        world = provider_world(app)
        log_in_as(page, base, MEMBER)
        visit(path.format(**world))(page, base, app)

    return go


def as_asking_learner(path: str) -> Callable:
    """A portfolio page of a learner who asked the organisation to confirm two entries."""

    def go(page: Page, base: str, app) -> None:
        world = provider_world(app)
        log_in_as(page, base, LEARNER)
        visit(path.format(**world))(page, base, app)

    return go


def confirmation_note_too_long(page: Page, base: str, app) -> None:
    """A provider's confirmation with a note that is too long."""
    as_member("/provide/providers/{provider}/confirmations/{asked}")(page, base, app)
    note = page.get_by_label(re.compile("note", re.I))
    note.evaluate("box => box.removeAttribute('maxlength')")  # as a script could
    note.fill("x" * 501)
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def with_issued_record(path: str, *, revoked: bool = False) -> Callable:
    """A page about an issued record; path takes {record} and {code}."""

    def go(page: Page, base: str, app) -> None:
        log_in(page, base, app)
        world = issued_world(app, revoked=revoked)
        visit(path.format(**world))(page, base, app)

    return go


def verify_a_file(*, altered: bool) -> Callable:
    """A stranger checks the PDF, or a copy with one byte changed, at /verify/<code>."""

    def go(page: Page, base: str, app) -> None:
        log_in(page, base, app)
        world = issued_world(app)
        body = world["body"] + (b"%" if altered else b"")
        visit(f"/verify/{world['code']}")(page, base, app)
        page.get_by_label("The file you were given").set_input_files(
            {"name": "record.pdf", "mimeType": "application/pdf", "buffer": body}
        )
        page.get_by_role("button", name="Check", exact=True).click()
        expect(
            page.get_by_role("heading", name="Not the record issued" if altered else "Genuine")
        ).to_be_visible()

    return go


def with_shares(path: str, status: int = 200) -> Callable:
    """A page about share links; path takes {share} and the tokens."""

    def go(page: Page, base: str, app) -> None:
        log_in(page, base, app)
        world = share_world(app)
        visit(path.format(**world), status)(page, base, app)

    return go


def make_share(*, errors: bool) -> Callable:
    """The share-link form, sent with errors or made."""

    def go(page: Page, base: str, app) -> None:
        as_learner_with_entries("/portfolio/shares")(page, base, app)
        if errors:
            days = page.get_by_label("Days until the link stops working")
            days.evaluate("box => box.removeAttribute('type')")
            days.fill("abc")
        else:
            page.get_by_label("Label (optional)").fill("For my appraisal")
        page.get_by_role("button", name="Make the link").click()
        if errors:
            expect(page.get_by_role("alert")).to_contain_text("There is a problem")
        else:
            expect(page.get_by_role("heading", level=1)).to_contain_text("share link")

    return go


def with_record_profiles(path: str) -> Callable:
    """A page of the axe learner with entries and NMC and RCPsych records chosen."""

    def go(page: Page, base: str, app) -> None:
        from datetime import timedelta

        from academy.portfolios.entries.operations import choose_profiles
        from academy.timeutil import today

        log_in(page, base, app)
        portfolio_world(app)
        with app.app_context():
            choices = {"nmc": today() + timedelta(days=94), "rcpsych": None, "general": None}
            choose_profiles(find_user("axe@example.org"), choices)
            db.session.commit()
        visit(path)(page, base, app)

    return go


def records_form_with_errors(page: Page, base: str, app) -> None:
    """The records form sent with a profile ticked and no renewal date."""
    with_record_profiles("/accounts/profile")(page, base, app)
    page.get_by_label("HCPC CPD").check()
    page.get_by_role("button", name="Save your records").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your HCPC renewal date")


def verify_with_errors(page: Page, base: str, app) -> None:
    """The verification form sent with a code that is not one."""
    visit("/verify/")(page, base, app)
    page.get_by_label("Verification code").fill("not a code")
    page.get_by_role("button", name="Check this code").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def as_curator(path: str) -> Callable:
    """A page under /review/, seen by a curator; path takes the world's slugs."""

    def go(page: Page, base: str, app) -> None:
        world = provider_world(app)
        log_in_as(page, base, CURATOR)
        visit(path.format(**world))(page, base, app)

    return go


def choose_organisation(page: Page, base: str, app) -> None:
    """Adding an offer when you belong to two approved organisations asks which."""
    provider_world(app)
    with app.app_context():
        gen_provider("Axe Second Trust", members=[find_user(MEMBER)])
    log_in_as(page, base, MEMBER)
    visit("/provide/offers/new")(page, base, app)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Which organisation is the offer from?"
    )


def forbidden_to_learner(page: Page, base: str, app) -> None:
    """A learner who is nobody's member opening the providers' pages."""
    log_in(page, base, app)
    visit("/provide/", status=403)(page, base, app)


def join_as_learner(page: Page, base: str, app) -> None:
    """The form asking to list training, for a learner."""
    log_in(page, base, app)
    visit("/provide/join")(page, base, app)


def join_with_errors(page: Page, base: str, app) -> None:
    """That form sent empty."""
    join_as_learner(page, base, app)
    page.get_by_role("button", name="Ask to list training").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def new_offer_with_errors(page: Page, base: str, app) -> None:
    """A new offer saved with nothing filled in."""
    as_member("/provide/offers/new")(page, base, app)
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def new_dates_with_errors(page: Page, base: str, app) -> None:
    """New dates saved with nothing filled in."""
    as_member("/provide/offers/{returned}/sessions/new")(page, base, app)
    page.get_by_role("button", name="Save dates").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


IMPORT_CSV = (
    "reference,title,summary,description,level,format,cost_gbp,"
    "co_designed,co_delivered,lived_experience_led\r\n"
    "AXE-1,Axe imported day,One day.,What it covers.,awareness,workshop,free,no,yes,no\r\n"
    "AXE-2,Axe imported course,Three days.,What it covers.,{level},short_course,120,no,no,no\r\n"
)


def import_preview(*, problems: bool) -> Callable:
    """The preview after uploading a CSV file: clean, or with a row to fix."""

    def go(page: Page, base: str, app) -> None:
        as_member("/provide/import")(page, base, app)
        text = IMPORT_CSV.format(level="nonsense" if problems else "understanding")
        page.get_by_label("Spreadsheet").set_input_files(
            files=[{"name": "offers.csv", "mimeType": "text/csv", "buffer": text.encode()}]
        )
        page.get_by_role("button", name="Upload and check").click()
        heading = "Fix the problems in your file" if problems else "Check your import"
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)

    return go


def import_with_errors(page: Page, base: str, app) -> None:
    """A provider's import sent with no file."""
    as_member("/provide/import")(page, base, app)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def as_learner(path: str, status: int = 200, *, level: str | None = None) -> Callable:
    """A page anyone can see, seen by a logged-in learner (the header shows their links)."""

    def go(page: Page, base: str, app) -> None:
        log_in(page, base, app, level=level)
        visit(path, status)(page, base, app)

    return go


def offering_as_learner(page: Page, base: str, app) -> None:
    """The richest demo offer, seen by a logged-in learner."""
    log_in(page, base, app)
    offering_page(page, base, app)


def provider_as_learner(page: Page, base: str, app) -> None:
    """A provider's public page, seen by a logged-in learner."""
    log_in(page, base, app)
    provider_page(page, base, app)


def login_with_errors(page: Page, base: str, app) -> None:
    """The login form sent with a wrong password."""
    visit("/accounts/login")(page, base, app)
    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def password_with_errors(page: Page, base: str, app) -> None:
    """The change-password form sent with a wrong current password and a short new one."""
    log_in(page, base, app)
    visit("/accounts/password")(page, base, app)
    page.get_by_label("Your current password").fill("not the password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def to_a_stranger(path: str, status: int = 200) -> Callable:
    """A page for someone without an account: a share link or a record's check; path takes
    the share and issued-record worlds' tokens and codes."""

    def go(page: Page, base: str, app) -> None:
        with app.app_context():
            gen_user("axe@example.org", name="Alex Axe")
        world = {**share_world(app), **issued_world(app)}
        visit(path.format(**world), status)(page, base, app)

    return go


PAGES = {
    "home": visit("/"),
    "home-logged-in-with-level": home_with_a_level,
    "escalator": visit("/escalator/"),
    "escalator-level": visit("/escalator/awareness"),
    "catalogue": visit("/catalogue/"),
    "catalogue-results": visit("/catalogue/?q=awareness&level=awareness"),
    "catalogue-error-summary": search_with_errors,
    "catalogue-with-errors-of-every-kind": search_with_errors_of_every_kind,
    "offering": offering_page,
    "provider": provider_page,
    "login": visit("/accounts/login"),
    "register": visit("/accounts/register"),
    "register-with-errors": register_with_errors,
    "profile-logged-in": profile_logged_in,
    "provide-forbidden-to-a-learner": forbidden_to_learner,
    "provide-join": join_as_learner,
    "provide-join-with-errors": join_with_errors,
    "provide-dashboard": as_member("/provide/"),
    "provide-provider": as_member("/provide/providers/{provider}/"),
    "provide-provider-edit": as_member("/provide/providers/{provider}/edit"),
    "provide-provider-history": as_member("/provide/providers/{provider}/history"),
    "provide-offer-new": as_member("/provide/offers/new"),
    "provide-offer-new-with-errors": new_offer_with_errors,
    "provide-offer-new-choose-organisation": choose_organisation,
    "provide-offer": as_member("/provide/offers/{returned}/"),
    "provide-offer-published": as_member("/provide/offers/{published}/"),
    "provide-offer-edit": as_member("/provide/offers/{published}/edit"),
    "provide-offer-preview": as_member("/provide/offers/{returned}/preview"),
    "provide-session-new": as_member("/provide/offers/{returned}/sessions/new"),
    "provide-session-new-with-errors": new_dates_with_errors,
    "provide-session-edit": as_member("/provide/offers/{returned}/sessions/{session}/edit"),
    "provide-session-remove": as_member("/provide/offers/{returned}/sessions/{session}/remove"),
    "provide-import": as_member("/provide/import"),
    "provide-import-with-errors": import_with_errors,
    "provide-import-preview": import_preview(problems=False),
    "provide-import-preview-with-problems": import_preview(problems=True),
    "review-dashboard": as_curator("/review/"),
    "review-offer-submitted": as_curator("/review/offers/{submitted}"),
    "review-offer-published": as_curator("/review/offers/{published}"),
    "review-provider": as_curator("/review/providers/{waiting}"),
    "review-history": as_curator("/review/history"),
    "portfolio-empty": portfolio_empty,
    "portfolio": as_learner_with_entries("/portfolio/"),
    "portfolio-filtered": as_learner_with_entries("/portfolio/?level=awareness"),
    "portfolio-entry-from-offer": record_from_an_offer,
    "portfolio-entry-with-errors": entry_with_errors,
    "portfolio-entry": as_learner_with_entries("/portfolio/entries/{entry}"),
    "portfolio-entry-edit": as_learner_with_entries("/portfolio/entries/{entry}/edit"),
    "portfolio-entry-delete": as_learner_with_entries("/portfolio/entries/{entry}/delete"),
    "account-delete": delete_account(wrong_password=False),
    "account-delete-with-errors": delete_account(wrong_password=True),
    "portfolio-import": as_learner_with_entries("/portfolio/import"),
    "portfolio-import-with-errors": log_upload_with_errors,
    "portfolio-import-preview": log_preview(problems=False),
    "portfolio-import-preview-with-problems": log_preview(problems=True),
    "portfolio-records-none": as_learner_with_entries("/portfolio/records"),
    "portfolio-records": with_issued_record("/portfolio/records"),
    "portfolio-records-revoked": with_issued_record("/portfolio/records", revoked=True),
    "portfolio-record-revoke": with_issued_record("/portfolio/records/{record}/revoke"),
    "portfolio-record-printable": as_learner_with_entries("/portfolio/record"),
    "portfolio-record-printable-nmc": as_learner_with_entries("/portfolio/record?profile=nmc"),
    "verify-start": visit("/verify/"),
    "verify-start-with-errors": verify_with_errors,
    "verify-issued": with_issued_record("/verify/{code}"),
    "verify-genuine": verify_a_file(altered=False),
    "verify-altered": verify_a_file(altered=True),
    "verify-revoked": with_issued_record("/verify/{code}", revoked=True),
    "verify-unknown": visit("/verify/7KQ2-M9XD-4HTR-BN3P", status=404),
    "portfolio-entry-confirmation-asked": as_asking_learner("/portfolio/entries/{asked}"),
    "portfolio-entry-confirmed": as_asking_learner("/portfolio/entries/{confirmed}"),
    "portfolio-entry-confirmed-edit": as_asking_learner("/portfolio/entries/{confirmed}/edit"),
    "portfolio-with-confirmed-entry": as_asking_learner("/portfolio/"),
    "provide-confirmations": as_member("/provide/providers/{provider}/confirmations"),
    "provide-confirmation": as_member("/provide/providers/{provider}/confirmations/{asked}"),
    "provide-confirmation-with-errors": confirmation_note_too_long,
    "portfolio-shares-none": as_learner_with_entries("/portfolio/shares"),
    "portfolio-shares": with_shares("/portfolio/shares"),
    "portfolio-share-with-errors": make_share(errors=True),
    "portfolio-share-made": make_share(errors=False),
    "portfolio-share-withdraw": with_shares("/portfolio/shares/{share}/revoke"),
    "shared": with_shares("/shared/{token}"),
    "shared-nmc": with_shares("/shared/{nmc_token}"),
    "shared-expired": with_shares("/shared/{expired_token}", 410),
    "shared-withdrawn": with_shares("/shared/{withdrawn_token}", 410),
    "shared-unknown": visit("/shared/piij9OYht5g5MyZW-54aEhT361QmpqBG2WbbSuDJqRc", 404),
    "profile-with-records": with_record_profiles("/accounts/profile"),
    "profile-records-with-errors": records_form_with_errors,
    "portfolio-with-progress": with_record_profiles("/portfolio/"),
    "not-found": visit("/no-such-page", status=404),
    "not-found-as-learner": as_learner("/no-such-page", status=404),
    "method-not-allowed": visit("/accounts/logout", status=405),
    "accessibility-statement": visit("/accessibility"),
    "accessibility-statement-as-learner": as_learner("/accessibility"),
    "home-as-learner": as_learner("/"),
    "home-as-provider-member": as_member("/"),
    "home-as-curator": as_curator("/"),
    "escalator-as-learner": as_learner("/escalator/"),
    "escalator-level-as-learner": as_learner("/escalator/understanding", level="awareness"),
    "catalogue-results-as-learner": as_learner("/catalogue/?q=awareness"),
    "catalogue-results-as-curator": as_curator("/catalogue/?q=axe"),
    "offering-as-learner": offering_as_learner,
    "offering-as-provider-member": as_member("/catalogue/{published}"),
    "provider-as-learner": provider_as_learner,
    "login-with-errors": login_with_errors,
    "account-password": as_learner("/accounts/password"),
    "account-password-with-errors": password_with_errors,
    "verify-start-as-learner": as_learner("/verify/"),
    "verify-issued-to-a-stranger": to_a_stranger("/verify/{code}"),
    "shared-to-a-stranger": to_a_stranger("/shared/{token}"),
    "provide-offer-submitted": as_member("/provide/offers/{submitted}/"),
    "review-offer-returned": as_curator("/review/offers/{returned}"),
}

#: The states that only read: opened by an anonymous visitor, every form they send refused.
READS_ONLY = frozenset(
    {
        "home",
        "escalator",
        "escalator-level",
        "catalogue",
        "catalogue-results",
        "catalogue-error-summary",
        "catalogue-with-errors-of-every-kind",
        "offering",
        "provider",
        "login",
        "login-with-errors",
        "register",
        "register-with-errors",
        "verify-start",
        "verify-start-with-errors",
        "verify-unknown",
        "shared-unknown",
        "not-found",
        "method-not-allowed",
        "accessibility-statement",
    }
)


def state_params(names) -> list:
    """The named states as pytest parameters, those in READS_ONLY marked reads_only."""
    return [
        pytest.param(name, id=name, marks=[pytest.mark.reads_only] if name in READS_ONLY else [])
        for name in names
    ]
