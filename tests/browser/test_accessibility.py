"""axe-core on every kind of page, as each role that can see it, in headless Chromium.

test_page_states.py runs axe on every page state (on the same page load as the
reflow check); this module holds what it runs and shows the checking works. The rules run are those tagged for WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus
axe's best practices. Any violation fails the test, whatever its impact: a rule
of WCAG A or AA because the Academy promises WCAG 2.2 AA, a best practice because
each one found so far was quick to fix. Every page state's findings (and what
axe could not decide and a person should check) are listed in the run's summary,
with who was looking at the page.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.worlds import CURATOR, LEARNER, MEMBER, log_in_as, provider_world

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_TAGS = [*WCAG_TAGS, "best-practice"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": AXE_TAGS},
    "resultTypes": ["violations"],
}

axe = Axe()


def who_is_looking(page: Page) -> str:
    """The role the page was drawn for, read from the header's links."""
    nav = page.get_by_role("navigation", name="Main")
    if not nav.count():
        return "anyone (no site header)"
    if nav.get_by_role("link", name="Review", exact=True).count():
        return "curator"
    if nav.get_by_role("link", name="Your listings").count():
        return "provider member"
    if nav.get_by_role("button", name="Log out").count():
        return "learner"
    return "anonymous"


def describe(violation: dict) -> str:
    """One violation: rule, impact, tags, help, and each element it was found on."""
    wcag = ", ".join(tag for tag in violation["tags"] if tag in WCAG_TAGS) or "best practice"
    lines = [
        f"- {violation['id']} ({violation['impact']}; {wcag}): {violation['help']}",
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


def test_the_summary_tells_the_roles_apart(app, live_server, page):
    """Does who_is_looking name each role right, so the summary's roles can be trusted?"""
    provider_world(app)
    for email, role in (
        (None, "anonymous"),
        (LEARNER, "learner"),
        (MEMBER, "provider member"),
        (CURATOR, "curator"),
    ):
        page.context.clear_cookies()
        if email:
            log_in_as(page, live_server, email)
        page.goto(f"{live_server}/")
        assert who_is_looking(page) == role, email


def test_axe_is_really_running(page):
    """A page with known faults, so a broken axe injection cannot pass every page silently."""
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    found = {
        v["id"]: v["impact"] for v in axe.run(page, options=AXE_OPTIONS).response["violations"]
    }
    assert found.get("image-alt") == "critical", found
    assert found.get("label") == "critical", found
    assert found.get("html-has-lang") == "serious", found
    assert "region" in found, found  # a best practice: content outside every landmark
