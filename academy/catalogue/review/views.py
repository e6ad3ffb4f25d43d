"""Curation under /review/: offers waiting for review, organisations waiting to join,
live offers that changed, and the whole audit trail. Curators only."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from academy.catalogue import review_bp as bp
from academy.catalogue.access import curator_required, members_with_accounts
from academy.catalogue.history import all_history, offering_history, recently_changed
from academy.catalogue.listing.views import page_number
from academy.catalogue.listing.workflow import (
    WorkflowError,
    approve_offering,
    return_offering,
    unpublish_offering,
)
from academy.catalogue.models import Offering, Provider
from academy.catalogue.operations import approve_provider, decline_provider
from academy.catalogue.queries import get_offering_for_page
from academy.catalogue.review.forms import DeclineForm, ReturnForm, UnpublishForm
from academy.extensions import db
from academy.forms import ActionForm


def _offering(slug: str) -> Offering:
    """Any offering, in any status, with everything its page shows; or 404."""
    return get_offering_for_page(slug, published_only=False)


def _provider(slug: str) -> Provider:
    provider = db.session.scalar(
        select(Provider).where(Provider.slug == slug).options(members_with_accounts())
    )
    if provider is None:
        abort(404)
    return provider


@bp.get("/")
@curator_required
def dashboard():
    """What is waiting: submitted offers oldest first, pending organisations, live edits."""
    submitted = db.session.scalars(
        select(Offering)
        .where(Offering.status == "submitted")
        .order_by(Offering.submitted_at, Offering.id)
        .options(selectinload(Offering.provider))
    ).all()
    pending = db.session.scalars(
        select(Provider).where(Provider.status == "pending").order_by(Provider.created_at)
    ).all()
    return render_template(
        "review/dashboard.html",
        submitted=submitted,
        pending=pending,
        changed=recently_changed(),
    )


@bp.get("/offers/<slug>")
@curator_required
def offering(slug: str):
    """An offer in full, as the public would see it, with the review actions."""
    item = _offering(slug)
    return _offering_page(item, ReturnForm(prefix="return"), UnpublishForm(prefix="unpublish"))


def _offering_page(item: Offering, return_form, unpublish_form, status: int = 200):
    return render_template(
        "review/offering.html",
        offering=item,
        action=ActionForm(),
        return_form=return_form,
        unpublish_form=unpublish_form,
        events=offering_history(item),
    ), status


@bp.post("/offers/<slug>/approve")
@curator_required
def approve(slug: str):
    """Publish a submitted offer."""
    item = _offering(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _step(item, approve_offering, f"“{item.title}” is published.")


@bp.post("/offers/<slug>/return")
@curator_required
def return_to_provider(slug: str):
    """Send a submitted offer back with notes."""
    item = _offering(slug)
    form = ReturnForm(prefix="return")
    if not form.validate_on_submit():
        return _offering_page(item, form, UnpublishForm(prefix="unpublish"), 400)
    return _step(
        item, return_offering, f"“{item.title}” is returned to its provider.", form.reason.data
    )


@bp.post("/offers/<slug>/unpublish")
@curator_required
def unpublish(slug: str):
    """Take a live offer down, with a reason."""
    item = _offering(slug)
    form = UnpublishForm(prefix="unpublish")
    if not form.validate_on_submit():
        return _offering_page(item, ReturnForm(prefix="return"), form, 400)
    return _step(item, unpublish_offering, f"“{item.title}” is unpublished.", form.reason.data)


def _step(item: Offering, operation, message: str, *notes: str):
    try:
        operation(item, *notes, actor=current_user)
    except WorkflowError as error:
        flash(str(error), "error")
        return redirect(url_for("review.offering", slug=item.slug))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("review.dashboard"))


@bp.get("/providers/<slug>")
@curator_required
def provider(slug: str):
    """An organisation asking to list training, with approve and decline."""
    return render_template(
        "review/provider.html",
        provider=_provider(slug),
        action=ActionForm(),
        decline_form=DeclineForm(prefix="decline"),
    )


@bp.post("/providers/<slug>/approve")
@curator_required
def approve_organisation(slug: str):
    """Let an organisation list training."""
    item = _provider(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    if item.status == "approved":
        flash(f"{item.name} is already approved.", "info")
        return redirect(url_for("review.dashboard"))
    approve_provider(item, actor=current_user)
    db.session.commit()
    flash(f"{item.name} can now list training.", "success")
    return redirect(url_for("review.dashboard"))


@bp.post("/providers/<slug>/decline")
@curator_required
def decline_organisation(slug: str):
    """Turn an organisation down, with a reason its members see."""
    item = _provider(slug)
    form = DeclineForm(prefix="decline")
    if item.status != "pending":
        flash("Only an organisation waiting for review can be declined.", "error")
        return redirect(url_for("review.provider", slug=item.slug))
    if not form.validate_on_submit():
        return render_template(
            "review/provider.html", provider=item, action=ActionForm(), decline_form=form
        ), 400
    decline_provider(item, form.reason.data, actor=current_user)
    db.session.commit()
    flash(f"{item.name} is declined; its members can see your reason.", "success")
    return redirect(url_for("review.dashboard"))


@bp.get("/history")
@curator_required
def history():
    """The whole audit trail, newest first."""
    page = page_number()
    events, total = all_history(page=page)
    return render_template(
        "provide/history.html", subject="the Academy", events=events, total=total, page=page
    )
