"""The spreadsheet import under /provide/import: the template, the upload, the preview, confirming.

Nothing is written until the provider confirms. The file's rows, read and
checked, wait as a `PendingUpload`; confirming compares them again with the
catalogue as it is now and writes every offer in one transaction.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from academy.catalogue import provide_bp as bp
from academy.catalogue.access import get_provider_for_member, member_providers
from academy.catalogue.importing.columns import offering_template
from academy.catalogue.importing.forms import MODE_HINTS, ConfirmImportForm, ImportForm
from academy.catalogue.importing.operations import apply_import, check_import
from academy.catalogue.importing.reading import ParsedImport, read_import
from academy.catalogue.models import Provider
from academy.extensions import db
from academy.locks import take_turns
from academy.spreadsheets.pending import PendingUpload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
pending_import = PendingUpload("provider_import")
ALREADY_IMPORTED = (
    "That upload has already been imported (from another tab or window). "
    "Nothing was imported twice."
)


def approved_providers() -> list[Provider]:
    """The current user's approved organisations; anyone with none gets a 403."""
    providers = member_providers(approved_only=True)
    if not providers:
        abort(403)
    return providers


@bp.get("/import/template.xlsx")
@login_required
def import_template():
    """The spreadsheet template to fill in."""
    approved_providers()
    return send_file(
        io.BytesIO(offering_template()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="academy-offers-template.xlsx",
        max_age=0,
    )


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_offerings():
    """Upload a spreadsheet and see what importing it would do."""
    providers = approved_providers()
    form = ImportForm(providers=providers)
    wanted = form.provider.data if form.is_submitted() else request.args.get("provider")
    if wanted and wanted not in {p.slug for p in providers}:
        abort(404)  # another organisation's, or none at all
    if wanted and not form.is_submitted():
        form.provider.data = wanted
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("provide/import.html", form=form, hints=MODE_HINTS), status
    provider = get_provider_for_member(form.provider.data, approved=True)
    upload = form.spreadsheet.data
    data = upload.read()  # at most the request's own limit
    filename = Path((upload.filename or "").replace("\\", "/")).name
    pending_import.forget()
    parsed = read_import(data, filename)
    preview = check_import(provider, parsed)
    if preview.file_errors:
        form.spreadsheet.errors = [str(problem) for problem in preview.file_errors]
        return render_template("provide/import.html", form=form, hints=MODE_HINTS), 400
    confirm = None
    if not preview.has_errors:
        token = pending_import.save(
            parsed.to_json(),
            provider_id=provider.id,
            mode=form.mode.data,
            filename=filename[:200],
            digest=preview.digest(),
        )
        confirm = ConfirmImportForm(token=token)
    return render_template(
        "provide/import_preview.html",
        preview=preview,
        provider=provider,
        mode=form.mode.data,
        confirm=confirm,
    ), 400 if preview.has_errors else 200


@bp.post("/import/confirm")
@login_required
def confirm_import():
    """Write the previewed file, all of it or nothing, and go back to the listings."""
    approved_providers()
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    pending = pending_import.facts(form.token.data)
    if pending is None:
        abort(404)
    provider = db.session.get(Provider, pending["provider_id"])
    if provider is None:
        abort(404)
    provider = get_provider_for_member(provider.slug, approved=True)
    take_turns(Provider, provider.id)  # two confirmations for one provider: one after the other
    try:
        parsed = ParsedImport.from_json(pending_import.rows_json(pending))
    except (ValueError, KeyError, TypeError):
        done = pending_import.was_done(pending)
        pending_import.forget()
        if done:  # confirmed a moment ago, in another tab or by a double click
            flash(ALREADY_IMPORTED, "info")
            return redirect(url_for("provide.dashboard"))
        flash("That upload has expired. Please upload the file again.", "error")
        return redirect(url_for("provide.import_offerings", provider=provider.slug))
    preview = check_import(provider, parsed)
    mode = pending["mode"] if pending["mode"] in ("draft", "submit") else "draft"
    again = None
    if preview.has_errors:
        again = "The file no longer imports cleanly against your offers as they are now."
    elif preview.digest() != pending["digest"]:
        again = "Your offers changed since you checked the file. Check the list again."
    else:
        try:
            counts = apply_import(provider, preview, actor=current_user, mode=mode)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            again = "Someone changed your offers at the same moment. Nothing was saved: try again."
    if again:
        pending_import.update(digest=preview.digest())
        confirm = None if preview.has_errors else ConfirmImportForm(token=pending["token"])
        return render_template(
            "provide/import_preview.html",
            preview=preview,
            provider=provider,
            mode=mode,
            confirm=confirm,
            notice=again,
        ), 409
    pending_import.forget(done=True)
    flash(summary(counts, mode), "success")
    return redirect(url_for("provide.dashboard"))


def summary(counts: dict[str, int], mode: str) -> str:
    """The counts of an import in a sentence."""

    def offers(number: int) -> str:
        return f"{number:,} offer{'' if number == 1 else 's'}"

    parts = [
        f"{offers(counts['created'])} added",
        f"{offers(counts['updated'])} updated",
        f"{offers(counts['unchanged'])} unchanged",
    ]
    text = "Import complete: " + ", ".join(parts) + "."
    if mode == "submit" and counts["submitted"]:
        text += f" {offers(counts['submitted'])} submitted for review."
    return text
