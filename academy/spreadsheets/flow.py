"""Upload, preview, confirm: the steps every spreadsheet import takes, written once.

An upload is read and checked and shown as a preview; nothing is written.
If it can be confirmed, its rows wait as a `PendingUpload` and the preview
carries a `ConfirmUploadForm` that names them. Confirming takes its turn (one
confirmation at a time for the same owner, `academy.locks.take_turns`), loads
the rows, checks them again against the database as it is now, and writes
them only if that gives the preview the person saw. The outcome says which
happened:

- done: written and committed;
- expired: the rows have gone (a day old, or kept by another server);
- already done: they were written a moment ago (a double click, another tab);
- changed: checking again gives another preview, shown again to confirm;
- conflict: another request wrote the same rows at the same moment, and the
  database refused ours; nothing was saved.

A feature gives its own words (`Messages`) and its own steps: loading the kept
rows, checking them, writing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from flask import abort, flash, redirect
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import DataRequired

from academy.extensions import db
from academy.spreadsheets.pending import PendingUpload

EXPIRED = "That upload has expired. Please upload the file again."


class Checked(Protocol):
    """A preview: what confirming would do, with its problems and a fingerprint."""

    has_errors: bool

    def digest(self) -> str: ...


class Outcome(StrEnum):
    """What confirming an upload did."""

    DONE = "done"
    EXPIRED = "expired"
    ALREADY_DONE = "already done"
    CHANGED = "changed"
    CONFLICT = "conflict"


#: How each outcome that leaves the preview is flashed.
CATEGORIES = {Outcome.DONE: "success", Outcome.EXPIRED: "error", Outcome.ALREADY_DONE: "info"}


@dataclass(frozen=True)
class Messages:
    """An import's own words for what confirming did not write."""

    #: Flashed: the upload was written a moment ago.
    already_done: str
    #: Above the preview shown again: what it was checked against has changed.
    changed: str
    #: Above the preview shown again: another request wrote at the same moment.
    conflict: str
    #: Above the preview shown again: it has errors now (if not given, `changed`).
    no_longer_clean: str = ""


class ConfirmUploadForm(FlaskForm):
    """Confirm the upload that was previewed (the token names its kept rows)."""

    token = HiddenField(validators=[DataRequired()])


@dataclass
class Confirmation:
    """What confirming did, for the view to answer."""

    outcome: Outcome
    #: What to tell the person: flashed, or (changed, conflict) above the preview.
    message: str
    #: The rows checked again (done, changed, conflict).
    preview: Any = None
    #: The button to confirm the preview shown again, if it can be.
    confirm: ConfirmUploadForm | None = None

    @property
    def shows_preview(self) -> bool:
        """Whether the answer is the preview again (409), rather than a redirect."""
        return self.outcome in (Outcome.CHANGED, Outcome.CONFLICT)

    def redirect(self, *, home: str, upload: str) -> Response:
        """Flash the message and go on: home if written (now or before), else to upload again."""
        flash(self.message, CATEGORIES[self.outcome])
        return redirect(upload if self.outcome is Outcome.EXPIRED else home)


def _clean(preview: Checked) -> bool:
    return not preview.has_errors


class UploadFlow:
    """One kind of import's upload, kept between its preview and its confirmation.

    `load` turns the kept JSON back into the rows read (raising ValueError,
    KeyError or TypeError if it cannot); `can_confirm` says whether a preview
    gets a confirm button (by default, when it has no errors).
    """

    def __init__(
        self,
        session_key: str,
        *,
        load: Callable[[str], Any],
        messages: Messages,
        can_confirm: Callable[[Any], bool] = _clean,
    ):
        self.pending = PendingUpload(session_key)
        self.load = load
        self.messages = messages
        self.can_confirm = can_confirm

    def received(self, field) -> tuple[bytes, str]:
        """A new upload's bytes and file name; the one waiting before it is forgotten."""
        self.pending.forget()
        upload = field.data
        data = upload.read()  # at most the request's own limit
        return data, Path((upload.filename or "").replace("\\", "/")).name

    def keep(self, parsed, preview: Checked, **facts) -> ConfirmUploadForm | None:
        """Keep previewed rows to confirm, if they can be; the confirm button that names them.

        `parsed` has `to_json()`; the facts (JSON values) come back from `waiting`.
        """
        if not self.can_confirm(preview):
            return None
        token = self.pending.save(parsed.to_json(), digest=preview.digest(), **facts)
        return ConfirmUploadForm(token=token)

    def waiting(self) -> dict:
        """The facts kept with the upload the posted confirm form names.

        400 without a valid form (its CSRF token); 404 unless the token names
        the current user's waiting upload of this kind.
        """
        form = ConfirmUploadForm()
        if not form.validate_on_submit():
            abort(400)
        pending = self.pending.facts(form.token.data)
        if pending is None:
            abort(404)
        return pending

    def confirm(
        self,
        pending: dict,
        *,
        take_turns: Callable[[], None],
        check: Callable[[Any], Checked],
        write: Callable[[Checked], str],
    ) -> Confirmation:
        """Write the waiting upload if it still previews as it did, and commit.

        `take_turns` makes a second confirmation for the same owner wait for
        the first; `check` compares the loaded rows with the database as it is
        now; `write` writes a clean preview (flushing, never committing) and
        says what it did, in a sentence to flash.
        """
        take_turns()
        try:
            parsed = self.load(self.pending.rows_json(pending))
        except (ValueError, KeyError, TypeError):
            done = self.pending.was_done(pending)
            self.pending.forget()
            if done:
                return Confirmation(Outcome.ALREADY_DONE, self.messages.already_done)
            return Confirmation(Outcome.EXPIRED, EXPIRED)
        preview = check(parsed)
        if preview.has_errors:
            outcome = Outcome.CHANGED
            notice = self.messages.no_longer_clean or self.messages.changed
        elif preview.digest() != pending["digest"]:
            outcome, notice = Outcome.CHANGED, self.messages.changed
        else:
            try:
                message = write(preview)
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                outcome, notice = Outcome.CONFLICT, self.messages.conflict
            else:
                self.pending.forget(done=True)
                return Confirmation(Outcome.DONE, message, preview)
        self.pending.update(digest=preview.digest())
        confirm = ConfirmUploadForm(token=pending["token"]) if self.can_confirm(preview) else None
        return Confirmation(outcome, notice, preview, confirm)
