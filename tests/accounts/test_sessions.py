"""Login sessions: what ends one (log-out, a new password, age) and what a stolen cookie is worth."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from academy.accounts.models import LoginSession, User
from academy.accounts.operations import find_user
from academy.extensions import db
from academy.timeutil import utcnow
from tests.conftest import PASSWORD, csrf_token, submit
from tests.factories import gen_user

NEW_PASSWORD = "kettle forest violin harbour"


def session_cookie(client) -> str:
    """The value of the client's session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def with_cookie(app, value: str):
    """A second browser holding a copy of someone's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", value)
    return thief


def logged_in(client) -> bool:
    """Whether the client's session is logged in (the profile page opens)."""
    return client.get("/accounts/profile").status_code == 200


def sessions_of(app, email: str) -> list[LoginSession]:
    with app.app_context():
        user = find_user(email)
        return list(db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)))


@pytest.fixture
def sam(app):
    with app.app_context():
        gen_user("sam@example.org", name="Sam Learner")
    return "sam@example.org"


def test_logging_out_ends_the_session_even_for_a_copied_cookie(app, client, auth, sam):
    """Is a copy of the cookie taken before log-out worth nothing after it?"""
    auth.login(sam)
    copied = session_cookie(client)
    assert logged_in(with_cookie(app, copied))

    auth.logout()

    assert not logged_in(client)
    assert not logged_in(with_cookie(app, copied))
    assert sessions_of(app, sam) == []


def test_logging_out_in_one_browser_leaves_the_other_logged_in(app, auth, sam):
    """Does log-out end only this browser's session, not the person's others?"""
    phone, laptop = app.test_client(), app.test_client()
    for browser in (phone, laptop):
        submit(browser, "/accounts/login", {"email": sam, "password": PASSWORD})
    assert len(sessions_of(app, sam)) == 2

    token = csrf_token(phone, "/")
    phone.post("/accounts/logout", data={"csrf_token": token})

    assert not logged_in(phone)
    assert logged_in(laptop)


def test_the_database_holds_only_a_hash_of_the_token(app, client, auth, sam):
    """Could someone with a copy of the database log in as Sam? (No: only a digest is kept.)"""
    auth.login(sam)
    [login] = sessions_of(app, sam)
    assert len(login.token_sha256) == 64 and login.token_sha256 not in session_cookie(client)
    forged = app.test_client()
    with forged.session_transaction() as session:
        session["_user_id"] = login.token_sha256  # the digest, offered as if it were the token
    assert not logged_in(forged)


def test_an_old_style_cookie_with_a_user_id_logs_no_one_in(app, sam):
    """Does a cookie naming a user by id, as sessions once did, open anything? (No.)"""
    with app.app_context():
        user_id = find_user(sam).id
    old = app.test_client()
    with old.session_transaction() as session:
        session["_user_id"] = str(user_id)
    assert not logged_in(old)


def test_a_session_ends_by_itself_after_its_lifetime(app, client, auth, sam):
    """Is a session that began more than LOGIN_SESSION_DAYS ago over, and forgotten at next log-in?"""
    auth.login(sam)
    days = app.config["LOGIN_SESSION_DAYS"]
    with app.app_context():
        db.session.execute(
            update(LoginSession).values(created_at=utcnow() - timedelta(days=days, minutes=1))
        )
        db.session.commit()
    assert not logged_in(client)

    auth.login(sam)
    assert logged_in(client)
    assert len(sessions_of(app, sam)) == 1  # the expired one went


def age_sessions(app, *, email: str | None = None) -> None:
    """Make login sessions (everyone's, or one person's) older than their lifetime."""
    days = app.config["LOGIN_SESSION_DAYS"]
    with app.app_context():
        query = update(LoginSession)
        if email:
            query = query.where(LoginSession.user_id == find_user(email).id)
        db.session.execute(query.values(created_at=utcnow() - timedelta(days=days, minutes=1)))
        db.session.commit()


def test_anyones_expired_sessions_are_forgotten_at_the_next_log_in(app, client, auth, sam):
    """Do the sessions of people who never come back stop piling up?"""
    with app.app_context():
        gen_user("gone@example.org")
    submit(
        app.test_client(), "/accounts/login", {"email": "gone@example.org", "password": PASSWORD}
    )
    auth.login(sam)
    age_sessions(app)

    auth.login(sam)

    assert sessions_of(app, "gone@example.org") == []
    assert len(sessions_of(app, sam)) == 1


def test_the_data_download_lists_only_open_sessions(app, client, auth, sam):
    """Does "your data" leave out a session that has ended by age but is not yet forgotten?"""
    auth.login(sam)
    days = app.config["LOGIN_SESSION_DAYS"]
    with app.app_context():
        old = utcnow() - timedelta(days=days, minutes=1)
        db.session.add(
            LoginSession(user_id=find_user(sam).id, token_sha256="0" * 64, created_at=old)
        )
        db.session.commit()
    assert len(sessions_of(app, sam)) == 2

    listed = client.get("/accounts/data.json").get_json()["login_sessions"]

    assert len(listed) == 1


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    """Fill in the change-password form."""
    return submit(
        client,
        "/accounts/password",
        {
            "current_password": current,
            "password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def test_changing_the_password_ends_every_other_session(app, client, auth, sam):
    """After a new password, is this browser still in and every other one out?"""
    elsewhere = app.test_client()
    submit(elsewhere, "/accounts/login", {"email": sam, "password": PASSWORD})
    auth.login(sam)
    before = session_cookie(client)
    assert logged_in(elsewhere)

    response = change(client)

    assert response.status_code == 302 and response.location == "/accounts/profile"
    page = client.get("/accounts/profile").get_data(as_text=True)
    assert "Your password is changed" in page
    assert not logged_in(elsewhere)
    assert not logged_in(with_cookie(app, before))  # the cookie from before the change too
    assert len(sessions_of(app, sam)) == 1
    auth.logout()
    assert auth.login(sam, PASSWORD).status_code == 400
    assert auth.login(sam, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("not my password", NEW_PASSWORD, None, "current_password", "not your current password"),
        (PASSWORD, "short", None, "password", "at least 12 characters"),
        (PASSWORD, "password1234", None, "password", "passwords people use most"),
        (PASSWORD, "sam@example.org", None, "password", "your name or email address"),
        (PASSWORD, PASSWORD, None, "password", "the password you have now"),
        (PASSWORD, NEW_PASSWORD, "kettle forest violin", "confirm", "are not the same"),
        ("", "", "", "current_password", "Enter your current password"),
    ],
)
def test_a_bad_password_change_says_why_and_changes_nothing(
    app, client, auth, sam, current, new, confirm, field, message
):
    """Is each mistake explained next to its field, with the old password and session kept?"""
    auth.login(sam)
    with app.app_context():
        old_hash = find_user(sam).password_hash

    response = change(client, current, new, confirm)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert f'id="{field}-error"' in page and message in page
    with app.app_context():
        assert find_user(sam).password_hash == old_hash
    assert logged_in(client)


def test_changing_a_password_needs_a_login_and_a_csrf_token(app, client, auth, sam):
    """Can anyone but the logged-in owner, or a forged form, change a password? (No.)"""
    assert client.get("/accounts/password").location.startswith("/accounts/login?next=")
    auth.login(sam)
    response = client.post(
        "/accounts/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert auth.logout() and auth.login(sam, PASSWORD).status_code == 302


def test_changing_a_password_is_rate_limited(database_url):
    """Is guessing the current password through the change form stopped with a 429?"""
    from academy import create_app
    from tests.conftest import Auth, app_settings, release

    app = create_app(app_settings(database_url, PASSWORD_RATE_LIMIT="3 per minute"))
    with app.app_context():
        gen_user("sam@example.org")
    client = app.test_client()
    Auth(client).login("sam@example.org")
    token = csrf_token(client, "/accounts/password")
    statuses = [
        client.post(
            "/accounts/password",
            data={"csrf_token": token, "current_password": f"guess {n}", "password": "x"},
        ).status_code
        for n in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    release(app)


def test_a_new_password_from_the_command_line_ends_every_session(app, client, auth, runner, sam):
    """When create-user sets a new password on an account, is every session of it over?"""
    auth.login(sam)
    result = runner.invoke(args=["create-user", sam, "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert not logged_in(client)
    assert sessions_of(app, sam) == []


def test_deleting_an_account_takes_its_sessions(app, client, auth, sam):
    """Does a deleted account leave no login session behind?"""
    auth.login(sam)
    copied = session_cookie(client)
    response = submit(client, "/accounts/delete", {"password": PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert not logged_in(with_cookie(app, copied))
