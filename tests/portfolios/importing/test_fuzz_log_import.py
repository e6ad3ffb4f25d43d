"""Fuzzing the learner's CPD-log import with hypothesis: upload, preview, confirm.

Each example is a file of generated activities: about half the rows clean
(any script, dates in the forms accepted, hours as numbers or text, levels
by key or label, a link to an offer's page), the rest with a few cells made
hostile. Through the real forms: never a 500; a file with problems writes
nothing to any table; a clean one adds exactly the activities the preview
said, the others being those already in the portfolio.

ACADEMY_FUZZ_EXAMPLES raises the number of examples (see tests/fuzzing.py).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from academy.config import Defaults
from academy.portfolios.importing.columns import EXAMPLE_TITLE
from academy.reference import load_reference
from academy.timeutil import today
from tests.factories import gen_offering
from tests.fuzzing import (
    cell,
    changes,
    csv_file,
    dates,
    fuzz_settings,
    junk,
    numbers,
    over_long,
    row_counts,
    spiced,
    terms,
    xlsx_file,
    yes_no,
)
from tests.portfolios.importing.test_log_import import HEADERS, confirm, upload

REF = load_reference(Defaults.DATA_DIR)
WRITING = HEADERS[HEADERS.index("What it was and why it is relevant") : HEADERS.index("Evidence")]

#: Text a person writes, in any script: a letter or digit first (so never a formula).
words = st.builds(
    str.__add__,
    st.characters(codec="utf-8", categories=["L", "N"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=40),
)
#: A few titles that are the same activity written differently (the import matches them).
titles = words | st.sampled_from(["Trauma-informed care", "trauma-informed  CARE", "漢字"])


@st.composite
def activities(draw, page: str):
    """An activity by header: good values, with up to three made hostile a third of the time."""
    start = today() - timedelta(days=draw(st.integers(0, 3650)))
    end = start + timedelta(days=draw(st.integers(0, 3)))
    hours = draw(st.decimals("0.5", "48", places=1))
    row = {
        "Title": draw(titles),
        "Provider": draw(st.none() | words),
        "Type of activity": draw(st.none() | terms(REF.activity_types)),
        "Start date": draw(st.sampled_from([start, start.isoformat(), f"{start:%d/%m/%Y}"])),
        "End date": draw(st.sampled_from([None, end, f"{end:%d %B %Y}"])),
        "Hours": draw(st.sampled_from([float(hours), str(hours)])),
        "Participatory hours": draw(st.none() | st.just(float(hours) / 2)),
        "Level": draw(st.none() | terms(REF.escalator) | st.just("Not sure")),
        "Format": draw(st.none() | terms(REF.formats)),
        "Co-delivered": draw(st.none() | st.sampled_from(["yes", "no"])),
        "Co-designed": draw(st.none() | st.sampled_from(["Yes", "No", "y"])),
        "Evidence": draw(st.none() | words),
        "Catalogue page": draw(st.none() | st.just(page) | st.just(page + "-gone")),
    }
    row |= {header: draw(st.none() | words) for header in WRITING}
    if draw(st.integers(0, 2)) == 0:
        for header in draw(st.sets(st.sampled_from(HEADERS), max_size=3)):
            row[header] = draw(
                st.one_of(
                    junk,
                    numbers,
                    dates,
                    yes_no,
                    spiced(st.just(row[header] or "")),
                    over_long,
                    st.just(EXAMPLE_TITLE),
                    st.sampled_from(["'=1+1", "Total (2 activities)"]),
                )
            )
    return row


@pytest.fixture
def learner(app, auth):
    """A logged-in learner, and the address of a published offer their log may link to."""
    auth.register()
    with app.app_context():
        slug = gen_offering(title="Personality disorder awareness").slug
    return f"http://localhost/catalogue/{slug}"


def is_read(row: dict, kind: str) -> bool:
    """Whether the import reads a row at all: it skips blank ones (a formula without a saved
    value, as openpyxl writes one, reads as blank), the template's example and totals rows."""
    title = " ".join(str(cell(row.get("Title")) or "").split())
    if title == EXAMPLE_TITLE or re.match(r"(?i)^total \([\d,]+ activit(y|ies)\)$", title):
        return False  # (a totals row is skipped only without a start date: close enough here)
    for header in HEADERS:
        value = cell(row.get(header)) if kind == "xlsx" else row.get(header)
        if kind == "xlsx" and isinstance(value, str) and len(value) > 1 and value[0] == "=":
            continue
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return True
    return False


def counted(html: str, what: str) -> int:
    """A count from the preview's list ("3 to add")."""
    return int(re.search(rf"<strong>([\d,]+)</strong> {what}", html).group(1).replace(",", ""))


@fuzz_settings(100)
@given(data=st.data(), kind=st.sampled_from(["xlsx", "csv"]))
def test_a_cpd_log_is_brought_in_whole_or_not_at_all(app, client, learner, data, kind):
    """Never a 500; with problems nothing is written; clean, exactly the activities shown."""
    rows = data.draw(st.lists(activities(learner), min_size=1, max_size=5), label="rows")
    file = xlsx_file({"Activities": (HEADERS, rows)}) if kind == "xlsx" else csv_file(HEADERS, rows)
    before = row_counts(app)
    page = upload(client, file, f"log.{kind}")
    assert page.status_code in (200, 400)
    html = page.get_data(as_text=True)
    if page.status_code == 400:
        event("the file had problems")
        assert "<title>Error:" in html
        assert row_counts(app) == before
        return
    new, already = counted(html, "to add"), counted(html, "already in your portfolio")
    assert new + already == sum(is_read(row, kind) for row in rows)
    if not new:
        event("every activity was already there")
        assert 'name="token"' not in html
        assert row_counts(app) == before
        return
    event("the file was brought in")
    done = confirm(client, page)
    assert done.status_code == 302
    assert changes(before, row_counts(app)) == {"portfolio_entries": new}
    shown = client.get(done.location).get_data(as_text=True)
    assert f"{new:,} activit{'y' if new == 1 else 'ies'} added to your portfolio." in shown
