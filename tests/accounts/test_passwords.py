"""Which passwords the Academy accepts: long enough or three words, and not a common one."""

from __future__ import annotations

import pytest

from academy.accounts.operations import find_user
from academy.accounts.passwords import common_passwords, password_problem
from tests.conftest import submit


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "kettle forest violin",  # three words, under 12 characters with spaces: 20
        "cat dog sun",  # three words of three letters: 11 characters
        "Tr0ub4dor&3xq",  # 13 characters, no words needed
        "grüne Äpfel schmecken",  # words in any alphabet
    ],
)
def test_long_or_three_word_passwords_are_accepted(app, password):
    """Does a password of 12 characters, or of three words, pass?"""
    with app.test_request_context():
        assert password_problem(password, email="sam@example.org", name="Sam") is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12 characters"),
        ("two words!", "at least 12 characters"),
        ("cat cat cat", "at least 12 characters"),  # one word three times
        ("an ox is up", "at least 12 characters"),  # words too short to count
        ("password1234", "passwords people use most"),
        ("qwerty123456", "passwords people use most"),
        ("QWERTY123456", "passwords people use most"),  # case does not help
        ("qwerty 123456", "passwords people use most"),  # nor a space
        ("1q2w3e4r5t6y", "passwords people use most"),
        ("aaaaaaaaaaaaaaaa", "repeats a few characters"),
        ("abababababab", "repeats a few characters"),
        ("sam.learner@example.org", "your name or email address"),
        ("Sam.Learner-1", None),  # not the address itself: fine (13 characters)
        ("samlearner99", None),
        ("x" * 201, "at most 200 characters"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(app, password, message):
    """Is each weak password refused, saying what to do instead?"""
    with app.test_request_context():
        problem = password_problem(password, email="sam.learner@example.org", name="Sam")
    if message is None:
        assert problem is None
    else:
        assert problem is not None and message in problem


def test_the_common_list_is_loaded_once_from_the_data_folder(app):
    """Is the list real (thousands of passwords, lower-cased) and read only once?"""
    with app.test_request_context():
        passwords = common_passwords()
        assert len(passwords) > 19_000
        assert {"password", "123456", "iloveyou", "qwerty123456"} <= passwords
        assert all(p == p.lower() for p in list(passwords)[:500])
        assert common_passwords() is passwords


def test_registration_refuses_a_common_password_and_saves_nothing(app, client):
    """Does the register form say why next to the field, creating no account?"""
    response = submit(
        client,
        "/accounts/register",
        {
            "email": "sam@example.org",
            "name": "Sam",
            "password": "qwerty123456",
            "confirm": "qwerty123456",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="password-error"' in page and "passwords people use most" in page
    assert "There is a problem" in page
    with app.app_context():
        assert find_user("sam@example.org") is None


def test_registration_accepts_three_words(app, client):
    """Can a person register with three short random words?"""
    response = submit(
        client,
        "/accounts/register",
        {
            "email": "sam@example.org",
            "name": "Sam",
            "password": "cat dog sun",
            "confirm": "cat dog sun",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert find_user("sam@example.org").check_password("cat dog sun")


def test_create_user_refuses_a_common_password(app, runner):
    """Does the command line hold to the same rule?"""
    result = runner.invoke(args=["create-user", "x@example.org", "--password", "password1234"])
    assert result.exit_code != 0
    assert "passwords people use most" in result.output
    with app.app_context():
        assert find_user("x@example.org") is None
