"""What every benchmark shares: output, argument checks, and a PostgreSQL database of its own.

Here, not in bench/__main__.py, so the benchmark modules never import the
command that imports them.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bench.generate import sqlalchemy_postgres_url

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/bench_academy"
ENV_POSTGRES = "ACADEMY_BENCH_DATABASE_URL"


def positive(value: str) -> int:
    """An argument that must be a whole number, 1 or more."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def log(message: str) -> None:
    """Progress, to stderr."""
    print(message, file=sys.stderr, flush=True)


def out(message: str = "") -> None:
    """A result line, to stdout."""
    print(message, flush=True)


def postgres_problem(url: str) -> str | None:
    """None when the database can be used (created if missing), else why not."""
    target = make_url(sqlalchemy_postgres_url(url))
    name = target.database or ""
    if not name.startswith("bench_"):
        return (
            f"database {name!r} is not named bench_*: the benchmark drops and recreates "
            "its schema, so it only touches databases named for it"
        )
    try:
        _ping(target)
        return None
    except SQLAlchemyError as error:
        if "does not exist" not in str(error):
            shown = target.render_as_string(hide_password=True)
            return f"{shown} is not reachable: {_first_line(error)}"
    try:
        engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        log(f"PostgreSQL: created database {name}")
        _ping(target)
    except SQLAlchemyError as error:
        return f"could not create database {name!r}: {_first_line(error)}"
    return None


def _ping(url) -> None:
    """Connect and ask for 1, or raise."""
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def _first_line(error: Exception) -> str:
    """The first line of a database error's message."""
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0] if message else error.__class__.__name__
