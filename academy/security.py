"""Security headers on every response, and cookies that stay where they belong.

The pages need no script at all and style only from the site's own
stylesheets, so the Content-Security-Policy allows nothing inline: an injected
`<script>` or `onerror=` would not run even if escaping ever failed. The only
`<script>` element is the offer page's JSON-LD, a data block browsers never run.
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # For browsers older than frame-ancestors.
    "X-Frame-Options": "DENY",
    # Other sites learn that a visitor came from the Academy, never from which page.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

#: A year, subdomains included: sent only over TLS, where it means something.
HSTS = "max-age=31536000; includeSubDomains"


def register(app: Flask) -> None:
    """Add the headers to every response the app makes, errors and static files too."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            # A view may be stricter (shared portfolios send no referrer at all).
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
