"""`python -m bench.load`: an HTTP load test with wrk against gunicorn on loopback.

The catalogue is prepared as for the search benchmark (bench/generate.py), then
served by gunicorn exactly as in production (`gunicorn --config gunicorn.conf.py
wsgi:app`, the app's settings from ACADEMY_* variables) on a free loopback port.
wrk then drives, one after another on the same server:

- `/healthz`, the one-line route: what the server, Flask and the machine cost with
  no app work at all, the baseline the catalogue is compared with;
- `/catalogue/` with the search benchmark's query mix (bench/search.py), cycled;
- one published offer's page, `/catalogue/<slug>` (one with upcoming dates);
- `/api/v1/offerings` with the same mix;
- then every path but /healthz together, for as long as it takes for each
  worker to have served at least 10,000 requests (counted from wrk's totals).

Each gets requests per second and latency percentiles (p50, p90, p99, max).
Each worker's resident memory (VmRSS in /proc/<pid>/status) is read once the
workers are ready, before any request, and again at the end. Any error (a
refused connection, a timeout, any response but a 2xx), any worker that died or
was replaced, and any traceback in gunicorn's log is reported loudly, and the
run exits non-zero; slow figures never fail it.

Targets (reported, never enforced): /catalogue/ at least 300 requests/s and at
least a quarter of the same server's /healthz rate; every worker at most 150 MB
after 10,000 requests.

The tables go to stdout, progress to stderr; gunicorn's own log goes to
bench/out/load-<database>.log.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from math import ceil
from pathlib import Path
from time import monotonic, sleep

from bench.common import DEFAULT_POSTGRES, ENV_POSTGRES, postgres_problem
from bench.generate import (
    NATIONAL_OFFERINGS,
    OUT_DIR,
    Prepared,
    bench_settings,
    prepare_postgres,
    prepare_sqlite,
    sqlalchemy_postgres_url,
)
from bench.search import search_mix, shown_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().parent / "wrk" / "paths.lua"

#: Seconds each target is driven for.
DURATION = 20
# wrk shares this 2-core machine with gunicorn (and with PostgreSQL), so it gets one
# thread: one event loop drives hundreds of connections at these rates on a tenth of
# a core (the table shows what it used), and a second thread would only take CPU
# from the server it measures. 16 connections are twice the server's 8 request
# threads (2 workers x 4): every thread always has a request waiting, the way a busy
# site queues, without queues so long that latency only measures the queue.
WRK_THREADS = 1
CONNECTIONS = 16
#: A request slower than this counts as a timeout (wrk's default is 2 s).
WRK_TIMEOUT = "10s"
#: Each worker serves at least this many requests before its memory is read again.
REQUESTS_PER_WORKER = 10_000
WARMUP_SECONDS = 3
#: Targets, reported and never enforced.
TARGET_RPS = 300.0
TARGET_SHARE_OF_HEALTHZ = 0.25
TARGET_RSS_MB = 150.0
#: gunicorn log lines that mean something went wrong (or a worker was replaced).
TROUBLE = re.compile(
    r"Traceback|\[ERROR\]|\[CRITICAL\]|WORKER TIMEOUT|was sent SIG|Autorestarting|"
    r"Worker exiting|Fatal Python error|Segmentation fault|exited with code"
)

Log = Callable[[str], None]


class LoadError(RuntimeError):
    """The server or wrk could not be run, or did not answer as expected."""


# --- what is requested ------------------------------------------------------------


@dataclass
class Target:
    """What one wrk run requests: a name for the table and the paths it cycles through."""

    name: str
    paths: list[str]
    app: bool = True  # False for /healthz: not counted towards each worker's requests


def load_targets(prepared: Prepared, slug: str, per_page: int) -> list[Target]:
    """/healthz, the search mix on the page and the API, and one offer's page."""
    mix = search_mix(prepared.anchor, prepared.counts["published"], per_page)
    return [
        Target("/healthz", ["/healthz"], app=False),
        Target("/catalogue/ (search mix)", [query.url("/catalogue/") for query in mix]),
        Target("/catalogue/<slug> (offer page)", [f"/catalogue/{slug}"]),
        Target("/api/v1/offerings (search mix)", [query.url("/api/v1/offerings") for query in mix]),
    ]


def soak_target(targets: list[Target]) -> Target:
    """Every path but /healthz, in turn."""
    paths = [path for target in targets if target.app for path in target.paths]
    return Target("every path but /healthz", paths)


# --- gunicorn ----------------------------------------------------------------------


@dataclass
class WorkerMemory:
    """One worker's resident memory, in kB, when read."""

    pid: int
    rss_kb: int
    peak_kb: int  # VmHWM: the highest RSS so far
    cpu_seconds: float


def read_worker(pid: int) -> WorkerMemory | None:
    """VmRSS and VmHWM from /proc/<pid>/status, CPU time from /proc/<pid>/stat."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    # After the command name in parentheses: utime and stime are fields 14 and 15.
    ticks = stat.rsplit(")", 1)[1].split()
    cpu = (int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK")
    return WorkerMemory(
        pid, _kb(fields.get("VmRSS", "0 kB")), _kb(fields.get("VmHWM", "0 kB")), cpu
    )


def _kb(value: str) -> int:
    return int(value.split()[0])


def children_of(pid: int) -> list[int]:
    """The processes whose parent is pid (gunicorn's workers), by scanning /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_env(
    url: str, port: int, overrides: list[str], extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment gunicorn runs with: the bench app settings as ACADEMY_* variables.

    `extra` adds variables of the caller's own (bench/soak.py's cookie and login limit).
    """
    env = dict(os.environ)
    for key, value in bench_settings(url).items():
        if key == "PAGE_CACHE_BYTES":
            continue  # served as in production: ACADEMY_PAGE_CACHE_BYTES=0 to draw every page
        env[f"ACADEMY_{key}"] = value if isinstance(value, str) else json.dumps(value)
    # Several workers share their rate-limit counters, as in production (gunicorn.conf.py
    # refuses them counting in memory).
    env["ACADEMY_RATELIMIT_STORAGE_URL"] = os.environ.get("ACADEMY_BENCH_REDIS_URL", BENCH_REDIS)
    env.update(extra or {})
    env["ACADEMY_BIND"] = f"127.0.0.1:{port}"
    env.pop("ACADEMY_ACCESS_LOG", None)  # a log line per request would be measured too
    arguments = list(overrides)
    if _has_setting("control_socket_disable"):
        # gunicorn 24+ opens a control socket in ~/.gunicorn; leave a real server's alone.
        arguments.append("--no-control-socket")
    if arguments:
        env["GUNICORN_CMD_ARGS"] = " ".join(
            [env.get("GUNICORN_CMD_ARGS", ""), *map(shlex.quote, arguments)]
        ).strip()
    return env


def _has_setting(name: str) -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == name for setting in KNOWN_SETTINGS)


#: The Redis database the load test's workers count rate limits in (ACADEMY_BENCH_REDIS_URL).
BENCH_REDIS = "redis://127.0.0.1:6379/8"

GUNICORN = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]


def gunicorn_settings(env: dict[str, str]) -> dict[str, str]:
    """The settings gunicorn will run with, as it resolves them (--print-config)."""
    completed = subprocess.run(
        [*GUNICORN, "--print-config", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise LoadError(f"gunicorn --print-config failed: {completed.stderr.strip()[-500:]}")
    settings = {}
    for line in completed.stdout.splitlines():
        name, equals, value = line.partition("=")
        if equals:
            settings[name.strip()] = value.strip()
    return settings


class Server:
    """gunicorn serving one database on a free loopback port, with the project's config."""

    def __init__(
        self,
        url: str,
        label: str,
        overrides: list[str],
        log: Log,
        *,
        name: str = "load",
        extra_env: dict[str, str] | None = None,
    ):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = gunicorn_env(url, self.port, overrides, extra_env)
        self.settings = gunicorn_settings(self.env)
        self.workers = int(self.settings["workers"])
        self.log_path = OUT_DIR / f"{name}-{label.lower()}.log"
        self.log = log
        self.process: subprocess.Popen | None = None
        self.seen: set[int] = set()  # every worker pid ever seen

    def __enter__(self) -> Server:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("w") as log_file:
            self.process = subprocess.Popen(
                [*GUNICORN, "wsgi:app"],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def log_text(self) -> str:
        """gunicorn's log so far."""
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        """The master's children now."""
        assert self.process is not None
        pids = children_of(self.process.pid)
        self.seen.update(pids)
        return pids

    def wait_ready(self, timeout: float = 300) -> None:
        """Until /healthz answers and every worker has built its search index.

        gunicorn.conf.py's post_worker_init logs "Worker ready (pid: N)" once a
        worker's index is built, just before it takes requests.
        """
        assert self.process is not None
        deadline = monotonic() + timeout
        while monotonic() < deadline:
            if self.process.poll() is not None:
                raise LoadError(
                    f"gunicorn exited with code {self.process.returncode}:\n"
                    + "\n".join(self.log_text().splitlines()[-20:])
                )
            ready = {
                int(pid) for pid in re.findall(r"Worker ready \(pid: (\d+)\)", self.log_text())
            }
            pids = self.worker_pids()
            if len(pids) == self.workers and ready >= set(pids) and self.answers("/healthz"):
                return
            sleep(0.2)
        raise LoadError(f"gunicorn was not ready after {timeout:.0f} s; see {self.log_path}")

    def answers(self, path: str) -> bool:
        """Whether a GET of path answers 200."""
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as response:  # noqa: S310
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def get(self, path: str) -> tuple[int, bytes]:
        """Status and body of one GET."""
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def memory(self) -> dict[int, WorkerMemory]:
        """Each worker's memory now, by pid."""
        found = {}
        for pid in self.worker_pids():
            reading = read_worker(pid)
            if reading:
                found[pid] = reading
        return found

    def stop(self) -> int | None:
        """A graceful shutdown (SIGTERM), then SIGKILL if it takes too long. The exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=int(self.settings.get("graceful_timeout", 30)) + 10)
        except subprocess.TimeoutExpired:
            self.log("gunicorn did not stop within its graceful timeout: killing it")
            self.process.kill()
            return self.process.wait()


# --- wrk ---------------------------------------------------------------------------


@dataclass
class Measured:
    """What one wrk run counted, and what the server and wrk used meanwhile."""

    target: Target
    seconds: float
    requests: int
    bytes: int
    latency_ms: dict[str, float]  # p50, p90, p99, max
    errors: dict[str, int]  # connect, read, write, timeout (socket errors)
    statuses: dict[int, int]
    server_cpu: float  # seconds of CPU the workers used
    wrk_cpu: float  # seconds of CPU wrk used

    @property
    def rps(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        """Socket errors plus responses that were not 2xx."""
        bad = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return bad + sum(self.errors.values())

    def problems(self) -> list[str]:
        """Everything that went wrong, in words."""
        found = [f"{n:,} socket {kind} errors" for kind, n in self.errors.items() if n]
        found += [
            f"{n:,} responses {status}"
            for status, n in sorted(self.statuses.items())
            if not 200 <= status < 300
        ]
        if not self.requests:
            found.append("no request completed")
        return found


def run_wrk(server: Server, target: Target, seconds: int, connections: int, log: Log) -> Measured:
    """Drive one target for some seconds with bench/wrk/paths.lua."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise LoadError("wrk is not installed (apt-get install wrk)")
    command = [
        wrk,
        f"--threads={WRK_THREADS}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        f"--script={SCRIPT}",
        server.base,
        "--",
        *target.paths,
    ]
    cpu_before = sum(w.cpu_seconds for w in server.memory().values())
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_after = sum(w.cpu_seconds for w in server.memory().values())
    values = wrk_results(completed.returncode, completed.stdout, completed.stderr)
    measured = Measured(
        target=target,
        seconds=values["duration_us"] / 1e6,
        requests=int(values["requests"]),
        bytes=int(values["bytes"]),
        latency_ms={
            name: values[f"latency_{name}_us"] / 1000 for name in ("p50", "p90", "p99", "max")
        },
        errors={
            kind: int(values[f"error_{kind}"]) for kind in ("connect", "read", "write", "timeout")
        },
        statuses={
            int(name.removeprefix("status_")): int(n)
            for name, n in values.items()
            if name.startswith("status_")
        },
        # A worker replaced meanwhile loses its count: then this is an underestimate.
        server_cpu=max(0.0, cpu_after - cpu_before),
        wrk_cpu=(children_after.ru_utime + children_after.ru_stime)
        - (children_before.ru_utime + children_before.ru_stime),
    )
    log(
        f"  {target.name}: {measured.requests:,} requests in {measured.seconds:.1f} s, "
        f"{measured.rps:,.0f}/s, p50 {measured.latency_ms['p50']:.1f} ms, "
        f"p99 {measured.latency_ms['p99']:.1f} ms"
        + (f"  !! {', '.join(measured.problems())}" if measured.problems() else "")
    )
    return measured


def wrk_results(returncode: int, stdout: str, stderr: str) -> dict[str, float]:
    """The "result <name> <number>" lines a script's done() printed, by name."""
    if returncode != 0:
        raise LoadError(f"wrk failed ({returncode}): {stderr.strip()}")
    values = {
        name: float(value)
        for name, value in re.findall(r"^result (\w+) (\S+)$", stdout, re.MULTILINE)
    }
    if "requests" not in values:
        raise LoadError(f"wrk printed no results:\n{stdout}\n{stderr}")
    return values


# --- one database ------------------------------------------------------------------


@dataclass
class LoadReport:
    """Everything one database's table shows."""

    prepared: Prepared
    settings: dict[str, str]
    workers: int
    connections: int
    duration: int
    slug: str
    load: tuple[float, float, float]
    measured: list[Measured]
    warmup: list[Measured]
    started: dict[int, WorkerMemory]
    ended: dict[int, WorkerMemory]
    replaced: list[int]  # worker pids that were gone at the end
    index_seconds: dict[int, float]  # worker pid -> seconds to build its search index
    exit_code: int | None
    trouble: list[str] = field(default_factory=list)  # lines of gunicorn's log
    path_checks: dict[str, int] = field(default_factory=dict)  # path -> status, if any failed

    @property
    def app_requests(self) -> int:
        """Requests to the app (not /healthz), warm-up included."""
        return sum(m.requests for m in [*self.warmup, *self.measured] if m.target.app)

    @property
    def all_requests(self) -> int:
        """Every request wrk made."""
        return sum(m.requests for m in [*self.warmup, *self.measured])

    def by_name(self, name: str) -> Measured | None:
        """The measured run of a target."""
        return next((m for m in self.measured if m.target.name == name), None)

    def problems(self) -> list[str]:
        """Everything that must be reported loudly."""
        found = [
            f"{m.target.name}: {', '.join(m.problems())}"
            for m in [*self.warmup, *self.measured]
            if m.problems()
        ]
        found += [f"GET {path} answered {status}" for path, status in self.path_checks.items()]
        if self.replaced:
            found.append(
                f"{len(self.replaced)} worker(s) died or were replaced during the run "
                f"(pids {', '.join(map(str, self.replaced))}); see the log lines below"
            )
        if self.exit_code not in (0, None):
            found.append(f"gunicorn exited with code {self.exit_code} on SIGTERM")
        if self.trouble:
            found.append(f"{len(self.trouble)} alarming line(s) in gunicorn's log")
        return found


def run_database(
    prepared: Prepared,
    *,
    duration: int,
    connections: int,
    requests_per_worker: int,
    overrides: list[str],
    log: Log,
) -> LoadReport:
    """Serve one prepared database with gunicorn and drive every target at it."""
    from academy.config import Defaults

    load = os.getloadavg()
    log(f"{prepared.label}: starting gunicorn ...")
    with Server(prepared.url, prepared.label, overrides, log) as server:
        started = server.memory()
        index_seconds = {
            int(pid): float(seconds)
            for pid, seconds in re.findall(
                r"Worker ready \(pid: (\d+)\): search index built in ([\d.]+) s", server.log_text()
            )
        }
        log(
            f"{prepared.label}: gunicorn on {server.base}, {server.workers} workers x "
            f"{server.settings['threads']} threads ({server.settings['worker_class']}), ready"
        )
        slug = sample_slug(server)
        targets = load_targets(prepared, slug, int(Defaults.SEARCH_PER_PAGE))
        soak = soak_target(targets)
        path_checks = {}
        for path in dict.fromkeys(path for target in targets for path in target.paths):
            status, _body = server.get(path)
            if status != 200:
                path_checks[path] = status
        for path, status in path_checks.items():
            log(f"  !! GET {path} answered {status}")

        warmup = [run_wrk(server, soak, WARMUP_SECONDS, connections, log)]
        measured = [run_wrk(server, target, duration, connections, log) for target in targets]

        def app_requests() -> int:
            return sum(m.requests for m in [*warmup, *measured] if m.target.app)

        wanted = requests_per_worker * server.workers
        for _round in range(4):
            missing = wanted - app_requests()
            if missing <= 0:
                break
            app_runs = [m for m in [*warmup, *measured] if m.target.app and m.requests]
            rate = sum(m.requests for m in app_runs) / sum(m.seconds for m in app_runs)
            seconds = max(5, ceil(missing / max(rate, 1.0) * 1.1))
            log(f"  {missing:,} more app requests for {requests_per_worker:,} per worker: ...")
            measured.append(run_wrk(server, soak, seconds, connections, log))
        ended = server.memory()
        # Read before stopping: a graceful shutdown logs "Worker exiting" for every worker.
        before_stop = server.log_text()
        exit_code = server.stop()
    booted = {int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", before_stop)}
    replaced = sorted((booted | server.seen) - set(ended))
    trouble = [line for line in before_stop.splitlines() if TROUBLE.search(line)]
    return LoadReport(
        prepared=prepared,
        settings=server.settings,
        workers=server.workers,
        connections=connections,
        duration=duration,
        slug=slug,
        load=load,
        measured=measured,
        warmup=warmup,
        started=started,
        ended=ended,
        replaced=replaced,
        index_seconds=index_seconds,
        exit_code=exit_code,
        trouble=trouble,
        path_checks=path_checks,
    )


def sample_slug(server: Server) -> str:
    """A published offer with upcoming dates: the first by soonest dates."""
    status, body = server.get("/api/v1/offerings?per_page=1&sort=soonest")
    if status != 200:
        raise LoadError(f"GET /api/v1/offerings?per_page=1 answered {status}")
    items = json.loads(body)["items"]
    if not items:
        raise LoadError("the catalogue has no published offers")
    return items[0]["slug"]


# --- the table ---------------------------------------------------------------------


def format_report(report: LoadReport) -> str:
    """One plain-text table for one database."""
    prepared = report.prepared
    settings = report.settings
    where = shown_url(prepared)
    load = ", ".join(f"{value:.1f}" for value in report.load)
    max_requests = int(settings.get("max_requests", 0))
    recycle = (
        f"max_requests {max_requests:,} (+ up to {int(settings.get('max_requests_jitter', 0)):,})"
        if max_requests
        else "max_requests 0 (workers never recycled)"
    )
    lines = [
        f"== Load test: {prepared.label} {prepared.version} ({where}) ==",
        f"Python {platform.python_version()}, gunicorn {_gunicorn_version()}, "
        f"{os.cpu_count()} CPUs, load average {load} (1/5/15 min, at the start)",
        f"{prepared.counts['published']:,} published offerings; "
        f"gunicorn.conf.py: {report.workers} workers x {settings.get('threads')} threads "
        f"({settings.get('worker_class')}), {recycle}",
        f"wrk on loopback: {WRK_THREADS} thread, {report.connections} connections, "
        f"{report.duration} s a target after a {WARMUP_SECONDS} s warm-up; "
        f"offer page /catalogue/{report.slug}",
        "Latency in ms; CPU = cores busy on average (the workers', wrk's); errors = socket "
        "errors + non-2xx",
        "",
    ]
    header = (
        f"{'target':<32} {'paths':>5} {'requests':>9} {'req/s':>8} │ {'p50':>7} {'p90':>7}"
        f" {'p99':>7} {'max':>7} │ {'server':>6} {'wrk':>5} │ {'errors':>6}"
    )
    rule = "─" * len(header)
    lines += [header, rule]
    for m in report.measured:
        latency = m.latency_ms
        lines.append(
            f"{m.target.name:<32} {len(m.target.paths):>5} {m.requests:>9,} {m.rps:>8,.1f} │"
            f" {latency['p50']:7.1f} {latency['p90']:7.1f} {latency['p99']:7.1f}"
            f" {latency['max']:7.1f} │ {m.server_cpu / m.seconds:6.2f}"
            f" {m.wrk_cpu / m.seconds:5.2f} │ {m.failed:>5,}{'!' if m.failed else ' '}"
        )
    lines.append(rule)

    healthz = report.by_name("/healthz")
    catalogue = report.by_name("/catalogue/ (search mix)")
    if healthz and catalogue:
        share = catalogue.rps / healthz.rps if healthz.rps else 0.0
        lines.append(
            f"/catalogue/ mix: {catalogue.rps:,.1f} req/s (target ≥ {TARGET_RPS:.0f}): "
            f"{'MET' if catalogue.rps >= TARGET_RPS else 'NOT MET'}; "
            f"{share:.1%} of /healthz's {healthz.rps:,.0f} req/s (target ≥ "
            f"{TARGET_SHARE_OF_HEALTHZ:.0%}): "
            f"{'MET' if share >= TARGET_SHARE_OF_HEALTHZ else 'NOT MET'}"
        )

    lines.append("")
    per_worker = report.app_requests / report.workers
    lines.append(
        f"Worker memory (VmRSS, MB): {report.app_requests:,} app requests in all "
        f"({per_worker:,.0f} a worker on average, warm-up included; plus "
        f"{report.all_requests - report.app_requests:,} to /healthz)"
    )
    lines.append(
        f"{'worker pid':>10} {'index built':>11} {'at start':>9} {'at end':>8} {'peak':>8}"
        f" {'CPU s':>7}"
    )
    worst = 0.0
    for pid in sorted(set(report.started) | set(report.ended)):
        start = report.started.get(pid)
        end = report.ended.get(pid)
        index = report.index_seconds.get(pid)
        if end:
            worst = max(worst, end.rss_kb / 1024)
        note = "" if start and end else ("  (gone: died or replaced)" if start else "  (new)")
        lines.append(
            f"{pid:>10} {f'{index:.1f} s' if index is not None else '':>11}"
            f" {_mb(start.rss_kb) if start else '':>9} {_mb(end.rss_kb) if end else '':>8}"
            f" {_mb(end.peak_kb) if end else '':>8}"
            f" {f'{end.cpu_seconds:.0f}' if end else '':>7}"
            f"{'!' if end and end.rss_kb / 1024 > TARGET_RSS_MB else ''}{note}"
        )
    enough = per_worker >= REQUESTS_PER_WORKER
    lines.append(
        f"Target ≤ {TARGET_RSS_MB:.0f} MB a worker after {REQUESTS_PER_WORKER:,} requests: "
        + (
            f"{'MET' if worst <= TARGET_RSS_MB else 'NOT MET'} (largest {worst:.1f} MB"
            f"{'' if enough else f'; only {per_worker:,.0f} requests a worker'})"
        )
    )

    problems = report.problems()
    if problems:
        lines.append("")
        lines.append("!! " + "PROBLEMS " + "!" * 60)
        lines += [f"!! {problem}" for problem in problems]
        lines += [f"!!   log: {line}" for line in report.trouble[:12]]
        if len(report.trouble) > 12:
            lines.append(f"!!   ... {len(report.trouble) - 12} more in the log")
    return "\n".join(lines)


def _mb(kb: int) -> str:
    return f"{kb / 1024:.1f}"


def _gunicorn_version() -> str:
    import gunicorn

    return gunicorn.__version__


# --- running it --------------------------------------------------------------------


def run(
    *,
    offerings: int,
    sqlite: bool,
    postgres: str | None,
    postgres_problem: Callable[[str], str | None],
    fresh: bool = False,
    duration: int = DURATION,
    connections: int = CONNECTIONS,
    requests_per_worker: int = REQUESTS_PER_WORKER,
    overrides: list[str] | None = None,
    log: Log,
    out: Callable[[str], None],
) -> tuple[bool, list[LoadReport]]:
    """The load test on SQLite and on PostgreSQL (when given and reachable).

    Returns whether every request answered as expected and no worker failed, and
    the reports.
    """
    if shutil.which("wrk") is None:
        out("Load test: skipped (wrk is not installed: apt-get install wrk)")
        return True, []
    clean = True
    reports = []
    databases: list[tuple[str, str | None]] = []
    if sqlite:
        databases.append(("SQLite", None))
    if postgres:
        databases.append(("PostgreSQL", postgres))
    for number, (label, url) in enumerate(databases):
        gap = "\n" if number else ""
        if url is not None:
            problem = postgres_problem(url)
            if problem:
                out(f"{gap}Load test on PostgreSQL: skipped ({problem})")
                continue
            prepared = prepare_postgres(
                sqlalchemy_postgres_url(url), offerings, fresh=fresh, log=log
            )
        else:
            prepared = prepare_sqlite(offerings, fresh=fresh, log=log)
        try:
            report = run_database(
                prepared,
                duration=duration,
                connections=connections,
                requests_per_worker=requests_per_worker,
                overrides=overrides or [],
                log=log,
            )
        except LoadError as error:
            log(f"error: {label}: {error}")
            out(f"{gap}Load test on {label}: FAILED ({error})")
            clean = False
            continue
        out(gap + format_report(report))
        reports.append(report)
        clean = clean and not report.problems()
    return clean, reports


def add_run_arguments(
    parser: argparse.ArgumentParser, *, duration: tuple[int, str], connections: tuple[int, str]
) -> None:
    """The options of every wrk run against gunicorn: the data, how long, how many
    connections (each a default and what it means), and which databases."""
    parser.add_argument(
        "--offerings",
        type=int,
        metavar="N",
        help="published offerings (default: what `python -m bench` uses)",
    )
    for option, metavar, (default, meaning) in (
        ("--duration", "S", duration),
        ("--connections", "C", connections),
    ):
        help_text = f"{meaning} (default {default})"
        parser.add_argument(option, type=int, default=default, metavar=metavar, help=help_text)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL database (name bench_*)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--fresh", action="store_true", help="regenerate the data")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of `python -m bench.load`."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description="Load-test gunicorn with wrk: /catalogue/, an offer, the API, /healthz.",
    )
    add_run_arguments(
        parser,
        duration=(DURATION, "seconds a target"),
        connections=(CONNECTIONS, "wrk's open connections"),
    )
    parser.add_argument(
        "--requests-per-worker",
        type=int,
        default=REQUESTS_PER_WORKER,
        metavar="N",
        help="app requests each worker serves before its memory is read again "
        f"(default {REQUESTS_PER_WORKER})",
    )
    tuning = parser.add_argument_group(
        "gunicorn settings to compare (passed in GUNICORN_CMD_ARGS; default: gunicorn.conf.py's)"
    )
    tuning.add_argument("--workers", type=int, metavar="W")
    tuning.add_argument("--threads", type=int, metavar="T")
    tuning.add_argument("--worker-class", metavar="CLASS", help="gthread, sync ...")
    tuning.add_argument("--max-requests", type=int, metavar="M", help="0: never recycle")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.load`: the load test alone."""
    args = parse_args(argv)

    offerings = args.offerings or NATIONAL_OFFERINGS
    overrides = []
    for option, value in (
        ("--workers", args.workers),
        ("--threads", args.threads),
        ("--worker-class", args.worker_class),
        ("--max-requests", args.max_requests),
    ):
        if value is not None:
            overrides += [option, str(value)]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def out(message: str) -> None:
        print(message, flush=True)

    postgres = None
    if not args.no_postgres:
        postgres = args.postgres or os.environ.get(ENV_POSTGRES) or DEFAULT_POSTGRES
    clean, _reports = run(
        offerings=offerings,
        sqlite=not args.no_sqlite,
        postgres=postgres,
        postgres_problem=postgres_problem,
        fresh=args.fresh,
        duration=args.duration,
        connections=args.connections,
        requests_per_worker=args.requests_per_worker,
        overrides=overrides,
        log=log,
        out=out,
    )
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
