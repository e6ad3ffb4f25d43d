"""One-line test data, made through the operations. Call inside an app context."""

from __future__ import annotations

import itertools
from datetime import timedelta

from academy.accounts.models import User
from academy.accounts.operations import register_user
from academy.catalogue.models import Offering, Provider
from academy.catalogue.operations import (
    add_member,
    create_offering,
    create_provider,
    publish_offering,
    replace_sessions,
)
from academy.extensions import db
from academy.portfolios.entries.operations import create_entry
from academy.portfolios.models import PortfolioEntry
from academy.timeutil import today

_numbers = itertools.count(1)
PASSWORD = "correct horse battery staple"


def gen_user(email: str | None = None, *, curator: bool = False, **profile) -> User:
    """A learner (or curator) with the standard test password."""
    number = next(_numbers)
    user = register_user(
        email or f"user{number}@example.org",
        PASSWORD,
        profile.pop("name", f"User {number}"),
        **profile,
    )
    user.is_curator = curator
    db.session.commit()
    return user


def gen_provider(
    name: str | None = None, *, status: str = "approved", members=(), **fields
) -> Provider:
    """An approved provider (pass status='pending' for one awaiting review)."""
    provider = create_provider(name or f"Provider {next(_numbers)}", status=status, **fields)
    for user in members:
        add_member(provider, user)
    db.session.commit()
    return provider


def gen_offering(
    provider: Provider | None = None,
    *,
    status: str = "published",
    sessions: list[int] | list[dict] | None = None,
    **data,
) -> Offering:
    """A published offering; `sessions` as day offsets from today or as dicts."""
    provider = provider or gen_provider()
    values = {
        "title": f"Offering {next(_numbers)}",
        "summary": "A summary.",
        "description": "A description.",
        "level": "awareness",
        "format": "workshop",
        "cost_pence": 0,
        "audiences": ["open_to_all"],
        "sectors": ["health"],
        **data,
    }
    offering = create_offering(provider, values)
    rows = []
    for item in sessions or []:
        if isinstance(item, int):
            start = today() + timedelta(days=item)
            rows.append(
                {"starts_on": start, "ends_on": start, "region": "london", "venue": "A hall"}
            )
        else:
            rows.append(item)
    if rows:
        replace_sessions(offering, rows)
    if status == "published":
        publish_offering(offering)
    else:
        offering.status = status
    db.session.commit()
    return offering


def gen_entry(user: User, **fields) -> PortfolioEntry:
    """A portfolio entry made through the operation (a 3-hour awareness workshop a month ago)."""
    start = fields.pop("starts_on", today() - timedelta(days=30))
    data = {
        "title": f"Activity {next(_numbers)}",
        "starts_on": start,
        "ends_on": fields.pop("ends_on", start),
        "hours": 3,
        "participatory_hours": 3,
        "activity_type": "workshop",
        "level": "awareness",
        **fields,
    }
    entry = create_entry(user, data, offering=fields.get("offering"), session=fields.get("session"))
    db.session.commit()
    return entry
