"""The catalogue: providers, offerings and their dates, search, and the public API."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__)
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
