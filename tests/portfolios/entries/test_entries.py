"""Portfolio entries through the web: recording, pre-filling, checking, changing, deleting."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from academy.accounts.operations import find_user
from academy.catalogue.models import Offering
from academy.extensions import db
from academy.portfolios.entries.operations import create_entry
from academy.portfolios.models import PortfolioEntry
from academy.timeutil import today
from tests.conftest import csrf_token, submit
from tests.factories import gen_offering, gen_provider, gen_user

ENTRY = {
    "title": "Personality disorder awareness",
    "provider_name": "KUF Hub",
    "activity_type": "course",
    "starts_on": "2026-03-02",
    "ends_on": "2026-03-04",
    "hours": "19.5",
    "participatory_hours": "18",
    "level": "awareness",
    "format": "short_course",
    "co_delivered": "yes",
    "co_designed": "no",
    "description": "Three co-delivered days.",
    "learning": "That behaviour is communication.",
    "practice_change": "I ask before I assume.",
    "peer_discussion": "",
    "standards_link": "Prioritise people.",
    "evidence": "Certificate KUF-123",
}


def entry_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PortfolioEntry))


def add_entry(user, **fields):
    """An entry made through the operation, committed; returns its id."""
    start = fields.pop("starts_on", today() - timedelta(days=30))
    data = {
        "title": "An activity",
        "starts_on": start,
        "ends_on": start,
        "hours": 3,
        "participatory_hours": 3,
        "activity_type": "workshop",
        "level": "awareness",
        **fields,
    }
    entry = create_entry(user, data, offering=fields.get("offering"))
    db.session.commit()
    return entry.id


def test_the_portfolio_is_for_logged_in_learners(client):
    """Does the portfolio send an anonymous visitor to log in?"""
    response = client.get("/portfolio/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login?next=")


def test_ive_done_this_prefills_from_the_offer_and_its_session(app, client, auth, catalogue):
    """Does "I've done this" on a session pre-fill the title, provider, dates, hours and level?"""
    with app.app_context():
        offering = db.session.scalar(
            select(Offering).where(Offering.slug == catalogue["awareness_london"])
        )
        offering.cpd_hours = 13
        db.session.commit()
        session = offering.sessions[0]
        session_id, start = session.id, session.starts_on
    auth.register()
    page = client.get(f"/catalogue/{catalogue['awareness_london']}").get_data(as_text=True)
    links = re.findall(r'href="(/portfolio/entries/new\?[^"]+)"', page)
    assert f"/portfolio/entries/new?offering={catalogue['awareness_london']}" in links
    url = (
        f"/portfolio/entries/new?offering={catalogue['awareness_london']}&amp;session={session_id}"
    )
    assert url in links
    form = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="Personality disorder awareness"' in form
    assert 'value="KUF Hub"' in form
    assert f'value="{start.isoformat()}"' in form
    assert re.search(r'name="hours"[^>]* value="13"', form)
    assert re.search(r'value="awareness" checked', form)
    assert re.search(r'name="co_delivered" value="yes" checked', form)

    token = csrf_token(client, url.replace("&amp;", "&"))
    response = client.post(
        url.replace("&amp;", "&"),
        data={
            **ENTRY,
            "csrf_token": token,
            "starts_on": start.isoformat(),
            "ends_on": start.isoformat(),
            "hours": "6.5",
            "participatory_hours": "6.5",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalars(select(PortfolioEntry)).one()
        assert (entry.offering_id, entry.session_id) == (offering.id, session_id)


def test_an_unknown_offer_or_session_is_a_404(app, client, auth, catalogue):
    """Is "I've done this" for an unpublished offer, or another offer's session, a 404?"""
    auth.register()
    assert client.get(f"/portfolio/entries/new?offering={catalogue['draft']}").status_code == 404
    assert client.get("/portfolio/entries/new?offering=no-such-offer").status_code == 404
    url = f"/portfolio/entries/new?offering={catalogue['talk']}&session=99999"
    assert client.get(url).status_code == 404


def test_an_external_activity_is_recorded_by_hand(app, client, auth):
    """Can a learner record an activity from anywhere, with every field kept?"""
    auth.register()
    response = submit(client, "/portfolio/entries/new", ENTRY)
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalars(select(PortfolioEntry)).one()
        assert entry.offering_id is None
        assert (entry.hours, entry.participatory_hours) == (19.5, 18.0)
        assert (entry.level, entry.format, entry.activity_type) == (
            "awareness",
            "short_course",
            "course",
        )
        assert (entry.co_delivered, entry.co_designed) == (True, False)
        assert entry.learning == "That behaviour is communication."
        assert entry.evidence == "Certificate KUF-123"
    page = client.get("/portfolio/").get_data(as_text=True)
    assert "Personality disorder awareness" in page
    assert "100% of hours" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hours": "-2"}, "Enter a number of hours from 0 to 10,000."),
        ({"hours": "73"}, "That is more than 24 hours a day over 3 days."),
        ({"participatory_hours": "20"}, "Participatory hours cannot be more than the total hours."),
        ({"ends_on": "2026-03-01"}, "The end date must be the same as or after the start date."),
        (
            {
                "starts_on": (today() + timedelta(days=800)).isoformat(),
                "ends_on": (today() + timedelta(days=800)).isoformat(),
            },
            "Enter a date from 1950 up to a year from today.",
        ),
        ({"starts_on": "1066-10-14"}, "Enter a date from 1950 up to a year from today."),
        ({"starts_on": "yesterday"}, "Not a valid date value."),
        ({"level": "guru"}, "Not a valid choice."),
        ({"level": ""}, "Choose a level, or Not sure."),
        ({"activity_type": "party"}, "Not a valid choice."),
        ({"learning": "x" * 100000}, "Use at most 10,000 characters."),
        ({"title": ""}, "Enter the name of the activity."),
        ({"hours": "many"}, "Not a valid decimal value."),
    ],
    ids=[
        "negative-hours",
        "over-24-a-day",
        "participatory-above-total",
        "end-before-start",
        "far-future",
        "ancient",
        "not-a-date",
        "unknown-level",
        "no-level",
        "unknown-type",
        "huge-reflection",
        "no-title",
        "hours-text",
    ],
)
def test_bad_entries_get_clear_messages_and_nothing_is_saved(app, client, auth, changes, message):
    """Is each kind of bad entry refused with its message beside the field, and nothing saved?"""
    auth.register()
    response = submit(client, "/portfolio/entries/new", {**ENTRY, **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "There is a problem" in page
    with app.app_context():
        assert entry_count() == 0


def test_html_in_every_text_field_is_shown_as_text(app, client, auth):
    """Are script and HTML in an entry's text shown escaped on its page and the portfolio?"""
    auth.register()
    payload = '<script>alert("x")</script><b>bold</b>'
    text_fields = (
        "title",
        "provider_name",
        "description",
        "learning",
        "practice_change",
        "peer_discussion",
        "standards_link",
        "evidence",
    )
    assert (
        submit(
            client, "/portfolio/entries/new", {**ENTRY, **dict.fromkeys(text_fields, payload)}
        ).status_code
        == 302
    )
    with app.app_context():
        entry_id = db.session.scalars(select(PortfolioEntry.id)).one()
    for url in (
        "/portfolio/",
        f"/portfolio/entries/{entry_id}",
        f"/portfolio/entries/{entry_id}/edit",
        f"/portfolio/entries/{entry_id}/delete",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<b>bold</b>" not in page
        assert "&lt;script&gt;" in page


def test_an_entry_is_changed_and_deleted_after_asking(app, client, auth):
    """Can a learner change an entry, and delete it only by confirming?"""
    auth.register()
    submit(client, "/portfolio/entries/new", ENTRY)
    with app.app_context():
        entry_id = db.session.scalars(select(PortfolioEntry.id)).one()
    edit = f"/portfolio/entries/{entry_id}/edit"
    assert 'value="19.5"' in client.get(edit).get_data(as_text=True)
    assert submit(client, edit, {**ENTRY, "hours": "20", "level": "not_sure"}).status_code == 302
    with app.app_context():
        entry = db.session.get(PortfolioEntry, entry_id)
        assert (entry.hours, entry.level) == (20.0, None)
    delete = f"/portfolio/entries/{entry_id}/delete"
    assert "Yes, delete it" in client.get(delete).get_data(as_text=True)
    assert client.post(delete).status_code == 400  # no CSRF token: nothing happens
    with app.app_context():
        assert entry_count() == 1
    assert submit(client, delete, {}).status_code == 302
    with app.app_context():
        assert entry_count() == 0


def test_another_learners_entry_is_a_404(app, client, auth):
    """Does guessing another learner's entry id give a 404 for every page and action?"""
    with app.app_context():
        other = gen_user("other@example.org")
        entry_id = add_entry(other, learning="Private thoughts.")
    auth.register()
    for url in (
        f"/portfolio/entries/{entry_id}",
        f"/portfolio/entries/{entry_id}/edit",
        f"/portfolio/entries/{entry_id}/delete",
    ):
        assert client.get(url).status_code == 404
    token = csrf_token(client, "/portfolio/entries/new")
    assert (
        client.post(
            f"/portfolio/entries/{entry_id}/edit", data={**ENTRY, "csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/portfolio/entries/{entry_id}/delete", data={"csrf_token": token}).status_code
        == 404
    )
    assert "Private thoughts." not in client.get("/portfolio/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PortfolioEntry, entry_id).title == "An activity"


def test_entries_filter_by_year_and_level(app, client, auth):
    """Do the year and level filters show only matching entries, and refuse nonsense?"""
    auth.register()
    with app.app_context():
        user = find_user("learner@example.org")
        add_entry(user, title="Old awareness", starts_on=today().replace(year=2024, month=5, day=1))
        add_entry(
            user,
            title="New expertise",
            level="expertise",
            starts_on=today().replace(year=2025, month=5, day=1),
        )
        add_entry(
            user,
            title="Unsure one",
            level=None,
            starts_on=today().replace(year=2025, month=6, day=1),
        )
    page = client.get("/portfolio/?year=2025").get_data(as_text=True)
    assert "New expertise" in page and "Unsure one" in page and "Old awareness" not in page
    page = client.get("/portfolio/?level=awareness").get_data(as_text=True)
    assert "Old awareness" in page and "New expertise" not in page
    page = client.get("/portfolio/?level=none").get_data(as_text=True)
    assert "Unsure one" in page and "Old awareness" not in page
    assert client.get("/portfolio/?level=guru").status_code == 400
    for nonsense in ("year=99999", "year=1200", "page=0", "page=-1", "page=99999999"):
        assert client.get(f"/portfolio/?{nonsense}").status_code == 400, nonsense


def test_a_long_portfolio_is_shown_a_page_at_a_time_with_figures_for_all(app, client, auth):
    """With 120 entries, are there pages of 50 (filters kept), and figures over all 120?"""
    auth.register()
    with app.app_context():
        user = find_user("learner@example.org")
        first = today() - timedelta(days=400)
        for number in range(120):
            create_entry(
                user,
                {
                    "title": f"Session {number:03d}",
                    "starts_on": first + timedelta(days=number),
                    "ends_on": first + timedelta(days=number),
                    "hours": 2,
                    "participatory_hours": 1,
                    "activity_type": "reflective_group",
                    "level": "awareness" if number % 2 else None,
                    "learning": "  " if number % 3 else "Something",
                },
            )
        db.session.commit()

    def titles(html: str) -> list[str]:
        return re.findall(r">Session (\d{3})</a>", html)

    html = client.get("/portfolio/").get_data(as_text=True)
    assert titles(html) == [f"{n:03d}" for n in range(119, 69, -1)]
    assert "1 to 50 of 120 activities, newest first." in html
    assert "<dt>Total hours</dt><dd>240</dd>" in html
    assert "<dt>With reflections</dt><dd>40</dd>" in html  # whitespace is not a reflection
    assert "Page 1 of 3" in html and 'href="/portfolio/?page=2"' in html
    html = client.get("/portfolio/?page=3").get_data(as_text=True)
    assert titles(html) == [f"{n:03d}" for n in range(19, -1, -1)]
    assert "101 to 120 of 120" in html
    html = client.get("/portfolio/?level=awareness&page=2").get_data(as_text=True)
    assert titles(html) == [f"{n:03d}" for n in range(19, 0, -2)]
    assert "51 to 60 of 60 activities shown" in html
    assert "page=1" in html and "level=awareness" in html
    html = client.get("/portfolio/?page=9").get_data(as_text=True)
    assert "No activities match" in html


def test_next_steps_leave_out_what_is_done(app, client, auth):
    """Are suggestions at the learner's step and the next, leaving out offers already recorded?"""
    with app.app_context():
        provider = gen_provider("Trainers")
        done = gen_offering(provider, title="Done awareness day", level="awareness", sessions=[5])
        gen_offering(provider, title="Fresh awareness day", level="awareness", sessions=[6])
        gen_offering(provider, title="Understanding module", level="understanding", sessions=[7])
        gen_offering(provider, title="Expertise module", level="expertise", sessions=[8])
        done_id = done.id
    auth.register()
    with app.app_context():
        from academy.accounts.operations import find_user

        user = find_user("learner@example.org")
        add_entry(
            user,
            title="Done awareness day",
            hours=6.5,
            participatory_hours=6.5,
            offering=db.session.get(Offering, done_id),
        )
    page = client.get("/portfolio/").get_data(as_text=True)
    assert "From your entries: <strong>Awareness</strong>" in page
    suggestions = page[page.index("What to do next") : page.index("Your activities")]
    assert "Fresh awareness day" in suggestions
    assert "Understanding module" in suggestions
    assert "Done awareness day" not in suggestions
    assert "Expertise module" not in suggestions
