"""Fuzzing a provider's offer import with hypothesis: upload, preview, confirm, and the CLI.

Each example is a file of generated rows: about half clean (keys and labels,
numbers as text, dates in the forms accepted, unicode), the rest with a few
cells made hostile (junk, formulas, huge and negative numbers, odd dates,
over-long text, NUL and other control characters). It goes through the real
path, each time for a new organisation of the logged-in member: never a 500;
a file with problems writes nothing to any table; a clean one writes exactly
the offers and dates it said it would.

ACADEMY_FUZZ_EXAMPLES raises the number of examples (see tests/fuzzing.py).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from academy.accounts.operations import find_user
from academy.catalogue.importing.columns import EXAMPLE_REFERENCE
from academy.config import Defaults
from academy.extensions import db
from academy.reference import load_reference
from academy.spreadsheets.kinds import as_text
from academy.timeutil import today
from tests.catalogue.importing.files import OFFER_HEADERS, SESSION_HEADERS, confirm, upload
from tests.factories import gen_provider, gen_user
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
    several,
    spiced,
    terms,
    xlsx_file,
    yes_no,
)

REF = load_reference(Defaults.DATA_DIR)
#: Tables a clean import may add rows to; every other table keeps its count.
WRITTEN = {"offerings", "offering_sessions", "offering_tags", "audit_events"}

#: Text a person writes, in any script: a letter or digit first (so never a formula).
words = st.builds(
    str.__add__,
    st.characters(codec="utf-8", categories=["L", "N"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=40),
)
amounts = st.decimals(0, 5000, places=2).map(str) | st.integers(0, 5000) | st.just("free")
hours = st.none() | st.decimals(0, 10000, places=1).map(float) | st.sampled_from(["12.5", "6"])
web = st.none() | st.from_regex(r"https://example\.org/[a-z0-9/]{0,20}", fullmatch=True)

#: For each column, values that should import, and values that may not.
GOOD = {
    # Titles that make the same slug (or none: "item") as well as any.
    "title": words
    | st.sampled_from(["Awareness day", "awareness DAY!", "Ａｗａｒｅｎｅｓｓ day", "漢字"]),
    "summary": words,
    "description": words,
    "level": terms(REF.escalator),
    "format": terms(REF.formats),
    "contact_hours": hours,
    "cpd_hours": hours,
    "cost_gbp": amounts,
    "audiences": st.lists(terms(REF.audiences), max_size=3).map("; ".join),
    "sectors": st.lists(terms(REF.sectors), max_size=3).map("; ".join),
    "ee_values": st.lists(terms(REF.ee_values), max_size=3).map("; ".join),
    "co_designed": st.sampled_from(["yes", "no", "Yes", "NO"]) | st.booleans() | st.none(),
    "co_delivered": st.sampled_from(["yes", "no", "y", "n"]) | st.none(),
    "lived_experience_led": st.sampled_from(["yes", "no", "true", "false"]),
    "co_production_statement": st.none() | words,
    "booking_url": web,
}
SESSION_GOOD = {
    "venue": words,
    "region": terms(REF.regions),
    "online": st.sampled_from(["no", "No", "n"]) | st.just(False),
    "places": st.none() | st.integers(1, 100_000) | st.integers(1, 500).map(str),
    "booking_url": web,
}
HOSTILE = {
    "credit_value": st.integers(-5, 1000) | numbers,
    "credit_scheme": terms(REF.credit_schemes) | junk,
    "academic_level": terms(REF.academic_levels) | junk,
    "audiences": several(REF.audiences),
    "sectors": several(REF.sectors),
    "ee_values": several(REF.ee_values),
    "starts_on": dates,
    "ends_on": dates,
    "online": yes_no,
}


def hostile(column: str, good):
    """Values that may not import: junk, numbers, dates, spiced good ones, over-long text."""
    return st.one_of(HOSTILE.get(column, junk), junk, numbers, dates, spiced(good), over_long)


@st.composite
def rows(draw, columns: dict, extra: dict):
    """A row by header: good values, with up to three columns made hostile half the time."""
    row = {name: draw(strategy) for name, strategy in columns.items()} | extra
    if draw(st.booleans()):
        for name in draw(st.sets(st.sampled_from(sorted(row)), max_size=3)):
            row[name] = draw(hostile(name, columns.get(name, junk)))
    return row


@st.composite
def offer_files(draw):
    """Offerings rows (each its own reference, unless spoilt) and, sometimes, Sessions rows."""
    offers = []
    for number in range(draw(st.integers(1, 4))):
        credit = draw(
            st.just({})
            | st.fixed_dictionaries(
                {
                    "credit_value": st.integers(1, 720),
                    "credit_scheme": terms(REF.credit_schemes),
                    "academic_level": st.none() | terms(REF.academic_levels),
                }
            )
        )
        reference = {"reference": draw(st.just(EXAMPLE_REFERENCE) | references(number))}
        offers.append(draw(rows(GOOD, credit | reference)))
    sessions = None
    if draw(st.booleans()):
        sessions = []
        for _ in range(draw(st.integers(0, 4))):
            start = today() + timedelta(days=draw(st.integers(1, 700)))
            length = draw(st.none() | st.integers(0, 5))
            extra = {
                "reference": draw(st.sampled_from([offer["reference"] for offer in offers])),
                "starts_on": draw(st.sampled_from([start, start.isoformat(), f"{start:%d/%m/%Y}"])),
                "ends_on": None if length is None else start + timedelta(days=length),
            }
            sessions.append(draw(rows(SESSION_GOOD, extra)))
    return offers, sessions


def references(number: int):
    """References a provider might use, the row's number making each its own."""
    return st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_./ -]{0,20}", fullmatch=True).map(
        lambda text: f"{text}-{number}"
    )


@pytest.fixture
def member(app, auth):
    """A logged-in provider member; each example gives them a new organisation."""
    with app.app_context():
        gen_user("member@example.org")
    auth.login("member@example.org")
    return "member@example.org"


def new_organisation(app) -> str:
    """A new approved provider with the member in it; returns its slug."""
    with app.app_context():
        slug = gen_provider(members=[find_user("member@example.org")]).slug
        db.session.remove()
        return slug


def is_read(row: dict, headers: list[str], kind: str) -> bool:
    """Whether the import reads a row at all: it skips blank ones (a formula without a saved
    value, as openpyxl writes one, reads as blank)."""
    for header in headers:
        value = cell(row.get(header)) if kind == "xlsx" else row.get(header)
        if kind == "xlsx" and isinstance(value, str) and len(value) > 1 and value[0] == "=":
            continue
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return True
    return False


def read_rows(rows: list[dict] | None, headers: list[str], kind: str) -> int:
    """How many rows the import reads, leaving out the template's example."""
    return sum(
        1
        for row in rows or []
        if is_read(row, headers, kind)
        and " ".join(as_text(row.get("reference") or "").split()).casefold()
        != EXAMPLE_REFERENCE.casefold()
    )


def file_of(offers, sessions, kind: str) -> bytes:
    """The rows as an .xlsx (with a Sessions sheet when there are sessions) or a CSV of offers."""
    if kind == "csv":
        return csv_file(OFFER_HEADERS, offers)
    sheets = {"Offerings": (OFFER_HEADERS, offers)}
    if sessions is not None:
        sheets["Sessions"] = (SESSION_HEADERS, sessions)
    return xlsx_file(sheets)


def offers_text(number: int) -> str:
    """ "1 offer", "2 offers", as the import's messages put it."""
    return f"{number:,} offer{'' if number == 1 else 's'}"


def unexpected(delta: dict[str, int]) -> set[str]:
    """Tables changed that a clean import has no business changing."""
    return {name for name in delta if name not in WRITTEN and not name.startswith("offering_fts")}


@fuzz_settings(100)
@given(
    files=offer_files(),
    kind=st.sampled_from(["xlsx", "csv"]),
    mode=st.sampled_from(["draft", "submit"]),
)
def test_an_uploaded_file_is_imported_whole_or_not_at_all(app, client, member, files, kind, mode):
    """Never a 500; with problems nothing is written; clean, exactly the offers and dates shown."""
    offers, sessions = files
    sessions = None if kind == "csv" else sessions
    slug = new_organisation(app)
    before = row_counts(app)
    page = upload(
        client, file_of(offers, sessions, kind), f"offers.{kind}", mode=mode, provider=slug
    )
    assert page.status_code in (200, 400)
    html = page.get_data(as_text=True)
    if page.status_code == 400:
        event("the file had problems")
        assert "<title>Error:" in html
        assert row_counts(app) == before
        return
    event("the file was imported")
    new = int(re.search(r"<strong>([\d,]+)</strong> new", html).group(1).replace(",", ""))
    assert new == read_rows(offers, OFFER_HEADERS, kind)
    done = confirm(client, page)
    assert done.status_code == 302
    delta = changes(before, row_counts(app))
    assert not unexpected(delta), delta
    assert delta.get("offerings", 0) == new
    assert delta.get("offering_sessions", 0) == read_rows(sessions, SESSION_HEADERS, kind)
    shown = client.get(done.location).get_data(as_text=True)
    assert f"Import complete: {offers_text(new)} added" in shown


@fuzz_settings(40)
@given(files=offer_files(), flag=st.sampled_from([[], ["--submit"], ["--publish"]]))
def test_the_command_imports_a_file_whole_or_not_at_all(app, runner, tmp_path, files, flag):
    """The CLI: no crash; with problems nothing is written; clean, exactly the offers in it."""
    offers, sessions = files
    with app.app_context():
        slug = gen_provider().slug
    path = tmp_path / "offers.xlsx"
    path.write_bytes(file_of(offers, sessions, "xlsx"))
    before = row_counts(app)
    result = runner.invoke(args=["import-offerings", str(path), "--provider", slug, *flag])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    delta = changes(before, row_counts(app))
    event(f"exit code {result.exit_code}")
    if result.exit_code:
        assert "Nothing was imported" in result.output
        assert delta == {}
        return
    new = read_rows(offers, OFFER_HEADERS, "xlsx")
    assert f"{new:,} created" in result.output
    assert not unexpected(delta), delta
    assert delta.get("offerings", 0) == new
    assert delta.get("offering_sessions", 0) == read_rows(sessions, SESSION_HEADERS, "xlsx")
    if flag == ["--publish"]:
        listed = {
            p["slug"]: p["offerings"]
            for p in runner.app.test_client().get("/api/v1/providers").get_json()["items"]
        }
        assert listed[slug] == new
