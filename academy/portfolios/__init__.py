"""Learners' portfolios: entries, reflections, summaries, position, exports,
issued records and their verification, share links and provider confirmation."""

from flask import Blueprint

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")
#: Pages for people who are not the learner: /shared/<token> and /verify/<code>.
public_bp = Blueprint("records", __name__)
