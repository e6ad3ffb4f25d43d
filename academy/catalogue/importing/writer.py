"""Write a checked import in batches: thousands of offers in a few statements.

Does what `create_offering`, `update_offering`, `replace_sessions`,
`workflow.submit_offering` and `publish_offering` do for one offer, for many
at once: the same slugs (title, title-2 ...), the same derived regions
(`regions_of`), the same audit events and details, the same rule that editing
a published offer keeps it live. Those operations flush several times per
offer (about 9 ms each on SQLite, 45 s for 5,000 offers); here a chunk of
500 offers is gathered first and then written with a few multi-row INSERTs,
UPDATEs (UPDATE ... FROM (VALUES ...) on PostgreSQL) and DELETE ... IN, in
the caller's transaction. Never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import islice

from sqlalchemy import cast, column, false, or_, select, tuple_, update, values

from academy.catalogue.models import AuditEvent, Offering, OfferingSession, OfferingTag
from academy.catalogue.operations import (
    OFFERING_FIELDS,
    OFFERING_TAG_FIELDS,
    SESSION_FIELDS,
    record_event,
    regions_of,
)
from academy.extensions import db
from academy.text import slugify
from academy.timeutil import utcnow

CHUNK = 500
#: Beyond this many distinct slug stems, read every slug once instead of matching each.
SLUG_STEMS_PER_QUERY = 50


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Lists of at most `size` items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def allocate_slugs(titles: list[str]) -> list[str]:
    """A unique slug per title, as unique_slug would give them one after another."""
    stems = sorted({slugify(title) for title in titles})
    query = select(Offering.slug)
    if len(stems) <= SLUG_STEMS_PER_QUERY:
        query = query.where(or_(false(), *(Offering.slug.like(f"{s}%") for s in stems)))
    taken = set(db.session.scalars(query)) if stems else set()
    slugs = []
    for title in titles:
        stem = slugify(title)
        slug, number = stem, 2
        while slug in taken:
            slug, number = f"{stem}-{number}", number + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def session_key(values: dict) -> tuple:
    """A sortable key of all a session's values: equal sets of dates sort alike."""
    return (
        values["starts_on"],
        values["ends_on"],
        values.get("venue") or "",
        values.get("region") or "",
        bool(values.get("online")),
        values.get("places") if values.get("places") is not None else -1,
        values.get("booking_url") or "",
    )


def offering_changes(data: dict, existing) -> dict:
    """{name: [old, new]} for every field and tag list that differs."""
    changes = {}
    for name in OFFERING_FIELDS:
        if name != "reference" and existing.fields[name] != data[name]:
            changes[name] = [existing.fields[name], data[name]]
    for name, facet in OFFERING_TAG_FIELDS.items():
        before = existing.tags.get(facet, [])
        if sorted(before) != sorted(data[name]):
            changes[name] = [before, list(data[name])]
    return changes


def sessions_differ(wanted: list[dict], existing) -> bool:
    """Whether the file's dates differ from the offer's."""
    have = sorted(session_key(s) for s in existing.sessions)
    return have != sorted(session_key(s) for s in wanted)


def _jsonable(changes: dict) -> dict:
    """Audit details are JSON: dates become ISO strings."""
    return {
        name: [v.isoformat() if isinstance(v, date) else v for v in pair]
        for name, pair in changes.items()
    }


class _Batch:
    """The statements for one chunk of offers, gathered before any runs."""

    def __init__(self, provider_id: int, actor_id: int | None, mode: str, now):
        self.provider_id, self.actor_id, self.mode, self.now = provider_id, actor_id, mode, now
        self.new_offerings: list[dict] = []
        self.new_children: list[tuple[list[dict], list[dict], list[tuple[str, dict]]]] = []
        self.field_updates: list[dict] = []
        self.status_updates: list[dict] = []
        self.touched: list[dict] = []
        self.tags_in: list[dict] = []
        self.tags_out: list[dict] = []
        self.sessions_in: list[dict] = []
        self.sessions_changed: list[dict] = []
        self.sessions_out: list[int] = []
        self.events: list[dict] = []

    def event(self, offering_id: int, action: str, **detail) -> None:
        """An audit event, as record_event would add it."""
        self.events.append(
            {
                "at": self.now,
                "actor_id": self.actor_id,
                "action": action,
                "provider_id": self.provider_id,
                "offering_id": offering_id,
                "detail": detail,
            }
        )

    def new_status(self) -> tuple[str, list[tuple[str, dict]]]:
        """A new offer's status and the workflow events after its creation."""
        if self.mode == "submit":
            return "submitted", [("offering.submitted", {"status": ["draft", "submitted"]})]
        if self.mode == "publish":
            return "published", [("offering.published", {})]
        return "draft", []

    def add_new(self, row, slug: str) -> None:
        """A new offer, its tags, dates and events (inserted once its id is known)."""
        data = row.data
        status, steps = self.new_status()
        self.new_offerings.append(
            {
                "provider_id": self.provider_id,
                "slug": slug,
                "status": status,
                "created_at": self.now,
                "updated_at": self.now,
                "submitted_at": self.now if status == "submitted" else None,
                "published_at": self.now if status == "published" else None,
                **{name: data[name] for name in OFFERING_FIELDS},
            }
        )
        sessions = row.sessions or []
        tags = [
            {"facet": facet, "key": key}
            for name, facet in OFFERING_TAG_FIELDS.items()
            for key in dict.fromkeys(data[name])
        ]
        places = [(s["region"], s["online"]) for s in sessions]
        tags += [{"facet": "region", "key": k} for k in regions_of(places, data["format"])]
        events = [("offering.created", {})]
        if sessions:  # dates go on before any workflow step, as in the operations
            events.append(("offering.sessions_changed", {"live": False, "count": len(sessions)}))
        self.new_children.append((tags, list(sessions), events + steps))

    def add_existing(self, row) -> tuple[bool, str | None]:
        """Changes to an offer the provider has; returns (changed, workflow step taken)."""
        item = row.existing
        oid = item.id
        live = item.status == "published"
        changes = offering_changes(row.data, item) if row.data is not None else {}
        fields = {**item.fields, **(row.data or {})}
        if changes:
            self.field_updates.append(
                {"id": oid, "updated_at": self.now, **{n: fields[n] for n in OFFERING_FIELDS}}
            )
            for name, facet in OFFERING_TAG_FIELDS.items():
                if name in changes:
                    self._retag(oid, facet, item.tags.get(facet, []), row.data[name])
            self.event(oid, "offering.updated", changes=_jsonable(changes), live=live)
        sessions = item.sessions
        dates_changed = False
        if row.sessions is not None:
            have = sorted(item.sessions, key=session_key)
            wanted = sorted(row.sessions, key=session_key)
            for old, new in zip(have, wanted, strict=False):
                if session_key(old) != session_key(new):
                    self.sessions_changed.append({"id": old["id"], **new})
            self.sessions_out += [old["id"] for old in have[len(wanted) :]]
            self.sessions_in += [{"offering_id": oid, **new} for new in wanted[len(have) :]]
            dates_changed = len(have) != len(wanted) or any(
                session_key(a) != session_key(b) for a, b in zip(have, wanted, strict=False)
            )
            sessions = wanted
            if dates_changed:
                self.event(oid, "offering.sessions_changed", live=live, count=len(wanted))
        if dates_changed and not changes:
            self.touched.append({"id": oid, "updated_at": self.now})
        if dates_changed or "format" in changes:
            places = [(s["region"], s["online"]) for s in sessions]
            self._retag(
                oid, "region", item.tags.get("region", []), regions_of(places, fields["format"])
            )
        return bool(changes) or dates_changed, self._step(row, item) if row.data else None

    def _step(self, row, item) -> str | None:
        """Submit a draft, or publish, as the mode asks; others keep their status."""
        if self.mode == "submit" and item.status == "draft":
            action = "offering.resubmitted" if item.reviewer_notes else "offering.submitted"
            self.status_updates.append(
                {"id": item.id, "status": "submitted", "submitted_at": self.now}
            )
            self.event(item.id, action, status=["draft", "submitted"])
            return "submitted"
        if self.mode == "publish" and item.status != "published":
            self.status_updates.append(
                {
                    "id": item.id,
                    "status": "published",
                    "published_at": item.published_at or self.now,
                }
            )
            self.event(item.id, "offering.published")
            return "published"
        return None

    def _retag(self, oid: int, facet: str, before: list[str], after: list[str]) -> None:
        """Remove and add one facet's tags so they become `after`."""
        wanted = list(dict.fromkeys(after))
        self.tags_out += [{"o": oid, "f": facet, "k": key} for key in before if key not in wanted]
        self.tags_in += [
            {"offering_id": oid, "facet": facet, "key": key} for key in wanted if key not in before
        ]

    def run(self) -> None:
        """Every statement of the chunk, parents before children."""
        if self.new_offerings:
            made = _insert(Offering, self.new_offerings, "slug", "id")
            ids = dict(made)
            for values, (tags, sessions, events) in zip(
                self.new_offerings, self.new_children, strict=True
            ):
                oid = ids[values["slug"]]
                self.tags_in += [{"offering_id": oid, **tag} for tag in tags]
                self.sessions_in += [{"offering_id": oid, **s} for s in sessions]
                for action, detail in events:
                    self.event(oid, action, **detail)
        _update(Offering, self.field_updates)
        _update(Offering, self.touched)
        _update(Offering, self.status_updates)
        tags = OfferingTag.__table__
        for rows in batched(self.tags_out, 1000):
            key = tuple_(tags.c.offering_id, tags.c.facet, tags.c.key)
            db.session.execute(
                tags.delete().where(key.in_([(r["o"], r["f"], r["k"]) for r in rows]))
            )
        _insert(OfferingTag, self.tags_in, "offering_id")
        sessions = OfferingSession.__table__
        for ids in batched(self.sessions_out, 1000):
            db.session.execute(sessions.delete().where(sessions.c.id.in_(ids)))
        _update(OfferingSession, self.sessions_changed)
        names = ("offering_id", *SESSION_FIELDS)
        _insert(
            OfferingSession,
            [{n: s.get(n) for n in names} for s in self.sessions_in],
            "id",
        )
        _insert(AuditEvent, self.events, "id")


def _insert(model, rows: list[dict], *returning: str) -> list:
    """Insert rows in multi-row statements; returns the `returning` columns of each.

    Asking for RETURNING makes SQLAlchemy send batches of rows per statement
    ("insertmanyvalues") on every database. Without it, psycopg sends one
    statement per row, and PostgreSQL runs the catalogue-version trigger (a
    statement trigger) once for each, all updating the same row in one
    transaction, which grows slower with every row. The table's own insert
    (not the ORM's bulk insert) skips per-row bookkeeping nothing here needs.
    """
    if not rows:
        return []
    table = model.__table__
    statement = table.insert().returning(*(table.c[name] for name in returning))
    return db.session.execute(statement, rows).all()


def _update(model, rows: list[dict]) -> None:
    """Update rows by id, each with its own values (every dict with the same keys).

    PostgreSQL gets one UPDATE ... FROM (VALUES ...) per batch, for the reason
    `_insert` gives; SQLite, whose triggers run per row anyway, gets executemany.
    """
    if not rows:
        return
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(update(model), rows)
        return
    table = model.__table__
    names = list(rows[0])
    for chunk in batched(rows, 500):
        given = values(*(column(n, table.c[n].type) for n in names), name="given").data(
            [tuple(row[n] for n in names) for row in chunk]
        )
        changes = {n: cast(given.c[n], table.c[n].type) for n in names if n != "id"}
        db.session.execute(update(table).where(table.c.id == given.c.id).values(changes))


def write_rows(provider, preview, *, actor, mode: str, progress: Callable[[int], None] | None):
    """Write every offer of a clean preview, a chunk at a time; returns counts."""
    now = utcnow()
    actor_id = actor.id if actor is not None else None
    rows = [row for row in preview.rows if row.action in ("new", "update", "unchanged")]
    new_rows = [row for row in rows if row.existing is None]
    slugs = iter(allocate_slugs([row.data["title"] for row in new_rows]))
    counts = dict.fromkeys(("created", "updated", "unchanged", "submitted", "published"), 0)
    with db.session.no_autoflush:
        for chunk in batched(rows, CHUNK):
            batch = _Batch(provider.id, actor_id, mode, now)
            for row in chunk:
                if row.existing is None:
                    batch.add_new(row, next(slugs))
                    counts["created"] += 1
                    if mode in ("submit", "publish"):
                        counts["submitted" if mode == "submit" else "published"] += 1
                    continue
                changed, step = batch.add_existing(row)
                counts["updated" if changed else "unchanged"] += 1
                if step:
                    counts[step] += 1
            batch.run()
            if progress is not None:
                progress(len(chunk))
    record_event(
        "provider.imported",
        actor=actor,
        provider=provider,
        file=preview.filename,
        mode=mode,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
    )
    db.session.flush()
    return counts
