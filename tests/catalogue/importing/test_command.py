"""flask import-offerings: the same import from the command line."""

from __future__ import annotations

from tests.catalogue.importing.files import (
    dates,
    make_xlsx,
    offer,
    offering,
    rows_in,
)
from tests.factories import gen_provider

# --- the command line --------------------------------------------------------------------------


def test_the_command_imports_a_file(app, runner, tmp_path):
    """Does import-offerings import a file as drafts, report counts, and --publish make it live?"""
    with app.app_context():
        gen_provider("Good Org", slug="good-org")
    path = tmp_path / "offers.xlsx"
    path.write_bytes(make_xlsx([offer("A"), offer("B", title="Zephyrine")], [dates("A")]))
    result = runner.invoke(args=["import-offerings", str(path), "--provider", "good-org"])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged" in result.output
    assert offering(app, "A")["status"] == "draft"
    result = runner.invoke(
        args=["import-offerings", str(path), "--provider", "good-org", "--publish"]
    )
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 2 unchanged, 2 published" in result.output
    client = app.test_client()
    assert client.get("/api/v1/offerings?q=zephyrine").get_json()["total"] == 1


def test_the_command_reports_problems_and_writes_nothing(app, runner, tmp_path):
    """Does import-offerings print each problem with sheet, row and column, and exit non-zero?"""
    with app.app_context():
        gen_provider("Good Org", slug="good-org")
    path = tmp_path / "offers.xlsx"
    path.write_bytes(make_xlsx([offer("A"), offer("B", level="Beginner")]))
    result = runner.invoke(args=["import-offerings", str(path), "--provider", "good-org"])
    assert result.exit_code != 0
    assert "Sheet “Offerings”, row 3, column “level”: “Beginner” is not a level" in result.output
    assert "1 problem in offers.xlsx. Nothing was imported." in result.output
    assert rows_in(app) == (0, 0)
    result = runner.invoke(args=["import-offerings", str(path), "--provider", "nobody"])
    assert result.exit_code != 0 and "No provider has the slug 'nobody'" in result.output
