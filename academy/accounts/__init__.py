"""Accounts: register, log in and out, and the learner's profile."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
