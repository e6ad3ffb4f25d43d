"""A learner's portfolio as a spreadsheet (.xlsx), a CSV file and a JSON record.

The Activities columns are data (`ACTIVITY_COLUMNS`, a tuple of `Column`), so a
record profile (NMC, HCPC...) can later pass its own list, headers and wording
without touching the writers.

Formula injection: a text value that a spreadsheet could read as a formula
(one beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
written with a ``'`` in front, in every export, JSON included (see `neutralise`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from uuid import NAMESPACE_URL, uuid5

from flask import Response, url_for
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from academy.accounts.models import User
from academy.escalator.position import Position
from academy.portfolios.models import PortfolioEntry
from academy.portfolios.queries import entry_rows
from academy.portfolios.summary import Summary
from academy.reference import Reference, reference
from academy.timeutil import utcnow

#: Bumped when a field of the JSON record changes meaning or goes away (adding one does not).
SCHEMA_VERSION = 1
#: Characters that make a spreadsheet treat a cell as a formula (OWASP's CSV-injection list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Any number of quotes, then a trigger: such values get one more quote, so the rule can be undone.
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_FIRST_CHARACTERS = frozenset("'=+-@\t\r")
OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
SELF_REPORTED_NOTICE = (
    "Self-reported: every entry was recorded by the learner and has not been checked by the "
    "Academy or by the provider. The Open Badges 3.0 credentials below are unsigned (no proof), "
    "so they are not verifiable credentials; they give each activity in that shape so other "
    "systems can read it."
)
NEUTRALISED_NOTICE = (
    "A text value beginning with =, +, -, @, a tab or a carriage return (after any quotes) has "
    "one ' added in front, so no spreadsheet runs it as a formula. To get the original text, "
    "remove one leading ' from a value that starts with quotes followed by one of those."
)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: str) -> str:
    """A text value a spreadsheet will show as text, never run as a formula.

    OWASP's advice for CSV injection: put a single quote before a value that
    starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return. We add
    the quote rather than strip or escape characters, so nothing the learner
    wrote is lost and the quote shows that something was done. Values that
    already start with quotes followed by one of those get one more quote too,
    so the rule can be undone exactly: take one quote off any value that
    starts with one or more quotes and then one of those characters.
    """
    if value and value[0] in _FIRST_CHARACTERS and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def neutralise_all(data):
    """Neutralise every text value (not the keys) in JSON-like data: dicts, lists, strings."""
    if isinstance(data, str):
        return neutralise(data)
    if isinstance(data, dict):
        return {key: neutralise_all(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [neutralise_all(value) for value in data]
    return data


# --- the columns ----------------------------------------------------------------------

Getter = Callable[[PortfolioEntry, Reference], object]


@dataclass(frozen=True)
class Column:
    """One column of a CPD log: its header, how to get its value, and how to show it."""

    header: str
    value: Getter
    width: float = 16
    wrap: bool = False
    total: bool = False


def offering_url(entry: PortfolioEntry) -> str:
    """The catalogue page of the offer an entry was recorded from, or an empty string."""
    if entry.offering_slug is None:
        return ""
    return url_for("catalogue.offering", slug=entry.offering_slug, _external=True)


def _level(entry: PortfolioEntry, ref: Reference) -> str:
    return ref.escalator.label(entry.level) if entry.level else "Not sure"


#: The Activities sheet and the CSV: one row per entry, in the combined CPD log's order.
ACTIVITY_COLUMNS: tuple[Column, ...] = (
    Column("Title", lambda e, ref: e.title, 36, wrap=True),
    Column("Provider", lambda e, ref: e.provider_name, 24, wrap=True),
    Column("Type of activity", lambda e, ref: ref.activity_types.label(e.activity_type), 20),
    Column("Start date", lambda e, ref: e.starts_on, 12),
    Column("End date", lambda e, ref: e.ends_on, 12),
    Column("Hours", lambda e, ref: float(e.hours), 9, total=True),
    Column("Participatory hours", lambda e, ref: float(e.participatory_hours), 12, total=True),
    Column("Level", _level, 22),
    Column("Format", lambda e, ref: ref.formats.label(e.format), 24),
    Column("Co-delivered", lambda e, ref: e.co_delivered, 12),
    Column("Co-designed", lambda e, ref: e.co_designed, 12),
    Column("What it was and why it is relevant", lambda e, ref: e.description, 48, wrap=True),
    Column("What I learnt", lambda e, ref: e.learning, 48, wrap=True),
    Column("How my practice changed", lambda e, ref: e.practice_change, 48, wrap=True),
    Column("Peer discussion", lambda e, ref: e.peer_discussion, 40, wrap=True),
    Column("Link to professional standards", lambda e, ref: e.standards_link, 40, wrap=True),
    Column("Evidence", lambda e, ref: e.evidence, 30, wrap=True),
    Column("Catalogue page", lambda e, ref: offering_url(e), 40),
)

#: The Reflections sheet: one row per entry with any reflective writing.
REFLECTION_COLUMNS: tuple[Column, ...] = (
    Column("Title", lambda e, ref: e.title, 36, wrap=True),
    Column("Start date", lambda e, ref: e.starts_on, 12),
    Column("End date", lambda e, ref: e.ends_on, 12),
    Column("What I learnt", lambda e, ref: e.learning, 60, wrap=True),
    Column("How my practice changed", lambda e, ref: e.practice_change, 60, wrap=True),
    Column("Peer discussion", lambda e, ref: e.peer_discussion, 48, wrap=True),
    Column("Link to professional standards", lambda e, ref: e.standards_link, 48, wrap=True),
)


def has_reflective_writing(entry: PortfolioEntry) -> bool:
    """Whether an entry has anything for the Reflections sheet."""
    return entry.has_reflection or bool(
        entry.peer_discussion.strip() or entry.standards_link.strip()
    )


def download(body: bytes, mimetype: str, filename: str) -> Response:
    """A private file download that no browser or proxy keeps a copy of."""
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def entries_for_export(user: User) -> list:
    """Every entry of a learner, newest first, as light rows (`queries.entry_rows`)."""
    return entry_rows(user)


def _hours_text(hours: float) -> str:
    """19.5, 3 or 0.25: at most two decimals, no trailing zeros."""
    return f"{hours:.2f}".rstrip("0").rstrip(".")


# --- CSV --------------------------------------------------------------------------------


def csv_text(value) -> str:
    """A value as CSV text: ISO dates, plain numbers, Yes/No, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return _hours_text(value)
    return neutralise(str(value))


def portfolio_csv(
    entries: Iterable[PortfolioEntry], columns: Sequence[Column] = ACTIVITY_COLUMNS
) -> str:
    """The Activities as CSV, starting with a byte-order mark so Excel reads it as UTF-8."""
    ref = reference()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([neutralise(column.header) for column in columns])
    for entry in entries:
        writer.writerow([csv_text(column.value(entry, ref)) for column in columns])
    return out.getvalue()


# --- xlsx -------------------------------------------------------------------------------

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
HOURS_FORMAT = "0.##"


class _Sheet:
    """A write-only worksheet with a few helpers for styled cells."""

    def __init__(self, workbook: Workbook, title: str, widths: Sequence[float]):
        self.ws = workbook.create_sheet(title)
        # Widths and the frozen pane must be set before the first row is written.
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self._styles: dict[tuple, StyleArray] = {}

    def cell(self, value, *, bold: bool = False, wrap: bool = False, number_format=None):
        """A cell value: text neutralised and cleaned of characters XML cannot hold, styled.

        Plain text and numbers go in as values; a cell with a style is built from
        a copy of a style made once per sheet, because openpyxl's per-cell style
        setters cost more than everything else in a big export.
        """
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        elif isinstance(value, str):
            value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)) if value else None
        elif isinstance(value, datetime):
            number_format = number_format or DATETIME_FORMAT
        elif isinstance(value, date):
            number_format = number_format or DATE_FORMAT
        if value is None or not (bold or wrap or number_format):
            return value
        key = (bold, wrap, number_format)
        style = self._styles.get(key)
        if style is None:
            cell = WriteOnlyCell(self.ws)
            if bold:
                cell.font = BOLD
            if wrap:
                cell.alignment = WRAP
            if number_format:
                cell.number_format = number_format
            style = self._styles[key] = copy(cell._style)
        cell = Cell(self.ws, row=1, column=1, style_array=copy(style))  # as WriteOnlyCell does
        cell.value = value
        return cell

    def row(self, *values, bold: bool = False) -> None:
        """Append a row of plain values (bold for headings)."""
        self.ws.append([self.cell(value, bold=bold) for value in values])

    def figure(self, label, number: float, number_format=HOURS_FORMAT, *, bold=False) -> None:
        """Append a label and a number shown with a format (hours unless told)."""
        self.ws.append(
            [
                self.cell(label, bold=bold),
                self.cell(number, bold=bold, number_format=number_format),
            ]
        )

    def blank(self) -> None:
        """Append an empty row."""
        self.ws.append([])


def portfolio_xlsx(
    user: User,
    entries: Sequence[PortfolioEntry],
    summary: Summary,
    position: Position,
    columns: Sequence[Column] = ACTIVITY_COLUMNS,
    reflection_columns: Sequence[Column] = REFLECTION_COLUMNS,
) -> bytes:
    """The portfolio as a workbook: Summary, Activities and Reflections sheets."""
    ref = reference()
    workbook = Workbook(write_only=True)
    _summary_sheet(workbook, user, summary, position, ref)
    _entries_sheet(workbook, "Activities", entries, columns, ref, totals=True)
    reflective = [entry for entry in entries if has_reflective_writing(entry)]
    _entries_sheet(workbook, "Reflections", reflective, reflection_columns, ref, totals=False)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _summary_sheet(
    workbook: Workbook, user: User, summary: Summary, position: Position, ref: Reference
) -> None:
    sheet = _Sheet(workbook, "Summary", (34, 60))
    sheet.row("Portfolio record", bold=True)
    sheet.row("Learner", user.name)
    sheet.row("Generated (UTC)", utcnow().replace(microsecond=0))
    sheet.row("Self-reported", "Recorded by the learner; not checked by the Academy.")
    sheet.blank()
    sheet.row("Figure", "Value", bold=True)
    sheet.row("Activities", summary.entries)
    sheet.figure("Total hours", summary.hours)
    sheet.figure("Participatory hours", summary.participatory_hours)
    sheet.figure("Co-delivered hours", summary.co_delivered_hours)
    sheet.figure("Share of hours co-delivered", round(summary.co_delivered_share, 4), "0%")
    sheet.row("Activities with reflections", summary.reflections)
    sheet.row("Where your entries put you", position.level.name)
    sheet.ws.append([sheet.cell("Why"), sheet.cell(position.explanation, wrap=True)])
    by_level = [
        (ref.escalator.label(key) if key else "Not sure", hours)
        for key, hours in summary.by_level.items()
    ]
    by_format = [
        (ref.formats.label(key) if key else "Not given", hours)
        for key, hours in summary.by_format.items()
    ]
    for heading, rows in (
        ("Level", by_level),
        ("Year", list(summary.by_year.items())),
        ("Format", by_format),
    ):
        sheet.blank()
        sheet.row(heading, "Hours", bold=True)
        for label, hours in rows:
            sheet.figure(label, hours)
        sheet.figure("Total", summary.hours, bold=True)


def _entries_sheet(
    workbook: Workbook,
    title: str,
    entries: Iterable[PortfolioEntry],
    columns: Sequence[Column],
    ref: Reference,
    *,
    totals: bool,
) -> None:
    sheet = _Sheet(workbook, title, [column.width for column in columns])
    sheet.ws.freeze_panes = "A2"
    sheet.row(*(column.header for column in columns), bold=True)
    sums = [0.0] * len(columns)
    count = 0
    for entry in entries:
        cells = []
        for index, column in enumerate(columns):
            value = column.value(entry, ref)
            if column.total:
                sums[index] += value
                cells.append(value)
            else:
                cells.append(sheet.cell(value, wrap=column.wrap))
        sheet.ws.append(cells)
        count += 1
    if totals:
        row = [sheet.cell(f"Total ({count:,} activit{'y' if count == 1 else 'ies'})", bold=True)]
        for index, column in enumerate(columns[1:], start=1):
            row.append(
                sheet.cell(round(sums[index], 2), bold=True, number_format=HOURS_FORMAT)
                if column.total
                else None
            )
        sheet.ws.append(row)


# --- JSON ------------------------------------------------------------------------------


def iso_utc(moment: datetime | None) -> str | None:
    """A stored naive-UTC datetime as ISO 8601 with a Z."""
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds") + "Z"


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
                    f"{_hours_text(float(entry.hours))} hours "
                    f"({_hours_text(float(entry.participatory_hours))} learning with others), "
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
