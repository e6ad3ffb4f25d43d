"""The rate-limit storage (Redis) stopped and paused under gunicorn (2 workers × 4 threads),
and the documented limits held whatever the number of workers.

The Redis is the tests' own, on a port of its own; the database a SQLite file.
"""

from __future__ import annotations

import json
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from academy import create_app
from academy.extensions import db
from tests.conftest import app_settings, cheap_password_hashes, migrate_to_head
from tests.factories import gen_offering, gen_user
from tests.faults.services import ONCE, Gunicorn, OwnRedis, pause, resume, wait_for

pytestmark = ONCE

#: How long a request may take while Redis is away: it may wait on Redis a quarter of a
#: second (REDIS_TIMEOUT), and the rest is the request's own work on a busy machine.
REDIS_BOUND = 1.0
FALLING_BACK = "Rate limit storage unreachable - falling back to in-memory storage"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    redis = OwnRedis()
    server = None
    url = f"sqlite:///{tmp_path_factory.mktemp('redis-faults') / 'academy.db'}"
    try:
        redis.start()
        migrate_to_head(url)
        app = create_app(app_settings(url))
        with app.app_context(), cheap_password_hashes():
            # A cheap hash: what is timed below is the wait on Redis, not the hashing.
            gen_user("learner@example.org", name="Ada Learner")
            gen_offering(title="Trauma-informed care", sessions=[10])
            db.engine.dispose()
        # Behind one proxy: each test counts against addresses of its own.
        settings = {"DATABASE_URL": url, "RATELIMIT_STORAGE_URL": redis.url, "PROXY_COUNT": "1"}
        server = Gunicorn(settings)
        server.start()
        yield redis, server
    finally:
        if server:
            server.stop()
        redis.stop()


def client_from(address: str, server: Gunicorn):
    """A session that comes, as the proxy in front says, from this address."""
    session = server.session()
    session.headers["X-Forwarded-For"] = address
    return session


def wrong_login(server: Gunicorn, session=None):
    """A log-in with the wrong password: (status, seconds)."""
    session = session or server.session()
    hidden = server.form("/accounts/login", session)
    started = time.monotonic()
    response = server.post(
        "/accounts/login", {"email": "learner@example.org", "password": "not it"}, session, hidden
    )
    return response.status_code, time.monotonic() - started


def limited_requests(server: Gunicorn) -> list:
    """One of each request the limits guard, with the time each took."""
    session = server.session()
    hidden = server.form("/accounts/login", session)  # fetched first: only the POST is timed
    register = server.form("/accounts/register", session)
    calls = [
        lambda: server.post(
            "/accounts/login", {"email": "learner@example.org", "password": "no"}, session, hidden
        ),
        lambda: server.post(
            "/accounts/register",
            {
                "email": f"new-{secrets.token_hex(4)}@example.org",
                "name": "New Person",
                "password": "a long enough passphrase",
                "confirm": "not the same",  # refused: no costly hashing to time
            },
            session,
            register,
        ),
        lambda: server.get("/verify/NOTACODE"),
        lambda: server.get(f"/shared/{secrets.token_urlsafe(16)}"),
        lambda: server.get("/catalogue/?q=trauma"),
        lambda: server.get("/healthz"),
    ]
    results = []
    for call in calls:
        started = time.monotonic()
        response = call()
        results.append(
            (response.request.path_url, response.status_code, time.monotonic() - started)
        )
    return results


def test_limits_hold_as_documented_across_two_workers(served):
    """With two workers sharing Redis, is the 11th wrong password in a minute refused, and
    the 61st guess at a share link?"""
    _, server = served
    guesser = client_from("192.0.2.1", server)
    logins = [wrong_login(server, guesser)[0] for _ in range(14)]
    assert logins == [400] * 10 + [429] * 4  # 400: the password is wrong
    shares = [
        server.get(f"/shared/{secrets.token_urlsafe(16)}", guesser).status_code for _ in range(64)
    ]
    assert shares == [404] * 60 + [429] * 4


def test_gunicorn_refuses_several_workers_counting_in_memory(tmp_path):
    """Does gunicorn refuse to start two workers each counting limits in its own memory,
    saying what to set, and start one?"""
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    refused = Gunicorn(settings, workers=2).run()
    assert refused.returncode != 0
    assert "ACADEMY_RATELIMIT_STORAGE_URL=redis://" in refused.stderr
    assert "ACADEMY_WORKERS=1" in refused.stderr
    assert "Booting worker" not in refused.stderr


def test_with_redis_stopped_limited_pages_count_in_memory_then_go_back(served):
    """With Redis stopped, do log-in, registering, /verify and /shared answer (no 5xx, no
    wait), is the fall-back logged, is the server still ready, and when Redis is back do
    the counters go back to it?"""
    redis, server = served
    redis.stop()
    try:
        results = limited_requests(server) + limited_requests(server)
        ready = server.get("/readyz")
    finally:
        redis.start()
    assert [status for _, status, _ in results if status >= 500] == []
    assert [(path, round(s, 2)) for path, _, s in results if s > REDIS_BOUND] == []
    assert FALLING_BACK in server.log_text()
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["rate_limits"]["ok"] is False

    def counting_in_redis():
        wrong_login(server)
        return any(b"login" in key for key in redis.client().scan_iter("*"))

    wait_for(counting_in_redis, seconds=70, what="counting in Redis again")
    assert server.get("/readyz").json()["status"] == "ready"


def test_with_redis_paused_no_request_waits_on_it(served):
    """With Redis paused (SIGSTOP), do twelve log-ins at once, searches and the health
    checks each end within a second, with no 5xx?"""
    redis, server = served
    pause([redis.process.pid])
    try:
        with ThreadPoolExecutor(12) as pool:
            logins = list(
                pool.map(
                    lambda n: wrong_login(server, client_from(f"198.51.100.{n}", server)), range(12)
                )
            )
        others = limited_requests(server)
        ready = server.get("/readyz")
    finally:
        resume([redis.process.pid])
    assert [status for status, _ in logins] == [400] * 12
    assert [round(s, 2) for _, s in logins if s > REDIS_BOUND] == []
    assert [(path, status) for path, status, _ in others if status >= 500] == []
    assert [(path, round(s, 2)) for path, _, s in others if s > REDIS_BOUND] == []
    assert ready.status_code == 200
    lines = [json.loads(line) for line in server.log_text().splitlines() if '"event"' in line]
    assert [line for line in lines if line["status"] == 500] == []
