"""Services of the fault tests' own: a PostgreSQL cluster, a Redis and gunicorn, each on
a port of its own, so they can be restarted, stopped and paused without touching the
shared PostgreSQL (5432) and Redis (6379) that the rest of the suite and CI use."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import unescape as html_unescape
from pathlib import Path

import pytest
import requests

from tests.conftest import PG_URL, skip_unless_available

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: They bring their own database: the PostgreSQL run of the suite would only repeat them.
ONCE = pytest.mark.skipif(bool(PG_URL), reason="fault tests run once, in the SQLite run")
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def free_port() -> int:
    """A TCP port nobody listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, *, seconds: float, what: str) -> None:
    """Poll `check` until it is true, or fail saying what never happened."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {seconds} s")


def pause(pids: Iterable[int]) -> None:
    """SIGSTOP every process: they keep their sockets but answer nothing."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)


def resume(pids: Iterable[int]) -> None:
    """SIGCONT every process paused."""
    for pid in pids:
        os.kill(pid, signal.SIGCONT)


def children(pid: int) -> list[int]:
    """The processes whose parent is pid, read from /proc."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", text, re.MULTILINE):
            found.append(int(status.parent.name))
    return found


class OwnPostgres:
    """A PostgreSQL cluster in a temporary folder, run as the postgres user, trust auth."""

    def __init__(self) -> None:
        if PG_BIN is None or shutil.which("runuser") is None:
            skip_unless_available("postgres", "PostgreSQL's server programs are not installed")
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="academy-pg-"))
        self.data = self.folder / "data"
        shutil.chown(self.folder, "postgres", "postgres")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust")

    def _as_postgres(self, program: Path, *args, check: bool = True) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(program), *map(str, args)],
            check=check,
            capture_output=True,
            timeout=120,
        )

    def _pg_ctl(self, action: str, *args) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            PG_BIN / "pg_ctl", action, "-D", self.data, "-w", "-l", self.folder / "log",
            "-o", options, *args,
        )  # fmt: skip

    def start(self) -> None:
        """Start the cluster and wait until it accepts connections."""
        self._pg_ctl("start")

    def stop(self) -> None:
        """Stop it at once (fast shutdown: sessions are ended)."""
        self._pg_ctl("stop", "-m", "fast")

    def restart(self) -> None:
        """Restart it, as `pg_ctlcluster … restart` does."""
        self._pg_ctl("restart", "-m", "fast")

    def pids(self) -> list[int]:
        """The postmaster and every backend it runs."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        return [postmaster, *children(postmaster)]

    def remove(self) -> None:
        """Stop it if running and delete its folder."""
        with_pid = self.data / "postmaster.pid"
        if with_pid.exists():
            resume(self.pids())
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class OwnRedis:
    """A redis-server of the test's own, keeping nothing on disk."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            skip_unless_available("redis", "redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it and wait until it answers."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.answers, seconds=10, what="Redis starting")

    def answers(self) -> bool:
        """Whether PING gets PONG within a quarter of a second."""
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.25).ping())
        except redis.RedisError:
            return False

    def client(self):
        """A client for looking at what the app stored."""
        import redis

        return redis.Redis(port=self.port, socket_timeout=1)

    def stop(self) -> None:
        """Stop it (SIGTERM) and wait for it to go."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class Gunicorn:
    """The Academy served as in production (gunicorn.conf.py), with settings of the test's."""

    settings: dict[str, str]
    workers: int = 2
    threads: int = 4
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkstemp(prefix="academy-gunicorn-", suffix=".log")[1])

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMY_")}
        env.update(
            ACADEMY_BIND=f"127.0.0.1:{self.port}",
            ACADEMY_WORKERS=str(self.workers),
            ACADEMY_THREADS=str(self.threads),
            ACADEMY_SESSION_COOKIE_SECURE="false",
            ACADEMY_SECRET_KEY="fault-tests",
            GUNICORN_CMD_ARGS="--no-control-socket",
        )
        env.update({f"ACADEMY_{key}": value for key, value in self.settings.items()})
        return env

    def run(self) -> subprocess.CompletedProcess:
        """Run gunicorn in the foreground (for a refusal to start), for at most 60 s."""
        return subprocess.run(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def start(self) -> None:
        """Start it and wait until every worker has said it is ready."""
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
                cwd=PROJECT_ROOT,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(
            lambda: self.log_text().count("Worker ready") >= self.workers or self._died(),
            seconds=90,
            what="gunicorn's workers starting",
        )
        if self._died():
            pytest.fail(f"gunicorn did not start:\n{self.log_text()[-3000:]}")

    def _died(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Stop it gracefully, then hard if it lingers; remove the log."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.unlink(missing_ok=True)

    def session(self) -> requests.Session:
        """A browser-like client that keeps cookies. Each request has a connection of its own:
        a kept-alive one the server closes as the next request goes out would fail it."""
        session = requests.Session()
        session.headers["Connection"] = "close"
        return session

    def get(self, path: str, session: requests.Session | None = None, **kwargs):
        """GET a path, timing out after 30 s rather than hanging the test."""
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("headers", {"Connection": "close"})
        return (session or requests).get(self.base + path, **kwargs)

    def form(self, path: str, session: requests.Session) -> dict[str, str]:
        """The hidden fields of the form on a page (the CSRF token, any form key)."""
        page = self.get(path, session)
        assert page.status_code == 200, (path, page.status_code)
        return hidden_fields(page.text)

    def post(self, path: str, data: dict, session: requests.Session, hidden=None, **kwargs):
        """POST a form with the hidden fields of its page (fetched now unless given)."""
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        fields = {**(self.form(path, session) if hidden is None else hidden), **data}
        return session.post(self.base + path, data=fields, **kwargs)


def hidden_fields(html: str) -> dict[str, str]:
    """name → value of every hidden input in a page, whatever the order of attributes."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = html_unescape(value.group(1) if value else "")
    return fields
