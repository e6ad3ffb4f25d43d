"""Migrations run from empty, down and up again, and match the models, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from academy import create_app
from academy.extensions import db
from tests.conftest import (
    PG_URL,
    app_settings,
    postgres_available,
    reset_postgres_schema,
    skip_unless_available,
)

EXPECTED_TABLES = {
    "users",
    "providers",
    "provider_members",
    "offerings",
    "offering_tags",
    "offering_sessions",
    "audit_events",
    "catalogue_state",
    "alembic_version",
}


def check_migrations(url: str) -> None:
    """Upgrade from empty, compare with the models, go down to nothing and up again."""
    app = create_app(app_settings(url))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert tables >= EXPECTED_TABLES
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "include_object": app.extensions["migrate"].configure_args.get("include_object")
                    or _include
                },
            )
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert not {t for t in remaining if not t.startswith("offering_fts")}
        upgrade()
        if db.engine.dialect.name == "sqlite":
            names = {
                r[0]
                for r in db.session.execute(
                    text("SELECT name FROM sqlite_master WHERE type='trigger'")
                )
            }
            assert {"offerings_fts_insert", "offerings_fts_update", "offerings_fts_delete"} <= names
            assert {"offerings_bump_version_update", "offering_tags_bump_version_insert"} <= names
        else:
            columns = {c["name"] for c in inspect(db.engine).get_columns("offerings")}
            assert "search_vector" in columns
            triggers = db.session.execute(
                text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            ).scalars()
            assert "offerings_bump_version" in set(triggers)
        db.engine.dispose()


def _include(obj, name, type_, reflected, compare_to):
    return not (
        (type_ == "table" and name.startswith("offering_fts"))
        or (type_ == "column" and name == "search_vector")
        or (type_ == "index" and name == "ix_offerings_search_vector")
    )


def test_migrations_from_empty_on_sqlite(tmp_path):
    """Do the migrations build the whole schema on an empty SQLite file, and undo it?"""
    check_migrations(f"sqlite:///{tmp_path / 'empty.db'}")


@pytest.mark.postgres
def test_migrations_from_empty_on_postgresql():
    """Do the same migrations run on an empty PostgreSQL database?"""
    url = PG_URL
    if not url:
        skip_unless_available("postgres", "ACADEMY_TEST_DATABASE_URL is not set")
    problem = postgres_available(url)
    if problem:
        skip_unless_available("postgres", problem)
    reset_postgres_schema(url)
    try:
        check_migrations(url)
    finally:
        # Leave the shared test database migrated for the tests that follow.
        reset_postgres_schema(url)
        app = create_app(app_settings(url))
        with app.app_context():
            upgrade()
            db.engine.dispose()
