"""Time the fixed search mix through the Flask test client, and format the table.

Every query runs against both the page (``/catalogue/``) and the API
(``/api/v1/offerings``). After warm-up rounds, the mix runs round-robin R
times, so that a slow moment of the machine spreads over all queries instead
of landing on one. A time is the wall-clock time of one whole request:
parsing, every SQL statement, rendering or JSON encoding.
"""

from __future__ import annotations

import gc
import os
import platform
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import ceil
from statistics import median, quantiles
from time import perf_counter
from urllib.parse import urlencode

from sqlalchemy import create_engine, event, select
from sqlalchemy.pool import NullPool

from academy import create_app
from academy.catalogue.models import Offering, OfferingSession
from academy.catalogue.search.facet_index import current_index
from academy.extensions import db
from academy.timeutil import today
from bench.generate import Prepared, bench_settings

TARGET_MS = 50.0
#: The app's time at most twice the bare SQL time of the same query.
TARGET_RATIO = 2.0
PAGE = "/catalogue/"
API = "/api/v1/offerings"
#: The common and the rare free-text queries (see bench/vocabulary.py).
COMMON_TEXT = "trauma informed"
RARE_TEXT = "soteria"
DEEP_PAGE = 40


@dataclass
class Query:
    """One query of the mix: a name and its search parameters."""

    name: str
    params: dict[str, str]

    @property
    def query_string(self) -> str:
        """The parameters as they appear in the URL."""
        return urlencode(self.params)

    def url(self, endpoint: str) -> str:
        """The URL on one endpoint."""
        return f"{endpoint}?{self.query_string}" if self.params else endpoint


def search_mix(anchor: date, published: int, per_page: int = 20) -> list[Query]:
    """The fixed mix. The date range is about a month, starting three months ahead.

    The deep page is page 40, or the last page of a catalogue too small to have one.
    """
    deep = min(DEEP_PAGE, max(1, ceil(published / per_page)))
    month = (anchor.month - 1 + 3) % 12 + 1
    year = anchor.year + (anchor.month - 1 + 3) // 12
    after = date(year, month, 1)
    before = after + timedelta(days=30)
    return [
        Query("free text, common", {"q": COMMON_TEXT}),
        Query("free text, rare", {"q": RARE_TEXT}),
        Query("level + region", {"level": "awareness", "region": "london"}),
        Query("co-delivered + free", {"co_delivered": "1", "free": "1"}),
        Query(
            "date range",
            {"starts_after": after.isoformat(), "starts_before": before.isoformat()},
        ),
        Query("empty (facets only)", {}),
        Query("deep page", {"page": str(deep)}),
    ]


@dataclass
class Timing:
    """The samples of one query on one endpoint, in milliseconds."""

    samples: list[float] = field(default_factory=list)
    statements: int = 0

    @property
    def p50(self) -> float:
        """The median."""
        return median(self.samples)

    @property
    def p95(self) -> float:
        """The 95th percentile (inclusive method, so never above the maximum)."""
        return percentile(self.samples, 95)


def percentile(samples: list[float], pct: int) -> float:
    """A percentile of samples; a single sample is its own percentile."""
    if len(samples) == 1:
        return samples[0]
    return quantiles(samples, n=100, method="inclusive")[pct - 1]


@dataclass
class Row:
    """A line of the table: the same query on the page, on the API, and as bare SQL."""

    name: str
    shown: str
    hits: int | None
    page: Timing
    api: Timing
    sql: Timing = field(default_factory=Timing)
    statements: list[tuple[str, object]] = field(default_factory=list)
    cold: bool = False  # asked with the memo emptied first

    def ratio(self, which: str) -> float | None:
        """The endpoint's p95 over the bare SQL's p95: what the app adds, as a factor."""
        if not self.sql.samples or not self.sql.p95:
            return None
        return getattr(self, which).p95 / self.sql.p95


@dataclass
class Report:
    """Everything one database's table shows."""

    prepared: Prepared
    repeat: int
    warmup: int
    rows: list[Row]
    offer: Row
    seconds: float
    load: tuple[float, float, float]
    rss_mb: float = 0.0

    def overall(self, which: str) -> float:
        """p95 over every sample of the search mix on one endpoint."""
        samples = [s for row in self.rows if not row.cold for s in getattr(row, which).samples]
        return percentile(samples, 95)


class BenchmarkError(RuntimeError):
    """A request of the mix did not answer 200."""


def run_mix(prepared: Prepared, *, repeat: int, warmup: int, log: Callable[[str], None]) -> Report:
    """Warm up, then time the mix and an offer page on one database."""
    started = perf_counter()
    load = os.getloadavg()
    app = create_app(bench_settings(prepared.url))
    per_page = app.config["SEARCH_PER_PAGE"]
    mix = search_mix(prepared.anchor, prepared.counts["published"], per_page)
    with app.app_context():
        slug = _sample_slug()
        engine = db.engine
    statements = {"n": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def count_statement(*_args) -> None:
        statements["n"] += 1

    client = app.test_client()
    targets: list[tuple[str, Timing]] = []
    rows = []
    for query in mix:
        row = Row(query.name, query.query_string or "(no parameters)", None, Timing(), Timing())
        rows.append(row)
        targets += [(query.url(PAGE), row.page), (query.url(API), row.api)]
    offer = Row("offer page", f"/catalogue/{slug}", None, Timing(), Timing())
    targets += [
        (f"/catalogue/{slug}", offer.page),
        (f"/api/v1/offerings/{slug}", offer.api),
    ]

    # Questions the app memoises (full text, dates) also run "first asked": the memo
    # emptied before each request, as after a change to the catalogue.
    for row, query in zip(list(rows), mix, strict=True):
        if "q" in query.params or "starts_after" in query.params:
            first = Row(f"{row.name}, first", row.shown, None, Timing(), Timing(), cold=True)
            rows.append(first)
            targets += [(query.url(PAGE), first.page), (query.url(API), first.api)]
    # The first request of each query also counts its hits (and warms up a little).
    for row, query in zip(rows, mix, strict=False):
        response = client.get(query.url(API))
        _check(prepared, query.url(API), response)
        row.hits = response.get_json()["total"]
    # What SQL each query runs once the index is built: the bare SQL to compare with.
    captured: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    page_urls = {id(timing): url for url, timing in targets}
    for row in [*rows, offer]:
        url = page_urls[id(row.page)]
        for _ in range(2):  # the first may rebuild the index; keep the second
            if row.cold:
                with app.app_context():
                    current_index().memo.clear()
            captured.clear()
            _check(prepared, url, client.get(url))
        row.statements = list(captured)
    event.remove(engine, "before_cursor_execute", capture)
    bare = [(row.statements, row.sql) for row in [*rows, offer]]
    # A connection of its own, never one of the app's pool.
    bare_connection = create_engine(engine.url, poolclass=NullPool).raw_connection()
    cold = {id(t) for row in rows if row.cold for t in (row.page, row.api)}

    for round_number in range(warmup + repeat):
        measured = round_number >= warmup
        for url, timing in targets:
            with forgotten(app, id(timing) in cold):
                before = statements["n"]
                begin = perf_counter()
                response = client.get(url)
                response.get_data()
                elapsed = (perf_counter() - begin) * 1000
            _check(prepared, url, response)
            if measured:
                timing.samples.append(elapsed)
                timing.statements = statements["n"] - before
        for sql, timing in bare:
            elapsed = _time_bare_sql(bare_connection, sql)
            if measured:
                timing.samples.append(elapsed)
                timing.statements = len(sql)
        # The replays' rows are the benchmark's garbage, not the app's: collected here,
        # or the collection lands in the next request timed (academy/collector.py
        # collects at the end of a request). Without this the common-text page, first
        # in each round, measured 100 ms at p95 on SQLite against 10 ms alone.
        gc.collect()
        if measured and (round_number - warmup + 1) % 10 == 0:
            log(f"  {prepared.label}: {round_number - warmup + 1}/{repeat} rounds")
    event.remove(engine, "before_cursor_execute", count_statement)
    bare_connection.close()
    with app.app_context():
        db.engine.dispose()
    rss_mb = resident_mb()
    return Report(prepared, repeat, warmup, rows, offer, perf_counter() - started, load, rss_mb)


def resident_mb(pid: int | str = "self") -> float:
    """A process's resident set size now, in MB (Linux)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def forgotten(app, cold: bool):
    """For a "first" row: the memo empty during its request, and as it was again after.

    Emptying it for good would make the next round's first repeated text or date
    query a first-asked one too, and time the wrong thing.
    """
    if not cold:
        yield
        return
    with app.app_context():
        memo = current_index().memo
    with memo.lock:
        kept, held = memo.answers.copy(), memo.held
    memo.clear()
    try:
        yield
    finally:
        with memo.lock:
            memo.answers, memo.held = kept, held


def _time_bare_sql(connection, statements: list[tuple[str, object]]) -> float:
    """Milliseconds to run the statements on a raw DB-API connection and fetch every row.

    The same statements and parameters the app sent, with no ORM, no Python objects
    made from the rows, no page: the database's share of a request.
    """
    cursor = connection.cursor()
    try:
        begin = perf_counter()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            if cursor.description is not None:
                cursor.fetchall()
        return (perf_counter() - begin) * 1000
    finally:
        cursor.close()
        connection.rollback()


def _check(prepared: Prepared, url: str, response) -> None:
    if response.status_code != 200:
        body = response.get_data()[:300].decode(errors="replace")
        raise BenchmarkError(f"{prepared.label}: GET {url} answered {response.status_code}: {body}")


def _sample_slug() -> str:
    """A published offering with upcoming sessions, the same one on every run."""
    with_sessions = select(OfferingSession.offering_id).where(OfferingSession.starts_on >= today())
    return db.session.scalar(
        select(Offering.slug)
        .where(Offering.status == "published", Offering.id.in_(with_sessions))
        .order_by(Offering.id)
        .offset(500)
        .limit(1)
    ) or db.session.scalar(select(Offering.slug).where(Offering.status == "published").limit(1))


# --- the table ----------------------------------------------------------------------


def format_report(report: Report) -> str:
    """One plain-text table for one database."""
    prepared = report.prepared
    counts = prepared.counts
    where = shown_url(prepared)
    load = ", ".join(f"{value:.1f}" for value in report.load)
    lines = [
        f"== Catalogue search: {prepared.label} {prepared.version} ({where}) ==",
        f"Python {platform.python_version()}, SQLite library {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs, load average {load} (1/5/15 min, at the start)",
        f"Data {'reused' if prepared.reused else 'generated'} in {prepared.seconds:.1f} s, "
        f"dated from {prepared.anchor.isoformat()}: {counts['published']:,} published offerings "
        f"({counts['self_paced']:,} self-paced)",
        f"  + {counts['unpublished']:,} draft/submitted/withdrawn, {counts['providers']:,} "
        f"providers, {counts['sessions']:,} sessions, {counts['tags']:,} facet tags",
        f"  + {counts['learners']:,} learners with {counts['entries']:,} portfolio entries",
        f"Each request timed {report.repeat} times after {report.warmup} warm-up "
        f"round{'' if report.warmup == 1 else 's'} of the whole mix (Flask test client,",
        "whole request); times in ms. SQL = the same statements the app ran, on a raw",
        "DB-API connection, every row fetched; n = statements; ×SQL = p95 over the SQL's p95;",
        f"! = over a target ({TARGET_MS:.0f} ms; {TARGET_RATIO:.0f}× the SQL)",
        "",
    ]
    header = (
        f"{'query':<20} {'hits':>6} │ {'page p50':>8} {'p95':>6}  {'×SQL':>4} │"
        f" {'API p50':>7} {'p95':>6}  {'×SQL':>4} │ {'SQL p50':>7} {'p95':>6} {'n':>2}"
    )
    rule = "─" * len(header)
    lines += [header, rule]
    for row in [*report.rows, None, report.offer]:
        if row is None:
            lines.append(rule)
            continue
        hits = "" if row.hits is None else f"{row.hits:,}"
        lines.append(
            f"{row.name:<20} {hits:>6} │ {row.page.p50:8.1f} {_p95(row.page)} {_ratio(row, 'page')}"
            f" │ {row.api.p50:7.1f} {_p95(row.api)} {_ratio(row, 'api')}"
            f" │ {row.sql.p50:7.1f} {row.sql.p95:6.1f} {row.sql.statements:>2}"
        )
    lines.append(rule)
    page_p95, api_p95 = report.overall("page"), report.overall("api")
    page_flag = "!" if page_p95 > TARGET_MS else " "
    api_flag = "!" if api_p95 > TARGET_MS else " "
    lines.append(
        f"{'overall p95 of the search mix':<27} │ {'':>8} {page_p95:6.1f}{page_flag} {'':>4} │"
        f" {'':>7} {api_p95:6.1f}{api_flag}"
    )
    lines.append("")
    lines.append("Parameters:")
    for row in [*report.rows, report.offer]:
        lines.append(f"  {row.name:<20} {row.shown}")
    slow = [
        f"{row.name} ({which})"
        for row in report.rows
        for which in ("page", "api")
        if getattr(row, which).p95 > TARGET_MS and not row.cold
    ]
    first = [
        f"{row.name} {which} {getattr(row, which).p95:.0f} ms"
        for row in report.rows
        for which in ("page", "api")
        if getattr(row, which).p95 > TARGET_MS and row.cold
    ]
    heavy = [
        f"{row.name} ({which} {row.ratio(which):.1f}×)"
        for row in report.rows
        for which in ("page", "api")
        if (row.ratio(which) or 0) > TARGET_RATIO
    ]
    lines.append(
        f"Target p95 ≤ {TARGET_MS:.0f} ms for every query: "
        + ("MET" if not slow else "NOT MET: " + ", ".join(slow))
    )
    if first:
        lines.append(
            "Asked for the first time since the catalogue changed (memo empty), over the "
            f"target: {', '.join(first)}"
        )
    lines.append(
        f"Target app ≤ {TARGET_RATIO:.0f}× its bare SQL (p95 over p95): "
        + ("MET" if not heavy else "NOT MET: " + ", ".join(heavy))
    )
    lines.append(f"The benchmark took {report.seconds:.0f} s.")
    return "\n".join(lines)


def _ratio(row: Row, which: str) -> str:
    ratio = row.ratio(which)
    if ratio is None:
        return f"{'–':>4} "
    return f"{ratio:4.1f}{'!' if ratio > TARGET_RATIO else ' '}"


def _p95(timing: Timing) -> str:
    flag = "!" if timing.p95 > TARGET_MS else " "
    return f"{timing.p95:6.1f}{flag}"


def shown_url(prepared: Prepared) -> str:
    """Where a report says its data is: the SQLite file, or the URL without a password."""
    if prepared.label == "SQLite":
        return prepared.url.removeprefix("sqlite:///")
    from sqlalchemy.engine import make_url

    return make_url(prepared.url).render_as_string(hide_password=True)
