"""Your data: downloading everything the Academy holds about you, and deleting your account."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from academy.accounts.models import User
from academy.accounts.operations import find_user
from academy.catalogue.models import AuditEvent, Provider, ProviderMember
from academy.catalogue.operations import add_member
from academy.extensions import db
from academy.portfolios.models import PortfolioEntry
from academy.timeutil import today
from tests.conftest import PASSWORD, csrf_token, submit
from tests.factories import gen_entry, gen_provider, gen_user

SAM = "sam@example.org"
ALEX = "alex@example.org"


@pytest.fixture
def people(app):
    """Two learners with entries of their own."""
    with app.app_context():
        sam = gen_user(SAM, name="Sam Learner", region="london")
        alex = gen_user(ALEX, name="Alex Other")
        gen_entry(sam, title="Sam's awareness day", learning="Listening first.")
        gen_entry(sam, title="Sam's reading", level=None, activity_type="reading")
        gen_entry(alex, title="Alex's workshop")


def entries_of_email(email: str) -> list[str]:
    """Titles of a user's entries (by email), or [] when the user is gone."""
    user = find_user(email)
    if user is None:
        return []
    return list(
        db.session.scalars(select(PortfolioEntry.title).where(PortfolioEntry.user_id == user.id))
    )


def entry_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PortfolioEntry))


# --- access --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/accounts/data.json", "/accounts/delete"])
def test_your_data_pages_need_logging_in(client, url):
    """Does an anonymous visitor asking for data or deletion get sent to log in?"""
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login?next=")


def test_an_anonymous_post_deletes_nothing(app, client, people):
    """Can anyone delete an account without being logged in as its owner?"""
    response = client.post("/accounts/delete", data={"password": PASSWORD})
    assert response.status_code == 400  # no CSRF token without a session; never a deletion
    with app.app_context():
        assert find_user(SAM) is not None and entry_count() == 3


def test_the_profile_links_to_download_and_delete(client, auth, people):
    """Does the profile page link to the data download and to deleting the account?"""
    auth.login(SAM)
    page = client.get("/accounts/profile").get_data(as_text=True)
    assert 'href="/accounts/data.json"' in page and 'href="/accounts/delete"' in page


# --- the download --------------------------------------------------------------------


def test_the_download_holds_everything_but_the_password(app, client, auth, people):
    """Does the data download hold the account, memberships and entries, and no password hash?"""
    with app.app_context():
        sam = find_user(SAM)
        provider = gen_provider("Lived Voices", slug="lived-voices", members=[sam])
        add_member(provider, gen_user("third@example.org"), actor=sam)
        db.session.commit()
        password_hash = sam.password_hash
    auth.login(SAM)
    response = client.get("/accounts/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="academy-data-{today().isoformat()}.json"'
    )
    body = response.get_data(as_text=True)
    assert "password_hash" not in body and password_hash not in body
    record = response.get_json()
    assert set(record) >= {"schema_version", "account", "memberships", "actions", "portfolio"}
    account = record["account"]
    assert (account["email"], account["name"], account["region"]) == (
        SAM,
        "Sam Learner",
        "london",
    )
    assert account["roles"] == ["learner", "provider"]
    assert record["memberships"][0]["provider"]["slug"] == "lived-voices"
    assert [a["action"] for a in record["actions"]] == ["provider.member_added"]
    assert [a["provider"] for a in record["named_in_history"]] == ["lived-voices"]
    titles = {entry["title"] for entry in record["portfolio"]["entries"]}
    assert titles == {"Sam's awareness day", "Sam's reading"}
    assert "Alex" not in body
    [login] = record["login_sessions"]  # this one, by when it began, and no token
    assert login["started_at"].startswith(today().isoformat()) and set(login) == {"started_at"}


def test_the_download_quotes_formula_text_once(app, client, auth, people):
    """Is a formula-like value given one quote, in the account and in the portfolio alike?"""
    with app.app_context():
        sam = find_user(SAM)
        sam.name = "=Sam"
        gen_entry(sam, title="=1+1", learning="@SUM(A1)")
    auth.login(SAM)
    record = client.get("/accounts/data.json").get_json()
    assert record["account"]["name"] == "'=Sam"
    entry = next(e for e in record["portfolio"]["entries"] if e["title"].endswith("1+1"))
    assert (entry["title"], entry["learning"]) == ("'=1+1", "'@SUM(A1)")


# --- deleting ------------------------------------------------------------------------


def test_deleting_asks_first(client, auth, people):
    """Does the delete page explain what goes and ask for the password, deleting nothing yet?"""
    auth.login(SAM)
    response = client.get("/accounts/delete")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Delete your account</h1>" in page
    assert "2 activities" in page
    assert 'type="password"' in page and 'autocomplete="current-password"' in page
    assert 'href="/accounts/data.json"' in page


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Enter your password to delete your account."),
        ("not my password at all", "That is not your password. Nothing has been deleted."),
    ],
)
def test_deleting_without_the_password_deletes_nothing(
    app, client, auth, people, password, message
):
    """Does a POST without the right password get a 400 with a message, and delete nothing?"""
    auth.login(SAM)
    response = submit(client, "/accounts/delete", {"password": password})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "There is a problem" in page
    assert "<title>Error: Delete your account" in page
    with app.app_context():
        assert len(entries_of_email(SAM)) == 2


def test_deleting_without_a_csrf_token_deletes_nothing(app, client, auth, people):
    """Does a forged POST (no CSRF token) delete nothing?"""
    auth.login(SAM)
    response = client.post("/accounts/delete", data={"password": PASSWORD})
    assert response.status_code == 400
    with app.app_context():
        assert find_user(SAM) is not None


def test_deleting_removes_the_account_and_portfolio_only(app, client, auth, people):
    """After deleting, is the learner logged out, unable to log in, their entries gone, Alex's not?"""
    auth.login(SAM)
    response = submit(client, "/accounts/delete", {"password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Your account and your portfolio are deleted." in home
    assert client.get("/portfolio/").status_code == 302  # logged out
    with app.app_context():
        assert find_user(SAM) is None
        assert entries_of_email(ALEX) == ["Alex's workshop"]
        assert entry_count() == 1
        assert find_user(ALEX) is not None
    response = auth.login(SAM)
    assert response.status_code == 400


def test_the_last_member_of_an_organisation_must_hand_it_on_first(app, client, auth, people):
    """Is the only member of a provider told to add someone first, with nothing deleted?"""
    with app.app_context():
        gen_provider("Lived Voices", slug="lived-voices", members=[find_user(SAM)])
    auth.login(SAM)
    response = client.get("/accounts/delete")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "You are the only member of Lived Voices" in page
    assert 'href="/provide/providers/lived-voices/"' in page
    assert 'type="password"' not in page
    token = csrf_token(client, "/accounts/profile")
    response = client.post("/accounts/delete", data={"csrf_token": token, "password": PASSWORD})
    assert response.status_code == 409
    assert "You are the only member of Lived Voices" in response.get_data(as_text=True)
    with app.app_context():
        assert find_user(SAM) is not None and len(entries_of_email(SAM)) == 2


def test_a_member_with_colleagues_can_leave(app, client, auth, people):
    """With another member, is the membership deleted, the organisation and its history kept?"""
    with app.app_context():
        sam, alex = find_user(SAM), find_user(ALEX)
        provider = gen_provider("Lived Voices", slug="lived-voices", members=[sam])
        add_member(provider, alex, actor=sam)
        db.session.commit()
        sam_id = sam.id
    auth.login(SAM)
    response = submit(client, "/accounts/delete", {"password": PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, sam_id) is None
        provider = db.session.scalar(select(Provider).where(Provider.slug == "lived-voices"))
        assert [member.user.email for member in provider.members] == [ALEX]
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ProviderMember)
                .where(ProviderMember.user_id == sam_id)
            )
            == 0
        )
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "provider.member_added")
            .order_by(AuditEvent.id)
        ).all()
        # Sam joining, then Sam adding Alex: both kept, neither names Sam any more.
        assert [event.detail["user"] for event in events] == ["(a deleted account)", ALEX]
        assert events[1].actor_id is None


# --- records, profiles and share links ---------------------------------------------------


@pytest.fixture
def records(app, client, auth, people):
    """Sam's NMC choice, a JSON record Sam issued, and a share link; returns the record's code."""
    from datetime import date, timedelta

    from academy.portfolios.entries.operations import choose_profiles
    from academy.portfolios.models import ShareLink
    from academy.timeutil import utcnow

    with app.app_context():
        sam = find_user(SAM)
        choose_profiles(sam, {"nmc": date(2027, 5, 1)})
        db.session.add(
            ShareLink(
                user_id=sam.id,
                token_sha256="ab" * 32,
                label="For my appraisal",
                expires_at=utcnow() + timedelta(days=30),
            )
        )
        db.session.commit()
    auth.login(SAM)
    assert client.get("/portfolio/export.json?profile=nmc").status_code == 200
    with app.app_context():
        from academy.portfolios.records.issued import issued_records_of

        return issued_records_of(find_user(SAM))[0].code


def test_the_download_holds_record_profiles_issued_records_and_share_links(client, records):
    """Are the NMC choice, the issued record and the share link (without its token) there?"""
    data = client.get("/accounts/data.json").get_json()
    assert data["record_profiles"] == [{"profile": "nmc", "renews_on": "2027-05-01"}]
    [issued] = data["issued_records"]
    assert (issued["code"], issued["profile"], issued["format"]) == (records, "nmc", "json")
    assert issued["revoked_at"] is None and len(issued["file_sha256"]) == 64
    [link] = data["share_links"]
    assert (link["label"], link["open_count"], link["revoked_at"]) == ("For my appraisal", 0, None)
    assert "token_sha256" not in link


def test_deleting_takes_records_and_links_with_the_account(app, client, records):
    """After deleting, do the code check as never issued, and no choice or link remain?"""
    from academy.portfolios.models import IssuedRecord, ProfileChoice, ShareLink

    assert client.get(f"/verify/{records}").status_code == 200
    assert submit(client, "/accounts/delete", {"password": PASSWORD}).status_code == 302
    assert client.get(f"/verify/{records}").status_code == 404
    with app.app_context():
        for model in (IssuedRecord, ProfileChoice, ShareLink):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
