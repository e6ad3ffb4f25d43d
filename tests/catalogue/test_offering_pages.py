"""An offer's page, its JSON-LD and calendar, a provider's page, and the API's shapes."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from icalendar import Calendar

from academy.timeutil import today
from tests.factories import gen_offering, gen_provider


def jsonld_of(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


def test_offer_page_shows_what_a_practitioner_needs(client, catalogue):
    """Does the page show level and its meaning, hours, credit, cost, co-production and dates?"""
    page = client.get(f"/catalogue/{catalogue['module']}").get_data(as_text=True)
    for text in (
        "People, personality and disorder",
        "Extending expertise",  # the level's name
        "Extending expertise, enhancing practice",  # what it means
        "Accredited university module",
        "15 UK credits (CATS), FHEQ level 7 (masters)",
        "£1,200",
        "Health (NHS and independent), Education",
        "Lincoln, East Midlands",
        "Not co-delivered by a trainer with lived experience.",
        "KUF Hub",
        "Add these dates to your calendar",
    ):
        assert text in page, text


def test_offer_page_says_plainly_who_delivers_it(app, client):
    """Is co-production shown in words, with the provider's own statement?"""
    with app.app_context():
        provider = gen_provider("Lived Voices", user_led=True)
        slug = gen_offering(
            provider,
            co_delivered=True,
            co_designed=True,
            co_production_statement="Each day is taught by a trainer with lived experience and a clinician.",
        ).slug
    page = client.get(f"/catalogue/{slug}").get_data(as_text=True)
    assert "Co-delivered: a trainer with lived experience teaches alongside a practitioner." in page
    assert "Designed together with people with lived experience." in page
    assert "Each day is taught by a trainer with lived experience and a clinician." in page
    assert "Lived Voices is a user-led organisation." in page


def test_offer_page_lists_only_upcoming_sessions(app, client):
    """Are past sessions left off, with places and a booking link for the rest?"""
    with app.app_context():
        past = today() - timedelta(days=20)
        soon = today() + timedelta(days=12)
        slug = gen_offering(
            booking_url="https://provider.example.org/book",
            sessions=[
                {"starts_on": past, "ends_on": past, "venue": "Old hall", "region": "london"},
                {
                    "starts_on": soon,
                    "ends_on": soon + timedelta(days=2),
                    "venue": "Leeds",
                    "region": "yorkshire_humber",
                    "places": 18,
                },
            ],
        ).slug
    page = client.get(f"/catalogue/{slug}").get_data(as_text=True)
    assert "Old hall" not in page
    assert "Leeds, Yorkshire and the Humber" in page
    assert "(3 days)" in page and ">18<" in page
    assert 'href="https://provider.example.org/book"' in page


def test_self_paced_offer_says_start_any_time(client, catalogue):
    """Does an offer with no dates say it is self-paced, without a calendar link?"""
    page = client.get(f"/catalogue/{catalogue['awareness_online']}").get_data(as_text=True)
    assert "self-paced: you can start at any time" in page
    assert "Add these dates to your calendar" not in page


def test_offer_page_has_course_json_ld(client, catalogue):
    """Is there a schema.org Course with a CourseInstance per upcoming session?"""
    page = client.get(f"/catalogue/{catalogue['awareness_london']}").get_data(as_text=True)
    course = jsonld_of(page)
    assert course["@type"] == "Course"
    assert course["name"] == "Personality disorder awareness"
    assert course["provider"]["name"] == "KUF Hub"
    assert course["educationalLevel"] == "Awareness"
    assert course["offers"]["price"] == "0.00"
    instances = course["hasCourseInstance"]
    assert [i["@type"] for i in instances] == ["CourseInstance", "CourseInstance"]
    assert instances[0]["startDate"] == (today() + timedelta(days=10)).isoformat()
    assert instances[0]["courseMode"] == "onsite"


def test_json_ld_cannot_break_out_of_its_script(app, client):
    """Does a title containing </script> stay inside the JSON-LD block?"""
    with app.app_context():
        slug = gen_offering(title="Boundaries </script><script>alert(1)</script>").slug
    page = client.get(f"/catalogue/{slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert jsonld_of(page)["name"] == "Boundaries </script><script>alert(1)</script>"


def test_calendar_has_an_event_per_upcoming_session(client, catalogue):
    """Is the .ics a real iCalendar with a VEVENT per upcoming session, stable UIDs and dates?"""
    response = client.get(f"/catalogue/{catalogue['awareness_london']}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    first = events[0]
    assert first.decoded("DTSTART") == today() + timedelta(days=10)
    assert first.decoded("DTEND") == today() + timedelta(days=11)  # all-day: end is exclusive
    assert "Personality disorder awareness" in str(first["SUMMARY"])
    assert str(first["URL"]).endswith(f"/catalogue/{catalogue['awareness_london']}")
    assert first["DTSTAMP"]
    again = Calendar.from_ical(client.get(f"/catalogue/{catalogue['awareness_london']}.ics").data)
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == [str(e["UID"]) for e in events]


def test_unknown_offer_is_404(client, catalogue):
    """Does a made-up slug get the site's 404 page?"""
    response = client.get("/catalogue/no-such-offer")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_provider_page_shows_who_they_are_and_published_offers(client, catalogue):
    """Does a provider's page show user-led status and only its published offers?"""
    page = client.get("/providers/lived-voices").get_data(as_text=True)
    assert "User-led organisation" in page
    assert "Open Dialogue foundation" in page
    assert "Withdrawn awareness day" not in page


def test_pending_provider_has_no_public_page(app, client):
    """Is a provider awaiting approval invisible to the public?"""
    with app.app_context():
        gen_provider("Waiting Trust", slug="waiting-trust", status="pending")
    assert client.get("/providers/waiting-trust").status_code == 404


def test_api_offering_shape(client, catalogue):
    """Does an API item carry the contract's fields?"""
    item = client.get("/api/v1/offerings?q=dialogue").json["items"][0]
    assert {
        "slug",
        "title",
        "summary",
        "level",
        "format",
        "provider",
        "co_production",
        "cost_pence",
        "contact_hours",
        "cpd_hours",
        "url",
        "sessions",
    } <= set(item)
    assert item["provider"] == {"slug": "lived-voices", "name": "Lived Voices", "user_led": True}
    assert item["co_production"]["co_delivered"] is True
    assert item["co_production"]["lived_experience_led"] is True
    assert item["cost_pence"] == 45000
    assert item["url"].endswith(f"/catalogue/{catalogue['dialogue']}")
    assert item["sessions"][0]["online"] is True


def test_api_single_offering(client, catalogue):
    """Does /api/v1/offerings/<slug> return one offering with its description?"""
    body = client.get(f"/api/v1/offerings/{catalogue['module']}").json
    assert body["slug"] == catalogue["module"]
    assert body["credit"] == {"value": 15, "scheme": "cats", "academic_level": "fheq_7"}
    assert "mentalization" in body["description"]
    missing = client.get("/api/v1/offerings/nope")
    assert missing.status_code == 404 and missing.is_json


def test_api_levels(client, catalogue):
    """Does /api/v1/levels list the five steps in order, with counts and the next step?"""
    items = client.get("/api/v1/levels").json["items"]
    assert [i["key"] for i in items] == [
        "ground",
        "awareness",
        "understanding",
        "expertise",
        "leadership",
    ]
    awareness = items[1]
    assert awareness["offerings"] == 2 and awareness["next"] == "understanding"
    assert items[-1]["next"] is None


def test_api_providers(client, catalogue):
    """Does /api/v1/providers list approved providers with their published offer counts?"""
    items = client.get("/api/v1/providers").json["items"]
    assert [(i["slug"], i["offerings"]) for i in items] == [("kuf-hub", 4), ("lived-voices", 2)]
