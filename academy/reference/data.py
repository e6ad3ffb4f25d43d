"""Reference data: everything in data/ that the app reads, loaded once and validated."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import current_app

from academy.reference.escalator import Escalator, load_escalator
from academy.reference.profiles import RecordProfiles, load_record_profiles
from academy.reference.vocabularies import VOCABULARIES, Vocabulary, load_vocabulary


@dataclass(frozen=True)
class Reference:
    """Everything in data/ that the app reads at start-up."""

    escalator: Escalator
    formats: Vocabulary
    sectors: Vocabulary
    regions: Vocabulary
    audiences: Vocabulary
    ee_values: Vocabulary
    credit_schemes: Vocabulary
    academic_levels: Vocabulary
    activity_types: Vocabulary
    record_profiles: RecordProfiles

    @property
    def vocabularies(self) -> dict[str, Vocabulary]:
        """Every vocabulary by name, in VOCABULARIES order."""
        return {name: getattr(self, name) for name in VOCABULARIES}


@cache
def load_reference(data_dir: str) -> Reference:
    """Load and validate every reference file in a folder, once per folder."""
    folder = Path(data_dir)
    return Reference(
        escalator=load_escalator(folder / "escalator.toml"),
        record_profiles=load_record_profiles(folder / "record_profiles.toml"),
        **{name: load_vocabulary(folder / f"{name}.toml") for name in VOCABULARIES},
    )


def reference() -> Reference:
    """The reference data of the current app."""
    return current_app.extensions["academy.reference"]
