"""Who may see and do what under /provide/ and /review/, and what the public never sees.

The tables below are the access rules. Each row is one route; each column is
one role, and the cell is the status that role gets:

- anon: not logged in, sent to log in;
- learner: logged in, belongs to no organisation;
- member: a member of Good Practice Trust, which owns the offers in the table;
- other: a member of another approved organisation;
- applicant: a member of an organisation still waiting for approval;
- curator: an Academy curator who belongs to no organisation.

Anything that is not yours is a 404, never a 403, so guessing a slug or an id
reveals nothing; a 403 only tells a logged-in non-member how to join.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.security import generate_password_hash

import academy.accounts.models
from academy.accounts.models import User
from academy.catalogue.models import (
    AuditEvent,
    Offering,
    OfferingSession,
    OfferingTag,
    Provider,
    ProviderMember,
)
from academy.extensions import db
from academy.portfolios.confirmation.operations import facts_code, request_confirmation
from academy.portfolios.models import PortfolioEntry
from academy.timeutil import today
from tests.conftest import csrf_token
from tests.factories import gen_entry, gen_offering, gen_provider, gen_user

LOGIN = "login"  # a 302 to /accounts/login?next=<the page asked for>
ROLES = ("anon", "learner", "member", "other", "applicant", "curator")
EMAILS = {
    "learner": "learner@example.org",
    "member": "member@example.org",
    "other": "other@example.org",
    "applicant": "applicant@example.org",
    "curator": "curator@example.org",
}
CSRF_REFUSAL = "we could not understand that request"  # templates/errors/400.html


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """Hash test passwords cheaply: each test makes seven accounts and logs in six times.

    Only the cost of the hash changes; logging in still checks it through the form.
    """
    monkeypatch.setattr(
        academy.accounts.models,
        "generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1000"),
    )


def build_world(app) -> dict:
    """Everyone in the tables, and Good Practice Trust's offers in every status.

    Returns the slugs and ids the routes are written with.
    """
    with app.app_context():
        users = {
            role: gen_user(email, name=role.title(), curator=role == "curator")
            for role, email in EMAILS.items()
        }
        colleague = gen_user("colleague@example.org", name="Colleague")

        trust = gen_provider(
            "Good Practice Trust",
            slug="good-practice",
            members=[users["member"], colleague],
            contact_email="training@good.example.org",
            description="We teach relational practice.",
        )
        other = gen_provider("Other Org", slug="other-org", members=[users["other"]])
        pending = gen_provider(
            "Waiting Room", slug="waiting-room", status="pending", members=[users["applicant"]]
        )
        made = {
            status: gen_offering(trust, title=f"A {status} offer", status=status, sessions=[10])
            for status in ("draft", "submitted", "published", "withdrawn")
        }
        others = gen_offering(other, title="Other's draft", status="draft", sessions=[10])
        # A learner who asked each organisation to confirm they took part in its offer.
        attendee = gen_user("attendee@example.org", name="Attendee")
        asked = gen_entry(attendee, offering=made["published"])
        other_asked = gen_entry(attendee, offering=gen_offering(other, title="Other's course"))
        for entry in (asked, other_asked):
            request_confirmation(entry)
        db.session.commit()
        return {
            "p": trust.slug,
            "other_p": other.slug,
            "pending_p": pending.slug,
            **{status: offering.slug for status, offering in made.items()},
            "session": made["draft"].sessions[0].id,
            "other_session": others.sessions[0].id,
            "colleague": colleague.id,
            "asked": asked.id,
            "asked_facts": facts_code(asked),
            "other_asked": other_asked.id,
        }


def snapshot(app) -> dict:
    """Every row of the tables a state change could touch."""
    with app.app_context():
        models = (
            User,
            Provider,
            ProviderMember,
            Offering,
            OfferingSession,
            OfferingTag,
            AuditEvent,
            PortfolioEntry,
        )
        return {
            model.__tablename__: [
                tuple(row)
                for row in db.session.execute(
                    db.select(*model.__table__.columns).order_by(
                        *model.__table__.primary_key.columns
                    )
                )
            ]
            for model in models
        }


def log_in_as(client, auth, role: str) -> None:
    """Log out whoever was in, then log in as the role (anon stays out)."""
    with client.session_transaction() as session:
        session.clear()
    if role != "anon":
        response = auth.login(EMAILS[role])
        assert response.status_code == 302, f"{role} could not log in"


def token_for(client, role: str) -> str:
    """A CSRF token for the current session, from a page every role can see."""
    return csrf_token(client, "/accounts/login" if role == "anon" else "/")


def check_status(response, expected, path: str) -> str | None:
    """None if the response is what the table says, else what went wrong."""
    if expected == LOGIN:
        location = urlsplit(response.headers.get("Location", ""))
        asked = parse_qs(location.query).get("next", [None])[0]
        if response.status_code == 302 and location.path == "/accounts/login" and asked == path:
            return None
        return f"expected a redirect to log in, got {response.status_code} {location.geturl()!r}"
    if response.status_code != expected:
        return f"expected {expected}, got {response.status_code}"
    return None


def row(path: str, *statuses) -> pytest.param:
    """One line of a GET table: a path and the status for each role, in ROLES order."""
    assert len(statuses) == len(ROLES), path
    return pytest.param(path, dict(zip(ROLES, statuses, strict=True)), id=path)


# fmt: off
PROVIDE_GETS = [
    #                                                            anon   learner member other applicant curator
    row("/provide/",                                             LOGIN, 403,    200,   200,  200,      403),
    row("/provide/join",                                         LOGIN, 200,    200,   200,  200,      200),
    row("/provide/providers/{p}/",                               LOGIN, 403,    200,   404,  404,      403),
    row("/provide/providers/{p}/edit",                           LOGIN, 403,    200,   404,  404,      403),
    row("/provide/providers/{p}/history",                        LOGIN, 403,    200,   404,  404,      403),
    row("/provide/providers/{pending_p}/",                       LOGIN, 403,    404,   404,  200,      403),
    row("/provide/providers/{pending_p}/edit",                   LOGIN, 403,    404,   404,  200,      403),
    row("/provide/providers/no-such-provider/",                  LOGIN, 403,    404,   404,  404,      403),
    row("/provide/offers/new",                                   LOGIN, 403,    200,   200,  404,      403),
    row("/provide/offers/new?provider={p}",                      LOGIN, 403,    200,   404,  404,      403),
    row("/provide/offers/{draft}/",                              LOGIN, 403,    200,   404,  404,      403),
    row("/provide/offers/{submitted}/",                          LOGIN, 403,    200,   404,  404,      403),
    row("/provide/offers/{published}/",                          LOGIN, 403,    200,   404,  404,      403),
    row("/provide/offers/{withdrawn}/",                          LOGIN, 403,    200,   404,  404,      403),
    row("/provide/offers/{draft}/edit",                          LOGIN, 403,    200,   404,  404,      403),
    row("/provide/offers/{published}/edit",                      LOGIN, 403,    200,   404,  404,      403),
    row("/provide/offers/{draft}/preview",                       LOGIN, 403,    200,   404,  404,      403),
    row("/provide/offers/{draft}/sessions/new",                  LOGIN, 403,    200,   404,  404,      403),
    row("/provide/offers/{draft}/sessions/{session}/edit",       LOGIN, 403,    200,   404,  404,      403),
    row("/provide/offers/{draft}/sessions/{session}/remove",     LOGIN, 403,    200,   404,  404,      403),
    # Another organisation's date, reached through one of your own offers.
    row("/provide/offers/{draft}/sessions/{other_session}/edit", LOGIN, 403,    404,   404,  404,      403),
    row("/provide/offers/{draft}/sessions/{other_session}/remove", LOGIN, 403,  404,   404,  404,      403),
    row("/provide/offers/no-such-offer/",                        LOGIN, 403,    404,   404,  404,      403),
    row("/provide/import",                                       LOGIN, 403,    200,   200,  403,      403),
    row("/provide/import?provider={p}",                          LOGIN, 403,    200,   404,  403,      403),
    row("/provide/import/template.xlsx",                         LOGIN, 403,    200,   200,  403,      403),
    row("/provide/providers/{p}/confirmations",                  LOGIN, 403,    200,   404,  404,      403),
    row("/provide/providers/{p}/confirmations?page=2",           LOGIN, 403,    200,   404,  404,      403),
    row("/provide/providers/{pending_p}/confirmations",          LOGIN, 403,    404,   404,  404,      403),
    row("/provide/providers/{p}/confirmations/{asked}",          LOGIN, 403,    200,   404,  404,      403),
    # A request addressed to another organisation, through your own; yours, through theirs.
    row("/provide/providers/{p}/confirmations/{other_asked}",    LOGIN, 403,    404,   404,  404,      403),
    row("/provide/providers/{other_p}/confirmations/{asked}",    LOGIN, 403,    404,   404,  404,      403),
    row("/provide/providers/{p}/confirmations/999999",           LOGIN, 403,    404,   404,  404,      403),
]

REVIEW_GETS = [
    #                                                            anon   learner member other applicant curator
    row("/review/",                                              LOGIN, 404,    404,   404,  404,      200),
    row("/review/offers/{submitted}",                            LOGIN, 404,    404,   404,  404,      200),
    row("/review/offers/{draft}",                                LOGIN, 404,    404,   404,  404,      200),
    row("/review/offers/{published}",                            LOGIN, 404,    404,   404,  404,      200),
    row("/review/offers/no-such-offer",                          LOGIN, 404,    404,   404,  404,      404),
    row("/review/providers/{pending_p}",                         LOGIN, 404,    404,   404,  404,      200),
    row("/review/providers/{p}",                                 LOGIN, 404,    404,   404,  404,      200),
    row("/review/history",                                       LOGIN, 404,    404,   404,  404,      200),
]
# fmt: on


@pytest.mark.parametrize(("path", "expected"), PROVIDE_GETS + REVIEW_GETS)
def test_who_can_see_each_page(app, client, auth, path, expected):
    """Does each role get the status the table says for this page?"""
    world = build_world(app)
    url = path.format(**world)
    wrong = {}
    for role, status in expected.items():
        log_in_as(client, auth, role)
        problem = check_status(client.get(url), status, url)
        if problem:
            wrong[role] = problem
    assert not wrong, f"GET {url}: {wrong}"


@dataclass
class Post:
    """A state change: where it posts, what a person would fill in, who may and may not.

    `data` is a dict, or a function of the world's values for a form that holds a
    file or a value only known once `prepare` has run. `prepare` runs first, as the
    rightful role, and returns more values for the path and data. The rightful
    role's POST answers `succeeds` and, if `writes`, changes the database.
    """

    path: str
    data: dict | Callable[[dict], dict] = field(default_factory=dict)
    rightful: str | None = None
    refused: dict = field(default_factory=dict)
    succeeds: int = 302
    writes: bool = True
    prepare: Callable | None = None

    def form(self, world: dict) -> dict:
        """The fields to post, made afresh (a file can be read only once)."""
        return self.data(world) if callable(self.data) else dict(self.data)

    def setup(self, client, auth, world: dict, *, log_in: bool) -> tuple[str, dict]:
        """Run `prepare` as the rightful role; the URL and the world's values it adds to."""
        if self.prepare:
            if log_in:
                log_in_as(client, auth, self.rightful)
            world = {**world, **self.prepare(client, world)}
        return self.path.format(**world), world


def members_only(path: str, data: dict | Callable[[dict], dict] | None = None) -> Post:
    """A change only Good Practice Trust's members may make."""
    refused = {"anon": LOGIN, "learner": 403, "other": 404, "applicant": 404, "curator": 403}
    return Post(path, data or {}, rightful="member", refused=refused)


def curators_only(path: str, data: dict | None = None) -> Post:
    """A change only curators may make."""
    refused = {"anon": LOGIN, "learner": 404, "member": 404, "other": 404, "applicant": 404}
    return Post(path, data or {}, rightful="curator", refused=refused)


PROVIDER_FIELDS = {
    "name": "Brand New Trust",
    "contact_email": "hello@brand-new.example.org",
    "description": "We teach relational practice too.",
    "user_led": "no",
}
OFFERING_FIELDS = {
    "title": "A new awareness day",
    "summary": "One day on relational practice.",
    "description": "What it covers.",
    "level": "awareness",
    "format": "workshop",
    "cost": "free",
    "co_designed": "no",
    "co_delivered": "yes",
    "lived_experience_led": "no",
}
_start = today() + timedelta(days=30)
SESSION_FIELDS = {
    "starts_on": _start.isoformat(),
    "ends_on": (_start + timedelta(days=1)).isoformat(),
    "online": "no",
    "venue": "Friends Meeting House, Manchester",
    "region": "north_west",
}


def answer_form(world: dict) -> dict:
    """A provider's answer to a request, carrying the facts it answers about."""
    return {"facts": world["asked_facts"], "note": "Seen on our register."}


IMPORT_CSV = (
    b"reference,title,summary,description,level,format,cost_gbp,"
    b"co_designed,co_delivered,lived_experience_led\r\n"
    b"IMP-1,An imported awareness day,One day.,What it covers.,awareness,workshop,free,"
    b"no,yes,no\r\n"
)


def upload_form(world: dict) -> dict:
    """The import form filled in: Good Practice Trust's offers from a small CSV file."""
    return {
        "provider": world["p"],
        "mode": "draft",
        "spreadsheet": (io.BytesIO(IMPORT_CSV), "offers.csv"),
    }


def upload_for_preview(client, world: dict) -> dict:
    """Upload the file as a member would; the token the preview's confirm button carries."""
    form = {"csrf_token": csrf_token(client, "/provide/import"), **upload_form(world)}
    page = client.post("/provide/import", data=form).get_data(as_text=True)
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert found, f"no confirm button on the preview: {page[:2000]}"
    return {"import_token": found.group(1)}


POSTS = [
    Post("/provide/join", PROVIDER_FIELDS, rightful="learner", refused={"anon": LOGIN}),
    members_only("/provide/providers/{p}/edit", PROVIDER_FIELDS),
    members_only("/provide/providers/{p}/members", {"email": EMAILS["learner"]}),
    members_only("/provide/providers/{p}/members/{colleague}/remove"),
    members_only("/provide/offers/new?provider={p}", OFFERING_FIELDS),
    members_only("/provide/offers/{draft}/edit", OFFERING_FIELDS),
    members_only("/provide/offers/{draft}/sessions/new", SESSION_FIELDS),
    members_only("/provide/offers/{draft}/sessions/{session}/edit", SESSION_FIELDS),
    members_only("/provide/offers/{draft}/sessions/{session}/remove"),
    members_only("/provide/offers/{draft}/submit"),
    members_only("/provide/offers/{published}/withdraw"),
    members_only("/provide/offers/{withdrawn}/republish"),
    # Another organisation's date, through one of your own offers: nobody may.
    Post(
        "/provide/offers/{draft}/sessions/{other_session}/edit",
        SESSION_FIELDS,
        refused={"member": 404, "other": 404, "curator": 403},
    ),
    Post(
        "/provide/offers/{draft}/sessions/{other_session}/remove",
        refused={"member": 404, "other": 404, "curator": 403},
    ),
    members_only("/provide/providers/{p}/confirmations/{asked}/confirm", answer_form),
    members_only("/provide/providers/{p}/confirmations/{asked}/decline", answer_form),
    # Answering a request addressed to another organisation: nobody here may, by either slug.
    Post(
        "/provide/providers/{p}/confirmations/{other_asked}/confirm",
        answer_form,
        refused={"member": 404, "other": 404, "curator": 403},
    ),
    Post(
        "/provide/providers/{other_p}/confirmations/{asked}/confirm",
        answer_form,
        refused={"member": 404, "other": 404, "curator": 403},
    ),
    curators_only("/review/offers/{submitted}/approve"),
    curators_only("/review/offers/{submitted}/return", {"return-reason": "Add dates."}),
    curators_only("/review/offers/{published}/unpublish", {"unpublish-reason": "Broken link."}),
    curators_only("/review/providers/{pending_p}/approve"),
    curators_only("/review/providers/{pending_p}/decline", {"decline-reason": "Not training."}),
    # Uploading only shows a preview: nothing is written until the member confirms. Another
    # organisation's member gets a 404, as for any other organisation's slug.
    Post(
        "/provide/import",
        upload_form,
        rightful="member",
        refused={"anon": LOGIN, "learner": 403, "other": 404, "applicant": 403, "curator": 403},
        succeeds=200,
        writes=False,
    ),
    # Confirming a member's upload with its token: only that member, in their own session.
    Post(
        "/provide/import/confirm",
        lambda world: {"token": world["import_token"]},
        rightful="member",
        refused={"anon": LOGIN, "learner": 403, "other": 404, "applicant": 403, "curator": 403},
        prepare=upload_for_preview,
    ),
]
RIGHTFUL_POSTS = [post for post in POSTS if post.rightful]


@pytest.mark.parametrize("post", POSTS, ids=lambda post: post.path)
def test_who_cannot_make_each_change(app, client, auth, post):
    """Is each role without permission refused, with its CSRF token, and nothing changed?"""
    url, world = post.setup(client, auth, build_world(app), log_in=True)
    wrong = {}
    for role, expected in post.refused.items():
        log_in_as(client, auth, role)
        before = snapshot(app)
        response = client.post(
            url, data={"csrf_token": token_for(client, role), **post.form(world)}
        )
        problem = check_status(response, expected, url)
        if snapshot(app) != before:
            problem = f"{problem or response.status_code}; and the database changed"
        if problem:
            wrong[role] = problem
    assert not wrong, f"POST {url}: {wrong}"


@pytest.mark.parametrize("post", RIGHTFUL_POSTS, ids=lambda post: post.path)
def test_a_change_without_a_csrf_token_is_refused(app, client, auth, post):
    """Does a POST without its CSRF token, from the one who may make it, get a 400 and change nothing?"""
    world = build_world(app)
    log_in_as(client, auth, post.rightful)
    url, world = post.setup(client, auth, world, log_in=False)
    before = snapshot(app)
    response = client.post(url, data=post.form(world))
    assert response.status_code == 400, response.status_code
    assert CSRF_REFUSAL in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize("post", RIGHTFUL_POSTS, ids=lambda post: post.path)
def test_the_rightful_role_can_make_each_change(app, client, auth, post):
    """With its token, does the same POST work for the one who may make it?

    The control for the two tests above: the refusals are not down to bad data.
    """
    world = build_world(app)
    log_in_as(client, auth, post.rightful)
    url, world = post.setup(client, auth, world, log_in=False)
    before = snapshot(app)
    token = token_for(client, post.rightful)
    response = client.post(url, data={"csrf_token": token, **post.form(world)})
    assert response.status_code == post.succeeds, response.get_data(as_text=True)[:2000]
    if post.succeeds == 302:
        assert urlsplit(response.headers["Location"]).path != "/accounts/login"
    assert (snapshot(app) != before) == post.writes


PUBLIC_OFFER_URLS = ["/catalogue/{slug}", "/catalogue/{slug}.ics", "/api/v1/offerings/{slug}"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [("published", 200), ("draft", 404), ("submitted", 404), ("withdrawn", 404)],
)
@pytest.mark.parametrize("url", PUBLIC_OFFER_URLS)
def test_the_public_sees_only_published_offers(app, client, url, status, expected):
    """Is an offer's public page, calendar and API record there only once it is published?"""
    with app.app_context():
        slug = gen_offering(gen_provider(), status=status, sessions=[10]).slug
    assert client.get(url.format(slug=slug)).status_code == expected


@pytest.mark.parametrize(
    ("status", "expected"), [("approved", 200), ("pending", 404), ("declined", 404)]
)
def test_the_public_sees_only_approved_providers(app, client, status, expected):
    """Is a provider's public page there only once a curator has approved it?"""
    with app.app_context():
        slug = gen_provider("Some Organisation", status=status).slug
    assert client.get(f"/providers/{slug}").status_code == expected
