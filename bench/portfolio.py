"""Time a big portfolio: the page `/portfolio/` and the .xlsx, .csv and .json exports.

One learner with 2,000 entries (bench/learners.py's compose_entry: five years of
them, every level and format, "not sure" and "not given" included, about 40%
with reflections, a third recorded from the catalogue) is added to the synthetic
catalogue, so that the page's suggestions run against a realistic catalogue too.
Every time is a whole request through the Flask test client, logged in as that
learner.

Targets (p95): the page at most 100 ms, the spreadsheet 1.5 s, CSV and JSON 0.3 s.
A breakdown of one page request shows where its time goes, step by step, the
same steps the view takes.

It runs on the search benchmark's own databases (bench/out/catalogue-<N>.sqlite3
and bench_academy), beside the generated learners' million entries; the
benchmark learner is replaced on every run and touches nothing else.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median
from time import perf_counter

from flask import render_template
from flask_login import login_user
from sqlalchemy import delete, event, insert, select, text

from academy import create_app
from academy.accounts.models import User
from academy.accounts.operations import find_user, register_user, start_login_session
from academy.catalogue.models import Offering
from academy.extensions import db
from academy.portfolios.entries.views import overview
from academy.portfolios.models import PortfolioEntry
from academy.timeutil import today
from academy.warmup import settle
from bench.common import DEFAULT_POSTGRES, ENV_POSTGRES, postgres_problem
from bench.generate import (
    NATIONAL_OFFERINGS,
    Prepared,
    bench_settings,
    prepare_postgres,
    prepare_sqlite,
    sqlalchemy_postgres_url,
)
from bench.learners import SEED, YEARS, compose_entry
from bench.search import BenchmarkError, percentile

ENTRIES = 2000
LEARNER = "bench-learner@example.org"
#: p95 targets in milliseconds.
TARGETS = {"page": 100.0, "xlsx": 1500.0, "csv": 300.0, "json": 300.0}
URLS = {
    "page": "/portfolio/",
    "xlsx": "/portfolio/export.xlsx",
    "csv": "/portfolio/export.csv",
    "json": "/portfolio/export.json",
}

Log = Callable[[str], None]


# --- the learner -------------------------------------------------------------------------


def entry_rows(user_id: int, offerings: list[tuple[int, str, str]], count: int) -> list[dict]:
    """One learner's entries over the last five years: every level and format, some reflections."""
    rng = random.Random(SEED)
    first_day = today() - timedelta(days=365 * YEARS)
    return [
        compose_entry(
            rng,
            user_id,
            number,
            rng.choice(offerings) if offerings and rng.random() < 0.33 else None,
            first_day,
        )
        for number in range(count)
    ]


def add_learner(url: str, count: int, log: Log) -> int:
    """Replace the benchmark learner with a fresh one holding `count` entries; returns its id."""
    app = create_app(bench_settings(url))
    with app.app_context():
        started = perf_counter()
        old = find_user(LEARNER)
        if old is not None:
            db.session.execute(delete(PortfolioEntry).where(PortfolioEntry.user_id == old.id))
            db.session.delete(old)
            db.session.flush()
        user = register_user(
            LEARNER, "bench password, not secret", "Bench Learner", sector="health", region="london"
        )
        offerings = [
            tuple(row)
            for row in db.session.execute(
                select(Offering.id, Offering.title, Offering.provider_id)
                .where(Offering.status == "published")
                .order_by(Offering.id)
                .limit(400)
            )
        ]
        offerings = [(oid, title[:200], f"Provider {pid}") for oid, title, pid in offerings]
        rows = entry_rows(user.id, offerings, count)
        for start in range(0, len(rows), 500):
            db.session.execute(insert(PortfolioEntry), rows[start : start + 500])
        db.session.commit()
        user_id = user.id
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                connection.execute(text("VACUUM ANALYZE portfolio_entries"))
                connection.execute(text("VACUUM ANALYZE users"))
        log(f"  added a learner with {count:,} entries in {perf_counter() - started:.1f} s")
        db.session.remove()
        db.engine.dispose()
    return user_id


# --- timing ------------------------------------------------------------------------------


@dataclass
class Timing:
    """Samples of one request, in milliseconds, with its size and SQL statements."""

    samples: list[float] = field(default_factory=list)
    statements: int = 0
    size: int = 0

    @property
    def p50(self) -> float:
        """The median."""
        return median(self.samples)

    @property
    def p95(self) -> float:
        """The 95th percentile."""
        return percentile(self.samples, 95)


@dataclass
class PortfolioReport:
    """One database's figures."""

    prepared: Prepared
    entries: int
    timings: dict[str, Timing]
    steps: list[tuple[str, float]]
    load: tuple[float, float, float]


def logged_in_client(app, user_id: int):
    """A test client holding a real login session of the learner's (as if logged in)."""
    with app.app_context():
        token = start_login_session(db.session.get(User, user_id))
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def time_requests(
    url: str, user_id: int, *, repeat: int, warmup: int, log: Log
) -> dict[str, Timing]:
    """Time the page and each export, round-robin, logged in as the learner."""
    app = create_app(bench_settings(url))
    settle(app)  # as gunicorn.conf.py does in every worker
    client = logged_in_client(app, user_id)
    with app.app_context():
        engine = db.engine
    statements = {"n": 0}

    def count(*_args) -> None:
        statements["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    timings = {name: Timing() for name in URLS}
    try:
        for round_number in range(warmup + repeat):
            for name, path in URLS.items():
                before = statements["n"]
                began = perf_counter()
                response = client.get(path)
                body = response.get_data()
                elapsed = (perf_counter() - began) * 1000
                if response.status_code != 200:
                    raise BenchmarkError(f"GET {path} answered {response.status_code}")
                if round_number >= warmup:
                    timing = timings[name]
                    timing.samples.append(elapsed)
                    timing.statements = statements["n"] - before
                    timing.size = len(body)
            if round_number >= warmup and (round_number - warmup + 1) % 10 == 0:
                log(f"  {round_number - warmup + 1}/{repeat} rounds")
    finally:
        event.remove(engine, "before_cursor_execute", count)
        with app.app_context():
            db.engine.dispose()
    return timings


def page_steps(url: str, user_id: int, rounds: int = 10) -> list[tuple[str, float]]:
    """Median time of each step of the portfolio page's view, done the same way as the view."""
    app = create_app(bench_settings(url))
    samples: dict[str, list[float]] = {}
    with app.test_request_context("/portfolio/"):
        user = db.session.get(User, user_id)
        login_user(user)
        marks: list[tuple[str, float]] = []

        def mark(step: str) -> None:
            marks.append((step, perf_counter()))

        for _ in range(rounds + 2):
            db.session.expire_all()
            marks.clear()
            mark("start")
            context = overview(user, year=None, level=None, page=1, mark=mark)
            render_template("portfolios/index.html", **context)
            mark(f"render the template ({len(context['entries']):,} rows)")
            for (_, begin), (name, end) in zip(marks, marks[1:], strict=False):
                samples.setdefault(name, []).append((end - begin) * 1000)
        db.session.remove()
        db.engine.dispose()
    return [(name, median(values[2:])) for name, values in samples.items()]


def run_portfolio(
    prepared: Prepared, url: str, *, entries: int, repeat: int, warmup: int, log: Log
) -> PortfolioReport:
    """Add the learner to a prepared catalogue and time everything."""
    load = os.getloadavg()
    user_id = add_learner(url, entries, log)
    log(f"{prepared.label}: timing the portfolio ({warmup} warm-up + {repeat} rounds) ...")
    timings = time_requests(url, user_id, repeat=repeat, warmup=warmup, log=log)
    steps = page_steps(url, user_id)
    return PortfolioReport(prepared, entries, timings, steps, load)


def format_report(report: PortfolioReport) -> str:
    """A plain-text table for one database."""
    prepared = report.prepared
    load = ", ".join(f"{value:.1f}" for value in report.load)
    lines = [
        f"== Portfolio: {prepared.label} {prepared.version} ==",
        f"One learner with {report.entries:,} entries over {YEARS} years; catalogue of "
        f"{prepared.counts['published']:,} published offers; {os.cpu_count()} CPUs, "
        f"load average {load}",
        "Whole requests through the Flask test client; times in ms; ! = p95 over the target",
        "",
        f"{'request':<24} {'n':>4} {'p50':>8} {'p95':>8}  {'target':>7}  {'SQL':>3} {'size':>10}",
        "─" * 72,
    ]
    met = True
    for name, timing in report.timings.items():
        target = TARGETS[name]
        over = timing.p95 > target
        met = met and not over
        lines.append(
            f"{URLS[name]:<24} {len(timing.samples):>4} {timing.p50:8.1f} {timing.p95:8.1f}"
            f"{'!' if over else ' '} {target:7.0f}  {timing.statements:>3} "
            f"{timing.size / 1024:8.0f} KB"
        )
    lines.append("─" * 72)
    lines.append(f"Targets: {'all MET' if met else 'NOT all met'}")
    lines.append("")
    lines.append("Where /portfolio/ spends its time (median of 10, the view's steps done in turn):")
    total = sum(ms for _, ms in report.steps)
    for name, ms in report.steps:
        lines.append(f"  {name:<44} {ms:7.1f} ms  {ms / total:4.0%}")
    lines.append(f"  {'total (without Flask and the test client)':<44} {total:7.1f} ms")
    return "\n".join(lines)


# --- databases ----------------------------------------------------------------------------


def run(
    *,
    offerings: int,
    entries: int,
    repeat: int,
    warmup: int,
    fresh: bool,
    sqlite: bool,
    postgres: str | None,
    postgres_problem: Callable[[str], str | None],
    log: Log,
    out: Callable[[str], None],
) -> list[PortfolioReport]:
    """Time the portfolio on SQLite and on PostgreSQL (when given and reachable)."""
    first = True
    reports = []
    if sqlite:
        prepared = prepare_sqlite(offerings, fresh=fresh, log=log)
        report = run_portfolio(
            prepared, prepared.url, entries=entries, repeat=repeat, warmup=warmup, log=log
        )
        out(format_report(report))
        reports.append(report)
        first = False
    if postgres:
        problem = postgres_problem(postgres)
        if problem:
            out(f"{'' if first else chr(10)}Portfolio on PostgreSQL: skipped ({problem})")
            return reports
        url = sqlalchemy_postgres_url(postgres)
        prepared = prepare_postgres(url, offerings, fresh=fresh, log=log)
        report = run_portfolio(
            prepared, url, entries=entries, repeat=repeat, warmup=warmup, log=log
        )
        if not first:
            out("")
        out(format_report(report))
        reports.append(report)
    return reports


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.portfolio`: the portfolio benchmark alone."""
    parser = argparse.ArgumentParser(prog="python -m bench.portfolio", description=__doc__)
    parser.add_argument("--offerings", type=int, default=NATIONAL_OFFERINGS, metavar="N")
    parser.add_argument("--entries", type=int, default=ENTRIES, metavar="E")
    parser.add_argument("--repeat", type=int, default=30, metavar="R")
    parser.add_argument("--warmup", type=int, default=3, metavar="W")
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args(argv)
    postgres = None
    if not args.no_postgres:
        postgres = args.postgres or os.environ.get(ENV_POSTGRES) or DEFAULT_POSTGRES

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def out(message: str) -> None:
        print(message, flush=True)

    try:
        run(
            offerings=args.offerings,
            entries=args.entries,
            repeat=args.repeat,
            warmup=args.warmup,
            fresh=args.fresh,
            sqlite=not args.no_sqlite,
            postgres=postgres,
            postgres_problem=postgres_problem,
            log=log,
            out=out,
        )
    except BenchmarkError as error:
        log(f"error: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
