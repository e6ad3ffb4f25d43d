"""Every page state at 320 CSS pixels wide (WCAG 1.4.10 Reflow) and at 200% zoom (1.4.4).

320 CSS pixels is a 1280-pixel-wide window zoomed to 400%. 200% zoom of a
1280×900 window is a 640×450 CSS-pixel viewport, drawn at device scale 2; the
browser context here is made that way (zooming by script or a style attribute is
not possible under the Content-Security-Policy, and would not be what a person does);
test_page_states.py sets the same viewport and scale on the page each state opened.

At each size: nothing scrolls sideways, no text is cut off by a box too small for
it, no text or control lies on top of another control, and every control is on
the page where it can be reached.
"""

from __future__ import annotations

import pytest

NARROW = {"width": 320, "height": 800}
ZOOMED = {"width": 640, "height": 450}

LAYOUT_FAULTS = """() => {
    const root = document.documentElement;
    // Hidden on purpose: for screen readers only (clipped to nothing), the skip link until
    // it has the focus, and what a closed <details> holds.
    const hiders = [...document.body.querySelectorAll('*')].filter(e => {
        const box = e.getBoundingClientRect();
        return getComputedStyle(e).clipPath !== 'none' || (box.width <= 1 && box.height <= 1);
    });
    const hidden = e => !!e.closest('.skip-link, details:not([open]) > :not(summary)')
        || hiders.some(h => h.contains(e));
    const describe = e => e.outerHTML.replace(/\\s+/g, ' ').slice(0, 120);
    const all = [...document.body.querySelectorAll('*')].filter(e => !hidden(e));

    const wide = all
        .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
        .slice(0, 5).map(describe);

    const controlSelector = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
    const controls = all.filter(e => e.matches(controlSelector));
    const unreachable = controls.filter(e => {
        const box = e.getBoundingClientRect();
        return box.width < 1 || box.height < 1 || box.left < -1 || box.right > root.clientWidth + 1;
    }).slice(0, 5).map(describe);

    // Text cut off: a box that hides what overflows it, holding text wider or taller than it.
    const clipped = all.filter(e => {
        if (e.closest('svg') || e.matches('input, select, textarea, option')) return false;
        const style = getComputedStyle(e);
        const clips = v => v === 'hidden' || v === 'clip';
        const across = clips(style.overflowX) && e.scrollWidth > e.clientWidth + 1;
        const down = clips(style.overflowY) && e.scrollHeight > e.clientHeight + 1;
        return (across || down) && e.textContent.trim() !== '';
    }).slice(0, 5).map(describe);

    // Text and controls on top of controls: every line of text, and every control,
    // against every other control that does not hold it.
    const boxes = [];
    for (const control of controls) {
        for (const r of control.getClientRects()) boxes.push({owner: control, r: r, control: true});
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const owner = node.parentElement;
        if (!node.textContent.trim() || hidden(owner) || owner.closest('svg, option, script, style')) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) boxes.push({owner: owner, r: r, control: false});
    }
    const overlaps = [];
    const apart = (a, b) => a.owner === b.owner || a.owner.contains(b.owner) || b.owner.contains(a.owner)
        || (a.owner.labels && [...a.owner.labels].includes(b.owner.closest('label')))
        || (b.owner.labels && [...b.owner.labels].includes(a.owner.closest('label')));
    for (const a of boxes.filter(b => b.control)) {
        for (const b of boxes) {
            if (b === a || (b.control && b.owner.compareDocumentPosition(a.owner) & 4) || apart(a, b)) continue;
            const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
            const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
            if (x > 2 && y > 2) overlaps.push(describe(a.owner) + '  overlaps  ' + describe(b.owner));
            if (overlaps.length >= 5) break;
        }
    }
    return {
        page: root.scrollWidth, viewport: root.clientWidth,
        wide: wide, unreachable: unreachable, clipped: clipped, overlaps: overlaps,
    };
}"""


@pytest.fixture
def zoomable_page(browser):
    """A page in a context drawn at device scale 2, as a browser zoomed to 200% draws."""
    return browser.new_context(viewport=NARROW, device_scale_factor=2).new_page()


def layout_faults(page, size: str) -> list[str]:
    """What is wrong with the layout at the viewport the page now has."""
    found = page.evaluate(LAYOUT_FAULTS)
    faults = []
    if found["page"] > found["viewport"]:
        faults.append(
            f"{size}: the page is {found['page']}px wide in a {found['viewport']}px viewport "
            f"(it scrolls sideways); wider elements: {found['wide']}"
        )
    for kind in ("unreachable", "clipped", "overlaps"):
        if found[kind]:
            faults.append(f"{size}: {kind}: " + "\n    ".join(found[kind]))
    return faults


def test_the_layout_check_finds_each_kind_of_fault(zoomable_page):
    """A page with one of each fault, so a check that sees nothing cannot pass every page."""
    page = zoomable_page
    page.set_content(
        """<html lang="en"><body>
        <p><a href="#">A link</a> <button id="b">On top</button></p>
        <table><tr><td>cells</td><td>too</td><td>wide</td><td>for</td><td>a</td><td>phone</td>
        <td>screen</td><td>at</td><td>all</td><td>really</td><td>much</td><td>too</td></tr></table>
        <div id="clip">Text in a box too small for it, cut off</div>
        <a href="#" id="away">Off the page</a>
        </body></html>"""
    )
    page.add_style_tag(
        content="""
        #b { position: absolute; left: 8px; top: 16px; }
        td { padding: 0 2rem; }
        #clip { width: 5rem; height: 1rem; overflow: hidden; white-space: nowrap; }
        #away { position: absolute; left: -500px; }
        """
    )
    faults = "\n".join(layout_faults(page, "320 px wide"))
    assert "scrolls sideways" in faults, faults
    assert "overlaps" in faults and 'id="b"' in faults, faults
    assert "clipped" in faults and 'id="clip"' in faults, faults
    assert "unreachable" in faults and 'id="away"' in faults, faults
