"""The Content-Security-Policy in a real browser: injected script and style do not run.

Every other browser test fails if the policy blocks anything on a real page
(tests/browser/conftest.py watches the console); this one shows the watch sees
a violation, and that the policy would stop a script that escaping let through.
"""

from __future__ import annotations

from tests.browser.conftest import TIMEOUT_MS, VIEWPORT, watch_for_blocked_content

INJECTED = (
    "<!doctype html><html lang=en><title>Untouched</title>"
    "<p id=styled style='color: rgb(255, 0, 0)'>Styled inline</p>"
    "<script>document.title = 'Script ran'</script>"
    "<img src=x onerror=\"document.title = 'Handler ran'\" alt=''>"
)


def test_inline_script_style_and_handlers_are_blocked(app, live_server, chromium):
    """If a page ever carried an injected script, would the browser refuse to run it?"""
    app.add_url_rule("/test-injected", "test_injected", lambda: INJECTED)
    # Chromium itself, not the `browser` fixture: what is blocked here is meant to be.
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    blocked = watch_for_blocked_content(tab)
    try:
        tab.goto(f"{live_server}/test-injected")
        tab.wait_for_load_state("load")
        assert tab.title() == "Untouched"
        color = tab.eval_on_selector("#styled", "e => getComputedStyle(e).color")
        assert color != "rgb(255, 0, 0)"
        assert len(blocked) >= 3, blocked  # the style, the script and the handler
    finally:
        context.close()
