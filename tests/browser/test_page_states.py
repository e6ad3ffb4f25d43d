"""Every page state, opened once, checked by axe and for reflow.

Each state of tests/browser/states.py is opened once, as a person reaches it, in a
1280×900 window; pytest then runs both checks on that page one after the other
(the fixture is module-scoped and parametrised, so pytest groups the tests by
state): axe-core at 1280×900 (test_accessibility.py says which rules), then the
layout at 320 CSS pixels wide and at 200% zoom, drawn at device scale 2
(test_reflow.py says what is checked). Each check sets the viewport and scale it
needs, so either passes or fails alone, in any order. Whatever the
Content-Security-Policy blocked on the page fails the state's last test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from playwright.sync_api import CDPSession, Page

from tests.browser.conftest import VIEWPORT, Site, WatchedBrowser, blocked_report, own_site, reading
from tests.browser.states import PAGES, READS_ONLY
from tests.browser.test_accessibility import AXE_OPTIONS, axe, describe, who_is_looking
from tests.browser.test_reflow import NARROW, ZOOMED, layout_faults
from tests.conftest import cheap_password_hashes


@dataclass
class OpenState:
    """A page state as a test finds it: the page, the site it came from, and a DevTools
    session to change the device scale as Playwright's context option would have."""

    name: str
    page: Page
    site: Site
    devtools: CDPSession

    def show_at(self, size: dict, scale: int) -> None:
        """Give the page this viewport and device scale, as a context made with them has."""
        self.page.set_viewport_size(size)  # the window and viewport, at Playwright's scale 1
        self.devtools.send(
            "Emulation.setDeviceMetricsOverride",
            {  # what Playwright sends for viewport=size, device_scale_factor=scale
                "mobile": False,
                "width": size["width"],
                "height": size["height"],
                "screenWidth": size["width"],
                "screenHeight": size["height"],
                "deviceScaleFactor": scale,
                "screenOrientation": {"angle": 0, "type": "landscapePrimary"},
            },
        )
        shown = self.page.evaluate("() => [innerWidth, innerHeight, devicePixelRatio]")
        assert shown == [size["width"], size["height"], scale], shown


@pytest.fixture(scope="module", params=list(PAGES))
def page_state(request, chromium, demo, tmp_path_factory) -> Iterator[OpenState]:
    """The page state, opened once for both checks below; on the module's shared site if
    it only reads, else on a site of its own."""
    name = request.param
    with ExitStack() as stack:
        if name in READS_ONLY:
            shared = request.getfixturevalue("shared_site")
            site = stack.enter_context(reading(shared, demo, f"the page state {name}"))
        else:
            site = stack.enter_context(own_site(demo, tmp_path_factory.mktemp("state")))
        browser = WatchedBrowser(chromium)
        stack.callback(browser.close)
        page = browser.new_context(viewport=VIEWPORT).new_page()
        with cheap_password_hashes():
            PAGES[name](page, site.url, site.app)
        devtools = page.context.new_cdp_session(page)
        yield OpenState(name, page, site, devtools)
    assert not browser.blocked, blocked_report(browser.blocked)


def test_no_accessibility_violations(page_state, axe_findings):
    page = page_state.page
    page_state.show_at(VIEWPORT, scale=1)

    results = axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    axe_findings[page_state.name] = {
        "path": page.url.removeprefix(page_state.site.url),
        "role": who_is_looking(page),
        "violations": violations,
        "needs review": results.response.get("incomplete", []),
    }
    assert not violations, f"axe found {len(violations)} violation(s) on {page.url}:\n" + "\n".join(
        describe(v) for v in violations
    )


def test_reflows_at_320_pixels_and_at_200_percent_zoom(page_state):
    page = page_state.page
    page_state.show_at(NARROW, scale=2)

    faults = layout_faults(page, "320 px wide")
    page_state.show_at(ZOOMED, scale=2)
    faults += layout_faults(page, "200% zoom (640×450)")

    assert not faults, f"{page.url}:\n" + "\n".join(faults)
