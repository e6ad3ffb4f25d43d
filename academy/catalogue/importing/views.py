"""The spreadsheet import under /provide/import: the template, the upload, the preview, confirming.

Nothing is written until the provider confirms. The file's rows, read and
checked, wait between the preview and the confirmation (`UploadFlow`, in
`academy.spreadsheets.flow`); confirming compares them again with the
catalogue as it is now and writes every offer in one transaction.
"""

from __future__ import annotations

from functools import partial

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from academy.catalogue import provide_bp as bp
from academy.catalogue.access import get_provider_for_member, member_providers
from academy.catalogue.importing.columns import offering_template
from academy.catalogue.importing.forms import MODE_HINTS, ImportForm
from academy.catalogue.importing.operations import ImportPreview, apply_import, check_import
from academy.catalogue.importing.reading import ParsedImport, read_import
from academy.catalogue.models import Provider
from academy.extensions import db
from academy.locks import take_turns
from academy.spreadsheets.flow import ConfirmUploadForm, Messages, UploadFlow
from academy.spreadsheets.template import xlsx_download

ALREADY_IMPORTED = (
    "That upload has already been imported (from another tab or window). "
    "Nothing was imported twice."
)
offers_upload = UploadFlow(
    "provider_import",
    load=ParsedImport.from_json,
    messages=Messages(
        already_done=ALREADY_IMPORTED,
        changed="Your offers changed since you checked the file. Check the list again.",
        conflict="Someone changed your offers at the same moment. Nothing was saved: try again.",
        no_longer_clean="The file no longer imports cleanly against your offers as they are now.",
    ),
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
    return xlsx_download(offering_template(), "academy-offers-template.xlsx")


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
    data, filename = offers_upload.received(form.spreadsheet)
    parsed = read_import(data, filename)
    preview = check_import(provider, parsed)
    if preview.file_errors:
        form.spreadsheet.errors = [str(problem) for problem in preview.file_errors]
        return render_template("provide/import.html", form=form, hints=MODE_HINTS), 400
    mode = form.mode.data
    facts = {"provider_id": provider.id, "mode": mode, "filename": filename[:200]}
    confirm = offers_upload.keep(parsed, preview, **facts)
    return preview_page(provider, preview, mode, confirm), 400 if preview.has_errors else 200


@bp.post("/import/confirm")
@login_required
def confirm_import():
    """Write the previewed file, all of it or nothing, and go back to the listings."""
    pending, provider, mode = waiting_import()
    result = offers_upload.confirm(
        pending,
        take_turns=partial(take_turns, Provider, provider.id),
        check=partial(check_import, provider),
        write=partial(write_offers, provider, mode),
    )
    if result.shows_preview:
        return preview_page(provider, result.preview, mode, result.confirm, result.message), 409
    again = url_for("provide.import_offerings", provider=provider.slug)
    return result.redirect(home=url_for("provide.dashboard"), upload=again)


def waiting_import() -> tuple[dict, Provider, str]:
    """The upload the confirm form names, its organisation and mode (403, 400 or 404 if not)."""
    approved_providers()
    pending = offers_upload.waiting()
    provider = db.get_or_404(Provider, pending["provider_id"])
    provider = get_provider_for_member(provider.slug, approved=True)
    mode = pending["mode"] if pending["mode"] in ("draft", "submit") else "draft"
    return pending, provider, mode


def preview_page(
    provider: Provider,
    preview: ImportPreview,
    mode: str,
    confirm: ConfirmUploadForm | None,
    notice: str | None = None,
) -> str:
    """The preview of an upload: every offer and problem, and the button to confirm it."""
    return render_template(
        "provide/import_preview.html",
        preview=preview,
        provider=provider,
        mode=mode,
        confirm=confirm,
        notice=notice,
    )


def write_offers(provider: Provider, mode: str, preview: ImportPreview) -> str:
    """Import a clean preview (drafts, or submitted for review); what it did, in a sentence."""
    return summary(apply_import(provider, preview, actor=current_user, mode=mode), mode)


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
