"""Many people at once on one database: nothing lost, nothing written twice, no 500.

Eight threads start together, each a browser of its own (a test client, its
own app context and session per request) on the same SQLite file or
PostgreSQL database: learners recording entries, and pairs of requests
confirming one upload at once (a double click, two tabs) or two uploads of
the same file at once.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from academy.accounts.models import User
from academy.catalogue.importing.views import ALREADY_IMPORTED
from academy.catalogue.models import Offering
from academy.extensions import db
from academy.portfolios.importing.views import ALREADY_ADDED
from academy.portfolios.models import PortfolioEntry
from tests.catalogue.importing.files import confirm as confirm_offers
from tests.catalogue.importing.files import make_csv, offer
from tests.catalogue.importing.files import upload as upload_offers
from tests.conftest import Auth, submit
from tests.factories import gen_provider, gen_user
from tests.portfolios.entries.test_entries import ENTRY
from tests.portfolios.importing.test_log_import import activity, workbook
from tests.portfolios.importing.test_log_import import confirm as confirm_log
from tests.portfolios.importing.test_log_import import upload as upload_log

ENTRIES_EACH = 6
LOG = [activity(Title=f"Imported activity {n}: Siân’s “café” day") for n in range(8)]
OFFERS = [offer(f"RACE-{n}") for n in range(5)]
#: What the loser of a race is told, instead of a 500 or a second copy: its preview has
#: changed (it read after the winner wrote), or the upload was confirmed a moment ago.
CHANGED = {
    "log": "Your portfolio changed since you checked the file",
    "offers": "Your offers changed since you checked the file",
}
ALREADY = {"log": ALREADY_ADDED, "offers": ALREADY_IMPORTED}


def at_once(*jobs):
    """Run each job in a thread of its own, all released together; their results in order."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(number, job):
        start.wait()
        try:
            results[number] = job()
        except Exception as error:  # noqa: BLE001 - an exception is a 500: the test says which
            results[number] = error

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [t for t in threads if t.is_alive()], "a request never finished"
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    return results


def browser(app, email):
    """A test client logged in as a new or existing person."""
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def same_browser(app, client):
    """A second client with the same cookies: the same person in another tab."""
    twin = app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    return twin


@pytest.fixture
def people(app):
    """Learners, and a provider with two members; returns their emails."""
    with app.app_context():
        learners = [gen_user(f"learner{n}@example.org").email for n in range(6)]
        members = [gen_user(f"member{n}@example.org") for n in range(2)]
        emails = [member.email for member in members]
        gen_provider("Race Org", slug="race-org", members=members)
    return {"learners": learners, "members": emails}


def record_entries(client, number):
    """Record entries one after another through the form; their statuses."""
    return [
        submit(
            client,
            "/portfolio/entries/new",
            {**ENTRY, "title": f"Entry {number}.{n} — “reflection”"},
        ).status_code
        for n in range(ENTRIES_EACH)
    ]


def portfolio(app, email) -> Counter:
    """How often each title is in a learner's portfolio."""
    with app.app_context():
        return Counter(
            db.session.scalars(
                select(PortfolioEntry.title)
                .join(User, PortfolioEntry.user_id == User.id)
                .where(User.email == email)
            )
        )


def offer_references(app) -> Counter:
    """How often each reference is in the catalogue."""
    with app.app_context():
        return Counter(db.session.scalars(select(Offering.reference)))


def outcome(tries, kind: str) -> list[str]:
    """Each (client, response) of a race as 'done', or 'told' (why nothing was written)."""
    seen = []
    for client, response in tries:
        page = response.get_data(as_text=True)
        if response.status_code == 302:
            page = client.get(response.headers["Location"]).get_data(as_text=True)
            seen.append("told" if ALREADY[kind] in page else "done")
        else:
            assert response.status_code == 409, response.status_code
            assert CHANGED[kind] in page
            seen.append("told")
    return sorted(seen)


def test_eight_threads_record_and_confirm_at_once(app, people):
    """Four learners recording entries, one upload confirmed twice at once by a learner and by
    a provider: is every entry there once, and is each upload applied once?"""
    learners, members = people["learners"], people["members"]
    writers = [browser(app, email) for email in learners[:4]]
    log_tab = browser(app, learners[4])
    log_page = upload_log(log_tab, workbook(*LOG))
    assert log_page.status_code == 200
    offers_tab = browser(app, members[0])
    offers_page = upload_offers(offers_tab, make_csv(OFFERS), "offers.csv")
    assert offers_page.status_code == 200
    log_twin, offers_twin = same_browser(app, log_tab), same_browser(app, offers_tab)

    results = at_once(
        *[lambda c=c, n=n: record_entries(c, n) for n, c in enumerate(writers)],
        lambda: (log_tab, confirm_log(log_tab, log_page)),
        lambda: (log_twin, confirm_log(log_twin, log_page)),
        lambda: (offers_tab, confirm_offers(offers_tab, offers_page)),
        lambda: (offers_twin, confirm_offers(offers_twin, offers_page)),
    )

    for number, email in enumerate(learners[:4]):
        assert results[number] == [302] * ENTRIES_EACH
        expected = {f"Entry {number}.{n} — “reflection”": 1 for n in range(ENTRIES_EACH)}
        assert portfolio(app, email) == expected
    assert outcome(results[4:6], "log") == ["done", "told"]
    assert portfolio(app, learners[4]) == Counter(row["Title"] for row in LOG)
    assert outcome(results[6:8], "offers") == ["done", "told"]
    assert offer_references(app) == Counter(row["reference"] for row in OFFERS)


def test_the_same_file_uploaded_twice_and_confirmed_at_once_is_written_once(app, people):
    """Two tabs each upload the same file and confirm together, four pairs at once: does
    re-importing update (never duplicate), the loser being told why?"""
    learners, members = people["learners"], people["members"]
    log_tabs = [browser(app, learners[5]) for _ in range(2)] + [
        browser(app, learners[0]) for _ in range(2)
    ]
    offer_tabs = [browser(app, email) for email in members * 2]
    log_pages = [upload_log(tab, workbook(*LOG)) for tab in log_tabs]
    offer_pages = [upload_offers(tab, make_csv(OFFERS), "offers.csv") for tab in offer_tabs]

    results = at_once(
        *[
            lambda t=t, p=p: (t, confirm_log(t, p))
            for t, p in zip(log_tabs, log_pages, strict=True)
        ],
        *[
            lambda t=t, p=p: (t, confirm_offers(t, p))
            for t, p in zip(offer_tabs, offer_pages, strict=True)
        ],
    )

    for pair in (results[0:2], results[2:4]):
        assert outcome(pair, "log") == ["done", "told"]
    for email in (learners[5], learners[0]):
        assert portfolio(app, email) == Counter(row["Title"] for row in LOG)
    assert outcome(results[4:], "offers") == ["done", "told", "told", "told"]
    assert offer_references(app) == Counter(row["reference"] for row in OFFERS)
