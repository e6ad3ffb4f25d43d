"""The Relational Learning Academy: create_app() builds the web application."""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

from flask import Flask, abort, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import UnicodeConverter

from academy.collector import between_requests
from academy.config import PROJECT_ROOT, Defaults
from academy.database import engine_options, install_deadlines, serving
from academy.extensions import csrf, db, limiter, login_manager, migrate
from academy.reference import load_reference


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages, commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    configure(app, test_config)
    register_middleware(app)
    register_input_checks(app)
    register_extensions(app)
    register_blueprints(app)
    register_listeners(app)
    register_health_check(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_http_caching(app)
    register_security_headers(app)
    register_commands(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    """Defaults, then ACADEMY_* variables, then test settings; derive the rest."""
    app.json.sort_keys = False  # facets and vocabularies keep their own order
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("ACADEMY")
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path) / "secret_key")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app)
    configure_rate_limits(app.config)
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    if app.config["MAX_CONTENT_LENGTH"] is None:
        app.config["MAX_CONTENT_LENGTH"] = int(app.config["IMPORT_MAX_BYTES"]) + 64 * 1024
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app, app.config["SQLALCHEMY_DATABASE_URI"]
    )
    # Loaded once per data folder; a bad file stops start-up here, naming itself.
    app.extensions["academy.reference"] = load_reference(app.config["DATA_DIR"])


def configure_rate_limits(config) -> None:
    """Flask-Limiter's settings: the storage, short Redis timeouts with no retries, and
    counting in memory (with a warning in the log) while the storage cannot be reached."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    config["RATELIMIT_STORAGE_URI"] = config["RATELIMIT_STORAGE_URL"]
    timeout = float(config["REDIS_TIMEOUT"])
    if not config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            # redis-py retries three times with back-off by default: seconds, not a quarter.
            "retry": Retry(NoBackoff(), 0),
            **config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }


def instance_secret_key(path: Path) -> str:
    """Read the secret key from the instance folder, creating it on first run."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def database_url(app: Flask) -> str:
    """The SQLAlchemy URL: ACADEMY_DATABASE_URL, else a SQLite file in the instance folder."""
    url = app.config.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(app.instance_path) / 'academy.db'}"
    # Heroku-style and bare postgresql:// URLs get the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL for concurrent readers, enforced foreign keys, a sane sync level."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def register_middleware(app: Flask) -> None:
    """Database deadlines for what a request does (academy/database.py); garbage
    collection between requests (academy/collector.py, a CPython 3.11 crash); trust
    X-Forwarded-* from as many proxies as configured, so rate limits see clients."""
    app.wsgi_app = serving(app.wsgi_app)
    if app.config["COLLECTOR_ENABLED"]:
        app.wsgi_app = between_requests.wrap(app.wsgi_app)
    hops = int(app.config["PROXY_COUNT"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


class SegmentConverter(UnicodeConverter):
    """A part of an address (a slug, a level, a code) that never holds a NUL character."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def register_input_checks(app: Flask) -> None:
    """Refuse a NUL character anywhere in a form, before any view runs.

    No person types one; PostgreSQL cannot store one in text (SQLite can), so
    without this a stray NUL would be a 500 on one database and not the other.
    (Queries are only read, never stored: search treats a NUL as plain text.)
    Nor does an address with a NUL in a slug, level or code match any page
    (PostgreSQL could not even look it up): the routes' own 404. The one
    `<path:...>` route, /shared/<token>, only ever hashes what it is given.
    """
    app.url_map.converters["default"] = app.url_map.converters["string"] = SegmentConverter

    @app.before_request
    def refuse_nul_characters():
        if any("\x00" in value for _, value in request.form.items(multi=True)):
            abort(400, description=NUL_MESSAGE)


NUL_MESSAGE = (
    "What was sent holds an invisible NUL character, which the Academy cannot store. "
    "Nothing was saved. Type the text again rather than pasting it, and send it again."
)


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    db.init_app(app)
    with app.app_context():
        install_deadlines(app, db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    from academy.accounts.models import User
    from academy.accounts.operations import user_for_login_token

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        return user_for_login_token(token)


def register_blueprints(app: Flask) -> None:
    """The features' blueprints, in the order the dependency rule gives them."""
    from academy.accounts import routes as accounts
    from academy.catalogue import api_bp
    from academy.catalogue import routes as catalogue
    from academy.escalator import routes as escalator
    from academy.portfolios import routes as portfolios

    for feature in (escalator, catalogue, accounts, portfolios):
        for blueprint in feature.BLUEPRINTS:
            app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # read-only JSON: nothing there changes state


def register_listeners(app: Flask) -> None:
    """Connect the higher features' answers to the lower features' signals (academy/signals.py)."""
    from academy.catalogue import listeners as catalogue_listeners
    from academy.portfolios import listeners as portfolio_listeners

    catalogue_listeners.connect()
    portfolio_listeners.connect()


def register_health_check(app: Flask) -> None:
    """`/healthz`, the process answers; `/readyz`, the database and Redis answer too."""
    from academy.health import register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    """Error pages in the site's layout, and JSON errors under /api/."""
    from academy.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals every template can use."""
    from academy.templating import register

    register(app)


def register_http_caching(app: Flask) -> None:
    """Versioned, long-lived static files; the build's fingerprint for ETags; what a
    worker builds before its first request."""
    from academy import warmup
    from academy.catalogue.search.facet_index import catalogue_stamp, current_index
    from academy.http_cache import register

    register(app, catalogue_version=catalogue_stamp)
    warmup.register(app, current_index)


def register_security_headers(app: Flask) -> None:
    """Content-Security-Policy, nosniff, framing, referrer and HSTS on every response."""
    from academy.security import register

    register(app)


def register_commands(app: Flask) -> None:
    """The flask CLI commands: create-user, seed-demo, import-offerings, backup, restore."""
    from academy.backup import backup_command, restore_command
    from academy.catalogue.demo import seed_demo_command
    from academy.catalogue.importing.command import import_offerings_command
    from academy.catalogue.listing.command import create_user_command

    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(import_offerings_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
