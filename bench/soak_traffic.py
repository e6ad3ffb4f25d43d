"""The soak's traffic (bench/soak.py): learners logged in over HTTP, and the plan of requests.

The plan is a fixed, seeded list of requests that bench/wrk/soak.lua cycles through,
one line each: a kind, a path and, for a learner's pages, the Cookie header that
learner got by logging in through the real form. Public searches and offers are
drawn with a Zipf-like skew (a few popular, a long tail), learners evenly.
"""

from __future__ import annotations

import http.cookiejar
import random
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, select

from academy.accounts.models import User
from bench.generate import AUDIENCES, LEVELS, REGIONS, SECTORS, TOPICS, Prepared, Weighted
from bench.learners import PASSWORD
from bench.load import LoadError

SEED = 20261202
#: The kinds of request and their shares of the plan.
MIX = {"search": 30, "offer": 20, "api": 15, "portfolio": 15, "entry": 10, "records": 10}
LABELS = {
    "search": "/catalogue/?… (searches)",
    "offer": "/catalogue/<slug> (offers)",
    "api": "/api/v1/offerings… (API)",
    "portfolio": "/portfolio/ (logged in)",
    "entry": "/portfolio/entries/<id>",
    "records": "/portfolio/records, /shares",
}
LOGGED_IN = ("portfolio", "entry", "records")
#: Lines in the plan (each wrk thread cycles through its share of them).
PLAN_LINES = 4800
SEARCHES = 150  # distinct search pages
API_SEARCHES = 60  # distinct API searches
OFFERS = 200  # distinct offers (pages and API)
LOGIN_THREADS = 4


@dataclass
class Learner:
    """A generated learner, logged in: the cookie to send and some of their entries."""

    email: str
    cookie: str
    entry_ids: list[int]


def search_queries(rng: random.Random, anchor: date, count: int) -> list[str]:
    """Distinct query strings: words, facets, dates, sorts and pages, some combined."""
    found: dict[str, None] = {}
    while len(found) < count:
        params: dict[str, str] = {}
        if rng.random() < 0.6:
            params["q"] = TOPICS.pick(rng)
        for name, values, share in (
            ("level", LEVELS, 0.3),
            ("region", REGIONS, 0.3),
            ("sector", SECTORS, 0.15),
            ("audience", AUDIENCES, 0.15),
        ):
            if rng.random() < share:
                params[name] = values.pick(rng)
        for flag in ("free", "co_delivered"):
            if rng.random() < 0.1:
                params[flag] = "1"
        if rng.random() < 0.1:
            after = anchor + timedelta(days=rng.randrange(7, 300))
            params["starts_after"] = after.isoformat()
            params["starts_before"] = (after + timedelta(days=30)).isoformat()
        if rng.random() < 0.15:
            params["sort"] = rng.choice(("soonest", "newest", "title"))
        if rng.random() < 0.15:
            params["page"] = str(rng.randint(2, 5))
        found[urlencode(params)] = None
    return list(found)


def within_pages(get: Callable[[str], tuple[int, bytes]], queries: list[str]) -> list[str]:
    """The queries, each asking for a page that exists (the API refuses one past the end,
    as the search page does); a page past the end is dropped from its query."""
    kept: dict[str, None] = {}
    for query in queries:
        if "page=" in query and get(f"/api/v1/offerings?{query}")[0] != 200:
            query = re.sub(r"&?page=\d+", "", query).lstrip("&")
        kept[query] = None
    return list(kept)


def offer_slugs(get: Callable[[str], tuple[int, bytes]], count: int) -> list[str]:
    """Published offers' slugs from the API, soonest first then newest."""
    import json

    slugs: dict[str, None] = {}
    for sort in ("soonest", "newest"):
        status, body = get(f"/api/v1/offerings?per_page=100&sort={sort}")
        if status != 200:
            raise LoadError(f"GET /api/v1/offerings?sort={sort} answered {status}")
        slugs.update(dict.fromkeys(item["slug"] for item in json.loads(body)["items"]))
    if not slugs:
        raise LoadError("the catalogue has no published offers")
    return list(slugs)[:count]


def learner_emails(url: str, count: int) -> list[str]:
    """Generated learners spread evenly over the table (bench/learners.py)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            emails = connection.scalars(
                select(User.email).where(User.email.like("learner-%@example.org")).order_by(User.id)
            ).all()
    finally:
        engine.dispose()
    if len(emails) < count:
        raise LoadError(f"{count} learners asked for, {len(emails)} generated")
    step = len(emails) / count
    return [emails[int(n * step)] for n in range(count)]


def log_in(base: str, email: str) -> Learner:
    """Log in through the form (with its CSRF token), then open the learner's pages once."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def fetch(path: str, form: dict | None = None) -> tuple[str, str]:
        """Where a GET (or a POST of form) ended, after redirects, and the page."""
        data = urlencode(form).encode() if form is not None else None
        try:
            with opener.open(base + path, data=data, timeout=60) as response:
                return response.url.removeprefix(base), response.read().decode()
        except urllib.error.HTTPError as error:
            method = "POST" if form else "GET"
            raise LoadError(f"{email}: {method} {path} answered {error.code}") from None

    _url, page = fetch("/accounts/login")
    token = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]*)"', page)
    if token is None:
        raise LoadError("the login page has no csrf_token field")
    fetch("/accounts/login", {"csrf_token": token[1], "email": email, "password": PASSWORD})
    landed, page = fetch("/portfolio/")
    if landed != "/portfolio/":
        raise LoadError(f"{email}: logged in, but /portfolio/ went to {landed}")
    entry_ids = sorted({int(n) for n in re.findall(r'href="/portfolio/entries/(\d+)"', page)})
    if not entry_ids:
        raise LoadError(f"{email}: /portfolio/ lists no entries")
    for path in ("/portfolio/records", "/portfolio/shares", f"/portfolio/entries/{entry_ids[0]}"):
        landed, _page = fetch(path)
        if landed != path:
            raise LoadError(f"{email}: {path} went to {landed}")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if not cookie:
        raise LoadError(f"{email}: logging in set no cookie")
    return Learner(email, cookie, entry_ids)


def log_in_all(base: str, emails: list[str]) -> list[Learner]:
    """Every learner logged in, a few at a time."""
    with ThreadPoolExecutor(LOGIN_THREADS) as pool:
        return list(pool.map(lambda email: log_in(base, email), emails))


def build_plan(
    prepared: Prepared,
    get: Callable[[str], tuple[int, bytes]],
    slugs: list[str],
    learners: list[Learner],
    lines: int = PLAN_LINES,
) -> list[tuple[str, str, str]]:
    """(kind, path, cookie) for each request of the plan, in a seeded random order."""
    rng = random.Random(SEED)
    searches = search_queries(rng, prepared.anchor, SEARCHES)
    searches = Weighted.zipf(within_pages(get, searches), 0.8)
    api_searches = search_queries(rng, prepared.anchor, API_SEARCHES)
    api_searches = Weighted.zipf(within_pages(get, api_searches), 0.8)
    offers = Weighted.zipf(slugs, 0.8)
    kinds = Weighted.of(MIX)
    years = sorted({prepared.anchor.year - n for n in range(3)})
    plan = []
    for _ in range(lines):
        kind = kinds.pick(rng)
        learner = rng.choice(learners)
        if kind == "search":
            plan.append((kind, f"/catalogue/?{searches.pick(rng)}".rstrip("?"), ""))
        elif kind == "offer":
            plan.append((kind, f"/catalogue/{offers.pick(rng)}", ""))
        elif kind == "api" and rng.random() < 0.7:
            plan.append((kind, f"/api/v1/offerings?{api_searches.pick(rng)}".rstrip("?"), ""))
        elif kind == "api":
            plan.append((kind, f"/api/v1/offerings/{offers.pick(rng)}", ""))
        elif kind == "portfolio":
            year = f"?year={rng.choice(years)}" if rng.random() < 0.25 else ""
            plan.append((kind, f"/portfolio/{year}", learner.cookie))
        elif kind == "entry":
            plan.append(
                (kind, f"/portfolio/entries/{rng.choice(learner.entry_ids)}", learner.cookie)
            )
        else:
            path = rng.choice(("/portfolio/records", "/portfolio/shares"))
            plan.append((kind, path, learner.cookie))
    return plan


def write_plan(path: Path, plan: list[tuple[str, str, str]]) -> None:
    """The plan as bench/wrk/soak.lua reads it: kind, path and cookie, tab-separated."""
    path.write_text("".join(f"{kind}\t{url}\t{cookie}\n" for kind, url, cookie in plan))
