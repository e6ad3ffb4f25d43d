"""A learner's portfolio: the overview, entries, and the exports.

Everything here is the current user's own: `get_entry_for_owner` loads an
entry only if it is theirs, so another learner's entry id is a 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from academy.catalogue.queries import get_published_offering
from academy.escalator.picture import escalator_picture
from academy.escalator.position import position_of
from academy.escalator.recommend import suggestions
from academy.extensions import db
from academy.forms import ActionForm
from academy.portfolios import bp
from academy.portfolios.confirmation.operations import clear_if_facts_changed
from academy.portfolios.entries.forms import EntryForm
from academy.portfolios.entries.operations import (
    create_entry,
    delete_entry,
    update_entry,
    values_from_offering,
)
from academy.portfolios.entries.pictures import months_picture
from academy.portfolios.entries.rules import EARLIEST, latest_date
from academy.portfolios.queries import (
    PAGE_SIZE,
    entries_page,
    entry_facts,
    get_entry_for_owner,
)
from academy.portfolios.records.progress import progress_for
from academy.portfolios.summary import monthly_hours, summarise
from academy.reference import reference
from academy.timeutil import today


@bp.get("/")
@login_required
def index():
    """Your entries, newest first, with your figures, pictures, position and next steps."""
    ref = reference()
    year = request.args.get("year", type=int)
    level = request.args.get("level") or None
    page = request.args.get("page", default=1, type=int)
    if level is not None and level not in ref.escalator and level != "none":
        abort(400)
    if year is not None and not EARLIEST.year <= year <= latest_date().year:
        abort(400)
    if not 1 <= page <= 10_000:
        abort(400)
    context = overview(current_user, year=year, level=level, page=page)
    return render_template("portfolios/index.html", **context)


def overview(user, *, year: int | None, level: str | None, page: int, mark=None) -> dict:
    """Everything the portfolio page shows, for the template.

    `mark(step)`, if given, is called after each step (the benchmark times them).
    """
    mark = mark or (lambda step: None)
    ref = reference()
    facts = entry_facts(user)
    mark("load the figures of every entry (entry_facts)")
    wanted_level = None if level == "none" else level
    matching = sum(
        1
        for fact in facts
        if (year is None or fact.starts_on.year == year)
        and (level is None or fact.level == wanted_level)
    )
    entries = entries_page(user, year=year, level=level, page=page)
    mark(f"load a page of entries ({len(entries)})")
    summary = summarise(facts, ref.escalator.keys)
    position = position_of(summary.by_level, ref.escalator)
    above = ref.escalator.above(position.level.key)
    done = {fact.offering_id for fact in facts if fact.offering_id}
    years = sorted({fact.starts_on.year for fact in facts}, reverse=True)
    mark("summary, position, years")
    picture = escalator_picture(
        ref.escalator,
        {k: v for k, v in summary.by_level.items() if k},
        highlight={position.level.key},
    )
    months = months_picture(monthly_hours(facts, today()))
    mark("pictures")
    at_level = suggestions(position.level.key, user, exclude=done)
    next_step = suggestions(above.key, user, exclude=done) if above else []
    mark("suggestions")
    progress = progress_for(user)
    mark("progress against record profiles")
    return {
        "entries": entries,
        "matching": matching,
        "page": page,
        "page_size": PAGE_SIZE,
        "filtered": year is not None or level is not None,
        "year": year,
        "level": level,
        "years": years,
        "summary": summary,
        "position": position,
        "above": above,
        "escalator_picture": picture,
        "months": months,
        "at_level": at_level,
        "next_step": next_step,
        "progress": progress,
    }


@bp.route("/entries/new", methods=["GET", "POST"])
@login_required
def new_entry():
    """Record an activity; from an offer (and one of its sessions) it starts pre-filled."""
    offering = session = None
    slug = request.args.get("offering")
    if slug:
        offering = get_published_offering(slug)
        session_id = request.args.get("session", type=int)
        if session_id is not None:
            session = next((s for s in offering.sessions if s.id == session_id), None)
            if session is None:
                abort(404)
    form = EntryForm(data=values_from_offering(offering, session) if offering else None)
    if form.validate_on_submit():
        entry = create_entry(current_user, form.entry_data, offering=offering, session=session)
        db.session.commit()
        flash(f"“{entry.title}” is in your portfolio.", "success")
        return redirect(url_for("portfolio.index"))
    status = 400 if form.errors else 200
    return render_template(
        "portfolios/entry_form.html", form=form, offering=offering, session=session
    ), status


@bp.get("/entries/<int:entry_id>")
@login_required
def entry(entry_id: int):
    """One entry with its reflections."""
    return render_template("portfolios/entry.html", entry=get_entry_for_owner(entry_id))


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int):
    """Change an entry; changing what its provider confirmed removes the confirmation."""
    item = get_entry_for_owner(entry_id)
    form = EntryForm(obj=item, confirmed=item if item.is_confirmed else None)
    if form.validate_on_submit():
        changes = update_entry(item, form.entry_data)
        unconfirmed = clear_if_facts_changed(item, changes)
        db.session.commit()
        if unconfirmed:
            flash(
                "Your entry is saved. It is no longer confirmed by the provider: "
                "you can ask them to confirm it again.",
                "success",
            )
        else:
            flash("Your entry is saved.", "success")
        return redirect(url_for("portfolio.entry", entry_id=item.id))
    status = 400 if form.errors else 200
    return render_template("portfolios/entry_form.html", form=form, entry=item), status


@bp.route("/entries/<int:entry_id>/delete", methods=["GET", "POST"])
@login_required
def remove_entry(entry_id: int):
    """Delete an entry, after asking."""
    item = get_entry_for_owner(entry_id)
    form = ActionForm()
    if form.validate_on_submit():
        title = item.title
        delete_entry(item)
        db.session.commit()
        flash(f"“{title}” is deleted from your portfolio.", "success")
        return redirect(url_for("portfolio.index"))
    return render_template("portfolios/entry_delete.html", entry=item, form=form)
