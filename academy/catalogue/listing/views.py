"""Providers' own pages under /provide/: their organisation, members, offers and dates.

Every handler loads through `academy.catalogue.access`, which also checks the
object is the current user's: anything else is a 404.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from academy import signals
from academy.catalogue import provide_bp as bp
from academy.catalogue.access import (
    get_offering_for_edit,
    get_provider_for_member,
    get_session_for_edit,
    member_providers,
)
from academy.catalogue.history import offering_history, provider_history
from academy.catalogue.listing.forms import MemberForm, OfferingForm, ProviderForm, SessionForm
from academy.catalogue.listing.workflow import (
    WorkflowError,
    republish_offering,
    submit_offering,
    withdraw_offering,
)
from academy.catalogue.models import Offering
from academy.catalogue.operations import (
    MembershipError,
    add_member,
    add_session,
    create_offering,
    remove_member,
    remove_session,
    request_provider,
    resubmit_provider,
    update_offering,
    update_provider,
    update_session,
)
from academy.extensions import db
from academy.forms import ActionForm


def waiting_for(provider_ids: list[int]) -> dict[int, int]:
    """How many things wait for each provider's answer, as higher features count them
    (`signals.provider_waiting`: learners' confirmation requests)."""
    waiting: dict[int, int] = {}
    for answer in signals.answers(signals.provider_waiting, provider_ids):
        for provider_id, count in answer.items():
            waiting[provider_id] = waiting.get(provider_id, 0) + count
    return waiting


STATUS_ORDER = ("draft", "submitted", "published", "withdrawn")


def member_required(view):
    """Provider members only; other logged-in users get a 403 that explains how to join."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.memberships:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def page_number() -> int:
    """The ?page= number, 1 if missing or nonsense."""
    value = request.args.get("page", "1")
    # isdecimal, not isdigit: int() refuses digits such as "²" that isdigit() accepts.
    return int(value) if value.isdecimal() and 0 < int(value) < 100000 else 1


@bp.get("/")
@member_required
def dashboard():
    """Your organisations and their offers, by status."""
    providers = member_providers()
    offerings = db.session.scalars(
        select(Offering)
        .where(Offering.provider_id.in_([p.id for p in providers]))
        .order_by(Offering.title)
        .options(selectinload(Offering.sessions))
    )
    by_provider: dict[int, dict[str, list[Offering]]] = {
        p.id: {status: [] for status in STATUS_ORDER} for p in providers
    }
    for offering in offerings:
        by_provider[offering.provider_id][offering.status].append(offering)
    return render_template(
        "provide/dashboard.html",
        providers=providers,
        by_provider=by_provider,
        waiting=waiting_for([p.id for p in providers]),
    )


@bp.route("/join", methods=["GET", "POST"])
@login_required
def join():
    """Ask to list training for an organisation."""
    form = ProviderForm()
    if form.validate_on_submit():
        provider = request_provider(current_user, form.provider_data)
        db.session.commit()
        flash(
            f"Thank you. We will review {provider.name} and tell you here when you can "
            "list training.",
            "success",
        )
        return redirect(url_for("provide.dashboard"))
    return render_template("provide/join.html", form=form), 400 if form.errors else 200


@bp.get("/providers/<slug>/")
@member_required
def provider(slug: str):
    """An organisation's details and members."""
    item = get_provider_for_member(slug, with_members=True)
    return render_template(
        "provide/provider.html", provider=item, member_form=MemberForm(), action=ActionForm()
    )


@bp.route("/providers/<slug>/edit", methods=["GET", "POST"])
@member_required
def edit_provider(slug: str):
    """Change an organisation's details; a declined one asks again."""
    item = get_provider_for_member(slug)
    form = ProviderForm(obj=item)
    if form.validate_on_submit():
        update_provider(item, form.provider_data, actor=current_user)
        if item.status == "declined":
            resubmit_provider(item, actor=current_user)
            flash("Your details are saved and the curators will review them again.", "success")
        else:
            flash("Your organisation's details are saved.", "success")
        db.session.commit()
        return redirect(url_for("provide.provider", slug=item.slug))
    status = 400 if form.errors else 200
    return render_template("provide/provider_edit.html", provider=item, form=form), status


@bp.post("/providers/<slug>/members")
@member_required
def add_provider_member(slug: str):
    """Add a registered user as a member."""
    item = get_provider_for_member(slug, with_members=True)
    form = MemberForm()
    if form.validate_on_submit():
        if item.has_member(form.user):
            flash(f"{form.user.name} is already a member.", "info")
        else:
            add_member(item, form.user, actor=current_user)
            db.session.commit()
            flash(f"{form.user.name} can now manage {item.name}'s training.", "success")
        return redirect(url_for("provide.provider", slug=item.slug))
    return render_template(
        "provide/provider.html", provider=item, member_form=form, action=ActionForm()
    ), 400


@bp.post("/providers/<slug>/members/<int:user_id>/remove")
@member_required
def remove_provider_member(slug: str, user_id: int):
    """Take a member off."""
    item = get_provider_for_member(slug)
    member = next((m for m in item.members if m.user_id == user_id), None)
    if member is None or not ActionForm().validate_on_submit():
        abort(404 if member is None else 400)
    try:
        remove_member(item, member.user, actor=current_user)
    except MembershipError as error:
        flash(str(error), "error")
        return redirect(url_for("provide.provider", slug=item.slug))
    db.session.commit()
    if member.user_id == current_user.id:
        flash(f"You are no longer a member of {item.name}.", "success")
        return redirect(
            url_for("provide.dashboard" if current_user.memberships else "escalator.home")
        )
    flash(f"{member.user.name} is no longer a member.", "success")
    return redirect(url_for("provide.provider", slug=item.slug))


@bp.get("/providers/<slug>/history")
@member_required
def provider_log(slug: str):
    """Everything done to an organisation and its offers."""
    item = get_provider_for_member(slug)
    page = page_number()
    events, total = provider_history(item.id, page=page)
    return render_template(
        "provide/history.html",
        subject=item.name,
        provider=item,
        events=events,
        total=total,
        page=page,
    )


@bp.route("/offers/new", methods=["GET", "POST"])
@member_required
def new_offering():
    """Create an offer, saved as a draft."""
    providers = member_providers(approved_only=True)
    wanted = request.args.get("provider")
    if wanted:
        provider = next((p for p in providers if p.slug == wanted), None)
        if provider is None:
            abort(404)  # not one of yours, or not approved
    elif len(providers) == 1:
        provider = providers[0]
    elif providers:
        return render_template("provide/choose_provider.html", providers=providers)
    else:
        abort(404)
    form = OfferingForm(provider=provider)
    if form.validate_on_submit():
        offering = create_offering(provider, form.offering_data, actor=current_user)
        db.session.commit()
        flash(
            "Your offer is saved as a draft. Add its dates, then submit it for review.", "success"
        )
        return redirect(url_for("provide.offering", slug=offering.slug))
    status = 400 if form.errors else 200
    return render_template("provide/offering_form.html", form=form, provider=provider), status


@bp.get("/offers/<slug>/")
@member_required
def offering(slug: str):
    """An offer's status, dates, actions and history."""
    item = get_offering_for_edit(slug)
    return render_template(
        "provide/offering.html",
        offering=item,
        action=ActionForm(),
        events=offering_history(item),
    )


@bp.route("/offers/<slug>/edit", methods=["GET", "POST"])
@member_required
def edit_offering(slug: str):
    """Change an offer; a published one stays live."""
    item = get_offering_for_edit(slug)
    form = OfferingForm(provider=item.provider, offering=item)
    if form.validate_on_submit():
        changes = update_offering(item, form.offering_data, actor=current_user)
        db.session.commit()
        if not changes:
            flash("Nothing was changed.", "info")
        elif item.is_published:
            flash("Your changes are saved and live.", "success")
        else:
            flash("Your changes are saved.", "success")
        return redirect(url_for("provide.offering", slug=item.slug))
    status = 400 if form.errors else 200
    return render_template(
        "provide/offering_form.html", form=form, provider=item.provider, offering=item
    ), status


@bp.get("/offers/<slug>/preview")
@member_required
def preview_offering(slug: str):
    """The offer exactly as the public page will show it."""
    from academy.catalogue.views import offering_page

    return offering_page(get_offering_for_edit(slug), preview=True)


@bp.route("/offers/<slug>/sessions/new", methods=["GET", "POST"])
@member_required
def new_session(slug: str):
    """Add dates to an offer."""
    item = get_offering_for_edit(slug)
    form = SessionForm()
    if form.validate_on_submit():
        add_session(item, form.session_data, actor=current_user)
        db.session.commit()
        flash("The dates are added.", "success")
        return redirect(url_for("provide.offering", slug=item.slug))
    status = 400 if form.errors else 200
    return render_template("provide/session_form.html", form=form, offering=item), status


@bp.route("/offers/<slug>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@member_required
def edit_session(slug: str, session_id: int):
    """Change one run's dates, place or booking."""
    item = get_offering_for_edit(slug)
    session = get_session_for_edit(item, session_id)
    form = SessionForm(session=session)
    if form.validate_on_submit():
        update_session(item, session, form.session_data, actor=current_user)
        db.session.commit()
        flash("The dates are saved.", "success")
        return redirect(url_for("provide.offering", slug=item.slug))
    status = 400 if form.errors else 200
    return render_template(
        "provide/session_form.html", form=form, offering=item, dates=session
    ), status


@bp.route("/offers/<slug>/sessions/<int:session_id>/remove", methods=["GET", "POST"])
@member_required
def remove_offering_session(slug: str, session_id: int):
    """Remove one run, after asking."""
    item = get_offering_for_edit(slug)
    session = get_session_for_edit(item, session_id)
    form = ActionForm()
    if form.validate_on_submit():
        remove_session(item, session, actor=current_user)
        db.session.commit()
        flash("The dates are removed.", "success")
        return redirect(url_for("provide.offering", slug=item.slug))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "provide/session_remove.html", form=form, offering=item, session=session
    ), status


#: Provider steps of the workflow: the operation and what to tell the provider.
STEPS = {
    "submit": (submit_offering, "Your offer is submitted. A curator will review it."),
    "withdraw": (withdraw_offering, "Your offer is withdrawn from the catalogue."),
    "republish": (republish_offering, "Your offer is back in the catalogue."),
}


@bp.post("/offers/<slug>/<any(submit, withdraw, republish):step>")
@member_required
def offering_step(slug: str, step: str):
    """Submit for review, withdraw, or republish."""
    item = get_offering_for_edit(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    operation, message = STEPS[step]
    try:
        operation(item, actor=current_user)
    except WorkflowError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("provide.offering", slug=item.slug))
