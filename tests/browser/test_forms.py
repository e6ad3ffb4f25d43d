"""Forms sent back with errors: the summary takes the focus and leads to each field.

Every page state whose form comes back with errors is checked: the error summary
has the focus when the page opens (its `autofocus` attribute, no script), each
of its links goes to a control that can take the focus, following a link with
the keyboard puts the focus there, and the field's inline error is linked to it
by aria-describedby, so a screen reader reads it with the field.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.keyboard import assert_focus_visible
from tests.browser.states import PAGES, state_params

ERROR_STATES = [name for name in PAGES if "with-errors" in name or name.endswith("error-summary")]

# Each link of the summary: its target, whether that is a control, and the text of
# everything the control and its fieldsets are described by (a screen reader reads
# a fieldset's description as the focus enters it).
LINK_TARGETS = """summary => [...summary.querySelectorAll('a[href^="#"]')].map(link => {
    const target = document.getElementById(link.hash.slice(1));
    const ids = [];
    for (let e = target; e; e = e.parentElement.closest('[aria-describedby]')) {
        if (e.hasAttribute('aria-describedby')) {
            ids.push(...e.getAttribute('aria-describedby').split(/\\s+/));
        }
        if (!e.parentElement) break;
    }
    return {
        message: link.textContent.trim(),
        id: link.hash.slice(1),
        control: !!target && target.matches('input:not([type=hidden]), select, textarea'),
        invalid: !!target && !!target.closest('[aria-invalid=true], .form-group--error'),
        description: ids.map(id => (document.getElementById(id) || {}).textContent || '').join(' '),
    };
})"""


def test_there_are_error_states_to_check():
    """The states come from PAGES by name: a renamed state must not empty the list silently."""
    assert len(ERROR_STATES) >= 15, ERROR_STATES


@pytest.mark.parametrize("name", state_params(ERROR_STATES))
def test_the_error_summary_takes_the_focus_and_leads_to_each_field(name, app, live_server, page):
    PAGES[name](page, live_server, app)

    summary = page.locator(".error-summary")
    expect(summary).to_have_count(1)
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")

    links = summary.evaluate(LINK_TARGETS)
    for link in links:
        assert link["control"], f"the summary's link to #{link['id']} leads to no form control"
        assert link["invalid"], f"#{link['id']} is not marked as being in error"
        assert link["message"] in link["description"], (
            f"the inline error {link['message']!r} is not in #{link['id']}'s aria-describedby: "
            f"{link['description']!r}"
        )

    if links:
        page.keyboard.press("Tab")
        expect(summary.get_by_role("link").first).to_be_focused()
        assert_focus_visible(page)
        page.keyboard.press("Enter")
        expect(page.locator(f"[id='{links[0]['id']}']")).to_be_focused()
        assert_focus_visible(page)
