"""A world for the security checks: six people, two organisations, a portfolio each.

The roles, in the order every table lists them:

- anon: not logged in;
- learner: a learner with entries, a share link, an issued record and a request
  for confirmation addressed to Good Practice Trust;
- learner2: another learner with the same things of their own (the Other Org asked);
- member: a member of Good Practice Trust, which owns the offers in every status;
- other: a member of Other Org, another approved organisation;
- curator: an Academy curator who belongs to no organisation.

Each role has its own test client, logged in once through the real form, so
switching role never touches a session cookie. Hashes are cheap (pbkdf2 with
1,000 rounds); logging in still checks them through the form.
"""

from __future__ import annotations

import io
import re
import shutil
from functools import partial
from urllib.parse import urlsplit

import pytest
from werkzeug.security import generate_password_hash

import academy.accounts.models
from academy import create_app
from academy.extensions import db
from academy.portfolios.confirmation.operations import facts_code, request_confirmation
from academy.portfolios.records.issued import build_record, issue_record, scope_for, seal
from academy.portfolios.sharing.operations import create_share, revoke_share
from tests.conftest import PG_URL, Auth, app_settings, csrf_token, release
from tests.factories import gen_entry, gen_offering, gen_provider, gen_user

ROLES = ("anon", "learner", "learner2", "member", "other", "curator")
EMAILS = {
    "learner": "learner@example.org",
    "learner2": "learner2@example.org",
    "member": "member@example.org",
    "other": "other@example.org",
    "curator": "curator@example.org",
}
LOGIN = "login"  # a 302 to /accounts/login?next=<the page asked for>
CSRF_REFUSAL = "we could not understand that request"  # templates/errors/400.html
CSRF_MISSING = "The CSRF token is missing."  # Flask-WTF's description, shown on that page
#: Rate limits are not what these tests check, and one client logs in many times.
SETTINGS = {"RATELIMIT_ENABLED": False}


def cheap_hashes(monkeypatch) -> None:
    """Hash test passwords with 1,000 rounds: only the cost changes, not the checking."""
    monkeypatch.setattr(
        academy.accounts.models,
        "generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1000"),
    )


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """Cheap hashes for every test here (module-scoped worlds set their own)."""
    cheap_hashes(monkeypatch)


def new_app(database_template, folder):
    """An app on a fresh copy of the migrated database (PostgreSQL: the one database)."""
    if PG_URL:
        return create_app(app_settings(database_template, **SETTINGS))
    path = folder / "academy.db"
    shutil.copyfile(database_template, path)
    return create_app(app_settings(f"sqlite:///{path}", **SETTINGS))


def build_world(app) -> dict:
    """Everyone in the tables and everything they own; the ids and slugs routes take."""
    with app.test_request_context():  # an issued record names its /verify/ address
        users = {
            role: gen_user(email, name=role.title(), curator=role == "curator")
            for role, email in EMAILS.items()
        }
        colleague = gen_user("colleague@example.org", name="Colleague")
        applicant = gen_user("applicant@example.org", name="Applicant")
        trust = gen_provider(
            "Good Practice Trust",
            slug="good-practice",
            members=[users["member"], colleague],
            contact_email="training@good.example.org",
            description="We teach relational practice.",
        )
        other = gen_provider("Other Org", slug="other-org", members=[users["other"]])
        pending = gen_provider(
            "Waiting Room", slug="waiting-room", status="pending", members=[applicant]
        )
        made = {
            status: gen_offering(trust, title=f"A {status} offer", status=status, sessions=[10])
            for status in ("draft", "submitted", "published", "withdrawn")
        }
        others_draft = gen_offering(other, title="Other's draft", status="draft", sessions=[10])
        others_course = gen_offering(other, title="Other's course", sessions=[10])
        asked = gen_entry(users["learner"], offering=made["published"])
        plain = gen_entry(users["learner"], title="A reading group")
        unasked = gen_entry(users["learner"], offering=made["published"])
        other_asked = gen_entry(users["learner2"], offering=others_course)
        for entry in (asked, other_asked):
            request_confirmation(entry)
        shares = {}
        for role in ("learner", "learner2"):
            link, token = create_share(users[role], label=f"{role}'s link", days=30)
            closed, closed_token = create_share(users[role], label="withdrawn", days=30)
            revoke_share(closed)
            shares[role] = (link.id, token, closed_token)
        records = {}
        for role in ("learner", "learner2"):
            record = build_record(users[role], scope_for(users[role], None))
            issued = issue_record(record, "json")
            seal(issued, b"{}")
            records[role] = (issued.id, issued.code)
        db.session.commit()
        return {
            "p": trust.slug,
            "other_p": other.slug,
            "pending_p": pending.slug,
            **{status: offering.slug for status, offering in made.items()},
            "other_draft": others_draft.slug,
            "other_course": others_course.slug,
            "session": made["draft"].sessions[0].id,
            "published_session": made["published"].sessions[0].id,
            "other_session": others_draft.sessions[0].id,
            "colleague": colleague.id,
            "entry": asked.id,
            "asked": asked.id,
            "asked_facts": facts_code(asked),
            "plain_entry": plain.id,
            "unasked": unasked.id,
            "other_entry": other_asked.id,
            "other_asked": other_asked.id,
            "share": shares["learner"][0],
            "share_token": shares["learner"][1],
            "closed_token": shares["learner"][2],
            "other_share": shares["learner2"][0],
            "other_share_token": shares["learner2"][1],
            "record": records["learner"][0],
            "code": records["learner"][1],
            "other_record": records["learner2"][0],
            "other_code": records["learner2"][1],
            "learner_id": users["learner"].id,
        }


def log_in_clients(app) -> dict:
    """A client per role, each logged in once through the form (anon stays out)."""
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anon":
            response = Auth(client).login(EMAILS[role])
            assert response.status_code == 302, f"{role} could not log in"
        clients[role] = client
    return clients


def token_for(client, role: str) -> str:
    """A CSRF token for the client's session, from a page every role can see."""
    return csrf_token(client, "/accounts/login" if role == "anon" else "/")


def snapshot(app) -> dict:
    """Every row of every table (login sessions aside: reading pages never changes them)."""
    with app.app_context():
        tables = [t for t in db.metadata.sorted_tables if t.name != "login_sessions"]
        return {
            table.name: [
                tuple(row)
                for row in db.session.execute(
                    db.select(*table.columns).order_by(*table.primary_key.columns)
                )
            ]
            for table in tables
        }


def to(path: str) -> str:
    """A table's cell for a 302 to a path of this site (with its #fragment, if any)."""
    return f"302 {path}"


def check_status(response, expected, path: str) -> str | None:
    """None if the response is what a table says, else what went wrong."""
    if isinstance(expected, str) and expected.startswith("302 "):
        location = urlsplit(response.headers.get("Location", ""))
        went = location.path + (f"#{location.fragment}" if location.fragment else "")
        if response.status_code == 302 and not location.netloc and went == expected[4:]:
            return None
        return f"expected a {expected}, got {response.status_code} {location.geturl()!r}"
    if expected == LOGIN:
        location = urlsplit(response.headers.get("Location", ""))
        asked = re.search(r"next=([^&]*)", location.query)
        if response.status_code == 302 and location.path == "/accounts/login" and asked:
            return None
        return f"expected a redirect to log in, got {response.status_code} {location.geturl()!r}"
    if response.status_code != expected:
        return f"expected {expected}, got {response.status_code}"
    return None


class AnyValue(dict):
    """Values for a path's placeholders: 1 for each (a slug or an id both match it)."""

    def __missing__(self, key):
        """1, whatever the placeholder."""
        return "1"


def endpoint_of(app, method: str, path: str) -> str:
    """The url_map endpoint a request for a table's path (placeholders and all) would reach."""
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(urlsplit(path.format_map(AnyValue())).path, method=method)
    return endpoint


def routes(app, method: str) -> set[str]:
    """Every endpoint in url_map that answers the method."""
    return {rule.endpoint for rule in app.url_map.iter_rules() if method in rule.methods}


OFFERS_CSV = (
    b"reference,title,summary,description,level,format,cost_gbp,"
    b"co_designed,co_delivered,lived_experience_led\r\n"
    b"IMP-1,An imported awareness day,One day.,What it covers.,awareness,workshop,free,"
    b"no,yes,no\r\n"
)
LOG_CSV = (
    b"Title,Start date,Hours,Participatory hours,Level\r\nA peer group,31/01/2026,2,2,Awareness\r\n"
)
CONFIRM_TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def upload_offers(client, provider: str, body: bytes = OFFERS_CSV):
    """A member's upload of offers to import: the preview page."""
    form = {
        "csrf_token": csrf_token(client, "/provide/import"),
        "provider": provider,
        "mode": "draft",
        "spreadsheet": (io.BytesIO(body), "offers.csv"),
    }
    return client.post("/provide/import", data=form)


def upload_log(client, body: bytes = LOG_CSV):
    """A learner's upload of a CPD log to import: the preview page."""
    form = {
        "csrf_token": csrf_token(client, "/portfolio/import"),
        "spreadsheet": (io.BytesIO(body), "log.csv"),
    }
    return client.post("/portfolio/import", data=form)


def confirm_token(response) -> str:
    """The token a preview's confirm button carries."""
    found = CONFIRM_TOKEN.search(response.get_data(as_text=True))
    assert found, f"no confirm button on the preview: {response.get_data(as_text=True)[:2000]}"
    return found.group(1)


@pytest.fixture(scope="module")
def module_app(database_template, tmp_path_factory):
    """One app and database for a module whose tests leave the world as they found it."""
    with pytest.MonkeyPatch.context() as patch:
        cheap_hashes(patch)
        app = new_app(database_template, tmp_path_factory.mktemp("security"))
        yield app
        release(app)


@pytest.fixture(scope="module")
def world(module_app) -> dict:
    """The module's world (see build_world)."""
    with pytest.MonkeyPatch.context() as patch:
        cheap_hashes(patch)
        return build_world(module_app)


@pytest.fixture(scope="module")
def clients(module_app, world) -> dict:
    """The module's logged-in client per role."""
    return log_in_clients(module_app)
