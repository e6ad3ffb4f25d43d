"""Open redirects: no `next`, path or code sends a browser to another site.

The app reads `next` in one place (academy/accounts/views.py: logging in, already
logged in, registering; a test below reads the source so a new reader fails until
it is tried here); Flask-Login writes it when a page asks you to log in; Werkzeug
redirects a path missing its slash; /verify/ redirects to a code typed in. Every
Location must stay on this site: a path that no browser reads as another host, or
an absolute address on localhost.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.conftest import PASSWORD, Auth, csrf_token
from tests.security.conftest import EMAILS

ELSEWHERE = [
    "//evil.example",
    "//evil.example/portfolio/",
    "https://evil.example",
    "http://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/%2F/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "javascript:alert(1)",
    "JavaScript://%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http:evil.example",
    "https:/evil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "///evil.example",
    "////evil.example",
    " //evil.example",
    "\x00//evil.example",
    "//evil.example@localhost",
    "http://localhost@evil.example/",
    "/.//evil.example",
    "//localhost.evil.example/",
    "ftp://evil.example/",
    "evil.example",
    "/accounts/login?next=//evil.example",
]


def stays_here(location: str) -> bool:
    """Whether a browser following this Location would stay on localhost."""
    if any(ord(c) < 33 or c == "\\" for c in location):
        return False
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        return parts.scheme in ("http", "https") and parts.netloc == "localhost"
    return location.startswith("/") and not location.startswith("//")


def test_the_check_tells_here_from_elsewhere():
    """Does stays_here refuse what a browser would leave for, and keep what it would not?"""
    assert all(stays_here(p) for p in ("/", "/portfolio/?year=2026", "http://localhost/x"))
    assert not any(stays_here(p) for p in ("//evil.example", "/\\evil.example", "https:evil"))


def test_next_is_read_only_where_it_is_tried():
    """Is the accounts' views the only module of the app that reads `next` from a request?"""
    readers = {
        str(path)
        for path in Path("academy").rglob("*.py")
        if re.search(r"""(args|form|values)\.get\(\s*["']next["']""", path.read_text())
    }
    assert readers == {"academy/accounts/views.py"}


@pytest.mark.parametrize("target", ELSEWHERE, ids=range(len(ELSEWHERE)))
def test_logging_in_never_leaves_the_site(module_app, world, target):
    """After logging in with a hostile next, and when logged in already, is it still this site?"""
    client = module_app.test_client()
    query = f"?next={quote(target, safe='')}"
    form = {"email": EMAILS["learner"], "password": PASSWORD}
    token = csrf_token(client, f"/accounts/login{query}")
    response = client.post(f"/accounts/login{query}", data={"csrf_token": token, **form})
    assert response.status_code == 302
    assert stays_here(response.headers["Location"]), response.headers["Location"]
    again = client.get(f"/accounts/login{query}")
    assert again.status_code == 302
    assert stays_here(again.headers["Location"]), again.headers["Location"]


@pytest.mark.parametrize("target", ELSEWHERE, ids=range(len(ELSEWHERE)))
def test_registering_never_leaves_the_site(module_app, world, target):
    """After registering with a hostile next, is the new learner still on this site?"""
    client = module_app.test_client()
    query = f"?next={quote(target, safe='')}"
    number = ELSEWHERE.index(target)
    form = {"email": f"new{number}@example.org", "name": "New", "password": PASSWORD}
    token = csrf_token(client, f"/accounts/register{query}")
    response = client.post(
        f"/accounts/register{query}", data={"csrf_token": token, "confirm": PASSWORD, **form}
    )
    assert response.status_code == 302
    assert stays_here(response.headers["Location"]), response.headers["Location"]


def test_a_next_on_this_site_is_followed(module_app, world):
    """The control: is a plain path kept, for logging in and for registering?"""
    client = module_app.test_client()
    response = Auth(client).login(EMAILS["learner"], next_url="/portfolio/?year=2026")
    assert response.headers["Location"] == "/portfolio/?year=2026"
    client = module_app.test_client()
    token = csrf_token(client, "/accounts/register?next=/escalator/")
    form = {"email": "control@example.org", "name": "Control", "password": PASSWORD}
    response = client.post(
        "/accounts/register?next=/escalator/",
        data={"csrf_token": token, "confirm": PASSWORD, **form},
    )
    assert response.headers["Location"] == "/escalator/"


@pytest.mark.parametrize("target", ELSEWHERE, ids=range(len(ELSEWHERE)))
def test_being_asked_to_log_in_comes_back_to_this_site(module_app, world, target):
    """A login-only page asked with hostile text in its address: is its next a path here?"""
    client = module_app.test_client()
    response = client.get(f"/portfolio/?year={quote(target, safe='')}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert stays_here(location) and urlsplit(location).path == "/accounts/login"
    token = csrf_token(client, location)
    form = {"csrf_token": token, "email": EMAILS["learner"], "password": PASSWORD}
    logged_in = client.post(location, data=form)
    assert logged_in.status_code == 302
    assert stays_here(logged_in.headers["Location"]), logged_in.headers["Location"]
    # Back to the page; or home, as safe_next refuses a backslash even in the query.
    back = "/" if "\\" in target else "/portfolio/"
    assert urlsplit(logged_in.headers["Location"]).path == back


#: Odd paths, each redirected (Werkzeug adds a missing slash and merges doubled ones;
#: /verify/ tidies a code) or refused with a 404 (a host-like part that matches no route).
PATH_REDIRECTS = {
    "//evil.example/escalator": "refused",
    "///evil.example/escalator": "refused",
    "/\\evil.example/escalator": "refused",
    "//evil.example/catalogue": "refused",
    "/escalator": "redirected",
    "/catalogue": "redirected",
    "/verify/abcd-efgh-jkmn-pqrs": "redirected",
    "/verify/%2F%2Fevil.example": "refused",
    "//escalator": "redirected",
    "///escalator": "redirected",
    "//catalogue": "redirected",
    "//escalator//": "redirected",
    "/escalator//awareness": "redirected",
    "//verify/abcd-efgh-jkmn-pqrs": "redirected",
    "/verify//abcd-efgh-jkmn-pqrs": "redirected",
}


@pytest.mark.parametrize("path", list(PATH_REDIRECTS))
def test_a_redirect_of_a_path_stays_on_the_site(module_app, path):
    """Does a slash or tidy-up redirect of an odd path point at this site only, and is a path
    naming another host refused, not redirected?"""
    client = module_app.test_client()
    response = client.get("/", environ_overrides={"PATH_INFO": path, "REQUEST_URI": path})
    location = response.headers.get("Location")
    if PATH_REDIRECTS[path] == "redirected":
        assert response.status_code in (301, 302, 303, 307, 308), response.status_code
        assert location is not None and stays_here(location), location
    else:
        assert response.status_code == 404 and location is None, (response.status_code, location)


@pytest.mark.parametrize("code", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_the_code_form_stays_on_the_site(module_app, code):
    """Does /verify/ with a hostile code refuse it, never redirecting elsewhere?"""
    client = module_app.test_client()
    response = client.post(
        "/verify/", data={"csrf_token": csrf_token(client, "/verify/"), "code": code}
    )
    assert response.status_code == 400
