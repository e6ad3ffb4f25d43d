"""HTTP caching: ETags and Cache-Control on public pages and the API, versioned static files."""

from __future__ import annotations

import re

import pytest
from flask import Response

from academy.catalogue.operations import update_offering
from academy.catalogue.queries import get_published_offering
from academy.extensions import db
from academy.http_cache import PageCache
from tests.factories import gen_offering, gen_provider

PAGES = [
    "/",
    "/escalator/",
    "/escalator/awareness",
    "/catalogue/",
    "/catalogue/?level=awareness&q=relational",
    "/catalogue/cached-offer",
    "/providers/cache-hub",
]
API = [
    "/api/v1/offerings",
    "/api/v1/offerings?free=1",
    "/api/v1/offerings/cached-offer",
    "/api/v1/levels",
    "/api/v1/providers",
]


@pytest.fixture
def offer(app):
    """One published offer of one provider, with a date."""
    with app.app_context():
        provider = gen_provider("Cache Hub", slug="cache-hub")
        gen_offering(provider, title="Cached offer", summary="Relational practice.", sessions=[30])
    return "cached-offer"


@pytest.mark.parametrize("url", PAGES + API + ["/catalogue/cached-offer.ics"])
def test_a_repeat_visit_with_the_etag_gets_304_and_no_body(client, offer, url):
    """Does a client that holds the current copy get 304 Not Modified, with nothing sent?"""
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_are_public_but_asked_about_every_time(client, offer, url):
    """Is a page seen by nobody in particular public, and revalidated before reuse?"""
    directives = set(client.get(url).headers["Cache-Control"].split(", "))
    assert directives == {"public", "no-cache"}


@pytest.mark.parametrize("url", API)
def test_api_responses_may_be_reused_for_a_minute(client, offer, url):
    """May a client or shared cache reuse an API answer for 60 seconds without asking?"""
    directives = set(client.get(url).headers["Cache-Control"].split(", "))
    assert directives == {"public", "max-age=60"}


def test_a_changed_catalogue_changes_the_etag(app, client, offer):
    """After a provider edits an offer, does an old copy of a page or the API get a fresh 200?"""
    etags = {url: client.get(url).headers["ETag"] for url in ("/catalogue/", "/api/v1/offerings")}
    with app.app_context():
        offering = get_published_offering(offer)
        update_offering(offering, {"title": "Cached offer, renamed"})
        db.session.commit()
    for url, etag in etags.items():
        response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 200
        assert response.headers["ETag"] != etag
        assert "renamed" in response.get_data(as_text=True)


def test_a_logged_in_page_is_private_and_always_drawn(client, auth, offer):
    """Is a page that names a logged-in person private, without an ETag to reuse it by?"""
    anonymous = client.get("/catalogue/").headers["ETag"]
    auth.register()
    response = client.get("/catalogue/", headers={"If-None-Match": anonymous})
    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert set(response.headers["Cache-Control"].split(", ")) == {"private", "no-cache"}
    assert "Cookie" in response.headers["Vary"]


def test_the_api_is_the_same_for_a_logged_in_person(client, auth, offer):
    """Does the API, which shows nobody's name, keep its ETag when someone is logged in?"""
    etag = client.get("/api/v1/offerings").headers["ETag"]
    auth.register()
    response = client.get("/api/v1/offerings", headers={"If-None-Match": etag})
    assert response.status_code == 304


def test_a_bad_search_is_not_cached(client, offer):
    """Is a 400 for a bad search parameter sent without an ETag or public caching?"""
    for url in ("/catalogue/?level=nonsense", "/api/v1/offerings?level=nonsense"):
        response = client.get(url)
        assert response.status_code == 400
        assert "ETag" not in response.headers
        assert "public" not in response.headers.get("Cache-Control", "")


def test_an_unknown_offer_is_a_plain_404(client, offer):
    """Does a 404 carry no ETag?"""
    response = client.get("/catalogue/no-such-offer")
    assert response.status_code == 404
    assert "ETag" not in response.headers


def test_a_304_never_swallows_a_waiting_message(client, offer):
    """When a message waits to be shown, is the page drawn (200) even if the ETag matches?"""
    etag = client.get("/").headers["ETag"]
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "You have logged out.")]
    response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "You have logged out." in response.get_data(as_text=True)


def test_static_files_are_versioned_and_cached_for_a_year(client):
    """Does every page link its stylesheet by content hash, cached for a year, immutable?"""
    page = client.get("/").get_data(as_text=True)
    href = re.search(r'href="(/static/academy\.css\?v=[0-9a-f]{12})"', page).group(1)
    response = client.get(href)
    assert response.status_code == 200
    assert set(response.headers["Cache-Control"].split(", ")) == {
        "public",
        "max-age=31536000",
        "immutable",
    }


@pytest.mark.parametrize("query", ["", "?v=0123456789ab"])
def test_a_static_file_without_the_current_version_is_revalidated(client, query):
    """Is a static URL without the current hash (old or none) never cached for long?"""
    response = client.get(f"/static/academy.css{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"


# --- Kept pages (PageCache) --------------------------------------------------------------


@pytest.fixture
def drawn(app, monkeypatch):
    """Counts the times a page or the API is searched and drawn by its view."""
    import academy.catalogue.api.views
    import academy.catalogue.views

    calls = []
    for module in (academy.catalogue.views, academy.catalogue.api.views):
        real = module.search
        monkeypatch.setattr(
            module, "search", lambda *a, _real=real, **k: calls.append(1) or _real(*a, **k)
        )
    return calls


@pytest.mark.parametrize("url", ["/catalogue/?level=awareness", "/api/v1/offerings?free=1"])
def test_the_next_visitor_gets_the_response_already_drawn(app, offer, drawn, url):
    """Does a second visitor to the same URL get the same response without a new search?"""
    first = app.test_client().get(url)
    second = app.test_client().get(url)
    assert len(drawn) == 1
    assert second.status_code == 200
    assert second.data == first.data
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["ETag"] == first.headers["ETag"]


def test_a_changed_catalogue_is_drawn_afresh(app, client, offer, drawn):
    """After an offer is renamed, is the kept search page dropped and the new name shown?"""
    assert "Cached offer" in client.get("/catalogue/").get_data(as_text=True)
    with app.app_context():
        update_offering(get_published_offering(offer), {"title": "Kept offer, renamed"})
        db.session.commit()
    page = client.get("/catalogue/").get_data(as_text=True)
    assert "Kept offer, renamed" in page
    assert len(drawn) == 2


def test_a_logged_in_person_never_gets_a_kept_page(app, client, auth, offer, drawn):
    """Is a page kept for visitors never shown to someone logged in (it has their name)?"""
    app.test_client().get("/catalogue/")
    auth.register(name="Morgan Kept")
    page = client.get("/catalogue/").get_data(as_text=True)
    assert "Log out" in page
    assert len(drawn) == 2


def test_each_host_gets_its_own_copy(app, offer):
    """Are absolute URLs in a kept API response those of the host that asked?"""
    client = app.test_client()
    one = client.get("/api/v1/offerings", base_url="http://one.example").get_json()
    two = client.get("/api/v1/offerings", base_url="http://two.example").get_json()
    assert one["items"][0]["url"].startswith("http://one.example/")
    assert two["items"][0]["url"].startswith("http://two.example/")


def test_no_page_is_kept_when_the_budget_is_nothing(app, offer, drawn):
    """With PAGE_CACHE_BYTES = 0, is every request drawn?"""
    app.extensions["academy.page_cache"].budget = 0
    for _ in range(2):
        assert app.test_client().get("/catalogue/").status_code == 200
    assert len(drawn) == 2


def page(body: bytes, cookie: bool = False) -> Response:
    response = Response(body, content_type="text/plain")
    if cookie:
        response.set_cookie("session", "someone's")
    return response


def test_the_least_recently_used_page_goes_first_when_the_budget_is_spent():
    """Over budget, is the page asked for longest ago dropped, and the rest kept?"""
    kept = PageCache(budget=160)  # eight pages of 20 bytes
    for number in range(8):
        kept.put("e1", f"/p{number}", page(b"x" * 20))
    assert kept.get("e1", "/p0") is not None  # /p0 is now the most recently used
    kept.put("e1", "/p8", page(b"y" * 20))
    assert kept.get("e1", "/p1") is None
    assert len(kept) == 8
    assert kept.get("e1", "/p0").get_data() == b"x" * 20
    assert kept.get("e1", "/p8").get_data() == b"y" * 20


def test_a_new_etag_forgets_every_kept_page_and_big_ones_are_never_kept():
    """Is nothing kept under an old ETag served under a new one, and no huge body kept?"""
    kept = PageCache(budget=800)
    kept.put("old", "/a", page(b"old"))
    assert kept.get("new", "/a") is None
    kept.put("new", "/b", page(b"new"))
    assert len(kept) == 1
    kept.put("new", "/huge", page(b"z" * 101))
    assert kept.get("new", "/huge") is None


def test_a_cookie_is_never_kept():
    """Does a kept response come back without the Set-Cookie of whoever first asked?"""
    kept = PageCache(budget=800)
    kept.put("e", "/a", page(b"body", cookie=True))
    assert "Set-Cookie" not in kept.get("e", "/a").headers
