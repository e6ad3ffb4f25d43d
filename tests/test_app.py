"""The application: settings, the secret key, SQLite's settings, error pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from academy import create_app
from academy.extensions import db
from academy.portfolios.models import PortfolioEntry
from tests.conftest import PG_URL, app_settings, csrf_token
from tests.factories import gen_user


def test_settings_come_from_academy_variables(monkeypatch, database_url):
    """Do ACADEMY_* variables override the defaults?"""
    monkeypatch.setenv("ACADEMY_SEARCH_PER_PAGE", "7")
    monkeypatch.setenv("ACADEMY_RATELIMIT_STORAGE_URL", "memory://")
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": database_url})
    assert app.config["SEARCH_PER_PAGE"] == 7
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_postgres_urls_get_the_psycopg_driver(database_url):
    """Is a plain postgresql:// URL given the psycopg 3 driver?"""
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "postgresql://u@db.example/academy"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/academy"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    """Without a secret key, is one made, kept private, and reused on the next start?"""
    from flask import Flask

    monkeypatch.delenv("ACADEMY_SECRET_KEY", raising=False)
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    first = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    second = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    key_file = tmp_path / "instance" / "secret_key"
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert key_file.stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    """With no ACADEMY_DATABASE_URL, is the database a file in the instance folder?"""
    from flask import Flask

    monkeypatch.delenv("ACADEMY_DATABASE_URL", raising=False)
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    app = create_app({"SECRET_KEY": "x"})
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'academy.db'}"
    )


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's own settings")
def test_sqlite_uses_wal_foreign_keys_and_a_busy_timeout(app):
    """Is SQLite set up for concurrent readers, enforced foreign keys and waiting on locks?"""
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15_000


def test_foreign_keys_are_enforced(app):
    """Does the database refuse a session for an offering that does not exist?"""
    from datetime import date

    from sqlalchemy.exc import IntegrityError

    with app.app_context(), pytest.raises(IntegrityError):
        db.session.execute(
            text(
                "INSERT INTO offering_sessions (offering_id, starts_on, ends_on, venue, online) VALUES (999, :d, :d, '', false)"
            ),
            {"d": date(2030, 1, 1)},
        )
        db.session.flush()


@pytest.fixture
def failing_app(database_url):
    """An app with routes that fail in the ways the error pages handle."""
    app = create_app(
        app_settings(database_url, PROPAGATE_EXCEPTIONS=False, MAX_CONTENT_LENGTH=1024)
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("deliberate")

    @app.get("/forbidden")
    def forbidden():
        from flask import abort

        abort(403)

    @app.post("/upload")
    def upload():
        from flask import request

        return str(len(request.get_data()))

    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    return app


@pytest.mark.parametrize(
    ("method", "url", "status", "heading"),
    [
        ("get", "/nowhere", 404, "Page not found"),
        ("get", "/forbidden", 403, "You do not have permission to see this page"),
        ("get", "/boom", 500, "Sorry, something went wrong on our side"),
        ("delete", "/catalogue/", 405, "That action is not available here"),
        ("post", "/upload", 413, "The file is too large"),
        ("get", "/catalogue/?page=0", 400, "Find relational training"),
    ],
)
def test_error_pages_use_the_sites_layout(failing_app, method, url, status, heading):
    """Does each error get a page in the site's layout, with a way on?"""
    client = failing_app.test_client()
    kwargs = {"data": b"x" * 5000} if url == "/upload" else {}
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert heading in page
    assert 'class="site-header"' in page and "Skip to main content" in page
    assert "Traceback" not in page and "deliberate" not in page


def test_bad_request_page(failing_app):
    """Does a 400 raised anywhere get the friendly page?"""
    from flask import abort

    @failing_app.get("/bad")
    def bad():
        abort(400)

    response = failing_app.test_client().get("/bad")
    assert response.status_code == 400
    assert "Sorry, we could not understand that request" in response.get_data(as_text=True)


def test_api_errors_are_json(failing_app):
    """Does the API answer errors in JSON, never HTML?"""
    client = failing_app.test_client()
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.is_json
    assert missing.json["status"] == 404
    not_allowed = client.post("/api/v1/offerings")
    assert not_allowed.status_code == 405 and not_allowed.is_json


def test_static_files_are_served(client):
    """Is the stylesheet there?"""
    response = client.get("/static/academy.css")
    assert response.status_code == 200 and b"--brand" in response.data


def test_rate_limits_see_the_client_behind_a_proxy(database_url):
    """Behind one trusted proxy, are two clients limited separately?"""
    from tests.conftest import csrf_token

    app = create_app(app_settings(database_url, PROXY_COUNT=1, LOGIN_RATE_LIMIT="2 per minute"))
    client = app.test_client()
    token = csrf_token(client, "/accounts/login")

    def attempt(address):
        return client.post(
            "/accounts/login",
            data={"csrf_token": token, "email": "x@example.org", "password": "nope"},
            headers={"X-Forwarded-For": address},
        ).status_code

    assert [attempt("203.0.113.1") for _ in range(3)] == [400, 400, 429]
    assert attempt("203.0.113.2") == 400


def test_the_request_limit_follows_the_import_limit(database_url):
    """Unless set itself, is the largest request the largest spreadsheet plus 64 KB?"""
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": database_url, "IMPORT_MAX_BYTES": 1000})
    assert app.config["MAX_CONTENT_LENGTH"] == 1000 + 64 * 1024
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": database_url, "MAX_CONTENT_LENGTH": 9})
    assert app.config["MAX_CONTENT_LENGTH"] == 9


def test_a_gunicorn_worker_builds_the_index_and_freezes_the_heap(app, catalogue):
    """Does gunicorn.conf.py's post_worker_init build the search index and freeze what exists?"""
    import gc
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert "academy.facet_index" not in app.extensions
    said = []
    worker = SimpleNamespace(
        wsgi=app, pid=4321, log=SimpleNamespace(info=lambda *a: said.append(a))
    )
    try:
        settings["post_worker_init"](worker)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert app.extensions["academy.facet_index"].stamp.version is not None
    # bench/load.py waits for this line from each worker before it measures.
    assert said and said[0][0].startswith("Worker ready (pid: %s)") and said[0][1] == 4321


def test_settling_an_unmigrated_database_leaves_the_index_for_later(tmp_path):
    """Is a worker started before migrations still ready to serve (the index built later)?"""
    import gc

    from academy.warmup import settle

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    try:
        settle(app)
    finally:
        gc.unfreeze()
    assert "academy.facet_index" not in app.extensions


def test_warm_up_can_be_turned_off(app, catalogue):
    """With WARM_UP_ENABLED false, does a worker leave the index to the first search and the
    heap unfrozen?"""
    import gc

    from academy.warmup import settle

    app.config["WARM_UP_ENABLED"] = False
    frozen = gc.get_freeze_count()
    try:
        settle(app)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    assert "academy.facet_index" not in app.extensions


@pytest.mark.parametrize(
    "url, data",
    [
        ("/portfolio/entries/new", {"title": "A day\x00 out", "hours": "3"}),
        ("/portfolio/shares", {"label": "For\x00 Sam", "days": "30"}),
        ("/accounts/login", {"email": "sam@example.org\x00", "password": "x"}),
    ],
)
def test_a_nul_character_is_refused_plainly_before_anything_runs(app, client, auth, url, data):
    """A NUL in a form: a 400 that says so (PostgreSQL could not store it), not a 500."""
    with app.app_context():
        gen_user("sam@example.org")
    auth.login("sam@example.org")
    data = {**data, "csrf_token": csrf_token(client, "/portfolio/entries/new")}
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "invisible NUL character" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PortfolioEntry)) == 0


def test_healthz_answers_without_the_database(app, client):
    """Does /healthz answer "ok" in plain text, for a load balancer?"""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.data == b"ok\n"
    assert response.mimetype == "text/plain"


def test_the_server_entry_point_leaves_numpy_out_and_spreadsheets_still_work(tmp_path):
    """Does `wsgi.py` keep NumPy out of a server process, with .xlsx files still written?"""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import wsgi, io, sys, openpyxl\n"
        "assert sys.modules.get('numpy') is None, 'NumPy was imported'\n"
        "book = openpyxl.Workbook(); book.active['A1'] = 1.5\n"
        "data = io.BytesIO(); book.save(data); data.seek(0)\n"
        "print(openpyxl.load_workbook(data).active['A1'].value)\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "ACADEMY_SECRET_KEY": "x",
        "ACADEMY_DATABASE_URL": f"sqlite:///{tmp_path / 'academy.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1.5"
