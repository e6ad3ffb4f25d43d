"""The escalator: its levels, the home page picture, each step's page."""

from flask import Blueprint

bp = Blueprint("escalator", __name__)
