"""The demo catalogue: illustrative providers and offers loaded through the operations.

Session dates are stored in data/demo/catalogue.toml as offsets from the day
of loading, so the demo always has upcoming dates. Loading is an upsert by
provider slug and offering reference: a second run on the same day changes
nothing; a run on a later day only moves the dates.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from academy.catalogue.models import Offering, Provider
from academy.catalogue.operations import (
    approve_provider,
    create_offering,
    create_provider,
    publish_offering,
    replace_sessions,
    update_offering,
    update_provider,
)
from academy.extensions import db
from academy.reference import Reference, read_toml, reference
from academy.timeutil import today

PROVIDER_FIELDS = ("name", "website", "contact_email", "description", "user_led")


class DemoDataError(ValueError):
    """The demo file names something the vocabularies do not know."""


def demo_path() -> Path:
    """Where the demo catalogue lives."""
    return Path(current_app.config["DATA_DIR"]) / "demo" / "catalogue.toml"


def offering_values(entry: dict, ref: Reference, where: str) -> dict:
    """Check one demo offering against the vocabularies and turn it into operation data."""

    def key(vocabulary, value, name):
        if value not in vocabulary:
            raise DemoDataError(f"{where}: unknown {name} {value!r}")
        return value

    values = {
        "reference": entry["reference"],
        "title": entry["title"],
        "summary": entry.get("summary", ""),
        "description": entry.get("description", "").strip(),
        "level": key(ref.escalator, entry["level"], "level"),
        "format": key(ref.formats, entry["format"], "format"),
        "contact_hours": entry.get("contact_hours"),
        "cpd_hours": entry.get("cpd_hours"),
        "credit_value": entry.get("credit_value"),
        "credit_scheme": entry.get("credit_scheme")
        and key(ref.credit_schemes, entry["credit_scheme"], "credit scheme"),
        "academic_level": entry.get("academic_level")
        and key(ref.academic_levels, entry["academic_level"], "academic level"),
        "cost_pence": round(float(entry.get("cost_gbp", 0)) * 100),
        "co_designed": bool(entry.get("co_designed")),
        "co_delivered": bool(entry.get("co_delivered")),
        "lived_experience_led": bool(entry.get("lived_experience_led")),
        "co_production_statement": entry.get("co_production_statement", ""),
        "booking_url": entry.get("booking_url"),
        "audiences": [key(ref.audiences, k, "audience") for k in entry.get("audiences", [])],
        "sectors": [key(ref.sectors, k, "sector") for k in entry.get("sectors", [])],
        "ee_values": [
            key(ref.ee_values, k, "Enabling Environments value") for k in entry.get("ee_values", [])
        ],
    }
    return values


def session_values(entry: dict, ref: Reference, on: date, where: str) -> dict:
    """A demo session with its offsets placed relative to the day of loading."""
    region = entry.get("region")
    if region and region not in ref.regions:
        raise DemoDataError(f"{where}: unknown region {region!r}")
    starts_on = on + timedelta(days=entry["start_in_days"])
    return {
        "starts_on": starts_on,
        "ends_on": starts_on + timedelta(days=max(1, entry.get("days", 1)) - 1),
        "venue": entry.get("venue", ""),
        "region": region,
        "online": bool(entry.get("online")),
        "places": entry.get("places"),
        "booking_url": entry.get("booking_url"),
    }


def load_demo(path: Path, *, on: date | None = None) -> Counter:
    """Upsert the demo providers and offerings; returns counts of what happened."""
    ref = reference()
    on = on or today()
    data = read_toml(path)
    counts: Counter = Counter()

    providers: dict[str, Provider] = {}
    for entry in data.get("provider", []):
        fields = {name: entry.get(name) for name in PROVIDER_FIELDS}
        fields["user_led"] = bool(fields["user_led"])
        fields["description"] = (fields["description"] or "").strip()
        provider = db.session.scalar(select(Provider).where(Provider.slug == entry["slug"]))
        if provider is None:
            provider = create_provider(slug=entry["slug"], status="approved", **fields)
            counts["providers created"] += 1
        elif update_provider(provider, fields) or not provider.is_approved:
            if not provider.is_approved:
                approve_provider(provider)
            counts["providers updated"] += 1
        providers[provider.slug] = provider

    for number, entry in enumerate(data.get("offering", []), start=1):
        where = f"{path.name}: offering {number} ({entry.get('reference')!r})"
        provider = providers.get(entry.get("provider"))
        if provider is None:
            raise DemoDataError(f"{where}: unknown provider {entry.get('provider')!r}")
        values = offering_values(entry, ref, where)
        sessions = [session_values(s, ref, on, where) for s in entry.get("session", [])]
        offering = db.session.scalar(
            select(Offering).where(
                Offering.provider_id == provider.id, Offering.reference == values["reference"]
            )
        )
        if offering is None:
            offering = create_offering(provider, values)
            replace_sessions(offering, sessions)
            counts["offerings created"] += 1
        else:
            changed = bool(update_offering(offering, values))
            changed = replace_sessions(offering, sessions) or changed
            changed = changed or offering.status != "published"
            counts["offerings updated" if changed else "offerings unchanged"] += 1
        publish_offering(offering)
    return counts


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the illustrative demo catalogue (safe to run again: it changes nothing new)."""
    counts = load_demo(demo_path())
    db.session.commit()
    summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing to do"
    click.echo(f"Demo catalogue loaded: {summary}.")
