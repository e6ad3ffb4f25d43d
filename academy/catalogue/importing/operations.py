"""Importing a provider's offerings from a spreadsheet: reading, the preview, writing.

`preview_import` reads an uploaded .xlsx or .csv (through the generic
`academy.spreadsheets` machinery), checks every row and compares it with the
provider's offers of the same `reference`, so each row is new, update,
unchanged or error, with every problem named by sheet, row and column.
Nothing is written. `apply_import` writes a clean preview in the caller's
transaction and never commits.

Dates: an offer with rows on the Sessions sheet gets exactly those dates; an
offer with none there keeps the dates it has (a new one is self-paced).
The sheets' columns and the template are in `import_columns`; reading the
file in `import_reading`; the batch writing in `import_writer`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from academy.catalogue.importing.reading import ParsedImport, read_import
from academy.catalogue.importing.writer import (
    batched,
    offering_changes,
    sessions_differ,
    write_rows,
)
from academy.catalogue.models import Offering, OfferingSession, OfferingTag
from academy.catalogue.operations import OFFERING_FIELDS, OFFERING_TAG_FIELDS, SESSION_FIELDS
from academy.extensions import db
from academy.spreadsheets import (
    Findings,
    Limits,
    Problem,
)

MODES = ("draft", "submit", "publish")
ACTIONS = ("new", "update", "unchanged", "error")
#: How a changed field is named to the provider: by its column in the file.
CHANGE_NAMES = {"cost_pence": "cost_gbp", "sessions": "dates"}


# --- the preview ------------------------------------------------------------------------


@dataclass
class Existing:
    """What the provider already has under a reference, as plain values."""

    id: int
    status: str
    reviewer_notes: str | None
    published_at: object
    fields: dict
    tags: dict[str, list[str]]
    sessions: list[dict]


@dataclass
class PreviewRow:
    """One offer of the import and what confirming will do to it."""

    sheet: str
    row: int
    reference: str
    title: str
    action: str  # new, update, unchanged or error
    changes: list[str] = field(default_factory=list)
    dates: int | None = None  # how many dates it will have; None when unknown
    dates_kept: bool = False  # whether it keeps the dates it has
    status: str | None = None  # the existing offer's status
    data: dict | None = None  # operation data; None for an offer named only on Sessions
    sessions: list[dict] | None = None  # its dates from the file; None: untouched
    existing: Existing | None = None


@dataclass
class ImportPreview(Findings):
    """Every offer of a file and every problem, before anything is written."""

    actions = ACTIONS

    provider_id: int
    filename: str
    rows: list[PreviewRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def digest(self) -> str:
        """A fingerprint of what confirming would do, to notice that it has changed."""
        shown = [(r.reference, r.action, r.changes, r.dates) for r in self.rows]
        return hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()[:32]


def preview_import(provider, data: bytes, filename: str, *, limits: Limits | None = None):
    """Read a file and compare it with the provider's offers; writes nothing."""
    return check_import(provider, read_import(data, filename, limits=limits))


def check_import(provider, parsed: ParsedImport) -> ImportPreview:
    """Compare a read file with the provider's offers: each offer new, update, same or error."""
    preview = ImportPreview(provider.id, parsed.filename, problems=list(parsed.problems))
    if preview.file_errors:
        return preview
    existing = load_existing(provider.id, set(parsed.offers) | set(parsed.dates))
    _unknown_references(parsed, existing, preview.problems)
    preview.rows = _classify(parsed, existing)
    return preview


def _unknown_references(parsed: ParsedImport, existing, problems: list[Problem]) -> None:
    """Dates for a reference in neither the file nor the provider's catalogue are errors."""
    offers = parsed.offers
    known = {key.casefold(): key for key in (*offers, *existing) if not key.startswith("\0")}
    for ref, rows in parsed.dates.items():
        if ref in offers or ref in existing:
            continue
        near = known.get(ref.casefold())
        hint = f" Did you mean “{near}”? References must match exactly." if near else ""
        message = f"There is no offer “{ref}” on the {parsed.sheet} sheet or among your offers."
        for row in rows:
            problems.append(Problem(message + hint, parsed.dates_sheet, row.number, "reference"))


def load_existing(provider_id: int, references: set[str]) -> dict[str, Existing]:
    """The provider's offers with these references, with their tags and dates, as values."""
    references = {r for r in references if not r.startswith("\0")}
    found: dict[str, Existing] = {}
    by_id: dict[int, Existing] = {}
    columns = [getattr(Offering, name) for name in OFFERING_FIELDS]
    for chunk in batched(sorted(references), 2000):
        query = select(
            Offering.id, Offering.status, Offering.reviewer_notes, Offering.published_at, *columns
        ).where(Offering.provider_id == provider_id, Offering.reference.in_(chunk))
        for row in db.session.execute(query):
            fields = dict(zip(OFFERING_FIELDS, row[4:], strict=True))
            item = Existing(
                row.id,
                row.status,
                row.reviewer_notes,
                row.published_at,
                fields,
                defaultdict(list),
                [],
            )
            found[fields["reference"]] = by_id[row.id] = item
    for chunk in batched(sorted(by_id), 2000):
        tags = (
            select(OfferingTag.offering_id, OfferingTag.facet, OfferingTag.key)
            .where(OfferingTag.offering_id.in_(chunk))
            .order_by(OfferingTag.key)
        )
        for offering_id, facet, key in db.session.execute(tags):
            by_id[offering_id].tags[facet].append(key)
        columns = [getattr(OfferingSession, name) for name in SESSION_FIELDS]
        sessions = select(OfferingSession.offering_id, OfferingSession.id, *columns).where(
            OfferingSession.offering_id.in_(chunk)
        )
        for row in db.session.execute(sessions):
            values = dict(zip(SESSION_FIELDS, row[2:], strict=True))
            by_id[row.offering_id].sessions.append({"id": row.id, **values})
    return found


def _session_values(parsed) -> dict:
    """A Sessions row as the operations take a session."""
    values = parsed.values
    return {
        name: values[name] if values[name] is not None or name != "venue" else ""
        for name in SESSION_FIELDS
    }


def _kept(existing: Existing, name: str):
    """What an offer already has for a field (or a list of tags)."""
    if name in OFFERING_TAG_FIELDS:
        return list(existing.tags.get(OFFERING_TAG_FIELDS[name], []))
    return existing.fields[name]


def _classify(parsed: ParsedImport, existing: dict[str, Existing]) -> list[PreviewRow]:
    """One PreviewRow per offer: new, update, unchanged or error."""
    offers, dates, sheet = parsed.offers, parsed.dates, parsed.sheet
    failed_dates = {ref for ref, rows in dates.items() if any(r.problems for r in rows)}
    rows = []
    for key, offer in offers.items():
        ref = offer.values["reference"] or ""
        sessions = [_session_values(p) for p in dates.get(ref, [])] if ref in dates else None
        row = PreviewRow(sheet, offer.number, ref, offer.values["title"] or "", "error")
        rows.append(row)
        row.existing = existing.get(key)
        row.status = row.existing.status if row.existing else None
        row.dates = (
            len(sessions)
            if sessions is not None
            else (len(row.existing.sessions) if row.existing else 0)
        )
        row.dates_kept = sessions is None and row.existing is not None
        if offer.problems or ref in failed_dates:
            continue
        row.data = {name: offer.values[name] for name in (*OFFERING_FIELDS, *OFFERING_TAG_FIELDS)}
        row.sessions = sessions
        if row.existing is None:
            row.action = "new"
            continue
        for name in parsed.absent:
            row.data[name] = _kept(row.existing, name)
        changed = list(offering_changes(row.data, row.existing))
        if sessions is not None and sessions_differ(sessions, row.existing):
            changed.append("sessions")
        row.changes = [CHANGE_NAMES.get(name, name) for name in changed]
        row.action = "update" if changed else "unchanged"
    for ref, parsed_rows in dates.items():
        if ref in offers or ref not in existing:
            continue
        item = existing[ref]
        first = parsed_rows[0]
        row = PreviewRow(
            parsed.dates_sheet,
            first.number,
            ref,
            item.fields["title"],
            "error",
            status=item.status,
            existing=item,
            dates=len(parsed_rows),
        )
        rows.append(row)
        if ref in failed_dates:
            continue
        row.sessions = [_session_values(p) for p in parsed_rows]
        row.action = "update" if sessions_differ(row.sessions, item) else "unchanged"
        row.changes = ["dates"] if row.action == "update" else []
    return rows


# --- writing ------------------------------------------------------------------------------


def apply_import(
    provider,
    preview: ImportPreview,
    *,
    actor=None,
    mode: str = "draft",
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write a preview without errors in the caller's transaction; returns counts. No commit."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if preview.has_errors or preview.provider_id != provider.id:
        raise ValueError("only a preview of this provider's file without errors can be applied")
    return write_rows(provider, preview, actor=actor, mode=mode, progress=progress)
