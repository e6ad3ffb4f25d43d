"""Share links: making them, /shared/<token> for anyone, expiry, withdrawing, and the limits."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from academy import create_app
from academy.accounts.operations import find_user
from academy.extensions import db
from academy.portfolios.entries.operations import choose_profiles
from academy.portfolios.models import ShareLink
from academy.portfolios.records.issued import UnknownProfile
from academy.portfolios.sharing import operations as sharing
from academy.timeutil import utcnow
from tests.conftest import app_settings, csrf_token, submit
from tests.factories import gen_entry, gen_user

SAM, KIT = "sam@example.org", "kit@example.org"
RENEWAL = date(2025, 1, 31)  # NMC: the 36 months from 1 February 2022 to 31 January 2025
NMC_PERIOD = "NMC revalidation: 1 February 2022 to 31 January 2025"
SHARED_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}
LINK = re.compile(r'value="http://localhost/shared/([^"]+)"')


@pytest.fixture
def learner(app):
    """Sam (NMC renewal 31 January 2025) with entries either side of the period; Kit's one."""
    with app.app_context():
        sam = gen_user(SAM, name="Sam Learner")
        choose_profiles(sam, {"nmc": RENEWAL})
        db.session.commit()
        gen_entry(sam, title="Day before the period", starts_on=date(2022, 1, 31))
        gen_entry(sam, title="First day of the period", starts_on=date(2022, 2, 1))
        gen_entry(sam, title="Renewal day course", starts_on=date(2025, 1, 31))
        gen_entry(sam, title="Day after renewal", starts_on=date(2025, 2, 1))
        kit = gen_user(KIT, name="Kit Other")
        gen_entry(kit, title="Kit's private course", starts_on=date(2023, 6, 1))
        return sam.id


@pytest.fixture
def signed_in(client, auth, learner):
    """The test client, logged in as Sam."""
    auth.login(SAM)
    return client


def make_link(client, **data):
    """Fill in the share form; returns the response and the token shown (or None)."""
    form = {"label": "", "scope": "whole", "days": "30", **data}
    response = submit(client, "/portfolio/shares", form)
    match = LINK.search(response.get_data(as_text=True))
    return response, match.group(1) if match else None


def links(app) -> list[ShareLink]:
    """Every share link, oldest first, detached from the session."""
    with app.app_context():
        rows = list(db.session.scalars(select(ShareLink).order_by(ShareLink.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def with_clock(monkeypatch, moment: datetime) -> None:
    """Make the share links' clock read `moment`."""
    monkeypatch.setattr(sharing, "utcnow", lambda: moment)


# --- making a link ----------------------------------------------------------------------


def test_a_new_link_works_for_30_days_and_is_shown_once(app, signed_in):
    """Does the default link last 30 days, appear once as a full address, and keep only a hash?"""
    page = signed_in.get("/portfolio/shares").get_data(as_text=True)
    assert 'value="30"' in page  # the default, filled in
    response, token = make_link(signed_in, label="For my appraisal with Sam")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert "it will not be shown again" in text and "readonly" in text
    assert token is not None and len(token) >= 43
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    [link] = links(app)
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert link.expires_at - link.created_at == timedelta(days=30)
    assert abs(link.created_at - utcnow()) < timedelta(minutes=1)
    assert (link.label, link.profile, link.period_start, link.period_end) == (
        "For my appraisal with Sam",
        None,
        None,
        None,
    )
    assert (link.open_count, link.last_opened_at, link.revoked_at) == (0, None, None)
    # The token is nowhere in the row, nor on the list page afterwards.
    assert all(token not in str(getattr(link, c.key)) for c in ShareLink.__table__.c)
    listing = signed_in.get("/portfolio/shares").get_data(as_text=True)
    assert "For my appraisal with Sam" in listing and token not in listing
    assert "Whole portfolio" in listing and "Not yet" in listing


@pytest.mark.parametrize("days", ["1", "365", " 7 "])
def test_a_link_may_last_from_1_to_365_days(app, signed_in, days):
    """Are 1 and 365 days (and a number with spaces round it) accepted as they are?"""
    response, token = make_link(signed_in, days=days)
    assert response.status_code == 200 and token
    [link] = links(app)
    assert link.expires_at - link.created_at == timedelta(days=int(days))


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "A link can work for 1 to 365 days."),
        ("366", "A link can work for 1 to 365 days."),
        ("-1", "A link can work for 1 to 365 days."),
        ("9" * 5000, "A link can work for 1 to 365 days."),
        ("abc", "Enter the number of days as a whole number, like 30."),
        ("1.5", "Enter the number of days as a whole number, like 30."),
        ("", "Enter how many days the link should work, from 1 to 365."),
    ],
)
def test_days_outside_the_range_are_refused(app, signed_in, days, message):
    """Does a bad number of days get its message by the field, a 400, and no link?"""
    response, token = make_link(signed_in, days=days)
    assert response.status_code == 400 and token is None
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    assert 'id="days-error"' in page
    assert links(app) == []


def test_a_label_may_be_120_characters_and_no_more(app, signed_in):
    """Is a 121-character label refused with a message, and a 120-character one kept?"""
    response, token = make_link(signed_in, label="x" * 121)
    assert response.status_code == 400 and token is None
    assert "Keep the label to 120 characters." in response.get_data(as_text=True)
    assert links(app) == []
    response, token = make_link(signed_in, label="y" * 120)
    assert response.status_code == 200
    assert links(app)[0].label == "y" * 120


@pytest.mark.parametrize(
    "label, message",
    [
        ("a\x00b", "invisible NUL character"),  # refused for every form, before the view
        ("tab\there", "Use only letters, numbers, spaces and punctuation"),
        ("two\nlines", "Use only letters, numbers, spaces and punctuation"),
    ],
)
def test_a_label_with_control_characters_is_refused(app, signed_in, label, message):
    """Is a label with a NUL, a tab or a line break refused (PostgreSQL cannot store a NUL)?"""
    response, token = make_link(signed_in, label=label)
    assert response.status_code == 400 and token is None
    assert message in response.get_data(as_text=True)
    assert links(app) == []


def test_an_unknown_scope_is_a_message_not_a_500(app, signed_in):
    """Does a scope that is not a profile get a 400 with a message, and no link?"""
    response, token = make_link(signed_in, scope="nonsense")
    assert response.status_code == 400 and token is None
    assert "Choose what the link shows from the list." in response.get_data(as_text=True)
    assert links(app) == []


def test_making_a_link_needs_a_csrf_token(app, signed_in):
    """Is a POST without the form's token refused with a 400, and nothing saved?"""
    response = signed_in.post("/portfolio/shares", data={"scope": "whole", "days": "30"})
    assert response.status_code == 400
    assert links(app) == []


def test_a_profile_link_stores_its_period(app, signed_in):
    """Does the form offer Sam's NMC record with its period, and the link keep that period?"""
    page = signed_in.get("/portfolio/shares").get_data(as_text=True)
    assert f'<option value="nmc">{NMC_PERIOD}</option>' in page
    response, token = make_link(signed_in, scope="nmc", label="For the NMC")
    assert response.status_code == 200 and NMC_PERIOD in response.get_data(as_text=True)
    [link] = links(app)
    assert (link.profile, link.period_start, link.period_end) == (
        "nmc",
        date(2022, 2, 1),
        RENEWAL,
    )
    assert NMC_PERIOD in signed_in.get("/portfolio/shares").get_data(as_text=True)


def test_a_profile_not_chosen_is_still_allowed(app, signed_in):
    """Can Sam share a profile's record they have not picked (HCPC: two years to today)?"""
    response, token = make_link(signed_in, scope="hcpc")
    assert response.status_code == 200 and token
    [link] = links(app)
    assert link.profile == "hcpc" and link.period_end is not None


# --- opening a link ---------------------------------------------------------------------


def test_opening_a_link_counts_and_notes_when(app, signed_in):
    """Does each opening add one to the count and set the time it was last opened?"""
    _, token = make_link(signed_in, label="Appraisal")
    stranger = app.test_client()
    assert stranger.get(f"/shared/{token}").status_code == 200
    first = links(app)[0]
    assert first.open_count == 1
    assert abs(first.last_opened_at - utcnow()) < timedelta(minutes=1)
    assert stranger.get(f"/shared/{token}").status_code == 200
    assert links(app)[0].open_count == 2
    assert "2 times" in signed_in.get("/portfolio/shares").get_data(as_text=True)


def test_an_opening_is_counted_in_one_update(app, signed_in):
    """Is the count raised by a single UPDATE ... SET open_count = open_count + 1?"""
    _, token = make_link(signed_in)
    statements = []
    with app.app_context():
        link = sharing.find_share(token)

        def note(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            sharing.record_opening(link)
            sharing.record_opening(link)  # the object is stale now: the count is not
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 2 and len(statements) == 2
    assert re.search(r"open_count\s*=\s*\(?share_links\.open_count \+", updates[0])
    assert links(app)[0].open_count == 2


def test_a_whole_portfolio_link_shows_every_entry_and_nobody_elses(app, signed_in):
    """Does the whole-portfolio link show all Sam's entries, read-only, and none of Kit's?"""
    _, token = make_link(signed_in)
    [link] = links(app)
    response = app.test_client().get(f"/shared/{token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for title in (
        "Day before the period",
        "First day of the period",
        "Renewal day course",
        "Day after renewal",
    ):
        assert title in page
    assert "Kit" not in page
    expires = f"{link.expires_at:%a} {link.expires_at.day} {link.expires_at:%B %Y}"
    assert f"Shared by Sam Learner · read-only · link expires on {expires}" in page
    assert '<meta name="robots" content="noindex">' in page


def test_a_profile_link_shows_only_its_period(app, signed_in):
    """Does the NMC link show the entries from 1 February 2022 to 31 January 2025 only?"""
    _, token = make_link(signed_in, scope="nmc")
    page = app.test_client().get(f"/shared/{token}").get_data(as_text=True)
    assert "NMC revalidation: CPD log and reflective accounts" in page
    assert "First day of the period" in page and "Renewal day course" in page
    assert "Day before the period" not in page and "Day after renewal" not in page


def test_a_profile_link_keeps_its_period_when_the_renewal_date_changes(app, signed_in):
    """After Sam moves the NMC renewal date, does the link still show the period it was made for?"""
    _, token = make_link(signed_in, scope="nmc")
    with app.app_context():
        choose_profiles(find_user(SAM), {"nmc": date(2028, 1, 31)})
        db.session.commit()
    page = app.test_client().get(f"/shared/{token}").get_data(as_text=True)
    assert "1 February 2022 – 31 January 2025" in page
    assert "First day of the period" in page and "Day after renewal" not in page


def test_the_shared_page_has_nothing_to_edit_and_no_way_into_the_account(app, signed_in):
    """Is the shared page free of forms, edit links and the site's account navigation?"""
    _, token = make_link(signed_in)
    for reader in (app.test_client(), signed_in):  # a stranger, and Sam logged in
        page = reader.get(f"/shared/{token}").get_data(as_text=True)
        assert "<form" not in page and "csrf_token" not in page
        assert "/portfolio" not in page and "/accounts/" not in page
        assert "/entries/" not in page and "Edit" not in page
        assert "Log out" not in page and "Your portfolio" not in page


# --- links that do not work -------------------------------------------------------------


def test_a_link_stops_working_when_it_expires(app, signed_in, monkeypatch):
    """Is the link open a second before its expiry, and a 410 saying so from that moment?"""
    _, token = make_link(signed_in, days="1")
    [link] = links(app)
    stranger = app.test_client()
    with_clock(monkeypatch, link.expires_at - timedelta(seconds=1))
    assert stranger.get(f"/shared/{token}").status_code == 200
    with_clock(monkeypatch, link.expires_at)
    response = stranger.get(f"/shared/{token}")
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    expires = f"{link.expires_at:%a} {link.expires_at.day} {link.expires_at:%B %Y}"
    assert "This link has expired" in page and f"It expired on {expires}" in page
    assert "ask them for a new link" in page
    assert "Sam" not in page and "Renewal day course" not in page
    assert links(app)[0].open_count == 1  # the refused opening is not counted
    listing = signed_in.get("/portfolio/shares").get_data(as_text=True)
    assert f"Expired on {expires}" in listing and "Withdraw<" not in listing


def test_a_withdrawn_link_says_so_and_nothing_more(app, signed_in):
    """After Sam withdraws it, does the link get a 410 that names neither Sam nor an entry?"""
    _, token = make_link(signed_in, label="Appraisal")
    [link] = links(app)
    response = submit(signed_in, f"/portfolio/shares/{link.id}/revoke", {})
    assert response.status_code == 302 and response.location.endswith("/portfolio/shares")
    response = app.test_client().get(f"/shared/{token}")
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert "This link has been withdrawn" in page
    assert "Sam" not in page and "Appraisal" not in page and "Renewal day course" not in page
    assert links(app)[0].open_count == 0


@pytest.mark.parametrize(
    "token",
    [
        "A" * 43,  # the right shape, never made
        "abcde",
        "!$'()*,;=:@",
        "%FF%FE",
        "a" * 10_000,
        "a/b/c",
        "%00",
    ],
)
def test_unknown_and_malformed_tokens_get_the_same_404(app, learner, token):
    """Does any token that is not a link get the plain 404 page, never a 500?"""
    response = app.test_client().get(f"/shared/{token}")
    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)
    for name, value in SHARED_HEADERS.items():
        assert response.headers[name] == value


def test_every_shared_response_carries_the_privacy_headers(app, signed_in, monkeypatch):
    """Do the 200, 404 and both 410s all say: no cache, no index, no referrer?"""
    _, live = make_link(signed_in)
    _, withdrawn = make_link(signed_in)
    _, expiring = make_link(signed_in, days="1")
    withdrawn_id = links(app)[1].id
    submit(signed_in, f"/portfolio/shares/{withdrawn_id}/revoke", {})
    stranger = app.test_client()
    responses = {"live": stranger.get(f"/shared/{live}"), "withdrawn": None, "expired": None}
    responses["withdrawn"] = stranger.get(f"/shared/{withdrawn}")
    responses["unknown"] = stranger.get("/shared/" + "B" * 43)
    with_clock(monkeypatch, utcnow() + timedelta(days=2))
    responses["expired"] = stranger.get(f"/shared/{expiring}")
    statuses = {name: response.status_code for name, response in responses.items()}
    assert statuses == {"live": 200, "withdrawn": 410, "expired": 410, "unknown": 404}
    for response in responses.values():
        for name, value in SHARED_HEADERS.items():
            assert response.headers[name] == value


def test_opening_links_is_rate_limited(database_url):
    """Is a client who keeps trying tokens stopped with a 429, still with the headers?"""
    app = create_app(app_settings(database_url, SHARE_RATE_LIMIT="3 per minute"))
    client = app.test_client()
    responses = [client.get(f"/shared/{'C' * 42}{n}") for n in range(4)]
    assert [response.status_code for response in responses] == [404, 404, 404, 429]
    assert responses[-1].headers["Cache-Control"] == "private, no-store"
    assert responses[-1].headers["X-Robots-Tag"] == "noindex, nofollow"


# --- withdrawing, and whose links they are ----------------------------------------------


def test_withdrawing_asks_first_needs_a_token_and_may_be_repeated(app, signed_in):
    """Does the page ask, a POST without a token change nothing, and a second withdrawal harm nothing?"""
    _, token = make_link(signed_in, label="Appraisal")
    [link] = links(app)
    url = f"/portfolio/shares/{link.id}/revoke"
    listing = signed_in.get("/portfolio/shares").get_data(as_text=True)
    assert f'href="{url}"' in listing
    page = signed_in.get(url).get_data(as_text=True)
    assert "Withdraw the link “Appraisal”?" in page
    assert signed_in.post(url).status_code == 400
    assert links(app)[0].revoked_at is None
    assert submit(signed_in, url, {}).status_code == 302
    first = links(app)[0].revoked_at
    assert first is not None
    token_again = csrf_token(signed_in, "/portfolio/shares")
    again = signed_in.post(url, data={"csrf_token": token_again})
    assert again.status_code == 302
    assert links(app)[0].revoked_at == first
    assert "is withdrawn" in signed_in.get(url).get_data(as_text=True)
    listing = signed_in.get("/portfolio/shares").get_data(as_text=True)
    assert "Withdrawn on" in listing and f'href="{url}"' not in listing


def test_another_learner_cannot_see_or_withdraw_my_link(app, client, auth, signed_in):
    """Does Kit's list leave out Sam's link, and Kit's withdraw get a 404 for it?"""
    make_link(signed_in, label="Sam's appraisal")
    [link] = links(app)
    auth.logout()
    auth.login(KIT)
    assert "Sam's appraisal" not in client.get("/portfolio/shares").get_data(as_text=True)
    url = f"/portfolio/shares/{link.id}/revoke"
    assert client.get(url).status_code == 404
    token = csrf_token(client, "/portfolio/shares")
    assert client.post(url, data={"csrf_token": token}).status_code == 404
    assert links(app)[0].revoked_at is None
    assert client.get("/portfolio/shares/999999/revoke").status_code == 404


def test_share_links_need_a_login(client, learner):
    """Is the list, and withdrawing, only for a logged-in learner?"""
    for path in ("/portfolio/shares", "/portfolio/shares/1/revoke"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login" in response.location
    token = csrf_token(client, "/accounts/login")
    data = {"csrf_token": token, "scope": "whole", "days": "30"}
    response = client.post("/portfolio/shares", data=data)
    assert response.status_code == 302 and "/accounts/login" in response.location
    assert links(client.application) == []


def test_the_portfolio_page_links_to_share_links(signed_in):
    """Can Sam find the share links from the portfolio page?"""
    page = signed_in.get("/portfolio/").get_data(as_text=True)
    assert 'href="/portfolio/shares"' in page


# --- the operations ---------------------------------------------------------------------


def test_the_operation_refuses_bad_days_and_unknown_profiles(app, learner):
    """Does create_share refuse 0 and 366 days and an unknown profile, adding nothing?"""
    with app.app_context():
        sam = find_user(SAM)
        for days in (0, 366):
            with pytest.raises(ValueError):
                sharing.create_share(sam, days=days)
        with pytest.raises(UnknownProfile):
            sharing.create_share(sam, profile_key="nonsense")
        db.session.rollback()
    assert links(app) == []


def test_states_and_scope_labels(app, learner):
    """Is a link live until its expiry, expired from it, and revoked above all?"""
    with app.app_context():
        link, token = sharing.create_share(find_user(SAM), profile_key="nmc", days=2)
        assert sharing.find_share(token) is link
        assert sharing.find_share(token + "x") is None
        assert sharing.scope_label(link) == NMC_PERIOD
        assert sharing.state_of(link, link.expires_at - timedelta(seconds=1)) == sharing.LIVE
        assert sharing.state_of(link, link.expires_at) == sharing.EXPIRED
        sharing.revoke_share(link)
        assert sharing.state_of(link, link.created_at) == sharing.REVOKED
        scope = sharing.scope_of(link)
        assert scope.profile.key == "nmc"
        assert (scope.period.starts_on, scope.period.ends_on) == (date(2022, 2, 1), RENEWAL)
        whole, _ = sharing.create_share(find_user(SAM))
        assert sharing.scope_of(whole).is_whole_portfolio
        assert sharing.scope_label(whole) == "Whole portfolio"
        db.session.rollback()
