"""The WSGI entry point: `gunicorn wsgi:app`."""

import sys

# openpyxl (spreadsheets) imports NumPy if it can, only to accept NumPy numbers in
# cells; the app never hands it any. Without it each server process is 18 MB smaller.
# Blocking it here, in the server's entry point, leaves tests, the CLI and benchmarks
# as they are. (A process that needs NumPy in the app must remove this line.)
sys.modules.setdefault("numpy", None)

from academy import create_app  # noqa: E402 - after the NumPy block above

app = create_app()
