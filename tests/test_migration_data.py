"""Every row survives every migration, on SQLite and PostgreSQL.

A fresh database is upgraded to the first migration and every table is filled
with realistic rows by plain SQL (Core inserts on reflected tables, never the
models, which describe only the newest schema). Then the database goes up one
revision at a time; at each, the tables that revision created (or gave new
columns) get rows too. At the end every value of every row is compared.

The filler reads each table as the database describes it, so a future
migration's tables are filled without changing this file. What it cannot do:
- know a value a CHECK constraint allows unless the constraint lists the
  allowed strings (`status IN (...)`); other checks it meets by making dates
  later and numbers smaller column by column (`ends_on >= starts_on`,
  `participatory_hours <= hours`); a new check of another shape needs a rule;
- fill tables a migration seeds and keeps for itself (`catalogue_state`, whose
  one row triggers change on every catalogue write): those are left out;
- know what a migration intends to change in existing rows: `INTENDED` says it,
  per revision; a new column of old rows must hold its server default (or NULL).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from academy import create_app
from academy.backup import known_revisions
from academy.extensions import db
from tests.conftest import PG_URL, app_settings, postgres_available, skip_unless_available

ROWS = 6  # per table per revision
SCHEMA = "migration_data"  # PostgreSQL: a schema of its own, so the suite's stays as it is
#: Tables filled by a migration itself, changed by design: not filled, not compared.
SEEDED = {"alembic_version", "catalogue_state"}
#: What a revision does on purpose to rows that were there before it: none changes any yet.
INTENDED: dict[str, object] = {}
TEXT = "Siân’s “reflection” — café, naïve, 漢字, emoji 🌱\nsecond line\t'quoted' \\ end"


class Filler:
    """Rows for any table, from what the database says of it; remembers what it wrote."""

    def __init__(self, connection: sa.Connection):
        self.connection = connection
        self.written: dict[str, dict[tuple, dict]] = {}  # table -> key -> values
        self.serial = 0

    def fill(self, table: sa.Table, checks: list[dict]) -> None:
        """Insert ROWS rows into a table, every column given (NULL in the first where allowed)."""
        allowed = allowed_values(checks)
        rows = [self.row(table, number, allowed) for number in range(ROWS)]
        self.connection.execute(table.insert(), rows)
        keys = [c.name for c in table.primary_key.columns]
        kept = self.written.setdefault(table.name, {})
        for row in rows:
            kept[tuple(row[k] for k in keys)] = row

    def row(self, table: sa.Table, number: int, allowed: dict[str, list[str]]) -> dict:
        """One row: unique, realistic, every column a value other than its default."""
        self.serial += 1
        serial = self.serial
        values = {}
        for position, column in enumerate(table.columns):
            if column.computed is not None:
                continue
            nullable = column.nullable and not column.primary_key
            if nullable and number == 0:
                values[column.name] = None
            elif column.foreign_keys:
                values[column.name] = self.reference(column, number)
            else:
                values[column.name] = value_for(column, serial, position, allowed)
        return values

    def reference(self, column: sa.Column, number: int):
        """The key of a row already written in the table a foreign key points to."""
        target = next(iter(column.foreign_keys)).column
        keys = list(self.written.get(target.table.name, {}).values())
        assert keys, f"{column.table.name}.{column.name}: {target.table.name} has no rows yet"
        return keys[number % len(keys)][target.name]


def value_for(column: sa.Column, serial: int, position: int, allowed: dict[str, list[str]]):
    """A value for a column by its type: later dates and smaller numbers further right."""
    kind = column.type
    if column.name in allowed:
        return allowed[column.name][serial % len(allowed[column.name])]
    if isinstance(kind, sa.Boolean):
        return serial % 2 == 0
    if isinstance(kind, sa.Integer):
        return 100_000 + serial if column.primary_key else 1000 - position * 10 + serial % 7
    if isinstance(kind, sa.Numeric):
        return 500.25 - position * 10 + serial % 5
    if isinstance(kind, sa.DateTime):
        return datetime(2024, 3, 1, 9, 30, 15, 123456) + timedelta(days=serial, hours=position)
    if isinstance(kind, sa.Date):
        return date(2024, 3, 1) + timedelta(days=serial * 3 + position)
    if isinstance(kind, sa.JSON):
        return {"serial": serial, "note": TEXT, "list": [1, "two", None], "nested": {"ok": True}}
    if isinstance(kind, sa.String | sa.Text):
        text = f"{column.name} {serial} {TEXT}"
        length = getattr(kind, "length", None)
        if length:  # keep the serial (unique columns), cut the rest
            text = text[:length]
        return text
    raise AssertionError(f"teach the filler a value for {column.table.name}.{column} ({kind})")


def allowed_values(checks: list[dict]) -> dict[str, list[str]]:
    """The strings each column's `IN (...)` check constraints allow, by column."""
    allowed = {}
    for check in checks:
        sql = check["sqltext"]
        found = re.match(r"\W*(\w+)\W", sql)
        literals = re.findall(r"'([^']*)'", sql)
        if found and literals and re.search(r"\bIN\b|\bANY\b", sql, re.I):
            allowed[found.group(1)] = literals
    return allowed


def comparable(value):
    """Numbers as floats, JSON as it is: what both drivers give back, compared alike."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return float(value)
    return value


def server_default(column: dict):
    """What a new column of old rows holds: its server default as a Python value, or None."""
    default = column.get("default")
    if default is None:
        return None
    literal = re.match(r"^\(?'(.*)'(::[\w ]+)?\)?$", default)
    if literal:
        return literal.group(1)
    if re.match(r"^-?\d+(\.\d+)?$", default):
        return float(default)
    if default.lower() in ("true", "false"):
        return default.lower() == "true"
    raise AssertionError(f"teach the test the default {default!r} of {column['name']}")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    """An empty database: a SQLite file, or a schema of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    if not PG_URL:
        skip_unless_available("postgres", "ACADEMY_TEST_DATABASE_URL is not set")
    problem = postgres_available(PG_URL)
    if problem:
        skip_unless_available("postgres", problem)
    engine = sa.create_engine(re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", PG_URL))
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options=-csearch_path%3D{SCHEMA}"
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


def test_every_row_survives_every_migration(fresh_url):
    """Filled at the first revision and at each after, is every value there at the head?"""
    app = create_app(app_settings(fresh_url))
    revisions = known_revisions()
    with app.app_context():
        engine = db.engine
        filler = None
        columns_seen: dict[str, set[str]] = {}
        for revision in revisions:
            upgrade(revision=revision)
            inspector = sa.inspect(engine)
            metadata = sa.MetaData()
            metadata.reflect(engine)
            with engine.begin() as connection:
                filler = filler or Filler(connection)
                filler.connection = connection
                for table in metadata.sorted_tables:  # referenced tables first
                    if table.name in SEEDED or table.name.startswith("offering_fts"):
                        continue
                    names = {c.name for c in table.columns if c.computed is None}
                    computed = {c.name for c in table.columns if c.computed is not None}
                    before = columns_seen.get(table.name)
                    if before is not None and before == names:
                        continue
                    for column in inspector.get_columns(table.name):
                        if before is not None and column["name"] not in before | computed:
                            expected = server_default(column)
                            for row in filler.written.get(table.name, {}).values():
                                row.setdefault(column["name"], expected)
                    filler.fill(table, inspector.get_check_constraints(table.name))
                    columns_seen[table.name] = names
            INTENDED.get(revision, lambda written: None)(filler.written)

        checked = compare_everything(engine, filler.written)
        engine.dispose()
    assert checked["tables"] >= 10 and checked["rows"] >= 10 * ROWS
    print(
        f"\n{checked['rows']} rows, {checked['values']} values in {checked['tables']} tables "
        f"across {len(revisions)} revisions checked on {fresh_url.split(':')[0]}"
    )


def compare_everything(engine: sa.Engine, written: dict[str, dict[tuple, dict]]) -> dict:
    """Every row written is there with every value equal; returns what was compared."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    counts = {"tables": 0, "rows": 0, "values": 0}
    with engine.connect() as connection:
        for name, rows in written.items():
            table = metadata.tables[name]
            keys = [c.name for c in table.primary_key.columns]
            found = {
                tuple(row[k] for k in keys): row
                for row in connection.execute(sa.select(table)).mappings()
            }
            assert len(found) == len(rows), f"{name}: {len(found)} rows, {len(rows)} written"
            for key, values in rows.items():
                assert key in found, f"{name} {key} is gone"
                for column, value in values.items():
                    assert comparable(found[key][column]) == comparable(value), (
                        f"{name} {key} {column}: {found[key][column]!r}, written {value!r}"
                    )
                    counts["values"] += 1
            counts["tables"] += 1
            counts["rows"] += len(rows)
    return counts
