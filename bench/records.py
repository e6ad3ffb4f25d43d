"""Time issued records: a PDF record of 200 entries, and /verify/<code>.

One learner with 200 entries (the portfolio benchmark's mix: every level and
format, about 40% with reflections) on a fresh database of its own: a SQLite
file in bench/out/ and, when reachable, the PostgreSQL database bench_records
(its schema is dropped and migrated on every run). Every time is a whole
request through the Flask test client.

- `/portfolio/export.pdf` (the whole portfolio) and `?profile=nmc`: each
  request renders the record with WeasyPrint and issues it. Target: 5 s.
- `/verify/<code>` for a PDF record: the public page, looked up by code and
  drawn from the frozen snapshot. Target p95: 50 ms. Rate limits are off
  here (they are per client, and this is one client asking hundreds of times).
- `POST /verify/<code>` with the PDF: hashing the upload and comparing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

from pypdf import PdfReader
from sqlalchemy import insert

from academy import create_app
from academy.accounts.models import User
from academy.accounts.operations import register_user
from academy.extensions import db
from academy.portfolios.entries.operations import choose_profiles
from academy.portfolios.models import PortfolioEntry
from academy.portfolios.records.issued import issued_records_of
from academy.timeutil import today
from academy.warmup import settle
from bench.generate import OUT_DIR, bench_settings, fresh_database, sqlalchemy_postgres_url
from bench.portfolio import Timing, entry_rows, logged_in_client
from bench.search import BenchmarkError

ENTRIES = 200
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/bench_records"
#: Targets in milliseconds (p95; for PDFs, every one).
TARGETS = {"pdf": 5000.0, "pdf nmc": 5000.0, "verify": 50.0, "verify a file": 50.0}

Log = Callable[[str], None]


@dataclass
class RecordsReport:
    """One database's figures."""

    label: str
    entries: int
    #: Pages of each PDF ("pdf", "pdf nmc").
    pages: dict[str, int]
    timings: dict[str, Timing]


def add_learner(url: str, entries: int) -> int:
    """A learner with `entries` entries and an NMC renewal date; returns the id."""
    app = create_app(bench_settings(url))
    with app.app_context():
        user = register_user("records@example.org", "bench password, not secret", "Bench Learner")
        choose_profiles(user, {"nmc": today().replace(year=today().year + 1)})
        db.session.execute(insert(PortfolioEntry), entry_rows(user.id, [], entries))
        db.session.commit()
        user_id = user.id
        db.engine.dispose()
    return user_id


def time_records(url: str, user_id: int, *, repeat: int, log: Log) -> RecordsReport:
    """Time PDF records and /verify/ for one database."""
    app = create_app({**bench_settings(url), "RATELIMIT_ENABLED": False})
    settle(app)
    learner = logged_in_client(app, user_id)
    timings = {name: Timing() for name in TARGETS}
    body = b""
    pages = {}
    # Untimed: a process loads WeasyPrint with its first PDF (about a second, once;
    # academy/portfolios/records/pdf.py), which is not what making a PDF costs.
    learner.get("/portfolio/export.pdf?profile=nmc").get_data()
    for name, path in (
        ("pdf", "/portfolio/export.pdf"),
        ("pdf nmc", "/portfolio/export.pdf?profile=nmc"),
    ):
        for _ in range(max(3, repeat // 10)):
            began = perf_counter()
            response = learner.get(path)
            body = response.get_data()
            timings[name].samples.append((perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise BenchmarkError(f"GET {path} answered {response.status_code}")
            timings[name].size = len(body)
        pages[name] = len(PdfReader(io.BytesIO(body)).pages)
    log(f"  PDFs: median {timings['pdf'].p50 / 1000:.2f} s")
    with app.app_context():
        code = issued_records_of(db.session.get(User, user_id))[0].code  # the last PDF's
    stranger = app.test_client()
    page = stranger.get(f"/verify/{code}")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)
    for round_number in range(repeat * 10 + 20):
        began = perf_counter()
        response = stranger.get(f"/verify/{code}")
        response.get_data()
        elapsed = (perf_counter() - began) * 1000
        if response.status_code != 200:
            raise BenchmarkError(f"GET /verify/{code} answered {response.status_code}")
        if round_number >= 20:
            timings["verify"].samples.append(elapsed)
            timings["verify"].size = len(response.data)
    for round_number in range(repeat + 5):
        began = perf_counter()
        response = stranger.post(
            f"/verify/{code}",
            data={"csrf_token": token.decode(), "file": (io.BytesIO(body), "record.pdf")},
            content_type="multipart/form-data",
        )
        elapsed = (perf_counter() - began) * 1000
        if b"<h2>Genuine</h2>" not in response.data:
            raise BenchmarkError("the issued PDF did not check out as genuine")
        if round_number >= 5:
            timings["verify a file"].samples.append(elapsed)
            timings["verify a file"].size = len(body)
    with app.app_context():
        db.engine.dispose()
    label = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    return RecordsReport(label, ENTRIES, pages, timings)


def format_report(report: RecordsReport) -> str:
    """A plain-text table for one database."""
    lines = [
        f"== Records: {report.label} ==",
        f"One learner with {report.entries} entries. PDFs: the whole portfolio "
        f"{report.pages['pdf']} pages, {report.timings['pdf'].size / 1024:.0f} KB; NMC "
        f"{report.pages['pdf nmc']} pages, {report.timings['pdf nmc'].size / 1024:.0f} KB.",
        "Whole requests through the Flask test client; times in ms; ! = over the target",
        "",
        f"{'request':<38} {'n':>4} {'p50':>8} {'p95':>8} {'max':>8}  {'target':>7}",
        "─" * 80,
    ]
    met = True
    for name, timing in report.timings.items():
        # A PDF must be within its target every time; a page at the 95th percentile.
        worst = max(timing.samples) if name.startswith("pdf") else timing.p95
        over = worst > TARGETS[name]
        met = met and not over
        lines.append(
            f"{LABELS[name]:<38} {len(timing.samples):>4} {timing.p50:8.1f} {timing.p95:8.1f} "
            f"{max(timing.samples):8.1f}{'!' if over else ' '} {TARGETS[name]:7.0f}"
        )
    lines.append("─" * 80)
    lines.append(f"Targets: {'all MET' if met else 'NOT all met'}")
    return "\n".join(lines)


LABELS = {
    "pdf": "GET /portfolio/export.pdf",
    "pdf nmc": "GET /portfolio/export.pdf?profile=nmc",
    "verify": "GET /verify/<code>",
    "verify a file": "POST /verify/<code> (the PDF)",
}


def run(
    *,
    repeat: int,
    sqlite: bool,
    postgres: str | None,
    postgres_problem: Callable[[str], str | None],
    log: Log,
    out: Callable[[str], None],
) -> list[RecordsReport]:
    """Time records on SQLite and on PostgreSQL (when given and reachable)."""
    targets = []
    reports = []
    if sqlite:
        OUT_DIR.mkdir(exist_ok=True)
        targets.append(f"sqlite:///{OUT_DIR / 'records.sqlite3'}")
    if postgres:
        problem = postgres_problem(postgres)
        if problem:
            out(f"Records on PostgreSQL: skipped ({problem})")
        else:
            targets.append(sqlalchemy_postgres_url(postgres))
    for number, url in enumerate(targets):
        log(f"Records: a learner with {ENTRIES} entries on {url.split(':')[0]} ...")
        fresh_database(url)
        user_id = add_learner(url, ENTRIES)
        report = time_records(url, user_id, repeat=repeat, log=log)
        if number:
            out("")
        out(format_report(report))
        reports.append(report)
    return reports
