"""PostgreSQL restarted, stopped and paused under gunicorn (2 workers × 4 threads).

The cluster and the Redis are the tests' own, on ports of their own. Each test counts:
requests sent, 5xx other than a planned 503, waits over the bound, and rows lost
(entries acknowledged with a redirect that are not in the database afterwards).
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, func, select

from academy import create_app
from academy.extensions import db
from academy.portfolios.models import PortfolioEntry
from tests.conftest import PASSWORD, app_settings, cheap_password_hashes, migrate_to_head
from tests.factories import gen_offering, gen_user
from tests.faults.services import ONCE, Gunicorn, OwnPostgres, OwnRedis, pause, resume

pytestmark = [pytest.mark.postgres, ONCE]

ENTRY = {
    "title": "Reflective practice group",
    "provider_name": "KUF Hub",
    "activity_type": "course",
    "starts_on": "2026-03-02",
    "ends_on": "2026-03-02",
    "hours": "2",
    "participatory_hours": "2",
    "level": "awareness",
    "format": "short_course",
    "co_delivered": "yes",
    "co_designed": "no",
    "description": "A group.",
}
#: Pages a person or a client may ask for while the database is away.
PAGES = ["/", "/catalogue/", "/catalogue/?q=trauma", "/escalator/", "/accounts/login"]
#: The longest a request may wait while the database is paused: a ping (1 s) then a
#: connection attempt (2 s here), or for one in flight the ping timeout and a probe
#: (1 s each), with room for a loaded machine.
PAUSED_BOUND = 6.0


@dataclass
class World:
    pg: OwnPostgres
    redis: OwnRedis
    server: Gunicorn
    slug: str


@pytest.fixture(scope="module")
def world():
    pg = OwnPostgres()
    redis = OwnRedis()
    server = None
    try:
        pg.start()
        redis.start()
        migrate_to_head(pg.url)
        app = create_app(app_settings(pg.url))
        with app.app_context(), cheap_password_hashes():
            gen_user("learner@example.org", name="Ada Learner")
            slug = gen_offering(title="Trauma-informed care", sessions=[10]).slug
            db.engine.dispose()
        server = Gunicorn(
            {
                "DATABASE_URL": pg.url,
                "RATELIMIT_STORAGE_URL": redis.url,
                "DATABASE_CONNECT_TIMEOUT": "2",
                "UNAVAILABLE_RETRY_AFTER": "7",
                "LOGIN_RATE_LIMIT": "1000 per minute",
            }
        )
        server.start()
        yield World(pg, redis, server, slug)
    finally:
        if server:
            server.stop()
        redis.stop()
        pg.remove()


def logged_in(server: Gunicorn):
    """A session logged in as the learner."""
    session = server.session()
    response = server.post(
        "/accounts/login", {"email": "learner@example.org", "password": PASSWORD}, session
    )
    assert response.status_code == 302, response.text[:500]
    return session


def entries_in(pg: OwnPostgres) -> int:
    """How many portfolio entries the database holds."""
    engine = create_engine(pg.url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(PortfolioEntry))
    engine.dispose()
    return count


def timed(call):
    """(response or the exception, seconds taken)."""
    started = time.monotonic()
    try:
        result = call()
    except Exception as error:  # noqa: BLE001 - a failed request is counted, not raised
        result = error
    return result, time.monotonic() - started


def status(result) -> int | str:
    return getattr(result, "status_code", type(result).__name__)


def test_after_a_restart_while_idle_no_request_fails(world):
    """Does a restart of PostgreSQL while every worker holds idle connections cost nothing?"""
    session = logged_in(world.server)
    for path in PAGES:  # every thread of both workers takes a connection
        assert world.server.get(path).status_code == 200
    world.pg.restart()
    with ThreadPoolExecutor(8) as pool:
        paths = [*PAGES, "/portfolio/", "/accounts/profile"] * 4
        results = list(
            pool.map(
                lambda path: world.server.get(
                    path, session if path.startswith(("/portfolio", "/accounts/p")) else None
                ),
                paths,
            )
        )
    assert [r.status_code for r in results] == [200] * len(paths)


def test_while_stopped_every_page_is_a_503_in_the_sites_layout(world):
    """With PostgreSQL stopped, is every page a 503 with Retry-After and the site's headers,
    for visitors, logged-in learners and API clients, and does the first request after it
    is back succeed?"""
    session = logged_in(world.server)
    hidden = world.server.form("/portfolio/entries/new", session)
    world.pg.stop()
    try:
        answers = [world.server.get(path) for path in PAGES if path != "/accounts/login"]
        answers += [world.server.get("/portfolio/", session)]
        login_page = world.server.get("/accounts/login")  # needs no database
        api = world.server.get("/api/v1/offerings")
        saved = world.server.post("/portfolio/entries/new", ENTRY, session, hidden)
        ready = world.server.get("/readyz")
        alive = world.server.get("/healthz")
    finally:
        world.pg.start()
    for answer in [*answers, saved]:
        assert answer.status_code == 503, (answer.url, answer.status_code)
        assert answer.headers["Retry-After"] == "7"
        assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
        assert "Relational Learning Academy" in answer.text
        assert "not available just now" in answer.text
        assert answer.headers["X-Request-ID"] in answer.text  # the reference to quote
    assert "Reflective practice group" in saved.text  # what was typed is kept
    assert login_page.status_code == 200
    assert api.status_code == 503 and api.json()["status"] == 503
    assert api.headers["Retry-After"] == "7"
    assert ready.status_code == 503 and ready.json()["checks"]["database"]["ok"] is False
    assert alive.status_code == 200
    lines = [json.loads(line) for line in world.server.log_text().splitlines() if '"event"' in line]
    logged = {line["request_id"] for line in lines if line["status"] == 503}
    assert {answer.headers["X-Request-ID"] for answer in answers} <= logged

    after = [world.server.get(path) for path in PAGES * 2]
    assert [a.status_code for a in after] == [200] * len(after)
    assert world.server.get("/readyz").json()["status"] == "ready"


def test_while_paused_requests_end_quickly_and_no_acknowledged_row_is_lost(world):
    """With PostgreSQL paused (SIGSTOP) under load, does every request end within the bound,
    with no 500, and is every entry acknowledged with a redirect in the database after?"""
    session = logged_in(world.server)
    before = entries_in(world.pg)
    forms = [world.server.form("/portfolio/entries/new", session) for _ in range(24)]

    def write(number: int):
        data = {**ENTRY, "title": f"Entry during the pause {number}"}
        return timed(
            lambda: world.server.post("/portfolio/entries/new", data, session, forms[number])
        )

    def read(number: int):
        return timed(lambda: world.server.get(PAGES[number % len(PAGES)]))

    with ThreadPoolExecutor(8) as pool:
        warm = [pool.submit(write, n) for n in range(4)]  # some in flight as it stalls
        time.sleep(0.05)
        pids = world.pg.pids()
        pause(pids)
        try:
            during = [pool.submit(write, n) for n in range(4, 16)]
            during += [pool.submit(read, n) for n in range(12)]
            time.sleep(PAUSED_BOUND)
        finally:
            resume(pids)
        after = [pool.submit(write, n) for n in range(16, 24)]
        results = [f.result() for f in [*warm, *during, *after]]

    statuses = [status(result) for result, _ in results]
    slow = [round(seconds, 1) for _, seconds in results if seconds > PAUSED_BOUND]
    assert slow == [], f"waits over {PAUSED_BOUND} s: {slow}"
    assert all(s in (200, 302, 503) for s in statuses), statuses
    acknowledged = statuses[:16].count(302) + statuses[-8:].count(302)
    assert entries_in(world.pg) - before >= acknowledged  # no acknowledged row lost
    assert statuses[-8:] == [302] * 8  # recovered at once
