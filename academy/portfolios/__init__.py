"""Learners' portfolios: entries, reflections, summaries, position, exports."""

from flask import Blueprint

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")
