"""XSS: fields that take only a shape, web addresses, addresses and parameters, and imports.

A field that takes a shape (an email, a web address, a number of days, a code, a
hash) refuses hostile text and shows the form again with it escaped; a web
address that would run a script (`javascript:`...) is refused in every URL field
of every form; every page that reads a query parameter or a path segment shows
hostile values escaped, or not at all; and a spreadsheet cell holding one is
shown escaped in the import's preview.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
from wtforms import URLField

from academy.accounts.forms import LoginForm, RegisterForm
from academy.catalogue.listing.forms import MemberForm, OfferingForm, ProviderForm, SessionForm
from academy.portfolios.records.forms import CodeForm, VerifyForm
from academy.portfolios.sharing.forms import ShareForm
from tests.conftest import PASSWORD, csrf_token
from tests.security.conftest import upload_log, upload_offers
from tests.security.posts import OFFERING_FIELDS, PROVIDER_FIELDS, SESSION_FIELDS
from tests.security.xss import PAYLOADS, SHAPED, URL_PAYLOADS, all_forms, problems

#: Where each shaped field is sent from, as whom, with what else: (role, url, form page, data).
SENDS = {
    RegisterForm: (
        "anon",
        "/accounts/register",
        {"password": PASSWORD, "confirm": PASSWORD, "name": "Newcomer"},
    ),
    LoginForm: ("anon", "/accounts/login", {"password": PASSWORD}),
    ProviderForm: ("member", "/provide/providers/{p}/edit", PROVIDER_FIELDS),
    MemberForm: ("member", "/provide/providers/{p}/members", {}),
    OfferingForm: ("member", "/provide/offers/{draft}/edit", OFFERING_FIELDS),
    SessionForm: ("member", "/provide/offers/{draft}/sessions/new", SESSION_FIELDS),
    ShareForm: ("learner", "/portfolio/shares", {"label": "A link"}),
    CodeForm: ("anon", "/verify/", {}),
    VerifyForm: ("anon", "/verify/{code}", {}),
}
#: Where each form is shown, to take its token from (when not the address it posts to).
FORM_PAGES = {MemberForm: "/provide/providers/{p}/"}
SHAPED_FIELDS = sorted(
    ((form, name) for form, names in SHAPED.items() for name in names),
    key=lambda pair: (pair[0].__name__, pair[1]),
)
URL_FIELDS = sorted(
    (
        (form, name)
        for form in all_forms()
        for name in dir(form)
        if getattr(getattr(form, name), "field_class", None) is URLField
    ),
    key=lambda pair: (pair[0].__name__, pair[1]),
)


def send(world, clients, form, name: str, value: str):
    """Post the form with one field holding the value, as the role that would."""
    role, url, data = SENDS[form]
    url = url.format(**world)
    client = clients[role]
    token = csrf_token(client, FORM_PAGES.get(form, url).format(**world))
    return client.post(url, data={"csrf_token": token, **data, name: value})


def test_the_checks_catch_what_they_look_for():
    """Does a page check find raw markup, handlers, script links and broken JSON-LD (and pass clean ones)?"""
    value = '"><img src=x onerror=alert(1)>'
    assert problems(f"<p>{value}</p>", [value])
    assert problems("<p>fine</p>", [], ["x"])  # a value that should be shown, missing
    assert problems('<a href=" JavaScript:alert(1)">x</a>')
    assert problems('<svg onload="x()"></svg>')
    assert problems('<script type="application/ld+json">{"a": "</script><script>"}</script>')
    assert problems("<script>alert(1)</script>")
    escaped = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert not problems(f'<p title="{escaped}">{escaped}</p>', [value], [value])


def test_every_url_field_is_tried():
    """Is every web-address field of every form among the shaped fields sent below?"""
    assert URL_FIELDS
    assert set(URL_FIELDS) <= set(SHAPED_FIELDS)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize(
    ("form", "name"), SHAPED_FIELDS, ids=[f"{f.__name__}.{n}" for f, n in SHAPED_FIELDS]
)
def test_a_shaped_field_refuses_hostile_text_and_shows_it_escaped(
    module_app, world, clients, form, name, payload
):
    """Is hostile text in a shaped field refused, the form shown again safely?"""
    response = send(world, clients, form, name, payload)
    page = response.get_data(as_text=True)
    assert response.status_code in (400, 404), response.status_code
    assert not problems(page, [payload])


@pytest.mark.parametrize("address", URL_PAYLOADS)
@pytest.mark.parametrize(
    ("form", "name"), URL_FIELDS, ids=[f"{f.__name__}.{n}" for f, n in URL_FIELDS]
)
def test_a_web_address_that_runs_a_script_is_refused(
    module_app, world, clients, form, name, address
):
    """Is a javascript:, data: or scheme-less address refused in every URL field?"""
    response = send(world, clients, form, name, address)
    assert response.status_code == 400
    assert not problems(response.get_data(as_text=True), [address])


def test_a_web_address_with_markup_in_it_is_shown_escaped(module_app, world, clients):
    """Is an http address holding a quote and a tag (valid to the URL check) escaped in its href?"""
    address = 'https://evil.example/"><script>alert(1)</script>'
    data = {**PROVIDER_FIELDS, "website": address}
    member = clients["member"]
    url = f"/provide/providers/{world['p']}/edit"
    response = member.post(url, data={"csrf_token": csrf_token(member, url), **data})
    if response.status_code == 302:  # accepted: then shown escaped wherever it is a link
        page = clients["anon"].get(f"/providers/{world['p']}").get_data(as_text=True)
        assert not problems(page, [address])
        assert 'href="https://evil.example/&#34;&gt;&lt;script&gt;' in page
    else:
        assert response.status_code == 400


#: Addresses that read a query parameter or a path segment, with {v} for the hostile value.
READERS = [
    "/catalogue/?q={v}",
    "/catalogue/?level={v}&sector={v}&provider={v}&sort={v}&page={v}&starts_after={v}",
    "/catalogue/{v}",
    "/catalogue/{v}.ics",
    "/providers/{v}",
    "/escalator/{v}",
    "/accounts/login?next={v}",
    "/accounts/register?next={v}",
    "/verify/{v}",
    "/shared/{v}",
    "/portfolio/?level={v}&year={v}&page={v}",
    "/portfolio/entries/new?offering={v}",
    "/portfolio/export.csv?profile={v}",
    "/portfolio/record?profile={v}",
    "/provide/offers/new?provider={v}",
    "/provide/import?provider={v}",
    "/provide/providers/{p}/confirmations?page={v}",
    "/provide/offers/{v}/",
    "/review/offers/{v}",
]
READERS_AS = {"/portfolio": "learner", "/provide": "member", "/review": "curator"}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("reader", READERS)
def test_a_hostile_address_is_never_shown_raw(module_app, world, clients, reader, payload):
    """Does every page that reads the address show hostile values escaped, or not at all?"""
    role = next((r for prefix, r in READERS_AS.items() if reader.startswith(prefix)), "anon")
    url = reader.replace("{p}", world["p"]).replace("{v}", quote(payload, safe=""))
    response = clients[role].get(url)
    assert response.status_code < 500
    assert not problems(response.get_data(as_text=True), [payload]), url


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_search_box_shows_the_search_escaped(module_app, world, clients, payload):
    """Is the text searched for shown back in the search box, escaped?"""
    response = clients["anon"].get(f"/catalogue/?q={quote(payload, safe='')}")
    assert response.status_code == 200
    assert not problems(response.get_data(as_text=True), [payload], [payload.strip()])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_api_answers_hostile_values_in_json(module_app, world, clients, payload):
    """Does the API answer hostile parameters with JSON (never a page), naming them as data?"""
    response = clients["anon"].get("/api/v1/offerings", query_string={"level": payload})
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert "level" in response.get_json()["errors"]


def spreadsheet(header: list[str], row: list[str]) -> bytes:
    """A CSV file of one row, quoted as Excel would."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerow(row)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_offer_import_shows_hostile_cells_escaped(module_app, world, clients, payload):
    """In the provider's preview, is each text cell holding the payload shown escaped?"""
    header = ["reference", "title", "summary", "description", "level", "format", "cost_gbp"]
    header += ["co_designed", "co_delivered", "lived_experience_led"]
    cells = {name: f"{payload} x{name}" for name in ("reference", "title", "summary")}
    row = [*cells.values(), f"{payload} xdescription", "awareness", "workshop", "free"]
    row += ["no", "yes", "no"]
    response = upload_offers(clients["member"], world["p"], spreadsheet(header, row))
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    assert not problems(response.get_data(as_text=True), cells.values(), [cells["title"]])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_cpd_log_import_shows_hostile_cells_escaped(module_app, world, clients, payload):
    """In the learner's preview, is each text cell holding the payload shown escaped?"""
    header = ["Title", "Provider", "Start date", "Hours", "Participatory hours", "Level"]
    cells = {"Title": f"{payload} xtitle", "Provider": f"{payload} xprovider"}
    body = spreadsheet(header, [*cells.values(), "31/01/2026", "2", "2", "Awareness"])
    response = upload_log(clients["learner"], body)
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    # A leading ' before - = + @ is the mark an export puts on text that looks like a
    # formula: reading it back takes the mark off.
    title = cells["Title"].removeprefix("'") if payload[1:2] in "-=+@" else cells["Title"]
    assert not problems(response.get_data(as_text=True), cells.values(), [title])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_import_that_refuses_a_hostile_cell_says_so_escaped(module_app, world, clients, payload):
    """A cell the importer cannot read (a level, say): is its value escaped in the message?"""
    header = ["Title", "Start date", "Hours", "Participatory hours", "Level"]
    body = spreadsheet(header, ["A group", "31/01/2026", "2", "2", payload])
    response = upload_log(clients["learner"], body)
    assert response.status_code in (200, 400)
    assert not problems(response.get_data(as_text=True), [payload])
