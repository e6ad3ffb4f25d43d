"""`python -m bench.faults`: what people see while PostgreSQL, Redis or the disk fails.

gunicorn (2 workers × 4 threads, gunicorn.conf.py) serves the Academy on a PostgreSQL
cluster and a Redis of this run's own (tests/faults/services.py: free ports, never
the shared ones), or on SQLite in a 16 MB tmpfs for the full disk. Four client threads
send a mix of searches, portfolio pages, new entries (and wrong log-ins while Redis is
away) before, during and after each fault. For each fault the table gives the
requests sent, their statuses, the waits over a second and the longest, the time from
the end of the fault to the first request that succeeded, and the rows lost: entries
acknowledged with a redirect that are not in the database afterwards.

Needs root (runuser, mount), PostgreSQL's server programs and redis-server. About
three minutes. The table goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, select

from academy import create_app
from academy.extensions import db
from academy.portfolios.models import PortfolioEntry
from bench.generate import OUT_DIR
from tests.conftest import PASSWORD, app_settings, cheap_password_hashes, migrate_to_head
from tests.factories import gen_offering, gen_user
from tests.faults.services import Gunicorn, OwnPostgres, OwnRedis, hidden_fields, pause, resume
from tests.faults.test_database_faults import ENTRY
from tests.faults.test_disk_full import fill

THREADS = 4
BEFORE, AFTER = 3.0, 8.0


@dataclass
class Sent:
    kind: str
    started: float
    seconds: float
    status: int | str
    title: str | None = None


@dataclass
class Row:
    fault: str
    sent: list[Sent] = field(default_factory=list)
    fault_ended: float = 0.0
    lost: int | None = None

    def cells(self) -> list[str]:
        statuses = Counter(str(s.status) for s in self.sent)
        slow = [s.seconds for s in self.sent if s.seconds > 1]
        after = [s for s in self.sent if s.started >= self.fault_ended and ok(s.status)]
        recovered = min((s.started + s.seconds for s in after), default=None)
        return [
            self.fault,
            str(len(self.sent)),
            ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items())),
            f"{len(slow)} ({spread(slow)})" if slow else "0",
            "never" if recovered is None else f"{max(0.0, recovered - self.fault_ended):.1f} s",
            "–" if self.lost is None else str(self.lost),
        ]


def spread(seconds: list[float]) -> str:
    """The waits' median and longest."""
    ordered = sorted(seconds)
    return f"median {ordered[len(ordered) // 2]:.1f} s, longest {ordered[-1]:.1f} s"


def ok(status) -> bool:
    return isinstance(status, int) and status < 500 and status != 429


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seed(url: str) -> None:
    """A learner and an offer, on a migrated database."""
    migrate_to_head(url)
    app = create_app(app_settings(url))
    with app.app_context(), cheap_password_hashes():
        gen_user("learner@example.org", name="Ada Learner")
        gen_offering(title="Trauma-informed care", sessions=[10])
        db.engine.dispose()


def traffic(server: Gunicorn, row: Row, fault, repair, seconds: float, logins: bool) -> None:
    """Send requests from THREADS threads around a fault of `seconds`."""
    stop = threading.Event()
    lock = threading.Lock()

    def client(number: int) -> None:
        session = server.session()
        server.post(
            "/accounts/login", {"email": "learner@example.org", "password": PASSWORD}, session
        )
        turn = 0
        while not stop.is_set():
            turn += 1
            kind = ("search", "portfolio", "entry", "login" if logins else "search")[turn % 4]
            title = f"Entry {number}.{turn} {secrets.token_hex(3)}" if kind == "entry" else None
            started = time.monotonic()
            try:
                if kind == "search":
                    status = server.get("/catalogue/?q=trauma").status_code
                elif kind == "portfolio":
                    status = server.get("/portfolio/", session).status_code
                elif kind == "entry":  # a fresh form each time, as a person would have
                    page = server.get("/portfolio/entries/new", session)
                    status = page.status_code
                    if status == 200:
                        data = {**ENTRY, "title": title}
                        hidden = hidden_fields(page.text)
                        status = server.post(
                            "/portfolio/entries/new", data, session, hidden
                        ).status_code
                else:
                    wrong = {"email": "learner@example.org", "password": "not it"}
                    status = server.post("/accounts/login", wrong, server.session()).status_code
            except Exception as error:  # noqa: BLE001 - counted as what the client saw
                status = type(error).__name__
            with lock:
                row.sent.append(Sent(kind, started, time.monotonic() - started, status, title))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(BEFORE)
    fault()
    time.sleep(seconds)
    repair()
    row.fault_ended = time.monotonic()
    time.sleep(AFTER)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)


def rows_lost(row: Row, url: str) -> int:
    """Entries acknowledged with a redirect that the database does not hold."""
    acknowledged = {s.title for s in row.sent if s.kind == "entry" and s.status == 302}
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = set(connection.scalars(select(PortfolioEntry.title)))
    engine.dispose()
    return len(acknowledged - stored)


def limits(server: Gunicorn) -> list[str]:
    """Guesses answered before the first 429, as the issue counted them."""
    logins = [
        server.post(
            "/accounts/login", {"email": "learner@example.org", "password": "x"}, server.session()
        ).status_code
        for _ in range(20)
    ]
    shares = [server.get(f"/shared/{secrets.token_urlsafe(16)}").status_code for _ in range(150)]
    first = logins.index(429) if 429 in logins else len(logins)
    return [
        f"20 wrong passwords: {first} answered before the first 429 (documented: 10 a minute)",
        f"150 guesses at share tokens: {shares.count(404)} answered (documented: 60 a minute)",
    ]


def run(seconds_stopped: float, seconds_paused: float) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    pg, redis = OwnPostgres(), OwnRedis()
    server = None
    try:
        pg.start()
        redis.start()
        seed(pg.url)
        server = Gunicorn({"DATABASE_URL": pg.url, "RATELIMIT_STORAGE_URL": redis.url})
        server.start()
        said = limits(server)
        server.stop()
        settings = {"DATABASE_URL": pg.url, "RATELIMIT_STORAGE_URL": redis.url}
        server = Gunicorn({**settings, "LOGIN_RATE_LIMIT": "100000 per minute"})
        server.start()
        scenarios = [
            ("PostgreSQL restarted", pg.restart, lambda: None, 0.0, False),
            (
                f"PostgreSQL stopped {seconds_stopped:.0f} s",
                pg.stop,
                pg.start,
                seconds_stopped,
                False,
            ),
            (f"PostgreSQL paused {seconds_paused:.0f} s", *pauser(pg.pids), seconds_paused, False),
            (
                f"Redis stopped {seconds_stopped:.0f} s",
                redis.stop,
                redis.start,
                seconds_stopped,
                True,
            ),
            (
                f"Redis paused {seconds_paused:.0f} s",
                *pauser(lambda: [redis.process.pid]),
                seconds_paused,
                True,
            ),
        ]
        for name, fault, repair, seconds, logins in scenarios:
            log(f"{name}…")
            row = Row(name)
            traffic(server, row, fault, repair, seconds, logins)
            row.lost = rows_lost(row, pg.url)
            rows.append(row)
    finally:
        if server:
            keep_log(server, "postgresql")
            server.stop()
        redis.stop()
        pg.remove()
    rows.append(disk_full())
    return rows, said


def keep_log(server: Gunicorn, name: str) -> None:
    """gunicorn's log (with the JSON error lines) kept in bench/out/ for reading after."""
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / f"faults-{name}.log").write_text(server.log_text())


def pauser(pids_of):
    """(pause, resume) for the processes pids_of() names when the fault begins."""
    paused: list[int] = []

    def stop() -> None:
        paused[:] = pids_of()
        pause(paused)

    return stop, lambda: resume(paused)


def disk_full() -> Row:
    """SQLite in a 16 MB tmpfs, filled for ten seconds."""
    import subprocess

    folder = Path(tempfile.mkdtemp(prefix="academy-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], check=True)
    url = f"sqlite:///{folder / 'academy.db'}"
    row = Row("disk full 10 s (SQLite)")
    server = None
    try:
        seed(url)
        server = Gunicorn({"DATABASE_URL": url, "RATELIMIT_ENABLED": "false"}, workers=2)
        server.start()
        filler: list[Path] = []
        log("disk full…")
        traffic(
            server,
            row,
            lambda: filler.append(fill(folder)),
            lambda: filler[0].unlink(),
            10.0,
            False,
        )
        row.lost = rows_lost(row, url)
    finally:
        if server:
            keep_log(server, "disk")
            server.stop()
        subprocess.run(["umount", "-l", str(folder)], check=False)
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--stopped", type=float, default=20.0, help="seconds stopped (20)")
    parser.add_argument("--paused", type=float, default=17.0, help="seconds paused (17)")
    args = parser.parse_args(argv)
    rows, said = run(args.stopped, args.paused)
    header = ["fault", "requests", "statuses", "waits > 1 s", "recovered after", "rows lost"]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")
    print()
    for line in said:
        print(f"- {line}")


if __name__ == "__main__":
    main()
