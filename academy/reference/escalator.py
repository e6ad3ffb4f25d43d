"""The escalator's levels, read from data/escalator.toml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from academy.reference.files import ReferenceDataError, check_entries, read_toml


@dataclass(frozen=True)
class Level:
    """One step of the escalator."""

    key: str
    order: int
    name: str
    short_name: str
    tagline: str
    for_whom: str
    description: str
    typical_formats: tuple[str, ...]
    academic_level: str
    position_hours: float = 0

    @property
    def label(self) -> str:
        """The name, so a level reads like any other vocabulary term."""
        return self.name


@dataclass(frozen=True)
class Escalator:
    """The levels in order, lowest first, with the steps around each."""

    levels: tuple[Level, ...]

    def __iter__(self):
        return iter(self.levels)

    def __len__(self) -> int:
        return len(self.levels)

    def __contains__(self, key: object) -> bool:
        return any(level.key == key for level in self.levels)

    @property
    def keys(self) -> list[str]:
        """The level keys, lowest first."""
        return [level.key for level in self.levels]

    def get(self, key: str | None) -> Level | None:
        """The level with this key, or None."""
        return next((level for level in self.levels if level.key == key), None)

    def label(self, key: str | None) -> str:
        """The level's name; an unknown key is shown as itself."""
        level = self.get(key)
        return level.name if level else (key or "")

    def resolve(self, value: str) -> str | None:
        """The key for a value given as a key or a name, in any case."""
        folded = value.strip().casefold()
        for level in self.levels:
            if folded in (level.key, level.name.casefold()):
                return level.key
        return None

    def above(self, key: str) -> Level | None:
        """The next step up, or None at the top."""
        keys = self.keys
        index = keys.index(key)
        return self.levels[index + 1] if index + 1 < len(keys) else None

    def below(self, key: str) -> Level | None:
        """The step below, or None at ground level."""
        index = self.keys.index(key)
        return self.levels[index - 1] if index > 0 else None


def _hours(path: Path, entry: dict) -> float:
    """A level's position_hours: a number, 0 or more (0 when not given)."""
    value = entry.get("position_hours", 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ReferenceDataError(
            f"{path}: level {entry['key']!r}: 'position_hours' must be a number, 0 or more"
        )
    return float(value)


def load_escalator(path: Path) -> Escalator:
    """Read and validate the escalator's levels."""
    entries = read_toml(path).get("level")
    check_entries(
        path,
        entries,
        "level",
        {
            "order": int,
            "name": str,
            "short_name": str,
            "tagline": str,
            "for_whom": str,
            "description": str,
            "typical_formats": list,
            "academic_level": str,
        },
    )
    orders = [e["order"] for e in entries]
    if len(set(orders)) != len(orders):
        raise ReferenceDataError(f"{path}: two levels share an 'order'")
    levels = sorted(
        (
            Level(
                key=e["key"],
                order=e["order"],
                name=e["name"],
                short_name=e["short_name"],
                tagline=e["tagline"],
                for_whom=e["for_whom"],
                description=e["description"],
                typical_formats=tuple(e["typical_formats"]),
                academic_level=e["academic_level"],
                position_hours=_hours(path, e),
            )
            for e in entries
        ),
        key=lambda level: level.order,
    )
    return Escalator(levels=tuple(levels))
