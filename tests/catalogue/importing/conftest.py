"""Fixtures of the import tests: a member of an approved provider, logged in."""

from __future__ import annotations

import pytest

from tests.factories import gen_provider, gen_user


@pytest.fixture
def member(app, auth):
    """A logged-in member of the approved provider "Good Org"; returns its slug."""
    with app.app_context():
        user = gen_user("member@example.org")
        slug = gen_provider("Good Org", slug="good-org", members=[user]).slug
    auth.login("member@example.org")
    return slug
