"""The catalogue: providers, offerings and their dates, search, the public API,
the providers' own pages under /provide/ and the curators' under /review/."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__)
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
provide_bp = Blueprint("provide", __name__, url_prefix="/provide")
review_bp = Blueprint("review", __name__, url_prefix="/review")
