"""axe-core on every kind of page, in headless Chromium.

A violation of impact "serious" or "critical" fails the test; moderate and
minor ones are printed and listed in the run's summary ("axe-core
accessibility findings") without failing. The rules run are those tagged for
WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus axe's best practices.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from academy.accounts.operations import find_user
from academy.catalogue.models import Offering
from academy.catalogue.operations import decline_provider, update_offering
from academy.catalogue.workflow import return_offering, submit_offering
from academy.extensions import db
from academy.portfolios.confirmation import confirm, request_confirmation
from tests.conftest import PASSWORD
from tests.factories import gen_entry, gen_offering, gen_provider, gen_user

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": AXE_TAGS},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}

axe = Axe()


def demo_offering(app) -> tuple[str, str]:
    """The slugs of a demo offer showing as much of the offer page as possible, and its provider."""
    with app.app_context():
        offerings = db.session.scalars(
            select(Offering).where(Offering.status == "published").order_by(Offering.id)
        ).all()
        assert offerings, "the demo catalogue has no published offers"

        def richness(offering: Offering) -> int:
            return sum(
                bool(x)
                for x in (
                    offering.upcoming_sessions,
                    offering.booking_url,
                    offering.co_production_statement,
                    offering.credit_value,
                    offering.co_delivered,
                    offering.provider.user_led,
                )
            )

        chosen = max(offerings, key=richness)
        return chosen.slug, chosen.provider.slug


def log_in(page: Page, base: str, app, *, level: str | None = None) -> None:
    """Make an account and log in through the form."""
    with app.app_context():
        gen_user("axe@example.org", name="Alex Axe", self_assessed_level=level)
    page.goto(f"{base}/accounts/login")
    page.get_by_label("Email address").fill("axe@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged in")


def visit(path: str, status: int = 200) -> Callable:
    def go(page: Page, base: str, app) -> None:
        response = page.goto(base + path)
        assert response is not None and response.status == status, (path, response.status)

    return go


def offering_page(page: Page, base: str, app) -> None:
    slug, _ = demo_offering(app)
    visit(f"/catalogue/{slug}")(page, base, app)
    expect(page.get_by_role("link", name="Add these dates to your calendar")).to_be_visible()


def provider_page(page: Page, base: str, app) -> None:
    _, slug = demo_offering(app)
    visit(f"/providers/{slug}")(page, base, app)


def register_with_errors(page: Page, base: str, app) -> None:
    visit("/accounts/register")(page, base, app)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def profile_logged_in(page: Page, base: str, app) -> None:
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
    log_in(page, base, app, level="awareness")
    visit("/")(page, base, app)
    expect(page.get_by_role("heading", name="Training at your level: Awareness")).to_be_visible()


def search_with_errors(page: Page, base: str, app) -> None:
    response = page.goto(f"{base}/catalogue/?level=nonsense")
    assert response is not None and response.status < 500, response.status
    expect(page.get_by_role("alert")).to_be_visible()


def portfolio_world(app) -> dict:
    """The axe learner, with entries at several levels over two years; returns an entry id."""
    from datetime import timedelta

    from academy.accounts.operations import find_user
    from academy.portfolios.operations import create_entry
    from academy.timeutil import today

    with app.app_context():
        user = find_user("axe@example.org")
        ids = []
        for days, level, hours in (
            (20, "awareness", 6.5),
            (200, "understanding", 30),
            (500, None, 2),
        ):
            start = today() - timedelta(days=days)
            entry = create_entry(
                user,
                {
                    "title": f"Axe activity {days}",
                    "provider_name": "Axe trainers",
                    "starts_on": start,
                    "ends_on": start,
                    "hours": hours,
                    "participatory_hours": hours / 2,
                    "activity_type": "course",
                    "level": level,
                    "format": "workshop",
                    "co_delivered": level == "awareness",
                    "learning": "What I learnt.\n\nAnd more.",
                    "practice_change": "I listen first.",
                },
            )
            ids.append(entry.id)
        db.session.commit()
        return {"entry": ids[0]}


def as_learner_with_entries(path: str) -> Callable:
    """A portfolio page of a learner with entries; path takes {entry}."""

    def go(page: Page, base: str, app) -> None:
        log_in(page, base, app, level="understanding")
        world = portfolio_world(app)
        visit(path.format(**world))(page, base, app)

    return go


def portfolio_empty(page: Page, base: str, app) -> None:
    log_in(page, base, app)
    visit("/portfolio/")(page, base, app)
    expect(page.get_by_role("heading", name="Your portfolio", level=1)).to_be_visible()


def record_from_an_offer(page: Page, base: str, app) -> None:
    slug, _ = demo_offering(app)
    log_in(page, base, app)
    visit(f"/portfolio/entries/new?offering={slug}")(page, base, app)


def entry_with_errors(page: Page, base: str, app) -> None:
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
    log_in(page, base, app)
    visit("/portfolio/import")(page, base, app)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


MEMBER, CURATOR = "axe-provider@example.org", "axe-curator@example.org"
LEARNER = "axe-learner@example.org"


def provider_world(app) -> dict:
    """An organisation with offers in every status, history, and a curator with work waiting.

    Its member also belongs to one organisation waiting for review and one declined,
    so the listings page shows every state. Returns slugs and a session id.
    """
    with app.app_context():
        member = gen_user(MEMBER, name="Pat Provider")
        colleague = gen_user("axe-colleague@example.org", name="Chris Colleague")
        curator = gen_user(CURATOR, name="Cam Curator", curator=True)
        trust = gen_provider(
            "Axe Training Trust",
            members=[member, colleague],
            website="https://axe-trust.example.org/",
            contact_email="training@axe-trust.example.org",
            description="We teach relational practice.\n\nOur trainers have lived experience.",
        )
        waiting = gen_provider(
            "Axe Waiting Room",
            status="pending",
            members=[member],
            contact_email="hello@waiting.example.org",
            description="A charity that would like to list its reflective groups.",
        )
        declined = gen_provider("Axe Declined", status="pending", members=[member])
        decline_provider(declined, "We list relational-practice training only.", actor=curator)

        returned = gen_offering(
            trust, title="Axe returned offer", status="draft", sessions=[10, 40]
        )
        submit_offering(returned, actor=member)
        return_offering(returned, "Say who delivers each day.", actor=curator)
        submitted = gen_offering(
            trust, title="Axe submitted offer", status="draft", sessions=[20], co_delivered=True
        )
        submit_offering(submitted, actor=member)
        published = gen_offering(
            trust,
            title="Axe published offer",
            sessions=[30],
            co_designed=True,
            co_delivered=True,
            co_production_statement="Designed and taught with peer trainers.",
            booking_url="https://axe-trust.example.org/book",
        )
        update_offering(published, {"summary": "A changed summary."}, actor=member)
        gen_offering(trust, title="Axe withdrawn offer", status="withdrawn")
        learner = gen_user(LEARNER, name="Lee Learner")
        asked = gen_entry(learner, title="Axe asked", offering=published, session=None)
        request_confirmation(asked)
        confirmed = gen_entry(learner, title="Axe confirmed", offering=published)
        request_confirmation(confirmed)
        confirm(confirmed, trust, member, "We saw you on the day.")
        db.session.commit()
        return {
            "asked": asked.id,
            "confirmed": confirmed.id,
            "provider": trust.slug,
            "waiting": waiting.slug,
            "returned": returned.slug,
            "submitted": submitted.slug,
            "published": published.slug,
            "session": returned.sessions[0].id,
        }


def log_in_as(page: Page, base: str, email: str) -> None:
    """Log in through the form as someone the world already holds."""
    page.goto(f"{base}/accounts/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged in")


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
    as_member("/provide/providers/{provider}/confirmations/{asked}")(page, base, app)
    note = page.get_by_label(re.compile("note", re.I))
    note.evaluate("box => box.removeAttribute('maxlength')")  # as a script could
    note.fill("x" * 501)
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def issued_world(app, *, revoked: bool = False) -> dict:
    """The axe learner's entries, and a PDF record of them issued (and perhaps revoked)."""
    from academy.portfolios.pdf import record_pdf
    from academy.portfolios.records import (
        build_record,
        issue_record,
        revoke_record,
        scope_for,
        seal,
    )

    portfolio_world(app)
    with app.test_request_context():
        user = find_user("axe@example.org")
        record = build_record(user, scope_for(user, "nmc"))
        issued = issue_record(record, "pdf")
        body = record_pdf(record, f"http://localhost/verify/{issued.code}")
        seal(issued, body)
        if revoked:
            revoke_record(issued)
        db.session.commit()
        return {"record": issued.id, "code": issued.code, "body": body}


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


def share_world(app) -> dict:
    """The axe learner's entries and share links: live (whole and NMC), expired and withdrawn."""
    from datetime import timedelta

    from academy.portfolios.sharing import create_share, revoke_share

    portfolio_world(app)
    with app.app_context():
        user = find_user("axe@example.org")
        live, token = create_share(user, label="For my appraisal")
        nmc, nmc_token = create_share(user, label="For the NMC", profile_key="nmc")
        expired, expired_token = create_share(user, label="Old one", days=1)
        expired.expires_at -= timedelta(days=2)
        withdrawn, withdrawn_token = create_share(user, label="Sent by mistake")
        revoke_share(withdrawn)
        db.session.commit()
        return {
            "share": live.id,
            "token": token,
            "nmc_token": nmc_token,
            "expired_token": expired_token,
            "withdrawn_token": withdrawn_token,
        }


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

        from academy.portfolios.operations import choose_profiles
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
    with_record_profiles("/accounts/profile")(page, base, app)
    page.get_by_label("HCPC CPD").check()
    page.get_by_role("button", name="Save your records").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your HCPC renewal date")


def verify_with_errors(page: Page, base: str, app) -> None:
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
    log_in(page, base, app)
    visit("/provide/", status=403)(page, base, app)


def join_as_learner(page: Page, base: str, app) -> None:
    log_in(page, base, app)
    visit("/provide/join")(page, base, app)


def join_with_errors(page: Page, base: str, app) -> None:
    join_as_learner(page, base, app)
    page.get_by_role("button", name="Ask to list training").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def new_offer_with_errors(page: Page, base: str, app) -> None:
    as_member("/provide/offers/new")(page, base, app)
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def new_dates_with_errors(page: Page, base: str, app) -> None:
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
    as_member("/provide/import")(page, base, app)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


PAGES = {
    "home": visit("/"),
    "home-logged-in-with-level": home_with_a_level,
    "escalator": visit("/escalator/"),
    "escalator-level": visit("/escalator/awareness"),
    "catalogue": visit("/catalogue/"),
    "catalogue-results": visit("/catalogue/?q=awareness&level=awareness"),
    "catalogue-error-summary": search_with_errors,
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
}


def describe(violation: dict) -> str:
    """One violation: rule, impact, help, and each element it was found on."""
    lines = [
        f"- {violation['id']} ({violation['impact']}): {violation['help']}",
        f"  {violation['helpUrl']}",
    ]
    for node in violation["nodes"]:
        target = " ".join(str(part) for part in node["target"])
        lines.append(f"  * {target}")
        html = " ".join(node.get("html", "").split())
        if html:
            lines.append(f"      {html[:200]}")
        summary = " ".join((node.get("failureSummary") or "").split())
        if summary:
            lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_violations(name, app, live_server, page, axe_findings):
    PAGES[name](page, live_server, app)

    results = axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    axe_findings[f"{name} ({page.url.removeprefix(live_server)})"] = {
        "violations": violations,
        "needs review": results.response.get("incomplete", []),
    }

    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    others = [v for v in violations if v["impact"] not in FAILING_IMPACTS]
    if others:
        print(f"axe: {len(others)} moderate or minor violation(s) on {page.url}:")
        print("\n".join(describe(v) for v in others))
    assert not failing, (
        f"axe found {len(failing)} serious or critical violation(s) on {page.url}:\n"
        + "\n".join(describe(v) for v in failing)
    )


def test_axe_is_really_running(page, axe_findings):
    """A page with known faults, so a broken axe injection cannot pass every page silently."""
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    found = {
        v["id"]: v["impact"] for v in axe.run(page, options=AXE_OPTIONS).response["violations"]
    }
    assert found.get("image-alt") == "critical", found
    assert found.get("label") == "critical", found
    assert found.get("html-has-lang") == "serious", found


REFLOW_PAGES = [
    "home",
    "catalogue-results",
    "catalogue-error-summary",
    "offering",
    "register-with-errors",
    "profile-logged-in",
    "provide-offer-edit",
    "review-offer-submitted",
    "portfolio",
    "portfolio-entry-from-offer",
    "portfolio-import-preview-with-problems",
    "portfolio-record-printable-nmc",
    "verify-genuine",
    "provide-confirmation",
    "portfolio-shares",
    "shared",
    "profile-records-with-errors",
    "portfolio-with-progress",
]


@pytest.mark.parametrize("name", REFLOW_PAGES)
def test_reflows_at_320_css_pixels_without_sideways_scrolling(name, app, live_server, page):
    """WCAG 1.4.10 Reflow: at 320 CSS pixels wide, nothing needs scrolling in two directions."""
    page.set_viewport_size({"width": 320, "height": 800})
    PAGES[name](page, live_server, app)
    widths = page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            viewport: document.documentElement.clientWidth,
            wide: [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .filter(e => !e.closest('.visually-hidden, .skip-link'))
                .slice(0, 5)
                .map(e => e.outerHTML.slice(0, 120)),
        })"""
    )
    assert widths["page"] <= widths["viewport"], (
        f"{page.url} is {widths['page']}px wide at a {widths['viewport']}px viewport; "
        f"wider elements: {widths['wide']}"
    )
