"""No N+1 queries anywhere: every page runs a fixed, pinned number of SQL statements.

Every page type is asked for in a world with 2 of every related thing
(offers, dates, tags, members, entries, requests, records, links...), then
again after a second world with 12 of each is added. The number of statements
must be the same both times, and equal to the number pinned in PAGES, so a
loop that loads one row at a time fails here the day it is written. A page
whose count changes for a good reason gets its new number pinned, with the
reason in the commit.

Building the worlds takes seconds, so it happens once for the module: the
`measured` fixture builds the small world, asks for every page, adds the large
world, asks for every page again, and each page's test then checks what was
counted. Every GET route is either in PAGES or in NOT_PAGES, with why: a new
page cannot be added without a pinned count.
"""

from __future__ import annotations

import re
import shutil
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import event
from werkzeug.security import generate_password_hash

import academy.accounts.models
from academy import create_app
from academy.catalogue.listing.workflow import submit_offering
from academy.catalogue.operations import update_offering
from academy.extensions import db
from academy.portfolios.confirmation.operations import confirm, request_confirmation
from academy.portfolios.entries.operations import choose_profiles
from academy.portfolios.records.issued import build_record, issue_record, scope_for, seal
from academy.portfolios.sharing.operations import create_share
from academy.reference import reference
from academy.timeutil import today
from tests.conftest import PG_URL, Auth, app_settings, release
from tests.factories import gen_entry, gen_offering, gen_provider, gen_user

SMALL, LARGE = SIZES = (2, 12)
#: Statements a test harness may wrap a test in; never the page's own work.
HARNESS = re.compile(r"\s*(SAVEPOINT|RELEASE|ROLLBACK\s+TO)\b", re.IGNORECASE)


@contextmanager
def count_queries(app):
    """Collect the SQL statements the app's engine runs inside the block."""
    statements: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not HARNESS.match(statement):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


# --- the data ---------------------------------------------------------------------------


def build_world(size: int) -> dict:
    """`size` of every related thing, with people and organisations of its own.

    Sam is a learner (at the awareness step) and a member of `size`
    organisations, the first of them Trust. Trust has `size` colleagues of
    Sam's; `size` published offers, each with a past date, `size` upcoming
    ones and `size` tags of each facet, and each edited live by Sam; `size`
    more at the next step up, and `size` submitted for review; and a request to
    confirm attendance from each colleague. Curators have `size` organisations
    asking to join, and one more with `size` members. Sam has `size` entries
    from Trust's offers (some confirmed), `size` of their own, up to four
    record profiles, `size` issued records and `size` share links (and one for
    a profile). Returns the values the URLs are written with.
    """
    tag = f"w{size}"
    ref = reference()
    sam = gen_user(f"sam-{tag}@example.org", name=f"Sam {tag}", self_assessed_level="awareness")
    curator = gen_user(f"curator-{tag}@example.org", name=f"Curator {tag}", curator=True)
    colleagues = [gen_user(name=f"Colleague {tag} {i}") for i in range(size)]
    trust = gen_provider(f"Trust {tag}", members=[sam, *colleagues], contact_email="t@example.org")
    for i in range(size - 1):
        partner = gen_provider(f"Partner {tag} {i}", members=[sam])
        gen_offering(partner, title=f"Partner {tag} {i} course", sessions=[15])
    published = [
        gen_offering(
            trust,
            title=f"Relational practice {tag} {i}",
            sectors=ref.sectors.keys[:size],
            audiences=ref.audiences.keys[:size],
            ee_values=ref.ee_values.keys[:size],
            co_delivered=True,
            sessions=[-30, *(10 + 7 * day for day in range(size))],
        )
        for i in range(size)
    ]
    for item in published:  # live edits, which curators see on /review/
        update_offering(item, {"summary": f"Edited by Sam in {tag}."}, actor=sam)
    for i in range(size):
        gen_offering(trust, title=f"Understanding {tag} {i}", level="understanding", sessions=[20])
        draft = gen_offering(trust, title=f"Submitted {tag} {i}", status="draft", sessions=[30])
        submit_offering(draft, actor=sam)
    gen_offering(trust, title=f"Draft {tag}", status="draft")
    applicant = gen_user(name=f"Applicant {tag}")
    for i in range(size):
        gen_provider(f"Applicant {tag} {i}", status="pending", members=[applicant])
    waiting = gen_provider(f"Waiting {tag}", status="pending", members=colleagues)

    entries = []
    for i, item in enumerate(published):
        entry = gen_entry(
            sam,
            title=f"{item.title} (attended)",
            offering=item,
            session=item.sessions[0],
            learning="What I learnt.",
        )
        request_confirmation(entry)
        if i % 2 == 0:
            confirm(entry, trust, colleagues[i], "You were there.")
        entries.append(entry)
    for i in range(size):
        gen_entry(sam, title=f"Reading group {tag} {i}", practice_change="What changed.")
    requests = []
    for colleague, item in zip(colleagues, published, strict=True):
        requests.append(gen_entry(colleague, offering=item, session=item.sessions[0]))
        request_confirmation(requests[-1])
    choose_profiles(
        sam,
        {key: today() + timedelta(days=200) for key in ("nmc", "hcpc", "swe", "rcpsych")[:size]},
    )
    db.session.commit()

    records = []
    for _ in range(size):
        records.append(issue_record(build_record(sam, scope_for(sam, None)), "json"))
        seal(records[-1], b"the file")
    links = [create_share(sam, label=f"Link {tag} {i}") for i in range(size)]
    _, nmc_token = create_share(sam, label=f"For revalidation {tag}", profile_key="nmc")
    db.session.commit()
    return {
        "users": {"sam": sam.email, "curator": curator.email},
        "provider": trust.slug,
        "pending": waiting.slug,
        "offer": published[0].slug,
        "session": published[0].sessions[1].id,
        "entry": entries[0].id,
        "request": requests[-1].id,
        "record": records[0].id,
        "code": records[0].code,
        "share": links[0][0].id,
        "token": links[-1][1],
        "nmc_token": nmc_token,
    }


# --- the pages --------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page type: its route, a URL for it in a world, who asks, and its pinned count."""

    rule: str
    url: str  # formatted with build_world()'s values
    who: str | None  # "sam", "curator", or None for nobody logged in
    queries: int
    marks: tuple = ()  # (pytest.mark.xfail(reason=..., strict=True),) for a known N+1

    @property
    def id(self) -> str:
        """Who asks for which URL: the test's id."""
        return f"{self.who or 'anon'} {self.url}"

    def param(self):
        return pytest.param(self, id=self.id, marks=self.marks)


# fmt: off
PAGES = [
    # Public pages and the API, for anybody.
    Page("/", "/", None, 1),
    Page("/", "/", "sam", 9),
    Page("/catalogue/", "/catalogue/", None, 3),
    Page("/catalogue/", "/catalogue/?level=awareness&sector=health&co_delivered=1", None, 3),
    Page("/catalogue/", "/catalogue/?q=relational+practice&sort=soonest", None, 3),
    Page("/catalogue/<slug>", "/catalogue/{offer}", None, 5),
    Page("/catalogue/<slug>.ics", "/catalogue/{offer}.ics", None, 5),
    Page("/escalator/", "/escalator/", None, 1),
    Page("/escalator/<level_key>", "/escalator/awareness", None, 7),
    Page("/escalator/<level_key>", "/escalator/awareness", "sam", 9),
    Page("/providers/<slug>", "/providers/{provider}", None, 5),
    Page("/api/v1/offerings", "/api/v1/offerings", None, 4),
    Page("/api/v1/offerings", "/api/v1/offerings?q=practice&level=awareness", None, 4),
    Page("/api/v1/offerings/<slug>", "/api/v1/offerings/{offer}", None, 5),
    Page("/api/v1/levels", "/api/v1/levels", None, 1),
    Page("/api/v1/providers", "/api/v1/providers", None, 2),
    Page("/api/v1/openapi.json", "/api/v1/openapi.json", None, 1),
    Page("/accessibility", "/accessibility", None, 0),
    Page("/verify/", "/verify/", None, 0),
    Page("/verify/<code>", "/verify/{code}", None, 1),
    Page("/shared/<path:token>", "/shared/{token}", None, 5),
    Page("/shared/<path:token>", "/shared/{nmc_token}", None, 5),
    # Accounts.
    Page("/accounts/register", "/accounts/register", None, 0),
    Page("/accounts/login", "/accounts/login", None, 0),
    Page("/accounts/profile", "/accounts/profile", "sam", 3),
    Page("/accounts/password", "/accounts/password", "sam", 2),
    Page("/accounts/data.json", "/accounts/data.json", "sam", 14),
    Page("/accounts/delete", "/accounts/delete", "sam", 4),
    # A learner's portfolio.
    Page("/portfolio/", "/portfolio/", "sam", 12),
    Page("/portfolio/entries/<int:entry_id>", "/portfolio/entries/{entry}", "sam", 5),
    Page("/portfolio/entries/<int:entry_id>/edit", "/portfolio/entries/{entry}/edit", "sam", 4),
    Page("/portfolio/entries/<int:entry_id>/delete", "/portfolio/entries/{entry}/delete", "sam", 3),
    Page("/portfolio/entries/new", "/portfolio/entries/new", "sam", 2),
    Page("/portfolio/entries/new", "/portfolio/entries/new?offering={offer}", "sam", 6),
    Page("/portfolio/export.<any(xlsx, csv, json, pdf):kind>", "/portfolio/export.xlsx", "sam", 5),
    Page("/portfolio/export.<any(xlsx, csv, json, pdf):kind>", "/portfolio/export.csv", "sam", 2),
    Page("/portfolio/export.<any(xlsx, csv, json, pdf):kind>", "/portfolio/export.json", "sam", 5),
    Page("/portfolio/export.<any(xlsx, csv, json, pdf):kind>", "/portfolio/export.json?profile=nmc", "sam", 6),
    Page("/portfolio/export.<any(xlsx, csv, json, pdf):kind>", "/portfolio/export.pdf", "sam", 5),
    Page("/portfolio/import", "/portfolio/import", "sam", 2),
    Page("/portfolio/import/template.xlsx", "/portfolio/import/template.xlsx", "sam", 1),
    Page("/portfolio/record", "/portfolio/record", "sam", 2),
    Page("/portfolio/record", "/portfolio/record?profile=nmc", "sam", 3),
    Page("/portfolio/records", "/portfolio/records", "sam", 3),
    Page("/portfolio/records/<int:record_id>/revoke", "/portfolio/records/{record}/revoke", "sam", 3),
    Page("/portfolio/shares", "/portfolio/shares", "sam", 4),
    Page("/portfolio/shares/<int:share_id>/revoke", "/portfolio/shares/{share}/revoke", "sam", 3),
    # A provider's pages: Sam is a member of Trust and of other organisations.
    Page("/provide/", "/provide/", "sam", 6),
    Page("/provide/join", "/provide/join", "sam", 2),
    Page("/provide/providers/<slug>/", "/provide/providers/{provider}/", "sam", 6),
    Page("/provide/providers/<slug>/edit", "/provide/providers/{provider}/edit", "sam", 3),
    Page("/provide/providers/<slug>/history", "/provide/providers/{provider}/history", "sam", 8),
    Page("/provide/providers/<slug>/confirmations", "/provide/providers/{provider}/confirmations", "sam", 8),
    Page("/provide/providers/<slug>/confirmations/<int:entry_id>", "/provide/providers/{provider}/confirmations/{request}", "sam", 7),
    Page("/provide/offers/new", "/provide/offers/new", "sam", 3),
    Page("/provide/offers/new", "/provide/offers/new?provider={provider}", "sam", 3),
    Page("/provide/offers/<slug>/", "/provide/offers/{offer}/", "sam", 9),
    Page("/provide/offers/<slug>/edit", "/provide/offers/{offer}/edit", "sam", 6),
    Page("/provide/offers/<slug>/preview", "/provide/offers/{offer}/preview", "sam", 6),
    Page("/provide/offers/<slug>/sessions/new", "/provide/offers/{offer}/sessions/new", "sam", 5),
    Page("/provide/offers/<slug>/sessions/<int:session_id>/edit", "/provide/offers/{offer}/sessions/{session}/edit", "sam", 5),
    Page("/provide/offers/<slug>/sessions/<int:session_id>/remove", "/provide/offers/{offer}/sessions/{session}/remove", "sam", 5),
    Page("/provide/import", "/provide/import", "sam", 3),
    Page("/provide/import/template.xlsx", "/provide/import/template.xlsx", "sam", 2),
    # Curators' pages.
    Page("/review/", "/review/", "curator", 9),
    Page("/review/history", "/review/history", "curator", 7),
    Page("/review/offers/<slug>", "/review/offers/{offer}", "curator", 10),
    Page("/review/providers/<slug>", "/review/providers/{pending}", "curator", 5),
]
# fmt: on

#: GET routes that are not pages, and why none needs a pinned count. (POST-only
#: routes change things and render nothing to count; they are not GET routes.)
NOT_PAGES = {
    "/healthz": "a load balancer's check: it never touches the database",
    "/readyz": "a load balancer's check: one SELECT 1, whatever the data",
    "/static/<path:filename>": "files from static/, not the database",
    "/accounts/profile/records": "a GET only redirects to /accounts/profile#records",
}


# --- counting ---------------------------------------------------------------------------


@dataclass
class Counted:
    """What one request for a page did: its status and statements, or what went wrong."""

    url: str
    rule: str | None = None  # the route that served it
    status: int | None = None
    statements: tuple[str, ...] = ()
    error: str | None = None


@pytest.fixture(scope="module")
def module_app(database_template, tmp_path_factory):
    """One app and database for the whole module, on SQLite or PostgreSQL like `app`."""
    if PG_URL:
        url = database_template
    else:
        path = tmp_path_factory.mktemp("query_counts") / "academy.db"
        shutil.copyfile(database_template, path)
        url = f"sqlite:///{path}"
    # No kept pages: every counted request draws its page (academy/http_cache.py).
    app = create_app(app_settings(url, PAGE_CACHE_BYTES=0))
    yield app
    release(app)


@pytest.fixture(scope="module")
def measured(module_app) -> dict[str, dict[int, Counted]]:
    """Every page counted in the small world, then again once the large world is added."""
    app = module_app
    results: dict[str, dict[int, Counted]] = {page.id: {} for page in PAGES}
    with pytest.MonkeyPatch.context() as patch:
        # Cheap hashes for the worlds' dozens of accounts; logging in still checks them.
        patch.setattr(
            academy.accounts.models,
            "generate_password_hash",
            partial(generate_password_hash, method="pbkdf2:sha256:1000"),
        )
        for size in SIZES:
            with app.test_request_context():  # issuing a record writes URLs into it
                world = build_world(size)
            clients = {who: app.test_client() for who in (None, *world["users"])}
            for who, email in world["users"].items():
                response = Auth(clients[who]).login(email)
                assert response.status_code == 302, f"{email} could not log in"
            for page in PAGES:
                results[page.id][size] = count_page(app, clients[page.who], page, world)
    return results


def count_page(app, client, page: Page, world: dict) -> Counted:
    """Ask for a page twice and count the statements of the second request."""
    counted = Counted(page.url.format(**world))
    routes = app.url_map.bind("localhost")
    counted.rule = routes.match(counted.url.split("?")[0], return_rule=True)[0].rule
    try:
        # Warm up: the first request after the catalogue changes rebuilds the in-memory
        # facet index (academy/catalogue/search/facet_index.py), and the first request for a
        # page may open a connection, and the first search for some words asks the
        # database (full-text answers are then memoised for the catalogue's version).
        # Count the steady state: the second request.
        client.get(counted.url)
        with count_queries(app) as statements:
            response = client.get(counted.url)
    except Exception:  # noqa: BLE001 - reported by the page's own test, not the fixture
        counted.error = traceback.format_exc()
        return counted
    counted.status = response.status_code
    counted.statements = tuple(statements)
    return counted


@pytest.mark.parametrize("page", [page.param() for page in PAGES])
def test_a_page_runs_the_same_pinned_number_of_queries_for_2_of_everything_as_for_12(
    measured, page
):
    """Does the page run the same number of queries for 2 of everything as for 12, as pinned?"""
    by_size = measured[page.id]
    for size, counted in by_size.items():
        assert counted.rule == page.rule, f"{counted.url} is served by {counted.rule}"
        assert counted.error is None, f"{counted.url} with {size} of everything:\n{counted.error}"
        assert counted.status == 200, f"{counted.url} with {size} of everything"
    counts = {size: len(counted.statements) for size, counted in by_size.items()}
    listing = "\n".join(by_size[LARGE].statements)
    assert counts == dict.fromkeys(SIZES, page.queries), (
        f"{page.url}: {counts} statements, pinned at {page.queries}. "
        f"With {LARGE} of everything:\n{listing}"
    )


def test_every_get_route_has_a_pinned_count_or_says_why_not(module_app):
    """Is every GET route of the app either a page with a pinned count or explained away?"""
    routes = {rule.rule for rule in module_app.url_map.iter_rules() if "GET" in rule.methods}
    pinned = {page.rule for page in PAGES}
    assert routes - pinned - NOT_PAGES.keys() == set(), "pin a query count for these pages"
    assert pinned <= routes, "PAGES names routes the app no longer has"
    assert not pinned & NOT_PAGES.keys(), "a route is both pinned and not a page"
    assert NOT_PAGES.keys() <= routes, "NOT_PAGES names routes the app no longer has"
    assert len({page.id for page in PAGES}) == len(PAGES), "two pages with the same URL and user"
