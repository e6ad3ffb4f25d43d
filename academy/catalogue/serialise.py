"""Offerings and providers as JSON: the public API's shapes and schema.org JSON-LD."""

from __future__ import annotations

from flask import url_for

from academy.catalogue.models import Offering, OfferingSession, Provider
from academy.reference import Reference


def session_json(session: OfferingSession) -> dict:
    """A session in the API's shape."""
    return {
        "starts_on": session.starts_on.isoformat(),
        "ends_on": session.ends_on.isoformat(),
        "venue": session.venue or None,
        "region": session.region,
        "online": session.online,
        "places": session.places,
        "booking_url": session.booking_url,
    }


def provider_json(provider: Provider, *, full: bool = False) -> dict:
    # `provider` may also be a row of the columns this reads (the providers listing).
    """A provider in the API's shape; `full` adds what a provider listing carries."""
    data = {"slug": provider.slug, "name": provider.name, "user_led": provider.user_led}
    if full:
        data.update(
            website=provider.website,
            description=provider.description,
            url=url_for("catalogue.provider", slug=provider.slug, _external=True),
        )
    return data


def offering_json(offering: Offering, *, full: bool = False) -> dict:
    """An offering in the API's shape; `full` adds the long description."""
    data = {
        "slug": offering.slug,
        "title": offering.title,
        "summary": offering.summary,
        "level": offering.level,
        "format": offering.format,
        "provider": provider_json(offering.provider),
        "co_production": {
            "co_designed": offering.co_designed,
            "co_delivered": offering.co_delivered,
            "lived_experience_led": offering.lived_experience_led,
            "statement": offering.co_production_statement or None,
        },
        "cost_pence": offering.cost_pence,
        "contact_hours": offering.contact_hours,
        "cpd_hours": offering.cpd_hours,
        "credit": (
            {
                "value": offering.credit_value,
                "scheme": offering.credit_scheme,
                "academic_level": offering.academic_level,
            }
            if offering.credit_value
            else None
        ),
        "audiences": offering.audiences,
        "sectors": offering.sectors,
        "ee_values": offering.ee_values,
        "regions": offering.regions,
        "self_paced": offering.is_self_paced,
        "booking_url": offering.booking_url,
        "url": url_for("catalogue.offering", slug=offering.slug, _external=True),
        "sessions": [session_json(s) for s in offering.upcoming_sessions],
        "published_at": offering.published_at.isoformat() if offering.published_at else None,
    }
    if full:
        data["description"] = offering.description
        data["updated_at"] = offering.updated_at.isoformat()
    return data


def offering_jsonld(offering: Offering, ref: Reference) -> dict:
    """schema.org Course with a CourseInstance per upcoming session."""
    level = ref.escalator.get(offering.level)
    format_term = ref.formats.get(offering.format)
    mode = format_term.extra.get("mode", "blended") if format_term else "blended"
    course = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": offering.title,
        "description": offering.summary or offering.description[:500],
        "url": url_for("catalogue.offering", slug=offering.slug, _external=True),
        "educationalLevel": level.name if level else offering.level,
        "provider": {
            "@type": "Organization",
            "name": offering.provider.name,
            "url": offering.provider.website
            or url_for("catalogue.provider", slug=offering.provider.slug, _external=True),
        },
        "offers": {
            "@type": "Offer",
            "category": "Free" if offering.is_free else "Paid",
            "price": f"{offering.cost_pence / 100:.2f}",
            "priceCurrency": "GBP",
            **({"url": offering.booking_url} if offering.booking_url else {}),
        },
        "hasCourseInstance": [],
    }
    if offering.credit_value:
        course["educationalCredentialAwarded"] = (
            f"{offering.credit_value} {ref.credit_schemes.label(offering.credit_scheme)}"
            + (
                f" at {ref.academic_levels.label(offering.academic_level)}"
                if offering.academic_level
                else ""
            )
        )
    workload = f"PT{offering.contact_hours:g}H" if offering.contact_hours else None
    instances = [
        {
            "@type": "CourseInstance",
            "courseMode": "online" if s.online else mode,
            "startDate": s.starts_on.isoformat(),
            "endDate": s.ends_on.isoformat(),
            "location": (
                {"@type": "VirtualLocation", "url": s.booking_url or course["url"]}
                if s.online
                else {"@type": "Place", "name": s.venue or ref.regions.label(s.region)}
            ),
            **({"courseWorkload": workload} if workload else {}),
        }
        for s in offering.upcoming_sessions
    ]
    if not instances:  # self-paced: one instance with no dates, always available
        instances.append(
            {"@type": "CourseInstance", "courseMode": mode}
            | ({"courseWorkload": workload} if workload else {})
        )
    course["hasCourseInstance"] = instances
    return course
