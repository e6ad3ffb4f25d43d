"""A learner's portfolio as a JSON record, each entry also an Open Badges 3.0 credential.

The schema is documented in the README ("The JSON record"). Every text value
is neutralised as in the spreadsheet exports (`exports.neutralise`).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import NAMESPACE_URL, uuid5

from flask import url_for

from academy.accounts.models import User
from academy.escalator.position import Position
from academy.portfolios.models import PortfolioEntry
from academy.portfolios.records.exports import hours_text, offering_url
from academy.portfolios.summary import Summary
from academy.reference import Reference, reference
from academy.spreadsheets.formulas import neutralise, neutralise_all
from academy.timeutil import iso_utc, utcnow

#: Bumped when a field of the JSON record changes meaning or goes away (adding one does not).
SCHEMA_VERSION = 1
OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
SELF_REPORTED_NOTICE = (
    "Self-reported: every entry was recorded by the learner and has not been checked by the "
    "Academy; an entry whose confirmation is not null was confirmed by the provider that ran "
    "it. The verification code in record.verification checks the whole file. The Open Badges "
    "3.0 credentials below are unsigned (no proof), "
    "so they are not verifiable credentials; they give each activity in that shape so other "
    "systems can read it."
)
NEUTRALISED_NOTICE = (
    "A text value beginning with =, +, -, @, a tab or a carriage return (after any quotes) has "
    "one ' added in front, so no spreadsheet runs it as a formula. To get the original text, "
    "remove one leading ' from a value that starts with quotes followed by one of those."
)


def _urn(*parts: object) -> str:
    """A stable urn:uuid for something the Academy names by a URL-like path."""
    return f"urn:uuid:{uuid5(NAMESPACE_URL, '/'.join(str(part) for part in parts))}"


def portfolio_record(
    user: User, entries: Sequence[PortfolioEntry], summary: Summary, position: Position
) -> dict:
    """The whole portfolio as JSON-ready data, in the schema documented in the README."""
    ref = reference()
    site = url_for("escalator.home", _external=True)
    learner_id = _urn(site, "learners", user.id)
    record = neutralise_all(
        {
            "schema": "relational-learning-academy/portfolio-record",
            "schema_version": SCHEMA_VERSION,
            "generated_at": iso_utc(utcnow()),
            "generator": {"name": "Relational Learning Academy", "url": site},
            "self_reported": True,
            "signed": False,
            "notice": SELF_REPORTED_NOTICE,
            "text_neutralised": NEUTRALISED_NOTICE,
            "learner": learner_record(user, ref),
            "summary": summary_record(summary, ref),
            "position": position_record(position),
        }
    )
    # Entries are many: their text is neutralised field by field as they are built.
    builder = EntryRecords(ref, site=site, learner_id=learner_id, learner_name=user.name)
    record["entries"] = [builder.entry(entry) for entry in entries]
    return record


def learner_record(user: User, ref: Reference) -> dict:
    """Who the portfolio belongs to: name, email and profile, keys with their labels."""
    return {
        "name": user.name,
        "email": user.email,
        "profession": user.profession,
        "profession_label": ref.audiences.label(user.profession) or None,
        "sector": user.sector,
        "sector_label": ref.sectors.label(user.sector) or None,
        "region": user.region,
        "region_label": ref.regions.label(user.region) or None,
        "self_assessed_level": user.self_assessed_level,
        "self_assessed_level_label": ref.escalator.label(user.self_assessed_level) or None,
    }


def summary_record(summary: Summary, ref: Reference) -> dict:
    """The figures; breakdowns as lists, since a level or format may be null."""
    return {
        "entries": summary.entries,
        "hours": round(summary.hours, 2),
        "participatory_hours": round(summary.participatory_hours, 2),
        "co_delivered_hours": round(summary.co_delivered_hours, 2),
        "co_delivered_share": round(summary.co_delivered_share, 4),
        "reflections": summary.reflections,
        "by_level": [
            {
                "level": key,
                "label": ref.escalator.label(key) if key else "Not sure",
                "hours": round(h, 2),
            }
            for key, h in summary.by_level.items()
        ],
        "by_year": [{"year": year, "hours": round(h, 2)} for year, h in summary.by_year.items()],
        "by_format": [
            {
                "format": key,
                "label": ref.formats.label(key) if key else "Not given",
                "hours": round(h, 2),
            }
            for key, h in summary.by_format.items()
        ],
    }


def position_record(position: Position) -> dict:
    """Where the entries put the learner on the escalator, and every step's check."""
    return {
        "level": position.level.key,
        "name": position.level.name,
        "explanation": position.explanation,
        "checks": [
            {
                "level": check.level.key,
                "name": check.level.name,
                "hours": round(check.hours, 2),
                "needed": check.needed,
                "met": check.met,
            }
            for check in position.checks
        ],
    }


def confirmation_record(entry) -> dict | None:
    """Whether the provider confirmed the learner took part: who and when, or None."""
    if entry.confirmation_status != "confirmed":
        return None
    return {
        "status": "confirmed",
        "provider": neutralise(getattr(entry, "confirmed_by", None) or ""),
        "confirmed_at": iso_utc(entry.confirmation_decided_at),
    }


class EntryRecords:
    """Builds entry records, each with its Open Badges 3.0 credential.

    What many entries share (labels, escalator and catalogue URLs, providers'
    profiles) is worked out once; every text value is neutralised.
    """

    def __init__(self, ref: Reference, *, site: str, learner_id: str, learner_name: str):
        self.ref = ref
        self.site = site
        self.learner_id = learner_id
        self.issuer = {"id": learner_id, "type": ["Profile"], "name": neutralise(learner_name)}
        # Entry URLs differ only in the id at the end: build one, then swap the id.
        self.entry_url_base = url_for("portfolio.entry", entry_id=0, _external=True)[:-1]
        self._labels: dict[tuple[str, str | None], str | None] = {}
        self._alignments: dict[str, list] = {}
        self._offerings: dict[int, dict] = {}
        self._creators: dict[str, dict] = {}

    def label(self, vocabulary: str, key: str | None) -> str | None:
        """A key's label, neutralised; "Not sure" for no level, None for other blanks."""
        found = self._labels.get((vocabulary, key), self)
        if found is self:
            if vocabulary == "escalator":
                found = self.ref.escalator.label(key) if key else "Not sure"
            else:
                found = getattr(self.ref, vocabulary).label(key) or None
            found = self._labels[(vocabulary, key)] = found and neutralise(found)
        return found

    def offering(self, entry: PortfolioEntry) -> dict | None:
        """The catalogue offer an entry was recorded from: slug and public URL."""
        if entry.offering_slug is None:
            return None
        found = self._offerings.get(entry.offering_slug)
        if found is None:
            found = self._offerings[entry.offering_slug] = {
                "slug": entry.offering_slug,
                "url": offering_url(entry),
            }
        return found

    def entry(self, entry: PortfolioEntry) -> dict:
        """One entry: every field, keys with their labels, and its credential."""
        entry_url = f"{self.entry_url_base}{entry.id}"
        created_at = iso_utc(entry.created_at)
        return {
            "id": entry.id,
            "url": entry_url,
            "title": neutralise(entry.title),
            "provider_name": neutralise(entry.provider_name),
            "activity_type": entry.activity_type,
            "activity_type_label": self.label("activity_types", entry.activity_type),
            "starts_on": entry.starts_on.isoformat(),
            "ends_on": entry.ends_on.isoformat(),
            "hours": float(entry.hours),
            "participatory_hours": float(entry.participatory_hours),
            "level": entry.level,
            "level_label": self.label("escalator", entry.level),
            "format": entry.format,
            "format_label": self.label("formats", entry.format),
            "co_delivered": entry.co_delivered,
            "co_designed": entry.co_designed,
            "description": neutralise(entry.description),
            "learning": neutralise(entry.learning),
            "practice_change": neutralise(entry.practice_change),
            "peer_discussion": neutralise(entry.peer_discussion),
            "standards_link": neutralise(entry.standards_link),
            "evidence": neutralise(entry.evidence),
            "has_reflection": entry.has_reflection,
            "offering": self.offering(entry),
            "session_id": entry.session_id,
            "confirmation": confirmation_record(entry),
            "created_at": created_at,
            "updated_at": iso_utc(entry.updated_at),
            "open_badge": self.open_badge(entry, entry_url, created_at),
        }

    def open_badge(self, entry: PortfolioEntry, entry_url: str, created_at: str) -> dict:
        """The entry as an unsigned Open Badges 3.0 OpenBadgeCredential, issued by the learner."""
        activity = (self.ref.activity_types.label(entry.activity_type) or "activity").lower()
        achievement = {
            "id": f"{entry_url}#achievement",
            "type": ["Achievement"],
            "achievementType": "ext:CPDActivity",
            "name": neutralise(entry.title),
            "description": neutralise(entry.description or entry.title),
            "criteria": {
                "narrative": (
                    f"Self-reported by the learner: took part in this {activity} for "
                    f"{hours_text(float(entry.hours))} hours "
                    f"({hours_text(float(entry.participatory_hours))} learning with others), "
                    f"{entry.starts_on.isoformat()} to {entry.ends_on.isoformat()}."
                )
            },
        }
        if entry.provider_name:
            achievement["creator"] = self.creator(entry.provider_name)
        if entry.level:
            achievement["alignment"] = self.alignment(entry.level)
        credential = {
            "@context": OB3_CONTEXT,
            "id": f"{entry_url}#credential",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": neutralise(entry.title),
            "issuer": self.issuer,
            "validFrom": created_at,
            "credentialSubject": {
                "id": self.learner_id,
                "type": ["AchievementSubject"],
                "activityStartDate": entry.starts_on.isoformat(),
                "activityEndDate": entry.ends_on.isoformat(),
                "creditsEarned": float(entry.hours),
                "achievement": achievement,
            },
        }
        evidence = self.evidence(entry)
        if evidence:
            credential["evidence"] = evidence
        return credential

    def creator(self, provider_name: str) -> dict:
        """The provider as an Open Badges Profile (named by the learner, so an urn:uuid id)."""
        found = self._creators.get(provider_name)
        if found is None:
            found = self._creators[provider_name] = {
                "id": _urn(self.site, "providers", provider_name),
                "type": ["Profile"],
                "name": neutralise(provider_name),
            }
        return found

    def alignment(self, level: str) -> list:
        """The entry's step of the escalator as an Open Badges Alignment."""
        found = self._alignments.get(level)
        if found is None:
            found = self._alignments[level] = [
                {
                    "type": ["Alignment"],
                    "targetName": self.label("escalator", level),
                    "targetUrl": url_for("escalator.level", level_key=level, _external=True),
                    "targetFramework": "Relational Learning Academy training escalator",
                    "targetType": "ext:EscalatorLevel",
                    "targetCode": level,
                }
            ]
        return found

    @staticmethod
    def evidence(entry: PortfolioEntry) -> list[dict]:
        """Where the evidence is, and the reflection, as Open Badges Evidence."""
        evidence = []
        if entry.evidence.strip():
            evidence.append(
                {"type": ["Evidence"], "name": "Evidence", "narrative": neutralise(entry.evidence)}
            )
        if entry.has_reflection:
            parts = [
                f"{label}: {text.strip()}"
                for label, text in (
                    ("What I learnt", entry.learning),
                    ("How my practice changed", entry.practice_change),
                )
                if text.strip()
            ]
            evidence.append(
                {"type": ["Evidence"], "name": "Reflection", "narrative": "\n\n".join(parts)}
            )
        return evidence
