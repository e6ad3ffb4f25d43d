"""Share links: the learner's list, making and withdrawing links, and /shared/<token> for anyone.

/shared/ is public and rate-limited. A token that never existed and a
malformed one get the same 404 page after the same work (hashing what was
sent and one indexed lookup); an expired or withdrawn link gets a 410 that
says only that, never whose it was or what it held. Every /shared/ response
asks not to be cached, indexed or named in a Referer.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from academy.extensions import db, limiter
from academy.forms import ActionForm
from academy.portfolios import bp, public_bp
from academy.portfolios.records.issued import UnknownProfile, build_record
from academy.portfolios.records.pdf import record_picture
from academy.portfolios.sharing.forms import ShareForm
from academy.portfolios.sharing.operations import (
    LIVE,
    create_share,
    find_share,
    get_share_for_owner,
    record_opening,
    revoke_share,
    scope_label,
    scope_of,
    shares_of,
    state_of,
)

#: On every /shared/ response, whatever its status.
SHARED_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


def _share_limit() -> str:
    return current_app.config["SHARE_RATE_LIMIT"]


@bp.route("/shares", methods=["GET", "POST"])
@login_required
def shares():
    """Your share links, and a form to make one; the new link is shown once, on its own page."""
    form = ShareForm(current_user)
    if form.validate_on_submit():
        try:
            link, token = create_share(
                current_user,
                label=form.label.data or "",
                profile_key=form.profile_key,
                days=form.days_value,
            )
        except UnknownProfile:
            form.scope.errors.append("Choose what the link shows from the list.")
        else:
            db.session.commit()
            page = render_template(
                "shares/created.html",
                link=link,
                scope=scope_label(link),
                url=url_for("records.shared", token=token, _external=True),
            )
            return page, 200, {"Cache-Control": "no-store"}
    return render_template(
        "shares/index.html",
        form=form,
        links=[(link, scope_label(link), state_of(link)) for link in shares_of(current_user)],
    ), 400 if form.errors else 200


@bp.route("/shares/<int:share_id>/revoke", methods=["GET", "POST"], endpoint="revoke_share")
@login_required
def revoke_share_link(share_id: int):
    """Withdraw a share link, after asking: from then on it opens nothing."""
    link = get_share_for_owner(current_user, share_id)
    if link is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        revoke_share(link)
        db.session.commit()
        flash(f"The link “{link.label or scope_label(link)}” is withdrawn.", "success")
        return redirect(url_for("portfolio.shares"))
    return render_template(
        "shares/revoke.html", link=link, scope=scope_label(link), state=state_of(link), form=form
    ), 400 if form.errors else 200


@public_bp.get("/shared/<path:token>")
@limiter.limit(_share_limit)
def shared(token: str):
    """A learner's record, read-only, for whoever has the link; or why the link does not work."""
    link = find_share(token)
    if link is None:
        return render_template("shares/not_found.html"), 404
    state = state_of(link)
    if state != LIVE:
        return render_template("shares/closed.html", link=link, state=state), 410
    record_opening(link)
    db.session.commit()
    record = build_record(link.user, scope_of(link))
    page = render_template(
        "shares/shared.html",
        record=record,
        link=link,
        escalator_picture=record_picture(record),
        for_pdf=False,
        verify_url=None,
    )
    return page, 200


@public_bp.after_request
def _shared_headers(response):
    """No caching, indexing or Referer for anything under /shared/, errors and 429s included."""
    if request.endpoint == "records.shared":
        response.headers.update(SHARED_HEADERS)
    return response
