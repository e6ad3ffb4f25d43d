"""Checked uploads waiting for the uploader to confirm them.

An import is previewed first and written only when its uploader confirms.
The rows read and checked (as JSON, never the workbook: reading it is most
of the time a big file takes) wait in instance/imports/ under a long random
name that only the uploader's signed session knows, next to what the import
is for. Uploads nobody confirmed are removed after a day.

Several servers need a shared instance folder (or sticky sessions) for this.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app, session
from flask_login import current_user

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
#: Uploads nobody confirmed are removed after this many seconds.
KEEP_SECONDS = 24 * 3600


def imports_folder() -> Path:
    """Where uploads wait for confirmation (created when needed)."""
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


class PendingUpload:
    """The current user's one waiting upload of a kind, kept under `session_key`."""

    def __init__(self, session_key: str):
        self.session_key = session_key

    def save(self, rows_json: str, **facts) -> str:
        """Keep checked rows and facts about them; returns the token that names them.

        Replaces the user's earlier upload of this kind, and clears out stale ones.
        """
        self.forget()
        folder = imports_folder()
        cutoff = time.time() - KEEP_SECONDS
        for old in folder.iterdir():
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        token = secrets.token_urlsafe(24)
        (folder / token).write_text(rows_json)
        session[self.session_key] = {"token": token, "user_id": current_user.id, **facts}
        return token

    def facts(self, token: str) -> dict | None:
        """What was saved with the upload, if `token` is the current user's; else None."""
        pending = session.get(self.session_key)
        if (
            not pending
            or pending.get("user_id") != current_user.id
            or not TOKEN.match(pending.get("token", ""))
            or not secrets.compare_digest(pending["token"], token or "")
        ):
            return None
        return pending

    def update(self, **facts) -> None:
        """Change facts kept with the waiting upload."""
        pending = session.get(self.session_key)
        if pending:
            session[self.session_key] = {**pending, **facts}

    def rows_json(self, pending: dict) -> str | None:
        """The saved rows, or None if they have gone (expired, or another server's)."""
        try:
            return (imports_folder() / pending["token"]).read_text()
        except OSError:
            return None

    def forget(self, *, done: bool = False) -> None:
        """Remove the current user's waiting upload of this kind, if any.

        `done`: it was written. A mark stays (as long as uploads do), so a second
        confirmation of it (a double click, another tab) can be told so.
        """
        pending = session.pop(self.session_key, None)
        if pending and TOKEN.match(pending.get("token", "")):
            path = imports_folder() / pending["token"]
            if done:
                path.with_name(path.name + ".done").touch()
            path.unlink(missing_ok=True)

    def was_done(self, pending: dict) -> bool:
        """Whether the upload has gone because it was written (rather than expired)."""
        token = pending.get("token", "")
        return bool(TOKEN.match(token)) and (imports_folder() / f"{token}.done").exists()
