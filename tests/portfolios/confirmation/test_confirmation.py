"""Provider confirmation of attendance: asking, answering, the mark, and losing it on edit."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from academy.accounts.operations import find_user
from academy.catalogue.models import AuditEvent, Provider
from academy.extensions import db
from academy.portfolios.confirmation import operations as ops
from academy.portfolios.models import PortfolioEntry
from academy.timeutil import today
from tests.conftest import csrf_token, submit
from tests.factories import gen_entry, gen_offering, gen_provider, gen_user

SAM, MO, OLU = "sam@example.org", "mo@example.org", "olu@example.org"
CONFIRMATION_FIELDS = (
    "confirmation_status",
    "confirmation_provider_id",
    "confirmation_requested_at",
    "confirmation_decided_at",
    "confirmation_decided_by_id",
    "confirmation_note",
)

AUDITED = AuditEvent.action.like("entry.%")


@pytest.fixture
def world(app) -> dict:
    """Sam recorded Good Practice Trust's awareness day; Mo works there, Olu at Other Org.

    Sam also has an activity from outside the catalogue, and one from Other Org.
    """
    with app.app_context():
        sam = gen_user(SAM, name="Sam Learner")
        mo = gen_user(MO, name="Mo Member")
        olu = gen_user(OLU, name="Olu Other")
        gen_user("kit@example.org", name="Kit Learner")
        trust = gen_provider("Good Practice Trust", slug="good-practice", members=[mo])
        other = gen_provider("Other Org", slug="other-org", members=[olu])
        day = gen_offering(trust, title="Awareness day", sessions=[-20])
        elsewhere = gen_offering(other, title="Other's course")
        start = today() - timedelta(days=20)
        return {
            "trust": trust.id,
            "other": other.id,
            "mo": mo.id,
            "olu": olu.id,
            "offering": day.id,
            "entry": gen_entry(
                sam,
                title="My awareness day",
                offering=day,
                session=day.sessions[0],
                starts_on=start,
                hours=6,
                participatory_hours=6,
                learning="That boundaries are kind.",
            ).id,
            "external": gen_entry(sam, title="A book I read").id,
            "other_entry": gen_entry(sam, title="Other's course", offering=elsewhere).id,
        }


def entry_of(app, entry_id: int) -> dict:
    """An entry's confirmation fields and facts, read afresh."""
    with app.app_context():
        entry = db.session.get(PortfolioEntry, entry_id)
        return {
            **{name: getattr(entry, name) for name in CONFIRMATION_FIELDS},
            "hours": entry.hours,
            "learning": entry.learning,
        }


def set_state(app, entry_id: int, step: str, **kwargs) -> None:
    """Take an entry through the operations: "request", then "confirm" or "decline" (by Mo)."""
    with app.app_context():
        entry = db.session.get(PortfolioEntry, entry_id)
        ops.request_confirmation(entry)
        if step in ("confirm", "decline"):
            mo = find_user(MO)
            getattr(ops, step)(entry, entry.confirmation_provider, mo, **kwargs)
        db.session.commit()


def post_action(client, path: str, data: dict | None = None, page: str = "/portfolio/"):
    """POST a button's form with the session's CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client, page), **(data or {})})


# --- the operations --------------------------------------------------------------------


def test_asking_fixes_the_offerings_provider(app, world):
    """Does asking address the request to the provider that runs the entry's offering?"""
    with app.app_context():
        entry = db.session.get(PortfolioEntry, world["entry"])
        provider = ops.request_confirmation(entry)
        db.session.commit()
        assert provider.id == world["trust"]
    state = entry_of(app, world["entry"])
    assert state["confirmation_status"] == "requested"
    assert state["confirmation_provider_id"] == world["trust"]
    assert state["confirmation_requested_at"] is not None
    assert state["confirmation_decided_at"] is None


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("external", "recorded from the catalogue"),
        ("pending_provider", "cannot confirm attendance at the moment"),
        ("future", "once the activity has started"),
        ("requested", "already asked"),
        ("confirmed", "already confirmed"),
    ],
)
def test_what_cannot_be_asked_for(app, world, setup, message):
    """Is a request refused, with a reason, for an activity no provider can confirm now?"""
    entry_id = world["external"] if setup == "external" else world["entry"]
    if setup in ("requested", "confirmed"):
        set_state(app, entry_id, "request" if setup == "requested" else "confirm")
    with app.app_context():
        entry = db.session.get(PortfolioEntry, entry_id)
        if setup == "pending_provider":
            db.session.get(Provider, world["trust"]).status = "pending"
        if setup == "future":
            entry.starts_on = entry.ends_on = today() + timedelta(days=3)
        db.session.commit()
        before = {name: getattr(entry, name) for name in CONFIRMATION_FIELDS}
        with pytest.raises(ops.ConfirmationError, match=message):
            ops.request_confirmation(entry)
        assert {name: getattr(entry, name) for name in CONFIRMATION_FIELDS} == before


def test_a_member_confirms_and_it_is_audited(app, world):
    """Does a member's confirmation record who, when and the note, and an audit event?"""
    set_state(app, world["entry"], "confirm", note="  On our register.  ")
    state = entry_of(app, world["entry"])
    assert state["confirmation_status"] == "confirmed"
    assert state["confirmation_decided_by_id"] == world["mo"]
    assert state["confirmation_decided_at"] is not None
    assert state["confirmation_note"] == "On our register."
    with app.app_context():
        assert db.session.get(PortfolioEntry, world["entry"]).is_confirmed
        event = db.session.scalars(select(AuditEvent).where(AUDITED)).one()
        assert (event.action, event.actor_id, event.provider_id, event.offering_id) == (
            "entry.confirmed",
            world["mo"],
            world["trust"],
            world["offering"],
        )
        assert event.detail == {"entry": world["entry"], "notes": "On our register."}


def test_only_the_addressed_providers_members_can_answer(app, world):
    """Can neither another provider nor a non-member answer a request, nor anyone a withdrawn one?"""
    set_state(app, world["entry"], "request")
    with app.app_context():
        entry = db.session.get(PortfolioEntry, world["entry"])
        trust, other = (
            db.session.get(Provider, world["trust"]),
            db.session.get(Provider, world["other"]),
        )
        mo, olu = find_user(MO), find_user(OLU)
        with pytest.raises(ops.ConfirmationError):
            ops.confirm(entry, other, olu)  # not addressed to Other Org
        with pytest.raises(ops.ConfirmationError):
            ops.confirm(entry, trust, olu)  # Olu is not one of the trust's members
        with pytest.raises(ops.ConfirmationError):
            ops.decline(entry, trust, mo, "x" * (ops.MAX_NOTE + 1))
        ops.withdraw_request(entry)
        with pytest.raises(ops.ConfirmationError):
            ops.confirm(entry, trust, mo)  # withdrawn: nothing to answer
        assert entry.confirmation_status is None
        assert db.session.scalars(select(AuditEvent).where(AUDITED)).all() == []


def test_a_declined_request_can_be_asked_again(app, world):
    """After a decline, does asking again start afresh, without the old answer and note?"""
    set_state(app, world["entry"], "decline", note="Not on our register.")
    assert entry_of(app, world["entry"])["confirmation_status"] == "declined"
    with app.app_context():
        entry = db.session.get(PortfolioEntry, world["entry"])
        ops.request_confirmation(entry)
        db.session.commit()
    state = entry_of(app, world["entry"])
    assert state["confirmation_status"] == "requested"
    assert (state["confirmation_decided_at"], state["confirmation_decided_by_id"]) == (None, None)
    assert state["confirmation_note"] == ""


def test_withdrawing_needs_a_waiting_request(app, world):
    """Can a learner withdraw only a request still waiting, and does it leave nothing behind?"""
    with app.app_context():
        entry = db.session.get(PortfolioEntry, world["entry"])
        with pytest.raises(ops.ConfirmationError):
            ops.withdraw_request(entry)
        ops.request_confirmation(entry)
        ops.withdraw_request(entry)
        db.session.commit()
    state = entry_of(app, world["entry"])
    assert state == {**state, **dict.fromkeys(CONFIRMATION_FIELDS, None), "confirmation_note": ""}


@pytest.mark.parametrize(
    ("values", "changed"),
    [
        ({"hours": 6.0, "participatory_hours": 6}, []),
        ({"hours": 6.001}, []),  # stored to the hundredth: the same hours
        ({"hours": 6.5}, ["hours"]),
        ({"participatory_hours": 5}, ["participatory_hours"]),
        ({"starts_on": "later", "ends_on": "later"}, ["starts_on", "ends_on"]),
        ({"offering_id": None, "session_id": None}, ["offering_id", "session_id"]),
        ({"learning": "Something else", "title": "Renamed"}, []),
    ],
)
def test_which_facts_an_edit_changes(app, world, values, changed):
    """Are only the confirmed facts (dates, hours, offering, session) counted as changed?"""
    with app.app_context():
        entry = db.session.get(PortfolioEntry, world["entry"])
        later = entry.starts_on + timedelta(days=1)
        values = {k: later if v == "later" else v for k, v in values.items()}
        assert ops.changed_facts(entry, values) == changed


# --- the learner's side ----------------------------------------------------------------


def test_a_learner_asks_and_a_forged_provider_is_ignored(app, client, auth, world):
    """Does asking through the page address the offering's provider, whatever the POST says?"""
    auth.login(SAM)
    page = client.get(f"/portfolio/entries/{world['entry']}").get_data(as_text=True)
    assert "Ask Good Practice Trust to confirm" in page
    response = post_action(
        client,
        f"/portfolio/entries/{world['entry']}/confirmation",
        {"provider_id": world["other"], "confirmation_provider_id": world["other"]},
    )
    assert response.status_code == 302
    assert entry_of(app, world["entry"])["confirmation_provider_id"] == world["trust"]
    page = client.get(f"/portfolio/entries/{world['entry']}").get_data(as_text=True)
    assert "You have asked Good Practice Trust to confirm" in page
    assert "Withdraw your request" in page


def test_an_activity_from_outside_the_catalogue_cannot_be_asked_about(app, client, auth, world):
    """Is asking about an entry with no offering refused with a reason, and nothing changed?"""
    auth.login(SAM)
    page = client.get(f"/portfolio/entries/{world['external']}").get_data(as_text=True)
    assert "Confirmation by the provider" not in page
    url = f"/portfolio/entries/{world['external']}/confirmation"
    response = post_action(client, url)
    assert response.status_code == 302
    assert entry_of(app, world["external"])["confirmation_status"] is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "recorded from the catalogue" in page


@pytest.mark.parametrize("action", ["confirmation", "confirmation/withdraw"])
def test_only_the_owner_can_ask_or_withdraw(app, client, auth, world, action):
    """Is another learner's entry a 404, an anonymous visitor sent to log in, and no CSRF a 400?"""
    if action.endswith("withdraw"):
        set_state(app, world["entry"], "request")
    before = entry_of(app, world["entry"])
    url = f"/portfolio/entries/{world['entry']}/{action}"
    anonymous = post_action(client, url, page="/accounts/login")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/accounts/login")
    auth.login("kit@example.org")
    assert post_action(client, url).status_code == 404
    auth.logout()
    auth.login(SAM)
    assert client.post(url).status_code == 400
    assert entry_of(app, world["entry"]) == before


def test_a_learner_withdraws_a_request(app, client, auth, world):
    """Does the withdraw button take the request back, so the provider no longer sees it?"""
    set_state(app, world["entry"], "request")
    auth.login(SAM)
    response = post_action(client, f"/portfolio/entries/{world['entry']}/confirmation/withdraw")
    assert response.status_code == 302
    assert entry_of(app, world["entry"])["confirmation_status"] is None
    auth.logout()
    auth.login(MO)
    page = client.get("/provide/providers/good-practice/confirmations").get_data(as_text=True)
    assert "No requests are waiting" in page


def test_the_answer_shows_on_the_entry_and_the_portfolio(app, client, auth, world):
    """Is a confirmed entry marked on its page and in the table, and a decline shown with its note?"""
    set_state(app, world["entry"], "confirm", note="Signed in both days.")
    set_state(app, world["other_entry"], "request")
    with app.app_context():
        other_entry = db.session.get(PortfolioEntry, world["other_entry"])
        ops.decline(other_entry, other_entry.confirmation_provider, find_user(OLU), "Not found.")
        db.session.commit()
    auth.login(SAM)
    page = client.get(f"/portfolio/entries/{world['entry']}").get_data(as_text=True)
    assert "Good Practice Trust confirmed you took part" in page
    assert "Signed in both days." in page
    declined = client.get(f"/portfolio/entries/{world['other_entry']}").get_data(as_text=True)
    assert "Other Org could not confirm you took part" in declined
    assert "Not found." in declined
    assert "Ask again" in declined
    table = client.get("/portfolio/").get_data(as_text=True)
    rows = {
        title: "Confirmed" in row
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        for title in ("My awareness day", "Other&#39;s course", "A book I read")
        if f">{title}</a>" in row
    }
    assert rows == {"My awareness day": True, "Other&#39;s course": False, "A book I read": False}


def test_a_confirmation_is_in_the_exports(app, client, auth, world):
    """Do the JSON and CSV records say who confirmed the entry, and only that entry?"""
    set_state(app, world["entry"], "confirm")
    auth.login(SAM)
    record = json.loads(client.get("/portfolio/export.json").data)
    entries = {entry["title"]: entry for entry in record["entries"]}
    assert entries["My awareness day"]["confirmation"]["provider"] == "Good Practice Trust"
    assert entries["A book I read"]["confirmation"] is None
    text = client.get("/portfolio/export.csv").get_data(as_text=True)
    line = next(line for line in text.splitlines() if "My awareness day" in line)
    assert "Yes: Good Practice Trust" in line


# --- the provider's side ---------------------------------------------------------------


def test_members_see_their_requests_oldest_first_without_emails(app, client, auth, world):
    """Does the list show the trust's waiting requests, oldest first, with names and no emails?"""
    with app.app_context():
        kit = find_user("kit@example.org")
        offering = db.session.get(PortfolioEntry, world["entry"]).offering
        newer = gen_entry(kit, title="Kit's awareness day", offering=offering).id
    set_state(app, world["entry"], "request")
    set_state(app, newer, "request")
    set_state(app, world["other_entry"], "request")  # addressed to Other Org
    auth.login(MO)
    page = client.get("/provide/providers/good-practice/confirmations").get_data(as_text=True)
    assert page.index("My awareness day") < page.index("Kit&#39;s awareness day")
    assert "Sam Learner" in page and "Kit Learner" in page
    assert SAM not in page and "kit@example.org" not in page
    assert "Other&#39;s course" not in page
    assert "2 requests waiting" in page
    for url in ("/provide/", "/provide/providers/good-practice/"):
        assert re.search(r"Requests to confirm attendance.*?</a>: 2 waiting", client.get(url).text)


def test_the_list_is_paged(app, client, auth, world):
    """With more requests than a page holds, is the rest on the next page?"""
    with app.app_context():
        sam = find_user(SAM)
        offering = db.session.get(PortfolioEntry, world["entry"]).offering
        for number in range(ops.PAGE_SIZE + 1):
            entry = gen_entry(sam, title=f"Day {number:02d}", offering=offering)
            ops.request_confirmation(entry)
            db.session.commit()
    auth.login(MO)
    first = client.get("/provide/providers/good-practice/confirmations").get_data(as_text=True)
    second = client.get("/provide/providers/good-practice/confirmations?page=2").text
    assert f"Day {ops.PAGE_SIZE - 1:02d}" in first and f"Day {ops.PAGE_SIZE:02d}" not in first
    assert f"Day {ops.PAGE_SIZE:02d}" in second and "Day 00" not in second
    assert "Later requests" in first and "Earlier requests" in second


@pytest.mark.parametrize(
    ("decision", "status", "message"),
    [("confirm", "confirmed", "You have confirmed"), ("decline", "declined", "cannot confirm")],
)
def test_a_member_answers_a_request(app, client, auth, world, decision, status, message):
    """Does confirming or declining from the request's page record the answer and its note?"""
    set_state(app, world["entry"], "request")
    auth.login(MO)
    url = f"/provide/providers/good-practice/confirmations/{world['entry']}"
    page = client.get(url).get_data(as_text=True)
    assert "Did Sam Learner take part?" in page and SAM not in page
    assert "That boundaries are kind." not in page  # reflections stay private
    facts = re.search(r'name="facts" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        f"{url}/{decision}",
        data={"csrf_token": csrf_token(client, url), "facts": facts, "note": "Thank you."},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    state = entry_of(app, world["entry"])
    assert (state["confirmation_status"], state["confirmation_note"]) == (status, "Thank you.")
    assert state["confirmation_decided_by_id"] == world["mo"]
    assert client.get(url).status_code == 404  # answered: no longer waiting
    history = client.get("/provide/providers/good-practice/history").get_data(as_text=True)
    assert "attendance" in history


def test_a_note_too_long_is_refused_next_to_the_field(app, client, auth, world):
    """Is a note over 500 characters refused with a message and a summary, and nothing saved?"""
    set_state(app, world["entry"], "request")
    auth.login(MO)
    url = f"/provide/providers/good-practice/confirmations/{world['entry']}"
    facts = re.search(r'name="facts" type="hidden" value="([^"]+)"', client.get(url).text)
    response = client.post(
        f"{url}/decline",
        data={"csrf_token": csrf_token(client, url), "facts": facts.group(1), "note": "x" * 501},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in page and 'id="note-error"' in page
    assert "Use at most 500 characters." in page
    assert entry_of(app, world["entry"])["confirmation_status"] == "requested"


def test_an_answer_to_facts_since_changed_is_refused(app, client, auth, world):
    """If the learner changed the hours after the page was opened, is the answer refused?"""
    set_state(app, world["entry"], "request")
    auth.login(MO)
    url = f"/provide/providers/good-practice/confirmations/{world['entry']}"
    facts = re.search(r'name="facts" type="hidden" value="([^"]+)"', client.get(url).text)
    with app.app_context():
        db.session.get(PortfolioEntry, world["entry"]).hours = 12
        db.session.commit()
    response = client.post(
        f"{url}/confirm", data={"csrf_token": csrf_token(client, url), "facts": facts.group(1)}
    )
    assert response.status_code == 409
    assert "changed this activity since you opened the page" in response.get_data(as_text=True)
    assert "12 hours" in response.get_data(as_text=True)
    assert entry_of(app, world["entry"])["confirmation_status"] == "requested"


@pytest.mark.parametrize(
    ("who", "slug", "expected"),
    [
        (OLU, "other-org", 404),  # a request addressed to Good Practice Trust, not Other Org
        (OLU, "good-practice", 404),  # not a member of the trust
        (SAM, "good-practice", 403),  # a learner: belongs to no organisation
        ("kit@example.org", "good-practice", 403),
    ],
)
def test_a_request_not_addressed_to_you_cannot_be_answered(
    app, client, auth, world, who, slug, expected
):
    """Is answering another organisation's request refused, with nothing changed?"""
    set_state(app, world["entry"], "request")
    before = entry_of(app, world["entry"])
    auth.login(who)
    url = f"/provide/providers/{slug}/confirmations/{world['entry']}"
    assert client.get(url).status_code == expected
    response = post_action(client, f"{url}/confirm", {"facts": "x"})
    assert response.status_code == expected
    assert entry_of(app, world["entry"]) == before


def test_an_entry_not_requested_cannot_be_answered(app, client, auth, world):
    """Is an entry of the trust's offer that nobody asked about a 404 for its members?"""
    auth.login(MO)
    url = f"/provide/providers/good-practice/confirmations/{world['entry']}"
    assert client.get(url).status_code == 404
    assert post_action(client, f"{url}/confirm", page="/provide/").status_code == 404
    assert entry_of(app, world["entry"])["confirmation_status"] is None


# --- losing the mark on edit -------------------------------------------------------------


def edit_form(app, entry_id: int, **changes) -> dict:
    """The edit form as the entry fills it, with some fields changed."""
    with app.app_context():
        entry = db.session.get(PortfolioEntry, entry_id)
        fields = {
            "title": entry.title,
            "provider_name": entry.provider_name,
            "activity_type": entry.activity_type,
            "starts_on": entry.starts_on.isoformat(),
            "ends_on": entry.ends_on.isoformat(),
            "hours": f"{entry.hours:g}",
            "participatory_hours": f"{entry.participatory_hours:g}",
            "level": entry.level or "not_sure",
            "format": entry.format or "",
            "co_delivered": "yes" if entry.co_delivered else "no",
            "co_designed": "yes" if entry.co_designed else "no",
            "learning": entry.learning,
        }
    return {**fields, **changes}


def test_the_edit_form_of_a_confirmed_entry_warns(app, client, auth, world):
    """Does the edit form warn, with the checkbox, only for a confirmed entry?"""
    set_state(app, world["entry"], "confirm")
    auth.login(SAM)
    page = client.get(f"/portfolio/entries/{world['entry']}/edit").get_data(as_text=True)
    assert "Good Practice Trust confirmed you took part" in page
    assert "I understand this removes the provider&#39;s confirmation" in page
    plain = client.get(f"/portfolio/entries/{world['external']}/edit").get_data(as_text=True)
    assert "I understand this removes" not in plain


def test_changing_confirmed_hours_needs_the_tick(app, client, auth, world):
    """Without the tick, is a change to the hours refused next to the checkbox, and nothing saved?"""
    set_state(app, world["entry"], "confirm")
    auth.login(SAM)
    url = f"/portfolio/entries/{world['entry']}/edit"
    response = submit(client, url, edit_form(app, world["entry"], hours="7", learning="New."))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="understand_unconfirm-error"' in page
    assert 'href="#understand_unconfirm-1"' in page  # the error summary links to its first box
    state = entry_of(app, world["entry"])
    assert (state["confirmation_status"], state["hours"], state["learning"]) == (
        "confirmed",
        6,
        "That boundaries are kind.",
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"hours": "7"},
        {"participatory_hours": "5"},
        {"starts_on": "shift", "ends_on": "shift"},
    ],
)
def test_changing_confirmed_facts_with_the_tick_removes_the_mark(app, client, auth, world, changes):
    """With the tick, is the change saved and the confirmation cleared entirely?"""
    set_state(app, world["entry"], "confirm", note="Seen.")
    with app.app_context():
        shifted = db.session.get(PortfolioEntry, world["entry"]).starts_on - timedelta(1)
    changes = {k: shifted.isoformat() if v == "shift" else v for k, v in changes.items()}
    auth.login(SAM)
    url = f"/portfolio/entries/{world['entry']}/edit"
    form = edit_form(app, world["entry"], understand_unconfirm="yes", **changes)
    response = submit(client, url, form, follow_redirects=True)
    assert response.status_code == 200
    assert "no longer confirmed by the provider" in response.get_data(as_text=True)
    state = entry_of(app, world["entry"])
    assert {name: state[name] for name in CONFIRMATION_FIELDS} == {
        **dict.fromkeys(CONFIRMATION_FIELDS, None),
        "confirmation_note": "",
    }
    page = client.get(f"/portfolio/entries/{world['entry']}").get_data(as_text=True)
    assert "Ask Good Practice Trust to confirm" in page


@pytest.mark.parametrize("tick", [False, True])
def test_changing_reflections_keeps_the_mark(app, client, auth, world, tick):
    """Is a change to the title and reflections saved with the confirmation kept, tick or not?"""
    set_state(app, world["entry"], "confirm")
    auth.login(SAM)
    url = f"/portfolio/entries/{world['entry']}/edit"
    extra = {"understand_unconfirm": "yes"} if tick else {}
    form = edit_form(app, world["entry"], title="Renamed", learning="Something new.", **extra)
    response = submit(client, url, form)
    assert response.status_code == 302
    state = entry_of(app, world["entry"])
    assert (state["confirmation_status"], state["learning"]) == ("confirmed", "Something new.")


def test_a_waiting_request_survives_an_edit(app, client, auth, world):
    """Does changing the hours of an entry still waiting keep the request, with the new hours?"""
    set_state(app, world["entry"], "request")
    auth.login(SAM)
    url = f"/portfolio/entries/{world['entry']}/edit"
    assert submit(client, url, edit_form(app, world["entry"], hours="7")).status_code == 302
    state = entry_of(app, world["entry"])
    assert (state["confirmation_status"], state["hours"]) == ("requested", 7)


def test_the_whole_journey(app, client, auth, world):
    """Sam asks, Mo confirms, Sam sees the mark, changes the hours and the mark goes."""
    auth.login(SAM)
    post_action(client, f"/portfolio/entries/{world['entry']}/confirmation")
    auth.logout()
    auth.login(MO)
    listing = client.get("/provide/providers/good-practice/confirmations").get_data(as_text=True)
    answer = re.search(r'href="(/provide/providers/good-practice/confirmations/\d+)"', listing)
    page = client.get(answer.group(1)).get_data(as_text=True)
    facts = re.search(r'name="facts" type="hidden" value="([^"]+)"', page).group(1)
    confirm_url = re.search(r'action="([^"]+/confirm)"', page).group(1)
    client.post(confirm_url, data={"csrf_token": csrf_token(client, "/provide/"), "facts": facts})
    auth.logout()
    auth.login(SAM)
    assert "Confirmed" in client.get(f"/portfolio/entries/{world['entry']}").text
    url = f"/portfolio/entries/{world['entry']}/edit"
    form = edit_form(app, world["entry"], hours="8", understand_unconfirm="yes")
    assert submit(client, url, form).status_code == 302
    assert entry_of(app, world["entry"])["confirmation_status"] is None
