"""Bring an existing CPD log into your portfolio: the template, the upload, the preview, confirming.

The same steps as a provider's import (`academy.catalogue.importing.views`),
on the same machinery (`academy.spreadsheets.flow`): nothing is written until
the learner confirms, and confirming checks the rows again against the
portfolio as it is then.
"""

from __future__ import annotations

from functools import partial

from flask import render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from academy.accounts.models import User
from academy.locks import take_turns
from academy.portfolios import bp
from academy.portfolios.importing.columns import MAX_ROWS, log_template
from academy.portfolios.importing.operations import (
    LogPreview,
    ParsedLog,
    apply_log,
    check_log,
    read_log,
)
from academy.spreadsheets.flow import ConfirmUploadForm, Messages, UploadFlow
from academy.spreadsheets.template import xlsx_download

ALREADY_ADDED = (
    "That upload has already been added to your portfolio (from another tab or window). "
    "Nothing was added twice."
)
log_upload = UploadFlow(
    "portfolio_import",
    load=ParsedLog.from_json,
    messages=Messages(
        already_done=ALREADY_ADDED,
        changed="Your portfolio changed since you checked the file. Check the list again.",
        conflict="Your portfolio changed at the same moment. Nothing was added: try again.",
    ),
    can_confirm=lambda preview: not preview.has_errors and bool(preview.new_rows),
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
    return xlsx_download(log_template(), "academy-cpd-log-template.xlsx")


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_log():
    """Upload a CPD log and see what bringing it in would add."""
    form = LogUploadForm()
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("portfolios/import.html", form=form), status
    parsed = read_log(*log_upload.received(form.spreadsheet))
    preview = check_log(current_user, parsed)
    if preview.file_errors:
        form.spreadsheet.errors = [str(problem) for problem in preview.file_errors]
        return render_template("portfolios/import.html", form=form), 400
    confirm = log_upload.keep(parsed, preview)
    return preview_page(preview, confirm), 400 if preview.has_errors else 200


@bp.post("/import/confirm")
@login_required
def confirm_import():
    """Add the previewed activities, all of them or none, and go back to the portfolio."""
    result = log_upload.confirm(
        log_upload.waiting(),
        take_turns=partial(take_turns, User, current_user.id),
        check=partial(check_log, current_user),
        write=add_activities,
    )
    if result.shows_preview:
        return preview_page(result.preview, result.confirm, result.message), 409
    home, again = url_for("portfolio.index"), url_for("portfolio.import_log")
    return result.redirect(home=home, upload=again)


def preview_page(
    preview: LogPreview, confirm: ConfirmUploadForm | None, notice: str | None = None
) -> str:
    """The preview of a log: every activity and problem, and the button to confirm it."""
    return render_template(
        "portfolios/import_preview.html", preview=preview, confirm=confirm, notice=notice
    )


def add_activities(preview: LogPreview) -> str:
    """Add a clean preview's new activities; how many, and how many were left out, in a sentence."""
    added = apply_log(current_user, preview)
    skipped = preview.counts["already"]
    message = f"{added:,} activit{'y' if added == 1 else 'ies'} added to your portfolio."
    if skipped:
        message += f" {skipped:,} already there {'was' if skipped == 1 else 'were'} left out."
    return message
