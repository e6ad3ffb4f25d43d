"""Browser fixtures: headless Chromium through Playwright, and the app on a live server.

Every test in tests/browser is marked `browser`. Chromium is Debian's
(/usr/bin/chromium); Playwright's own browser downloads are never used. Where
Chromium is missing or will not start, the tests skip, or fail when
ACADEMY_TEST_REQUIRE includes "browser" (as .ci/run sets it).

The `page` fixture here is our own: pytest-playwright is not installed, and
these fixtures would shadow its `browser` and `page` if it ever were.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from academy.catalogue.demo import demo_path, load_demo
from academy.extensions import db
from tests.conftest import skip_unless_available

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test under tests/browser with `browser`."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


AXE_FINDINGS = pytest.StashKey[dict]()


@pytest.fixture
def axe_findings(request) -> dict:
    """Where accessibility tests file what axe found, page by page, for the run's summary."""
    return request.config.stash.setdefault(AXE_FINDINGS, {})


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """List every axe violation seen, failing or not, so moderate and minor ones are seen too."""
    findings = config.stash.get(AXE_FINDINGS, None)
    if not findings:
        return
    terminalreporter.section("axe-core accessibility findings (all impacts)")
    impacts = {"critical": 0, "serious": 0, "moderate": 0, "minor": 0}
    for name, found in findings.items():
        violations = ", ".join(
            f"{v['id']} ({v['impact']}, {len(v['nodes'])} element{'s' * (len(v['nodes']) != 1)})"
            for v in found["violations"]
        )
        for violation in found["violations"]:
            impacts[violation["impact"]] = impacts.get(violation["impact"], 0) + 1
        where = f"{name} ({found.get('path', '?')}, as {found.get('role', '?')})"
        terminalreporter.write_line(f"{where}: violations: {violations or 'none'}")
        # axe lists one example element for these; each needs a person to check it.
        review = ", ".join(f"{v['id']} ({v['impact']})" for v in found["needs review"])
        if review:
            terminalreporter.write_line(f"{name}: needs review by hand: {review}")
    roles = sorted({found.get("role", "?") for found in findings.values()})
    terminalreporter.write_line(
        f"{len(findings)} page states, seen as {', '.join(roles)}; violations by impact: "
        + ", ".join(f"{impact} {count}" for impact, count in impacts.items())
    )


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        skip_unless_available("browser", f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        skip_unless_available("browser", f"Playwright is not installed: {error}")
    manager = sync_playwright()
    playwright = manager.start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Exception as error:  # noqa: BLE001 - any launch failure means "not available"
        manager.__exit__(None, None, None)
        first_line = (str(error).strip().splitlines() or [""])[0]
        skip_unless_available(
            "browser", f"Chromium at {CHROMIUM} did not start: {type(error).__name__}: {first_line}"
        )
    yield chromium
    chromium.close()
    manager.__exit__(None, None, None)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The test app, with the demo catalogue loaded, served on a free local port."""
    with app.app_context():
        load_demo(demo_path())
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def watch_for_blocked_content(tab) -> list[str]:
    """A list that fills with each thing the page's Content-Security-Policy blocks."""
    blocked: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            blocked.append(f"{tab.url}: {message.text}")

    tab.on("console", on_console)
    return blocked


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page for one test.

    Every page the test opens is watched for what the Content-Security-Policy
    blocked (Chromium reports it on the console): a blocked script, style or
    image means a page that looks or works differently for real visitors, so it
    fails the test. Pages the test writes itself (`set_content`) have no policy.
    """
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    blocked = watch_for_blocked_content(tab)
    yield tab
    context.close()
    assert not blocked, "the Content-Security-Policy blocked something:\n" + "\n".join(blocked)
