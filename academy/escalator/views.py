"""The home page and the escalator's pages."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from academy.catalogue.search.query import published_counts_by_level
from academy.escalator import bp
from academy.escalator.picture import escalator_picture
from academy.escalator.recommend import suggestions
from academy.http_cache import conditional
from academy.reference import reference


@bp.get("/")
@conditional()
def home():
    """The escalator with offer counts, a search box, and for a learner their step."""
    escalator = reference().escalator
    counts = published_counts_by_level()
    user = current_user if current_user.is_authenticated else None
    level = escalator.get(user.self_assessed_level) if user else None
    above = escalator.above(level.key) if level else None
    return render_template(
        "escalator/home.html",
        picture=escalator_picture(escalator, counts, highlight={level.key} if level else set()),
        counts=counts,
        level=level,
        above=above,
        at_level=suggestions(level.key, user) if level else [],
        next_step=suggestions(above.key, user) if above else [],
    )


@bp.get("/escalator/")
@conditional()
def index():
    """Every step of the escalator: who it is for and how many offers it has."""
    escalator = reference().escalator
    counts = published_counts_by_level()
    return render_template(
        "escalator/index.html",
        picture=escalator_picture(escalator, counts),
        counts=counts,
    )


@bp.get("/escalator/<level_key>")
@conditional()
def level(level_key: str):
    """One step: who it is for, its offers, and the step above."""
    escalator = reference().escalator
    level = escalator.get(level_key)
    if level is None:
        abort(404)
    above = escalator.above(level.key)
    user = current_user if current_user.is_authenticated else None
    counts = published_counts_by_level()
    return render_template(
        "escalator/level.html",
        level=level,
        above=above,
        below=escalator.below(level.key),
        count=counts.get(level.key, 0),
        offerings=suggestions(level.key, user, limit=12),
        above_offerings=suggestions(above.key, user, limit=4) if above else [],
    )


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement: how accessible the Academy is, what we test, how to report."""
    return render_template("escalator/accessibility.html")
