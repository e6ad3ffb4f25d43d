"""The in-memory search index: it must never serve a stale catalogue."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from academy.catalogue.models import CatalogueState, Offering
from academy.catalogue.operations import publish_offering, replace_sessions, update_offering
from academy.catalogue.search.facet_index import (
    Stamp,
    bitmap,
    build_index,
    catalogue_stamp,
    current_index,
)
from academy.extensions import db
from academy.timeutil import today
from tests.factories import gen_offering, gen_provider


def titles(client, query: str = "") -> list[str]:
    return [i["title"] for i in client.get(f"/api/v1/offerings?sort=title&{query}").json["items"]]


def test_a_newly_published_offer_is_found_at_once(app, client):
    """After a search has built the index, does publishing another offer show up straight away?"""
    with app.app_context():
        provider = gen_provider()
        gen_offering(provider, title="First")
    assert titles(client) == ["First"]
    with app.app_context():
        draft_id = gen_offering(provider, title="Second", status="draft").id
    assert titles(client) == ["First"]
    with app.app_context():
        publish_offering(db.session.get(Offering, draft_id))
        db.session.commit()
    assert titles(client) == ["First", "Second"]


def test_changed_facets_and_sessions_are_seen(app, client):
    """Do an edited level, new tags and moved sessions change what filters find?"""
    with app.app_context():
        offering_id = gen_offering(title="Moving", level="awareness", sessions=[10]).id
    assert titles(client, "level=awareness&region=london") == ["Moving"]
    with app.app_context():
        offering = db.session.get(Offering, offering_id)
        update_offering(offering, {"level": "leadership", "sectors": ["housing"]})
        start = today() + timedelta(days=20)
        replace_sessions(offering, [{"starts_on": start, "ends_on": start, "region": "wales"}])
        db.session.commit()
    assert titles(client, "level=awareness") == []
    assert titles(client, "level=leadership&sector=housing&region=wales") == ["Moving"]
    assert titles(client, "region=london") == []


def test_every_watched_table_bumps_the_version(app):
    """Does a write to offerings, tags, sessions or providers (even raw SQL) bump the version?"""
    with app.app_context():
        offering = gen_offering(sessions=[5])

        def version():
            return db.session.scalar(select(CatalogueState.version))

        for statement in (
            "UPDATE offerings SET title = 'x'",
            "UPDATE offering_tags SET key = key",
            "UPDATE offering_sessions SET venue = 'y'",
            "UPDATE providers SET name = 'z'",
            f"DELETE FROM offering_tags WHERE offering_id = {offering.id}",
        ):
            before = version()
            db.session.execute(text(statement))
            assert version() > before, statement
        db.session.rollback()


def test_the_index_is_rebuilt_only_when_needed(app):
    """Is the same index reused while nothing changes, and rebuilt the day after?"""
    with app.app_context():
        gen_offering()
        first = current_index()
        assert current_index() is first
        tomorrow = Stamp(catalogue_stamp().version, today() + timedelta(days=1))
        assert build_index(tomorrow).stamp != first.stamp


def test_soonest_order_follows_the_day(app):
    """Does an offer whose only session has passed drop behind ones still to come?"""
    with app.app_context():
        gen_offering(title="Tomorrow", sessions=[1])
        gen_offering(title="Next week", sessions=[7])
        index = build_index(Stamp(0, today() + timedelta(days=3)))
        order = [index.ids[p] for p in index.orders["soonest"]]
        by_title = {o.id: o.title for o in db.session.scalars(select(Offering))}
        assert [by_title[i] for i in order] == ["Next week", "Tomorrow"]


def test_bitmap_and_page():
    """Does a page skip and take positions in order, only those in the mask?"""
    from academy.catalogue.search.facet_index import FacetIndex

    index = FacetIndex(
        stamp=Stamp(0, today()), ids=(10, 11, 12, 13, 14), positions=(), bitmaps={}, orders={}
    )
    mask = bitmap([0, 2, 3, 4], 5)
    assert mask == 0b11101
    assert index.page(mask, [4, 3, 2, 1, 0], offset=1, limit=2) == [13, 12]
    assert index.page(mask, [4, 3, 2, 1, 0], offset=4, limit=2) == []
    assert index.page(0, [0], offset=0, limit=1) == []


def test_members_of_reads_out_the_set_bits():
    """Are a bitmap's positions read out in order, across byte boundaries?"""
    from academy.catalogue.search.facet_index import members_of

    assert members_of(bitmap([0, 3, 7, 8, 9, 64, 69], 70)) == [0, 3, 7, 8, 9, 64, 69]
    assert members_of(0) == []


def test_first_walks_the_order_or_reads_out_the_mask_with_the_same_answer(monkeypatch):
    """Do both ways of finding the first offers of a mask in an order agree?"""
    import academy.catalogue.search.facet_index as facet_index
    from academy.catalogue.search.facet_index import FacetIndex

    newest = [4, 9, 0, 7, 2, 5, 1, 8, 3, 6]
    rank = [0] * 10
    for place, position in enumerate(newest):
        rank[position] = place
    index = FacetIndex(
        stamp=Stamp(0, today()),
        ids=tuple(range(100, 110)),
        positions=(),
        bitmaps={},
        orders={"newest": newest},
        ranks={"newest": rank},
    )
    mask = bitmap([0, 1, 3, 6, 9], 10)
    answers = []
    for walk_limit in (1, 10**9):  # read out, then walk
        monkeypatch.setattr(facet_index, "WALK_LIMIT", walk_limit)
        answers.append(index.first(mask, "newest", 3))
    assert answers == [[109, 100, 101]] * 2
    assert index.first(0, "newest", 3) == []
    assert index.first(mask, "newest", 0) == []
