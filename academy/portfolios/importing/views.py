"""Bring an existing CPD log into your portfolio: the template, the upload, the preview, confirming.

The same steps as a provider's import (`academy.catalogue.importing.views`),
on the same machinery: nothing is written until the learner confirms, and
confirming checks the rows again against the portfolio as it is then.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from academy.accounts.models import User
from academy.catalogue.importing.forms import ConfirmImportForm
from academy.extensions import db
from academy.locks import take_turns
from academy.portfolios import bp
from academy.portfolios.importing.columns import MAX_ROWS, log_template
from academy.portfolios.importing.operations import ParsedLog, apply_log, check_log, read_log
from academy.portfolios.records.exports import XLSX_MIMETYPE
from academy.spreadsheets.pending import PendingUpload

pending_log = PendingUpload("portfolio_import")
ALREADY_ADDED = (
    "That upload has already been added to your portfolio (from another tab or window). "
    "Nothing was added twice."
)


class LogUploadForm(FlaskForm):
    """The spreadsheet of activities to bring in."""

    spreadsheet = FileField(
        "Your CPD log",
        validators=[FileRequired("Choose the spreadsheet to upload.")],
        description=f"An Excel workbook (.xlsx) or a CSV file: at most 5 MB and "
        f"{MAX_ROWS:,} activities.",
    )


@bp.get("/import/template.xlsx")
@login_required
def import_template():
    """The spreadsheet to fill in: the Activities columns, with drop-downs and a Read me sheet."""
    return send_file(
        io.BytesIO(log_template()),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name="academy-cpd-log-template.xlsx",
        max_age=0,
    )


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_log():
    """Upload a CPD log and see what bringing it in would add."""
    form = LogUploadForm()
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("portfolios/import.html", form=form), status
    upload = form.spreadsheet.data
    data = upload.read()  # at most the request's own limit
    filename = Path((upload.filename or "").replace("\\", "/")).name
    pending_log.forget()
    parsed = read_log(data, filename)
    preview = check_log(current_user, parsed)
    if preview.file_errors:
        form.spreadsheet.errors = [str(problem) for problem in preview.file_errors]
        return render_template("portfolios/import.html", form=form), 400
    confirm = None
    if not preview.has_errors and preview.new_rows:
        token = pending_log.save(parsed.to_json(), digest=preview.digest())
        confirm = ConfirmImportForm(token=token)
    return render_template(
        "portfolios/import_preview.html", preview=preview, confirm=confirm
    ), 400 if preview.has_errors else 200


@bp.post("/import/confirm")
@login_required
def confirm_import():
    """Add the previewed activities, all of them or none, and go back to the portfolio."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    pending = pending_log.facts(form.token.data)
    if pending is None:
        abort(404)
    try:
        parsed = ParsedLog.from_json(pending_log.rows_json(pending))
    except (ValueError, KeyError, TypeError):
        done = pending_log.was_done(pending)
        pending_log.forget()
        if done:  # confirmed a moment ago, in another tab or by a double click
            flash(ALREADY_ADDED, "info")
            return redirect(url_for("portfolio.index"))
        flash("That upload has expired. Please upload the file again.", "error")
        return redirect(url_for("portfolio.import_log"))
    take_turns(User, current_user.id)  # two confirmations at once: the second sees the first's
    preview = check_log(current_user, parsed)
    if preview.digest() != pending["digest"]:
        pending_log.update(digest=preview.digest())
        confirm = ConfirmImportForm(token=form.token.data) if preview.new_rows else None
        return render_template(
            "portfolios/import_preview.html",
            preview=preview,
            confirm=confirm,
            notice="Your portfolio changed since you checked the file. Check the list again.",
        ), 409
    added = apply_log(current_user, preview)
    db.session.commit()
    pending_log.forget(done=True)
    skipped = preview.counts["already"]
    message = f"{added:,} activit{'y' if added == 1 else 'ies'} added to your portfolio."
    if skipped:
        message += f" {skipped:,} already there {'was' if skipped == 1 else 'were'} left out."
    flash(message, "success")
    return redirect(url_for("portfolio.index"))
