"""Requests to confirm attendance, under /provide/providers/<slug>/confirmations.

A learner who recorded one of an organisation's offers in their portfolio can
ask the organisation to confirm they took part. Its members see the requests
waiting, oldest first, and confirm or decline each with an optional note. A
request addressed to another organisation, or no longer waiting, is a 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length, Optional

from academy.catalogue import provide_bp as bp
from academy.catalogue.access import get_provider_for_member
from academy.catalogue.listing.views import member_required, page_number
from academy.catalogue.models import Provider
from academy.extensions import db
from academy.portfolios.confirmation.operations import (
    MAX_NOTE,
    PAGE_SIZE,
    ConfirmationError,
    confirm,
    decline,
    facts_code,
    get_request_for,
    pending_count,
    pending_requests,
)
from academy.portfolios.models import PortfolioEntry

DECISIONS = {
    "confirm": (confirm, "You have confirmed that {name} took part in “{title}”."),
    "decline": (decline, "You have told {name} you cannot confirm they took part in “{title}”."),
}


class DecisionForm(FlaskForm):
    """A provider's answer: an optional note, and the facts they saw when they answered."""

    note = TextAreaField(
        "A note to the learner (optional)",
        validators=[
            Optional(),
            Length(max=MAX_NOTE, message=f"Use at most {MAX_NOTE} characters."),
        ],
        description="For example, why you cannot confirm it. The learner sees this note.",
    )
    facts = HiddenField()


@bp.context_processor
def confirmation_helpers() -> dict:
    """`pending_confirmations(provider)` for the provider pages' count of waiting requests."""
    return {"pending_confirmations": pending_count}


def _provider(slug: str) -> Provider:
    """An approved provider the current user belongs to, or 404."""
    return get_provider_for_member(slug, approved=True)


def _request(provider: Provider, entry_id: int) -> PortfolioEntry:
    """A request addressed to the provider and still waiting, or 404."""
    entry = get_request_for(provider, entry_id)
    if entry is None:
        abort(404)
    return entry


@bp.get("/providers/<slug>/confirmations")
@member_required
def confirmations(slug: str):
    """Requests to confirm attendance waiting for an answer, oldest first."""
    provider = _provider(slug)
    page = page_number()
    return render_template(
        "provide/confirmations.html",
        provider=provider,
        requests=pending_requests(provider, page=page),
        total=pending_count(provider),
        page=page,
        page_size=PAGE_SIZE,
    )


@bp.get("/providers/<slug>/confirmations/<int:entry_id>")
@member_required
def confirmation(slug: str, entry_id: int):
    """One request: what the learner says they did, and the answer buttons."""
    provider = _provider(slug)
    entry = _request(provider, entry_id)
    form = DecisionForm(facts=facts_code(entry))
    return _decision_page(provider, entry, form)


@bp.post("/providers/<slug>/confirmations/<int:entry_id>/<any(confirm, decline):decision>")
@member_required
def decide_confirmation(slug: str, entry_id: int, decision: str):
    """Confirm or decline one request addressed to your organisation."""
    provider = _provider(slug)
    entry = _request(provider, entry_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        if not form.is_submitted() or "csrf_token" in form.errors:
            abort(400)
        return _decision_page(provider, entry, form, status=400)
    if form.facts.data != facts_code(entry):
        form.form_errors.append(
            f"{entry.user.name} changed this activity since you opened the page. "
            "Check the details again before you answer."
        )
        form.facts.data = facts_code(entry)
        return _decision_page(provider, entry, form, status=409)
    operation, message = DECISIONS[decision]
    try:
        operation(entry, provider, current_user, form.note.data or "")
    except ConfirmationError:
        abort(404)
    db.session.commit()
    flash(message.format(name=entry.user.name, title=entry.title), "success")
    return redirect(url_for("provide.confirmations", slug=provider.slug))


def _decision_page(provider: Provider, entry: PortfolioEntry, form: DecisionForm, status=200):
    return render_template(
        "provide/confirmation.html", provider=provider, entry=entry, form=form
    ), status
