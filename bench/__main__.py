"""`python -m bench`: catalogue search, a 2,000-entry portfolio, records, the import,
the load test (gunicorn driven by wrk, bench/load.py), then the soak (bench/soak.py).

SQLite first, then PostgreSQL when a server answers: the URL from --postgres,
else ACADEMY_BENCH_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/bench_academy
(created if missing). The portfolio, the records and the import run on databases
of their own (the portfolio's learner joins the catalogue's; fresh
bench/out/records.sqlite3 and bench_records; a fresh bench/out/import.sqlite3 and
bench_import), so they never disturb the search catalogue. The results go to stdout, one table per
database and benchmark; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys

from sqlalchemy.engine import make_url

from bench.common import DEFAULT_POSTGRES, ENV_POSTGRES, log, out, positive, postgres_problem
from bench.generate import (
    NATIONAL_OFFERINGS,
    OUT_DIR,
    prepare_postgres,
    prepare_sqlite,
    sqlalchemy_postgres_url,
)
from bench.importing import OFFERINGS, SESSIONS, format_import_report, run_import
from bench.load import (
    REQUESTS_PER_WORKER,
    TARGET_RPS,
    TARGET_RSS_MB,
    TARGET_SHARE_OF_HEALTHZ,
    LoadReport,
)
from bench.load import run as run_load
from bench.portfolio import ENTRIES
from bench.portfolio import run as run_portfolio
from bench.records import run as run_records
from bench.search import TARGET_MS, TARGET_RATIO, BenchmarkError, format_report, run_mix
from bench.search import Report as SearchReport
from bench.soak import DURATION as SOAK_DURATION
from bench.soak import run as run_soak
from bench.soak_report import summarise as summarise_soak
from bench.summary import Summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Time catalogue search (page and API) on a synthetic catalogue.",
    )
    parser.add_argument(
        "--offerings",
        type=positive,
        default=NATIONAL_OFFERINGS,
        metavar="N",
        help=f"published offerings to generate (default {NATIONAL_OFFERINGS}; about 10%% more are "
        "unpublished)",
    )
    parser.add_argument(
        "--repeat",
        type=positive,
        default=30,
        metavar="R",
        help="timed runs of each query on each endpoint (default 30)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=3,
        metavar="W",
        help="untimed rounds of the whole mix first (default 3)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help=f"PostgreSQL database to use (default: ${ENV_POSTGRES}, else {DEFAULT_POSTGRES}); "
        "its name must start with bench_ because its schema is dropped and recreated",
    )
    parser.add_argument("--no-postgres", action="store_true", help="run on SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="run on PostgreSQL only")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="regenerate the data even if a matching database exists",
    )
    parser.add_argument("--no-portfolio", action="store_true", help="skip the portfolio benchmark")
    parser.add_argument(
        "--portfolio-entries",
        type=positive,
        default=ENTRIES,
        metavar="E",
        help=f"entries in the benchmarked portfolio (default {ENTRIES})",
    )
    parser.add_argument(
        "--no-records", action="store_true", help="skip the PDF record and /verify/ benchmark"
    )
    parser.add_argument("--no-import", action="store_true", help="skip the import benchmark")
    parser.add_argument("--import-only", action="store_true", help="run only the import benchmark")
    parser.add_argument(
        "--no-load", action="store_true", help="skip the load test (gunicorn driven by wrk)"
    )
    parser.add_argument(
        "--no-soak", action="store_true", help="skip the soak (mixed traffic, memory sampled)"
    )
    parser.add_argument(
        "--soak-duration",
        type=positive,
        default=SOAK_DURATION,
        metavar="S",
        help=f"seconds of the soak's traffic (default {SOAK_DURATION})",
    )
    parser.add_argument(
        "--import-offerings",
        type=positive,
        default=OFFERINGS,
        metavar="N",
        help=f"offerings in the imported workbook (default {OFFERINGS})",
    )
    parser.add_argument(
        "--import-sessions",
        type=positive,
        default=SESSIONS,
        metavar="M",
        help=f"sessions in the imported workbook (default {SESSIONS})",
    )
    return parser.parse_args(argv)


def summarise_search(summary: Summary, report: SearchReport) -> None:
    """Each query of the mix on the page, the API and as bare SQL; the app's overhead."""
    label = report.prepared.label
    section = f"Search, {report.prepared.counts['published']:,} published offers"
    for row in report.rows:
        summary.add_timing(
            section, f"{row.name}: page", label, row.page.p50, row.page.p95, TARGET_MS
        )
        summary.add_timing(section, f"{row.name}: API", label, row.api.p50, row.api.p95, TARGET_MS)
        summary.add_timing(section, f"{row.name}: bare SQL", label, row.sql.p50, row.sql.p95, None)
        ratio = max(row.ratio("page") or 0, row.ratio("api") or 0)
        summary.add(
            section,
            f"{row.name}: app ÷ SQL (p95, worse of page and API)",
            label,
            f"{ratio:.1f}×",
            unit="",
            target=f"≤ {TARGET_RATIO:.0f}×",
            missed=ratio > TARGET_RATIO,
        )
    offer = report.offer
    section = "Offer pages"
    summary.add_timing(section, "/catalogue/<slug>", label, offer.page.p50, offer.page.p95, None)
    summary.add_timing(
        section, "/api/v1/offerings/<slug>", label, offer.api.p50, offer.api.p95, None
    )
    summary.add(
        section,
        "process memory after the search mix (RSS)",
        label,
        f"{report.rss_mb:.0f}",
        unit="MB",
    )


def summarise_portfolio(summary: Summary, report) -> None:
    """The page and the exports of a 2,000-entry portfolio."""
    from bench.portfolio import TARGETS, URLS

    section = f"Portfolio of {report.entries:,} entries"
    for name, timing in report.timings.items():
        summary.add_timing(
            section, URLS[name], report.prepared.label, timing.p50, timing.p95, TARGETS[name]
        )


def summarise_records(summary: Summary, report) -> None:
    """The PDF record and verification."""
    from bench.records import LABELS, TARGETS

    section = "Records"
    for name, timing in report.timings.items():
        summary.add_timing(
            section, LABELS[name], report.label, timing.p50, timing.p95, TARGETS.get(name)
        )


def summarise_load(summary: Summary, report: LoadReport) -> None:
    """Requests per second under wrk, the catalogue against /healthz, workers' memory."""
    label = report.prepared.label
    section = f"Load test: gunicorn, {report.workers} workers, wrk {report.connections} connections"
    catalogue = report.by_name("/catalogue/ (search mix)")
    for measured in report.measured[:4]:  # the four targets; then the soak
        summary.add(
            section,
            f"{measured.target.name}: req/s",
            label,
            f"{measured.rps:,.0f}",
            unit="req/s",
            target=f"≥ {TARGET_RPS:.0f}" if measured is catalogue else "",
            missed=measured is catalogue and measured.rps < TARGET_RPS,
        )
        summary.add(
            section,
            f"{measured.target.name}: p50 / p99",
            label,
            f"{measured.latency_ms['p50']:.0f} / {measured.latency_ms['p99']:.0f}",
            unit="ms",
        )
    healthz = report.by_name("/healthz")
    if healthz and catalogue and healthz.rps:
        share = catalogue.rps / healthz.rps
        summary.add(
            section,
            "/catalogue/ mix ÷ /healthz",
            label,
            f"{share:.0%}",
            unit="",
            target=f"≥ {TARGET_SHARE_OF_HEALTHZ:.0%}",
            missed=share < TARGET_SHARE_OF_HEALTHZ,
        )
    largest = max((w.rss_kb for w in report.ended.values()), default=0) / 1024
    summary.add(
        section,
        # One row for both databases: each worker served at least this many app
        # requests (the table of each database above gives its own count).
        f"largest worker at the end (≥ {REQUESTS_PER_WORKER:,} requests each)",
        label,
        f"{largest:.0f}",
        unit="MB",
        target=f"≤ {TARGET_RSS_MB:.0f}",
        missed=largest > TARGET_RSS_MB,
    )
    problems = report.problems()
    summary.add(
        section,
        "errors, non-2xx, failed workers",
        label,
        "none" if not problems else f"{len(problems)} kinds",
        unit="",
        target="none",
        missed=bool(problems),
    )


def summarise_import(summary: Summary, result: dict) -> None:
    """The spreadsheet import's two steps and its peak memory."""
    from bench.importing import TARGET_MB, TARGET_SECONDS

    section = f"Import of {result['offerings']:,} offerings, {result['sessions']:,} sessions"
    label = result["label"]
    for step in ("preview", "confirm"):
        seconds = result[f"{step}_seconds"]
        summary.add(
            section,
            step,
            label,
            f"{seconds:.1f}",
            unit="s",
            target=f"≤ {TARGET_SECONDS:.0f}",
            missed=seconds > TARGET_SECONDS,
        )
    peak = result["peak_mb"]
    summary.add(
        section,
        "peak memory of the importing process",
        label,
        f"{peak:.0f}",
        unit="MB",
        target=f"≤ {TARGET_MB:.0f}",
        missed=peak > TARGET_MB,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    runs = []
    if not args.no_sqlite:
        runs.append(("SQLite", None))
    if not args.no_postgres:
        runs.append(
            ("PostgreSQL", args.postgres or os.environ.get(ENV_POSTGRES) or DEFAULT_POSTGRES)
        )
    first = True
    summary = Summary()
    for label, url in runs:
        if args.import_only:
            break
        if url is not None:
            problem = postgres_problem(url)
            if problem:
                out(f"{'' if first else chr(10)}PostgreSQL: skipped ({problem})")
                first = False
                continue
        try:
            if url is None:
                prepared = prepare_sqlite(args.offerings, fresh=args.fresh, log=log)
            else:
                prepared = prepare_postgres(url, args.offerings, fresh=args.fresh, log=log)
            log(f"{label}: timing the mix ({args.warmup} warm-up + {args.repeat} rounds) ...")
            report = run_mix(prepared, repeat=args.repeat, warmup=args.warmup, log=log)
        except BenchmarkError as error:
            log(f"error: {error}")
            return 1
        if not first:
            out()
        out(format_report(report))
        summarise_search(summary, report)
        first = False
    if not args.no_portfolio and not args.import_only:
        postgres = dict(runs).get("PostgreSQL")
        if not first:
            out()
        try:
            portfolios = run_portfolio(
                offerings=args.offerings,
                entries=args.portfolio_entries,
                repeat=args.repeat,
                warmup=args.warmup,
                fresh=False,  # the search above has just made the catalogue
                sqlite=not args.no_sqlite,
                postgres=postgres,
                postgres_problem=postgres_problem,
                log=log,
                out=out,
            )
        except BenchmarkError as error:
            log(f"error: {error}")
            return 1
        for report in portfolios:
            summarise_portfolio(summary, report)
        first = False
    if not args.no_records and not args.import_only:
        postgres = dict(runs).get("PostgreSQL")
        if postgres is not None:
            postgres = make_url(sqlalchemy_postgres_url(postgres)).set(database="bench_records")
            postgres = postgres.render_as_string(hide_password=False)
        if not first:
            out()
        try:
            records = run_records(
                repeat=args.repeat,
                sqlite=not args.no_sqlite,
                postgres=postgres,
                postgres_problem=postgres_problem,
                log=log,
                out=out,
            )
        except BenchmarkError as error:
            log(f"error: {error}")
            return 1
        for report in records:
            summarise_records(summary, report)
        first = False
    if not args.no_import:
        for label, url in runs:
            target = f"sqlite:///{OUT_DIR / 'import.sqlite3'}"
            if url is not None:
                target = make_url(sqlalchemy_postgres_url(url)).set(database="bench_import")
                target = target.render_as_string(hide_password=False)
                problem = postgres_problem(target)
                if problem:
                    out(f"{'' if first else chr(10)}PostgreSQL import: skipped ({problem})")
                    first = False
                    continue
            try:
                result = run_import(
                    target,
                    label,
                    offerings=args.import_offerings,
                    sessions=args.import_sessions,
                    fresh=args.fresh,
                    log=log,
                )
            except RuntimeError as error:
                log(f"error: {error}")
                return 1
            if not first:
                out()
            out(format_import_report(result))
            summarise_import(summary, result)
            first = False
    clean = True
    if not args.no_load and not args.import_only:
        if not first:
            out()
        clean, loads = run_load(
            offerings=args.offerings,
            sqlite=not args.no_sqlite,
            postgres=dict(runs).get("PostgreSQL"),
            postgres_problem=postgres_problem,
            log=log,
            out=out,
        )
        for report in loads:
            summarise_load(summary, report)
        first = False
    soaked = True
    if not args.no_soak and not args.import_only:
        if not first:
            out()
        soaked, soaks = run_soak(
            offerings=args.offerings,
            sqlite=not args.no_sqlite,
            postgres=dict(runs).get("PostgreSQL"),
            postgres_problem=postgres_problem,
            duration=args.soak_duration,
            log=log,
            out=out,
        )
        for report in soaks:
            summarise_soak(summary, report)
        first = False
    if summary.lines:
        out()
        out(summary.format())
    if not clean:
        log("error: the load test had errors, failed workers or non-2xx responses (see above)")
    if not soaked:
        log("error: the soak had errors, failed workers or growing memory (see above)")
    if not (clean and soaked):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
