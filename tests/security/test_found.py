"""Holes the systematic checks found in the app, each pinned by a test of its own."""

from __future__ import annotations

from academy.extensions import db
from academy.portfolios.confirmation.operations import facts_code
from academy.portfolios.models import PortfolioEntry
from tests.security.conftest import token_for


def test_asking_again_after_a_decline_reaches_the_provider(module_app, world, clients):
    """After a provider declines, is the learner's second request on the provider's list?

    The request was lost: asking reset the entry (provider id None) and then set the
    provider it already had, so the ORM saw no change and left the id None. The
    learner was told "You have asked", and no organisation could ever see it.
    """
    entry, answer = (
        world["asked"],
        f"/provide/providers/{world['p']}/confirmations/{world['asked']}",
    )
    learner, member = clients["learner"], clients["member"]
    with module_app.app_context():
        facts = facts_code(db.session.get(PortfolioEntry, entry))
    form = {"csrf_token": token_for(member, "member"), "facts": facts, "note": "Not on our list."}
    assert member.post(f"{answer}/decline", data=form).status_code == 302
    asked = learner.post(
        f"/portfolio/entries/{entry}/confirmation",
        data={"csrf_token": token_for(learner, "learner")},
    )
    assert asked.status_code == 302
    assert member.get(answer).status_code == 200
    with module_app.app_context():
        again = db.session.get(PortfolioEntry, entry)
        assert again.confirmation_status == "requested"
        assert again.confirmation_provider_id is not None


def test_a_page_number_in_other_digits_is_page_one(world, clients):
    """Is ?page=² on a provider's requests page 1, not a 500? (isdigit() accepted it, int() not)."""
    response = clients["member"].get(f"/provide/providers/{world['p']}/confirmations?page=²")
    assert response.status_code == 200


def test_a_nul_in_the_offer_to_record_from_is_a_404(clients):
    """Is ?offering=%00 on the new-entry page a 404, not a 500 on PostgreSQL?"""
    assert clients["learner"].get("/portfolio/entries/new?offering=%00").status_code == 404
