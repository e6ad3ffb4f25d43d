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
  commit or rollback made for a request a little after `DATABASE_STATEMENT_TIMEOUT`,
  or sooner, once past the ping timeout, if the server does not even answer a new
  connection (a slow statement on a live server is left to run). libpq then sees the
  connection closed, SQLAlchemy discards it, the request gets its 503. Commands
  (migrations, imports, backups) have no request and no statement deadline.

SQLite is a local file: it needs none of this, only its busy timeout (academy/__init__.py).
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
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


@dataclass
class Call:
    """A database call the watchdog keeps an eye on."""

    fd: int
    hard: float  # cut at this moment, whatever
    soft: float | None  # from this moment, cut if the server does not answer a probe
    server: tuple | None  # (family, address) of the server, to probe


class Watchdog:
    """One thread per process that cuts off database calls that outlive their deadline,
    or that wait on a server that no longer answers at all."""

    def __init__(self) -> None:
        self._pid: int | None = None

    def _start(self) -> None:
        """A lock and a thread of this process's own (gunicorn forks after import)."""
        self._pid = os.getpid()
        self._wake = threading.Condition()
        self._calls: dict[object, Call] = {}
        self._next_wake: float | None = None
        threading.Thread(target=self._watch, name="database-watchdog", daemon=True).start()

    @contextmanager
    def deadline(
        self, fd: int, seconds: float, *, probe_after: float | None = None, server=None
    ) -> Iterator[None]:
        """Cut the socket `fd` if the block has not finished within `seconds`, or, from
        `probe_after` seconds on, as soon as `server` does not answer a probe."""
        if self._pid != os.getpid():
            self._start()
        token = object()
        now = monotonic()
        soft = now + probe_after if probe_after and server else None
        call = Call(fd, now + seconds, soft, server)
        with self._wake:
            self._calls[token] = call
            due = call.soft or call.hard
            if self._next_wake is None or due < self._next_wake:
                self._wake.notify()
        try:
            yield
        finally:
            with self._wake:
                self._calls.pop(token, None)

    def _watch(self) -> None:
        """Sleep until the soonest deadline; cut what is overdue, probe what waits; repeat."""
        with self._wake:
            while True:
                now = monotonic()
                waiting = {}
                for token, call in list(self._calls.items()):
                    if call.hard <= now:
                        del self._calls[token]
                        cut(call.fd)
                    elif call.soft is not None and call.soft <= now:
                        waiting.setdefault(call.server, []).append(token)
                for server, tokens in waiting.items():
                    self._wake.release()  # probing takes time: never while holding the lock
                    try:
                        answered = answers(server, PROBE_SECONDS)
                    finally:
                        self._wake.acquire()
                    for token in tokens:
                        call = self._calls.get(token)
                        if call is None:
                            continue
                        if answered:
                            call.soft = monotonic() + PROBE_SECONDS  # busy, not stalled
                        else:
                            del self._calls[token]
                            cut(call.fd)
                dues = [c.soft if c.soft is not None else c.hard for c in self._calls.values()]
                self._next_wake = min(dues, default=None)
                wait = None if self._next_wake is None else max(0.0, self._next_wake - monotonic())
                self._wake.wait(wait)


#: PostgreSQL's SSLRequest: the first thing a client may send. A server that answers
#: at all answers it at once with one byte ("S" or "N"), before any authentication.
SSL_REQUEST = struct.pack("!ii", 8, 80877103)
#: How long a probe waits for that byte.
PROBE_SECONDS = 1.0


def answers(server: tuple, timeout: float) -> bool:
    """Whether the PostgreSQL server at (family, address) answers a new connection.

    Only silence means no: a stalled server's kernel takes the connection and nothing
    answers. A refusal or an address that is wrong tells nothing about the call that
    waits, which is left to its own deadline."""
    family, address = server
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(timeout)
        try:
            probe.connect(address)
            probe.sendall(SSL_REQUEST)
            probe.recv(1)
        except TimeoutError:
            return False
        except OSError:
            return True
    return True


def server_address(url) -> tuple | None:
    """(family, address) of a PostgreSQL URL's server, or None if it cannot be told."""
    host = url.host or url.query.get("host")
    if isinstance(host, tuple) or (host and "," in host):
        return None  # several hosts: no single one to ask
    port = url.port or 5432
    if not host or host.startswith("/"):
        folder = host or "/var/run/postgresql"
        return (socket.AF_UNIX, f"{folder}/.s.PGSQL.{port}")
    return (socket.AF_INET6 if ":" in host else socket.AF_INET, (host, port))


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


def _guarded(
    call: Callable,
    seconds: Callable[[], float | None],
    connection_of: Callable,
    *,
    probe_after: float | None = None,
    server: tuple | None = None,
):
    """`call`, under the watchdog's deadline for its connection's socket."""

    def guarded(first, *args, **kwargs):
        limit = seconds()
        fd = _socket_of(connection_of(first)) if limit else None
        if fd is None:
            return call(first, *args, **kwargs)
        with WATCHDOG.deadline(fd, limit, probe_after=probe_after, server=server):
            return call(first, *args, **kwargs)

    return guarded


def install_deadlines(app: Flask, engine: Engine) -> None:
    """Put PostgreSQL calls of this engine under the watchdog (SQLite needs none).

    The dialect's own methods are wrapped on this engine's dialect object, because
    they are what every path goes through: the pool's pre-ping and reset, the ORM's
    statements, commits and rollbacks. A request's call still waiting after the ping
    timeout has the server probed, once a second: a server that does not answer a new
    connection is stalled, and the call is cut then rather than at its deadline."""
    if engine.dialect.name != "postgresql" or getattr(engine.dialect, "_academy_deadlines", False):
        return
    ping = float(app.config["DATABASE_PING_TIMEOUT"]) or None  # 0: no deadline
    limit = float(app.config["DATABASE_STATEMENT_TIMEOUT"])
    statement = limit + GRACE_SECONDS if limit else None

    def for_requests() -> float | None:
        return statement if SERVING.get() or has_request_context() else None

    dialect = engine.dialect
    itself, of_cursor = (lambda conn: conn), (lambda cursor: cursor.connection)
    probing = {"probe_after": ping, "server": server_address(engine.url)}
    dialect.do_ping = _guarded(dialect.do_ping, lambda: ping, itself)
    dialect.do_commit = _guarded(dialect.do_commit, for_requests, itself, **probing)
    dialect.do_rollback = _guarded(dialect.do_rollback, for_requests, itself, **probing)
    for name in ("do_execute", "do_executemany", "do_execute_no_params"):
        method = getattr(dialect, name)
        setattr(dialect, name, _guarded(method, for_requests, of_cursor, **probing))
    dialect._academy_deadlines = True


#: True while this thread serves a request, its teardown included (where the session
#: gives its connection back and the pool rolls it back), which outlasts Flask's request
#: context. Commands never set it, so their statements have no deadline.
SERVING: ContextVar[bool] = ContextVar("academy_serving", default=False)


def serving(wsgi_app: Callable) -> Callable:
    """WSGI middleware: mark the thread as serving a request while the app handles it."""

    def app(environ, start_response):
        token = SERVING.set(True)
        try:
            return wsgi_app(environ, start_response)
        finally:
            SERVING.reset(token)

    return app


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
