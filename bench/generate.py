"""A synthetic catalogue for the benchmark: deterministic, realistic, inserted in bulk.

``build_catalogue`` composes providers, offerings, sessions and facet tags as
plain rows from a fixed seed; ``prepare_sqlite`` and ``prepare_postgres``
put them into an empty, migrated database (or reuse one generated earlier
with the same parameters) and return what is there.

Rows go in through the models' tables in batches (``insert(Offering)`` with a
list of dicts), not one ``create_offering`` at a time. On SQLite the FTS5
triggers index each offering as it is inserted; on PostgreSQL the generated
``search_vector`` column is computed on insert, and the tables are then
vacuumed and analysed as autovacuum would do in a steady state.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sqlite3
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from time import perf_counter

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from academy import create_app
from academy.accounts.models import User
from academy.catalogue.models import Offering, OfferingSession, OfferingTag, Provider
from academy.catalogue.operations import regions_of
from academy.config import PROJECT_ROOT
from academy.extensions import db
from academy.portfolios.models import PortfolioEntry
from academy.text import slugify
from academy.timeutil import today
from bench import vocabulary as V
from bench.learners import learner_batches

SEED = 20261122
#: Bump when the shape of the data changes; the source hash catches the rest.
GENERATOR_VERSION = 2
OUT_DIR = Path(__file__).resolve().parent / "out"
#: 2,000 providers for 100,000 offers, a few of them still pending.
OFFERS_PER_PROVIDER = 50
PENDING_PROVIDERS = 40
#: Share of all offerings that are not published (drafts, submitted, withdrawn).
UNPUBLISHED_SHARE = 0.10
SELF_PACED_SHARE = 0.20
# Sessions spread over two years: six months past, eighteen ahead.
HORIZON_DAYS = 548
PAST_DAYS = 183
BATCH = 2000
#: The national catalogue: 100,000 published offerings.
NATIONAL_OFFERINGS = 100_000
#: Every generated learner's portfolio: 50,000 learners x 20 = a million entries.
ENTRIES_EACH = 20

Log = Callable[[str], None]


# --- weighted choices -----------------------------------------------------------


class Weighted:
    """A fixed list of values with weights, sampled with one bisect per draw."""

    def __init__(self, values: Sequence, weights: Sequence[float]):
        self.values = list(values)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    @classmethod
    def zipf(cls, values: Sequence, exponent: float = 1.0) -> Weighted:
        """Weights 1/rank**exponent: the first values common, the tail rare."""
        return cls(values, [1 / (rank**exponent) for rank in range(1, len(values) + 1)])

    @classmethod
    def of(cls, table: dict) -> Weighted:
        """From a {value: weight} table."""
        return cls(list(table), list(table.values()))

    def pick(self, rng: random.Random):
        """One value."""
        return self.values[bisect(self.cumulative, rng.random() * self.total)]

    def distinct(self, rng: random.Random, count: int) -> list:
        """Up to count different values, in the order drawn."""
        chosen: list = []
        for _ in range(count * 6):
            value = self.pick(rng)
            if value not in chosen:
                chosen.append(value)
                if len(chosen) == count:
                    break
        return chosen


TOPICS = Weighted.zipf(V.TOPICS, 1.15)
SETTINGS = Weighted.zipf(V.SETTINGS, 0.9)
PEOPLE = Weighted.zipf(V.PEOPLE, 0.9)
METHODS = Weighted.zipf(V.METHODS, 0.8)
ANGLES = Weighted.zipf(V.TITLE_ANGLES, 0.7)
TITLE_AUDIENCES = Weighted.zipf(V.TITLE_AUDIENCES, 0.7)
READING = Weighted.zipf(V.READING, 1.0)
#: Share of offerings that suggest some reading: the long tail of rare words.
READING_SHARE = 0.08

LEVELS = Weighted.of(
    {"ground": 18, "awareness": 34, "understanding": 26, "expertise": 13, "leadership": 9}
)
#: Dated formats by level (self-paced is decided first, separately).
FORMATS_BY_LEVEL = {
    "ground": Weighted.of({"talk": 45, "reflective_group": 25, "conference": 15, "workshop": 15}),
    "awareness": Weighted.of(
        {"workshop": 40, "short_course": 15, "live_online": 25, "blended": 15, "talk": 5}
    ),
    "understanding": Weighted.of(
        {
            "short_course": 28,
            "workshop": 18,
            "blended": 18,
            "accredited_module": 16,
            "live_online": 12,
            "residential": 5,
            "reflective_group": 3,
        }
    ),
    "expertise": Weighted.of(
        {
            "accredited_module": 30,
            "qualification": 20,
            "residential": 14,
            "short_course": 15,
            "blended": 15,
            "live_online": 6,
        }
    ),
    "leadership": Weighted.of(
        {
            "workshop": 25,
            "short_course": 20,
            "live_online": 20,
            "blended": 13,
            "accredited_module": 10,
            "conference": 7,
            "reflective_group": 5,
        }
    ),
}
SELF_PACED_BY_LEVEL = {
    "ground": 0.22,
    "awareness": 0.27,
    "understanding": 0.17,
    "expertise": 0.08,
    "leadership": 0.12,
}
FREE_BY_LEVEL = {
    "ground": 0.7,
    "awareness": 0.5,
    "understanding": 0.25,
    "expertise": 0.08,
    "leadership": 0.3,
}
PRICES_GBP = {
    "talk": [5, 10, 15, 25],
    "reflective_group": [5, 10, 20],
    "workshop": [45, 60, 95, 125, 150],
    "short_course": [250, 350, 450, 600],
    "live_online": [95, 150, 250, 395],
    "self_paced": [25, 45, 95],
    "blended": [350, 450, 750],
    "residential": [450, 650, 950],
    "conference": [95, 150, 250],
    "accredited_module": [950, 1250, 1450],
    "qualification": [3200, 4500, 9000],
}
#: (contact hours choices, CPD multiplier) by format.
HOURS = {
    "talk": ([1, 1.5, 2], 1.0),
    "reflective_group": ([1.5, 2, 12, 18], 1.0),
    "workshop": ([3, 3.5, 6, 6.5], 1.2),
    "short_course": ([12, 13, 19.5, 26, 32.5], 1.3),
    "live_online": ([6, 9, 12, 18], 1.3),
    "self_paced": ([0], 1.0),
    "blended": ([13, 19.5, 30], 1.6),
    "residential": ([21, 30, 40], 1.2),
    "conference": ([6, 12], 1.0),
    "accredited_module": ([36, 42, 48], 3.5),
    "qualification": ([120, 180, 300], 4.0),
}
SESSION_DAYS = {
    "short_course": [2, 3, 3, 4, 5],
    "residential": [3, 3, 4, 5],
    "conference": [1, 1, 2],
    "blended": [1, 2, 3],
    "live_online": [1, 1, 2],
    "accredited_module": [1, 2, 3],
    "qualification": [1, 2, 3, 5],
}
ONLINE_SHARE = {
    "live_online": 1.0,
    "talk": 0.6,
    "reflective_group": 0.55,
    "blended": 0.3,
    "conference": 0.1,
    "accredited_module": 0.2,
    "qualification": 0.1,
}
# About 3.4 dates per dated offer: 300,000 sessions for 100,000 published offers.
SESSION_COUNTS = Weighted.of({1: 20, 2: 20, 3: 17, 4: 14, 5: 12, 6: 9, 8: 8})
PLACES = [12, 16, 20, 20, 24, 24, 30, 40, 60, 100, None]
REGIONS = Weighted.of(
    {
        "london": 22,
        "north_west": 12,
        "yorkshire_humber": 10,
        "south_east": 10,
        "west_midlands": 8,
        "east_of_england": 7,
        "south_west": 7,
        "east_midlands": 6,
        "north_east": 5,
        "scotland": 6,
        "wales": 4,
        "northern_ireland": 3,
        "england": 1,
    }
)
SECTORS = Weighted.of(
    {
        "mental_health": 25,
        "health": 18,
        "social_care": 14,
        "criminal_justice": 12,
        "children_families": 10,
        "housing": 9,
        "education": 7,
        "voluntary": 5,
    }
)
AUDIENCES = Weighted.of(
    {
        "nurses": 10,
        "support_workers": 10,
        "social_workers": 8,
        "prison_probation": 8,
        "psychologists": 6,
        "peer_workers": 6,
        "managers": 6,
        "housing_workers": 5,
        "doctors": 4,
        "allied_health": 4,
        "education_staff": 4,
        "students": 3,
        "carers": 3,
        "police": 2,
        "commissioners": 1,
    }
)
EE_VALUES = Weighted.of(
    {
        "belonging": 10,
        "boundaries": 9,
        "safety": 9,
        "communication": 8,
        "involvement": 6,
        "empowerment": 5,
        "structure": 4,
        "development": 4,
        "leadership": 3,
        "openness": 3,
    }
)
AUDIENCE_PHRASES = {
    "open_to_all": "anyone who works with people",
    "nurses": "nurses and nursing associates",
    "support_workers": "support workers and care staff",
    "social_workers": "social workers",
    "prison_probation": "prison and probation staff",
    "psychologists": "psychologists and therapists",
    "peer_workers": "peer workers and experts by experience",
    "managers": "managers and team leaders",
    "housing_workers": "housing and homelessness workers",
    "doctors": "doctors and psychiatrists",
    "allied_health": "allied health professionals",
    "education_staff": "teachers and school staff",
    "students": "students and trainees",
    "carers": "carers, families and volunteers",
    "police": "police and community safety staff",
    "commissioners": "commissioners and policy makers",
}
SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"}


# --- text ----------------------------------------------------------------------


def title_case(phrase: str) -> str:
    """Capitalise a phrase for a title, keeping acronyms and small words."""
    words = phrase.split(" ")
    out = []
    for index, word in enumerate(words):
        if index and word in SMALL_WORDS:
            out.append(word)
        elif word[:1].islower():
            out.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
        else:
            out.append(word)
    return " ".join(out)


def sentence_case(text: str) -> str:
    """Capitalise the first letter only."""
    return text[:1].upper() + text[1:]


@dataclass
class Voice:
    """What one offering's text is about: a few focus topics, its setting and people."""

    rng: random.Random
    focus: list[str]
    setting: str
    people: str
    noun: str
    lengths: list[str]
    audience: str

    def topic(self) -> str:
        """Mostly a focus topic, sometimes any topic at all."""
        if self.rng.random() < 0.2:
            return TOPICS.pick(self.rng)
        return self.rng.choices(self.focus, weights=(4, 3, 2, 1)[: len(self.focus)])[0]

    def fill(self, template: str, **extra) -> str:
        """Fill one template's placeholders."""
        length = self.rng.choice(self.lengths)
        topics = _distinct(self.topic, 3)
        values = {
            "topic": topics[0],
            "topic2": topics[1],
            "topic3": topics[2],
            "setting": self.setting,
            "setting2": SETTINGS.pick(self.rng),
            "people": self.people,
            "method": METHODS.pick(self.rng),
            "method2": METHODS.pick(self.rng),
            "noun": self.noun,
            "length": length,
            "Length": sentence_case(length),
            "audience": self.audience,
            "next_step": self.rng.choice(V.NEXT_STEPS),
            "places": self.rng.choice([12, 16, 20, 24, 30]),
        }
        values.update(extra)
        return sentence_case(template.format(**values))


def _distinct(draw: Callable[[], str], count: int) -> list[str]:
    values: list[str] = []
    for _ in range(count * 5):
        value = draw()
        if value not in values:
            values.append(value)
            if len(values) == count:
                return values
    while len(values) < count:
        values.append(values[-1])
    return values


def compose_title(rng: random.Random, voice: Voice, level: str, fmt: str, place: str) -> str:
    """A title such as "Complex Trauma: Core Training" or "Containment for Housing Teams"."""
    topic, topic2 = _distinct(voice.topic, 2)
    choice = rng.random()
    if level in ("awareness", "leadership") and "KUF" in voice.focus and choice < 0.5:
        prefix = "KUF Awareness" if level == "awareness" else "KUF Leadership"
        title = f"{prefix}: {title_case(topic if topic != 'KUF' else topic2)}"
    elif choice < 0.2:
        title = f"{title_case(topic)}: {ANGLES.pick(rng)}"
    elif choice < 0.32:
        title = f"{title_case(topic)} for {TITLE_AUDIENCES.pick(rng)}"
    elif choice < 0.47:
        title = f"{title_case(topic)} and {title_case(topic2)}"
    elif choice < 0.55:
        title = f"Introduction to {title_case(topic)} and {title_case(topic2)}"
    elif choice < 0.65:
        title = f"Working with {title_case(topic)} in {title_case(voice.setting)}"
    elif choice < 0.72:
        title = f"{title_case(topic)} in {title_case(voice.setting)}"
    elif choice < 0.8:
        title = f"{title_case(topic)} and {title_case(topic2)}: {ANGLES.pick(rng)}"
    elif fmt in ("accredited_module", "qualification"):
        kind = "Postgraduate Certificate" if level == "expertise" else "Module"
        title = f"{title_case(topic)} and {title_case(topic2)} ({kind})"
    else:
        title = f"{title_case(topic)}, {title_case(topic2)} and {title_case(voice.topic())}"
    if rng.random() < 0.25:
        title += f" ({place})"
    return title[:200]


def compose_description(rng: random.Random, voice: Voice, offering: dict) -> str:
    """Two to four paragraphs of realistic prose."""
    paragraphs = []
    first = [voice.fill(rng.choice(V.DESCRIPTION_OPENERS))]
    first += [voice.fill(t) for t in rng.sample(V.DESCRIPTION_SENTENCES, rng.randint(2, 4))]
    paragraphs.append(" ".join(first))
    for _ in range(rng.randint(1, 3)):
        sentences = rng.sample(V.DESCRIPTION_SENTENCES, rng.randint(2, 4))
        paragraphs.append(" ".join(voice.fill(t) for t in sentences))
    last = []
    if offering["co_delivered"]:
        last.append(
            voice.fill(rng.choice(V.CO_DELIVERY_SENTENCES), co_trainer=rng.choice(V.CO_TRAINERS))
        )
    if offering["credit_value"]:
        fheq = "FHEQ level 7" if offering["academic_level"] == "fheq_7" else "FHEQ level 6"
        last.append(
            voice.fill(
                rng.choice(V.ACCREDITED_SENTENCES),
                credits=offering["credit_value"],
                fheq=fheq,
                words=rng.choice([2500, 3000, 4000, 5000]),
            )
        )
    if rng.random() < READING_SHARE:
        last.append(voice.fill(rng.choice(V.READING_SENTENCES), reading=READING.pick(rng)))
    last += [voice.fill(t) for t in rng.sample(V.DESCRIPTION_CLOSERS, rng.randint(1, 2))]
    paragraphs.append(" ".join(last))
    return "\n\n".join(paragraphs)


# --- rows ------------------------------------------------------------------------


@dataclass
class Catalogue:
    """Rows for each table, ready for insert(Model)."""

    providers: list[dict]
    offerings: list[dict]
    sessions: list[dict]
    tags: list[dict]


def providers_for(published: int) -> int:
    """How many providers a catalogue of this size has: 2,000 for 100,000 offers."""
    return max(PENDING_PROVIDERS + 20, published // OFFERS_PER_PROVIDER)


def catalogue_batches(published: int, anchor: date, batch: int = BATCH) -> Iterator[Catalogue]:
    """Compose the catalogue from the fixed seed, `batch` offerings at a time.

    The providers come in the first batch only. Nothing is held between batches but
    the providers and the slugs already given out, so a catalogue of any size is
    composed in the memory of one batch.
    """
    rng = random.Random(SEED)
    now = datetime.combine(anchor, datetime.min.time())
    providers = _providers(rng, now, providers_for(published))
    approved = [p for p in providers if p["status"] == "approved"]
    rng.shuffle(approved)
    provider_weights = Weighted.zipf(approved, 0.85)

    unpublished = round(published * UNPUBLISHED_SHARE / (1 - UNPUBLISHED_SHARE))
    statuses = ["published"] * published + [
        rng.choice(("draft", "draft", "submitted", "withdrawn")) for _ in range(unpublished)
    ]
    rng.shuffle(statuses)

    slugs: set[str] = set()
    rows = Catalogue(providers=providers, offerings=[], sessions=[], tags=[])
    next_session = 1
    for number, status in enumerate(statuses, start=1):
        provider = provider_weights.pick(rng)
        offering, voice = _offering(rng, number, provider, status, now)
        base = slugify(offering["title"])
        slug, suffix = base, 2
        while slug in slugs:
            slug, suffix = f"{base}-{suffix}", suffix + 1
        slugs.add(slug)
        offering["slug"] = slug
        offering["description"] = compose_description(rng, voice, offering)
        rows.offerings.append(offering)

        dated = _sessions(rng, offering, provider, anchor, first_id=next_session)
        next_session += len(dated)
        rows.sessions += dated
        regions = regions_of([(s["region"], s["online"]) for s in dated], offering["format"])
        for facet, keys in (
            ("audience", _audiences(rng, offering)),
            ("sector", SECTORS.distinct(rng, rng.choice((1, 1, 2, 2, 3)))),
            ("ee_value", EE_VALUES.distinct(rng, rng.choice((0, 1, 1, 2, 2, 3)))),
            ("region", regions),
        ):
            rows.tags += [{"offering_id": number, "facet": facet, "key": key} for key in keys]
        if len(rows.offerings) == batch:
            yield rows
            rows = Catalogue(providers=[], offerings=[], sessions=[], tags=[])
    if rows.offerings or rows.providers:
        yield rows


def build_catalogue(published: int, anchor: date) -> Catalogue:
    """The whole catalogue in memory: for small ones only (the import benchmark's workbook)."""
    whole = Catalogue(providers=[], offerings=[], sessions=[], tags=[])
    for rows in catalogue_batches(published, anchor):
        whole.providers += rows.providers
        whole.offerings += rows.offerings
        whole.sessions += rows.sessions
        whole.tags += rows.tags
    return whole


#: Provider names are made of these places: invented counties and real towns.
NAME_PLACES = V.PROVIDER_PLACES + sorted({town for towns in V.TOWNS.values() for town in towns})


def _providers(rng: random.Random, now: datetime, count: int) -> list[dict]:
    rows = []
    names: set[str] = set()
    for number in range(1, count + 1):
        while True:
            pattern, user_led = rng.choice(V.PROVIDER_KINDS)
            place = rng.choice(NAME_PLACES)
            name = pattern.format(place=place)
            if name not in names:
                break
        names.add(name)
        slug = slugify(name)
        created = now - timedelta(days=rng.randint(400, 1500))
        rows.append(
            {
                "_place": place,
                "id": number,
                "slug": slug,
                "name": name,
                "website": f"https://{slug}.example.org",
                "contact_email": f"training@{slug}.example.org",
                "description": (
                    f"{name} offers training in {TOPICS.pick(rng)} and {TOPICS.pick(rng)} "
                    f"for staff in {SETTINGS.pick(rng)}."
                ),
                "user_led": user_led,
                "status": "pending" if number > count - PENDING_PROVIDERS else "approved",
                "decline_reason": None,
                "created_at": created,
                "updated_at": created,
                "_home": REGIONS.pick(rng),
            }
        )
    return rows


def _offering(
    rng: random.Random, number: int, provider: dict, status: str, now: datetime
) -> tuple[dict, Voice]:
    level = LEVELS.pick(rng)
    fmt = "self_paced" if rng.random() < SELF_PACED_BY_LEVEL[level] else None
    fmt = fmt or FORMATS_BY_LEVEL[level].pick(rng)
    noun, lengths = V.FORMAT_NOUNS[fmt]
    audience_key = "open_to_all" if rng.random() < 0.6 else AUDIENCES.pick(rng)
    voice = Voice(
        rng=rng,
        focus=TOPICS.distinct(rng, 4),
        setting=SETTINGS.pick(rng),
        people=PEOPLE.pick(rng),
        noun=noun,
        lengths=lengths,
        audience=AUDIENCE_PHRASES[audience_key],
    )
    co_delivered = rng.random() < (0.65 if level == "awareness" else 0.28)
    co_designed = rng.random() < (0.8 if co_delivered else 0.2)
    lived_led = rng.random() < (0.85 if provider["user_led"] else 0.04)
    free = rng.random() < FREE_BY_LEVEL[level]
    hours, cpd_factor = HOURS[fmt]
    contact = rng.choice(hours)
    credit_value = credit_scheme = academic_level = None
    if fmt == "accredited_module" or (fmt == "qualification" and rng.random() < 0.8):
        credit_value = rng.choice([15, 20, 30]) if fmt == "accredited_module" else 60
        credit_scheme = "cats"
        academic_level = "fheq_6" if level == "understanding" else "fheq_7"
    created = now - timedelta(days=rng.randint(30, 760), minutes=rng.randint(0, 1440))
    published_at = None
    if status in ("published", "withdrawn"):
        published_at = created + timedelta(days=rng.randint(1, 25), minutes=rng.randint(0, 600))
        published_at = min(published_at, now - timedelta(minutes=number % 997))
    offering = {
        "id": number,
        "provider_id": provider["id"],
        "reference": f"RLA-{number:06d}",
        "level": level,
        "format": fmt,
        "contact_hours": contact,
        "cpd_hours": round(max(contact * cpd_factor, 1.0) * 2) / 2,
        "credit_value": credit_value,
        "credit_scheme": credit_scheme,
        "academic_level": academic_level,
        "cost_pence": 0 if free else rng.choice(PRICES_GBP[fmt]) * 100,
        "co_designed": co_designed,
        "co_delivered": co_delivered,
        "lived_experience_led": lived_led,
        "co_production_statement": (
            rng.choice(V.CO_PRODUCTION_STATEMENTS) if co_designed or co_delivered else ""
        ),
        "booking_url": (f"{provider['website']}/book/{number}" if rng.random() < 0.85 else None),
        "status": status,
        "reviewer_notes": "Needs dates and a clearer summary." if status == "submitted" else None,
        "created_at": created,
        "updated_at": published_at or created,
        "published_at": published_at,
    }
    if credit_value and fmt == "accredited_module":
        voice.lengths = [f"{credit_value}-credit"]
    offering["title"] = compose_title(rng, voice, level, fmt, provider["_place"])
    offering["summary"] = voice.fill(rng.choice(V.SUMMARY_TEMPLATES))[:500]
    return offering, voice


def _sessions(
    rng: random.Random, offering: dict, provider: dict, anchor: date, first_id: int
) -> list[dict]:
    fmt = offering["format"]
    if fmt == "self_paced":
        return []
    count = SESSION_COUNTS.pick(rng)
    offsets = sorted(rng.randint(-PAST_DAYS, HORIZON_DAYS) for _ in range(count))
    online_share = ONLINE_SHARE.get(fmt, 0.0)
    all_online = rng.random() < online_share
    rows = []
    for index, offset in enumerate(offsets):
        starts_on = anchor + timedelta(days=offset)
        days = rng.choice(SESSION_DAYS.get(fmt, [1]))
        online = all_online or (online_share > 0 and rng.random() < online_share / 3)
        if online:
            region, venue = "online", ""
        else:
            region = provider["_home"] if rng.random() < 0.7 else REGIONS.pick(rng)
            venue = f"{rng.choice(V.VENUE_KINDS)}, {rng.choice(V.TOWNS[region])}"
        rows.append(
            {
                "id": first_id + index,
                "offering_id": offering["id"],
                "starts_on": starts_on,
                "ends_on": starts_on + timedelta(days=days - 1),
                "venue": venue,
                "region": region,
                "online": online,
                "places": rng.choice(PLACES),
                "booking_url": offering["booking_url"],
            }
        )
    return rows


def _audiences(rng: random.Random, offering: dict) -> list[str]:
    keys = ["open_to_all"] if rng.random() < 0.6 else []
    keys += AUDIENCES.distinct(rng, rng.choice((0, 1, 1, 2, 3)) if keys else rng.randint(1, 3))
    return keys


# --- databases --------------------------------------------------------------------


@dataclass
class Prepared:
    """A database ready to benchmark, and what it holds."""

    url: str
    label: str
    reused: bool
    seconds: float
    anchor: date
    counts: dict[str, int]
    version: str


def bench_settings(url: str) -> dict:
    """The app settings the benchmark runs with.

    No kept pages (academy/http_cache.py): the benchmarks ask for the same URLs
    again and again, and time the search and the drawing, not a lookup. The load
    test (bench/load.py) serves with the production default instead.
    """
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "TESTING": False,
        "RATELIMIT_STORAGE_URL": "memory://",
        "PAGE_CACHE_BYTES": 0,
    }


def marker_for(offerings: int, anchor: date) -> dict:
    """What a reusable database must have been generated with."""
    from alembic.script import ScriptDirectory

    sources = hashlib.sha256()
    for name in ("generate.py", "vocabulary.py", "learners.py"):
        sources.update((Path(__file__).parent / name).read_bytes())
    heads = ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_heads()
    return {
        "generator": GENERATOR_VERSION,
        "seed": SEED,
        "offerings": offerings,
        "source": sources.hexdigest()[:16],
        "migrations": sorted(heads),
        "anchor": anchor.isoformat(),
    }


def reusable(found: dict | None, wanted: dict) -> bool:
    """Same parameters, and generated at most a week ago (dates count from that day)."""
    if not found:
        return False
    same = {k: v for k, v in found.items() if k != "anchor"} == {
        k: v for k, v in wanted.items() if k != "anchor"
    }
    try:
        age = (date.fromisoformat(wanted["anchor"]) - date.fromisoformat(found["anchor"])).days
    except (KeyError, ValueError):
        return False
    return same and 0 <= age <= 7


def prepare_sqlite(offerings: int, *, fresh: bool, log: Log) -> Prepared:
    """Generate (or reuse) bench/out/catalogue-<N>.sqlite3."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"catalogue-{offerings}.sqlite3"
    marker_path = path.with_suffix(".json")
    url = f"sqlite:///{path}"
    wanted = marker_for(offerings, today())
    found = None
    if marker_path.exists() and path.exists():
        try:
            found = json.loads(marker_path.read_text())
        except ValueError:
            found = None
    started = perf_counter()
    if not fresh and reusable(found, wanted):
        log(f"SQLite: reusing {path.relative_to(PROJECT_ROOT)} (generated {found['anchor']})")
        reused = True
        anchor = date.fromisoformat(found["anchor"])
    else:
        marker_path.unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        log(f"SQLite: generating {offerings:,} published offerings into {path.name} ...")
        anchor = today()
        _generate(url, offerings, anchor, log)
        marker_path.write_text(json.dumps(wanted | {"anchor": anchor.isoformat()}, indent=2))
        reused = False
    seconds = perf_counter() - started
    version = sqlite3.sqlite_version
    return Prepared(url, "SQLite", reused, seconds, anchor, count_rows(url), version)


def prepare_postgres(url: str, offerings: int, *, fresh: bool, log: Log) -> Prepared:
    """Generate (or reuse) the catalogue in a bench_* PostgreSQL database."""
    url = sqlalchemy_postgres_url(url)
    wanted = marker_for(offerings, today())
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            comment = connection.scalar(
                text("SELECT obj_description('public'::regnamespace, 'pg_namespace')")
            )
    finally:
        engine.dispose()
    try:
        found = json.loads(comment) if comment else None
    except ValueError:
        found = None
    if not isinstance(found, dict) or found.get("bench") != "academy":
        found = None
    started = perf_counter()
    name = make_url(url).database
    if not fresh and reusable(found, wanted | {"bench": "academy"}):
        log(f"PostgreSQL: reusing database {name} (generated {found['anchor']})")
        reused = True
        anchor = date.fromisoformat(found["anchor"])
    else:
        log(f"PostgreSQL: generating {offerings:,} published offerings into {name} ...")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        anchor = today()
        _generate(url, offerings, anchor, log)
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            log("PostgreSQL: VACUUM ANALYZE ...")
            connection.execute(text("VACUUM ANALYZE"))
            marker = json.dumps(wanted | {"anchor": anchor.isoformat(), "bench": "academy"})
            quoted = marker.replace("'", "''")
            connection.exec_driver_sql(f"COMMENT ON SCHEMA public IS '{quoted}'")
        engine.dispose()
        reused = False
    seconds = perf_counter() - started
    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.scalar(text("SHOW server_version")).split(" ")[0]
    engine.dispose()
    return Prepared(url, "PostgreSQL", reused, seconds, anchor, count_rows(url), version)


def sqlalchemy_postgres_url(url: str) -> str:
    """postgres:// and postgresql:// URLs get the psycopg 3 driver."""
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)


def _generate(url: str, offerings: int, anchor: date, log: Log) -> None:
    """Migrate an empty database to head, then bulk-insert the catalogue and the learners.

    Rows are composed and inserted one batch at a time, so memory stays at one
    batch's worth whatever the size.
    """
    from flask_migrate import upgrade

    app = create_app(bench_settings(url))
    with app.app_context():
        started = perf_counter()
        upgrade()
        postgres = db.engine.dialect.name == "postgresql"
        if postgres:
            # No triggers while loading: psycopg sends a batch as one INSERT a row, and each
            # would bump catalogue_state's one row again, a million times in one
            # transaction, every update slower than the last (the load never ended).
            # Foreign keys are checked by triggers too: the generator's ids are right by
            # construction. The version is bumped once at the end.
            db.session.execute(text("SET session_replication_role = replica"))
        counts = dict.fromkeys(("offerings", "sessions", "tags"), 0)
        names: dict[int, str] = {}
        drawn: list[tuple[int, str, str]] = []  # offerings that learners' entries come from
        for rows in catalogue_batches(offerings, anchor):
            if rows.providers:
                names = {p["id"]: p["name"] for p in rows.providers}
                public = [{k: v for k, v in p.items() if k[0] != "_"} for p in rows.providers]
                db.session.execute(insert(Provider), public)
            for model, batch in (
                (Offering, rows.offerings),
                (OfferingSession, rows.sessions),
                (OfferingTag, rows.tags),
            ):
                if batch:
                    db.session.execute(insert(model), batch)
            counts["offerings"] += len(rows.offerings)
            counts["sessions"] += len(rows.sessions)
            counts["tags"] += len(rows.tags)
            drawn += [
                (o["id"], o["title"][:200], names[o["provider_id"]])
                for o in rows.offerings
                if o["status"] == "published" and o["id"] % 20 == 0
            ]
        db.session.commit()
        log(
            f"  {counts['offerings']:,} offerings, {counts['sessions']:,} sessions, "
            f"{counts['tags']:,} tags in {perf_counter() - started:.1f} s"
        )
        learners = learners_for(offerings)
        users = entries = 0
        for rows in learner_batches(learners, ENTRIES_EACH, drawn, anchor):
            db.session.execute(insert(User), rows.users)
            for start in range(0, len(rows.entries), BATCH):
                db.session.execute(insert(PortfolioEntry), rows.entries[start : start + BATCH])
            users += len(rows.users)
            entries += len(rows.entries)
        db.session.commit()
        log(
            f"  {users:,} learners with {entries:,} entries; "
            f"{perf_counter() - started:.1f} s in all"
        )
        if postgres:
            db.session.execute(text("SET session_replication_role = DEFAULT"))
            db.session.execute(text("UPDATE catalogue_state SET version = version + 1"))
            for table in ("providers", "offerings", "offering_sessions", "users"):
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            db.session.commit()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
        db.engine.dispose()


def learners_for(published: int) -> int:
    """How many learners a catalogue of this size serves: 50,000 for 100,000 offers."""
    return published // 2


def count_rows(url: str) -> dict[str, int]:
    """How many rows of each kind the database holds."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:

            def count(model, *where) -> int:
                return connection.scalar(select(func.count()).select_from(model).where(*where))

            return {
                "providers": count(Provider),
                "published": count(Offering, Offering.status == "published"),
                "unpublished": count(Offering, Offering.status != "published"),
                "sessions": count(OfferingSession),
                "tags": count(OfferingTag),
                "self_paced": count(
                    Offering, Offering.status == "published", Offering.format == "self_paced"
                ),
                "learners": count(User),
                "entries": count(PortfolioEntry),
            }
    finally:
        engine.dispose()


def fresh_database(url: str) -> str:
    """An empty database at the newest migration: a new SQLite file, or a PostgreSQL
    database's schema dropped and migrated. Returns the SQLAlchemy URL."""
    from flask_migrate import upgrade

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        url = sqlalchemy_postgres_url(url)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(bench_settings(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url
