"""axe-core on every kind of page, in headless Chromium.

A violation of impact "serious" or "critical" fails the test; moderate and
minor ones are printed and listed in the run's summary ("axe-core
accessibility findings") without failing. The rules run are those tagged for
WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus axe's best practices.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from academy.catalogue.models import Offering
from academy.extensions import db
from tests.conftest import PASSWORD
from tests.factories import gen_user

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": AXE_TAGS},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}

axe = Axe()


def demo_offering(app) -> tuple[str, str]:
    """The slugs of a demo offer showing as much of the offer page as possible, and its provider."""
    with app.app_context():
        offerings = db.session.scalars(
            select(Offering).where(Offering.status == "published").order_by(Offering.id)
        ).all()
        assert offerings, "the demo catalogue has no published offers"

        def richness(offering: Offering) -> int:
            return sum(
                bool(x)
                for x in (
                    offering.upcoming_sessions,
                    offering.booking_url,
                    offering.co_production_statement,
                    offering.credit_value,
                    offering.co_delivered,
                    offering.provider.user_led,
                )
            )

        chosen = max(offerings, key=richness)
        return chosen.slug, chosen.provider.slug


def log_in(page: Page, base: str, app, *, level: str | None = None) -> None:
    """Make an account and log in through the form."""
    with app.app_context():
        gen_user("axe@example.org", name="Alex Axe", self_assessed_level=level)
    page.goto(f"{base}/accounts/login")
    page.get_by_label("Email address").fill("axe@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged in")


def visit(path: str, status: int = 200) -> Callable:
    def go(page: Page, base: str, app) -> None:
        response = page.goto(base + path)
        assert response is not None and response.status == status, (path, response.status)

    return go


def offering_page(page: Page, base: str, app) -> None:
    slug, _ = demo_offering(app)
    visit(f"/catalogue/{slug}")(page, base, app)
    expect(page.get_by_role("link", name="Add these dates to your calendar")).to_be_visible()


def provider_page(page: Page, base: str, app) -> None:
    _, slug = demo_offering(app)
    visit(f"/providers/{slug}")(page, base, app)


def register_with_errors(page: Page, base: str, app) -> None:
    visit("/accounts/register")(page, base, app)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def profile_logged_in(page: Page, base: str, app) -> None:
    log_in(page, base, app)
    visit("/accounts/profile")(page, base, app)


def home_with_a_level(page: Page, base: str, app) -> None:
    log_in(page, base, app, level="awareness")
    visit("/")(page, base, app)
    expect(page.get_by_role("heading", name="Training at your level: Awareness")).to_be_visible()


def search_with_errors(page: Page, base: str, app) -> None:
    response = page.goto(f"{base}/catalogue/?level=nonsense")
    assert response is not None and response.status < 500, response.status
    expect(page.get_by_role("alert")).to_be_visible()


PAGES = {
    "home": visit("/"),
    "home-logged-in-with-level": home_with_a_level,
    "escalator": visit("/escalator/"),
    "escalator-level": visit("/escalator/awareness"),
    "catalogue": visit("/catalogue/"),
    "catalogue-results": visit("/catalogue/?q=awareness&level=awareness"),
    "catalogue-error-summary": search_with_errors,
    "offering": offering_page,
    "provider": provider_page,
    "login": visit("/accounts/login"),
    "register": visit("/accounts/register"),
    "register-with-errors": register_with_errors,
    "profile-logged-in": profile_logged_in,
    "not-found": visit("/no-such-page", status=404),
}


def describe(violation: dict) -> str:
    """One violation: rule, impact, help, and each element it was found on."""
    lines = [
        f"- {violation['id']} ({violation['impact']}): {violation['help']}",
        f"  {violation['helpUrl']}",
    ]
    for node in violation["nodes"]:
        target = " ".join(str(part) for part in node["target"])
        lines.append(f"  * {target}")
        html = " ".join(node.get("html", "").split())
        if html:
            lines.append(f"      {html[:200]}")
        summary = " ".join((node.get("failureSummary") or "").split())
        if summary:
            lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_violations(name, app, live_server, page, axe_findings):
    PAGES[name](page, live_server, app)

    results = axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    axe_findings[f"{name} ({page.url.removeprefix(live_server)})"] = {
        "violations": violations,
        "needs review": results.response.get("incomplete", []),
    }

    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    others = [v for v in violations if v["impact"] not in FAILING_IMPACTS]
    if others:
        print(f"axe: {len(others)} moderate or minor violation(s) on {page.url}:")
        print("\n".join(describe(v) for v in others))
    assert not failing, (
        f"axe found {len(failing)} serious or critical violation(s) on {page.url}:\n"
        + "\n".join(describe(v) for v in failing)
    )


def test_axe_is_really_running(page, axe_findings):
    """A page with known faults, so a broken axe injection cannot pass every page silently."""
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    found = {
        v["id"]: v["impact"] for v in axe.run(page, options=AXE_OPTIONS).response["violations"]
    }
    assert found.get("image-alt") == "critical", found
    assert found.get("label") == "critical", found
    assert found.get("html-has-lang") == "serious", found


REFLOW_PAGES = [
    "home",
    "catalogue-results",
    "catalogue-error-summary",
    "offering",
    "register-with-errors",
    "profile-logged-in",
]


@pytest.mark.parametrize("name", REFLOW_PAGES)
def test_reflows_at_320_css_pixels_without_sideways_scrolling(name, app, live_server, page):
    """WCAG 1.4.10 Reflow: at 320 CSS pixels wide, nothing needs scrolling in two directions."""
    page.set_viewport_size({"width": 320, "height": 800})
    PAGES[name](page, live_server, app)
    widths = page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            viewport: document.documentElement.clientWidth,
            wide: [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .filter(e => !e.closest('.visually-hidden, .skip-link'))
                .slice(0, 5)
                .map(e => e.outerHTML.slice(0, 120)),
        })"""
    )
    assert widths["page"] <= widths["viewport"], (
        f"{page.url} is {widths['page']}px wide at a {widths['viewport']}px viewport; "
        f"wider elements: {widths['wide']}"
    )
