"""Vocabularies: TOML files of ``[[term]]`` tables with at least a ``key`` and a ``label``.

Keys are stable (URLs, the API and spreadsheets use them); labels can change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from academy.reference.files import check_entries, read_toml

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
