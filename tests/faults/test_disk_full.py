"""SQLite on a full filesystem: a real one (a small tmpfs), filled to the last byte."""

from __future__ import annotations

import errno
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import app_settings, dispose, make_app, migrate_to_head, skip_unless_available
from tests.faults.services import ONCE, hidden_fields
from tests.faults.test_database_faults import ENTRY

pytestmark = ONCE


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB filesystem of the test's own."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        skip_unless_available("tmpfs", f"cannot mount a tmpfs: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the filesystem has no byte left; the file, to free it again."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        for size in (65536, 1):  # big blocks, then the last bytes one at a time
            try:
                while handle.write(b"\0" * size):
                    pass
            except OSError as error:
                assert error.errno == errno.ENOSPC
    return filler


def entries(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM portfolio_entries").fetchone()[0]


def test_on_a_full_disk_a_change_is_refused_kindly_and_what_was_typed_is_kept(small_disk):
    """With the disk full, is saving an entry a 507 page that keeps what was typed, with
    nothing half-saved, do pages still open, and once there is room again does "Try again"
    save it?"""
    path = small_disk / "academy.db"
    url = f"sqlite:///{path}"
    migrate_to_head(url)
    app = make_app(app_settings(url))
    client = app.test_client()
    from tests.conftest import Auth

    auth = Auth(client)
    assert auth.register().status_code == 302
    with sqlite3.connect(path) as connection:  # an empty write-ahead log: writes must grow it
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    filler = fill(small_disk)
    try:
        form = hidden_fields(client.get("/portfolio/entries/new").get_data(as_text=True))
        refused = client.post("/portfolio/entries/new", data={**form, **ENTRY})
        page = refused.get_data(as_text=True)
        assert refused.status_code == 507
        assert "Your change could not be saved" in page
        assert 'value="Reflective practice group"' in page  # kept, ready to send again
        assert "nothing you had saved before was lost" in page
        assert refused.headers["X-Request-ID"] in page
        assert entries(path) == 0
        assert client.get("/portfolio/").status_code == 200
        assert client.get("/catalogue/").status_code == 200
    finally:
        filler.unlink()
    again = client.post("/portfolio/entries/new", data=hidden_fields(page))
    assert again.status_code == 302
    assert entries(path) == 1
    dispose(app)
