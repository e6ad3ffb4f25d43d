"""Record profiles (data/record_profiles.toml): a regulator's period, requirements and columns.

A profile says which entries count (its *period*), what the body asks for (its
*requirements*), and how its record reads (columns, headers, the title of its
reflective pages). The period and progress arithmetic lives with the records
(academy/portfolios/records/periods.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from academy.reference.files import ReferenceDataError, check_entries, read_toml

REQUIREMENT_KINDS = (
    "hours",
    "participatory_hours",
    "reflective_accounts",
    "peer_reflections",
    "pieces",
    "activity_types",
    "credits",
)
#: The entry fields a profile's columns and reflective pages may name.
FIELDS = (
    "title",
    "provider",
    "activity_type",
    "starts_on",
    "ends_on",
    "hours",
    "participatory_hours",
    "credits",
    "level",
    "format",
    "co_delivered",
    "co_designed",
    "description",
    "learning",
    "practice_change",
    "peer_discussion",
    "standards_link",
    "evidence",
    "confirmed",
    "catalogue_url",
)
WRITTEN_FIELDS = (
    "description",
    "learning",
    "practice_change",
    "peer_discussion",
    "standards_link",
)


@dataclass(frozen=True)
class Requirement:
    """One thing a body asks for: a kind of count, how many, and how to say it."""

    kind: str
    need: float
    label: str
    missing: str


@dataclass(frozen=True)
class ProfileColumn:
    """A column of a profile's record: an entry field under the body's own header."""

    field: str
    header: str


@dataclass(frozen=True)
class RecordProfile:
    """The shape of one body's record: period, requirements, columns and wording."""

    key: str
    label: str
    short_label: str
    body: str
    description: str
    date_label: str
    date_required: bool
    months: int | None
    year_ending: tuple[int, int] | None
    order: str
    record_title: str
    reflective_fields: tuple[str, ...]
    reflection_title: str
    reflection_columns: tuple[ProfileColumn, ...]
    columns: tuple[ProfileColumn, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    unchecked: str = ""

    @property
    def oldest_first(self) -> bool:
        """Whether the record lists entries in date order (HCPC's chronological list)."""
        return self.order == "oldest"


@dataclass(frozen=True)
class RecordProfiles:
    """The profiles in file order, looked up by key."""

    profiles: tuple[RecordProfile, ...]

    def __iter__(self):
        return iter(self.profiles)

    def __len__(self) -> int:
        return len(self.profiles)

    def __contains__(self, key: object) -> bool:
        return any(profile.key == key for profile in self.profiles)

    @property
    def keys(self) -> list[str]:
        """The profile keys in file order."""
        return [profile.key for profile in self.profiles]

    def get(self, key: str | None) -> RecordProfile | None:
        """The profile with this key, or None."""
        return next((profile for profile in self.profiles if profile.key == key), None)

    def label(self, key: str | None) -> str:
        """The profile's label; an unknown key is shown as itself."""
        profile = self.get(key)
        return profile.label if profile else (key or "")


def load_record_profiles(path: Path) -> RecordProfiles:
    """Read and validate data/record_profiles.toml."""
    entries = read_toml(path).get("profile")
    check_entries(
        path,
        entries,
        "profile",
        {
            "label": str,
            "short_label": str,
            "description": str,
            "date_label": str,
            "record_title": str,
            "period": dict,
            "reflection": dict,
        },
    )
    return RecordProfiles(tuple(_profile(path, entry) for entry in entries))


def _profile(path: Path, entry: dict) -> RecordProfile:
    where = f"{path}: profile {entry['key']!r}"
    period = entry["period"]
    months = period.get("months")
    year_ending = None
    if "year_ending" in period:
        try:
            month, day = (int(part) for part in str(period["year_ending"]).split("-"))
            date(2001, month, day)  # a real month-day (not 29 February)
        except ValueError:
            raise ReferenceDataError(f"{where}: 'year_ending' must be MM-DD") from None
        year_ending = (month, day)
    elif not isinstance(months, int) or months < 1:
        raise ReferenceDataError(f"{where}: 'period' needs 'months' (1 or more) or 'year_ending'")
    if entry.get("order", "newest") not in ("newest", "oldest"):
        raise ReferenceDataError(f"{where}: 'order' must be 'newest' or 'oldest'")
    reflection = entry["reflection"]
    reflective_fields = tuple(entry.get("reflective_fields", ()))
    for name in reflective_fields:
        if name not in WRITTEN_FIELDS:
            raise ReferenceDataError(f"{where}: reflective field {name!r} is not a written field")
    requirements = []
    for item in entry.get("requirement", []):
        if item.get("kind") not in REQUIREMENT_KINDS:
            raise ReferenceDataError(f"{where}: unknown requirement kind {item.get('kind')!r}")
        need = item.get("need")
        if isinstance(need, bool) or not isinstance(need, int | float) or need <= 0:
            raise ReferenceDataError(f"{where}: requirement {item['kind']!r} needs a 'need' > 0")
        requirements.append(
            Requirement(item["kind"], float(need), str(item["label"]), str(item["missing"]))
        )
    return RecordProfile(
        key=entry["key"],
        label=entry["label"],
        short_label=entry["short_label"],
        body=entry.get("body", ""),
        description=entry["description"],
        date_label=entry["date_label"],
        date_required=bool(entry.get("date_required", False)),
        months=months if year_ending is None else None,
        year_ending=year_ending,
        order=entry.get("order", "newest"),
        record_title=entry["record_title"],
        reflective_fields=reflective_fields,
        reflection_title=str(reflection.get("title", "Reflections")),
        reflection_columns=_columns(where, reflection.get("fields", [])),
        columns=_columns(where, entry.get("column", [])),
        requirements=tuple(requirements),
        unchecked=entry.get("unchecked", ""),
    )


def _columns(where: str, items: list) -> tuple[ProfileColumn, ...]:
    columns = []
    for item in items:
        if item.get("field") not in FIELDS or not item.get("header"):
            raise ReferenceDataError(f"{where}: a column needs a known 'field' and a 'header'")
        columns.append(ProfileColumn(item["field"], item["header"]))
    return tuple(columns)
