"""The offering workflow as operations: every step, every refusal, every audit event."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from academy.catalogue.history import recently_changed
from academy.catalogue.listing.workflow import (
    WorkflowError,
    approve_offering,
    republish_offering,
    return_offering,
    submit_offering,
    unpublish_offering,
    withdraw_offering,
)
from academy.catalogue.models import AuditEvent, Offering
from academy.catalogue.operations import (
    MembershipError,
    add_member,
    add_session,
    decline_provider,
    remove_member,
    remove_session,
    request_provider,
    update_offering,
    update_session,
)
from academy.extensions import db
from academy.timeutil import today
from tests.factories import gen_offering, gen_provider, gen_user


def actions_of(offering: Offering) -> list[str]:
    """The offering's audit actions, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.offering_id == offering.id)
            .order_by(AuditEvent.id)
        )
    )


def test_the_whole_way_from_draft_to_live_and_back(app):
    """Does an offer go draft → submitted → returned → resubmitted → published → withdrawn →
    republished → unpublished, with an audit event for each step?"""
    with app.app_context():
        provider_user, curator = gen_user(), gen_user(curator=True)
        offering = gen_offering(gen_provider(members=[provider_user]), status="draft")

        submit_offering(offering, actor=provider_user)
        assert offering.status == "submitted" and offering.submitted_at is not None
        return_offering(offering, "Say who delivers it.", actor=curator)
        assert (offering.status, offering.reviewer_notes) == ("draft", "Say who delivers it.")
        submit_offering(offering, actor=provider_user)
        approve_offering(offering, actor=curator)
        assert offering.status == "published" and offering.reviewer_notes is None
        assert offering.published_at is not None
        withdraw_offering(offering, actor=provider_user)
        assert offering.status == "withdrawn"
        republish_offering(offering, actor=provider_user)
        assert offering.status == "published"
        unpublish_offering(offering, "The booking link is broken.", actor=curator)
        assert (offering.status, offering.reviewer_notes) == (
            "draft",
            "The booking link is broken.",
        )
        db.session.commit()

        assert actions_of(offering)[1:] == [
            "offering.submitted",
            "offering.returned",
            "offering.resubmitted",
            "offering.approved",
            "offering.withdrawn",
            "offering.republished",
            "offering.unpublished",
        ]
        returned = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "offering.returned")
        )
        assert returned.actor_id == curator.id
        assert returned.detail == {
            "status": ["submitted", "draft"],
            "notes": "Say who delivers it.",
        }


@pytest.mark.parametrize(
    ("status", "step", "args"),
    [
        ("published", submit_offering, ()),
        ("draft", approve_offering, ()),
        ("published", return_offering, ("notes",)),
        ("submitted", unpublish_offering, ("reason",)),
        ("draft", withdraw_offering, ()),
        ("published", republish_offering, ()),
    ],
    ids=[
        "submit-live",
        "approve-draft",
        "return-live",
        "unpublish-submitted",
        "withdraw-draft",
        "republish-live",
    ],
)
def test_a_step_the_status_does_not_allow_is_refused(app, status, step, args):
    """Is a step from the wrong status refused with a plain message, and nothing changed?"""
    with app.app_context():
        offering = gen_offering(status=status)
        before = actions_of(offering)
        with pytest.raises(WorkflowError, match="cannot be"):
            step(offering, *args)
        assert offering.status == status
        assert actions_of(offering) == before


def test_editing_a_live_offer_keeps_it_live_and_curators_see_the_change(app):
    """Does an edit to a published offer leave it published, and show in "recently changed"?"""
    with app.app_context():
        live = gen_offering(title="Live one", sessions=[10])
        draft = gen_offering(title="Draft one", status="draft")
        update_offering(live, {"summary": "A better summary."})
        update_offering(draft, {"summary": "Not live yet."})
        session = live.sessions[0]
        update_session(live, session, {"places": 12})
        db.session.commit()

        assert live.status == "published"
        changed = recently_changed()
        assert [(e.offering.title, e.action) for e in changed] == [
            ("Live one", "offering.session_changed"),
            ("Live one", "offering.updated"),
        ]
        assert changed[1].detail["changes"] == {"summary": ["A summary.", "A better summary."]}


def test_dates_added_changed_and_removed_keep_regions_right(app):
    """Do the offer's regions follow its dates as they are added, changed and removed?"""
    with app.app_context():
        offering = gen_offering(format="workshop")
        start = today()
        first = add_session(
            offering, {"starts_on": start, "ends_on": start, "region": "london", "venue": "Hall"}
        )
        add_session(offering, {"starts_on": start, "ends_on": start, "online": True})
        assert offering.regions == ["london", "online"]
        update_session(offering, first, {"region": "wales"})
        assert offering.regions == ["online", "wales"]
        remove_session(offering, first)
        db.session.commit()
        assert offering.regions == ["online"]
        assert actions_of(offering)[-3:] == [
            "offering.session_added",
            "offering.session_changed",
            "offering.session_removed",
        ]


def test_a_request_makes_a_pending_provider_with_its_asker_as_member(app):
    """Does asking to list training make a pending provider the asker belongs to?"""
    with app.app_context():
        user = gen_user()
        provider = request_provider(
            user,
            {
                "name": "Lived Voices",
                "contact_email": "a@b.org",
                "description": "x",
                "user_led": True,
            },
        )
        db.session.commit()
        assert (provider.status, provider.slug, provider.user_led) == (
            "pending",
            "lived-voices",
            True,
        )
        assert provider.has_member(user)
        decline_provider(provider, "Not relational training.")
        assert (provider.status, provider.decline_reason) == (
            "declined",
            "Not relational training.",
        )


def test_the_last_member_cannot_be_removed(app):
    """Can members be removed, except the last one?"""
    with app.app_context():
        first, second = gen_user(), gen_user()
        provider = gen_provider(members=[first])
        with pytest.raises(MembershipError, match="only member"):
            remove_member(provider, first)
        add_member(provider, second)
        remove_member(provider, first)
        db.session.commit()
        assert [m.user_id for m in provider.members] == [second.id]
        with pytest.raises(MembershipError, match="not a member"):
            remove_member(provider, first)
