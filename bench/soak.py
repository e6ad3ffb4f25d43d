"""`python -m bench.soak`: five minutes of mixed traffic against gunicorn, memory sampled.

The catalogue and its learners are prepared as for the other benchmarks
(bench/generate.py), then served by gunicorn with the project's gunicorn.conf.py
on a free loopback port (bench/load.py's Server), with a plain-http session
cookie (ACADEMY_SESSION_COOKIE_SECURE=false) and a login limit the soak's own
log-ins stay under. Many generated learners log in through the real form
(bench/soak_traffic.py); then ONE wrk run (bench/wrk/soak.lua) mixes searches,
offer pages, the API and those learners' portfolio pages, each with its
learner's cookie, for --duration seconds (300).

Meanwhile the master's and every worker's resident memory (VmRSS) is read every
two seconds. The first fifth of the run, at most 30 s, is warm-up (kept pages
fill, first-time searches are memoised); memory is flat when no process's median
over the last minute is more than FLAT_MB (5 MB) above its median over the first
minute after warm-up (windows shrink for short runs; bench/soak_report.py). The
run fails on any response but a 200, any socket error or timeout, a worker that
died or was replaced, an alarming line in gunicorn's log, or memory that is not
flat. The report goes to stdout and to
bench/out/soak-<database>.txt, the samples to bench/out/soak-<database>-memory.csv.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from time import monotonic, sleep

from bench.common import log, out, postgres_problem
from bench.generate import NATIONAL_OFFERINGS, OUT_DIR, Prepared, prepare_postgres, prepare_sqlite
from bench.load import (
    CONNECTIONS,
    DEFAULT_POSTGRES,
    ENV_POSTGRES,
    TROUBLE,
    WRK_TIMEOUT,
    LoadError,
    Server,
    add_run_arguments,
    read_worker,
    wrk_results,
)
from bench.soak_report import SAMPLE_SECONDS, Sample, SoakReport, format_report, memory_csv
from bench.soak_traffic import OFFERS as OFFER_COUNT
from bench.soak_traffic import (
    build_plan,
    learner_emails,
    log_in_all,
    offer_slugs,
    write_plan,
)

SCRIPT = Path(__file__).resolve().parent / "wrk" / "soak.lua"
#: Seconds of traffic (one wrk run).
DURATION = 300
#: Learners logged in, whose pages the plan asks for.
LEARNERS = 200

Log = Callable[[str], None]


def server_env(learners: int) -> dict[str, str]:
    """Plain http (the production cookie is Secure), and room for the soak's log-ins."""
    return {
        "ACADEMY_SESSION_COOKIE_SECURE": "false",
        "ACADEMY_LOGIN_RATE_LIMIT": f"{learners * 2 + 100} per minute",
    }


def run_wrk(server: Server, plan: Path, lines: int, seconds: int, connections: int, log: Log):
    """One wrk run of the plan, reading memory while it runs.

    Returns wrk's values, its kind and failure lines, the samples, and wrk's CPU seconds.
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        raise LoadError("wrk is not installed (apt-get install wrk)")
    threads = min(connections, lines)  # one connection a thread: see bench/wrk/soak.lua
    command = [
        wrk,
        f"--threads={threads}",
        f"--connections={threads}",
        f"--duration={seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        f"--script={SCRIPT}",
        server.base,
        "--",
        str(plan),
        str(threads),
    ]
    output = plan.with_name(plan.name.replace("-plan.tsv", "-wrk.txt"))
    samples: list[Sample] = []
    before = os.times()
    with output.open("w") as stdout:
        started = monotonic()
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.STDOUT)
        next_at = 0.0
        while process.poll() is None:
            if monotonic() - started >= next_at:
                samples.append(Sample(monotonic() - started, rss_now(server)))
                next_at += SAMPLE_SECONDS
                if len(samples) % 15 == 0:
                    log(f"  {monotonic() - started:.0f} s of {seconds} ...")
            sleep(0.05)
            if monotonic() - started > seconds + 120:
                process.kill()
                raise LoadError("wrk did not finish")
        samples.append(Sample(monotonic() - started, rss_now(server)))
    after = os.times()
    wrk_cpu = (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )
    text = output.read_text()
    values = wrk_results(process.returncode, text, text)
    kinds = {}
    for kind, *numbers in re.findall(
        r"^kind (\w+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)$", text, re.MULTILINE
    ):
        requests, bad, *micro = map(float, numbers)
        kinds[kind] = {"requests": requests, "bad": bad} | {
            name: us / 1000 for name, us in zip(("p50", "p90", "p99", "max"), micro, strict=True)
        }
    pooled = re.search(r"^pooled (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)$", text, re.M)
    if pooled:
        names = ("requests", "p50_us", "p90_us", "p99_us", "max_us", "mean_us")
        values |= {
            f"pooled_{name}": float(n) for name, n in zip(names, pooled.groups(), strict=True)
        }
    failures = re.findall(r"^failure (.+)$", text, re.MULTILINE)
    return values, kinds, failures, samples, wrk_cpu


def rss_now(server: Server) -> dict[int, int]:
    """VmRSS in kB of the master and each worker now."""
    assert server.process is not None
    found = {}
    for pid in [server.process.pid, *server.worker_pids()]:
        reading = read_worker(pid)
        if reading:
            found[pid] = reading.rss_kb
    return found


def soak_database(
    prepared: Prepared, *, duration: int, connections: int, learners: int, log: Log
) -> SoakReport:
    """Serve one prepared database, log learners in, run the plan, read memory."""
    load = os.getloadavg()
    log(f"{prepared.label}: starting gunicorn for the soak ...")
    server = Server(
        prepared.url, prepared.label, [], log, name="soak", extra_env=server_env(learners)
    )
    with server:
        assert server.process is not None
        master = server.process.pid
        ready = {pid: w.rss_kb for pid, w in server.memory().items()}
        master_ready = read_worker(master)
        emails = learner_emails(prepared.url, learners)
        log(f"  logging in {learners} learners through /accounts/login ...")
        logged_in = log_in_all(server.base, emails)
        slugs = offer_slugs(server.get, OFFER_COUNT)
        plan = build_plan(prepared, server.get, slugs, logged_in)
        plan_path = OUT_DIR / f"soak-{prepared.label.lower()}-plan.tsv"
        write_plan(plan_path, plan)
        log(f"  wrk: {len(plan):,} planned requests, {duration} s, {connections} connections ...")
        try:
            values, kinds, failures, samples, wrk_cpu = run_wrk(
                server, plan_path, len(plan), duration, connections, log
            )
        finally:
            plan_path.unlink(missing_ok=True)  # it holds live session cookies
        ended = server.memory()
        master_end = read_worker(master)
        before_stop = server.log_text()
        exit_code = server.stop()
    booted = {int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", before_stop)}
    return SoakReport(
        prepared=prepared,
        settings=server.settings,
        workers=server.workers,
        connections=min(connections, len(plan)),
        duration=duration,
        learners=learners,
        plan_lines=len(plan),
        load=load,
        master=master,
        ready=ready,
        master_ready=master_ready.rss_kb if master_ready else None,
        samples=samples,
        peaks={pid: w.peak_kb for pid, w in [*ended.items(), (master, master_end)] if w},
        cpu={pid: w.cpu_seconds for pid, w in [*ended.items(), (master, master_end)] if w},
        wrk=values,
        kinds=kinds,
        failures=failures,
        wrk_cpu=wrk_cpu,
        replaced=sorted((booted | server.seen) - set(ended)),
        exit_code=exit_code,
        trouble=[line for line in before_stop.splitlines() if TROUBLE.search(line)],
    )


def run(
    *,
    offerings: int,
    sqlite: bool,
    postgres: str | None,
    postgres_problem: Callable[[str], str | None],
    fresh: bool = False,
    duration: int = DURATION,
    connections: int = CONNECTIONS,
    learners: int = LEARNERS,
    log: Log,
    out: Callable[[str], None],
) -> tuple[bool, list[SoakReport]]:
    """The soak on SQLite and on PostgreSQL (when given and reachable).

    Returns whether it passed everywhere, and the reports.
    """
    if shutil.which("wrk") is None:
        out("Soak: skipped (wrk is not installed: apt-get install wrk)")
        return True, []
    clean = True
    reports = []
    databases = ([("SQLite", None)] if sqlite else []) + (
        [("PostgreSQL", postgres)] if postgres else []
    )
    for number, (label, url) in enumerate(databases):
        gap = "\n" if number else ""
        if url is not None:
            problem = postgres_problem(url)
            if problem:
                out(f"{gap}Soak on PostgreSQL: skipped ({problem})")
                continue
            prepared = prepare_postgres(url, offerings, fresh=fresh, log=log)
        else:
            prepared = prepare_sqlite(offerings, fresh=fresh, log=log)
        try:
            report = soak_database(
                prepared, duration=duration, connections=connections, learners=learners, log=log
            )
        except LoadError as error:
            log(f"error: {label}: {error}")
            out(f"{gap}Soak on {label}: FAILED ({error})")
            clean = False
            continue
        text = format_report(report)
        stem = OUT_DIR / f"soak-{label.lower()}"
        stem.with_suffix(".txt").write_text(text + "\n")
        Path(f"{stem}-memory.csv").write_text(memory_csv(report))
        out(gap + text)
        reports.append(report)
        clean = clean and not report.problems()
    return clean, reports


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of `python -m bench.soak`."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description="Soak gunicorn with mixed traffic (searches, offers, the API, logged-in "
        "portfolios) from one wrk run; fail on any error or growing memory.",
    )
    add_run_arguments(
        parser,
        duration=(DURATION, "seconds of traffic"),
        connections=(CONNECTIONS, "wrk's connections, one a thread"),
    )
    parser.add_argument(
        "--learners",
        type=int,
        default=LEARNERS,
        metavar="L",
        help=f"learners logged in (default {LEARNERS})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.soak`: the soak alone."""
    args = parse_args(argv)

    postgres = None
    if not args.no_postgres:
        postgres = args.postgres or os.environ.get(ENV_POSTGRES) or DEFAULT_POSTGRES
    clean, _reports = run(
        offerings=args.offerings or NATIONAL_OFFERINGS,
        sqlite=not args.no_sqlite,
        postgres=postgres,
        postgres_problem=postgres_problem,
        fresh=args.fresh,
        duration=args.duration,
        connections=args.connections,
        learners=args.learners,
        log=log,
        out=out,
    )
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
