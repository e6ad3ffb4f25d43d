"""flask backup / flask restore: a consistent copy of the SQLite database, and putting one back.

Both use SQLite's online backup API (`sqlite3.Connection.backup`): a backup
is one consistent snapshot taken while the app keeps reading and writing
(WAL lets writers go on during the copy), and a restore writes the whole
copy into the live file in one step, under SQLite's own lock, so a running
server sees the old database or the new one, never half of each.

Every server process keeps a search index, remembered word searches and
drawn pages for the catalogue's version (`catalogue_state.version`). A
restore sets that version to one no process has seen, so each rebuilds.

PostgreSQL has its own tools (`pg_dump`, `pg_restore`): both commands say so.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from academy.config import PROJECT_ROOT

POSTGRES_WAY = (
    "The database is PostgreSQL: back it up with pg_dump and put it back with pg_restore, "
    "e.g. `pg_dump -Fc -f academy.dump URL`, then "
    "`pg_restore --clean --if-exists --no-owner -d URL academy.dump` and "
    "`flask --app academy db upgrade` (URL: the database's postgresql:// address, "
    'without "+psycopg"). See the README, "Backups".'
)


@dataclass(frozen=True)
class Facts:
    """What a database file holds: its size, integrity, revision and rows per table."""

    size: int
    integrity: str
    revision: str | None
    rows: dict[str, int]

    def describe(self) -> str:
        """Size, tables, rows and revision in a sentence."""
        return (
            f"{self.size / 1_000_000:,.1f} MB, {len(self.rows)} tables, "
            f"{sum(self.rows.values()):,} rows, revision {self.revision or 'none'}"
        )


def live_database() -> Path:
    """The app's SQLite file; refuses PostgreSQL (or anything else) with the way to go."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        raise click.ClickException(POSTGRES_WAY)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        raise click.ClickException(f"Only a SQLite file can be backed up this way, not {url}.")
    return Path(url.database).resolve()


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A plain sqlite3 connection that waits for locks as long as the app does."""
    timeout = float(current_app.config["SQLITE_BUSY_TIMEOUT"])
    if read_only:
        return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=timeout)
    return sqlite3.connect(path, timeout=timeout)


def facts_of(connection: sqlite3.Connection, path: Path) -> Facts:
    """Check a database and count what it holds (raises sqlite3.DatabaseError if it is none)."""
    integrity = "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
        )
    ]
    tables = [t for t in tables if not t.startswith("offering_fts_")]  # the index's own
    # Table names come from sqlite_master itself, never from a person.
    count = 'SELECT count(*) FROM "{}"'
    rows = {t: connection.execute(count.format(t)).fetchone()[0] for t in tables}
    revision = None
    if "alembic_version" in rows:
        found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = found[0] if found else None
    return Facts(path.stat().st_size, integrity, revision, rows)


def known_revisions() -> list[str]:
    """The code's migrations, oldest first."""
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def copy_into(source: sqlite3.Connection, target: Path) -> None:
    """One consistent copy of `source` into a new file at `target`, a single file (no WAL)."""
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)  # every page in one step: one snapshot of the source
        destination.execute("PRAGMA journal_mode=DELETE")
        destination.commit()
    finally:
        destination.close()
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def write_backup(live: Path, target: Path) -> Facts:
    """Copy the live database to a temporary file beside `target`, check it, and rename it."""
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    source = connect(live)
    try:
        copy_into(source, temporary)
        check = sqlite3.connect(temporary)
        try:
            facts = facts_of(check, temporary)
        finally:
            check.close()
        if facts.integrity != "ok":
            raise click.ClickException(f"The copy failed its integrity check: {facts.integrity}")
        os.replace(temporary, target)
    finally:
        source.close()
        temporary.unlink(missing_ok=True)
    _sync_folder(target.parent)
    return facts


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (where the system allows a folder to be synced)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup_command(path: Path, force: bool) -> None:
    """Copy the SQLite database to PATH, safely while the app runs."""
    live = live_database()
    target = path.resolve()
    if target == live:
        raise click.ClickException("PATH is the live database itself: choose another file.")
    if target.exists() and not force:
        raise click.ClickException(f"{path} exists already: choose another name, or --force.")
    if not target.parent.is_dir():
        raise click.ClickException(f"There is no folder {target.parent} to write {path} in.")
    started = time.perf_counter()
    facts = write_backup(live, target)
    seconds = time.perf_counter() - started
    click.echo(f"Wrote {path}: {facts.describe()} (integrity ok, {seconds:.1f} s).")
    click.echo(_table_list(facts))


def _table_list(facts: Facts) -> str:
    """Each table's row count on one line."""
    return "Rows: " + ", ".join(f"{name} {count:,}" for name, count in facts.rows.items())


def check_restorable(path: Path) -> tuple[Facts, str]:
    """A healthy database of this app at a revision the code knows: its facts and the head."""
    if not path.is_file():
        raise click.ClickException(f"There is no file {path}.")
    try:
        connection = connect(path, read_only=True)
        try:
            facts = facts_of(connection, path)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{path} is not a SQLite database ({error}).") from None
    if facts.integrity != "ok":
        raise click.ClickException(f"{path} fails SQLite's integrity check: {facts.integrity}")
    if "alembic_version" not in facts.rows or facts.revision is None:
        raise click.ClickException(
            f"{path} is not a database of this app: it has no migration revision."
        )
    revisions = known_revisions()
    if facts.revision not in revisions:
        raise click.ClickException(
            f"{path} is at revision {facts.revision}, which this code does not know: it was "
            f"made by newer code (this code's newest is {revisions[-1]}). Restore it with "
            "the code that made it, or upgrade the code first."
        )
    return facts, revisions[-1]


def stage(path: Path, live: Path) -> Path:
    """A copy of the backup beside the live file, its catalogue version one no process has seen,
    its page size the live file's (a WAL database cannot change page size)."""
    staging = live.with_name(f".{live.name}.restore-{secrets.token_hex(4)}.tmp")
    source = connect(path, read_only=True)
    try:
        copy_into(source, staging)
    finally:
        source.close()
    connection = connect(live)
    try:
        live_page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        old = _catalogue_version(connection)
    finally:
        connection.close()
    staged = sqlite3.connect(staging)
    try:
        if staged.execute("PRAGMA page_size").fetchone()[0] != live_page_size:
            staged.execute(f"PRAGMA page_size = {int(live_page_size)}")
            staged.execute("VACUUM")
        restored = _catalogue_version(staged)
        if restored is not None:
            staged.execute(
                "UPDATE catalogue_state SET version = ? WHERE id = 1",
                (max(old or 0, restored) + 1,),
            )
        if _has_table(staged, "login_sessions"):
            # A log-out or a new password since the backup must not come undone:
            # everyone logs in again after a restore.
            staged.execute("DELETE FROM login_sessions")
        staged.commit()
    finally:
        staged.close()
    return staging


def _has_table(connection: sqlite3.Connection, name: str) -> bool:
    """Whether the database has a table of this name."""
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return found is not None


def _catalogue_version(connection: sqlite3.Connection) -> int | None:
    """The catalogue's version in a database, or None where it has none."""
    try:
        found = connection.execute("SELECT version FROM catalogue_state WHERE id = 1").fetchone()
    except sqlite3.OperationalError:  # no such table: a database before that migration
        return None
    return found[0] if found else None


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup at PATH, safely while the app runs."""
    live = live_database()
    facts, head = check_restorable(path.resolve())
    if path.resolve() == live:
        raise click.ClickException("PATH is the live database itself.")
    click.echo(f"{path}: {facts.describe()}.")
    if not yes:
        click.confirm(
            f"Replace every row of {live} with the backup? (A copy of the database as it "
            "is now is kept first.)",
            abort=True,
        )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    safety = live.with_name(f"{live.stem}-before-restore-{stamp}{live.suffix}")
    kept = write_backup(live, safety)
    click.echo(f"Kept the database as it was at {safety} ({kept.describe()}).")
    staging = stage(path.resolve(), live)
    try:
        source = sqlite3.connect(staging)
        target = connect(live)
        try:
            source.backup(target)  # one step, under the live file's write lock
            version = _catalogue_version(target)
        finally:
            target.close()
            source.close()
    finally:
        staging.unlink(missing_ok=True)
    click.echo(f"Restored {path} into {live}. Everyone must log in again.")
    if version is not None:
        click.echo(f"Catalogue version now {version}: every running server rebuilds its search.")
    if facts.revision != head:
        click.echo(
            f"The backup is at revision {facts.revision}, older than this code's {head}: "
            "run `flask --app academy db upgrade` now."
        )
