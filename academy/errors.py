"""Error pages: the site's layout for people, JSON for API clients."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from academy.extensions import db

PAGES = {400, 403, 404, 405, 413, 429, 500}


def wants_json() -> bool:
    """Whether the request came to the API, which always answers in JSON."""
    return request.path.startswith("/api/")


def render_error(error: HTTPException):
    """Render an HTTP error in the form the client expects."""
    code = error.code or 500
    if wants_json():
        return jsonify(error=error.name, message=error.description, status=code), code
    template = f"errors/{code}.html" if code in PAGES else "errors/generic.html"
    return render_template(template, error=error), code


def register(app: Flask) -> None:
    """Install the handlers on an app."""

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        return render_error(error)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s", request.path)
        return render_error(InternalServerError())
