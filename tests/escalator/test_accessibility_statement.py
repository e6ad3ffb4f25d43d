"""The accessibility statement at /accessibility, and the footer link to it."""

from __future__ import annotations

import re


def test_every_page_links_to_the_accessibility_statement(client):
    """Is the statement linked from the footer of the pages, including an error page?"""
    for path in ("/", "/catalogue/", "/accounts/login", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        footer = page[page.index('<footer class="site-footer">') :]
        assert 'href="/accessibility"' in footer, path


def test_the_statement_follows_the_model_statement(client):
    """Does it say how accessible the site is, what is tested, the known issues, how to
    report a problem, the enforcement procedure and when it was prepared?"""
    response = client.get("/accessibility")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    headings = re.findall(r"<h[12][^>]*>(.*?)</h[12]>", page)
    assert headings[0] == "Accessibility statement for the Relational Learning Academy"
    for heading in (
        "How accessible this website is",
        "What we test",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this website's accessibility",
        "Preparation of this accessibility statement",
    ):
        assert heading in headings, heading
    assert 'href="mailto:accessibility@example.org"' in page
    assert "Equality and Human Rights Commission (EHRC)" in page
    assert "WCAG" in page and "320 CSS pixels" in page and "200% zoom" in page
    assert "keyboard" in page and "screen reader" in page and "axe-core" in page
    assert (
        'This statement was prepared on <time datetime="2026-12-02">2 December 2026</time>' in page
    )
