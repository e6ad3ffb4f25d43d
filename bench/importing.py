"""Time the spreadsheet import: 5,000 offerings with 10,000 sessions from one .xlsx.

The workbook is composed from the search benchmark's generator (the same
titles, descriptions and facets), written in the template's shape with
labels in the vocabulary columns and real date cells, and kept in
bench/out/. Each database gets a fresh, migrated, empty catalogue with one
approved provider and a member. A fresh Python process then does what a
provider's browser does, through the Flask test client: log in, upload the
file to /provide/import (the preview: read, check every row, compare with
the catalogue, render the page) and press confirm (/provide/import/confirm:
load the rows checked at preview time, compare them again with the catalogue
as it is now, write every row, commit). It prints each request's wall-clock time and the
process's peak resident memory (the RSS high-water mark, so the figure covers
Python, Flask and everything the import held at its largest).

Targets: preview ≤ 10 s, confirm ≤ 10 s, peak memory ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import resource
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from time import perf_counter

import openpyxl
from sqlalchemy import func, select, text

from academy import create_app
from academy.config import PROJECT_ROOT
from academy.reference import reference
from academy.timeutil import today
from bench.generate import (
    OUT_DIR,
    bench_settings,
    build_catalogue,
    fresh_database,
)

OFFERINGS = 5000
SESSIONS = 10_000
TARGET_SECONDS = 10.0
TARGET_MB = 300.0
PASSWORD = "bench import password"  # noqa: S105 - a throwaway account
OFFER_HEADERS = (
    "reference title summary description level format contact_hours cpd_hours credit_value "
    "credit_scheme academic_level cost_gbp audiences sectors ee_values co_designed co_delivered "
    "lived_experience_led co_production_statement booking_url"
).split()
SESSION_HEADERS = "reference starts_on ends_on venue region online places booking_url".split()

Log = Callable[[str], None]


def workbook_path(offerings: int, sessions: int) -> Path:
    """Where the generated workbook is kept."""
    return OUT_DIR / f"import-{offerings}-{sessions}.xlsx"


def build_workbook(offerings: int, sessions: int) -> bytes:
    """The offerings and exactly `sessions` dates as an .xlsx in the template's shape."""
    with create_app(bench_settings("sqlite://")).app_context():
        ref = reference()
        catalogue = build_catalogue(round(offerings * 0.91) + 1, today())
    offers = catalogue.offerings[:offerings]
    ids = {o["id"]: o for o in offers}
    tags: dict[int, dict[str, list[str]]] = {o["id"]: {} for o in offers}
    for tag in catalogue.tags:
        if tag["offering_id"] in ids and tag["facet"] != "region":
            tags[tag["offering_id"]].setdefault(tag["facet"], []).append(tag["key"])
    dates = [s for s in catalogue.sessions if s["offering_id"] in ids][:sessions]
    dated = sorted({s["offering_id"] for s in dates})
    extra = 0
    while len(dates) < sessions:  # more runs of dated offers, four weeks apart
        source = dates[extra % len(dated)]
        shift = timedelta(days=28 * (1 + extra // len(dated)))
        dates.append(
            {
                **source,
                "starts_on": source["starts_on"] + shift,
                "ends_on": source["ends_on"] + shift,
            }
        )
        extra += 1

    def labels(vocabulary, keys) -> str:
        return "; ".join(vocabulary.label(k) for k in keys)

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Offerings")
    sheet.append(OFFER_HEADERS)
    for o in offers:
        facets = tags[o["id"]]
        sheet.append(
            [
                o["reference"],
                o["title"],
                o["summary"],
                o["description"],
                ref.escalator.label(o["level"]),
                ref.formats.label(o["format"]),
                o["contact_hours"],
                o["cpd_hours"],
                o["credit_value"],
                ref.credit_schemes.label(o["credit_scheme"]) or None,
                ref.academic_levels.label(o["academic_level"]) or None,
                o["cost_pence"] / 100 if o["cost_pence"] else "free",
                labels(ref.audiences, facets.get("audience", [])),
                labels(ref.sectors, facets.get("sector", [])),
                labels(ref.ee_values, facets.get("ee_value", [])),
                "yes" if o["co_designed"] else "no",
                "yes" if o["co_delivered"] else "no",
                "yes" if o["lived_experience_led"] else "no",
                o["co_production_statement"],
                o["booking_url"],
            ]
        )
    sheet = book.create_sheet("Sessions")
    sheet.append(SESSION_HEADERS)
    for s in dates:
        sheet.append(
            [
                ids[s["offering_id"]]["reference"],
                s["starts_on"],
                s["ends_on"],
                s["venue"],
                ref.regions.label(s["region"]),
                "yes" if s["online"] else "no",
                s["places"],
                s["booking_url"],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def prepare_workbook(offerings: int, sessions: int, *, fresh: bool, log: Log) -> Path:
    """The workbook, generated unless an earlier one is kept (and today's)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = workbook_path(offerings, sessions)
    marker = path.with_suffix(".day")
    if not fresh and path.exists() and marker.exists() and marker.read_text() == str(today()):
        log(f"Import: reusing {path.relative_to(PROJECT_ROOT)}")
        return path
    started = perf_counter()
    path.write_bytes(build_workbook(offerings, sessions))
    marker.write_text(str(today()))
    size = path.stat().st_size / 1024 / 1024
    log(f"Import: wrote {path.name} ({size:.1f} MB) in {perf_counter() - started:.1f} s")
    return path


def empty_database(url: str, log: Log) -> str:
    """A fresh, migrated, empty database at url (SQLite file or bench_* PostgreSQL)."""
    url = fresh_database(url)
    log("Import: migrated an empty catalogue")
    return url


# --- the measuring process ------------------------------------------------------------


def measure(url: str, path: Path) -> dict:
    """Upload and confirm the workbook as a provider would; returns times and memory."""
    from academy.accounts.operations import register_user
    from academy.catalogue.importing import views as provide_import
    from academy.catalogue.models import Offering, OfferingSession
    from academy.catalogue.operations import add_member, create_provider
    from academy.extensions import db

    app = create_app(bench_settings(url))
    with app.app_context():
        user = register_user("importer@example.org", PASSWORD, "Bench Importer")
        provider = create_provider("Bench Imports", status="approved")
        add_member(provider, user)
        db.session.commit()
    data = path.read_bytes()
    client = app.test_client()
    token = _csrf(client, "/accounts/login")
    client.post(
        "/accounts/login",
        data={"csrf_token": token, "email": "importer@example.org", "password": PASSWORD},
    )
    token = _csrf(client, "/provide/import")
    writing = {}
    original = provide_import.apply_import

    def timed_apply(*args, **kwargs):
        started = perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            writing["seconds"] = perf_counter() - started

    provide_import.apply_import = timed_apply
    baseline = _peak_mb()
    started = perf_counter()
    response = client.post(
        "/provide/import",
        data={
            "csrf_token": token,
            "provider": "bench-imports",
            "mode": "draft",
            "spreadsheet": (io.BytesIO(data), path.name),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    preview_seconds = perf_counter() - started
    if response.status_code != 200 or 'name="token"' not in page:
        raise SystemExit(f"the preview answered {response.status_code}: {_problems(page)}")
    confirm = {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1],
        "token": re.search(r'name="token" type="hidden" value="([^"]+)"', page)[1],
    }
    started = perf_counter()
    response = client.post("/provide/import/confirm", data=confirm)
    confirm_seconds = perf_counter() - started
    if response.status_code != 302:
        raise SystemExit(f"confirming answered {response.status_code}")
    with app.app_context():
        offerings = db.session.scalar(select(func.count()).select_from(Offering))
        sessions = db.session.scalar(select(func.count()).select_from(OfferingSession))
        dialect = db.engine.dialect.name
        version = db.session.scalar(
            text("SELECT sqlite_version()" if dialect == "sqlite" else "SHOW server_version")
        )
        db.engine.dispose()
    return {
        "preview_seconds": preview_seconds,
        "confirm_seconds": confirm_seconds,
        "write_seconds": writing.get("seconds"),
        "peak_mb": _peak_mb(),
        "baseline_mb": baseline,
        "file_mb": len(data) / 1024 / 1024,
        "page_mb": len(page.encode()) / 1024 / 1024,
        "offerings": offerings,
        "sessions": sessions,
        "version": str(version).split(" ")[0],
    }


def _csrf(client, url: str) -> str:
    """The CSRF token of the form at url."""
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def _problems(page: str) -> str:
    """The first cells of a page, to say why a preview failed."""
    cells = re.findall(r"<td>([^<]*)</td>", page)
    return " | ".join(cells[:12]) or page[:300]


def _peak_mb() -> float:
    """This process's resident memory high-water mark (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the parent: prepare, run the child, report ------------------------------------------


def run_import(url: str, label: str, *, offerings: int, sessions: int, fresh: bool, log: Log):
    """Prepare the workbook and an empty database, then measure in a fresh process."""
    path = prepare_workbook(offerings, sessions, fresh=fresh, log=log)
    url = empty_database(url, log)
    log(f"{label}: importing {offerings:,} offerings and {sessions:,} sessions ...")
    child = subprocess.run(
        [sys.executable, "-m", "bench.importing", "--measure", url, str(path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        raise RuntimeError(f"{label}: the import benchmark failed:\n{child.stderr[-2000:]}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result["label"] = label
    return result


def format_import_report(result: dict) -> str:
    """A few lines for one database."""
    preview, confirm, peak = result["preview_seconds"], result["confirm_seconds"], result["peak_mb"]
    met = preview <= TARGET_SECONDS and confirm <= TARGET_SECONDS and peak <= TARGET_MB
    write = result["write_seconds"]
    return "\n".join(
        [
            f"== Spreadsheet import: {result['label']} {result['version']} ==",
            f"{result['offerings']:,} offerings and {result['sessions']:,} sessions from one "
            f".xlsx of {result['file_mb']:.1f} MB into an empty catalogue (Flask test client, "
            "whole requests)",
            f"preview (upload, read, check, compare, {result['page_mb']:.1f} MB page)  "
            f"{preview:6.1f} s{'!' if preview > TARGET_SECONDS else ' '}",
            f"confirm (check again, write, commit)                  {confirm:6.1f} s"
            f"{'!' if confirm > TARGET_SECONDS else ' '}"
            + (f"   of which writing {write:.1f} s" if write is not None else ""),
            f"peak memory (RSS high-water mark of the process)       {peak:6.0f} MB"
            f"{'!' if peak > TARGET_MB else ' '}  (after start-up {result['baseline_mb']:.0f} MB)",
            f"Targets ≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_MB:.0f} MB: "
            f"{'MET' if met else 'NOT MET'}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """The measuring child (--measure URL FILE), or a standalone run on SQLite."""
    parser = argparse.ArgumentParser(prog="python -m bench.importing")
    parser.add_argument("--measure", nargs=2, metavar=("URL", "FILE"))
    parser.add_argument("--offerings", type=int, default=OFFERINGS)
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args(argv)
    if args.measure:
        url, path = args.measure
        print(json.dumps(measure(url, Path(path))), flush=True)
        return 0
    url = f"sqlite:///{OUT_DIR / 'import.sqlite3'}"
    result = run_import(
        url,
        "SQLite",
        offerings=args.offerings,
        sessions=args.sessions,
        fresh=args.fresh,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    print(format_import_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
