"""flask backup and flask restore: consistent copies of SQLite while the app runs, put back whole.

These run on SQLite whichever database the suite is on (PostgreSQL has pg_dump).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time

import pytest
from flask_migrate import upgrade

from academy import create_app
from academy.backup import known_revisions
from academy.extensions import db
from tests.conftest import Auth, app_settings
from tests.factories import gen_entry, gen_offering, gen_provider, gen_user


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file for this module, whatever database the suite runs on."""
    path = tmp_path_factory.mktemp("backup-template") / "academy.db"
    app = create_app(app_settings(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
    release(app)
    return path


@pytest.fixture
def live(sqlite_template, tmp_path):
    """The live database file of a test."""
    path = tmp_path / "live" / "academy.db"
    path.parent.mkdir()
    shutil.copyfile(sqlite_template, path)
    return path


def release(app) -> None:
    """Close an app's connections (conftest's would empty the suite's PostgreSQL too)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def make_app(path):
    """An app (a server process, or a command's) on a SQLite file."""
    return create_app(app_settings(f"sqlite:///{path}"))


@pytest.fixture
def server(live):
    """The running server's app, with a small catalogue and a portfolio."""
    app = make_app(live)
    with app.app_context():
        provider = gen_provider("Kept Hub", slug="kept-hub")
        gen_offering(provider, title="Mentalization in teams", summary="Zéphyr café ✓.")
        gen_offering(provider, title="Dialogue at work", sessions=[10, 20])
        learner = gen_user("kept@example.org", name="Siân O’Neill")
        for number in range(5):
            gen_entry(learner, title=f"Reflection {number}: “quotes” and ünïcode")
    yield app
    release(app)


def run(app, *args, **kwargs):
    """A flask command's result, run as the CLI would."""
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def dump(path) -> dict[str, list[tuple]]:
    """Every row of every table of a SQLite file, in order."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'offering_fts%'"
            )
        ]
        return {
            table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
            for table in tables
        }
    finally:
        connection.close()


def execute(path, sql: str, *params) -> None:
    """Run one statement on a SQLite file and commit."""
    connection = sqlite3.connect(path)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


def titles(client, query: str = "") -> set[str]:
    """The titles the public API finds, as a visitor sees them."""
    found = client.get(f"/api/v1/offerings?per_page=100{query}").get_json()
    return {item["title"] for item in found["items"]}


def test_a_backup_restores_every_row_as_it_was(server, live, tmp_path):
    """Does a restored backup hold exactly the rows the database had when it was taken?"""
    target = tmp_path / "academy-backup.db"
    result = run(server, "backup", str(target))
    assert result.exit_code == 0, result.output
    assert f"Wrote {target}" in result.output
    assert f"revision {known_revisions()[-1]}" in result.output
    assert "portfolio_entries 5" in result.output and " MB, " in result.output
    before = dump(live)
    assert dump(target) == before
    assert not list(tmp_path.glob(".*.tmp")), "the temporary file is left behind"

    execute(live, "DELETE FROM portfolio_entries")
    execute(live, "UPDATE users SET name = 'Changed'")
    result = run(make_app(live), "restore", str(target), "--yes")

    assert result.exit_code == 0, result.output
    after = dump(live)
    version = after.pop("catalogue_state")
    assert version[0][1] > before.pop("catalogue_state")[0][1]
    assert after == before
    safety = list(live.parent.glob("academy-before-restore-*.db"))
    assert len(safety) == 1 and str(safety[0]) in result.output
    assert dump(safety[0])["portfolio_entries"] == []
    assert "db upgrade" not in result.output  # the backup is at the code's head


def test_a_backup_taken_while_another_connection_writes_is_consistent(server, live, tmp_path):
    """While a thread keeps committing pairs of entries, is the copy whole and uncorrupted?"""
    with server.app_context():
        learner_id = gen_entry(gen_user("busy@example.org")).user_id
    connection = sqlite3.connect(live)
    with connection:  # a few MB, so the copy takes a moment
        connection.execute("PRAGMA foreign_keys = ON")
        for _ in range(12):  # 4,096 entries
            connection.execute(
                "INSERT INTO portfolio_entries SELECT NULL, user_id, offering_id, session_id, "
                "title || ' again', provider_name, starts_on, ends_on, hours, "
                "participatory_hours, activity_type, level, format, co_delivered, co_designed, "
                "description, learning, practice_change, peer_discussion, standards_link, "
                "evidence, created_at, updated_at, confirmation_status, "
                "confirmation_provider_id, confirmation_requested_at, confirmation_decided_at, "
                "confirmation_decided_by_id, confirmation_note "
                "FROM portfolio_entries WHERE user_id = ?",
                (learner_id,),
            )
    connection.close()
    committed, stop, failed = [0], threading.Event(), []

    def write_pairs():
        try:
            insert_pairs()
        except Exception as error:  # noqa: BLE001 - reported by the test below
            failed.append(error)

    def insert_pairs():
        connection = sqlite3.connect(live, timeout=15)
        row = connection.execute("SELECT * FROM portfolio_entries WHERE user_id = ?", (learner_id,))
        names = [d[0] for d in row.description]
        values = list(row.fetchone())
        while not stop.is_set():
            batch = committed[0] + 1
            with connection:  # one transaction: both or neither
                for _ in range(2):
                    values[names.index("id")] = None
                    values[names.index("title")] = f"Pair {batch}"
                    connection.execute(
                        f"INSERT INTO portfolio_entries VALUES ({','.join('?' * len(values))})",
                        values,
                    )
            committed[0] = batch
        connection.close()

    writer = threading.Thread(target=write_pairs)
    writer.start()
    while committed[0] < 5 and writer.is_alive():
        time.sleep(0.01)
    assert not failed, failed
    target = tmp_path / "during.db"
    before = committed[0]
    result = run(server, "backup", str(target))
    during = committed[0] - before
    time.sleep(0.05)
    stop.set()
    writer.join()

    assert not failed, failed
    assert result.exit_code == 0, result.output
    assert during > 0, "the writer was held up for the whole backup"
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    pairs = dict(
        copy.execute(
            "SELECT title, count(*) FROM portfolio_entries WHERE title LIKE 'Pair %' GROUP BY title"
        ).fetchall()
    )
    copy.close()
    assert set(pairs.values()) == {2}, "a transaction was copied half-done"
    assert before <= len(pairs) <= committed[0]
    assert sorted(int(t.split()[1]) for t in pairs) == list(range(1, len(pairs) + 1))


def test_a_backup_never_overwrites_a_file_unless_forced(server, tmp_path):
    """Is an existing file left alone without --force, and replaced with it?"""
    target = tmp_path / "precious.txt"
    target.write_text("my thesis")
    result = run(server, "backup", str(target))
    assert result.exit_code != 0
    assert "exists already" in result.output and "--force" in result.output
    assert target.read_text() == "my thesis"

    result = run(server, "backup", str(target), "--force")
    assert result.exit_code == 0, result.output
    assert len(dump(target)["portfolio_entries"]) == 5


def test_restore_refuses_a_file_that_is_not_a_database(server, live, tmp_path):
    """Is a text file (or a missing one) refused, and the live database untouched?"""
    before = dump(live)
    text_file = tmp_path / "notes.db"
    text_file.write_text("not a database at all, just words " * 200)
    result = run(server, "restore", str(text_file), "--yes")
    assert result.exit_code != 0
    assert "is not a SQLite database" in result.output
    missing = run(server, "restore", str(tmp_path / "nowhere.db"), "--yes")
    assert missing.exit_code != 0 and "There is no file" in missing.output
    assert dump(live) == before
    assert not list(live.parent.glob("*before-restore*"))


def test_restore_refuses_a_database_of_another_app(server, live, tmp_path):
    """Is a healthy SQLite file without this app's migrations refused?"""
    other = tmp_path / "other.db"
    execute(other, "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)")
    result = run(server, "restore", str(other), "--yes")
    assert result.exit_code != 0
    assert "not a database of this app" in result.output


def test_restore_refuses_a_backup_from_newer_code(server, live, tmp_path):
    """Is a backup at a revision this code does not know refused, saying why?"""
    target = tmp_path / "newer.db"
    assert run(server, "backup", str(target)).exit_code == 0
    execute(target, "UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
    execute(live, "DELETE FROM portfolio_entries")
    result = run(server, "restore", str(target), "--yes")
    assert result.exit_code != 0
    assert "f00dfeedbeef" in result.output and "newer code" in result.output
    assert dump(live)["portfolio_entries"] == []


def test_restoring_an_older_backup_says_to_upgrade(live, tmp_path):
    """Does a backup at an older revision go back, with the advice to run db upgrade?"""
    older = tmp_path / "older.db"
    app = make_app(older)
    with app.app_context():
        upgrade(revision=known_revisions()[2])
    release(app)
    result = run(make_app(live), "restore", str(older), "--yes")
    assert result.exit_code == 0, result.output
    assert "flask --app academy db upgrade" in result.output
    assert dump(live)["alembic_version"] == [(known_revisions()[2],)]
    assert "portfolio_entries" not in dump(live)


def test_restore_asks_first_and_stops_on_no(server, live, tmp_path):
    """Without --yes, does answering no leave everything as it was?"""
    target = tmp_path / "kept.db"
    assert run(server, "backup", str(target)).exit_code == 0
    execute(live, "DELETE FROM portfolio_entries")
    result = run(server, "restore", str(target), input="n\n")
    assert "Replace every row" in result.output
    assert result.exit_code != 0
    assert dump(live)["portfolio_entries"] == []
    assert not list(live.parent.glob("*before-restore*"))


def test_a_running_server_sees_the_restored_catalogue(server, live, tmp_path):
    """After a restore, does a server that already built its search index show the new data,
    even when the backup's catalogue version is the very one the server has seen?"""
    client = server.test_client()
    other_path = tmp_path / "other-live.db"
    assert run(server, "backup", str(other_path)).exit_code == 0  # not cp: the WAL holds rows
    other = make_app(other_path)
    with other.app_context():
        gen_offering(gen_provider("Elsewhere"), title="Only in the backup")
    release(other)
    backup = tmp_path / "other.db"
    assert run(other, "backup", str(backup)).exit_code == 0
    release(other)
    assert titles(client) == {"Mentalization in teams", "Dialogue at work"}
    assert client.get("/catalogue/?q=mentalization").status_code == 200
    seen = dump(live)["catalogue_state"][0][1]
    execute(backup, "UPDATE catalogue_state SET version = ?", seen)  # the same number

    result = run(make_app(live), "restore", str(backup), "--yes")

    assert result.exit_code == 0, result.output
    assert titles(client) == {"Mentalization in teams", "Dialogue at work", "Only in the backup"}
    assert "Only in the backup" in client.get("/catalogue/").get_data(as_text=True)
    assert dump(live)["catalogue_state"][0][1] == seen + 1


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_both_commands_refuse_postgresql_pointing_to_pg_dump(tmp_path, command):
    """On PostgreSQL, does each command refuse and name pg_dump and pg_restore?"""
    app = create_app(app_settings("postgresql://nobody@127.0.0.1:9/none"))
    result = run(app, command, str(tmp_path / "x.db"), *(["--yes"] if command == "restore" else []))
    assert result.exit_code != 0
    assert "pg_dump -Fc" in result.output and "pg_restore --clean --if-exists" in result.output
    assert not (tmp_path / "x.db").exists()


def test_a_restore_does_not_bring_back_an_ended_session(server, live, tmp_path):
    """Is a cookie logged out after the backup still worthless after restoring it? (Everyone
    logs in again.)"""
    with server.app_context():
        gen_user("sam@example.org")
    browser = server.test_client()
    assert Auth(browser).login("sam@example.org").status_code == 302
    copied = browser.get_cookie("session").value
    backup = tmp_path / "with-a-session.db"
    assert run(server, "backup", str(backup)).exit_code == 0
    assert dump(backup)["login_sessions"], "the backup holds the open session"
    Auth(browser).logout()

    result = run(make_app(live), "restore", str(backup), "--yes")

    assert result.exit_code == 0, result.output
    assert "Everyone must log in again" in result.output
    assert dump(live)["login_sessions"] == []
    thief = server.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/accounts/profile").status_code == 302
