"""A learner asks the provider of an activity to confirm they took part, or takes it back.

Both are buttons on the entry's page. Only the entry's owner may press them
(another learner's entry is a 404), and the provider asked is always the one
that runs the entry's offering: nothing the browser sends can name another.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import login_required

from academy.extensions import db
from academy.forms import ActionForm
from academy.portfolios import bp
from academy.portfolios.confirmation.operations import (
    ConfirmationError,
    request_confirmation,
    why_cannot_ask,
    withdraw_request,
)
from academy.portfolios.queries import get_entry_for_owner


@bp.post("/entries/<int:entry_id>/confirmation")
@login_required
def ask_for_confirmation(entry_id: int):
    """Ask the offering's provider to confirm you took part."""
    item = get_entry_for_owner(entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        provider = request_confirmation(item)
    except ConfirmationError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            f"You have asked {provider.name} to confirm you took part. "
            "Their answer will show here.",
            "success",
        )
    return redirect(url_for("portfolio.entry", entry_id=item.id))


@bp.post("/entries/<int:entry_id>/confirmation/withdraw")
@login_required
def withdraw_confirmation_request(entry_id: int):
    """Take back a request the provider has not answered yet."""
    item = get_entry_for_owner(entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        withdraw_request(item)
    except ConfirmationError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Your request is withdrawn. You can ask again at any time.", "success")
    return redirect(url_for("portfolio.entry", entry_id=item.id))


@bp.context_processor
def confirmation_helpers() -> dict:
    """`why_cannot_ask(entry)` for the entry page: None when the learner can ask."""
    return {"why_cannot_ask": why_cannot_ask}
