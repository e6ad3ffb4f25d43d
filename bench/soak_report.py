"""The soak's table (bench/soak.py), its memory samples as CSV, and its summary rows."""

from __future__ import annotations

import os
import platform
from statistics import median
from typing import TYPE_CHECKING

from bench.search import shown_url
from bench.soak_traffic import LABELS, MIX
from bench.summary import Summary

if TYPE_CHECKING:
    from bench.soak import SoakReport


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
    from bench.soak import FLAT_MB

    per_worker = report.requests / report.seconds / max(report.workers, 1)
    between = report.duration - report.warmup - report.window
    return FLAT_MB * 1024 * 1024 / max(per_worker * between, 1)


def format_report(report: SoakReport) -> str:
    """One plain-text report for one database."""
    from bench.soak import FLAT_MB, SAMPLE_SECONDS

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
    from bench.soak import FLAT_MB

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
    return "" if value is None else f"{value:.1f}"


def _signed(value: float | None, places: int = 1) -> str:
    return "" if value is None else f"{value:+.{places}f}"
