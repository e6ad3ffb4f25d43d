"""The data and log-ins the browser tests build pages from.

Each *_world function makes the rows a group of pages needs and returns the ids,
slugs and tokens those pages' addresses take. Log-ins go through the real form.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select

from academy.accounts.operations import find_user
from academy.catalogue.listing.workflow import return_offering, submit_offering
from academy.catalogue.models import Offering
from academy.catalogue.operations import decline_provider, update_offering
from academy.extensions import db
from academy.portfolios.confirmation.operations import confirm, request_confirmation
from tests.conftest import PASSWORD
from tests.factories import gen_entry, gen_offering, gen_provider, gen_user


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
    """Open path and check the status it answers with."""

    def go(page: Page, base: str, app) -> None:
        response = page.goto(base + path)
        assert response is not None and response.status == status, (path, response.status)

    return go


def portfolio_world(app) -> dict:
    """The axe learner, with entries at several levels over two years; returns an entry id."""
    from datetime import timedelta

    from academy.accounts.operations import find_user
    from academy.portfolios.entries.operations import create_entry
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


def issued_world(app, *, revoked: bool = False) -> dict:
    """The axe learner's entries, and a PDF record of them issued (and perhaps revoked)."""
    from academy.portfolios.records.issued import (
        build_record,
        issue_record,
        revoke_record,
        scope_for,
        seal,
    )
    from academy.portfolios.records.pdf import record_pdf

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


def share_world(app) -> dict:
    """The axe learner's entries and share links: live (whole and NMC), expired and withdrawn."""
    from datetime import timedelta

    from academy.portfolios.sharing.operations import create_share, revoke_share

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
