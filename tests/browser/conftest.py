"""Browser fixtures: headless Chromium through Playwright, and the app on a live server.

Every test in tests/browser is marked `browser`. Chromium is Debian's
(/usr/bin/chromium); Playwright's own browser downloads are never used. Where
Chromium is missing or will not start, the tests skip, or fail when
ACADEMY_TEST_REQUIRE includes "browser" (as .ci/run sets it).

The `browser` and `page` fixtures here are our own: pytest-playwright is not
installed, and these fixtures would shadow its `browser` and `page` if it ever were.

Data: the demo catalogue is loaded once per run (`demo`). A test that writes
(logs in, sends a form that saves, makes data through `app`) gets a site of its
own: an app on a fresh copy of the catalogue, served on its own port. A test
marked `reads_only` shares one site per module instead, and fails if the
database is not exactly as it found it; the site's rate-limit counters are
emptied before each such test. Logging in writes a login session, so every test
that logs in is a writer.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, text
from werkzeug.serving import make_server

from academy.catalogue.demo import demo_path, load_demo
from academy.extensions import db
from tests.conftest import (
    AXE_FINDINGS,
    PG_URL,
    app_settings,
    make_app,
    postgres_url,
    release,
    skip_unless_available,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000
#: How often a live server looks up from waiting for requests to see whether it should
#: stop: what shutting it down waits for (werkzeug's own default is half a second).
POLL_SECONDS = 0.01

HERE = Path(__file__).resolve().parent


def pytest_configure(config) -> None:
    """Declare the marker for tests that share a site (the run uses --strict-markers)."""
    config.addinivalue_line(
        "markers", "reads_only: a browser test that writes nothing, so may share a live server"
    )


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test under tests/browser with `browser`."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def axe_findings(request) -> dict:
    """Where accessibility tests file what axe found, page by page, for the run's summary."""
    return request.config.stash.setdefault(AXE_FINDINGS, {})


# --- Chromium -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium for the whole run. Tests take `browser`, which watches what it opens."""
    if not CHROMIUM.exists():
        skip_unless_available("browser", f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        skip_unless_available("browser", f"Playwright is not installed: {error}")
    manager = sync_playwright()
    playwright = manager.start()
    try:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Exception as error:  # noqa: BLE001 - any launch failure means "not available"
        manager.__exit__(None, None, None)
        first_line = (str(error).strip().splitlines() or [""])[0]
        skip_unless_available(
            "browser", f"Chromium at {CHROMIUM} did not start: {type(error).__name__}: {first_line}"
        )
    yield launched
    launched.close()
    manager.__exit__(None, None, None)


def watch_for_blocked_content(target, blocked: list[str] | None = None) -> list[str]:
    """A list that fills with each thing the Content-Security-Policy blocks on a page, or on
    any page of a browser context."""
    blocked = [] if blocked is None else blocked

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            where = message.page.url if message.page else "a page"
            blocked.append(f"{where}: {message.text}")

    target.on("console", on_console)
    return blocked


def blocked_report(blocked: list[str]) -> str:
    """The failure message for what the policy blocked."""
    return "the Content-Security-Policy blocked something:\n" + "\n".join(blocked)


class WatchedBrowser:
    """The run's Chromium as one test sees it: every context the test opens is watched for
    what the Content-Security-Policy blocks (Chromium reports it on the console), and
    closed when the test ends. A blocked script, style or image means a page that looks
    or works differently for real visitors, so it fails the test. Pages a test writes
    itself (`set_content`) have no policy."""

    def __init__(self, launched) -> None:
        self._chromium = launched
        self.contexts = []
        self.blocked: list[str] = []

    def new_context(self, **options):
        """A fresh context (no cookies), watched, with the tests' timeout."""
        context = self._chromium.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        watch_for_blocked_content(context, self.blocked)
        self.contexts.append(context)
        return context

    def close(self) -> None:
        """Close every context the test opened."""
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser(chromium) -> Iterator[WatchedBrowser]:
    """Chromium for one test: what any of its contexts has blocked fails the test."""
    watched = WatchedBrowser(chromium)
    yield watched
    watched.close()
    assert not watched.blocked, blocked_report(watched.blocked)


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page for one test, watched like every
    context `browser` opens."""
    return browser.new_context(viewport=VIEWPORT).new_page()


# --- The demo catalogue, once per run --------------------------------------------------

#: Where the demo catalogue's rows wait on PostgreSQL, to be put back after a test writes.
KEPT = "browser_demo_catalogue"
#: Rows the migrations own: never emptied, never put back (as empty_postgres keeps them).
MIGRATIONS_OWN = {"alembic_version", "catalogue_state"}


class Demo:
    """The migrated database with the demo catalogue loaded, made once per run.

    On SQLite it is a file, copied for each site. On PostgreSQL the tests have one
    database: its rows are kept in a schema of their own (KEPT) and put back, with the
    sequences where they were, whenever a test has written; the inserts fire the
    triggers, so the catalogue's version still only goes up (no stale page cache).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.intact = False  # PostgreSQL: does the database hold the catalogue untouched?
        self.tables: list[tuple[str, str]] = []  # (table, its columns), parents first
        self.sequences: list[tuple[str, int, bool]] = []
        self.engine = create_engine(postgres_url(PG_URL)) if PG_URL else None

    def database(self, folder: Path, *, to_write: bool) -> str:
        """The address of a database holding the demo catalogue and nothing else."""
        if not PG_URL:
            path = folder / "academy.db"
            shutil.copyfile(self.path, path)
            return f"sqlite:///{path}"
        if not self.intact:
            self.put_back()
        self.intact = not to_write
        return PG_URL

    def keep(self, connection) -> None:
        """PostgreSQL: copy every row and sequence of the loaded catalogue aside."""
        found = inspect(connection)
        ordered = found.get_sorted_table_and_fkc_names()
        assert not ordered[-1][1], "foreign keys in a cycle: no order to put rows back in"
        order = [t for t, _ in ordered if t is not None and t not in MIGRATIONS_OWN]
        connection.execute(text(f"DROP SCHEMA IF EXISTS {KEPT} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {KEPT}"))
        for table in order:
            columns = ", ".join(
                f'"{name}"'
                for (name,) in connection.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND table_name = :table "
                        "AND is_generated = 'NEVER' ORDER BY ordinal_position"
                    ),
                    {"table": table},
                )
            )
            connection.execute(
                text(f'CREATE TABLE {KEPT}."{table}" AS SELECT {columns} FROM public."{table}"')
            )
            self.tables.append((table, columns))
        self.sequences = [
            (name, value, called)
            for name, value, called in connection.execute(
                text(
                    "SELECT sequencename, coalesce(last_value, start_value), last_value IS NOT NULL "
                    "FROM pg_sequences WHERE schemaname = 'public'"
                )
            )
        ]

    def put_back(self) -> None:
        """PostgreSQL: empty the database and put the demo catalogue's rows back."""
        with self.engine.begin() as connection:
            for table, _ in reversed(self.tables):  # children first; quicker than TRUNCATE
                connection.execute(text(f'DELETE FROM public."{table}"'))
            for table, columns in self.tables:
                connection.execute(
                    text(
                        f'INSERT INTO public."{table}" ({columns}) '
                        f'SELECT {columns} FROM {KEPT}."{table}"'
                    )
                )
            for name, value, called in self.sequences:
                connection.execute(
                    text("SELECT setval(CAST(:name AS regclass), :value, :called)"),
                    {"name": f'public."{name}"', "value": value, "called": called},
                )
        self.intact = True

    def forget(self) -> None:
        """PostgreSQL: drop the kept rows."""
        with self.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {KEPT} CASCADE"))
        self.engine.dispose()


def load_the_demo(app: Flask) -> None:
    """Load the demo catalogue through its operations, as `flask seed-demo` does."""
    with app.app_context():
        load_demo(demo_path())
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def demo(database_template, tmp_path_factory) -> Iterator[Demo]:
    """The demo catalogue, loaded once per run (see Demo)."""
    if PG_URL:
        app = make_app(app_settings(database_template))
        load_the_demo(app)
        kept = Demo(None)
        with app.app_context(), db.engine.begin() as connection:
            kept.keep(connection)
        release(app)  # the next test, browser or not, finds the database empty
        yield kept
        kept.forget()
        return
    path = tmp_path_factory.mktemp("demo") / "academy.db"
    shutil.copyfile(database_template, path)
    app = make_app(app_settings(f"sqlite:///{path}"))
    load_the_demo(app)
    release(app)
    yield Demo(path)


def contents(app: Flask) -> dict:
    """Every row of every table but the migrations' own, to tell whether a test wrote."""
    with app.app_context():
        found = inspect(db.engine)
        tables = sorted(set(found.get_table_names()) - MIGRATIONS_OWN)
        # SQLite's full-text index keeps itself in step with offerings, in shadow tables.
        tables = [t for t in tables if not t.startswith("offering_fts")]
        rows = {
            table: sorted(
                (tuple(row) for row in db.session.execute(text(f'SELECT * FROM "{table}"'))),
                key=repr,
            )
            for table in tables
        }
        db.session.remove()
        return rows


# --- Live servers ---------------------------------------------------------------------


@dataclass
class Site:
    """An app served on a local port."""

    app: Flask
    url: str
    folder: Path  # SQLite: where its database file is


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve app on a free local port; stop at once afterwards (no half-second poll)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": POLL_SECONDS},
        name="live-server",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def own_site(demo: Demo, folder: Path) -> Iterator[Site]:
    """An app on a fresh copy of the demo catalogue, served for one test that writes."""
    app = make_app(app_settings(demo.database(folder, to_write=True)))
    try:
        with serving(app) as url:
            yield Site(app, url, folder)
    finally:
        release(app)  # PostgreSQL: emptied, for whatever runs next


def reset_rate_limits(app: Flask) -> None:
    """Empty the rate-limit counters (Flask-Limiter keeps one set per process)."""
    for limiter in app.extensions["limiter"]:
        limiter.reset()


@contextmanager
def reading(site: Site, demo: Demo, what: str) -> Iterator[Site]:
    """The shared site for a test that only reads: clean counters, and a check afterwards
    that it wrote nothing (if it did, the site gets a fresh copy and the test fails)."""
    if PG_URL and not demo.intact:
        demo.database(site.folder, to_write=False)
    reset_rate_limits(site.app)
    before = contents(site.app)
    yield site
    after = contents(site.app)
    if after != before:
        if PG_URL:
            demo.intact = False
        else:
            with site.app.app_context():
                db.engine.dispose()
            demo.database(site.folder, to_write=False)
        changed = sorted(table for table in before if before[table] != after.get(table))
        pytest.fail(f"{what} is marked reads_only but changed the tables {changed}")


@pytest.fixture(scope="module")
def shared_site(demo, tmp_path_factory) -> Iterator[Site]:
    """One app on one copy of the demo catalogue, served to a module's tests that only read."""
    folder = tmp_path_factory.mktemp("shared")
    app = make_app(app_settings(demo.database(folder, to_write=False)))
    try:
        with serving(app) as url:
            yield Site(app, url, folder)
    finally:
        release(app)  # PostgreSQL: emptied, for the next module
        demo.intact = False


@pytest.fixture
def site(request, demo, tmp_path) -> Iterator[Site]:
    """The live site for one test: shared if the test is marked reads_only, else its own."""
    if request.node.get_closest_marker("reads_only"):
        shared = request.getfixturevalue("shared_site")
        with reading(shared, demo, request.node.nodeid):
            yield shared
    else:
        with own_site(demo, tmp_path) as own:
            yield own


@pytest.fixture
def app(site) -> Flask:
    """The app the live server serves, the demo catalogue loaded (tests make more data in it)."""
    return site.app


@pytest.fixture
def live_server(site) -> str:
    """The address of the live server."""
    return site.url
