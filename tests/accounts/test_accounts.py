"""Register, log in, log out, the profile, and create-user."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from academy.accounts.models import User
from academy.catalogue.models import ProviderMember
from academy.extensions import db
from tests.conftest import PASSWORD, csrf_token, submit
from tests.factories import gen_provider, gen_user


def user_named(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def test_register_creates_a_learner_and_logs_in(app, client, auth):
    """Can a person register, with a hashed password, and arrive logged in?"""
    response = auth.register(email="Sam@Example.org", sector="housing", region="london")
    assert response.status_code == 302
    user = user_named(app, "sam@example.org")
    assert user is not None
    assert user.password_hash != PASSWORD and user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert (user.sector, user.region, user.is_curator) == ("housing", "london", False)
    page = client.get("/accounts/profile").get_data(as_text=True)
    assert "sam@example.org" in page and "Learner" in page


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"email": ""}, "email", "Enter your email address."),
        ({"email": "not-an-email"}, "email", "Enter an email address like name@example.org."),
        ({"name": ""}, "name", "Enter your name."),
        ({"password": "short", "confirm": "short"}, "password", "Use at least 12 characters"),
        ({"confirm": "something else entirely"}, "confirm", "The two passwords are not the same."),
        ({"region": "atlantis"}, "region", "Not a valid choice"),
        ({"self_assessed_level": "wizard"}, "self_assessed_level", "Not a valid choice"),
    ],
)
def test_register_explains_each_mistake_next_to_the_field(app, client, fields, field_id, message):
    """Does bad input get a message by the field and in the summary, with nothing saved?"""
    data = {
        "email": "new@example.org",
        "name": "New",
        "password": PASSWORD,
        "confirm": PASSWORD,
        **fields,
    }
    response = submit(client, "/accounts/register", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert f'href="#{field_id}"' in page
    assert f'id="{field_id}-error"' in page
    assert message in page
    assert user_named(app, "new@example.org") is None


def test_register_refuses_a_second_account_for_an_email(app, client, auth):
    """Is an email already in use (in any case) refused with a clear message?"""
    with app.app_context():
        gen_user("taken@example.org")
    response = auth.register(email="TAKEN@example.org")
    assert response.status_code == 400
    assert "An account already uses this email address" in response.get_data(as_text=True)


def test_log_in_and_out(app, client, auth):
    """Can a person log in, see their profile, and log out with a POST?"""
    with app.app_context():
        gen_user("sam@example.org", name="Sam")
    assert client.get("/accounts/profile").status_code == 302
    response = auth.login("sam@example.org")
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/accounts/profile").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/accounts/profile").status_code == 302


def test_login_records_when(app, auth):
    """Is the time of the last log-in kept?"""
    with app.app_context():
        gen_user("sam@example.org")
    auth.login("sam@example.org")
    assert user_named(app, "sam@example.org").last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_message(app, client, auth):
    """Is there one generic message, whether the email or the password was wrong?"""
    with app.app_context():
        gen_user("sam@example.org")
    wrong_password = auth.login("sam@example.org", "not the password at all")
    unknown_email = auth.login("nobody@example.org", PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 400
    message = "The email address or password is not right."

    def errors(page):
        main = page.get_data(as_text=True).split('<main id="main-content"')[1]
        return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", main)

    assert message in errors(wrong_password) and message in errors(unknown_email)
    assert errors(wrong_password).replace("sam@example.org", "X") == errors(unknown_email).replace(
        "nobody@example.org", "X"
    )
    assert client.get("/accounts/profile").status_code == 302


def test_email_is_matched_without_case_or_spaces(app, auth):
    """Can a person log in with their email in capitals or with a trailing space?"""
    with app.app_context():
        gen_user("sam@example.org")
    assert auth.login("  SAM@example.ORG ").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "http://evil.example/path",
        "///evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/%0d%0aLocation:%20https://evil.example",
        " //evil.example",
        "evil.example",
    ],
)
def test_next_cannot_send_anyone_off_site(app, client, auth, target):
    """Does a hostile `next` fall back to the home page after logging in?"""
    with app.app_context():
        gen_user("sam@example.org")
    response = auth.login("sam@example.org", next_url=target)
    assert response.status_code == 302
    assert response.location == "/"


def test_next_keeps_a_path_on_this_site(app, client, auth):
    """Does a same-site `next` take the person where they were going?"""
    with app.app_context():
        gen_user("sam@example.org")
    response = auth.login("sam@example.org", next_url="/accounts/profile?tab=1")
    assert response.location == "/accounts/profile?tab=1"


def test_login_required_sends_back_after_login(app, client, auth):
    """Does a protected page send a visitor to log in and then back?"""
    with app.app_context():
        gen_user("sam@example.org")
    response = client.get("/accounts/profile")
    assert response.location.startswith("/accounts/login?next=")
    login_page = response.location
    token = csrf_token(client, login_page)
    back = client.post(
        login_page, data={"csrf_token": token, "email": "sam@example.org", "password": PASSWORD}
    )
    assert back.location == "/accounts/profile"


def test_logout_needs_post_with_csrf(app, client, auth):
    """Can a link or a forged form log anyone out? (No.)"""
    with app.app_context():
        gen_user("sam@example.org")
    auth.login("sam@example.org")
    assert client.get("/accounts/logout").status_code == 405
    assert client.post("/accounts/logout").status_code == 400
    assert client.get("/accounts/profile").status_code == 200


@pytest.mark.parametrize("url", ["/accounts/login", "/accounts/register", "/accounts/profile"])
def test_forms_refuse_posts_without_csrf(app, client, auth, url):
    """Is every account form protected by a CSRF token?"""
    with app.app_context():
        gen_user("sam@example.org")
    if url == "/accounts/profile":
        auth.login("sam@example.org")
    response = client.post(
        url, data={"email": "sam@example.org", "password": PASSWORD, "name": "X"}
    )
    assert response.status_code == 400


def test_login_is_rate_limited(app, client):
    """After many attempts in a minute, does log-in answer 429 with a friendly page?"""
    token = csrf_token(client, "/accounts/login")
    statuses = [
        client.post(
            "/accounts/login",
            data={"csrf_token": token, "email": "x@example.org", "password": "guess"},
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    assert "Too many attempts" in client.post(
        "/accounts/login", data={"csrf_token": token}
    ).get_data(as_text=True)
    assert client.get("/accounts/login").status_code == 200  # reading the form is not limited


def test_registration_is_rate_limited(app, client):
    """Is registration limited too?"""
    token = csrf_token(client, "/accounts/register")
    statuses = [
        client.post("/accounts/register", data={"csrf_token": token}).status_code for _ in range(6)
    ]
    assert statuses[-1] == 429


def test_profile_saves_level_sector_region(app, client, auth):
    """Can a learner set their profession, sector, region and self-assessed level?"""
    auth.register(email="sam@example.org")
    response = submit(
        client,
        "/accounts/profile",
        {
            "name": "Sam Jones",
            "profession": "nurses",
            "sector": "mental_health",
            "region": "north_west",
            "self_assessed_level": "awareness",
        },
        follow_redirects=True,
    )
    assert "Your profile is saved." in response.get_data(as_text=True)
    user = user_named(app, "sam@example.org")
    assert (user.name, user.profession, user.sector, user.region, user.self_assessed_level) == (
        "Sam Jones",
        "nurses",
        "mental_health",
        "north_west",
        "awareness",
    )


def test_profile_refuses_bad_values_and_saves_nothing(app, client, auth):
    """Does an unknown level leave the whole profile unchanged?"""
    auth.register(email="sam@example.org", name="Sam")
    response = submit(
        client, "/accounts/profile", {"name": "Changed", "self_assessed_level": "wizard"}
    )
    assert response.status_code == 400
    assert user_named(app, "sam@example.org").name == "Sam"


def test_create_user_command_makes_each_role(app, runner):
    """Does `flask create-user` make a learner, a curator, and a provider member?"""
    with app.app_context():
        gen_provider("KUF Hub", slug="kuf-hub")
    for args in (
        ["create-user", "learner@example.org"],
        ["create-user", "curator@example.org", "--role", "curator"],
        ["create-user", "member@example.org", "--role", "provider", "--provider", "kuf-hub"],
    ):
        result = runner.invoke(args=args, input=f"{PASSWORD}\n{PASSWORD}\n")
        assert result.exit_code == 0, result.output
    assert user_named(app, "curator@example.org").is_curator
    assert not user_named(app, "learner@example.org").is_curator
    with app.app_context():
        member = db.session.scalar(select(ProviderMember))
        assert member.user.email == "member@example.org" and member.provider.slug == "kuf-hub"
    assert (
        "learner, provider"
        in runner.invoke(
            args=[
                "create-user",
                "member@example.org",
                "--role",
                "provider",
                "--provider",
                "kuf-hub",
                "--password",
                PASSWORD,
            ]
        ).output
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create-user", "x@example.org", "--role", "provider"], "--provider"),
        (
            ["create-user", "x@example.org", "--role", "provider", "--provider", "nope"],
            "no provider",
        ),
        (["create-user", "x@example.org", "--role", "admin"], "admin"),
        (["create-user", "x@example.org", "--password", "short"], "12 characters"),
    ],
)
def test_create_user_command_refuses_bad_input(app, runner, args, message):
    """Does create-user explain what is wrong and create nothing?"""
    result = runner.invoke(args=args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code != 0
    assert message in result.output
    assert user_named(app, "x@example.org") is None
