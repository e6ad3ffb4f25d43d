"""Every POST route refuses a request without its CSRF token, from someone otherwise allowed.

The routes come from url_map (posts.py has a row for each, and the test
fails if one is missing); each is posted as the role it is for, with the form
it would send, minus the token, and must answer the 400 page and change nothing.
"""

from __future__ import annotations

import pytest

from tests.security.conftest import (
    CSRF_MISSING,
    CSRF_REFUSAL,
    endpoint_of,
    routes,
    snapshot,
    token_for,
)
from tests.security.posts import POSTS

#: POST routes that need no token, and why. The JSON API (/api/v1/) is exempt from
#: CSRF but answers GET only, so it has no POST route to list; nothing else may be here.
EXEMPT: set[str] = set()
#: Rows whose rightful POST has no lasting effect on the world the other rows share,
#: posted again with the token as a control (a token that is refused would pass above).
CONTROLS = {
    "/accounts/profile",
    "/portfolio/entries/new",
    "/portfolio/import",
    "/portfolio/shares",
    "/verify/",
    "/verify/{code}",
    "/provide/import",
    "/provide/offers/{draft}/sessions/new",
}
RIGHTFUL = [post for post in POSTS if post.by]


def test_every_post_route_is_checked(module_app):
    """Is every POST route in url_map, but the listed exemptions, posted without a token below?"""
    checked = {endpoint_of(module_app, "POST", post.path) for post in RIGHTFUL}
    assert checked == routes(module_app, "POST") - EXEMPT
    assert not {
        rule.endpoint
        for rule in module_app.url_map.iter_rules()
        if "POST" in rule.methods and rule.rule.startswith("/api/")
    }


@pytest.mark.parametrize("post", RIGHTFUL, ids=lambda post: post.id)
def test_a_post_without_its_token_is_refused(module_app, world, clients, post):
    """Without a token, is the POST a 400 saying so, with every table as it was?"""
    client = clients[post.by]
    values = {**world, **(post.prepare(client, world) if post.prepare else {})}
    url = post.path.format(**values)
    before = snapshot(module_app)
    response = client.post(url, data=post.form(values))
    page = response.get_data(as_text=True)
    assert response.status_code == 400, f"POST {url} as {post.by}: {response.status_code}"
    assert CSRF_REFUSAL in page and CSRF_MISSING in page
    assert snapshot(module_app) == before
    # A token from another session is no better than none.
    stranger = next(role for role in ("learner2", "other", "anon") if role != post.by)
    forged = token_for(clients[stranger], stranger)
    response = client.post(url, data={"csrf_token": forged, **post.form(values)})
    assert response.status_code == 400
    assert snapshot(module_app) == before


@pytest.mark.parametrize("post", [p for p in RIGHTFUL if p.path in CONTROLS], ids=lambda p: p.id)
def test_the_same_post_with_its_token_goes_through(module_app, world, clients, post):
    """With the session's own token, is the same POST answered as its row says (not a 400)?"""
    client = clients[post.by]
    url = post.path.format(**world)
    response = client.post(url, data={"csrf_token": token_for(client, post.by), **post.form(world)})
    assert response.status_code == post.expected[post.by] != 400
