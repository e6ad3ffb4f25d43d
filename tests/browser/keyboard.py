"""Moving through pages with the keyboard only, checking the focus is visible at every stop.

Every helper here presses keys (Tab, Shift+Tab, Enter, Space, arrows) or types into
whatever has the focus: nothing clicks, and nothing fills a field it did not reach.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

# What the focused element looks like: its focus indicator, and whether it is on screen.
FOCUS_STATE = """() => {
    const e = document.activeElement;
    if (!e || e === document.body || e === document.documentElement) {
        return {element: null};
    }
    const style = getComputedStyle(e);
    const clear = c => c === 'transparent' || /rgba\\(.*,\\s*0\\)$/.test(c);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        && !clear(style.outlineColor);
    const shadow = style.boxShadow !== 'none';
    const box = e.getBoundingClientRect();
    // On screen: wholly, or (a tall text box scrolled to its caret) at least 16 pixels of it.
    const seen = (low, high, size) => Math.min(high, size) - Math.max(low, 0);
    const onScreen = box.width > 0 && box.height > 0
        && seen(box.left, box.right, innerWidth) >= Math.min(box.width, 16) - 1
        && seen(box.top, box.bottom, innerHeight) >= Math.min(box.height, 16) - 1;
    return {
        element: e.outerHTML.slice(0, 160),
        indicator: outline || shadow,
        onScreen: onScreen,
        box: [box.left, box.top, box.right, box.bottom].map(Math.round),
    };
}"""

IS_FOCUSED = "element => element === document.activeElement"


def focus_state(page: Page) -> dict:
    """The focused element (None when the page itself has the focus) and how it shows."""
    return page.evaluate(FOCUS_STATE)


def assert_focus_visible(page: Page) -> dict:
    """The focused element has a visible focus indicator and is within the viewport."""
    state = focus_state(page)
    if state["element"] is None:
        return state
    assert state["indicator"], f"no visible focus indicator (outline or shadow) on {state}"
    assert state["onScreen"], f"the focused element is not within the viewport: {state}"
    return state


def is_focused(target: Locator) -> bool:
    """Whether target has the focus."""
    return target.evaluate(IS_FOCUSED)


def tab_to(page: Page, target: Locator, *, limit: int = 60, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until target has the focus, checking the focus at every stop."""
    expect(target).to_be_attached()
    stops = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        state = assert_focus_visible(page)
        if is_focused(target):
            return
        stops.append(state["element"])
    raise AssertionError(
        f"{target} was not reached in {limit} presses of Tab; the last stops were:\n"
        + "\n".join(str(stop) for stop in stops[-8:])
    )


def press_enter_and_wait(page: Page) -> None:
    """Press Enter on a link, button or field whose form goes to a new page; wait for that page."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page: Page, target: Locator, text: str, *, limit: int = 60) -> None:
    """Tab to a field and type into it, in place of anything it held."""
    tab_to(page, target, limit=limit)
    page.keyboard.press("Control+A")  # replace what is there, as a person selecting it would
    page.keyboard.type(text)


def skip_to_main(page: Page) -> None:
    """The first Tab stop of a freshly loaded page is the skip link; Enter focuses main."""
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert is_focused(skip), f"the first Tab stop is not the skip link: {focus_state(page)}"
    expect(skip).to_be_in_viewport()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def choose_radio(page: Page, group: Locator, name: str, *, limit: int = 60) -> None:
    """Tab into a group of radio buttons (its checked one, or its first), then arrow to name."""
    radios = group.get_by_role("radio")
    wanted = group.get_by_role("radio", name=name, exact=True)
    checked = group.get_by_role("radio", checked=True)
    tab_to(page, checked if checked.count() else radios.first, limit=limit)
    for _ in range(radios.count()):
        if is_focused(wanted):
            break
        page.keyboard.press("ArrowDown")
        assert_focus_visible(page)
    assert is_focused(wanted), f"arrows never reached the radio {name!r}: {focus_state(page)}"
    if not wanted.is_checked():
        page.keyboard.press("Space")
    expect(wanted).to_be_checked()


def choose_option(page: Page, select: Locator, label: str, *, limit: int = 40) -> None:
    """Tab to a drop-down list and arrow down (from the top) to the option called label."""
    tab_to(page, select, limit=limit)
    page.keyboard.press("Home")
    for _ in range(limit):
        chosen = select.evaluate("s => s.selectedOptions[0] && s.selectedOptions[0].text")
        if chosen == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {label!r} in {select}")


def tab_through_the_page(page: Page, *, limit: int = 400) -> list[str]:
    """Tab from the top until the focus leaves the page; return every stop, checked on the way.

    Leaving the page (the focus going back to the document, that is to the browser's own
    controls) after the last stop shows there is no keyboard trap.
    """
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = assert_focus_visible(page)
        if state["element"] is None:
            return stops
        stops.append(state["element"])
    raise AssertionError(
        f"after {limit} presses of Tab the focus never left the page (a keyboard trap?); "
        f"the last stops were:\n" + "\n".join(stops[-8:])
    )
