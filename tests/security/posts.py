"""Every state change the app offers, with a form a person would send and who gets what.

One `Post` per POST route (per `any(...)` step where the steps differ), used by
test_csrf.py (without a token, from someone allowed: a 400) and by
test_post_roles.py (with a token, from each role: the status in its row).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from academy.timeutil import today
from tests.catalogue.test_access import OFFERING_FIELDS, PROVIDER_FIELDS, SESSION_FIELDS
from tests.conftest import PASSWORD
from tests.security.conftest import (
    EMAILS,
    LOG_CSV,
    LOGIN,
    OFFERS_CSV,
    ROLES,
    confirm_token,
    upload_log,
    upload_offers,
)

_ago = today() - timedelta(days=10)
ENTRY_FIELDS = {
    "title": "A reflective practice group",
    "provider_name": "Our team",
    "activity_type": "workshop",
    "starts_on": _ago.isoformat(),
    "ends_on": _ago.isoformat(),
    "hours": "2",
    "participatory_hours": "2",
    "level": "awareness",
    "co_delivered": "no",
    "co_designed": "no",
    "description": "What it was.",
}


@dataclass
class Post:
    """A POST route: the path, the form, who gets which status with a valid token.

    `data` is a dict or a function of the world; `prepare(client, world)` runs first
    with the client of `by` (the role the route is for) and returns more values for
    the path and data. `statuses` gives each role's status, in ROLES order.
    """

    path: str
    statuses: tuple
    data: dict | Callable[[dict], dict] = field(default_factory=dict)
    prepare: Callable | None = None
    by: str | None = None

    def __post_init__(self):
        """Each role's status by name; `by` defaults to the last role the route is for."""
        assert len(self.statuses) == len(ROLES), self.path
        self.expected = dict(zip(ROLES, self.statuses, strict=True))
        if self.by is None:
            self.by = next((role for role in ROLES[::-1] if self.succeeds(role)), None)

    def succeeds(self, role: str) -> bool:
        """Whether the role's POST does what it is for (not refused)."""
        status = self.expected[role]
        return isinstance(status, int) and status < 400

    def form(self, world: dict) -> dict:
        """The fields to post, made afresh (a file can be read only once)."""
        return self.data(world) if callable(self.data) else dict(self.data)

    @property
    def id(self) -> str:
        """The test id: the path."""
        return self.path


def offers_upload(client, world) -> dict:
    """A member's upload of offers, waiting in their session."""
    return {"import_token": confirm_token(upload_offers(client, world["p"]))}


def log_upload(client, world) -> dict:
    """A learner's upload of their CPD log, waiting in their session."""
    return {"import_token": confirm_token(upload_log(client))}


def offers_file(world) -> dict:
    """The provider import form, Good Practice Trust's offers in a small CSV."""
    return {
        "provider": world["p"],
        "mode": "draft",
        "spreadsheet": (io.BytesIO(OFFERS_CSV), "offers.csv"),
    }


def log_file(world) -> dict:
    """The learner's import form with a small CSV log."""
    return {"spreadsheet": (io.BytesIO(LOG_CSV), "log.csv")}


def answer(world) -> dict:
    """A provider's answer to a learner's request."""
    return {"facts": world["asked_facts"], "note": "Seen on our register."}


def import_token(world) -> dict:
    """The confirm button's form."""
    return {"token": world["import_token"]}


NEW_ACCOUNT = {
    "email": "newcomer@example.org",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "name": "Newcomer",
}
NEW_PASSWORD = {
    "current_password": PASSWORD,
    "password": "purple elephant quietly dancing",
    "confirm": "purple elephant quietly dancing",
}
MEMBERS = (LOGIN, 403, 403, 302, 404, 403)  # Good Practice Trust's members only
CURATORS = (LOGIN, 404, 404, 404, 404, 302)
OWNER = (LOGIN, 302, 404, 404, 404, 404)  # the learner who owns the thing
ANYONE_IN = (LOGIN, 302, 302, 302, 302, 302)
NOBODY = (LOGIN, 403, 403, 404, 404, 403)  # another organisation's object, through yours

# fmt: off
POSTS = [
    #    path                                                   anon   learner learner2 member other curator
    Post("/accounts/login",                                     (302,  302,    302,     302,   302,  302),
         {"email": EMAILS["learner"], "password": PASSWORD}, by="anon"),
    Post("/accounts/register",                                  (302,  302,    302,     302,   302,  302),
         NEW_ACCOUNT, by="anon"),
    Post("/accounts/logout",                                    (302,  302,    302,     302,   302,  302)),
    Post("/accounts/profile",                                   ANYONE_IN, {"name": "A new name"}),
    Post("/accounts/password",                                  ANYONE_IN, NEW_PASSWORD),
    Post("/accounts/profile/records",                           ANYONE_IN),
    # The only member of Other Org cannot leave it without a member: told why, nothing deleted.
    Post("/accounts/delete",                                    (LOGIN, 302,    302,     302,   409,  302),
         {"password": PASSWORD}),
    Post("/portfolio/entries/new",                              ANYONE_IN, ENTRY_FIELDS),
    Post("/portfolio/entries/{plain_entry}/edit",               OWNER, ENTRY_FIELDS),
    Post("/portfolio/entries/{plain_entry}/delete",             OWNER),
    Post("/portfolio/entries/{unasked}/confirmation",           OWNER),
    Post("/portfolio/entries/{asked}/confirmation/withdraw",    OWNER),
    Post("/portfolio/import",                                   (LOGIN, 200,    200,     200,   200,  200),
         log_file),
    Post("/portfolio/import/confirm",                           OWNER, import_token, prepare=log_upload),
    Post("/portfolio/shares",                                   (LOGIN, 200,    200,     200,   200,  200),
         {"label": "For my appraisal", "scope": "whole", "days": "30"}),
    Post("/portfolio/shares/{share}/revoke",                    OWNER),
    Post("/portfolio/records/{record}/revoke",                  OWNER),
    Post("/verify/",                                            (302,  302,    302,     302,   302,  302),
         lambda world: {"code": world["code"]}, by="anon"),
    Post("/verify/{code}",                                      (200,  200,    200,     200,   200,  200),
         {"digest": "0" * 64}, by="anon"),
    Post("/provide/join",                                       ANYONE_IN, PROVIDER_FIELDS),
    Post("/provide/providers/{p}/edit",                         MEMBERS, PROVIDER_FIELDS),
    Post("/provide/providers/{p}/members",                      MEMBERS, {"email": EMAILS["learner"]}),
    Post("/provide/providers/{p}/members/{colleague}/remove",   MEMBERS),
    Post("/provide/offers/new?provider={p}",                    MEMBERS, OFFERING_FIELDS),
    Post("/provide/offers/{draft}/edit",                        MEMBERS, OFFERING_FIELDS),
    Post("/provide/offers/{draft}/submit",                      MEMBERS),
    Post("/provide/offers/{published}/withdraw",                MEMBERS),
    Post("/provide/offers/{withdrawn}/republish",               MEMBERS),
    Post("/provide/offers/{draft}/sessions/new",                MEMBERS, SESSION_FIELDS),
    Post("/provide/offers/{draft}/sessions/{session}/edit",     MEMBERS, SESSION_FIELDS),
    Post("/provide/offers/{draft}/sessions/{session}/remove",   MEMBERS),
    # Other Org's date, through Good Practice Trust's offer: nobody may.
    Post("/provide/offers/{draft}/sessions/{other_session}/edit", NOBODY, SESSION_FIELDS),
    Post("/provide/providers/{p}/confirmations/{asked}/confirm", MEMBERS, answer),
    Post("/provide/providers/{p}/confirmations/{asked}/decline", MEMBERS, answer),
    # A request addressed to Other Org, through Good Practice Trust: nobody may.
    Post("/provide/providers/{p}/confirmations/{other_asked}/confirm", NOBODY, answer),
    Post("/provide/import",                                     (LOGIN, 403,    403,     200,   404,  403),
         offers_file),
    Post("/provide/import/confirm",                             (LOGIN, 403,    403,     302,   404,  403),
         import_token, prepare=offers_upload),
    Post("/review/offers/{submitted}/approve",                  CURATORS),
    Post("/review/offers/{submitted}/return",                   CURATORS, {"return-reason": "Add dates."}),
    Post("/review/offers/{published}/unpublish",                CURATORS, {"unpublish-reason": "Broken."}),
    Post("/review/providers/{pending_p}/approve",               CURATORS),
    Post("/review/providers/{pending_p}/decline",               CURATORS, {"decline-reason": "Not training."}),
]
# fmt: on
