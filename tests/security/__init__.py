"""Systematic security checks: CSRF, who sees what, XSS, injection, redirects."""
