"""Searching the catalogue through the API and the page: filters, facets, sorts, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from academy.timeutil import today
from tests.factories import gen_offering

PUBLISHED = {"awareness_london", "awareness_online", "dialogue", "module", "leading", "talk"}


def found(client, query: str = "") -> list[str]:
    """Slugs the API returns for a query string, in order."""
    response = client.get(f"/api/v1/offerings?{query}&per_page=100")
    assert response.status_code == 200, response.json
    return [item["slug"] for item in response.json["items"]]


def names(catalogue, slugs) -> set[str]:
    by_slug = {slug: name for name, slug in catalogue.items()}
    return {by_slug[slug] for slug in slugs}


def test_only_published_offerings_appear(client, catalogue):
    """Are drafts, submitted and withdrawn offers kept out of search, pages and the API?"""
    assert names(catalogue, found(client)) == PUBLISHED
    for word in ("draft", "submitted", "withdrawn"):
        assert found(client, f"q={word}") == []
    page = client.get("/catalogue/?q=awareness").get_data(as_text=True)
    for hidden in ("draft", "submitted", "withdrawn"):
        assert client.get(f"/catalogue/{catalogue[hidden]}").status_code == 404
        assert client.get(f"/api/v1/offerings/{catalogue[hidden]}").status_code == 404
        assert client.get(f"/catalogue/{catalogue[hidden]}.ics").status_code == 404
        assert catalogue[hidden] not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=awareness", {"awareness_london", "awareness_online"}),
        ("level=awareness&level=ground", {"awareness_london", "awareness_online", "talk"}),
        ("format=live_online", {"dialogue"}),
        ("sector=criminal_justice", {"awareness_london", "leading"}),
        ("sector=education&sector=voluntary", {"module", "talk"}),
        ("region=london", {"awareness_london", "leading", "talk"}),
        ("region=online", {"awareness_online", "dialogue"}),
        ("region=east_midlands", {"module"}),
        ("audience=peer_workers", {"dialogue"}),
        ("ee_value=safety", {"leading"}),
        ("ee_value=belonging&ee_value=leadership", {"awareness_london", "leading"}),
        ("provider=lived-voices", {"dialogue", "leading"}),
        ("provider=lived-voices&provider=kuf-hub", PUBLISHED),
        ("co_delivered=1", {"awareness_london", "dialogue"}),
        ("co_designed=1", {"awareness_london"}),
        ("lived_experience_led=1", {"dialogue"}),
        ("free=1", {"awareness_london", "awareness_online", "talk"}),
        ("accredited=1", {"module"}),
        ("co_delivered=0", PUBLISHED),
    ],
)
def test_each_filter(client, catalogue, query, expected):
    """Does each filter keep exactly the offers it names (OR within a facet)?"""
    assert names(catalogue, found(client, query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=awareness&co_delivered=1", {"awareness_london"}),
        ("level=awareness&level=understanding&co_delivered=1", {"awareness_london", "dialogue"}),
        ("sector=health&free=1", {"awareness_london", "awareness_online"}),
        ("region=london&sector=criminal_justice&free=1", {"awareness_london"}),
        ("q=personality&level=expertise", {"module"}),
        ("q=personality&region=london", {"awareness_london"}),
        ("provider=kuf-hub&accredited=1", {"module"}),
        ("level=leadership&free=1", set()),
    ],
)
def test_filters_combine_with_and_across_facets(client, catalogue, query, expected):
    """Do different facets narrow together (AND across facets)?"""
    assert names(catalogue, found(client, query)) == expected


def test_date_range_finds_sessions_starting_in_it(client, catalogue):
    """Does a date range keep offers with a session starting in it, and drop self-paced ones?"""
    start = today() + timedelta(days=30)
    end = today() + timedelta(days=120)
    query = f"starts_after={start.isoformat()}&starts_before={end.isoformat()}"
    assert names(catalogue, found(client, query)) == {"awareness_london", "dialogue"}
    only_before = f"starts_before={(today() + timedelta(days=7)).isoformat()}"
    assert names(catalogue, found(client, only_before)) == {"leading"}


def test_date_filters_ignore_sessions_in_the_past(app, client):
    """Does a range reaching into the past still only find sessions still to start?"""
    with app.app_context():
        gen_offering(title="Ran last month", sessions=[-30])
        future = gen_offering(title="Runs next month", sessions=[30]).slug
    query = f"starts_after={(today() - timedelta(days=60)).isoformat()}"
    assert found(client, query) == [future]


def test_text_search_ranks_title_above_description(app, client):
    """Is a word in the title ranked above the same word only in the description?"""
    with app.app_context():
        in_description = gen_offering(
            title="Working with teams", description="We talk about mentalization a little."
        ).slug
        in_title = gen_offering(title="Mentalization in practice", description="Practice.").slug
        in_summary = gen_offering(
            title="Reflective groups", summary="Mentalization for group facilitators."
        ).slug
    assert found(client, "q=mentalization") == [in_title, in_summary, in_description]


def test_text_search_stems_and_ignores_case(client, catalogue):
    """Do plurals, other forms and capitals still match?"""
    assert names(catalogue, found(client, "q=PERSONALITIES")) == {"awareness_london", "module"}
    assert names(catalogue, found(client, "q=dialogues")) == {"dialogue"}


def test_text_search_needs_every_word(client, catalogue):
    """Does a search for two words find only offers with both?"""
    assert names(catalogue, found(client, "q=personality+attachment")) == {"module"}
    assert names(catalogue, found(client, "q=open+talk")) == {"talk"}


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '"open dialogue',
        "open*",
        "*",
        "NEAR(open dialogue)",
        "open NEAR dialogue",
        "-dialogue",
        "(dialogue",
        "dialogue)",
        "open OR dialogue AND NOT x",
        "title:open",
        "^open",
        "'; DROP TABLE offerings; --",
        "%_\\",
        "🙂 dialogue",
        "\x00dialogue",
    ],
)
def test_search_syntax_in_q_is_plain_text(client, catalogue, q):
    """Do FTS syntax characters reach the database only as plain words, never an error?"""
    response = client.get("/api/v1/offerings", query_string={"q": q})
    assert response.status_code == 200
    page = client.get("/catalogue/", query_string={"q": q})
    assert page.status_code == 200
    if "dialogue" in q.lower() and "not" not in q.lower() and "near" not in q.lower():
        assert catalogue["dialogue"] in [item["slug"] for item in response.json["items"]]


def test_only_stop_words_means_no_text_filter(client, catalogue):
    """Does a query of only common words ("the of and") search the whole catalogue?"""
    assert names(catalogue, found(client, "q=the+of+and")) == PUBLISHED


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "title",
            ["awareness_online", "leading", "dialogue", "module", "awareness_london", "talk"],
        ),
        (
            "soonest",
            ["leading", "awareness_london", "talk", "dialogue", "module", "awareness_online"],
        ),
        (
            "newest",
            ["talk", "leading", "module", "dialogue", "awareness_online", "awareness_london"],
        ),
    ],
)
def test_sorts(client, catalogue, sort, expected):
    """Do the title, soonest and newest sorts order results as a person expects?"""
    by_slug = {slug: name for name, slug in catalogue.items()}
    assert [by_slug[s] for s in found(client, f"sort={sort}")] == expected


def test_relevance_without_words_is_newest(client, catalogue):
    """With nothing to rank by, is 'relevance' the newest first?"""
    assert found(client, "sort=relevance") == found(client, "sort=newest")


def test_pagination_is_stable_and_complete(client, catalogue):
    """Do pages of two cover every result once, in order, with the right totals?"""
    first = client.get("/api/v1/offerings?per_page=2&sort=title").json
    assert (first["total"], first["page"], first["per_page"], first["pages"]) == (6, 1, 2, 3)
    seen = []
    for page in (1, 2, 3):
        seen += found(client, f"sort=title&per_page=2&page={page}")
    assert seen == found(client, "sort=title")


def test_facet_counts_predict_results(client, catalogue):
    """Does every facet count equal the total you get by ticking that value?"""
    base = "sector=health"
    body = client.get(f"/api/v1/offerings?{base}").json
    facets = body["facets"]
    for facet in ("level", "format", "region", "audience", "ee_value"):
        for key, count in facets[facet].items():
            total = client.get(f"/api/v1/offerings?{base}&{facet}={key}").json["total"]
            assert total == count, (facet, key)
    for key, count in facets["co_production"].items():
        assert client.get(f"/api/v1/offerings?{base}&{key}=1").json["total"] == count, key
    assert client.get(f"/api/v1/offerings?{base}&free=1").json["total"] == facets["cost"]["free"]
    assert facets["cost"]["free"] + facets["cost"]["paid"] == body["total"]
    assert (
        client.get(f"/api/v1/offerings?{base}&accredited=1").json["total"]
        == facets["accredited"]["accredited"]
    )


def test_a_facet_ignores_its_own_selection(client, catalogue):
    """With one level ticked, can a person still see how many the other levels have?"""
    facets = client.get("/api/v1/offerings?level=awareness&co_delivered=1").json["facets"]
    # level counts apply co_delivered but not level=awareness
    assert facets["level"]["awareness"] == 1
    assert facets["level"]["understanding"] == 1
    assert facets["level"]["ground"] == 0
    # sector counts apply both
    assert facets["sector"]["criminal_justice"] == 1
    assert facets["sector"]["mental_health"] == 0
    # a ticked flag's count is the total
    assert facets["co_production"]["co_delivered"] == 1


def test_facets_list_every_vocabulary_value(client, catalogue):
    """Are zero counts included, so every value can be shown?"""
    facets = client.get("/api/v1/offerings").json["facets"]
    assert list(facets["level"]) == [
        "ground",
        "awareness",
        "understanding",
        "expertise",
        "leadership",
    ]
    assert facets["region"]["scotland"] == 0
    assert set(facets) >= {"level", "format", "sector", "region", "co_production", "cost"}


def test_free_count_when_free_is_ticked(client, catalogue):
    """With 'free' ticked, do the cost counts still show what paid options exist?"""
    facets = client.get("/api/v1/offerings?free=1").json["facets"]
    assert facets["cost"] == {"free": 3, "paid": 3}
    assert facets["co_production"]["co_delivered"] == 1  # the free, co-delivered one


BAD_PARAMETERS = [
    ("level=nonsense", "level"),
    ("level=awareness&level=nonsense", "level"),
    ("format=carrier+pigeon", "format"),
    ("sector=space", "sector"),
    ("region=atlantis", "region"),
    ("audience=robots", "audience"),
    ("ee_value=greed", "ee_value"),
    ("provider=no-such-provider", "provider"),
    ("co_delivered=maybe", "co_delivered"),
    ("free=2", "free"),
    ("starts_after=tomorrow", "starts_after"),
    ("starts_before=2027-02-30", "starts_before"),
    ("starts_after=2027-05-01&starts_before=2027-04-01", "starts_before"),
    ("sort=random", "sort"),
    ("page=0", "page"),
    ("page=-3", "page"),
    ("page=two", "page"),
    ("page=99", "page"),
    ("per_page=101", "per_page"),
    ("per_page=0", "per_page"),
    ("per_page=1e9", "per_page"),
    ("q=" + "x" * 10_000, "q"),
]


@pytest.mark.parametrize(("query", "param"), BAD_PARAMETERS)
def test_api_refuses_bad_parameters_clearly(client, catalogue, query, param):
    """Does each bad parameter get a 400 with a JSON message naming it?"""
    response = client.get(f"/api/v1/offerings?{query}")
    assert response.status_code == 400
    assert response.is_json
    assert param in response.json["errors"]
    assert response.json["message"]


@pytest.mark.parametrize(("query", "param"), BAD_PARAMETERS)
def test_page_explains_bad_parameters_and_keeps_valid_filters(client, catalogue, query, param):
    """Does the page show a friendly message and still apply the filters that were valid?"""
    response = client.get(f"/catalogue/?{query}&level=leadership")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Some of your search could not be used" in page
    if param != "level" and "starts_after" not in query:
        assert catalogue["leading"] in page
        assert catalogue["talk"] not in page
    assert "Traceback" not in page


def test_page_past_the_end_names_the_last_page(client, catalogue):
    """Does asking for page 5 of one page say how many pages there are?"""
    response = client.get("/api/v1/offerings?page=5")
    assert "1 page" in response.json["errors"]["page"]
    assert client.get("/api/v1/offerings?page=1&level=leadership&free=1").status_code == 200


def test_search_page_shows_results_and_counts(client, catalogue):
    """Does the page list matching offers with facet counts and keep the query in the form?"""
    page = client.get("/catalogue/?q=personality&level=awareness").get_data(as_text=True)
    assert "Personality disorder awareness" in page
    assert "People, personality and disorder" not in page
    assert 'value="personality"' in page
    assert 'id="level-awareness" name="level" value="awareness" checked' in page
    assert "1 offer" in page


def test_search_page_links_to_next_page_keeping_filters(client, catalogue):
    """Does the next-page link keep the query, filters and sort (a persistent URL)?"""
    page = client.get("/catalogue/?per_page=2&sort=title&sector=health").get_data(as_text=True)
    assert "page=2" in page and "sort=title" in page and "sector=health" in page


def test_full_text_follows_edits(app, client):
    """After a title changes, is the offer found by its new words and not its old ones?"""
    from academy.catalogue.models import Offering
    from academy.catalogue.operations import update_offering
    from academy.extensions import db

    with app.app_context():
        offering_id = gen_offering(title="Containment in groups").id
    assert len(found(client, "q=containment")) == 1
    with app.app_context():
        update_offering(db.session.get(Offering, offering_id), {"title": "Mentalizing in teams"})
        db.session.commit()
    assert found(client, "q=containment") == []
    assert len(found(client, "q=mentalizing+teams")) == 1
