"""Health checks for load balancers: liveness (`/healthz`) and readiness (`/readyz`).

Liveness says only that the process answers: a balancer that restarts a server on
failure must not restart every server because the database is down. Readiness asks
the database (a `SELECT 1`, under the ping deadline of academy/database.py) and the
rate-limit storage: 503 while the database does not answer, so the balancer sends
traffic elsewhere. Redis not answering is reported but leaves the server ready: the
limiter counts in memory meanwhile (academy/__init__.py), and taking every server out
of the balancer because the shared Redis is down would turn a weaker limit into an outage.
"""

from __future__ import annotations

from contextlib import suppress
from time import perf_counter

from flask import Flask, current_app, jsonify
from sqlalchemy import text

from academy.extensions import db, limiter


def liveness():
    """The process answers."""
    return "ok\n", {"Content-Type": "text/plain", "Cache-Control": "no-store"}


def readiness():
    """The database answers (else 503); the rate-limit storage's state is reported."""
    database = _check_database()
    limits = _check_rate_limits()
    ready = database["ok"]
    status = "ready" if ready and limits["ok"] else ("degraded" if ready else "unavailable")
    response = jsonify(status=status, checks={"database": database, "rate_limits": limits})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    if not ready:
        response.headers["Retry-After"] = str(current_app.config["UNAVAILABLE_RETRY_AFTER"])
    return response


def _check_database() -> dict:
    """A round trip to the database, timed; never raises."""
    started = perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as error:  # noqa: BLE001 - any failure means "not ready", said below
        with suppress(Exception):
            db.session.rollback()
        return {"ok": False, "error": type(error).__name__, "ms": _ms(started)}
    return {"ok": True, "ms": _ms(started)}


def _check_rate_limits() -> dict:
    """Whether the limiter's storage answers (memory always does)."""
    url = current_app.config["RATELIMIT_STORAGE_URI"]
    kind = url.split(":", 1)[0]
    if kind == "memory":
        return {"ok": True, "storage": kind}
    started = perf_counter()
    try:
        answered = bool(limiter.storage.check())
    except Exception:  # noqa: BLE001 - an unreachable storage is the answer, not an error
        answered = False
    result = {"ok": answered, "storage": kind, "ms": _ms(started)}
    if not answered:
        result["note"] = "not answering: each server counts in its own memory meanwhile"
    return result


def _ms(started: float) -> float:
    return round((perf_counter() - started) * 1000, 1)


def register(app: Flask) -> None:
    """Add the two checks; neither is rate-limited, cached or needs a session."""
    app.add_url_rule("/healthz", "healthz", liveness)
    app.add_url_rule("/readyz", "readyz", readiness)
