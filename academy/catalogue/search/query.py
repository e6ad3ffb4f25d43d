"""Searching the published catalogue: full text, filters, facet counts, one page.

Filters and facet counts run on this process's bitmap index of the
catalogue (``facet_index.py``). The database answers the rest:

- full text, on SQLite's FTS5 (``offering_fts``, kept in step with
  ``offerings`` by triggers) or on PostgreSQL's weighted ``tsvector`` column
  ``offerings.search_vector`` with a GIN index. Both rank a match in the title
  above one in the summary, and that above one in the description;
- date ranges, from the sessions table;
- loading the page of offerings to show.

The answers to full text and date questions are kept in the index's memo
until the catalogue changes, so refining or paging through a common search
asks the database only for the page.

Facet counts answer "how many would I get if I ticked this?": each facet is
counted with every filter applied except its own, so a person can widen a
selection as well as narrow it.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from math import ceil

from sqlalchemy import select, text
from sqlalchemy.orm import joinedload, selectinload

from academy.catalogue.models import Offering, OfferingSession
from academy.catalogue.search.facet_index import FacetIndex, bitmap, current_index
from academy.catalogue.search.params import (
    CO_PRODUCTION,
    FLAGS,
    VALUE_FACETS,
    SearchError,
    SearchParams,
    facet_vocabularies,
)
from academy.extensions import db
from academy.reference import Reference
from academy.timeutil import today


def text_matches(terms: list[str]) -> list[int]:
    """Ids of offerings whose text has every term, best match first."""
    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(
            text(
                "SELECT id FROM offerings, plainto_tsquery('english', :words) AS query "
                "WHERE status = 'published' AND search_vector @@ query "
                "ORDER BY ts_rank(search_vector, query) DESC, id"
            ),
            {"words": " ".join(terms)},
        )
    else:
        # Every term quoted: FTS5 sees plain words, never its own syntax.
        rows = db.session.execute(
            text(
                "SELECT rowid FROM offering_fts WHERE offering_fts MATCH :match "
                "ORDER BY bm25(offering_fts, 10.0, 4.0, 1.0), rowid"
            ),
            {"match": " ".join(f'"{term}"' for term in terms)},
        )
    return list(rows.scalars())


def ranked_matches(index: FacetIndex, terms: list[str]) -> tuple[int, array]:
    """The published offerings with every term: as a bitmap, and as positions best first."""
    ranked = array("l", index.positions_of(text_matches(terms)))
    return bitmap(ranked, index.size), ranked


def date_matches(params: SearchParams) -> list[int]:
    """Ids of offerings with a session starting in the range (never before today)."""
    after = max(params.starts_after or today(), today())
    query = select(OfferingSession.offering_id).where(OfferingSession.starts_on >= after)
    if params.starts_before:
        query = query.where(OfferingSession.starts_on <= params.starts_before)
    return list(db.session.scalars(query.distinct()))


def selections(params: SearchParams, index: FacetIndex) -> dict[str, int]:
    """The bitmap each chosen facet or ticked flag allows, by parameter name."""
    chosen = {
        name: index.any_of(name, getattr(params, name))
        for name in VALUE_FACETS
        if getattr(params, name)
    }
    chosen.update({name: index.any_of(name, [True]) for name in FLAGS if getattr(params, name)})
    return chosen


def all_but(chosen: dict[str, int], base: int, left_out: str | None = None) -> int:
    """The base mask narrowed by every selection except one."""
    mask = base
    for name, bits in chosen.items():
        if name != left_out:
            mask &= bits
    return mask


def facet_counts(
    index: FacetIndex, ref: Reference, chosen: dict[str, int], base: int
) -> dict[str, dict]:
    """Counts per facet value, each with every selection applied but its own.

    Every vocabulary key is present (zero included) in the vocabulary's order.
    """
    facets: dict[str, dict] = {}
    for name, vocabulary in facet_vocabularies(ref).items():
        counted = index.counts(name, all_but(chosen, base, name))
        facets[name] = {key: counted.get(key, 0) for key in vocabulary.keys}

    def ticked_count(flag: str) -> int:
        return index.counts(flag, all_but(chosen, base, flag)).get(True, 0)

    facets["co_production"] = {name: ticked_count(name) for name in CO_PRODUCTION}
    without_cost = all_but(chosen, base, "free")
    free = index.counts("free", without_cost).get(True, 0)
    facets["cost"] = {"free": free, "paid": without_cost.bit_count() - free}
    facets["accredited"] = {"accredited": ticked_count("accredited")}
    return facets


@dataclass
class SearchResult:
    """One page of a search, with the totals and facet counts around it."""

    params: SearchParams
    total: int
    items: list[Offering]
    facets: dict[str, dict[str, int]]

    @property
    def pages(self) -> int:
        """How many pages the results fill (at least one)."""
        return max(1, ceil(self.total / self.params.per_page))

    @property
    def first_index(self) -> int:
        """The position of the first item on this page, counting from 1."""
        return 0 if not self.items else (self.params.page - 1) * self.params.per_page + 1

    @property
    def last_index(self) -> int:
        """The position of the last item on this page."""
        return self.first_index + len(self.items) - 1 if self.items else 0


def load_offerings(ids: list[int], *, tags: bool = False) -> list[Offering]:
    """Offerings in the given order, with what a result card shows: provider and dates.

    `tags` loads their audiences, sectors, values and regions too, for the API:
    a page of cards shows none, and they are the most rows (about seven an offer).
    """
    if not ids:
        return []
    options = [joinedload(Offering.provider, innerjoin=True), selectinload(Offering.sessions)]
    if tags:
        options.append(selectinload(Offering.tags))
    rows = db.session.scalars(select(Offering).where(Offering.id.in_(ids)).options(*options))
    by_id = {offering.id: offering for offering in rows}
    return [by_id[i] for i in ids if i in by_id]


def search(params: SearchParams, ref: Reference, *, tags: bool = False) -> SearchResult:
    """Run a search: the total, one page of offerings, and the facet counts.

    Raises SearchError when the page asked for lies past the last page.
    """
    index = current_index()
    base = index.everything
    ranked = None
    if params.terms:
        matched, ranked = index.memo.get(
            ("text", *params.terms), lambda: ranked_matches(index, params.terms)
        )
        base &= matched
    if params.starts_after or params.starts_before:
        key = ("dates", params.starts_after, params.starts_before)
        base &= index.memo.get(key, lambda: (index.of_ids(date_matches(params)), None))[0]
    chosen = selections(params, index)
    mask = all_but(chosen, base)

    total = mask.bit_count()
    pages = max(1, ceil(total / params.per_page))
    if params.page > pages:
        raise SearchError(
            f"There is no page {params.page}: these results fill {pages} "
            f"page{'s' if pages != 1 else ''}."
        )
    if ranked is not None and params.sort == "relevance":
        order = ranked
    else:
        # Relevance with no words to rank by is newest first.
        order = index.orders["newest" if params.sort == "relevance" else params.sort]
    offset = (params.page - 1) * params.per_page
    page_ids = index.page(mask, order, offset, params.per_page)
    return SearchResult(
        params=params,
        total=total,
        items=load_offerings(page_ids, tags=tags),
        facets=facet_counts(index, ref, chosen, base),
    )


def published_counts_by_level() -> dict[str, int]:
    """How many published offerings each level has."""
    index = current_index()
    return {level: n for level, n in index.counts("level", index.everything).items() if n}
