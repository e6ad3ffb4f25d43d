"""The database connection: pre-ping, recycling, timeouts, and telling an absent database
from a bug.

PostgreSQL can go away in three ways, and each has its answer here:

- **restarted**: pooled connections are dead. `pool_pre_ping` tests each one as it is
  taken from the pool and replaces a dead one, so the first request after a restart
  is served as usual; `pool_recycle` retires connections before a firewall drops them.
- **stopped**: connecting fails at once (refused) or after `DATABASE_CONNECT_TIMEOUT`
  seconds; the error pages answer 503 (academy/errors.py).
- **paused** (a stalled server, a full network link): the server cannot enforce its own
  `statement_timeout`, and the kernel still acknowledges what is sent, so a request
  would wait as long as the pause. A watchdog thread cuts the socket of any call that
  outlives its deadline: a ping after `DATABASE_PING_TIMEOUT` seconds, a statement,
  commit or rollback made for a request a little after `DATABASE_STATEMENT_TIMEOUT`.
  libpq then sees the connection closed, SQLAlchemy discards it, the request gets its
  503. Commands (migrations, imports, backups) have no request and no statement deadline.

SQLite is a local file: it needs none of this, only its busy timeout (academy/__init__.py).
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import monotonic

from flask import Flask, has_request_context
from sqlalchemy import exc
from sqlalchemy.engine import Engine

#: Seconds the server gets beyond its own statement_timeout before the watchdog cuts in.
GRACE_SECONDS = 2.0
#: SQLite's result code for "database or disk is full".
SQLITE_FULL = 13
#: PostgreSQL's SQLSTATE for disk_full (class 53, insufficient resources).
PG_DISK_FULL = "53100"
#: SQLite messages that mean the file cannot be used now, rather than a bug in a query.
SQLITE_AWAY = ("database is locked", "unable to open database file", "disk i/o error")


def engine_options(app: Flask, url: str) -> dict:
    """The engine options for this URL: a copy of SQLALCHEMY_ENGINE_OPTIONS with the
    timeouts added (settings given there win)."""
    config = app.config
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    connect_args = dict(options.get("connect_args", {}))
    if url.startswith("sqlite"):
        connect_args.setdefault("timeout", config["SQLITE_BUSY_TIMEOUT"])
    elif url.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_recycle", int(config["DATABASE_POOL_RECYCLE"]))
        connect_args.setdefault("connect_timeout", int(config["DATABASE_CONNECT_TIMEOUT"]))
        statement_ms = int(float(config["DATABASE_STATEMENT_TIMEOUT"]) * 1000)
        connect_args.setdefault("options", f"-c statement_timeout={statement_ms}")
    options["connect_args"] = connect_args
    return options


class Watchdog:
    """One thread per process that cuts off database calls that outlive their deadline."""

    def __init__(self) -> None:
        self._pid: int | None = None

    def _start(self) -> None:
        """A lock and a thread of this process's own (gunicorn forks after import)."""
        self._pid = os.getpid()
        self._wake = threading.Condition()
        self._calls: dict[object, tuple[float, int]] = {}
        self._next_wake: float | None = None
        threading.Thread(target=self._watch, name="database-watchdog", daemon=True).start()

    @contextmanager
    def deadline(self, fd: int, seconds: float) -> Iterator[None]:
        """Cut the socket `fd` if the block has not finished within `seconds`."""
        if self._pid != os.getpid():
            self._start()
        token = object()
        due = monotonic() + seconds
        with self._wake:
            self._calls[token] = (due, fd)
            if self._next_wake is None or due < self._next_wake:
                self._wake.notify()
        try:
            yield
        finally:
            with self._wake:
                self._calls.pop(token, None)

    def _watch(self) -> None:
        """Sleep until the soonest deadline; cut whatever is overdue; repeat."""
        with self._wake:
            while True:
                now = monotonic()
                for token, (due, fd) in list(self._calls.items()):
                    if due <= now:
                        del self._calls[token]
                        cut(fd)
                self._next_wake = min((due for due, _ in self._calls.values()), default=None)
                self._wake.wait(None if self._next_wake is None else self._next_wake - now)


def cut(fd: int) -> None:
    """Shut a socket down under the call waiting on it, which then fails as disconnected."""
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


WATCHDOG = Watchdog()


def _socket_of(dbapi_connection) -> int | None:
    """The psycopg connection's socket, or None if it has none (closed, broken)."""
    try:
        return dbapi_connection.pgconn.socket
    except Exception:  # noqa: BLE001 - psycopg raises several kinds for a closed connection
        return None


def _guarded(call: Callable, seconds: Callable[[], float | None], connection_of: Callable):
    """`call`, under the watchdog's deadline for its connection's socket."""

    def guarded(first, *args, **kwargs):
        limit = seconds()
        fd = _socket_of(connection_of(first)) if limit else None
        if fd is None:
            return call(first, *args, **kwargs)
        with WATCHDOG.deadline(fd, limit):
            return call(first, *args, **kwargs)

    return guarded


def install_deadlines(app: Flask, engine: Engine) -> None:
    """Put PostgreSQL calls of this engine under the watchdog (SQLite needs none).

    The dialect's own methods are wrapped on this engine's dialect object, because
    they are what every path goes through: the pool's pre-ping and reset, the ORM's
    statements, commits and rollbacks."""
    if engine.dialect.name != "postgresql" or getattr(engine.dialect, "_academy_deadlines", False):
        return
    ping = float(app.config["DATABASE_PING_TIMEOUT"]) or None  # 0: no deadline
    limit = float(app.config["DATABASE_STATEMENT_TIMEOUT"])
    statement = limit + GRACE_SECONDS if limit else None

    def for_requests() -> float | None:
        return statement if has_request_context() else None

    dialect = engine.dialect
    itself, of_cursor = (lambda conn: conn), (lambda cursor: cursor.connection)
    dialect.do_ping = _guarded(dialect.do_ping, lambda: ping, itself)
    dialect.do_commit = _guarded(dialect.do_commit, for_requests, itself)
    dialect.do_rollback = _guarded(dialect.do_rollback, for_requests, itself)
    for name in ("do_execute", "do_executemany", "do_execute_no_params"):
        setattr(dialect, name, _guarded(getattr(dialect, name), for_requests, of_cursor))
    dialect._academy_deadlines = True


def disk_full(error: BaseException) -> bool:
    """Whether an error means the disk (or the database's quota) is full."""
    original = getattr(error, "orig", error)
    if isinstance(original, OSError) and original.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(original, sqlite3.Error):
        return getattr(original, "sqlite_errorcode", None) == SQLITE_FULL
    return getattr(original, "sqlstate", None) == PG_DISK_FULL


def unavailable(error: BaseException) -> bool:
    """Whether an error means the database cannot be reached or used just now (not a bug)."""
    if isinstance(error, exc.DisconnectionError | exc.TimeoutError):
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if not isinstance(error, exc.OperationalError):
        return False
    original = error.orig
    if isinstance(original, sqlite3.Error):
        return any(text in str(original).lower() for text in SQLITE_AWAY)
    return True  # psycopg's OperationalError: refused, closed, timed out, shutting down
