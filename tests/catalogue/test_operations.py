"""Catalogue operations: what changes, what is audited, what is derived."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from academy.catalogue.models import AuditEvent, Offering
from academy.catalogue.operations import regions_of, replace_sessions, update_offering
from academy.extensions import db
from academy.timeutil import today
from tests.factories import gen_offering


def test_changing_only_tags_or_sessions_counts_as_an_update(app):
    """Does an edit to audiences alone, or to dates alone, move updated_at and get audited?"""
    with app.app_context():
        offering = gen_offering(sessions=[5])
        before = offering.updated_at
        assert update_offering(offering, {"audiences": ["nurses"]}) == {
            "audiences": [["open_to_all"], ["nurses"]]
        }
        db.session.commit()
        after_tags = db.session.get(Offering, offering.id).updated_at
        assert after_tags > before
        start = today() + timedelta(days=9)
        assert replace_sessions(offering, [{"starts_on": start, "ends_on": start}])
        db.session.commit()
        assert db.session.get(Offering, offering.id).updated_at > after_tags
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.offering_id == offering.id)
        ).all()
        assert "offering.updated" in actions and "offering.sessions_changed" in actions


def test_nothing_changed_is_not_an_update(app):
    """Does saving the same values change nothing and audit nothing?"""
    with app.app_context():
        offering = gen_offering(title="Same", audiences=["open_to_all"])
        before = offering.updated_at
        assert update_offering(offering, {"title": "Same", "audiences": ["open_to_all"]}) == {}
        db.session.commit()
        assert db.session.get(Offering, offering.id).updated_at == before


def test_regions_come_from_sessions_and_online_formats(app):
    """Is an offer in its sessions' regions, and online when a session or its format is?"""
    with app.app_context():
        assert regions_of([("london", False), ("wales", False)], "workshop") == ["london", "wales"]
        assert regions_of([("north_west", True)], "workshop") == ["north_west", "online"]
        assert regions_of([], "self_paced") == ["online"]
        assert regions_of([(None, False)], "workshop") == []
