"""Error pages: the site's layout for people, JSON for API clients, one log line for us.

Three kinds of failure are told apart, because a person can act on each differently:

- **507**: the disk (or the database's quota) is full. Nothing was saved; what was
  typed comes back on the page, ready to send again.
- **503, with Retry-After**: the database cannot be reached (stopped, restarting,
  not answering in time: academy/database.py). The page is rendered without it.
- **500**: a bug. It is logged with its traceback.

Every 5xx is logged as one JSON line carrying the request's id, which the page shows
("quote this reference") and every response carries as `X-Request-ID`.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import traceback
from contextlib import suppress

from flask import Flask, current_app, g, jsonify, render_template, request
from markupsafe import escape
from sqlalchemy import inspect as sa_inspect
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from academy.database import disk_full, unavailable
from academy.extensions import db
from academy.timeutil import utcnow

PAGES = {400, 403, 404, 405, 413, 429, 500, 503, 507}
#: A request id passed on by a trusted proxy is kept if it looks like one.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
#: Never written back into a page, even to keep what someone typed.
SECRET_FIELDS = re.compile(r"password|csrf_token", re.IGNORECASE)

DATABASE_AWAY = "The Academy cannot reach its database just now. Please try again in a minute."

log = logging.getLogger("academy.errors")


class InsufficientStorage(HTTPException):
    """507: there is no room to save the change."""

    code = 507
    description = "The change could not be saved because the server's disk is full."


def request_id() -> str:
    """This request's id: the trusted proxy's X-Request-ID, else a new random one."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        trusted = current_app.config["PROXY_COUNT"] and REQUEST_ID.fullmatch(given)
        g.request_id = given if trusted else secrets.token_hex(8)
    return g.request_id


def wants_json() -> bool:
    """Whether the request came to the API, which always answers in JSON."""
    return request.path.startswith("/api/")


def kept_fields() -> list[tuple[str, str]]:
    """What a POST sent, passwords and the CSRF token aside, to send again from the page."""
    if request.method != "POST":
        return []
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if not SECRET_FIELDS.search(name)
    ]


def render_error(error: HTTPException, *, without_database: bool = False):
    """Render an HTTP error in the form the client expects, with the error's headers
    (Allow on a 405, Retry-After on a 503)."""
    code = error.code or 500
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if wants_json():
        body = {"error": error.name, "message": error.description, "status": code}
        if code >= 500:
            body["request_id"] = request_id()
        return jsonify(body), code, headers
    if without_database:
        # The layout asks who is logged in, which needs the database: nobody, here.
        g._login_user = current_app.login_manager.anonymous_user()
    template = f"errors/{code}.html" if code in PAGES else "errors/generic.html"
    context = {"error": error, "request_id": request_id() if code >= 500 else None}
    if code in (503, 507):
        context.update(kept=kept_fields(), files_sent=bool(request.files))
    try:
        return render_template(template, **context), code, headers
    except Exception:  # noqa: BLE001 - the error page must never become an error itself
        if not without_database:
            with suppress(Exception):
                db.session.rollback()
            return render_error(error, without_database=True)
        return _bare_page(error, context.get("request_id")), code, headers


def _bare_page(error: HTTPException, reference: str | None) -> str:
    """The last resort: a page that needs no template, no database and no session."""
    said = f"<p>Reference: <code>{escape(reference)}</code></p>" if reference else ""
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(error.name)} – Relational Learning Academy</title></head>"
        f"<body><main><h1>{escape(error.name)}</h1><p>{escape(error.description)}</p>"
        f'{said}<p><a href="/">Go to the home page</a></p></main></body></html>'
    )


def log_server_error(code: int, error: BaseException | None, *, with_traceback: bool) -> None:
    """One JSON line for a 5xx: when, which request, whose, what went wrong."""
    entry = {
        "time": utcnow().isoformat(timespec="milliseconds"),
        "level": "error",
        "event": "server_error",
        "status": code,
        "request_id": request_id(),
        "method": request.method,
        "path": request.path,
        "endpoint": request.endpoint,
        "user_id": _user_id(),
        "remote_addr": request.remote_addr,
    }
    if error is not None:
        entry["error"] = type(error).__name__
        entry["message"] = str(error)[:500]
        if with_traceback:
            entry["traceback"] = "".join(traceback.format_exception(error))
    log.error(json.dumps(entry, default=str))


def _user_id() -> int | None:
    """Who was logged in, from the identity map alone: after a failed transaction the
    user is expired, and loading it again would need the database."""
    user = g.get("_login_user")
    with suppress(Exception):
        identity = sa_inspect(user).identity if user is not None else None
        return identity[0] if identity else None
    return None


def configure_logs() -> None:
    """Once per process: the JSON lines go to stderr as they are (gunicorn's error log), and
    so do the limiter's warnings (storage unreachable, recovered), which it would drop."""
    # Alembic's fileConfig (flask db upgrade, in the same process) disables loggers it finds.
    log.disabled = False
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.ERROR)
        log.propagate = False
    limiter_log = logging.getLogger("flask-limiter")
    limiter_log.disabled = False
    if not any(isinstance(h, logging.StreamHandler) for h in limiter_log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")
        )
        limiter_log.addHandler(handler)
        limiter_log.setLevel(logging.INFO)


def register(app: Flask) -> None:
    """Install the handlers on an app."""
    configure_logs()

    @app.after_request
    def add_request_id(response):
        response.headers.setdefault("X-Request-ID", request_id())
        return response

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if (error.code or 500) >= 500:
            log_server_error(error.code or 500, error, with_traceback=False)
        return render_error(error)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        with suppress(Exception):
            db.session.rollback()
        if disk_full(error):
            log_server_error(507, error, with_traceback=False)
            return render_error(InsufficientStorage())
        if unavailable(error):
            log_server_error(503, error, with_traceback=False)
            wait = app.config["UNAVAILABLE_RETRY_AFTER"]
            return render_error(
                ServiceUnavailable(DATABASE_AWAY, retry_after=wait), without_database=True
            )
        log_server_error(500, error, with_traceback=True)
        return render_error(InternalServerError())
