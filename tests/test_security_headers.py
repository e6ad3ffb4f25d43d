"""Security headers on every kind of response, cookies kept to their site, nothing inline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from academy import create_app
from academy.security import CONTENT_SECURITY_POLICY
from tests.conftest import PASSWORD, app_settings
from tests.factories import gen_user

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/", 200),
        ("/catalogue/", 200),
        ("/catalogue/?level=nowhere", 400),
        ("/api/v1/offerings", 200),
        ("/api/v1/offerings?level=nowhere", 400),
        ("/no-such-page", 404),
        ("/static/academy.css", 200),
        ("/portfolio/", 302),
        ("/healthz", 200),
    ],
)
def test_every_kind_of_response_carries_the_headers(app, client, catalogue, url, status):
    """Do pages, errors, JSON, redirects and static files all carry the security headers?"""
    response = client.get(url)
    assert response.status_code == status
    csp = policy(response)
    assert (
        csp["script-src"] == "'self'"
        and "unsafe" not in response.headers["Content-Security-Policy"]
    )
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http: meaningless


def test_a_not_modified_answer_keeps_the_headers(app, client, catalogue):
    """Is a 304 from the page cache as protected as the page?"""
    first = client.get("/catalogue/")
    again = client.get("/catalogue/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_hsts_is_sent_over_https(app, client):
    """Over TLS, does every response tell the browser to use nothing else for a year?"""
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_follows_the_proxy_when_one_is_trusted(database_url, release_after):
    """Behind a TLS-terminating load balancer (ACADEMY_PROXY_COUNT=1), is HSTS still sent?"""
    behind_proxy = release_after(create_app(app_settings(database_url, PROXY_COUNT=1)))
    response = behind_proxy.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    alone = release_after(create_app(app_settings(database_url)))
    forged = alone.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers


def test_a_stricter_view_keeps_its_own_referrer_policy(app, client):
    """Shared portfolio pages send no referrer at all; does the default leave that alone?"""
    response = client.get("/shared/no-such-token")
    assert response.status_code == 404
    assert response.headers["Referrer-Policy"] == "no-referrer"


def session_set_cookie(app) -> str:
    """The Set-Cookie header for the session, after logging in through the form."""
    with app.app_context():
        gen_user("sam@example.org")
    client = app.test_client()
    page = client.get("/accounts/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/accounts/login",
        data={"csrf_token": token, "email": "sam@example.org", "password": PASSWORD},
        base_url="https://localhost",
        # Over HTTPS Flask-WTF also checks the Referer, which our policy lets a browser send.
        headers={"Referer": "https://localhost/accounts/login"},
    )
    assert response.status_code == 302
    [cookie] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    return cookie


def test_the_session_cookie_is_httponly_same_site_and_secure(database_url, release_after):
    """Can no script read the session cookie, no other site's form carry it, and plain http
    never see it? (Secure is the default, however the app is served.)"""
    settings = app_settings(database_url)
    del settings["SESSION_COOKIE_SECURE"]  # the tests' own plain-http setting
    app = release_after(create_app(settings))
    cookie = session_set_cookie(app)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_a_plain_http_server_can_turn_secure_off(monkeypatch, database_url, release_after):
    """Does ACADEMY_SESSION_COOKIE_SECURE=false (as `make run` sets) leave Secure off?"""
    monkeypatch.setenv("ACADEMY_SESSION_COOKIE_SECURE", "false")
    settings = app_settings(database_url)
    del settings["SESSION_COOKIE_SECURE"]
    app = release_after(create_app(settings))
    cookie = session_set_cookie(app)
    assert "HttpOnly" in cookie and "Secure" not in cookie


def test_make_run_serves_plain_http_without_a_secure_cookie():
    """Does `make run` (flask run on http://127.0.0.1) turn Secure off, so logging in works?"""
    makefile = (TEMPLATES.parent / "Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "ACADEMY_SESSION_COOKIE_SECURE=false $(FLASK) run" in run_recipe


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_holds_inline_script_or_style(path):
    """Would the policy block anything a template writes? (Inline code, handlers, style="".)"""
    text = path.read_text()
    for pattern in (INLINE_SCRIPT, HANDLER, STYLE_ATTRIBUTE, JAVASCRIPT_URL):
        found = pattern.search(text)
        assert found is None, f"{path.name}: {found.group(0)[:80]!r} needs the policy relaxed"


#: How a template names another it is drawn with.
USES = re.compile(r'\{%-?\s*(?:extends|include|import|from)\s+"([^"]+)"')


def drawn_with(path: Path) -> dict[str, str]:
    """The text of a template and of every template it extends, includes or imports, at any
    depth (errors/404.html is drawn with errors/base.html, and so with base.html)."""
    texts: dict[str, str] = {}
    waiting = [path]
    while waiting:
        template = waiting.pop()
        name = str(template.relative_to(TEMPLATES))
        if name not in texts:
            texts[name] = template.read_text()
            waiting += [TEMPLATES / used for used in USES.findall(texts[name])]
    return texts


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_page_with_the_log_out_form_withholds_its_referer(path):
    """Over HTTPS a form is checked against its Referer: would a page's own referrer policy
    make the log-out button in its header fail? (Pages on the site layout, at any depth, have
    that form and may say same-origin; only a page drawn with no form at all may say
    no-referrer.)"""
    texts = drawn_with(path)
    forms = sorted(name for name, text in texts.items() if "<form" in text)
    withholding = sorted(name for name, text in texts.items() if 'content="no-referrer"' in text)
    assert not (forms and withholding), f"forms from {forms}, no-referrer from {withholding}"
