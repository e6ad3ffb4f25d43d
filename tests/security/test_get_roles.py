"""Who sees what: every GET route of the app × six roles, and the status each gets.

Columns, in order: anon (not logged in), learner, learner2 (another learner),
member (of Good Practice Trust, which owns the offers), other (a member of
Other Org), curator; tests/security/conftest.py builds them and what they own.

Anything that belongs to someone else (an entry, a share link, an issued
record, another organisation's offer, date or confirmation request) is a 404,
never a 403, so guessing an id tells nothing. A 403 only tells a logged-in
non-member how to join. The POST routes' table is in posts.py; the tables for
an applicant organisation are in tests/catalogue/test_access.py.
"""

from __future__ import annotations

import pytest
from werkzeug.exceptions import MethodNotAllowed

from tests.security.conftest import LOGIN, ROLES, check_status, endpoint_of, routes, to

#: GET routes with no row, and why.
EXEMPT = {
    "static",  # files from static/, the same for everyone (tests/test_http_cache.py)
}
HOME = to("/")


def row(path: str, *statuses) -> pytest.param:
    """One line of the table: a path and each role's status, in ROLES order."""
    assert len(statuses) == len(ROLES), path
    return pytest.param(path, dict(zip(ROLES, statuses, strict=True)), id=path)


ALL = (200,) * 6
GONE = (404,) * 6
POST_ONLY = (405,) * 6
SIGNED_IN = (LOGIN, 200, 200, 200, 200, 200)
LEARNERS = (LOGIN, 200, 404, 404, 404, 404)  # the learner's own things
LEARNER2S = (LOGIN, 404, 200, 404, 404, 404)  # the other learner's own things
MEMBERS = (LOGIN, 403, 403, 200, 404, 403)  # Good Practice Trust's own pages
ORGS = (LOGIN, 403, 403, 200, 200, 403)  # any organisation's member
OTHERS = (LOGIN, 403, 403, 404, 200, 403)  # Other Org's own pages
NOBODY = (LOGIN, 403, 403, 404, 404, 403)  # Other Org's thing through Good Practice Trust
CURATORS = (LOGIN, 404, 404, 404, 404, 200)

# fmt: off
GETS = [
    # Public pages: the same for everyone.
    row("/",                                                       *ALL),
    row("/accessibility",                                          *ALL),
    row("/healthz",                                                *ALL),
    row("/readyz",                                                 *ALL),
    row("/escalator/",                                             *ALL),
    row("/escalator/awareness",                                    *ALL),
    row("/escalator/no-such-level",                                *GONE),
    row("/catalogue/",                                             *ALL),
    row("/catalogue/?q=awareness",                                 *ALL),
    row("/catalogue/{published}",                                  *ALL),
    row("/catalogue/{draft}",                                      *GONE),
    row("/catalogue/{withdrawn}",                                  *GONE),
    row("/catalogue/{published}.ics",                              *ALL),
    row("/catalogue/{submitted}.ics",                              *GONE),
    row("/providers/{p}",                                          *ALL),
    row("/providers/{pending_p}",                                  *GONE),
    row("/api/v1/offerings",                                       *ALL),
    row("/api/v1/offerings/{published}",                           *ALL),
    row("/api/v1/offerings/{draft}",                               *GONE),
    row("/api/v1/levels",                                          *ALL),
    row("/api/v1/providers",                                       *ALL),
    row("/api/v1/openapi.json",                                    *ALL),
    row("/shared/{share_token}",                                   *ALL),
    row("/shared/{other_share_token}",                             *ALL),
    row("/shared/{closed_token}",                                  *(410,) * 6),
    row("/shared/no-such-token",                                   *GONE),
    row("/verify/",                                                *ALL),
    row("/verify/{code}",                                          *ALL),
    row("/verify/AAAA-AAAA-AAAA-AAAA",                             *GONE),
    # Accounts.                                                    anon   learner learner2 member other curator
    row("/accounts/login",                                         200,   HOME,   HOME,    HOME,  HOME, HOME),
    row("/accounts/register",                                      200,   HOME,   HOME,    HOME,  HOME, HOME),
    row("/accounts/logout",                                        *POST_ONLY),
    row("/accounts/profile",                                       *SIGNED_IN),
    row("/accounts/profile/records",                               LOGIN, *(to("/accounts/profile#records"),) * 5),
    row("/accounts/password",                                      *SIGNED_IN),
    row("/accounts/delete",                                        *SIGNED_IN),
    row("/accounts/data.json",                                     *SIGNED_IN),
    # A portfolio: everyone has their own; another's entries, links and records are 404.
    row("/portfolio/",                                             *SIGNED_IN),
    row("/portfolio/?year=2026&level=awareness&page=1",            *SIGNED_IN),
    row("/portfolio/entries/new",                                  *SIGNED_IN),
    row("/portfolio/entries/new?offering={published}&session={published_session}", *SIGNED_IN),
    row("/portfolio/entries/new?offering={draft}",                 LOGIN, *(404,) * 5),
    row("/portfolio/entries/{entry}",                              *LEARNERS),
    row("/portfolio/entries/{other_entry}",                        *LEARNER2S),
    row("/portfolio/entries/{entry}/edit",                         *LEARNERS),
    row("/portfolio/entries/{other_entry}/edit",                   *LEARNER2S),
    row("/portfolio/entries/{entry}/delete",                       *LEARNERS),
    row("/portfolio/entries/{other_entry}/delete",                 *LEARNER2S),
    row("/portfolio/entries/999999",                               LOGIN, *(404,) * 5),
    row("/portfolio/entries/{entry}/confirmation",                 *POST_ONLY),
    row("/portfolio/entries/{entry}/confirmation/withdraw",        *POST_ONLY),
    row("/portfolio/export.csv",                                   *SIGNED_IN),
    row("/portfolio/export.json",                                  *SIGNED_IN),
    row("/portfolio/export.xlsx",                                  *SIGNED_IN),
    row("/portfolio/export.pdf",                                   LOGIN, 200, 200, 200, 200, 200),
    row("/portfolio/export.csv?profile=no-such-body",              LOGIN, *(400,) * 5),
    row("/portfolio/record",                                       *SIGNED_IN),
    row("/portfolio/records",                                      *SIGNED_IN),
    row("/portfolio/records/{record}/revoke",                      *LEARNERS),
    row("/portfolio/records/{other_record}/revoke",                *LEARNER2S),
    row("/portfolio/import",                                       *SIGNED_IN),
    row("/portfolio/import/confirm",                               *POST_ONLY),
    row("/portfolio/import/template.xlsx",                         *SIGNED_IN),
    row("/portfolio/shares",                                       *SIGNED_IN),
    row("/portfolio/shares/{share}/revoke",                        *LEARNERS),
    row("/portfolio/shares/{other_share}/revoke",                  *LEARNER2S),
    # Providers' pages: their own organisation's, else 404 (403 for no organisation).
    row("/provide/",                                               *ORGS),
    row("/provide/join",                                           *SIGNED_IN),
    row("/provide/providers/{p}/",                                 *MEMBERS),
    row("/provide/providers/{other_p}/",                           *OTHERS),
    row("/provide/providers/{p}/edit",                             *MEMBERS),
    row("/provide/providers/{other_p}/edit",                       *OTHERS),
    row("/provide/providers/{p}/history",                          *MEMBERS),
    row("/provide/providers/{other_p}/history",                    *OTHERS),
    row("/provide/providers/{p}/members",                          *POST_ONLY),
    row("/provide/providers/{p}/members/{colleague}/remove",       *POST_ONLY),
    row("/provide/offers/new",                                     *ORGS),
    row("/provide/offers/new?provider={p}",                        *MEMBERS),
    row("/provide/offers/new?provider={other_p}",                  *OTHERS),
    row("/provide/offers/{draft}/",                                *MEMBERS),
    row("/provide/offers/{submitted}/",                            *MEMBERS),
    row("/provide/offers/{published}/",                            *MEMBERS),
    row("/provide/offers/{withdrawn}/",                            *MEMBERS),
    row("/provide/offers/{other_draft}/",                          *OTHERS),
    row("/provide/offers/{draft}/edit",                            *MEMBERS),
    row("/provide/offers/{other_draft}/edit",                      *OTHERS),
    row("/provide/offers/{draft}/preview",                         *MEMBERS),
    row("/provide/offers/{other_draft}/preview",                   *OTHERS),
    row("/provide/offers/{draft}/submit",                          *POST_ONLY),
    row("/provide/offers/{draft}/sessions/new",                    *MEMBERS),
    row("/provide/offers/{other_draft}/sessions/new",              *OTHERS),
    row("/provide/offers/{draft}/sessions/{session}/edit",         *MEMBERS),
    row("/provide/offers/{draft}/sessions/{other_session}/edit",   *NOBODY),
    row("/provide/offers/{draft}/sessions/{session}/remove",       *MEMBERS),
    row("/provide/offers/{draft}/sessions/{other_session}/remove", *NOBODY),
    row("/provide/import",                                         *ORGS),
    row("/provide/import?provider={p}",                            *MEMBERS),
    row("/provide/import/confirm",                                 *POST_ONLY),
    row("/provide/import/template.xlsx",                           *ORGS),
    row("/provide/providers/{p}/confirmations",                    *MEMBERS),
    row("/provide/providers/{other_p}/confirmations",              *OTHERS),
    row("/provide/providers/{p}/confirmations/{asked}",            *MEMBERS),
    row("/provide/providers/{p}/confirmations/{other_asked}",      *NOBODY),
    row("/provide/providers/{other_p}/confirmations/{other_asked}", *OTHERS),
    row("/provide/providers/{other_p}/confirmations/{asked}",      *NOBODY),
    row("/provide/providers/{p}/confirmations/{asked}/confirm",    *POST_ONLY),
    # Curators' pages: a 404 for everyone else.
    row("/review/",                                                *CURATORS),
    row("/review/history",                                         *CURATORS),
    row("/review/offers/{submitted}",                              *CURATORS),
    row("/review/offers/{other_draft}",                            *CURATORS),
    row("/review/offers/no-such-offer",                            LOGIN, *(404,) * 5),
    row("/review/providers/{pending_p}",                           *CURATORS),
    row("/review/providers/{other_p}",                             *CURATORS),
    row("/review/offers/{submitted}/approve",                      *POST_ONLY),
    row("/review/providers/{pending_p}/decline",                   *POST_ONLY),
]
# fmt: on


def test_every_get_route_has_a_row(module_app):
    """Is every GET route in url_map (but static) in the table? A new one fails here."""
    covered = set()
    for param in GETS:
        try:
            covered.add(endpoint_of(module_app, "GET", param.values[0]))
        except MethodNotAllowed:
            continue
    assert covered == routes(module_app, "GET") - EXEMPT


@pytest.mark.parametrize(("path", "expected"), GETS)
def test_each_role_gets_its_status_for_each_page(world, clients, path, expected):
    """Does each role get the status the table says for this page?"""
    url = path.format(**world)
    wrong = {}
    for role, status in expected.items():
        problem = check_status(clients[role].get(url), status, url)
        if problem:
            wrong[role] = problem
    assert not wrong, f"GET {url}: {wrong}"
