"""Private file downloads: a portfolio export, a record, everything held about you."""

from __future__ import annotations

from flask import Response


def download(body: bytes, mimetype: str, filename: str) -> Response:
    """A private file download that no browser or proxy keeps a copy of."""
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
