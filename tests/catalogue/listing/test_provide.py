"""Providers and curators through the web: onboarding, offer and date forms, the workflow."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from academy.catalogue.models import AuditEvent, Offering, OfferingSession, Provider
from academy.extensions import db
from academy.timeutil import today
from tests.conftest import csrf_token, submit
from tests.factories import gen_offering, gen_provider, gen_user

OFFER = {
    "title": "Relational practice in housing",
    "summary": "Two days on psychologically informed environments.",
    "description": "What a PIE is.\n\nHow to build one.",
    "level": "awareness",
    "format": "short_course",
    "audiences": ["housing_workers", "peer_workers"],
    "sectors": ["housing"],
    "ee_values": ["belonging", "safety"],
    "contact_hours": "12.5",
    "cpd_hours": "12",
    "credit_value": "",
    "credit_scheme": "",
    "academic_level": "",
    "cost": "paid",
    "cost_gbp": "149.99",
    "co_designed": "yes",
    "co_delivered": "yes",
    "lived_experience_led": "no",
    "co_production_statement": "Written and taught with residents.",
    "booking_url": "https://example.org/book",
    "reference": "PIE-1",
}


@pytest.fixture
def member(app, auth):
    """A logged-in member of the approved provider "Good Org"; returns the provider's slug."""
    with app.app_context():
        user = gen_user("member@example.org")
        slug = gen_provider("Good Org", members=[user]).slug
    auth.login("member@example.org")
    return slug


def post(client, url: str, form_url: str | None = None, **data):
    """Post to url with the CSRF token from the page at form_url (or url)."""
    return client.post(url, data={"csrf_token": csrf_token(client, form_url or url), **data})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def make_offer(client, **changes) -> str:
    """Create an offer through the form; returns its slug."""
    response = submit(client, "/provide/offers/new", {**OFFER, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rstrip("/").split("/")[-1]


def test_a_user_asks_to_list_training_and_a_curator_approves(app, client, auth):
    """Can a learner ask to list training, wait, and list offers once a curator approves?"""
    with app.app_context():
        gen_user("curator@example.org", curator=True)
    auth.register()
    assert client.get("/provide/").status_code == 403
    response = submit(
        client,
        "/provide/join",
        {
            "name": "Lived Voices CIC",
            "website": "https://livedvoices.example.org",
            "contact_email": "Hello@LivedVoices.example.org",
            "description": "A user-led training collective.",
            "user_led": "yes",
        },
    )
    assert response.headers["Location"] == "/provide/"
    page = client.get("/provide/").get_data(as_text=True)
    assert "reviewing your request" in page
    assert client.get("/provide/offers/new").status_code == 404
    assert client.get("/providers/lived-voices-cic").status_code == 404

    auth.logout()
    auth.login("curator@example.org")
    assert "Lived Voices CIC" in client.get("/review/").get_data(as_text=True)
    response = post(
        client, "/review/providers/lived-voices-cic/approve", "/review/providers/lived-voices-cic"
    )
    assert response.status_code == 302

    auth.logout()
    auth.login()
    assert client.get("/provide/offers/new").status_code == 200
    public = client.get("/providers/lived-voices-cic").get_data(as_text=True)
    assert "User-led organisation" in public
    with app.app_context():
        provider = db.session.scalar(select(Provider).where(Provider.slug == "lived-voices-cic"))
        assert provider.contact_email == "hello@livedvoices.example.org"
        assert provider.user_led is True


def test_a_declined_provider_sees_why_and_can_ask_again(app, client, auth):
    """Does a declined provider's member read the reason, and go back to pending on editing?"""
    with app.app_context():
        gen_user("curator@example.org", curator=True)
        user = gen_user("asker@example.org")
        gen_provider(
            "Maybe Org",
            status="pending",
            members=[user],
            contact_email="a@b.org",
            description="We run things.",
        )
    auth.login("curator@example.org")
    response = post(
        client,
        "/review/providers/maybe-org/decline",
        "/review/providers/maybe-org",
        **{"decline-reason": ""},
    )
    assert response.status_code == 400
    assert "Write a note for the provider." in response.get_data(as_text=True)
    response = post(
        client,
        "/review/providers/maybe-org/decline",
        "/review/providers/maybe-org",
        **{"decline-reason": "Tell us which training you offer."},
    )
    assert response.status_code == 302
    auth.logout()
    auth.login("asker@example.org")
    assert "Tell us which training you offer." in client.get("/provide/").get_data(as_text=True)
    response = submit(
        client,
        "/provide/providers/maybe-org/edit",
        {
            "name": "Maybe Org",
            "contact_email": "a@b.org",
            "user_led": "no",
            "description": "We run KUF Awareness days.",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        provider = db.session.scalar(select(Provider).where(Provider.slug == "maybe-org"))
        assert provider.status == "pending"


def test_an_empty_offer_form_says_what_is_missing_and_saves_nothing(app, client, member):
    """Does an empty offer form come back with each problem beside its field and in a summary?"""
    response = submit(client, "/provide/offers/new", {})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    for message in (
        "Enter a title.",
        "Choose a level.",
        "Choose a format.",
        "Answer yes or no.",
        "Say whether it is free.",
    ):
        assert message in page
    assert 'href="#title"' in page and 'id="title-error"' in page
    with app.app_context():
        assert count(Offering) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cost_gbp": ""}, "Enter the cost in pounds, for example 450."),
        ({"cost_gbp": "-5"}, "Enter a cost from £0.01 to £100,000."),
        ({"cost_gbp": "12.345"}, "Enter the cost in pounds and pence, like 12.50."),
        ({"cost_gbp": "lots"}, "Not a valid decimal value."),
        ({"credit_value": "15"}, "Choose the scheme the credit is in."),
        ({"credit_scheme": "cats"}, "Enter the number of credits too, or choose None."),
        ({"booking_url": "javascript:alert(1)"}, "Enter a web address like"),
        ({"level": "guru"}, "Not a valid choice."),
        ({"audiences": ["nurses", "wizards"]}, "not a valid choice"),
        ({"contact_hours": "-1"}, "Enter a number of hours from 0 to 10,000."),
        ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
    ],
    ids=[
        "no-cost",
        "negative-cost",
        "fraction-of-penny",
        "cost-text",
        "credit-no-scheme",
        "scheme-no-credit",
        "javascript-url",
        "unknown-level",
        "unknown-audience",
        "negative-hours",
        "long-title",
    ],
)
def test_bad_offer_values_get_clear_messages(app, client, member, changes, message):
    """Is each kind of bad value refused with a message, and nothing saved?"""
    response = submit(client, "/provide/offers/new", {**OFFER, **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert count(Offering) == 0


def test_an_offer_is_created_with_every_field(app, client, member):
    """Are all of an offer's fields saved, with a slug made from its title?"""
    slug = make_offer(client)
    assert slug == "relational-practice-in-housing"
    with app.app_context():
        offering = db.session.scalar(select(Offering).where(Offering.slug == slug))
        assert offering.status == "draft"
        assert offering.provider.slug == member
        assert offering.audiences == ["housing_workers", "peer_workers"]
        assert offering.sectors == ["housing"]
        assert offering.ee_values == ["belonging", "safety"]
        assert (offering.contact_hours, offering.cpd_hours) == (12.5, 12.0)
        assert offering.cost_pence == 14999
        assert (offering.co_designed, offering.co_delivered, offering.lived_experience_led) == (
            True,
            True,
            False,
        )
        assert offering.description == "What a PIE is.\n\nHow to build one."
        assert offering.reference == "PIE-1"
    # The same title again gets its own slug; the same reference is refused.
    assert make_offer(client, reference="PIE-2") == "relational-practice-in-housing-2"
    response = submit(client, "/provide/offers/new", OFFER)
    assert response.status_code == 400
    assert "already uses this reference" in response.get_data(as_text=True)


def test_free_offers_and_edits_round_trip_through_the_form(app, client, member):
    """Does the edit form show what is stored, and save a change to free?"""
    slug = make_offer(client)
    page = client.get(f"/provide/offers/{slug}/edit").get_data(as_text=True)
    assert 'value="149.99"' in page
    assert re.search(r'value="housing_workers" checked', page)
    response = submit(client, f"/provide/offers/{slug}/edit", {**OFFER, "cost": "free"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Offering.cost_pence).where(Offering.slug == slug)) == 0


def test_dates_are_added_changed_and_removed(app, client, member):
    """Can a provider add, change and remove an offer's dates, with clear errors?"""
    slug = make_offer(client)
    start = today() + timedelta(days=30)
    url = f"/provide/offers/{slug}/sessions/new"
    response = submit(
        client,
        url,
        {
            "starts_on": start.isoformat(),
            "ends_on": (start - timedelta(days=1)).isoformat(),
            "online": "no",
            "venue": "",
            "region": "",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in (
        "The end date must be the same as or after the start date.",
        "Enter the venue, or answer that it is online.",
        "Choose the region the venue is in.",
    ):
        assert message in page
    response = submit(client, url, {"starts_on": "31/13/2027", "ends_on": "", "online": "yes"})
    assert response.status_code == 400
    assert "Not a valid date value." in response.get_data(as_text=True)

    assert (
        submit(
            client,
            url,
            {
                "starts_on": start.strftime("%d/%m/%Y"),
                "ends_on": (start + timedelta(days=1)).isoformat(),
                "online": "no",
                "venue": "Friends House",
                "region": "london",
                "places": "20",
            },
        ).status_code
        == 302
    )
    assert (
        submit(
            client,
            url,
            {"starts_on": start.isoformat(), "ends_on": start.isoformat(), "online": "yes"},
        ).status_code
        == 302
    )
    with app.app_context():
        offering = db.session.scalar(select(Offering).where(Offering.slug == slug))
        sessions = [(s.id, s.venue, s.region, s.online, s.places) for s in offering.sessions]
        assert offering.regions == ["london", "online"]
    first_id = sessions[0][0] if sessions[0][1] else sessions[1][0]
    edit = f"/provide/offers/{slug}/sessions/{first_id}/edit"
    assert 'value="Friends House"' in client.get(edit).get_data(as_text=True)
    assert (
        submit(
            client,
            edit,
            {
                "starts_on": start.isoformat(),
                "ends_on": start.isoformat(),
                "online": "no",
                "venue": "Quaker Hall",
                "region": "wales",
            },
        ).status_code
        == 302
    )
    remove = f"/provide/offers/{slug}/sessions/{first_id}/remove"
    assert "Yes, remove these dates" in client.get(remove).get_data(as_text=True)
    assert post(client, remove).status_code == 302
    with app.app_context():
        offering = db.session.scalar(select(Offering).where(Offering.slug == slug))
        assert [(s.online, s.venue) for s in offering.sessions] == [(True, "")]
        assert offering.regions == ["online"]
        assert count(OfferingSession) == 1


def test_the_preview_shows_a_draft_as_the_public_will_see_it(app, client, member):
    """Does the preview render the public page of a draft, which the public cannot see?"""
    slug = make_offer(client)
    preview = client.get(f"/provide/offers/{slug}/preview").get_data(as_text=True)
    assert "Preview." in preview
    assert "Written and taught with residents." in preview
    assert "£149.99" in preview
    assert '<meta name="robots" content="noindex">' in preview
    assert client.get(f"/catalogue/{slug}").status_code == 404


def test_submit_return_resubmit_approve_withdraw_republish_unpublish(app, client, auth, member):
    """Does the whole workflow run through the pages, ending up findable in search?"""
    with app.app_context():
        gen_user("curator@example.org", curator=True)
    slug = make_offer(client, title="Mentalization for teams")
    assert (
        post(client, f"/provide/offers/{slug}/submit", f"/provide/offers/{slug}/").status_code
        == 302
    )
    # Submitting twice says why it cannot, rather than failing.
    response = post(client, f"/provide/offers/{slug}/submit", f"/provide/offers/{slug}/")
    assert "cannot be submitted for review now" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)

    auth.logout()
    auth.login("curator@example.org")
    review = f"/review/offers/{slug}"
    assert "Mentalization for teams" in client.get("/review/").get_data(as_text=True)
    assert post(client, f"{review}/return", review, **{"return-reason": ""}).status_code == 400
    assert (
        post(
            client, f"{review}/return", review, **{"return-reason": "Add the dates, please."}
        ).status_code
        == 302
    )

    auth.logout()
    auth.login("member@example.org")
    assert "Add the dates, please." in client.get(f"/provide/offers/{slug}/").get_data(as_text=True)
    assert (
        post(client, f"/provide/offers/{slug}/submit", f"/provide/offers/{slug}/").status_code
        == 302
    )

    auth.logout()
    auth.login("curator@example.org")
    assert post(client, f"{review}/approve", review).status_code == 302
    assert client.get(f"/catalogue/{slug}").status_code == 200
    found = client.get("/api/v1/offerings?q=mentalization").get_json()
    assert [item["slug"] for item in found["items"]] == [slug]

    auth.logout()
    auth.login("member@example.org")
    assert (
        post(client, f"/provide/offers/{slug}/withdraw", f"/provide/offers/{slug}/").status_code
        == 302
    )
    assert client.get(f"/catalogue/{slug}").status_code == 404
    assert (
        post(client, f"/provide/offers/{slug}/republish", f"/provide/offers/{slug}/").status_code
        == 302
    )
    assert client.get(f"/catalogue/{slug}").status_code == 200

    auth.logout()
    auth.login("curator@example.org")
    assert (
        post(
            client,
            f"{review}/unpublish",
            review,
            **{"unpublish-reason": "The booking page is gone."},
        ).status_code
        == 302
    )
    assert client.get(f"/catalogue/{slug}").status_code == 404
    history = client.get("/review/history").get_data(as_text=True)
    for label in (
        "Submitted for review",
        "Returned to the provider with notes",
        "Resubmitted for review",
        "Approved and published",
        "Withdrawn by the provider",
        "Republished by the provider",
        "Unpublished by a curator",
    ):
        assert label in history


def test_live_edits_stay_live_and_show_in_recently_changed(app, client, auth, member):
    """Does editing a published offer keep it live, and list the change for curators?"""
    with app.app_context():
        gen_user("curator@example.org", curator=True)
        provider = db.session.scalar(select(Provider).where(Provider.slug == member))
        slug = gen_offering(provider, title="Open talk", summary="Old words.").slug
    form = client.get(f"/provide/offers/{slug}/edit").get_data(as_text=True)
    assert "This offer is live" in form
    response = submit(
        client,
        f"/provide/offers/{slug}/edit",
        {**OFFER, "title": "Open talk", "summary": "New words.", "reference": ""},
    )
    assert response.status_code == 302
    assert "New words." in client.get(f"/catalogue/{slug}").get_data(as_text=True)
    auth.logout()
    auth.login("curator@example.org")
    dashboard = client.get("/review/").get_data(as_text=True)
    changed = dashboard[dashboard.index("Live offers changed") :]
    assert "Open talk" in changed and "Old words. → New words." in changed


def test_submitted_offers_wait_oldest_first(app, client, auth):
    """Are submitted offers listed for curators oldest first?"""
    with app.app_context():
        gen_user("curator@example.org", curator=True)
        for title, day in (("Newer offer", 3), ("Oldest offer", 1), ("Middle offer", 2)):
            offering = gen_offering(title=title, status="submitted")
            offering.submitted_at = datetime(2026, 1, day)
        db.session.commit()
    auth.login("curator@example.org")
    page = client.get("/review/").get_data(as_text=True)
    positions = [page.index(title) for title in ("Oldest offer", "Middle offer", "Newer offer")]
    assert positions == sorted(positions)


def test_members_are_added_and_removed(app, client, member):
    """Can a member add a registered user, not an unknown email, and remove a member?"""
    with app.app_context():
        colleague_id = gen_user("colleague@example.org", name="Colleague").id
    url = f"/provide/providers/{member}/"
    response = post(client, f"/provide/providers/{member}/members", url, email="nobody@example.org")
    assert response.status_code == 400
    assert "No account uses this email address." in response.get_data(as_text=True)
    assert (
        post(
            client, f"/provide/providers/{member}/members", url, email="Colleague@Example.org"
        ).status_code
        == 302
    )
    assert "colleague@example.org" in client.get(url).get_data(as_text=True)
    assert (
        post(client, f"/provide/providers/{member}/members/{colleague_id}/remove", url).status_code
        == 302
    )
    with app.app_context():
        provider = db.session.scalar(select(Provider).where(Provider.slug == member))
        assert [m.user.email for m in provider.members] == ["member@example.org"]
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.provider_id == provider.id)
        ).all()
        assert "provider.member_added" in actions and "provider.member_removed" in actions


def test_providers_see_their_own_history_only(app, client, member):
    """Does a provider's history list its own offers' events and not another provider's?"""
    with app.app_context():
        gen_offering(gen_provider("Other Org"), title="Someone else's offer")
    make_offer(client, title="Our own offer")
    page = client.get(f"/provide/providers/{member}/history").get_data(as_text=True)
    assert "Our own offer" in page and "Created the offer" in page
    assert "Someone else&#39;s offer" not in page and "Someone else's offer" not in page
    assert client.get("/provide/providers/other-org/history").status_code == 404
