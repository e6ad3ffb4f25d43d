"""Shared fixtures: an app on a fresh, migrated database per test.

SQLite by default: the schema is migrated once per run into a template file
and each test gets its own copy. With ACADEMY_TEST_DATABASE_URL set, every
test runs on that PostgreSQL database instead, migrated once per run and
emptied after each test.

ACADEMY_TEST_REQUIRE (comma-separated: postgres, browser, redis) turns a skip for a
missing PostgreSQL server or Chromium into a failure; .ci/run sets it.

Passwords are hashed with 1,000 rounds of PBKDF2 in every test but those in
tests/accounts/, where passwords are what is tested: only the cost changes, not
the checking (the method is in the hash, and logging in checks it as ever).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from flask_migrate import upgrade
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, inspect, text
from werkzeug.security import generate_password_hash

from academy import create_app
from academy.extensions import db
from academy.timeutil import today
from tests.factories import User, gen_offering, gen_provider

#: pytest-xdist's worker ("gw0", "gw1"...), or None in a run of one process.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def worker_database(url: str | None) -> str | None:
    """The PostgreSQL database this process tests on: the one given, or under pytest-xdist
    a database of each worker's own beside it (`<name>_gw0`...), which the run makes and drops."""
    if not url or not WORKER:
        return url
    base, _, rest = url.rpartition("/")
    name, question, query = rest.partition("?")
    return f"{base}/{name}_{WORKER}{question}{query}"


GIVEN_PG_URL = os.environ.get("ACADEMY_TEST_DATABASE_URL")
PG_URL = worker_database(GIVEN_PG_URL)
REQUIRED = {part.strip() for part in os.environ.get("ACADEMY_TEST_REQUIRE", "").split(",")}
PASSWORD = "correct horse battery staple"
TESTS = Path(__file__).resolve().parent
CHEAP_HASH = partial(generate_password_hash, method="pbkdf2:sha256:1000")


@contextmanager
def cheap_password_hashes() -> Iterator[None]:
    """While it lasts, new passwords are hashed with 1,000 rounds of PBKDF2 (a live server
    in this process hashes the passwords registered through its forms so too)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules[User.__module__], "generate_password_hash", CHEAP_HASH)
        yield


@pytest.fixture(autouse=True)
def quick_password_hashes(request):
    """Cheap hashes for every test outside tests/accounts/ (see the module's docstring)."""
    if TESTS / "accounts" in Path(str(request.node.path)).resolve().parents:
        yield
        return
    with cheap_password_hashes():
        yield


def skip_unless_available(kind: str, reason: str) -> None:
    """Skip, or fail where .ci/run said this kind is required."""
    if kind in REQUIRED:
        pytest.fail(f"{reason} (ACADEMY_TEST_REQUIRE includes {kind!r})")
    pytest.skip(reason)


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per run and shared by every test app, instead of once per app
    (a fifth of a run went on compiling them). Jinja keys each by its name and checks the
    source's checksum, so a template that changed is compiled again."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def make_app(settings: dict):
    """create_app(settings), its templates taken from the run's compiled ones."""
    app = create_app(settings)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


def app_settings(database_url: str, **extra) -> dict:
    """Settings for a test app."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URL": "memory://",
        "SESSION_COOKIE_SECURE": False,  # plain http, as under `make run`
        **extra,
    }


def postgres_available(url: str) -> str | None:
    """None if the server answers, else why not."""
    try:
        engine = create_engine(postgres_url(url))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL at {url} is not available: {error.__class__.__name__}"
    return None


def postgres_url(url: str) -> str:
    """The SQLAlchemy URL for a PostgreSQL address (psycopg 3)."""
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)


def reset_postgres_schema(url: str) -> None:
    """Drop everything in the public schema, so migrations start from empty."""
    engine = create_engine(postgres_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def migrate_to_head(database_url: str) -> None:
    """Run every migration against a database."""
    app = create_app(app_settings(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _worker_database(statement: str) -> None:
    """CREATE or DROP this worker's own database, connected to the one the run was given."""
    engine = create_engine(postgres_url(GIVEN_PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            name = PG_URL.rpartition("/")[2].partition("?")[0]
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if statement == "create" and not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            elif statement == "drop" and exists:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def pytest_configure(config) -> None:
    """Under pytest-xdist on PostgreSQL: make this worker's own database before any test."""
    if PG_URL != GIVEN_PG_URL and postgres_available(GIVEN_PG_URL) is None:
        _worker_database("create")


def pytest_unconfigure(config) -> None:
    """Drop the worker's own database when its tests are done."""
    if PG_URL != GIVEN_PG_URL and postgres_available(GIVEN_PG_URL) is None:
        _worker_database("drop")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """A migrated database for the run: a SQLite file to copy, or the PostgreSQL URL."""
    if PG_URL:
        problem = postgres_available(PG_URL)
        if problem:
            skip_unless_available("postgres", problem)
        reset_postgres_schema(PG_URL)
        migrate_to_head(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "academy.db"
    migrate_to_head(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(database_template, tmp_path) -> str:
    """A fresh database for one test."""
    if PG_URL:
        return database_template
    path = tmp_path / "academy.db"
    shutil.copyfile(database_template, path)
    return f"sqlite:///{path}"


def empty_postgres(app) -> None:
    """Delete every row but the migrations' own, keeping the schema, and start every id
    sequence again, as TRUNCATE ... RESTART IDENTITY would. DELETE, children first, is
    ten times quicker than TRUNCATE for the few rows a test makes."""
    with app.app_context():
        keep = {"alembic_version", "catalogue_state"}  # migrations' own rows
        found = inspect(db.engine)
        ordered = found.get_sorted_table_and_fkc_names()
        tables = [t for t, _ in reversed(ordered) if t is not None and t not in keep]
        with db.engine.begin() as connection:
            if ordered[-1][1]:  # foreign keys in a cycle: no order to delete in
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                return
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
            connection.execute(RESTART_SEQUENCES, {"tables": tables})


#: Each id sequence of the given tables back to its start, as RESTART IDENTITY does.
RESTART_SEQUENCES = text(
    "SELECT setval(s.oid::regclass, q.seqstart, false) "
    "FROM pg_class s "
    "JOIN pg_sequence q ON q.seqrelid = s.oid "
    "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
    "JOIN pg_class t ON t.oid = d.refobjid "
    "WHERE s.relkind = 'S' AND t.relname = ANY(:tables) "
    "AND t.relnamespace = current_schema()::regnamespace"
)


@pytest.fixture
def app(database_url):
    """The app on a fresh database."""
    app = make_app(app_settings(database_url))
    yield app
    release(app)


def release(app) -> None:
    """After an app's tests: empty PostgreSQL for the next, close every connection."""
    if PG_URL:
        empty_postgres(app)
    dispose(app)


def dispose(app) -> None:
    """Close every connection of an app (one on a database of its own needs no emptying)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def release_after():
    """release_after(app) hands the app back, and releases it when the test ends, passed or
    failed: for a test that makes apps of its own."""
    apps = []

    def keep(app):
        apps.append(app)
        return app

    yield keep
    for app in apps:
        release(app)


@pytest.fixture
def client(app):
    """A test client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for flask commands."""
    return app.test_cli_runner()


def csrf_token(client, url: str) -> str:
    """The CSRF token from a form page, as a browser would have it."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def submit(client, url: str, data: dict, *, follow_redirects=False, query: str = ""):
    """Fill in and post the form at url, with its CSRF token, like a person would."""
    token = csrf_token(client, url + query)
    return client.post(
        url + query, data={"csrf_token": token, **data}, follow_redirects=follow_redirects
    )


class Auth:
    """Register, log in and log out through the real forms."""

    def __init__(self, client):
        self.client = client

    def register(
        self, email="learner@example.org", password=PASSWORD, name="Sam Learner", **profile
    ):
        return submit(
            self.client,
            "/accounts/register",
            {"email": email, "password": password, "confirm": password, "name": name, **profile},
        )

    def login(self, email="learner@example.org", password=PASSWORD, next_url=None):
        query = f"?next={next_url}" if next_url is not None else ""
        return submit(
            self.client, "/accounts/login", {"email": email, "password": password}, query=query
        )

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/accounts/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    """Log in and out through the forms."""
    return Auth(client)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A writable copy of data/, for tests that break a file on purpose."""
    source = Path(__file__).resolve().parent.parent / "data"
    target = tmp_path / "data"
    shutil.copytree(source, target)
    return target


@pytest.fixture
def catalogue(app):
    """Nine offerings with known facets; returns their slugs by short name."""
    with app.app_context():
        kuf = gen_provider("KUF Hub", slug="kuf-hub")
        lived = gen_provider("Lived Voices", slug="lived-voices", user_led=True)
        made = {
            "awareness_london": gen_offering(
                kuf,
                title="Personality disorder awareness",
                summary="Three co-delivered days on working with personality disorder.",
                level="awareness",
                format="short_course",
                co_delivered=True,
                co_designed=True,
                sectors=["health", "criminal_justice"],
                audiences=["open_to_all"],
                ee_values=["belonging"],
                sessions=[10, 40],
            ),
            "awareness_online": gen_offering(
                kuf,
                title="Awareness modules online",
                summary="Self-paced modules introducing relational practice.",
                level="awareness",
                format="self_paced",
                sectors=["health"],
                cost_pence=0,
            ),
            "dialogue": gen_offering(
                lived,
                title="Open Dialogue foundation",
                summary="Network meetings and dialogic practice.",
                description="An introduction to Open Dialogue for teams and peer workers.",
                level="understanding",
                format="live_online",
                cost_pence=45000,
                co_delivered=True,
                lived_experience_led=True,
                sectors=["mental_health"],
                audiences=["peer_workers", "nurses"],
                sessions=[
                    {
                        "starts_on": _day(100),
                        "ends_on": _day(101),
                        "online": True,
                        "region": "online",
                    }
                ],
            ),
            "module": gen_offering(
                kuf,
                title="People, personality and disorder",
                summary="A 15-credit university module.",
                description="Covers personality disorder, attachment and mentalization.",
                level="expertise",
                format="accredited_module",
                cost_pence=120000,
                credit_value=15,
                credit_scheme="cats",
                academic_level="fheq_7",
                sectors=["health", "education"],
                sessions=[
                    {
                        "starts_on": _day(200),
                        "ends_on": _day(205),
                        "region": "east_midlands",
                        "venue": "Lincoln",
                    }
                ],
            ),
            "leading": gen_offering(
                lived,
                title="Leading relational environments",
                summary="For managers of prisons and probation services.",
                level="leadership",
                format="workshop",
                cost_pence=5000,
                sectors=["criminal_justice"],
                audiences=["managers"],
                ee_values=["leadership", "safety"],
                sessions=[5],
            ),
            "talk": gen_offering(
                kuf,
                title="What is relational practice? An open talk",
                summary="An evening talk for anyone curious.",
                level="ground",
                format="talk",
                sectors=["voluntary"],
                sessions=[20],
            ),
            # Never visible: not published.
            "draft": gen_offering(kuf, title="Draft awareness day", status="draft", sessions=[10]),
            "submitted": gen_offering(kuf, title="Submitted awareness day", status="submitted"),
            "withdrawn": gen_offering(lived, title="Withdrawn awareness day", status="withdrawn"),
        }
        return {name: offering.slug for name, offering in made.items()}


def _day(offset: int):
    return today() + timedelta(days=offset)


# --- the axe findings of the browser tests, summed up at the end of the run ---------------

#: Where tests/browser files what axe found, page by page (here, not in tests/browser, so
#: that pytest-xdist's controller, which collects nothing, gathers and prints it too).
AXE_FINDINGS = pytest.StashKey[dict]()


def pytest_sessionfinish(session) -> None:
    """Under pytest-xdist, hand this worker's axe findings to the controller for the summary."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["axe_findings"] = session.config.stash.get(AXE_FINDINGS, {})


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """The controller gathers each worker's axe findings as the worker finishes."""
    found = getattr(node, "workeroutput", {}).get("axe_findings")
    if found:
        node.config.stash.setdefault(AXE_FINDINGS, {}).update(found)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """List every axe violation seen, failing or not, so moderate and minor ones are seen too."""
    findings = config.stash.get(AXE_FINDINGS, None)
    if not findings:
        return
    terminalreporter.section("axe-core accessibility findings (all impacts)")
    impacts = {"critical": 0, "serious": 0, "moderate": 0, "minor": 0}
    for name, found in findings.items():
        violations = ", ".join(
            f"{v['id']} ({v['impact']}, {len(v['nodes'])} element{'s' * (len(v['nodes']) != 1)})"
            for v in found["violations"]
        )
        for violation in found["violations"]:
            impacts[violation["impact"]] = impacts.get(violation["impact"], 0) + 1
        where = f"{name} ({found.get('path', '?')}, as {found.get('role', '?')})"
        terminalreporter.write_line(f"{where}: violations: {violations or 'none'}")
        # axe lists one example element for these; each needs a person to check it.
        review = ", ".join(f"{v['id']} ({v['impact']})" for v in found["needs review"])
        if review:
            terminalreporter.write_line(f"{name}: needs review by hand: {review}")
    roles = sorted({found.get("role", "?") for found in findings.values()})
    terminalreporter.write_line(
        f"{len(findings)} page states, seen as {', '.join(roles)}; violations by impact: "
        + ", ".join(f"{impact} {count}" for impact, count in impacts.items())
    )
