"""An offering's upcoming sessions as an iCalendar (RFC 5545) feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import url_for
from icalendar import Calendar, Event

from academy.catalogue.models import Offering
from academy.reference import Reference

PRODID = "-//Relational Learning Academy//Catalogue//EN"


def offering_calendar(offering: Offering, ref: Reference, host: str) -> bytes:
    """A VCALENDAR with one all-day VEVENT per upcoming session."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", offering.title)
    page = url_for("catalogue.offering", slug=offering.slug, _external=True)
    stamp = datetime.now(UTC)
    for session in offering.upcoming_sessions:
        event = Event()
        event.add("uid", f"session-{session.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_on)
        # All-day events end on the day after the last day (exclusive).
        event.add("dtend", session.ends_on + timedelta(days=1))
        event.add("summary", f"{offering.title} — {offering.provider.name}")
        where = "Online" if session.online else (session.venue or ref.regions.label(session.region))
        event.add("location", where)
        event.add("url", session.booking_url or offering.booking_url or page)
        event.add("description", f"{offering.summary}\n\nDetails and booking: {page}")
        calendar.add_component(event)
    return calendar.to_ical()
