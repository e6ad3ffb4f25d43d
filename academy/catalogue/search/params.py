"""Search parameters: the public contract's names, read and checked.

The page (/catalogue/) and the API (/api/v1/offerings) share these. A bad
value is dropped from the search and explained in a message keyed by the
parameter's name, so a page can search with the valid part and the API can
refuse with a 400 naming each problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from academy.catalogue.models import Provider
from academy.extensions import db
from academy.reference import Reference

SORTS = ("relevance", "soonest", "newest", "title")
#: Facets held in a column of offerings.
COLUMN_FACETS = ("level", "format")
#: Facets held in offering_tags, by parameter name (and facet name).
TAG_FACETS = ("sector", "region", "audience", "ee_value")
CO_PRODUCTION = ("co_designed", "co_delivered", "lived_experience_led")
#: Yes/no filters.
FLAGS = (*CO_PRODUCTION, "free", "accredited")
#: Facets chosen by listing values: OR within a facet, AND across facets.
VALUE_FACETS = (*COLUMN_FACETS, *TAG_FACETS, "provider")
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


def facet_vocabularies(ref: Reference) -> dict:
    """The vocabulary each value facet takes its keys from, by parameter name."""
    return {
        "level": ref.escalator,
        "format": ref.formats,
        "sector": ref.sectors,
        "region": ref.regions,
        "audience": ref.audiences,
        "ee_value": ref.ee_values,
    }


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
        names = (*VALUE_FACETS, *FLAGS, "starts_after", "starts_before")
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

    for name, vocabulary in facet_vocabularies(ref).items():
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
        # No slug holds a NUL, and PostgreSQL cannot compare text that does: never ask.
        slugs = [p for p in providers if "\x00" not in p]
        known = set(
            db.session.scalars(
                select(Provider.slug).where(Provider.slug.in_(slugs), Provider.status == "approved")
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
