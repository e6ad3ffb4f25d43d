"""Issued records: the learner's list and revoking, and /verify/<code> for anyone.

/verify/ is public and rate-limited. A code that was never issued and a
malformed one get the same 404 page after the same work (one indexed lookup
and, for a check, hashing what was sent); a revoked record says only that it
was revoked and when, never what it held.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from academy.extensions import db, limiter
from academy.forms import ActionForm
from academy.portfolios import bp, public_bp
from academy.portfolios.models import IssuedRecord
from academy.portfolios.records.forms import CodeForm, VerifyForm
from academy.portfolios.records.issued import (
    check_against,
    find_issued,
    issued_records_of,
    normalise_code,
    revoke_record,
    sha256,
    snapshot_data,
)


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


@bp.get("/records")
@login_required
def issued_records():
    """The records you have downloaded with a code, and whether each still checks out."""
    return render_template(
        "records/issued.html", records=issued_records_of(current_user), form=ActionForm()
    )


@bp.route("/records/<int:record_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(record_id: int):
    """Revoke an issued record, after asking: /verify/ then says it is revoked."""
    issued = db.session.scalar(
        select(IssuedRecord).where(
            IssuedRecord.id == record_id, IssuedRecord.user_id == current_user.id
        )
    )
    if issued is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        revoke_record(issued)
        db.session.commit()
        flash(f"The record {issued.code} is revoked. Anyone who checks it will be told.", "success")
        return redirect(url_for("portfolio.issued_records"))
    return render_template("records/revoke.html", issued=issued, form=form)


@public_bp.route("/verify/", methods=["GET", "POST"])
@limiter.limit(_verify_limit)
def verify_start():
    """Type the code printed on a record to check it."""
    form = CodeForm()
    if form.validate_on_submit():
        return redirect(url_for("records.verify", code=form.normalised))
    return render_template("records/verify_start.html", form=form), 400 if form.errors else 200


@public_bp.route("/verify/<code>", methods=["GET", "POST"])
@limiter.limit(_verify_limit)
def verify(code: str):
    """What was issued under a code and when; check a file or a SHA-256 against it."""
    printed = normalise_code(code)
    if printed is not None and printed != code:
        return redirect(url_for("records.verify", code=printed), 301)
    form = VerifyForm()
    submitted = form.validate_on_submit()
    body = form.file.data.read() if submitted and form.file.data else None
    issued = find_issued(printed) if printed else None
    if issued is None:
        if body is not None:
            sha256(body)  # the same work as for a real code: no timing to tell them apart
        page = render_template("records/verify_unknown.html", code=code)
        return page, 404, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    check = None
    if submitted:
        check = check_against(issued, body=body, digest=form.digest.data or "")
    status = 400 if form.errors else 200
    response = render_template(
        "records/verify.html",
        issued=issued,
        snapshot=None if issued.is_revoked else snapshot_data(issued),
        form=form,
        check=check,
    )
    return response, status, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
