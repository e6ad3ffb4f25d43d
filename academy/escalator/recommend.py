"""Offers to suggest for a learner's step: available, and suited to them."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from academy.accounts.models import User
from academy.catalogue.models import Offering
from academy.catalogue.search.facet_index import current_index
from academy.catalogue.search.query import load_offerings


def suggestions(
    level: str,
    user: User | None = None,
    *,
    limit: int = 4,
    exclude: Collection[int] = (),
) -> list[Offering]:
    """Published, available offers at a level, those nearest the person first.

    Available: a session not yet over, or self-paced. Offers in the person's
    sector and region come first, then co-delivered ones, newest first within
    each; this orders, it never filters anyone out. `exclude` leaves out
    offerings by id (what the learner has already done). Worked out on the search
    index (academy/catalogue/search/facet_index.py), then one page of offers loaded: at
    100,000 offers the same in SQL took 60 ms on SQLite and 160 on PostgreSQL.
    """
    index = current_index()
    bitmaps = index.bitmaps
    candidates = bitmaps["level"].get(level, 0) & bitmaps["available"].get(True, 0)
    if exclude:
        candidates &= ~index.of_ids(exclude)
    nearness = [
        bitmaps[facet].get(key, 0)
        for facet, key in (("sector", user and user.sector), ("region", user and user.region))
        if key
    ]
    chosen: list[int] = []
    for tier in tiers(candidates, [*nearness, bitmaps["co_delivered"].get(True, 0)]):
        chosen += index.first(tier, "newest", limit - len(chosen))
        if len(chosen) == limit:
            break
    return load_offerings(chosen)


def tiers(mask: int, preferences: list[int]) -> Iterator[int]:
    """The mask split by each preference in turn, those with it before those without."""
    if not preferences:
        yield mask
        return
    first, rest = preferences[0], preferences[1:]
    yield from tiers(mask & first, rest)
    yield from tiers(mask & ~first, rest)
