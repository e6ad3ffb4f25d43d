"""The soak's report (bench/soak.py): what it measured, the verdict on memory, the table,
the memory samples as CSV, and its rows in the summary."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from statistics import median

from bench.generate import Prepared
from bench.search import shown_url
from bench.soak_traffic import LABELS, MIX
from bench.summary import Summary

#: Seconds between memory readings.
SAMPLE_SECONDS = 2.0
#: The most a process's median may grow from the first minute after warm-up to the last.
FLAT_MB = 5.0


@dataclass
class Sample:
    """One reading: seconds since wrk started, and VmRSS in kB by pid."""

    at: float
    rss_kb: dict[int, int]


@dataclass
class SoakReport:
    """Everything one database's soak report shows."""

    prepared: Prepared
    settings: dict[str, str]
    workers: int
    connections: int
    duration: int
    learners: int
    plan_lines: int
    load: tuple[float, float, float]
    master: int
    ready: dict[int, int]  # worker pid -> VmRSS kB once ready, before any request
    master_ready: int | None  # the master's VmRSS kB then
    samples: list[Sample]
    peaks: dict[int, int]  # pid -> VmHWM kB at the end
    cpu: dict[int, float]  # pid -> CPU seconds at the end
    wrk: dict[str, float]  # wrk's "result" values, and soak.lua's "pooled" ones
    kinds: dict[str, dict[str, float]]  # kind -> requests, bad, p50, p90, p99, max (ms)
    failures: list[str]
    wrk_cpu: float
    replaced: list[int]
    exit_code: int | None
    trouble: list[str] = field(default_factory=list)

    @property
    def warmup(self) -> float:
        """Seconds of warm-up at the start: a fifth of the run, at most 30."""
        return min(30.0, self.duration / 5)

    @property
    def window(self) -> float:
        """Seconds in each memory window: a minute, or a third of what follows warm-up."""
        return min(60.0, (self.duration - self.warmup) / 3)

    def series(self, pid: int) -> list[tuple[float, float]]:
        """(seconds, MB) of one process."""
        return [(s.at, s.rss_kb[pid] / 1024) for s in self.samples if pid in s.rss_kb]

    def windows(self, pid: int) -> tuple[list[float], list[float]]:
        """MB in the first window after warm-up, and in the last window of the run."""
        points = self.series(pid)
        first = [mb for at, mb in points if self.warmup <= at < self.warmup + self.window]
        last = [mb for at, mb in points if at >= self.duration - self.window]
        return first, last

    @property
    def processes(self) -> list[int]:
        """The master, then the workers, by pid."""
        return [self.master, *sorted(self.ready)]

    @property
    def requests(self) -> int:
        """Requests wrk completed."""
        return int(self.wrk["requests"])

    @property
    def seconds(self) -> float:
        """wrk's own duration of the run."""
        return self.wrk["duration_us"] / 1e6

    def socket_errors(self) -> dict[str, int]:
        """wrk's connect, read, write and timeout errors."""
        names = ("connect", "read", "write", "timeout")
        return {name: int(self.wrk.get(f"error_{name}", 0)) for name in names}

    def problems(self) -> list[str]:
        """Everything that fails the soak, in words."""
        found = [f"{n:,} socket {kind} errors" for kind, n in self.socket_errors().items() if n]
        found += [
            f"{int(k['bad']):,} {name} responses were not 200"
            for name, k in self.kinds.items()
            if k["bad"]
        ]
        if not self.requests:
            found.append("no request completed")
        for pid in self.processes:
            grew = growth(self, pid)
            if grew is None:
                found.append(f"pid {pid}: too few memory readings to judge")
            elif grew > FLAT_MB:
                found.append(f"pid {pid}: memory grew {grew:.1f} MB (at most {FLAT_MB:.0f})")
        if self.replaced:
            found.append(f"worker(s) died or were replaced: {', '.join(map(str, self.replaced))}")
        if self.exit_code not in (0, None):
            found.append(f"gunicorn exited with code {self.exit_code} on SIGTERM")
        if self.trouble:
            found.append(f"{len(self.trouble)} alarming line(s) in gunicorn's log")
        return found


def growth(report: SoakReport, pid: int) -> float | None:
    """MB from the first window's median to the last window's; None without readings."""
    first, last = report.windows(pid)
    if not first or not last:
        return None
    return median(last) - median(first)


def slope(report: SoakReport, pid: int) -> float | None:
    """MB a minute after warm-up, by least squares over every reading."""
    points = [(at, mb) for at, mb in report.series(pid) if at >= report.warmup]
    if len(points) < 2:
        return None
    mean_t = sum(at for at, _ in points) / len(points)
    mean_mb = sum(mb for _, mb in points) / len(points)
    spread = sum((at - mean_t) ** 2 for at, _ in points)
    if not spread:
        return None
    return sum((at - mean_t) * (mb - mean_mb) for at, mb in points) / spread * 60


def after_warmup(report: SoakReport, pid: int) -> float | None:
    """MB at the first reading once warm-up is over."""
    return next((mb for at, mb in report.series(pid) if at >= report.warmup), None)


def leak_caught(report: SoakReport) -> float:
    """Bytes a request that, leaked by every request, would grow a worker by FLAT_MB
    between the two windows' midpoints."""
    per_worker = report.requests / report.seconds / max(report.workers, 1)
    between = report.duration - report.warmup - report.window
    return FLAT_MB * 1024 * 1024 / max(per_worker * between, 1)


def format_report(report: SoakReport) -> str:
    """One plain-text report for one database."""
    prepared, settings = report.prepared, report.settings
    counts = prepared.counts
    load = ", ".join(f"{value:.1f}" for value in report.load)
    mix = ", ".join(f"{kind} {share}%" for kind, share in MIX.items())
    lines = [
        f"== Soak: {prepared.label} {prepared.version} ({shown_url(prepared)}), "
        f"{report.duration} s of mixed traffic ==",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load} "
        "(1/5/15 min, at the start)",
        f"{counts['published']:,} published offerings, {counts['learners']:,} learners, "
        f"{counts['entries']:,} entries; gunicorn.conf.py: {report.workers} workers x "
        f"{settings.get('threads')} threads ({settings.get('worker_class')}), "
        f"max_requests {settings.get('max_requests')}",
        f"wrk on loopback: one run of {report.duration} s, {report.connections} threads of one "
        f"connection each, cycling a plan of {report.plan_lines:,} requests ({mix}); "
        f"{report.learners} learners logged in through /accounts/login",
        "Latency in ms, each request timed by bench/wrk/soak.lua; the last row is wrk's own "
        "histogram, which runs high here (see the mean below)",
        "",
    ]
    header = (
        f"{'kind':<30} {'requests':>9} {'share':>6} {'req/s':>7} │ {'p50':>6} {'p90':>6}"
        f" {'p99':>6} {'max':>7} │ {'not 200':>7}"
    )
    rule = "─" * len(header)
    lines += [header, rule]
    seconds = report.seconds or 1
    for kind in MIX:
        k = report.kinds.get(kind)
        if not k:
            lines.append(f"{LABELS[kind]:<30} {'none':>9}")
            continue
        lines.append(
            f"{LABELS[kind]:<30} {int(k['requests']):>9,} {k['requests'] / report.requests:>6.1%}"
            f" {k['requests'] / seconds:>7,.1f} │ {k['p50']:6.1f} {k['p90']:6.1f} {k['p99']:6.1f}"
            f" {k['max']:7.1f} │ {int(k['bad']):>6,}{'!' if k['bad'] else ' '}"
        )
    lines.append(rule)
    w = report.wrk
    bad = sum(int(k["bad"]) for k in report.kinds.values())
    for name, prefix in (("all kinds", "pooled_"), ("all kinds, wrk's own", "latency_")):
        if f"{prefix}p50_us" not in w:
            continue
        lines.append(
            f"{name:<30} {report.requests:>9,} {'':>6} {report.requests / seconds:>7,.1f}"
            f" │ {w[f'{prefix}p50_us'] / 1000:6.1f} {w[f'{prefix}p90_us'] / 1000:6.1f}"
            f" {w[f'{prefix}p99_us'] / 1000:6.1f} {w[f'{prefix}max_us'] / 1000:7.1f} │ {bad:>6,}"
            f"{'!' if bad else ' '}"
        )
    # With C connections busy for S seconds, R requests average at most C x S / R each.
    bound = report.connections * seconds / max(report.requests, 1) * 1000
    lines.append(
        f"Mean latency: {w.get('pooled_mean_us', 0) / 1000:.1f} ms timed by soak.lua, "
        f"{w['latency_mean_us'] / 1000:.1f} ms by wrk; {report.connections} connections over "
        f"{seconds:.0f} s allow at most {bound:.1f} ms"
    )
    errors = report.socket_errors()
    server_cpu = sum(report.cpu.get(pid, 0.0) for pid in report.processes)
    lines.append(
        f"Socket errors: {sum(errors.values()) or 'none'} "
        f"({', '.join(f'{name} {n}' for name, n in errors.items())}); "
        f"wrk used {report.wrk_cpu / seconds:.2f} cores on average; "
        f"gunicorn {server_cpu:,.0f} CPU s in all (start-up and log-ins included)"
    )
    lines += [f"!! {failure}" for failure in report.failures]

    first_end = report.warmup + report.window
    last_start = report.duration - report.window
    lines += [
        "",
        f"Memory (VmRSS, MB), read every {SAMPLE_SECONDS:.0f} s: warm-up the first "
        f"{report.warmup:.0f} s; medians of the first window ({report.warmup:.0f}–"
        f"{first_end:.0f} s) and the last ({last_start:.0f}–{report.duration} s)",
    ]
    header = (
        f"{'process':<8} {'pid':>8} {'ready':>6} {'warm':>6} {'first':>6} {'last':>6}"
        f" {'growth':>7} {'peak':>6} {'end':>6} {'HWM':>6} {'MB/min':>7} {'CPU s':>6}"
    )
    lines += [header, "─" * len(header)]
    for pid in report.processes:
        points = report.series(pid)
        first, last = report.windows(pid)
        grew = growth(report, pid)
        rate = slope(report, pid)
        warm = after_warmup(report, pid)
        ready = report.master_ready if pid == report.master else report.ready.get(pid)
        lines.append(
            f"{'master' if pid == report.master else 'worker':<8} {pid:>8}"
            f" {_mb(ready / 1024 if ready else None):>6} {_mb(warm):>6}"
            f" {_mb(median(first) if first else None):>6} {_mb(median(last) if last else None):>6}"
            f" {_signed(grew):>7}{'!' if grew is not None and grew > FLAT_MB else ' '}"
            f"{_mb(max((mb for _, mb in points), default=None)):>6}"
            f" {_mb(points[-1][1] if points else None):>6}"
            f" {_mb(report.peaks[pid] / 1024 if pid in report.peaks else None):>6}"
            f" {_signed(rate, 2):>7} {report.cpu.get(pid, 0.0):>6.0f}"
        )
    flat = all(
        g is not None and g <= FLAT_MB for g in (growth(report, pid) for pid in report.processes)
    )
    lines.append(
        f"Flat (every process's growth ≤ {FLAT_MB:.0f} MB): {'MET' if flat else 'NOT MET'}; "
        f"a leak of {leak_caught(report):,.0f} bytes a request would grow a worker by "
        f"{FLAT_MB:.0f} MB between the windows at this rate"
    )
    lines.append(
        "ready = before any request (index built); warm = first reading after warm-up; "
        "peak = highest reading; HWM = the kernel's high-water mark (start-up included)"
    )
    problems = report.problems()
    if problems:
        lines += ["", "!! PROBLEMS " + "!" * 60]
        lines += [f"!! {problem}" for problem in problems]
        lines += [f"!!   log: {line}" for line in report.trouble[:12]]
    else:
        lines += [
            "",
            "Soak passed: every response a 200, no socket errors, workers kept, memory flat.",
        ]
    return "\n".join(lines)


def memory_csv(report: SoakReport) -> str:
    """Every reading: seconds, role, pid, MB."""
    rows = ["seconds,process,pid,rss_mb"]
    for sample in report.samples:
        for pid, kb in sorted(sample.rss_kb.items()):
            role = "master" if pid == report.master else "worker"
            rows.append(f"{sample.at:.1f},{role},{pid},{kb / 1024:.2f}")
    return "\n".join(rows) + "\n"


def summarise(summary: Summary, report: SoakReport) -> None:
    """The soak's rows in `make bench`'s summary table."""
    label = report.prepared.label
    section = (
        f"Soak: {report.duration} s of mixed traffic, {report.learners} learners logged in, "
        f"wrk {report.connections} connections"
    )
    summary.add(
        section, "all kinds: req/s", label, f"{report.requests / report.seconds:,.0f}", unit="req/s"
    )
    for kind in MIX:
        k = report.kinds.get(kind)
        if k:
            summary.add(
                section, f"{LABELS[kind]}: p50 / p99", label, f"{k['p50']:.0f} / {k['p99']:.0f}"
            )
    grown = [growth(report, pid) for pid in report.processes]
    worst = max((g for g in grown if g is not None), default=0.0)
    summary.add(
        section,
        "memory growth, first minute to last (largest process)",
        label,
        f"{worst:+.1f}",
        unit="MB",
        target=f"≤ {FLAT_MB:.0f}",
        missed=worst > FLAT_MB or None in grown,
    )
    problems = report.problems()
    summary.add(
        section,
        "errors, non-200, failed workers, growth",
        label,
        "none" if not problems else f"{len(problems)} kinds",
        unit="",
        target="none",
        missed=bool(problems),
    )


def _mb(value: float | None) -> str:
    """MB to one decimal place, or nothing."""
    return "" if value is None else f"{value:.1f}"


def _signed(value: float | None, places: int = 1) -> str:
    """A change with its sign, or nothing."""
    return "" if value is None else f"{value:+.{places}f}"
