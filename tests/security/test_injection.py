"""SQL injection and full-text syntax in every parameter the app reads from an address.

The search parameters come from SearchParams (a new one is tried at once); the
other GET parameters are listed below, and a test reads the app's source for
`request.args.get(...)` so a parameter read somewhere new fails until it is here.
Nothing may answer 500; an unknown value gets a 400 naming it (JSON on the API,
a page on /catalogue/); the text searched for never errors and finds only what
its words find; and the users table is still there, whole, afterwards.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import text

from academy.catalogue.search.params import SearchParams, query_terms
from academy.extensions import db

HOSTILE = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "1; DROP TABLE users; --",
    "'); DELETE FROM offerings; --",
    "1 UNION SELECT email, password_hash FROM users --",
    '"',
    '""',
    "'",
    "*",
    "NEAR(a b)",
    "a AND",
    "OR",
    "NOT",
    "AND OR NOT",
    "title:x",
    "^x",
    "(",
    ")",
    "-",
    ":",
    "\\",
    "%",
    "_",
    "%_%",
    "a & b | !c <-> d:*",
    "{{7*7}}",
    "x" * 5000,
    "word " * 300,
    "ünïcødé 日本語 🙂",
    "\u202e\u200b",
    "²",
    "\x00",
    "a\x00b",
    "\r\n",
]
SEARCH_PARAMETERS = [field.name for field in dataclasses.fields(SearchParams)]
#: Every other GET parameter, by the address that reads it, as the role that may.
OTHER_READERS = {
    "year": ("learner", "/portfolio/?year={v}"),
    "level": ("learner", "/portfolio/?level={v}"),
    "page": ("learner", "/portfolio/?page={v}"),
    "offering": ("learner", "/portfolio/entries/new?offering={v}"),
    "session": ("learner", "/portfolio/entries/new?offering={published}&session={v}"),
    "profile": ("learner", "/portfolio/export.csv?profile={v}"),
    "provider": ("member", "/provide/offers/new?provider={v}"),
    "next": ("anon", "/accounts/login?next={v}"),
    "v": ("anon", "/?v={v}"),
}
#: More addresses that read the same parameters (each checked like the first).
MORE_READERS = [
    ("learner", "/portfolio/record?profile={v}"),
    ("member", "/provide/import?provider={v}"),
    ("member", "/provide/providers/{p}/confirmations?page={v}"),
    ("anon", "/accounts/register?next={v}"),
]
#: Path segments are read too: slugs, codes, tokens, level keys.
PATHS = [
    ("anon", "/catalogue/{v}"),
    ("anon", "/catalogue/{v}.ics"),
    ("anon", "/providers/{v}"),
    ("anon", "/api/v1/offerings/{v}"),
    ("anon", "/escalator/{v}"),
    ("anon", "/verify/{v}"),
    ("anon", "/shared/{v}"),
    ("member", "/provide/offers/{v}/"),
    ("member", "/provide/providers/{v}/"),
    ("curator", "/review/offers/{v}"),
]


def test_every_parameter_the_app_reads_is_tried():
    """Is each `request.args.get(...)` in the app among the parameters tried here?"""
    source = "\n".join(p.read_text() for p in Path("academy").rglob("*.py"))
    read = set(re.findall(r"request\.args\.get\(\s*\"(\w+)\"", source))
    assert read and read <= set(OTHER_READERS)
    assert "read_search_args(request.args)" in source  # the search parameters, all tried


def get(client, url: str, value: str):
    """GET an address with the value put in, quoted as a browser would."""
    from urllib.parse import quote

    return client.get(url.replace("{v}", quote(value, safe="")))


@pytest.mark.parametrize("name", SEARCH_PARAMETERS)
def test_hostile_search_parameters_never_break_the_search(module_app, world, clients, name):
    """Is every hostile value of every search parameter a 200 or a 400 naming it, never a 500?"""
    anon = clients["anon"]
    limit = module_app.config["SEARCH_MAX_QUERY_LENGTH"]
    for value in HOSTILE:
        api = anon.get("/api/v1/offerings", query_string={name: value})
        page = anon.get("/catalogue/", query_string={name: value})
        assert api.status_code in (200, 400) and api.mimetype == "application/json", value
        assert page.status_code in (200, 400), (name, value, page.status_code)
        if name == "q" and len(value.strip()) <= limit:
            assert api.status_code == page.status_code == 200, value
        elif api.status_code == 400:
            message = api.get_json()["errors"][name]
            assert page.status_code == 400
            assert str(escape(message)) in page.get_data(as_text=True), message


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_search_text_finds_only_what_its_words_find(module_app, world, clients, value):
    """Does hostile search text find exactly what its plain words find, never everything?"""
    anon = clients["anon"]
    answer = anon.get("/api/v1/offerings", query_string={"q": value})
    if len(value.strip()) > module_app.config["SEARCH_MAX_QUERY_LENGTH"]:
        # Too long to search for at all: refused, naming the search text, so it finds nothing.
        assert answer.status_code == 400, value[:80]
        assert "too long" in answer.get_json()["errors"]["q"]
        assert "items" not in answer.get_json() and "total" not in answer.get_json()
    else:
        assert answer.status_code == 200, value
        everything = anon.get("/api/v1/offerings").get_json()["total"]
        found = answer.get_json()
        words = " ".join(query_terms(value))
        plain = anon.get("/api/v1/offerings", query_string={"q": words}).get_json()
        assert found["total"] == plain["total"]
        if query_terms(value):
            assert found["total"] < everything


def test_an_injection_finds_nothing_it_should_not():
    """Is `' OR '1'='1` only the word 1 to the search (the quotes and OR are not syntax)?"""
    assert query_terms("' OR '1'='1") == ["1"]
    assert query_terms("NEAR(a b) title:x ^x *") == ["near", "b", "title", "x"]


@pytest.mark.parametrize("name", sorted(OTHER_READERS))
def test_hostile_values_of_other_parameters_never_break_a_page(module_app, world, clients, name):
    """Is every hostile value of each other GET parameter answered without a 500?"""
    readers = [OTHER_READERS[name]] + [r for r in MORE_READERS if f"{name}={{v}}" in r[1]]
    for role, url in readers:
        url = url.replace("{p}", world["p"]).replace("{published}", world["published"])
        for value in HOSTILE:
            response = get(clients[role], url, value)
            assert response.status_code < 500, (url, value, response.status_code)


@pytest.mark.parametrize(("role", "path"), PATHS, ids=[p for _, p in PATHS])
def test_hostile_path_segments_never_break_a_page(module_app, world, clients, role, path):
    """Is every hostile slug, code or token answered without a 500 (mostly a 404)?"""
    for value in HOSTILE:
        response = get(clients[role], path, value)
        assert response.status_code < 500, (path, value, response.status_code)


def test_the_users_are_all_still_there(module_app, world, clients):
    """After every hostile string above, is the users table there with everyone in it?"""
    before = counts(module_app)
    for value in HOSTILE:
        clients["anon"].get("/catalogue/", query_string={"q": value, "provider": value})
        clients["anon"].get("/api/v1/offerings", query_string={"q": value, "sort": value})
    assert counts(module_app) == before
    assert before["users"] == 7 and before["offerings"] == 6


def counts(app) -> dict[str, int]:
    """How many users and offers there are, asked in plain SQL."""
    with app.app_context():
        return {
            table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("users", "offerings")
        }
