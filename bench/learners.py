"""Synthetic learners and their portfolio entries, composed as plain rows from a seed.

The national catalogue has 50,000 learners with 20 entries each (a million
entries), so that a learner's page is timed against a portfolio table of
realistic size; the portfolio benchmark adds one learner with 2,000. Both use
``compose_entry``: entries over the last five years, every level and format
("not sure" and "not given" included), about 40% with reflections, a third
recorded from the catalogue.

Every generated learner has the same password hash, made once: hashing 50,000
passwords would take most of an hour and tells the benchmark nothing.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from werkzeug.security import generate_password_hash

from bench import vocabulary as V

SEED = 20261123
YEARS = 5
LEVELS = ["ground", "awareness", "understanding", "expertise", "leadership", None]
LEVEL_WEIGHTS = [20, 30, 22, 10, 8, 10]
#: Every generated learner's password (bench/soak.py logs learners in with it).
PASSWORD = "bench learner, not a secret"  # noqa: S105 - a generated learner's, on loopback
FORMATS = [
    "talk",
    "reflective_group",
    "workshop",
    "short_course",
    "live_online",
    "self_paced",
    "blended",
    "residential",
    "conference",
    "accredited_module",
    "qualification",
    None,
]
ACTIVITY_TYPES = [
    "course",
    "workshop",
    "conference",
    "e_learning",
    "reflective_group",
    "supervision",
    "peer_discussion",
    "reading",
    "other",
]
PROFESSIONS = [
    "nurses",
    "support_workers",
    "social_workers",
    "psychologists",
    "doctors",
    "allied_health",
    "prison_probation",
    "education_staff",
    "housing_workers",
    "peer_workers",
    "managers",
    None,
]
SECTORS = [
    "health",
    "mental_health",
    "social_care",
    "children_families",
    "criminal_justice",
    "education",
    "housing",
    "voluntary",
]
REGIONS = [
    "london",
    "north_west",
    "yorkshire_humber",
    "west_midlands",
    "south_east",
    "east_of_england",
    "south_west",
    "east_midlands",
    "north_east",
    "scotland",
    "wales",
    "northern_ireland",
]
FIRST_NAMES = [
    "Aisha", "Ben", "Chloe", "Daniel", "Efua", "Fiona", "Gareth", "Hannah", "Imran",
    "Jess", "Kwame", "Laura", "Mohammed", "Niamh", "Owen", "Priya", "Rhys", "Sam",
    "Tomasz", "Una", "Vikram", "Wendy", "Yusuf", "Zara",
]  # fmt: skip
LAST_NAMES = [
    "Ahmed", "Baker", "Campbell", "Davies", "Evans", "Fraser", "Green", "Hughes",
    "Iqbal", "Jones", "Kowalski", "Lewis", "Murphy", "Nowak", "O'Neill", "Patel",
    "Quinn", "Roberts", "Singh", "Taylor", "Walker", "Williams", "Wright", "Young",
]  # fmt: skip


@dataclass
class LearnerBatch:
    """Rows of users and of their entries, ready for insert(Model)."""

    users: list[dict]
    entries: list[dict]


def sentence(rng: random.Random) -> str:
    """One sentence a practitioner might write about an activity."""
    topic = rng.choice(V.TOPICS[:80])
    setting = rng.choice(V.SETTINGS)
    return rng.choice(
        [
            f"We looked at {topic} in {setting}.",
            f"It made me think again about {topic} and how our team works with it.",
            f"The trainers, one with lived experience, showed {topic} at work in {setting}.",
            f"I want to bring {topic} into supervision and our reflective practice group.",
            f"Discussing {topic} with colleagues changed how I start conversations.",
        ]
    )


#: Sentences drawn once: a million entries pick from these rather than compose their own.
SENTENCES = [sentence(random.Random(n)) for n in range(3000)]


def paragraph(rng: random.Random, low: int, high: int) -> str:
    """Between low and high sentences."""
    return " ".join(rng.choices(SENTENCES, k=rng.randint(low, high)))


def compose_entry(
    rng: random.Random,
    user_id: int,
    number: int,
    offering: tuple[int, str, str] | None,
    first_day: date,
) -> dict:
    """One entry in the five years from first_day; from an offering (id, title, provider) or not."""
    start = first_day + timedelta(days=rng.randrange(365 * YEARS))
    end = start + timedelta(days=rng.choice([0, 0, 0, 1, 2]))
    hours = rng.choice([1, 1.5, 2, 3, 6, 6.5, 12, 13, 19.5])
    reflective = rng.random() < 0.4
    return {
        "user_id": user_id,
        "offering_id": offering[0] if offering else None,
        "title": offering[1] if offering else f"{rng.choice(SENTENCES)[:-1]} ({number})"[:200],
        "provider_name": offering[2] if offering else rng.choice(["", "Our trust"]),
        "starts_on": start,
        "ends_on": end,
        "hours": hours,
        "participatory_hours": rng.choice([0, hours, hours]),
        "activity_type": rng.choice(ACTIVITY_TYPES),
        "level": rng.choices(LEVELS, LEVEL_WEIGHTS)[0],
        "format": rng.choice(FORMATS),
        "co_delivered": rng.random() < 0.35,
        "co_designed": rng.random() < 0.2,
        "description": paragraph(rng, 1, 3),
        "learning": paragraph(rng, 2, 6) if reflective else "",
        "practice_change": paragraph(rng, 1, 4) if reflective else "",
        "peer_discussion": paragraph(rng, 1, 2) if rng.random() < 0.2 else "",
        "standards_link": "Prioritise people; practise effectively." if reflective else "",
        "evidence": f"Certificate {number}" if rng.random() < 0.5 else "",
    }


def learner_batches(
    learners: int,
    entries_each: int,
    offerings: list[tuple[int, str, str]],
    anchor: date,
    batch: int = 1000,
) -> Iterator[LearnerBatch]:
    """`learners` learners with `entries_each` entries, `batch` learners at a time.

    User ids run from 1; `offerings` are the (id, title, provider name) that
    catalogue entries are drawn from.
    """
    rng = random.Random(SEED)
    password_hash = generate_password_hash(PASSWORD)
    first_day = anchor - timedelta(days=365 * YEARS)
    joined = datetime.combine(anchor, datetime.min.time())
    rows = LearnerBatch(users=[], entries=[])
    for user_id in range(1, learners + 1):
        rows.users.append(
            {
                "id": user_id,
                "email": f"learner-{user_id:06d}@example.org",
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "password_hash": password_hash,
                "profession": rng.choice(PROFESSIONS),
                "sector": rng.choice(SECTORS),
                "region": rng.choice(REGIONS),
                "self_assessed_level": rng.choices(LEVELS, LEVEL_WEIGHTS)[0],
                "is_curator": False,
                "created_at": joined - timedelta(days=rng.randrange(365 * YEARS)),
            }
        )
        for number in range(entries_each):
            offering = rng.choice(offerings) if offerings and rng.random() < 0.33 else None
            rows.entries.append(compose_entry(rng, user_id, number, offering, first_day))
        if len(rows.users) == batch:
            yield rows
            rows = LearnerBatch(users=[], entries=[])
    if rows.users:
        yield rows
