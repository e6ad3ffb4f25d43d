"""The home page, the escalator pages, and suggestions at a learner's level."""

from __future__ import annotations

import re

from tests.conftest import submit
from tests.factories import gen_offering, gen_provider, gen_user


def test_home_shows_the_escalator_with_counts_and_a_search_box(client, catalogue):
    """Is the escalator drawn with the number of offers at each step, and a text alternative?"""
    page = client.get("/").get_data(as_text=True)
    assert '<svg class="escalator"' in page and 'role="img"' in page
    assert re.search(r"<title id=\"escalator-title\">The training escalator</title>", page)
    desc = re.search(r'<desc id="escalator-desc">(.*?)</desc>', page).group(1)
    assert "Awareness, 2 offers" in desc and "Leadership, 1 offer." in desc
    assert 'action="/catalogue/"' in page and 'name="q"' in page


def test_anonymous_home_has_no_personal_suggestions(client, catalogue):
    """Does a visitor who is not logged in see no 'your level' sections?"""
    page = client.get("/").get_data(as_text=True)
    assert "Training at your level" not in page


def test_learner_sees_their_level_and_next_step(app, client, auth, catalogue):
    """Does a learner at Awareness see awareness offers and the Understanding step above?"""
    auth.register(email="sam@example.org")
    submit(client, "/accounts/profile", {"name": "Sam", "self_assessed_level": "awareness"})
    page = client.get("/").get_data(as_text=True)
    assert "Training at your level: Awareness" in page
    assert "Personality disorder awareness" in page
    assert "Your next step: Developing understanding" in page
    assert "Open Dialogue foundation" in page
    assert "(your level)" in page


def test_learner_without_a_level_is_invited_to_set_one(app, client, auth, catalogue):
    """Is a learner with no level told how to get suggestions?"""
    auth.register(email="sam@example.org")
    assert "Tell us where you are on the escalator" in client.get("/").get_data(as_text=True)


def test_suggestions_prefer_the_learners_sector_and_region(app, client, auth):
    """Do offers in the learner's own sector and region come first, without hiding others?"""
    with app.app_context():
        provider = gen_provider()
        gen_offering(
            provider,
            title="Elsewhere co-delivered",
            co_delivered=True,
            sectors=["education"],
            sessions=[5],
        )
        gen_offering(
            provider,
            title="Housing in the North West",
            sectors=["housing"],
            sessions=[{"starts_on": _in(9), "ends_on": _in(9), "region": "north_west"}],
        )
        gen_offering(provider, title="Long past", sessions=[-40])  # not available: left out
    auth.register(email="sam@example.org", sector="housing", region="north_west")
    submit(
        client,
        "/accounts/profile",
        {
            "name": "Sam",
            "sector": "housing",
            "region": "north_west",
            "self_assessed_level": "awareness",
        },
    )
    page = client.get("/").get_data(as_text=True)
    section = page.split("Training at your level")[1].split("Your next step")[0]
    assert section.index("Housing in the North West") < section.index("Elsewhere co-delivered")
    assert "Long past" not in section


def test_escalator_index_lists_every_step(client, catalogue):
    """Does /escalator/ describe all five steps, lowest at the bottom of the list?"""
    page = client.get("/escalator/").get_data(as_text=True)
    for name in (
        "Ground level",
        "Awareness",
        "Developing understanding",
        "Extending expertise",
        "Leadership",
    ):
        assert name in page
    assert "never stop you" in page


def test_level_page_lists_its_offers_and_the_step_above(client, catalogue):
    """Does a step's page say who it is for, list its offers and the step above?"""
    page = client.get("/escalator/awareness").get_data(as_text=True)
    assert "All frontline staff" in page
    assert "Personality disorder awareness" in page and "Awareness modules online" in page
    assert "The step above: Developing understanding" in page
    assert "Open Dialogue foundation" in page
    assert "anyone can take any training" in page
    assert "Draft awareness day" not in page


def test_top_step_says_it_is_the_top(client, catalogue):
    """Does Leadership say there is no step above?"""
    assert "This is the top of the escalator." in client.get("/escalator/leadership").get_data(
        as_text=True
    )


def test_unknown_level_is_404(client):
    """Is a made-up level a 404?"""
    assert client.get("/escalator/wizard").status_code == 404


def test_nothing_is_gated_by_level(app, client, auth, catalogue):
    """Can a learner at ground level open a masters-level offer?"""
    with app.app_context():
        gen_user("new@example.org", self_assessed_level="ground")
    auth.login("new@example.org")
    assert client.get(f"/catalogue/{catalogue['module']}").status_code == 200


def _in(days: int):
    from datetime import timedelta

    from academy.timeutil import today

    return today() + timedelta(days=days)


def test_suggestions_order_nearness_then_co_delivery_then_newest(app):
    """Sector before region before co-delivery, newest first within each; ended left out?"""
    from academy.escalator.recommend import suggestions

    with app.app_context():
        provider = gen_provider()
        learner = gen_user(sector="housing", region="london")
        made = {}

        def dates(region: str, days: int = 5) -> list[dict]:
            return [{"starts_on": _in(days), "ends_on": _in(days), "region": region}]

        for title, extra in [
            ("Plain, older", {}),
            ("Co-delivered", {"co_delivered": True}),
            ("In London", {"sessions": dates("london")}),
            ("In housing", {"sectors": ["housing"]}),
            ("Plain, newer", {}),
            ("Self-paced", {"sessions": [], "format": "e_learning"}),
            ("Over", {"sessions": dates("london", -40), "sectors": ["housing"]}),
        ]:
            values = {"sessions": dates("north_east")} | extra
            made[title] = gen_offering(provider, title=title, **values)
        titles = [o.title for o in suggestions("awareness", learner, limit=10)]
        assert titles == [
            "In housing",
            "In London",
            "Co-delivered",
            "Self-paced",
            "Plain, newer",
            "Plain, older",
        ]
        assert [o.title for o in suggestions("awareness", learner, limit=2)] == titles[:2]
        skipped = suggestions("awareness", learner, limit=10, exclude=[made["In housing"].id])
        assert [o.title for o in skipped] == titles[1:]
