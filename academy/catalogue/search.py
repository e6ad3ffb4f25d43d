"""Searching the published catalogue: parameters, full text, filters, facets.

One module serves the page and the API. Full text runs on SQLite's FTS5
(``offering_fts``, kept in step with ``offerings`` by triggers) or on
PostgreSQL's ``tsvector`` column ``offerings.search_vector`` with a GIN index;
the dialect chooses. Both rank a match in the title above one in the summary,
and that above one in the description.

Facet counts answer "how many would I get if I ticked this?": each facet is
counted with every filter applied except its own, so a person can widen a
selection as well as narrow it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from math import ceil

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from academy.catalogue.models import Offering, OfferingSession, OfferingTag, Provider
from academy.extensions import db
from academy.reference import Reference
from academy.timeutil import today

SORTS = ("relevance", "soonest", "newest", "title")
#: Facets held in a column of offerings.
COLUMN_FACETS = {"level": Offering.level, "format": Offering.format}
#: Facets held in offering_tags, by parameter name.
TAG_FACETS = ("sector", "region", "audience", "ee_value")
#: Yes/no filters and the condition each stands for.
FLAGS = {
    "co_delivered": Offering.co_delivered.is_(True),
    "co_designed": Offering.co_designed.is_(True),
    "lived_experience_led": Offering.lived_experience_led.is_(True),
    "free": Offering.cost_pence == 0,
    "accredited": Offering.credit_value > 0,
}
CO_PRODUCTION = ("co_designed", "co_delivered", "lived_experience_led")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
MAX_TERMS = 12

# Snowball's English stop words (PostgreSQL's "english" list): dropped from
# both dialects so that a query means the same on SQLite and PostgreSQL.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he
    him his himself she her hers herself it its itself they them their theirs
    themselves what which who whom this that these those am is are was were be
    been being have has had having do does did doing a an the and but if or
    because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under
    again further then once here there when where why how all any both each few
    more most other some such no nor not only own same so than too very s t can
    will just don should now""".split()
)


class SearchError(ValueError):
    """A search parameter could not be understood."""


@dataclass
class SearchParams:
    """A validated search: what the person asked for, in the contract's names."""

    q: str = ""
    level: list[str] = field(default_factory=list)
    format: list[str] = field(default_factory=list)
    sector: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    ee_value: list[str] = field(default_factory=list)
    provider: list[str] = field(default_factory=list)
    co_delivered: bool = False
    co_designed: bool = False
    lived_experience_led: bool = False
    free: bool = False
    accredited: bool = False
    starts_after: date | None = None
    starts_before: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    @property
    def terms(self) -> list[str]:
        """The words of q that a full-text search looks for."""
        return query_terms(self.q)

    def to_args(self, **overrides) -> MultiDict:
        """The query-string arguments for this search (with changes), leaving out defaults."""
        params = replace(self, **overrides)
        defaults = SearchParams(per_page=current_app.config["SEARCH_PER_PAGE"])
        args = MultiDict()
        for name in self.__dataclass_fields__:
            value = getattr(params, name)
            if value == getattr(defaults, name):
                continue
            if isinstance(value, list):
                for item in value:
                    args.add(name, item)
            elif isinstance(value, bool):
                args.add(name, "1")
            elif isinstance(value, date):
                args.add(name, value.isoformat())
            else:
                args.add(name, str(value))
        return args

    @property
    def has_filters(self) -> bool:
        """Whether anything narrows the catalogue beyond the text."""
        names = (*COLUMN_FACETS, *TAG_FACETS, "provider", *FLAGS, "starts_after", "starts_before")
        return any(getattr(self, name) for name in names)


def query_terms(q: str) -> list[str]:
    """Split a query into plain words, dropping stop words and any search syntax.

    Quotes, ``*``, ``-``, parentheses, ``NEAR`` and the like reach neither
    FTS5 nor to_tsquery as syntax: only runs of letters and digits survive,
    and each is quoted (SQLite) or passed as plain text (PostgreSQL).
    """
    words = [w.lower() for w in re.findall(r"\w+", q) if w.strip("_")]
    terms = [w for w in words if w not in STOP_WORDS]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def parse_search_args(
    args: MultiDict, ref: Reference, *, per_page_default: int, per_page_max: int, q_max: int
) -> tuple[SearchParams, dict[str, str]]:
    """Read the contract's parameters; returns the valid part and a message per bad one.

    Invalid values are dropped from the returned search, so a page can show
    what was valid alongside a friendly message, and the API can refuse with
    a 400 naming each problem.
    """
    errors: dict[str, str] = {}
    params = SearchParams(per_page=per_page_default)

    q = args.get("q", "").strip()
    if len(q) > q_max:
        errors["q"] = f"The search text is too long: at most {q_max} characters, please."
    else:
        params.q = q

    vocabularies = {
        "level": ref.escalator,
        "format": ref.formats,
        "sector": ref.sectors,
        "region": ref.regions,
        "audience": ref.audiences,
        "ee_value": ref.ee_values,
    }
    for name, vocabulary in vocabularies.items():
        values = [v.strip() for v in args.getlist(name) if v.strip()]
        unknown = [v for v in values if v not in vocabulary]
        if unknown:
            errors[name] = (
                f"Unknown {name.replace('_', ' ')} {', '.join(repr(v) for v in unknown)}. "
                f"Choose from: {', '.join(vocabulary.keys)}."
            )
        setattr(params, name, list(dict.fromkeys(v for v in values if v in vocabulary)))

    providers = list(dict.fromkeys(v.strip() for v in args.getlist("provider") if v.strip()))
    if providers:
        known = set(
            db.session.scalars(
                select(Provider.slug).where(
                    Provider.slug.in_(providers), Provider.status == "approved"
                )
            )
        )
        unknown = [p for p in providers if p not in known]
        if unknown:
            errors["provider"] = f"No provider is listed as {', '.join(repr(p) for p in unknown)}."
        params.provider = [p for p in providers if p in known]

    for name in FLAGS:
        value = args.get(name)
        if value is None:
            continue
        word = value.strip().lower()
        if word in TRUE_WORDS:
            setattr(params, name, True)
        elif word not in FALSE_WORDS:
            errors[name] = f"{name} takes 1 (yes) or 0 (no), not {value!r}."

    for name in ("starts_after", "starts_before"):
        value = args.get(name, "").strip()
        if not value:
            continue
        try:
            setattr(params, name, date.fromisoformat(value))
        except ValueError:
            errors[name] = f"{name} must be a date written as YYYY-MM-DD, like 2027-03-31."
    if params.starts_after and params.starts_before and params.starts_after > params.starts_before:
        errors["starts_before"] = (
            "The 'starts before' date is earlier than the 'starts after' date."
        )
        params.starts_before = None

    sort = args.get("sort", "relevance").strip() or "relevance"
    if sort in SORTS:
        params.sort = sort
    else:
        errors["sort"] = f"Sort by one of: {', '.join(SORTS)}."

    for name, low, high in (("page", 1, None), ("per_page", 1, per_page_max)):
        value = args.get(name, "").strip()
        if not value:
            continue
        try:
            number = int(value)
        except ValueError:
            errors[name] = f"{name} must be a whole number."
            continue
        if number < low or (high is not None and number > high):
            errors[name] = (
                f"{name} must be between {low} and {high}."
                if high
                else f"{name} must be {low} or more."
            )
            continue
        setattr(params, name, number)
    return params, errors


def read_search_args(args: MultiDict) -> tuple[SearchParams, dict[str, str]]:
    """Parse a request's search parameters with the current app's limits."""
    config = current_app.config
    return parse_search_args(
        args,
        current_app.extensions["academy.reference"],
        per_page_default=config["SEARCH_PER_PAGE"],
        per_page_max=config["SEARCH_MAX_PER_PAGE"],
        q_max=config["SEARCH_MAX_QUERY_LENGTH"],
    )


# --- building the query -------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _text_match(terms: list[str]):
    """A selectable (offering_id, rank) of offerings matching every term; lower rank is better."""
    if _dialect() == "postgresql":
        query = func.plainto_tsquery("english", " ".join(terms))
        vector = literal_column("offerings.search_vector")
        return (
            select(
                Offering.id.label("offering_id"),
                (-func.ts_rank(vector, query)).label("rank"),
            )
            .where(vector.op("@@")(query))
            .subquery("text_match")
        )
    match = " ".join(f'"{term}"' for term in terms)
    # bm25 weights per column: title, summary, description.
    return (
        select(
            literal_column("offering_fts.rowid").label("offering_id"),
            literal_column("bm25(offering_fts, 10.0, 4.0, 1.0)").label("rank"),
        )
        .select_from(text("offering_fts"))
        .where(text("offering_fts MATCH :match").bindparams(match=match))
        .subquery("text_match")
    )


def _tag_condition(facet: str, keys: list[str]) -> ColumnElement:
    return Offering.id.in_(
        select(OfferingTag.offering_id).where(OfferingTag.facet == facet, OfferingTag.key.in_(keys))
    )


def _date_condition(params: SearchParams) -> ColumnElement:
    """Offerings with a session starting in the range (and not before today)."""
    after = max(params.starts_after or today(), today())
    conditions = [OfferingSession.starts_on >= after]
    if params.starts_before:
        conditions.append(OfferingSession.starts_on <= params.starts_before)
    return Offering.id.in_(select(OfferingSession.offering_id).where(*conditions))


def conditions(
    params: SearchParams, *, exclude: str | None = None, text_match=None
) -> list[ColumnElement]:
    """The WHERE clauses for a search, leaving out one facet's own selection."""
    where: list[ColumnElement] = [Offering.status == "published"]
    if text_match is not None:
        where.append(Offering.id.in_(select(text_match.c.offering_id)))
    for name, column in COLUMN_FACETS.items():
        if name != exclude and getattr(params, name):
            where.append(column.in_(getattr(params, name)))
    for name in TAG_FACETS:
        if name != exclude and getattr(params, name):
            where.append(_tag_condition(name, getattr(params, name)))
    if params.provider and exclude != "provider":
        where.append(
            Offering.provider_id.in_(select(Provider.id).where(Provider.slug.in_(params.provider)))
        )
    for name, condition in FLAGS.items():
        if name != exclude and getattr(params, name):
            where.append(condition)
    if params.starts_after or params.starts_before:
        where.append(_date_condition(params))
    return where


def next_start():
    """The start of an offering's next session, as a correlated subquery."""
    return (
        select(func.min(OfferingSession.starts_on))
        .where(OfferingSession.offering_id == Offering.id, OfferingSession.starts_on >= today())
        .correlate(Offering)
        .scalar_subquery()
    )


def _ordered(query: Select, params: SearchParams, text_match) -> Select:
    sort = params.sort
    if sort == "relevance" and text_match is not None:
        query = query.join(text_match, text_match.c.offering_id == Offering.id)
        return query.order_by(text_match.c.rank, Offering.id)
    if sort == "soonest":
        start = next_start()
        return query.order_by(start.is_(None), start, func.lower(Offering.title), Offering.id)
    if sort == "title":
        return query.order_by(func.lower(Offering.title), Offering.id)
    # newest, and relevance without any words to rank by
    return query.order_by(Offering.published_at.desc(), Offering.id.desc())


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


def search(params: SearchParams, ref: Reference) -> SearchResult:
    """Run a search: the total, one page of offerings, and the facet counts.

    Raises SearchError when the page asked for lies past the last page.
    """
    terms = params.terms
    text_match = _text_match(terms) if terms else None
    where = conditions(params, text_match=text_match)

    total = db.session.scalar(select(func.count()).select_from(Offering).where(*where))
    pages = max(1, ceil(total / params.per_page))
    if params.page > pages:
        raise SearchError(
            f"There is no page {params.page}: these results fill {pages} "
            f"page{'s' if pages != 1 else ''}."
        )

    query = select(Offering).where(*where)
    query = _ordered(query, params, text_match)
    query = (
        query.limit(params.per_page)
        .offset((params.page - 1) * params.per_page)
        .options(
            selectinload(Offering.provider),
            selectinload(Offering.tags),
            selectinload(Offering.sessions),
        )
    )
    items = list(db.session.scalars(query))
    facets = facet_counts(params, ref, text_match=text_match, total=total)
    return SearchResult(params=params, total=total, items=items, facets=facets)


def facet_counts(params: SearchParams, ref: Reference, *, text_match, total: int) -> dict:
    """Counts per facet value, each ignoring its own facet's selection.

    Every vocabulary key is present (zero included) in vocabulary order.
    """
    vocabularies = {
        "level": ref.escalator.keys,
        "format": ref.formats.keys,
        "sector": ref.sectors.keys,
        "region": ref.regions.keys,
        "audience": ref.audiences.keys,
        "ee_value": ref.ee_values.keys,
    }
    counted: dict[str, dict[str, int]] = {}
    for name, column in COLUMN_FACETS.items():
        where = conditions(params, exclude=name, text_match=text_match)
        rows = db.session.execute(select(column, func.count()).where(*where).group_by(column))
        counted[name] = dict(rows.all())
    for name in TAG_FACETS:
        where = conditions(params, exclude=name, text_match=text_match)
        rows = db.session.execute(
            select(OfferingTag.key, func.count())
            .where(
                OfferingTag.facet == name,
                OfferingTag.offering_id.in_(select(Offering.id).where(*where)),
            )
            .group_by(OfferingTag.key)
        )
        counted[name] = dict(rows.all())
    facets = {
        name: {key: counted[name].get(key, 0) for key in keys}
        for name, keys in vocabularies.items()
    }
    facets.update(_flag_counts(params, text_match))
    return facets


def _flag_counts(params: SearchParams, text_match) -> dict[str, dict[str, int]]:
    """The yes/no facets in one pass.

    Counted over the results without the ``free`` filter, so "paid" can be
    counted too; every other flag's count still honours ``free`` when it is
    ticked. A ticked flag's own count is then the total, as it should be.
    """
    where = conditions(params, exclude="free", text_match=text_match)
    free = FLAGS["free"]
    keep = free if params.free else True

    def count_if(condition) -> ColumnElement:
        return func.coalesce(func.sum(case((and_(condition, keep), 1), else_=0)), 0)

    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((free, 1), else_=0)), 0),
            *(count_if(FLAGS[name]) for name in (*CO_PRODUCTION, "accredited")),
        ).where(*where)
    ).one()
    everything, free_count, *flag_counts = (int(v) for v in row)
    by_flag = dict(zip((*CO_PRODUCTION, "accredited"), flag_counts, strict=True))
    return {
        "co_production": {name: by_flag[name] for name in CO_PRODUCTION},
        "cost": {"free": free_count, "paid": everything - free_count},
        "accredited": {"accredited": by_flag["accredited"]},
    }


def published_counts_by_level() -> dict[str, int]:
    """How many published offerings each level has."""
    rows = db.session.execute(
        select(Offering.level, func.count())
        .where(Offering.status == "published")
        .group_by(Offering.level)
    )
    return dict(rows.all())
