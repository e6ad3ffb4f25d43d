"""The soak benchmark's verdict and plan (bench/soak.py): what fails it, what it asks for."""

from __future__ import annotations

from datetime import date

from bench.generate import Prepared
from bench.soak_report import FLAT_MB, Sample, SoakReport, format_report, growth, slope
from bench.soak_traffic import LOGGED_IN, MIX, Learner, build_plan, within_pages

MASTER, WORKER = 100, 101
KINDS = {
    kind: {"requests": 100.0, "bad": 0.0, "p50": 1, "p90": 2, "p99": 3, "max": 4} for kind in MIX
}
WRK = {
    "requests": 600.0,
    "duration_us": 300e6,
    "latency_p50_us": 1000,
    "latency_p90_us": 2000,
    "latency_p99_us": 3000,
    "latency_max_us": 4000,
    "latency_mean_us": 1500,
}


def prepared() -> Prepared:
    """A catalogue as bench/generate.py describes one, never opened here."""
    counts = {"published": 10, "learners": 2, "entries": 40}
    return Prepared("sqlite://", "SQLite", True, 0.0, date(2026, 12, 2), counts, "3")


def soak(worker_mb, kinds=KINDS) -> SoakReport:
    """A 300-second soak whose worker reads worker_mb(seconds) every 2 s; the master flat."""
    samples = [
        Sample(at, {MASTER: 25 * 1024, WORKER: int(worker_mb(at) * 1024)})
        for at in range(0, 302, 2)
    ]
    return SoakReport(
        prepared=prepared(),
        settings={"threads": "4", "worker_class": "gthread", "max_requests": "0"},
        workers=1,
        connections=16,
        duration=300,
        learners=2,
        plan_lines=100,
        load=(0.0, 0.0, 0.0),
        master=MASTER,
        ready={WORKER: 90 * 1024},
        master_ready=25 * 1024,
        samples=samples,
        peaks={},
        cpu={},
        wrk=WRK,
        kinds=kinds,
        failures=[],
        wrk_cpu=0.0,
        replaced=[],
        exit_code=0,
    )


def test_memory_that_settles_after_warm_up_passes():
    report = soak(lambda at: 100 + min(at, 20) + (at % 4) / 4)
    assert abs(growth(report, WORKER)) < 1
    assert report.problems() == []
    assert "Soak passed" in format_report(report)


def test_a_worker_growing_a_little_each_minute_fails_the_soak():
    report = soak(lambda at: 120 + at / 60 * 1.6)  # 1.6 MB a minute: 5.6 MB from 60 s to 270 s
    assert growth(report, WORKER) > FLAT_MB
    assert round(slope(report, WORKER), 1) == 1.6
    assert any(f"pid {WORKER}: memory grew" in problem for problem in report.problems())


def test_a_redirected_portfolio_page_fails_the_soak():
    kinds = {**KINDS, "portfolio": {**KINDS["portfolio"], "bad": 1.0}}
    assert soak(lambda at: 100, kinds).problems() == ["1 portfolio responses were not 200"]


def test_the_plan_sends_cookies_only_with_learners_pages_and_mixes_every_kind():
    learners = [
        Learner("a@example.org", "session=a", [1, 2]),
        Learner("b@example.org", "session=b", [3]),
    ]
    plan = build_plan(prepared(), lambda path: (200, b""), ["one", "two"], learners, lines=2000)
    assert {kind for kind, _path, _cookie in plan} == set(MIX)
    for kind, path, cookie in plan:
        assert bool(cookie) == (kind in LOGGED_IN), (kind, path)
    entries = {path for kind, path, cookie in plan if kind == "entry" and cookie == "session=b"}
    assert entries == {"/portfolio/entries/3"}
    searches = sum(kind == "search" for kind, _path, _cookie in plan)
    assert 0.25 < searches / len(plan) < 0.35


def test_a_page_past_the_last_is_dropped_from_its_query():
    def get(path: str) -> tuple[int, bytes]:
        """The API refuses page 5 of anything."""
        return (400 if "page=5" in path else 200), b""

    assert within_pages(get, ["q=soteria&page=5", "level=ground&page=2", "page=5"]) == [
        "q=soteria",
        "level=ground&page=2",
        "",
    ]
