"""An in-memory bitmap index of the published catalogue, for filters and facet counts.

Every published offering gets a position 0..N-1. Each facet value (a level,
a sector, "co-delivered", a provider...) is a Python int used as a bitmap
over those positions. Filtering is AND and OR of bitmaps; a facet count is
the ``bit_count()`` of a value's bitmap ANDed with the search's mask. This
is the catalogue's hot path: counting every facet of a 10,000-offer search
takes microseconds here, against tens of milliseconds of SQL.

The database still answers what only it can: full text and date ranges (as
lists of ids), and loading one page of offerings.

Each process keeps one index per app and rebuilds it when the catalogue's
version (``catalogue_state.version``, bumped by database triggers on every
write) or the date has changed: the "soonest" order depends on today.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from flask import current_app, g
from sqlalchemy import Text, case, cast, func, literal_column, select

from academy.catalogue.models import (
    CatalogueState,
    Offering,
    OfferingSession,
    OfferingTag,
    Provider,
)
from academy.extensions import db
from academy.timeutil import today

_lock = threading.Lock()


def bitmap(positions: Iterable[int], size: int) -> int:
    """An int with the given bits set, built in one pass (not one big-int OR per bit)."""
    bits = bytearray((size + 7) // 8)
    for position in positions:
        bits[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(bits, "little")


def members_of(mask: int) -> list[int]:
    """The positions of a bitmap's set bits, lowest first."""
    found = []
    for number, byte in enumerate(mask.to_bytes((mask.bit_length() + 7) // 8, "little")):
        if byte:
            base = number << 3
            found += [base + bit for bit in range(8) if byte >> bit & 1]
    return found


#: first() walks an order when it expects to find what it wants within this many positions.
WALK_LIMIT = 20_000


class Stamp(NamedTuple):
    """What an index was built from: the catalogue's version on a given day."""

    version: int | None
    on: date


@dataclass(frozen=True)
class FacetIndex:
    """Positions, bitmaps per facet value, and positions in each sort order.

    Providers are many (2,000 at national scale) and only ever filtered on, never
    counted, so each keeps its sorted positions and gets a bitmap when asked.
    """

    stamp: Stamp
    ids: Sequence[int]  # position -> offering id
    # offering id -> position, -1 for none: an array as long as the largest id (4 bytes
    # each), not a dict (100 bytes an entry, 10 MB at 100,000 offers).
    positions: Sequence[int]
    bitmaps: dict[str, dict[object, int]]  # facet -> value -> bitmap
    orders: dict[str, Sequence[int]]  # sort -> positions, first to last
    sparse: dict[str, dict[object, Sequence[int]]] = field(default_factory=dict)
    ranks: dict[str, Sequence[int]] = field(default_factory=dict)  # sort -> position -> rank
    # Answers the database gave for this catalogue (full text, dates), by question.
    memo: Memo = field(default_factory=lambda: Memo(MEMO_POSITIONS))

    @property
    def size(self) -> int:
        """How many published offerings the index holds."""
        return len(self.ids)

    @property
    def everything(self) -> int:
        """The bitmap with every published offering."""
        return (1 << self.size) - 1

    def positions_of(self, ids: Iterable[int]) -> Iterator[int]:
        """The positions of these offering ids, in their order (ids not published left out)."""
        positions = self.positions
        known = len(positions)
        for offering_id in ids:
            if 0 <= offering_id < known and (position := positions[offering_id]) >= 0:
                yield position

    def of_ids(self, ids: Iterable[int]) -> int:
        """The bitmap of some offering ids (ids not published are ignored)."""
        return bitmap(self.positions_of(ids), self.size)

    def any_of(self, facet: str, values: Iterable) -> int:
        """The offerings with any of these values in a facet."""
        bitmaps = self.bitmaps.get(facet, {})
        sparse = self.sparse.get(facet, {})
        result = 0
        for value in values:
            if value in sparse:
                result |= bitmap(sparse[value], self.size)
            else:
                result |= bitmaps.get(value, 0)
        return result

    def counts(self, facet: str, mask: int) -> dict[object, int]:
        """How many offerings in the mask hold each value of a facet."""
        bitmaps = self.bitmaps.get(facet, {})
        return {value: (bits & mask).bit_count() for value, bits in bitmaps.items()}

    def first(self, mask: int, order: str, limit: int) -> list[int]:
        """Offering ids of the first `limit` offerings of the mask in a ranked order.

        A mask with many members is found early by walking the order; one with few
        is read out and sorted by rank, rather than walked to the end.
        """
        if limit <= 0 or not mask:
            return []
        if mask.bit_count() * WALK_LIMIT >= limit * self.size:
            return self.page(mask, self.orders[order], 0, limit)
        positions = members_of(mask)
        positions.sort(key=self.ranks[order].__getitem__)
        return [self.ids[p] for p in positions[:limit]]

    def page(self, mask: int, order: Iterable[int], offset: int, limit: int) -> list[int]:
        """Offering ids of one page: positions in `order` that are in the mask."""
        members = mask.to_bytes((self.size + 7) // 8 or 1, "little")
        found: list[int] = []
        skipped = 0
        for position in order:
            if members[position >> 3] >> (position & 7) & 1:
                if skipped < offset:
                    skipped += 1
                    continue
                found.append(self.ids[position])
                if len(found) == limit:
                    break
        return found


#: The memo keeps at most this many positions in all (4 bytes each).
MEMO_POSITIONS = 1_000_000


class Memo:
    """Answers worth keeping while the catalogue stays the same: (bitmap, ranked positions).

    "trauma informed" matches nearly half the catalogue, and ranking that many
    matches is the slowest thing search asks of the database (hundreds of
    milliseconds at 100,000 offers). People ask the same common questions, and
    refine or page through the answer, so each process keeps the answers to
    recent questions until the catalogue changes (the memo lives and dies with
    its index), dropping the oldest when it holds more than `limit` positions.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self.answers: OrderedDict[tuple, tuple[int, array | None]] = OrderedDict()
        self.lock = threading.Lock()

    def clear(self) -> None:
        """Forget every answer (the benchmark times a question asked for the first time)."""
        with self.lock:
            self.answers.clear()
            self.held = 0

    def get(self, key: tuple, compute: Callable[[], tuple[int, array | None]]):
        """The answer to a question, asking the database only the first time."""
        with self.lock:
            if key in self.answers:
                self.answers.move_to_end(key)
                return self.answers[key]
        answer = compute()
        size = len(answer[1]) if answer[1] is not None else 0
        with self.lock:
            if key not in self.answers:
                self.answers[key] = answer
                self.held += size + 1
                while self.held > self.limit and len(self.answers) > 1:
                    _, (_, dropped) = self.answers.popitem(last=False)
                    self.held -= (len(dropped) if dropped is not None else 0) + 1
        return answer


def catalogue_stamp() -> Stamp:
    """What the index must match: the catalogue's version and today's date."""
    return Stamp(db.session.scalar(select(CatalogueState.version)), today())


def _group_ids(column):
    """SQL: the ids of a group as one comma-separated string, on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.string_agg(cast(column, Text), literal_column("','"))
    return func.group_concat(column)


#: The yes/no facets and the single-valued ones, read from each offering's row.
ROW_FACETS = (
    "level",
    "format",
    "co_designed",
    "co_delivered",
    "lived_experience_led",
    "free",
    "accredited",
)


def build_index(stamp: Stamp) -> FacetIndex:
    """Read the published catalogue (three statements) into a fresh index.

    Rows are read as they come, into arrays (ids, times, dates) and lists of
    shared strings, never a list of row tuples: at 100,000 offers a worker's
    memory grows by what the index keeps, not by everything it read on the way.
    Tags and next dates arrive grouped by the database (a string of ids per facet
    value), not as a row per tag: 780,000 tags at national scale would otherwise be
    780,000 Python rows.
    """
    rows = db.session.execute(
        select(
            Offering.id,
            Offering.level,
            Offering.format,
            Offering.co_designed,
            Offering.co_delivered,
            Offering.lived_experience_led,
            Offering.cost_pence,
            Offering.credit_value,
            Offering.published_at,
            func.lower(Offering.title),
            Provider.slug,
        )
        .join(Provider, Provider.id == Offering.provider_id)
        .where(Offering.status == "published")
        .order_by(Offering.id)
    )
    ids = array("l")
    published = array("d")  # seconds since 1970; -inf for never
    titles: list[str] = []
    values: dict[str, list] = {facet: [] for facet in ROW_FACETS}
    providers: dict[str, array] = defaultdict(lambda: array("l"))
    for position, row in enumerate(rows):
        (offering_id, level, fmt, designed, delivered, lived, cost, credit, when, title, slug) = row
        ids.append(offering_id)
        published.append(when.timestamp() if when else float("-inf"))
        titles.append(title)
        # yes/no filters are facets with the values True and False
        for facet, value in zip(
            ROW_FACETS,
            (level, fmt, bool(designed), bool(delivered), bool(lived), cost == 0, bool(credit)),
            strict=True,
        ):
            values[facet].append(value)
        providers[slug].append(position)
    size = len(ids)
    nbytes = (size + 7) // 8
    positions = array("i", [-1]) * ((ids[-1] + 1) if size else 0)
    for position, offering_id in enumerate(ids):
        positions[offering_id] = position

    members: dict[str, dict[object, bytearray]] = defaultdict(
        lambda: defaultdict(lambda: bytearray(nbytes))
    )
    for facet, column in values.items():
        bits_of = members[facet]
        for position, value in enumerate(column):
            bits_of[value][position >> 3] |= 1 << (position & 7)
    del values

    tags = db.session.execute(
        select(OfferingTag.facet, OfferingTag.key, _group_ids(OfferingTag.offering_id))
        .join(Offering, Offering.id == OfferingTag.offering_id)
        .where(Offering.status == "published")
        .group_by(OfferingTag.facet, OfferingTag.key)
    )
    index_of = FacetIndex(stamp, ids, positions, {}, {}).positions_of
    for facet, key, grouped in tags:
        bits = members[facet][key]
        for position in index_of(map(int, grouped.split(","))):
            bits[position >> 3] |= 1 << (position & 7)

    everything = range(size)
    by_title = array("l", sorted(everything, key=titles.__getitem__))
    del titles
    title_rank = array("l", bytes(8 * size))
    for rank, position in enumerate(by_title):
        title_rank[position] = rank
    # Soonest: the next upcoming date (none last), then the title. Available: a session
    # not yet over, or no sessions at all (self-paced).
    never = date.max.toordinal() + 1
    next_start = array("l", [never]) * size
    available = bytearray(b"\xff") * nbytes
    dates = db.session.execute(
        select(
            OfferingSession.offering_id,
            func.min(case((OfferingSession.starts_on >= stamp.on, OfferingSession.starts_on))),
            func.max(OfferingSession.ends_on),
        ).group_by(OfferingSession.offering_id)
    )
    for offering_id, start, last_day in dates:
        for position in index_of((offering_id,)):
            if start is not None:
                next_start[position] = start.toordinal()
            if last_day < stamp.on:
                available[position >> 3] &= ~(1 << (position & 7)) & 0xFF
    members["available"][True] = available
    newest = array("l", sorted(everything, key=lambda p: (published[p], p), reverse=True))
    newest_rank = array("l", bytes(8 * size))
    for rank, position in enumerate(newest):
        newest_rank[position] = rank
    bitmaps = {
        facet: {value: int.from_bytes(bits, "little") for value, bits in by_value.items()}
        for facet, by_value in members.items()
    }
    bitmaps["available"][True] &= (1 << size) - 1  # no bits past the last position
    return FacetIndex(
        stamp=stamp,
        ids=ids,
        positions=positions,
        bitmaps=bitmaps,
        orders={
            # Newest first; offers published at the same moment, the later-made first.
            "newest": newest,
            "title": by_title,
            "soonest": array(
                "l", sorted(everything, key=lambda p: next_start[p] * size + title_rank[p])
            ),
        },
        sparse={"provider": dict(providers)},
        ranks={"newest": newest_rank},
    )


def current_index() -> FacetIndex:
    """This process's index for the current app, rebuilt if the catalogue has changed."""
    # A cacheable GET has just read the stamp for its ETag (academy/http_cache.py).
    stamp = g.pop("catalogue_stamp", None) or catalogue_stamp()
    index = current_app.extensions.get("academy.facet_index")
    # No version row (a database emptied by hand) means nothing can be trusted to stay.
    if index is not None and index.stamp == stamp and stamp.version is not None:
        return index
    with _lock:
        index = current_app.extensions.get("academy.facet_index")
        if index is None or index.stamp != stamp or stamp.version is None:
            index = build_index(stamp)
            current_app.extensions["academy.facet_index"] = index
    return index
