"""Fuzzing the search parameters of /catalogue/ and /api/v1/offerings with hypothesis.

Arbitrary query strings (every parameter, repeated and unknown ones, unicode,
very long values, broken percent-encoding) must never be a 500: a 400 says
what was wrong, and a 200 from the API has the documented shape and shows
published offers only. One app and catalogue serve every example of a test.

ACADEMY_FUZZ_EXAMPLES raises the number of examples (see tests/fuzzing.py).
"""

from __future__ import annotations

from urllib.parse import quote

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from academy.catalogue.search.params import FLAGS, SORTS, facet_vocabularies
from academy.config import Defaults
from academy.reference import load_reference
from tests.fuzzing import dates, fuzz_settings, junk, numbers, spiced

FUZZ = fuzz_settings(150)
VOCABULARIES = facet_vocabularies(load_reference(Defaults.DATA_DIR))
NAMES = ["q", *VOCABULARIES, "provider", *FLAGS, "starts_after", "starts_before", "sort", "page",
         "per_page"]  # fmt: skip
#: Offers the catalogue fixture holds but never publishes: by short name, and their titles.
UNPUBLISHED_NAMES = ("draft", "submitted", "withdrawn")
UNPUBLISHED = ("Draft awareness day", "Submitted awareness day", "Withdrawn awareness day")
#: Values near ones the catalogue knows: other cases, widths and spacing.
near = st.sampled_from(
    [
        "ａｗａｒｅｎｅｓｓ",
        "AWARENESS",
        " awareness ",
        "Awareness",
        "kuf-hub",
        "KUF-HUB",
        "lived-voices",
    ]
)
flags = st.sampled_from(["1", "0", "true", "FALSE", "Yes", "no", "on", "off", "", "2", "maybe"])
pages = st.integers(1, 3) | st.integers(95, 105)


def value_for(name: str):
    """Values a parameter might be sent: likely ones for its kind, spiced ones, and junk."""
    likely = {
        "q": st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=30),
        "provider": st.sampled_from(["kuf-hub", "lived-voices", "nobody"]),
        "starts_after": dates,
        "starts_before": dates,
        "sort": st.sampled_from(SORTS),
        "page": pages | numbers,
        "per_page": pages | numbers,
    }
    if name in VOCABULARIES:
        vocabulary = VOCABULARIES[name]
        likely[name] = st.sampled_from([*vocabulary.keys, *(t.label for t in vocabulary)])
    if name in FLAGS:
        likely[name] = flags
    return st.one_of(likely.get(name, junk), spiced(likely.get(name, junk)), near, junk, numbers)


#: A search as a list of (name, value): known names mostly, repeated at will, and unknown ones.
pairs = st.lists(
    st.one_of(
        st.sampled_from(NAMES).flatmap(lambda name: st.tuples(st.just(name), value_for(name))),
        st.tuples(st.text(max_size=12), junk),
    ),
    max_size=12,
)


def encode(items: list[tuple[str, str]]) -> str:
    """A query string, each name and value percent-encoded as UTF-8 (surrogates replaced)."""

    def part(value) -> str:
        return quote(
            str(value).encode("utf-8", "surrogatepass").decode("utf-8", "replace"), safe=""
        )

    return "&".join(f"{part(name)}={part(value)}" for name, value in items)


#: Raw query strings, percent-encoding broken or not.
raw_queries = st.one_of(
    st.text(alphabet=st.characters(codec="latin-1"), max_size=80),
    st.lists(
        st.sampled_from(["%", "%ff", "%00", "%2", "&", "=", "level=", "q=", "+", ";", "%C3"])
    ).map("".join),
)
queries = st.one_of(pairs.map(encode), raw_queries)


@pytest.fixture
def result_shape(client):
    """A validator for the documented shape of /api/v1/offerings's 200, from the served document."""
    document = client.get("/api/v1/openapi.json").get_json()
    root = {"components": document["components"], "$ref": "#/components/schemas/SearchResult"}
    return jsonschema_rs.validator_for(root)


@FUZZ
@given(query=queries)
def test_any_query_to_the_api_is_a_200_in_shape_or_a_400_that_says_why(
    client, catalogue, result_shape, query
):
    """Is every answer a documented 200 of published offers, or a 400 naming the problem?"""
    response = client.get(f"/api/v1/offerings?{query}")
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:500]
    body = response.get_json()
    if response.status_code == 400:
        assert body["status"] == 400 and body["message"].strip()
        assert all(message.strip() for message in body.get("errors", {}).values())
        return
    errors = list(result_shape.iter_errors(body))
    assert not errors, errors[0].message
    published = {slug for name, slug in catalogue.items() if name not in UNPUBLISHED_NAMES}
    assert {item["slug"] for item in body["items"]} <= published
    assert body["total"] <= len(published)


@FUZZ
@given(query=queries)
def test_any_query_to_the_search_page_is_a_page_or_a_friendly_400(client, catalogue, query):
    """Is every answer the page (a 200), or the page with a message about the bad parts (400)?"""
    response = client.get(f"/catalogue/?{query}")
    assert response.status_code in (200, 400)
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    if response.status_code == 400:
        assert "Some of your search could not be used" in page
    assert not any(title in page for title in UNPUBLISHED)


@pytest.mark.parametrize("name", NAMES)
@fuzz_settings(30)
@given(data=st.data())
def test_each_parameter_alone_with_odd_values_is_never_a_500(client, catalogue, name, data):
    """Does every parameter, sent alone with a hostile value (a NUL, say), get a 200 or a 400?"""
    value = data.draw(st.one_of(spiced(value_for(name)), junk, numbers), label=name)
    query = encode([(name, value)])
    for url in (f"/api/v1/offerings?{query}", f"/catalogue/?{query}"):
        assert client.get(url).status_code in (200, 400), url


@FUZZ
@given(items=pairs)
def test_the_page_and_the_api_agree_on_what_is_bad(client, catalogue, items):
    """Does a query the API refuses get a message on the page too, and the other way round?"""
    query = encode(items)
    api = client.get(f"/api/v1/offerings?{query}")
    page = client.get(f"/catalogue/?{query}")
    assert api.status_code == page.status_code


# --- what fuzzing found: regressions -------------------------------------------------------


def test_a_nul_in_a_provider_slug_is_a_400_not_a_500(client, catalogue):
    """Is provider=<NUL> an unknown provider (PostgreSQL once failed comparing it: a 500)?"""
    response = client.get("/api/v1/offerings?provider=kuf%00hub&provider=kuf-hub")
    assert response.status_code == 400
    assert "No provider is listed as 'kuf\\x00hub'" in response.get_json()["errors"]["provider"]
    assert client.get("/catalogue/?provider=%00").status_code == 400


@pytest.mark.parametrize(
    "url",
    ["/api/v1/offerings/kuf%00", "/catalogue/kuf%00", "/catalogue/kuf%00.ics", "/providers/kuf%00"],
)
def test_a_nul_in_an_address_is_a_404_not_a_500(client, catalogue, url):
    """Does a NUL in a slug name no page (PostgreSQL once failed looking it up: a 500)?"""
    response = client.get(url)
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert response.get_json()["status"] == 404
