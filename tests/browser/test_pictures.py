"""The SVG pictures: a text alternative carrying their figures, and text readable on them.

Every <svg> on a page is either a picture (role="img" with an accessible name
that says what it shows, with its numbers) or decoration hidden from assistive
technology (aria-hidden="true"). The escalator's steps and the hours per month
are checked figure by figure against what the picture draws. axe cannot tell the
contrast of text drawn on SVG shapes (it lists it "for review by hand"), so it is
worked out here from the computed colours.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests.browser.states import PAGES, state_params

PICTURE_STATES = [
    "home",
    "home-logged-in-with-level",
    "escalator",
    "portfolio-empty",
    "portfolio",
    "portfolio-with-progress",
    "portfolio-record-printable-nmc",
    "shared",
]

SVGS = """() => [...document.querySelectorAll('svg')].map(svg => ({
    role: svg.getAttribute('role'),
    hidden: svg.closest('[aria-hidden=true]') !== null,
    id: svg.querySelector('title') ? svg.querySelector('title').id : null,
    counts: [...svg.querySelectorAll('.step__count')].map(t => t.textContent.trim()),
    months: svg.classList.contains('months'),
}))"""

MONTH_ROWS = """table => [...table.querySelectorAll('tbody tr')]
    .map(row => [...row.cells].map(cell => cell.textContent.trim()))"""


def accessible_name(page: Page, title_id: str) -> str:
    """The role and name Chromium gives screen readers for the picture whose <title> has this
    id, from its own accessibility tree (through the DevTools protocol)."""
    devtools = page.context.new_cdp_session(page)
    try:
        root = devtools.send("DOM.getDocument")["root"]["nodeId"]
        selector = f"svg:has(> title[id='{title_id}'])"
        node = devtools.send("DOM.querySelector", {"nodeId": root, "selector": selector})
        tree = devtools.send(
            "Accessibility.getPartialAXTree", {"nodeId": node["nodeId"], "fetchRelatives": False}
        )
    finally:
        devtools.detach()
    picture = tree["nodes"][0]
    role = picture.get("role", {}).get("value")
    assert role in ("image", "img"), f"the picture {title_id} is exposed as {role!r}, not an image"
    return picture.get("name", {}).get("value", "")


@pytest.mark.parametrize("name", state_params(PICTURE_STATES))
def test_every_picture_is_named_with_its_figures_or_hidden(name, app, live_server, page):
    PAGES[name](page, live_server, app)
    pictures = page.evaluate(SVGS)
    assert pictures, f"no picture on {page.url}"

    for picture in pictures:
        if picture["hidden"]:
            continue
        assert picture["role"] == "img", f"an SVG that is neither role=img nor hidden: {picture}"
        label = accessible_name(page, picture["id"])
        assert re.search(r"\d", label), f"the name of {picture['id']} has no figures: {label!r}"
        for count in picture["counts"]:  # "14 offers", "6.5 hours": each step's figure
            assert count in label, f"{count!r} is drawn but not in the name {label!r}"
        if picture["months"]:
            rows = page.locator(".months-figure table").evaluate(MONTH_ROWS)
            for month, hours in rows:
                if hours != "0":
                    assert f"{month}, {hours} hours" in label, (month, hours, label)


def luminance(colour: str) -> float:
    """Relative luminance of an rgb()/rgba() colour, as WCAG defines it."""
    channels = [int(c) / 255 for c in re.findall(r"[\d.]+", colour)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, two: str) -> float:
    """The contrast ratio of two colours."""
    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# Each step's text colour and the colour behind it: the step's fill, with the
# hours shading (a partly transparent fill) laid over it where there is one.
STEP_COLOURS = """() => [...document.querySelectorAll('svg.escalator .step')].map(step => {
    const parse = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const [base, shade] = step.querySelectorAll('rect');
    let back = parse(getComputedStyle(base).fill);
    if (shade) {
        const style = getComputedStyle(shade);
        const alpha = Number(style.fillOpacity) * Number(style.opacity);
        back = parse(style.fill).map((c, i) => c * alpha + back[i] * (1 - alpha));
    }
    return {
        background: `rgb(${back.map(Math.round).join(', ')})`,
        text: [...step.querySelectorAll('text')].map(t => getComputedStyle(t).fill),
    };
})"""


@pytest.mark.parametrize(
    "name", state_params(["home-logged-in-with-level", "portfolio-with-progress"])
)
def test_the_text_on_the_escalator_steps_has_enough_contrast(name, app, live_server, page):
    PAGES[name](page, live_server, app)
    steps = page.evaluate(STEP_COLOURS)
    assert steps
    for step in steps:
        for colour in step["text"]:
            ratio = contrast(colour, step["background"])
            assert ratio >= 4.5, f"{colour} on {step['background']}: {ratio:.2f}:1"
