"""The WSGI entry point: `gunicorn wsgi:app`."""

import os
import sys

# openpyxl (spreadsheets) imports NumPy if it can, only to accept NumPy numbers in
# cells; the app never hands it any. Without it each server process is 18 MB smaller.
# Blocking it here, in the server's entry point, leaves tests, the CLI and benchmarks
# as they are. (A process that needs NumPy in the app must remove this line.)
sys.modules.setdefault("numpy", None)

# Production serves over HTTPS: the session cookie goes over HTTPS only, unless
# ACADEMY_SESSION_COOKIE_SECURE=false says this server really is plain http.
os.environ.setdefault("ACADEMY_SESSION_COOKIE_SECURE", "true")

from academy import create_app  # noqa: E402 - after the NumPy block above

app = create_app()
