"""Reference data: reading and checking data/ (vocabularies, the escalator, record profiles).

`load_reference(folder)` reads every file once per folder and stops start-up
with a message naming the file and key if one is wrong; `reference()` is the
current app's copy. Nothing here knows about any feature.
"""

from academy.reference.data import Reference, load_reference, reference
from academy.reference.escalator import Escalator, Level, load_escalator
from academy.reference.files import ReferenceDataError, check_entries, read_toml
from academy.reference.profiles import (
    ProfileColumn,
    RecordProfile,
    RecordProfiles,
    Requirement,
    load_record_profiles,
)
from academy.reference.vocabularies import VOCABULARIES, Term, Vocabulary, load_vocabulary

__all__ = [
    "VOCABULARIES",
    "Escalator",
    "Level",
    "ProfileColumn",
    "RecordProfile",
    "RecordProfiles",
    "Reference",
    "ReferenceDataError",
    "Requirement",
    "Term",
    "Vocabulary",
    "check_entries",
    "load_escalator",
    "load_record_profiles",
    "load_vocabulary",
    "load_reference",
    "read_toml",
    "reference",
]
