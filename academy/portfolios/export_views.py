"""Downloads of a learner's portfolio: .xlsx, .csv and .json.

There is no id in these URLs: an export is always the current user's own.
"""

from __future__ import annotations

import orjson
from flask_login import current_user, login_required

from academy.escalator.position import position_of
from academy.portfolios import bp
from academy.portfolios.exports import (
    XLSX_MIMETYPE,
    download,
    entries_for_export,
    portfolio_csv,
    portfolio_xlsx,
)
from academy.portfolios.json_record import portfolio_record
from academy.portfolios.summary import summarise
from academy.reference import reference
from academy.timeutil import today

MIMETYPES = {
    "xlsx": XLSX_MIMETYPE,
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


@bp.get("/export.<any(xlsx, csv, json):kind>")
@login_required
def export(kind: str):
    """Download your whole portfolio as a spreadsheet, a CSV file or a JSON record."""
    user = current_user._get_current_object()
    entries = entries_for_export(user)
    if kind == "csv":
        body = portfolio_csv(entries).encode("utf-8")
    else:
        ref = reference()
        summary = summarise(entries, ref.escalator.keys)
        position = position_of(summary.by_level, ref.escalator)
        if kind == "xlsx":
            body = portfolio_xlsx(user, entries, summary, position)
        else:
            record = portfolio_record(user, entries, summary, position)
            body = orjson.dumps(record)
    return download(body, MIMETYPES[kind], f"portfolio-{today().isoformat()}.{kind}")
