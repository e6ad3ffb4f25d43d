"""Error pages and the log line behind each 5xx, health checks, and the database settings."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from academy.extensions import db
from tests.conftest import PG_URL, app_settings, dispose, make_app, release


@pytest.fixture
def error_log():
    """The JSON lines the errors logger writes, parsed."""
    lines: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(record.getMessage()))

    handler = Keep()
    logger = logging.getLogger("academy.errors")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


@pytest.fixture
def failing(app):
    """The app with a page and an API address that fail as a bug would."""

    def broken():
        raise RuntimeError("a bug, on purpose")

    app.add_url_rule("/broken", "broken", broken)
    app.add_url_rule("/api/v1/broken", "api_broken", broken)
    return app


def test_a_bug_is_one_json_line_whose_reference_the_page_shows(failing, error_log):
    """Is an unexpected error a 500 page quoting a reference, logged as one JSON line with
    that reference and the traceback?"""
    response = failing.test_client().get("/broken")
    page = response.get_data(as_text=True)
    reference = response.headers["X-Request-ID"]
    assert response.status_code == 500
    assert f'<code class="reference">{reference}</code>' in page
    assert "Content-Security-Policy" in response.headers
    [line] = error_log
    assert line["request_id"] == reference
    assert (line["status"], line["path"], line["error"]) == (500, "/broken", "RuntimeError")
    assert "a bug, on purpose" in line["traceback"]


def test_the_api_says_the_reference_in_json(failing, error_log):
    """Does a 500 under /api/ answer JSON carrying the request id?"""
    response = failing.test_client().get("/api/v1/broken")
    assert response.status_code == 500
    assert response.json["request_id"] == response.headers["X-Request-ID"]
    assert error_log[0]["request_id"] == response.headers["X-Request-ID"]


def test_a_4xx_is_not_logged_as_a_server_error(client, error_log):
    """Is a missing page a 404 with no error line (nothing for us to fix)?"""
    assert client.get("/catalogue/no-such-offer").status_code == 404
    assert error_log == []


@pytest.mark.parametrize("proxies, kept", [(0, False), (1, True)])
def test_a_request_id_from_a_trusted_proxy_is_kept(database_url, proxies, kept):
    """Is the load balancer's X-Request-ID carried on only when the proxy is trusted?"""
    app = make_app(app_settings(database_url, PROXY_COUNT=proxies))
    given = "lb-1234abcd-5678"
    response = app.test_client().get("/healthz", headers={"X-Request-ID": given})
    assert (response.headers["X-Request-ID"] == given) is kept
    release(app)


def test_liveness_and_readiness(client):
    """Does /healthz say the process answers and /readyz that the database does too?"""
    alive = client.get("/healthz")
    assert (alive.status_code, alive.text) == (200, "ok\n")
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["status"] == "ready"
    assert ready.json["checks"]["database"]["ok"] is True
    assert ready.json["checks"]["rate_limits"] == {"ok": True, "storage": "memory"}
    assert ready.headers["Cache-Control"] == "no-store"


def test_a_database_that_cannot_be_opened_is_a_503_not_a_500(tmp_path, error_log):
    """With the SQLite file out of reach, is every page a 503 with Retry-After, rendered
    without the database, and is /readyz a 503 while /healthz stays 200?"""
    app = make_app(app_settings(f"sqlite:///{tmp_path / 'no-such-folder' / 'academy.db'}"))
    client = app.test_client()
    for path in ("/", "/catalogue/", "/escalator/"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "30"
        assert "not available just now" in response.get_data(as_text=True)
    api = client.get("/api/v1/offerings")
    assert (api.status_code, api.json["status"]) == (503, 503)
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200
    assert {line["status"] for line in error_log} == {503}
    assert all("traceback" not in line for line in error_log)  # not a bug: no traceback
    dispose(app)


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's own settings")
def test_postgresql_connections_have_a_statement_timeout_and_are_pinged(app):
    """On PostgreSQL, does every connection carry the statement timeout, and is each pinged
    before use and recycled?"""
    with app.app_context():
        assert db.session.scalar(text("SHOW statement_timeout")) == "20s"
        assert db.engine.pool._pre_ping is True
        assert db.engine.pool._recycle == 1800
