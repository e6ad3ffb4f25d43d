"""Reading the TOML files in data/ and checking their tables.

A bad file stops start-up with a message naming the file and the key, because
a catalogue built on a broken vocabulary is worse than no catalogue.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class ReferenceDataError(RuntimeError):
    """A reference data file is missing or malformed."""


def read_toml(path: Path) -> dict:
    """Read one TOML file, naming it in any error."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ReferenceDataError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ReferenceDataError(f"{path}: not valid TOML: {error}") from None


def check_entries(path: Path, entries, table: str, required: dict[str, type]) -> None:
    """Check a list of TOML tables: required fields with their types, unique keys."""
    if not isinstance(entries, list) or not entries:
        raise ReferenceDataError(f"{path}: no [[{table}]] entries")
    seen = set()
    for number, entry in enumerate(entries, start=1):
        key = entry.get("key")
        where = f"entry {number} (key {key!r})"
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise ReferenceDataError(
                f"{path}: {where}: a key must be lowercase letters, digits and underscores"
            )
        if key in seen:
            raise ReferenceDataError(f"{path}: {where}: the key {key!r} is used twice")
        seen.add(key)
        for name, kind in required.items():
            value = entry.get(name)
            if not isinstance(value, kind) or value in ("", []):
                raise ReferenceDataError(
                    f"{path}: {where}: {name!r} is missing or not a {kind.__name__}"
                )
