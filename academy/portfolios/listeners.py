"""The portfolios' answers to the signals of lower features (academy/signals.py).

A learner's portfolio, record profiles, issued records and share links belong
here: this adds them to "your data", counts and deletes them with the account,
puts the record-profile choices on the profile page, tells the providers'
dashboard how many confirmation requests wait, and gives the demo learner a
few entries.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, func, select

from academy import signals
from academy.accounts.models import User
from academy.catalogue.models import Offering
from academy.escalator.position import position_of
from academy.extensions import db
from academy.portfolios.confirmation.operations import pending_counts
from academy.portfolios.entries.operations import create_entry, values_from_offering
from academy.portfolios.models import IssuedRecord, PortfolioEntry, ProfileChoice, ShareLink
from academy.portfolios.queries import entry_rows
from academy.portfolios.records.json_record import portfolio_record
from academy.portfolios.records.profile_views import records_form
from academy.portfolios.summary import summarise
from academy.reference import reference
from academy.spreadsheets.formulas import neutralise_all
from academy.timeutil import iso_utc

#: What goes with an account, every row the learner's own.
OWNED = (PortfolioEntry, ProfileChoice, IssuedRecord, ShareLink)


def connect() -> None:
    """Answer the signals (blinker keeps one connection however often this runs)."""
    signals.account_data.connect(account_data)
    signals.account_deletion_counts.connect(entry_count)
    signals.deleting_account.connect(delete_portfolio)
    signals.profile_page.connect(records_section)
    signals.provider_waiting.connect(confirmation_requests)
    signals.demo_learner_created.connect(demo_entries)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _owned(model, user: User):
    return db.session.scalars(select(model).where(model.user_id == user.id).order_by(model.id))


def account_data(user: User, **_) -> dict:
    """A learner's record profiles, issued records, share links and the portfolio record."""
    ref = reference()
    entries = entry_rows(user)
    summary = summarise(entries, ref.escalator.keys)
    position = position_of(summary.by_level, ref.escalator)
    sections = neutralise_all(
        {
            "record_profiles": [
                {"profile": choice.profile, "renews_on": _day(choice.renews_on)}
                for choice in _owned(ProfileChoice, user)
            ],
            "issued_records": [
                {
                    "code": issued.code,
                    "profile": issued.profile,
                    "format": issued.format,
                    "period_start": _day(issued.period_start),
                    "period_end": _day(issued.period_end),
                    "entries": issued.entry_count,
                    "hours": float(issued.hours),
                    "issued_at": iso_utc(issued.issued_at),
                    "revoked_at": iso_utc(issued.revoked_at),
                    "snapshot_sha256": issued.snapshot_sha256,
                    "file_sha256": issued.file_sha256,
                }
                for issued in _owned(IssuedRecord, user)
            ],
            "share_links": [
                {
                    "label": link.label,
                    "profile": link.profile,
                    "period_start": _day(link.period_start),
                    "period_end": _day(link.period_end),
                    "created_at": iso_utc(link.created_at),
                    "expires_at": iso_utc(link.expires_at),
                    "revoked_at": iso_utc(link.revoked_at),
                    "open_count": link.open_count,
                    "last_opened_at": iso_utc(link.last_opened_at),
                }
                for link in _owned(ShareLink, user)
            ],
        }
    )
    # The portfolio record neutralises its own text: once is the rule.
    sections["portfolio"] = portfolio_record(user, entries, summary, position)
    return sections


def entry_count(user: User, **_) -> dict:
    """How many activities deleting the account would delete."""
    count = db.session.scalar(
        select(func.count()).select_from(PortfolioEntry).where(PortfolioEntry.user_id == user.id)
    )
    return {"entries": count}


def delete_portfolio(user: User, **_) -> None:
    """The portfolio, record profiles, issued records (their codes then check as never
    issued) and share links go with the account."""
    for model in OWNED:
        db.session.execute(delete(model).where(model.user_id == user.id))


def records_section(user: User, *, formdata=None, **_) -> dict:
    """The profile page's "Your records" form: the learner's choices, or what they sent."""
    return {"records": records_form(user, formdata=formdata)}


def confirmation_requests(provider_ids: list[int], **_) -> dict:
    """How many confirmation requests wait for each provider."""
    return pending_counts(provider_ids)


#: The demo learner's entries: how many weeks ago each began, and what they wrote.
DEMO_ENTRIES = (
    (
        30,
        "Hearing a trainer with lived experience describe being on the ward changed how I "
        "start conversations: I now ask what has helped before, not only what went wrong.",
    ),
    (12, ""),
    (4, ""),
)


def demo_entries(user: User, *, today: date, **_) -> None:
    """A few completed activities from the demo catalogue, one with a reflection."""
    offerings = db.session.scalars(
        select(Offering).where(Offering.status == "published").order_by(Offering.id).limit(3)
    )
    for offering, (weeks, learning) in zip(offerings, DEMO_ENTRIES, strict=False):
        values = values_from_offering(offering)
        values["starts_on"] = values["ends_on"] = today - timedelta(weeks=weeks)
        values["learning"] = learning
        create_entry(user, values, offering=offering)
