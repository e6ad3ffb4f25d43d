"""Rate limits on everything that can be used to guess, shared through Redis between servers.

With ACADEMY_RATELIMIT_STORAGE_URL=redis://..., every server behind a load
balancer counts against the same limits: a second server here is a separate
process on the same database and Redis, and its attempts must count in this
one. Flask-Limiter's `limiter` is one object per process, so two apps in one
process would share counters whatever the storage: only another process shows
that Redis does the sharing.

The tests use a Redis database of their own (number 9 unless
ACADEMY_TEST_REDIS_URL says otherwise), emptied before and after each test.
Without a Redis server they skip, saying why (.ci/run requires it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from academy import create_app
from tests.conftest import (
    PASSWORD,
    Auth,
    app_settings,
    csrf_token,
    skip_unless_available,
)
from tests.factories import gen_user

REDIS_URL = os.environ.get("ACADEMY_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
ROOT = Path(__file__).resolve().parent.parent

#: The other server: a process of its own that tries to log in `tries` times.
OTHER_SERVER = """
import json, re, sys
from academy import create_app
app = create_app({"TESTING": True, "SECRET_KEY": "test secret key"})
client = app.test_client()
page = client.get("/accounts/login").get_data(as_text=True)
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
data = {"csrf_token": token, "email": "sam@example.org", "password": "a wrong guess"}
print(json.dumps([client.post("/accounts/login", data=data).status_code
                  for _ in range(int(sys.argv[1]))]))
"""


@pytest.fixture
def redis_db():
    """The tests' own Redis database, empty."""
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.RedisError as error:
        skip_unless_available("redis", f"Redis at {REDIS_URL} is not available: {error}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def server(database_url, **limits):
    """An app server counting its rate limits in the tests' Redis database."""
    return create_app(app_settings(database_url, RATELIMIT_STORAGE_URL=REDIS_URL, **limits))


def other_server(database_url: str, storage: str, tries: int) -> list[int]:
    """Log-in attempts made by another server process; their statuses."""
    env = {
        **os.environ,
        "ACADEMY_DATABASE_URL": database_url,
        "ACADEMY_RATELIMIT_STORAGE_URL": storage,
        "ACADEMY_LOGIN_RATE_LIMIT": "3 per minute",
    }
    done = subprocess.run(
        [sys.executable, "-c", OTHER_SERVER, str(tries)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def post_login(client, token: str):
    return client.post(
        "/accounts/login",
        data={"csrf_token": token, "email": "sam@example.org", "password": "a wrong guess"},
    )


def test_two_servers_share_the_log_in_limit_through_redis(database_url, redis_db, release_after):
    """Do attempts on another server count on this one, so spreading guesses gains nothing?"""
    this = release_after(server(database_url, LOGIN_RATE_LIMIT="3 per minute"))
    client = this.test_client()
    token = csrf_token(client, "/accounts/login")

    elsewhere = other_server(database_url, REDIS_URL, tries=2)
    here = [post_login(client, token).status_code for _ in range(2)]

    assert elsewhere == [400, 400]
    assert here == [400, 429]
    assert any(b"accounts.login" in key for key in redis_db.scan_iter("*"))


def test_servers_counting_in_memory_do_not_share(database_url, redis_db, release_after):
    """The control: another server counting in its own memory leaves this one's count alone."""
    this = release_after(server(database_url, LOGIN_RATE_LIMIT="3 per minute"))
    client = this.test_client()
    token = csrf_token(client, "/accounts/login")

    elsewhere = other_server(database_url, "memory://", tries=2)
    here = [post_login(client, token).status_code for _ in range(2)]

    assert elsewhere == [400, 400]
    assert here == [400, 400]


def log_in(client) -> None:
    Auth(client).login("sam@example.org")


LIMITED = {
    "log in": ("LOGIN_RATE_LIMIT", "POST", "/accounts/login", None, {"email": "x@example.org"}),
    "register": ("REGISTER_RATE_LIMIT", "POST", "/accounts/register", None, {}),
    "change password": (
        "PASSWORD_RATE_LIMIT",
        "POST",
        "/accounts/password",
        log_in,
        {"current_password": "a wrong guess"},
    ),
    "delete account": (
        "LOGIN_RATE_LIMIT",
        "POST",
        "/accounts/delete",
        log_in,
        {"password": "a wrong guess"},
    ),
    "verify a code": ("VERIFY_RATE_LIMIT", "GET", "/verify/AAAA-AAAA-AAAA-AAAA", None, None),
    "check a code": ("VERIFY_RATE_LIMIT", "POST", "/verify/", None, {"code": "12345"}),
    "open a share link": ("SHARE_RATE_LIMIT", "GET", "/shared/" + "C" * 43, None, None),
}


@pytest.mark.parametrize("name", list(LIMITED))
def test_each_guessable_action_is_limited_in_redis(database_url, redis_db, release_after, name):
    """Is each action that could be used to guess a password, code or token stopped at its limit?"""
    setting, method, url, before, data = LIMITED[name]
    one = release_after(server(database_url, **{setting: "2 per minute"}))
    if before:
        with one.app_context():
            gen_user("sam@example.org", name="Sam")
    client = one.test_client()
    if before:
        before(client)
    if method == "POST":
        # From a page that is not limited itself (the log-in form, or any page once logged in).
        token = csrf_token(client, "/" if before else "/accounts/login")
        statuses = [client.post(url, data={"csrf_token": token, **data}).status_code for _ in "abc"]
    else:
        statuses = [client.get(url).status_code for _ in "abc"]
    assert statuses[2] == 429, statuses
    assert statuses[0] != 429 and statuses[1] != 429
    page = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
    assert page.status_code == 429 and "Too many" in page.get_data(as_text=True)


def test_the_right_password_still_works_after_a_few_wrong_ones(
    database_url, redis_db, release_after
):
    """Does a person who mistypes twice still get in on the third try?"""
    one = release_after(server(database_url, LOGIN_RATE_LIMIT="3 per minute"))
    with one.app_context():
        gen_user("sam@example.org")
    client = one.test_client()
    token = csrf_token(client, "/accounts/login")
    assert [post_login(client, token).status_code for _ in "ab"] == [400, 400]
    response = client.post(
        "/accounts/login",
        data={"csrf_token": token, "email": "sam@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
