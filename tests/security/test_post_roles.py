"""Who gets what from every state change: each POST route × each role, with a valid token.

The rows are in posts.py. Each row runs in a world of its own (a change made
by one role must not decide what the next row sees); the roles a row refuses
go first and must leave every table as it was, then the roles it is for.
"""

from __future__ import annotations

import pytest

from tests.conftest import release
from tests.security.conftest import (
    ROLES,
    build_world,
    check_status,
    endpoint_of,
    log_in_clients,
    new_app,
    routes,
    snapshot,
    token_for,
)
from tests.security.posts import POSTS


@pytest.fixture
def fresh_app(database_template, tmp_path):
    """An app on a database of its own for one test."""
    app = new_app(database_template, tmp_path)
    yield app
    release(app)


def test_every_post_route_has_a_row(fresh_app):
    """Is every POST route in url_map in the table (a new one fails here until it has a row)?"""
    covered = {endpoint_of(fresh_app, "POST", post.path) for post in POSTS}
    assert covered == routes(fresh_app, "POST")


@pytest.mark.parametrize("post", POSTS, ids=lambda post: post.id)
def test_each_role_gets_its_status_for_each_change(fresh_app, post):
    """Does each role get the status in the row, and does a refusal leave everything as it was?"""
    world = build_world(fresh_app)
    clients = log_in_clients(fresh_app)
    if post.prepare:
        world = {**world, **post.prepare(clients[post.by], world)}
    url = post.path.format(**world)
    order = sorted(ROLES, key=post.succeeds)  # refusals first, on the world as built
    wrong = {}
    for role in order:
        client = clients[role]
        before = None if post.succeeds(role) else snapshot(fresh_app)
        response = client.post(
            url, data={"csrf_token": token_for(client, role), **post.form(world)}
        )
        problem = check_status(response, post.expected[role], url)
        if before is not None and snapshot(fresh_app) != before:
            problem = f"{problem or response.status_code}; and the database changed"
        if problem:
            wrong[role] = problem
    assert not wrong, f"POST {url}: {wrong}"
