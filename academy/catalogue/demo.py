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

from academy import signals
from academy.accounts.operations import find_user, register_user
from academy.catalogue.models import Offering, Provider
from academy.catalogue.operations import (
    add_member,
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

#: The password of every demo account: published here and in the README, so local use only.
DEMO_PASSWORD = "learn-relate-grow"  # noqa: S105 (published: local demo accounts only)
#: The demo accounts, one a role: (email, name, role).
DEMO_ACCOUNTS = (
    ("learner@example.org", "Demo Learner", "learner"),
    ("provider@example.org", "Demo Provider Member", "provider"),
    ("curator@example.org", "Demo Curator", "curator"),
)


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


def load_demo_accounts(provider: Provider, *, on: date | None = None) -> list[str]:
    """Make the demo accounts that are missing (never touching one that exists); returns
    the emails made. The provider member joins `provider`; the learner's first entries
    come from the portfolios (`signals.demo_learner_created`)."""
    made = []
    for email, name, role in DEMO_ACCOUNTS:
        if find_user(email) is not None:
            continue
        user = register_user(email, DEMO_PASSWORD, name)
        made.append(email)
        if role == "curator":
            user.is_curator = True
        elif role == "provider":
            add_member(provider, user)
        else:
            signals.demo_learner_created.send(user, today=on or today())
    db.session.flush()
    return made


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--accounts",
    is_flag=True,
    help=f"Also make a demo account for each role, all with the password {DEMO_PASSWORD!r}: "
    "for a machine of your own only.",
)
@click.option(
    "--allow-postgres",
    is_flag=True,
    help="Make the demo accounts even on PostgreSQL (how the Academy runs in production).",
)
def seed_demo_command(accounts: bool, allow_postgres: bool) -> None:
    """Load the illustrative demo catalogue (safe to run again: it changes nothing new)."""
    if accounts and db.engine.dialect.name == "postgresql" and not allow_postgres:
        raise click.UsageError(
            "This database is PostgreSQL, which is how the Academy runs in production, and "
            "the demo accounts' password is published. Nothing was loaded. Leave out "
            "--accounts, or add --allow-postgres if this really is a machine of your own."
        )
    counts = load_demo(demo_path())
    made = load_demo_accounts(first_provider()) if accounts else []
    db.session.commit()
    summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing to do"
    click.echo(f"Demo catalogue loaded: {summary}.")
    if accounts:
        click.echo(f"Demo accounts (password {DEMO_PASSWORD}), for this machine only:")
        for email, _name, role in DEMO_ACCOUNTS:
            state = "made now" if email in made else "already there"
            click.echo(f"  {role:<8}  {email}  ({state})")


def first_provider() -> Provider:
    """The demo catalogue's first provider, whose member the demo provider account becomes."""
    slug = read_toml(demo_path())["provider"][0]["slug"]
    return db.session.scalar(select(Provider).where(Provider.slug == slug))
