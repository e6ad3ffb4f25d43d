"""XSS: hostile text typed into every text field of every form, and every page that shows it.

Each payload goes into every free-text field of a form at once, each copy
tagged with the field's name (`<payload> xentry3title`), through the real form
as the person who may send it; then every page that shows those fields is
read, as whoever sees it, and must show each value escaped and nothing raw
(see xss.problems). Fields that only take a shape (email, web address, days,
a code, a hash) get the payloads too: refused, and the form shown again safely.

The fields come from the form classes: a new text field is filled at once, and
the test fails until it is listed below and seen on a page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from academy.accounts.forms import ProfileForm, RegisterForm
from academy.catalogue.listing.forms import OfferingForm, ProviderForm, SessionForm
from academy.catalogue.review.forms import DeclineForm
from academy.extensions import db
from academy.portfolios.confirmation.operations import facts_code
from academy.portfolios.confirmation.provider_views import DecisionForm
from academy.portfolios.entries.forms import EntryForm
from academy.portfolios.models import PortfolioEntry
from academy.portfolios.sharing.forms import ShareForm
from tests.conftest import PASSWORD, csrf_token
from tests.security.conftest import token_for
from tests.security.posts import ENTRY_FIELDS, OFFERING_FIELDS, PROVIDER_FIELDS, SESSION_FIELDS
from tests.security.xss import (
    FREE,
    PAYLOADS,
    SHAPED,
    all_forms,
    jsonld_of,
    problems,
    strings_in,
    tagged,
    text_fields,
)

TRIES = list(enumerate(PAYLOADS))


def test_every_text_field_of_every_form_is_tried(module_app):
    """Is each text field of each of the app's forms listed as free text or as a shape?"""
    listed = {form: FREE.get(form, set()) | SHAPED.get(form, set()) for form in all_forms()}
    found = {form: text_fields(form) for form in all_forms()}
    assert {f.__name__: v for f, v in found.items() if v} == {
        f.__name__: v for f, v in listed.items() if v
    }


class Visit:
    """Read pages as the world's people, checking each for a run's values."""

    def __init__(self, clients: dict, values: dict[str, str]):
        """Clients by role; the run's values by field name."""
        self.clients = clients
        self.values = values
        self.seen: set[str] = set()

    def page(self, who, url: str, *fields: str, status: int = 200) -> str:
        """Read a page; it must be safe and show each named field's value escaped."""
        client = self.clients[who] if isinstance(who, str) else who
        response = client.get(url)
        return self.check(response, url, fields, status)

    def check(self, response, url: str, fields=(), status: int = 200) -> str:
        """Check a response already made (a form shown again, say)."""
        page = response.get_data(as_text=True)
        assert response.status_code == status, f"{url}: {response.status_code}"
        found = problems(page, self.values.values(), [self.values[f] for f in fields])
        assert not found, f"{url}: {found}"
        self.seen.update(fields)
        return page

    def post(self, who, url: str, data: dict, *, status: int = 302, form_page: str | None = None):
        """Send a form with its token, as a person would; the response (its page checked)."""
        client = self.clients[who] if isinstance(who, str) else who
        token = csrf_token(client, form_page) if form_page else token_for(client, who)
        response = client.post(url, data={"csrf_token": token, **data})
        if response.status_code != status:
            raise AssertionError(f"POST {url}: {response.status_code} {_text(response)[:3000]}")
        self.check(response, url, status=status)
        return response


def _text(response) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)


def values_for(form: type, number: int, payload: str, prefix: str = "") -> dict[str, str]:
    """Every free-text field of the form, holding the payload tagged with its name."""
    short = form.__name__.removesuffix("Form").lower()
    return {
        f"{prefix}{name}": tagged(payload, f"x{short}{number}{name.replace('_', '')}")
        for name in sorted(FREE[form])
    }


def issue_code(client) -> str:
    """Download the portfolio as JSON, as a learner would; the code it is issued with."""
    body = client.get("/portfolio/export.json").get_data(as_text=True)
    return re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", body).group(0)


def slug_from(response) -> str:
    """The offer's slug from a redirect to its provider page."""
    return urlsplit(response.headers["Location"]).path.split("/")[3]


@pytest.mark.parametrize(("number", "payload"), TRIES)
def test_a_name_is_shown_escaped(module_app, world, clients, number, payload):
    """Register and profile names: the profile, the record, a shared link, the provider's requests."""
    newcomer = module_app.test_client()
    values = values_for(RegisterForm, number, payload)
    visit = Visit(clients, values)
    form = {"email": f"newcomer{number}@example.org", "password": PASSWORD, "confirm": PASSWORD}
    visit.post(newcomer, "/accounts/register", {**form, **values}, form_page="/accounts/register")
    visit.page(newcomer, "/accounts/profile", "name")
    visit.page(newcomer, "/portfolio/record", "name")
    assert visit.seen == FREE[RegisterForm]

    values = values_for(ProfileForm, number, payload)
    visit = Visit(clients, values)
    visit.post("learner", "/accounts/profile", values)
    visit.page("learner", "/accounts/profile", "name")
    visit.page("learner", "/portfolio/record", "name")
    visit.page("anon", f"/shared/{world['share_token']}", "name")
    visit.page("member", f"/provide/providers/{world['p']}/confirmations", "name")
    visit.page("member", f"/provide/providers/{world['p']}/confirmations/{world['asked']}", "name")
    visit.page("anon", f"/verify/{issue_code(clients['learner'])}", "name")
    visit.values["member"] = tagged(payload, f"xmember{number}name")  # a member's own name
    visit.post("member", "/accounts/profile", {"name": visit.values["member"]})
    visit.page("member", f"/provide/providers/{world['p']}/", "member")
    visit.page("curator", f"/review/providers/{world['p']}", "member")
    again = module_app.test_client()
    form = {"email": "learner@example.org", "password": PASSWORD}
    visit.post(again, "/accounts/login", form, form_page="/accounts/login")
    visit.page(again, "/", "name")  # "You are logged in as <name>."
    assert visit.seen == FREE[ProfileForm] | {"member"}


@pytest.mark.parametrize(("number", "payload"), TRIES)
def test_a_portfolio_entry_is_shown_escaped(module_app, world, clients, number, payload):
    """Every text of an entry: the portfolio, the entry, its forms, the record, a shared link."""
    values = values_for(EntryForm, number, payload)
    visit = Visit(clients, values)
    entry = world["plain_entry"]
    visit.post("learner", f"/portfolio/entries/{entry}/edit", {**ENTRY_FIELDS, **values})
    visit.page("learner", f"/portfolio/entries/{entry}", *FREE[EntryForm])
    visit.page("learner", f"/portfolio/entries/{entry}/edit", *FREE[EntryForm])
    visit.page("learner", f"/portfolio/entries/{entry}/delete", "title")
    visit.page("learner", "/portfolio/", "title")
    visit.page("learner", "/portfolio/record", "title", "provider_name", "description")
    visit.page("anon", f"/shared/{world['share_token']}", "title", "provider_name")
    visit.page("anon", f"/verify/{issue_code(clients['learner'])}", "title", "provider_name")
    assert visit.seen == FREE[EntryForm]

    made = visit.post("learner", "/portfolio/entries/new", {**ENTRY_FIELDS, **values})
    visit.page("learner", made.headers["Location"], "title")  # "“<title>” is in your portfolio."


@pytest.mark.parametrize(("number", "payload"), TRIES)
def test_a_provider_is_shown_escaped(module_app, world, clients, number, payload):
    """An organisation's name and description: its public page, offers, search, API, curators."""
    values = values_for(ProviderForm, number, payload)
    visit = Visit(clients, values)
    p = world["p"]
    visit.post("member", f"/provide/providers/{p}/edit", {**PROVIDER_FIELDS, **values})
    visit.page("anon", f"/providers/{p}", "name", "description")
    offer = visit.page("anon", f"/catalogue/{world['published']}", "name")
    assert values["name"] in strings_in(jsonld_of(offer))
    visit.page("anon", "/catalogue/?q=published", "name")
    visit.page("member", "/provide/", "name")
    visit.page("member", f"/provide/providers/{p}/", "name", "description")
    visit.page("member", f"/provide/providers/{p}/edit", "name", "description")
    visit.page("member", f"/provide/providers/{p}/history", "name")
    visit.page("member", f"/provide/providers/{p}/confirmations", "name")
    visit.page("learner", f"/portfolio/entries/{world['asked']}", "name")
    visit.page("curator", f"/review/providers/{p}", "name", "description")
    api = clients["anon"].get("/api/v1/providers").get_json()
    assert values["name"] in [item["name"] for item in api["items"]]
    assert visit.seen == FREE[ProviderForm]


@pytest.mark.parametrize(("number", "payload"), TRIES)
def test_a_new_organisation_and_its_refusal_are_shown_escaped(
    module_app, world, clients, number, payload
):
    """Joining: the curators' queue and page; declining: the reason, on the applicant's page."""
    values = values_for(ProviderForm, number, payload)
    visit = Visit(clients, values)
    visit.post("learner2", "/provide/join", {**PROVIDER_FIELDS, **values})
    visit.page("learner2", "/provide/", "name")
    queue = visit.page("curator", "/review/", "name")
    slug = re.findall(r'href="/review/providers/([^"]+)"', queue)[-1]
    visit.page("curator", f"/review/providers/{slug}", "name", "description")
    assert visit.seen == FREE[ProviderForm]

    visit.values = values_for(DeclineForm, number, payload, prefix="decline-")
    visit.post("curator", f"/review/providers/{slug}/decline", visit.values)
    visit.values = {k.removeprefix("decline-"): v for k, v in visit.values.items()}
    visit.seen.clear()
    visit.page("learner2", "/provide/", "reason")
    visit.page("curator", "/review/history", "reason")
    assert visit.seen == FREE[DeclineForm]


@pytest.mark.parametrize(("number", "payload"), TRIES)
def test_an_offer_is_shown_escaped_from_draft_to_withdrawal(
    module_app, world, clients, number, payload
):
    """An offer and a date typed with the payload, returned, published and unpublished.

    Each step's pages: the provider's, the curators', and once published the public
    page with its JSON-LD, the search page, the provider page, the API and a learner's form.
    """
    offer = values_for(OfferingForm, number, payload)
    where = values_for(SessionForm, number, payload)
    visit = Visit(clients, {**offer, **where})
    made = visit.post(
        "member", f"/provide/offers/new?provider={world['p']}", {**OFFERING_FIELDS, **offer}
    )
    slug = slug_from(made)
    mine = f"/provide/offers/{slug}/"
    visit.post("member", f"{mine}sessions/new", {**SESSION_FIELDS, **where})
    visit.page("member", mine, "title", "venue")
    visit.page("member", f"{mine}edit", *FREE[OfferingForm])
    visit.page("member", f"{mine}preview", "title", "summary", "description", "venue")
    visit.page("member", "/provide/", "title")
    visit.post("member", f"{mine}submit", {})
    visit.page("curator", "/review/", "title")
    visit.page("curator", f"/review/offers/{slug}", *FREE[OfferingForm] - {"reference"}, "venue")

    reasons = {"reason": tagged(payload, f"xreturn{number}reason")}
    visit.values.update(reasons)
    visit.post("curator", f"/review/offers/{slug}/return", {"return-reason": reasons["reason"]})
    visit.page("member", mine, "reason")
    visit.page("member", f"/provide/providers/{world['p']}/history", "title", "reason")

    visit.post("member", f"{mine}submit", {})
    visit.post("curator", f"/review/offers/{slug}/approve", {})
    public = visit.page(
        "anon", f"/catalogue/{slug}", "title", "summary", "description", "venue",
        "co_production_statement",
    )  # fmt: skip
    (jsonld,) = jsonld_of(public)
    assert jsonld["name"] == offer["title"] and offer["summary"] in strings_in(jsonld)
    search = f"/catalogue/?q=xoffering{number}title"
    assert slug in visit.page("anon", search, "title", "summary")
    visit.page("anon", f"/providers/{world['p']}", "title")
    visit.page("anon", "/escalator/awareness", "title")
    visit.page("learner", f"/portfolio/entries/new?offering={slug}", "title")
    found = clients["anon"].get(f"/api/v1/offerings?q=xoffering{number}title").get_json()
    assert [item["title"] for item in found["items"]] == [offer["title"]]
    one = clients["anon"].get(f"/api/v1/offerings/{slug}")
    assert one.mimetype == "application/json" and one.get_json()["title"] == offer["title"]
    calendar = clients["anon"].get(f"/catalogue/{slug}.ics").get_data(as_text=True)
    assert all(re.match(r"^([A-Z-]+[;:]| )", line) for line in calendar.splitlines())

    reasons = {"reason": tagged(payload, f"xunpublish{number}reason")}
    visit.values.update(reasons)
    visit.post(
        "curator", f"/review/offers/{slug}/unpublish", {"unpublish-reason": reasons["reason"]}
    )
    visit.page("member", f"/provide/providers/{world['p']}/history", "reason")
    visit.page("curator", "/review/history", "title", "reason")
    assert visit.seen == FREE[OfferingForm] | FREE[SessionForm] | {"reason"}


@pytest.mark.parametrize(("number", "payload"), TRIES)
def test_a_share_label_and_a_providers_note_are_shown_escaped(
    module_app, world, clients, number, payload
):
    """A share link's label on the learner's pages; a provider's note on the learner's entry."""
    values = values_for(ShareForm, number, payload)
    visit = Visit(clients, values)
    made = visit.post("learner", "/portfolio/shares", {**values, "days": "30"}, status=200)
    visit.check(made, "/portfolio/shares (made)", ["label"])
    listing = visit.page("learner", "/portfolio/shares", "label")
    newest = max(int(n) for n in re.findall(r"/portfolio/shares/(\d+)/revoke", listing))
    visit.page("learner", f"/portfolio/shares/{newest}/revoke", "label")
    assert visit.seen == FREE[ShareForm]

    entry = world["asked"]
    token = token_for(clients["learner"], "learner")
    clients["learner"].post(f"/portfolio/entries/{entry}/confirmation", data={"csrf_token": token})
    with module_app.app_context():
        facts = facts_code(db.session.get(PortfolioEntry, entry))
    visit.values = values_for(DecisionForm, number, payload)
    visit.seen.clear()
    visit.post(
        "member",
        f"/provide/providers/{world['p']}/confirmations/{entry}/decline",
        {**visit.values, "facts": facts},
    )
    visit.page("learner", f"/portfolio/entries/{entry}", "note")
    assert visit.seen == FREE[DecisionForm]
