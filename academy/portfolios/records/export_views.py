"""Downloads of a learner's portfolio: .xlsx, .csv, .json and .pdf, whole or for a profile.

There is no id in these URLs: an export is always the current user's own.
`?profile=nmc` (any key in data/record_profiles.toml) gives that body's record:
its period, columns and wording. Every PDF, xlsx and JSON download is issued
(`records.issue_record`): it carries a code that anyone can check at
/verify/<code>. CSV files carry no code.
"""

from __future__ import annotations

import orjson
from flask import abort, request, url_for
from flask_login import current_user, login_required

from academy.downloads import download
from academy.extensions import db
from academy.portfolios import bp
from academy.portfolios.records.exports import portfolio_csv, portfolio_xlsx
from academy.portfolios.records.issued import (
    Record,
    UnknownProfile,
    build_record,
    issue_record,
    scope_for,
    seal,
)
from academy.portfolios.records.pdf import record_html, record_pdf
from academy.spreadsheets.template import XLSX as XLSX_MIMETYPE
from academy.text import format_number
from academy.timeutil import today

MIMETYPES = {
    "xlsx": XLSX_MIMETYPE,
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


def requested_record() -> Record:
    """The current user's record for the `profile` in the query string (none: everything)."""
    try:
        scope = scope_for(current_user, request.args.get("profile"))
    except UnknownProfile:
        abort(400, description="There is no record profile by that name.")
    return build_record(current_user._get_current_object(), scope)


def verify_url(code: str) -> str:
    """Where anyone can check a record: /verify/<code>, as a full address."""
    return url_for("records.verify", code=code, _external=True)


@bp.get("/export.<any(xlsx, csv, json, pdf):kind>")
@login_required
def export(kind: str):
    """Download your portfolio, or one profile's record, as xlsx, CSV, JSON or PDF."""
    record = requested_record()
    issued = issue_record(record, kind) if kind != "csv" else None
    if kind == "csv":
        body = portfolio_csv(record.entries, record.columns).encode("utf-8")
    elif kind == "pdf":
        body = record_pdf(record, verify_url(record.code))
    elif kind == "xlsx":
        body = portfolio_xlsx(
            record.user,
            record.entries,
            record.summary,
            record.position,
            record.columns,
            record.reflection_columns,
            reflective=record.reflective,
            facts=record_facts(record),
            reflection_title=record.profile.reflection_title,
        )
    else:
        data = {**record.document, "record": record_json(record)}
        body = orjson.dumps(data)
    if issued is not None:
        seal(issued, body)
        db.session.commit()
    name = "portfolio" if record.scope.is_whole_portfolio else f"{record.profile.key}-record"
    return download(body, MIMETYPES[kind], f"{name}-{today().isoformat()}.{kind}")


@bp.get("/record")
@login_required
def printable_record():
    """Your record as a page to read or print: the PDF's layout, without a code."""
    html = record_html(requested_record(), for_pdf=False)
    return html, 200, {"Cache-Control": "private, no-store"}


def record_facts(record: Record) -> list[tuple[str, object]]:
    """The rows a profile's record adds to the Summary sheet."""
    period = record.scope.period
    facts: list[tuple[str, object]] = [("Record", record.profile.label)]
    if period is not None:
        facts += [("Period from", period.starts_on), ("Period to", period.ends_on)]
    if record.code:
        facts += [("Verification code", record.code), ("Check it at", verify_url(record.code))]
    if record.progress is not None:
        for item in record.progress.items:
            have, need = format_number(item.have), format_number(item.requirement.need)
            state = "met" if item.met else "not yet met"
            facts.append((item.requirement.label.capitalize(), f"{have} of {need}: {state}"))
    return facts


def record_json(record: Record) -> dict:
    """The JSON record's `record` block: profile, period, verification and progress."""
    period = record.scope.period
    return {
        "profile": record.profile.key,
        "profile_label": record.profile.label,
        "period": (
            {"starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat()}
            if period
            else None
        ),
        "verification": (
            {"code": record.code, "url": verify_url(record.code)} if record.code else None
        ),
        "requirements": [
            {
                "kind": item.requirement.kind,
                "label": item.requirement.label,
                "need": item.requirement.need,
                "have": item.have,
                "met": item.met,
            }
            for item in (record.progress.items if record.progress else ())
        ],
    }
