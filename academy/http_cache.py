"""HTTP caching: conditional GETs for public pages and the API, long-lived static files.

A public page or API response depends only on the catalogue (its version,
bumped by database triggers on every write), today's date (what is
"upcoming"), the code and reference data the server runs, and, for pages,
who is looking. `@conditional` turns the first three into a weak ETag *before*
the view runs, so a client that already holds the current version gets
`304 Not Modified` without the page being searched or drawn.

- Pages seen by someone not logged in: `Cache-Control: public, no-cache`
  (keep it, but ask every time): a page never shows an out-of-date catalogue,
  and asking costs one small query.
- Pages seen by someone logged in name them, carry their log-out form and
  suggest offers from their profile: `private, no-cache` and no ETag, always
  drawn afresh.
- API responses and calendars: `public, max-age=...`, so a client or a shared
  cache may reuse them for a minute (five for calendars) without asking.

The same three things make a public response the same for everyone not logged
in, so each process also keeps the responses it has drawn for the current
ETag (`PageCache`, a byte budget, `PAGE_CACHE_BYTES`): the next visitor to ask
for the same URL gets them without a search or a template. Any change to the
catalogue, the day or the build changes the ETag, and the kept responses go.

Static files get a `?v=<content hash>` on every `url_for('static', ...)`;
a request carrying the current hash is cached for a year (`immutable`), any
other gets `no-cache`, so a changed stylesheet is fetched at once.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from flask import Flask, Response, current_app, g, make_response, request, session
from flask_login import current_user

from academy.config import PROJECT_ROOT

YEAR = 365 * 24 * 3600


def build_fingerprint(sources: list[tuple[Path, str]]) -> str:
    """A short hash of the files responses are made from: (folder, glob) pairs."""
    digest = hashlib.sha256()
    for folder, pattern in sources:
        for path in sorted(folder.rglob(pattern)):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def static_fingerprints(folder: Path) -> dict[str, str]:
    """Each static file's content hash, by its name under the static folder."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in folder.rglob("*")
        if path.is_file()
    }


def conditional(*, per_user: bool = True, max_age: int = 0) -> Callable:
    """Answer a GET with 304 when the client's copy is current; mark the rest cacheable.

    per_user: the response is an HTML page, which shows who is logged in and may
    suggest offers for them; max_age: seconds a response that is the same for
    everyone (per_user=False) may be reused without asking.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if per_user and current_user.is_authenticated:
                # Their page depends on their profile and portfolio too: always drawn afresh.
                response = make_response(view(*args, **kwargs))
                response.cache_control.private = True
                response.cache_control.no_cache = True
                return response
            if per_user and session.get("_flashes"):  # a message waits: draw the page
                return view(*args, **kwargs)
            etag = _etag()
            if request.if_none_match.contains_weak(etag):
                response = Response(status=304)
            else:
                pages = current_app.extensions["academy.page_cache"]
                response = pages.get(etag, request.url)
                if response is None:
                    response = make_response(view(*args, **kwargs))
                    if response.status_code != 200:
                        return response
                    pages.put(etag, request.url, response)
            response.set_etag(etag, weak=True)
            response.cache_control.public = True
            if max_age and not per_user:
                response.cache_control.max_age = max_age
            else:
                response.cache_control.no_cache = True
            return response

        return wrapper

    return decorate


class PageCache:
    """Public responses already drawn for the current ETag, by URL, least recently used out.

    Only 200s are kept: their body, status and the headers the view set (never a
    cookie). One budget of bytes per process; a response larger than an eighth of
    it is not kept. A new ETag empties the cache: every kept response is stale.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._etag: str | None = None
        self._kept: OrderedDict[str, tuple[bytes, int, list]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, etag: str, url: str) -> Response | None:
        """A fresh copy of the response kept for this URL and ETag, if any."""
        with self._lock:
            if etag != self._etag or url not in self._kept:
                return None
            self._kept.move_to_end(url)
            body, status, headers = self._kept[url]
        return Response(body, status=status, headers=headers)

    def put(self, etag: str, url: str, response: Response) -> None:
        """Keep a response drawn for this URL and ETag, if it is small enough."""
        if not self.budget or response.is_streamed:
            return
        body = response.get_data()
        if len(body) > self.budget // 8:
            return
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "set-cookie"]
        with self._lock:
            if etag != self._etag:
                self._etag, self._kept, self._bytes = etag, OrderedDict(), 0
            if url in self._kept:
                self._bytes -= len(self._kept.pop(url)[0])
            self._kept[url] = (body, response.status_code, headers)
            self._bytes += len(body)
            while self._bytes > self.budget:
                _, (dropped, _, _) = self._kept.popitem(last=False)
                self._bytes -= len(dropped)


def _etag() -> str:
    """What a public response is made from: the build, the catalogue's version, the day."""
    stamp = current_app.extensions["academy.catalogue_version"]()
    g.catalogue_stamp = stamp  # the search index reuses it: one version query a request
    parts = (current_app.extensions["academy.build"], str(stamp.version), stamp.on.isoformat())
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:24]


def register(app: Flask, *, catalogue_version: Callable) -> None:
    """Fingerprint the build and the static files; version static URLs and cache them;
    keep drawn public responses. `catalogue_version()` is the catalogue's (its facet
    index's `catalogue_stamp`): a `.version` and the day `.on`, which public ETags carry."""
    app.extensions["academy.catalogue_version"] = catalogue_version
    static = Path(app.static_folder)
    app.extensions["academy.build"] = build_fingerprint(
        [
            (PROJECT_ROOT / "templates", "*"),
            (Path(app.config["DATA_DIR"]), "*.toml"),
            (Path(__file__).parent, "*.py"),
        ]
    )
    fingerprints = static_fingerprints(static)
    app.extensions["academy.static"] = fingerprints
    app.extensions["academy.page_cache"] = PageCache(int(app.config["PAGE_CACHE_BYTES"]))

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values:
            version = fingerprints.get(values.get("filename", ""))
            if version:
                values["v"] = version

    @app.after_request
    def cache_static_files(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            current = fingerprints.get(filename)
            response.cache_control.no_cache = None
            if current and request.args.get("v") == current:
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
            else:
                response.cache_control.max_age = None
                response.cache_control.no_cache = True
        return response
