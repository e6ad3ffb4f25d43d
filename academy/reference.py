"""Reference data: the vocabularies in data/, loaded once and validated.

Each vocabulary is a TOML file of ``[[term]]`` tables with at least a ``key``
and a ``label``. Keys are stable (URLs, the API and spreadsheets use them);
labels can change. A bad file stops start-up with a message naming the file
and the key, because a catalogue built on a broken vocabulary is worse than
no catalogue.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from flask import current_app

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

#: The vocabularies the Academy needs, by name (and file stem).
VOCABULARIES = (
    "formats",
    "sectors",
    "regions",
    "audiences",
    "ee_values",
    "credit_schemes",
    "academic_levels",
    "activity_types",
)


class ReferenceDataError(RuntimeError):
    """A reference data file is missing or malformed."""


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary: a stable key, a label and any extra fields."""

    key: str
    label: str
    description: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __getattr__(self, name: str):
        try:
            return self.__dict__["extra"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Vocabulary:
    """An ordered set of terms, looked up by key or, for imports, by label."""

    name: str
    terms: tuple[Term, ...]

    def __post_init__(self):
        object.__setattr__(self, "_by_key", {t.key: t for t in self.terms})
        lookup = {}
        for term in self.terms:
            lookup[term.key.casefold()] = term.key
            lookup[term.label.casefold()] = term.key
        object.__setattr__(self, "_lookup", lookup)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __iter__(self):
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def keys(self) -> list[str]:
        """The keys in their file order."""
        return [t.key for t in self.terms]

    def get(self, key: str) -> Term | None:
        """The term with this key, or None."""
        return self._by_key.get(key)

    def label(self, key: str | None) -> str:
        """The label for a key; an unknown key is shown as itself."""
        term = self._by_key.get(key) if key else None
        return term.label if term else (key or "")

    def resolve(self, value: str) -> str | None:
        """The key for a value given as a key or a label, in any case."""
        return self._lookup.get(value.strip().casefold())

    def labels(self, keys) -> list[str]:
        """The labels of some keys, in the vocabulary's own order."""
        order = {key: index for index, key in enumerate(self._by_key)}
        return [self.label(k) for k in sorted(keys, key=lambda k: order.get(k, len(order)))]


def read_toml(path: Path) -> dict:
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


def load_vocabulary(path: Path) -> Vocabulary:
    """Read and validate one vocabulary file."""
    entries = read_toml(path).get("term")
    check_entries(path, entries, "term", {"label": str})
    terms = tuple(
        Term(
            key=e["key"],
            label=e["label"],
            description=e.get("description", ""),
            extra={k: v for k, v in e.items() if k not in ("key", "label", "description")},
        )
        for e in entries
    )
    return Vocabulary(name=path.stem, terms=terms)


@dataclass(frozen=True)
class Reference:
    """Everything in data/ that the app reads at start-up."""

    escalator: object  # academy.escalator.levels.Escalator
    vocabularies: dict[str, Vocabulary]
    record_profiles: object = None  # academy.portfolios.profiles.RecordProfiles

    def __getattr__(self, name: str) -> Vocabulary:
        try:
            return self.__dict__["vocabularies"][name]
        except KeyError:
            raise AttributeError(name) from None


@cache
def load_reference(data_dir: str) -> Reference:
    """Load and validate every reference file in a folder, once per folder."""
    from academy.escalator.levels import load_escalator
    from academy.portfolios.profiles import load_record_profiles

    folder = Path(data_dir)
    return Reference(
        escalator=load_escalator(folder / "escalator.toml"),
        vocabularies={name: load_vocabulary(folder / f"{name}.toml") for name in VOCABULARIES},
        record_profiles=load_record_profiles(folder / "record_profiles.toml"),
    )


def reference() -> Reference:
    """The reference data of the current app."""
    return current_app.extensions["academy.reference"]
