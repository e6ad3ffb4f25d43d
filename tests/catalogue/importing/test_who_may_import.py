"""Who may import, and into which organisation."""

from __future__ import annotations

import re

from sqlalchemy import select

from academy.catalogue.models import Offering, Provider
from academy.extensions import db
from tests.catalogue.importing.files import (
    confirm,
    make_xlsx,
    offer,
    offering,
    rows_in,
    upload,
)
from tests.conftest import csrf_token
from tests.factories import gen_offering, gen_provider, gen_user

# --- who may import ----------------------------------------------------------------------------


def test_only_members_of_approved_providers_may_import(app, client, auth):
    """Is the import a 403 for a user of no (or no approved) organisation, and a login for others?"""
    assert client.get("/provide/import").status_code == 302
    with app.app_context():
        pending_member = gen_user("pending@example.org")
        gen_provider("Waiting", status="pending", members=[pending_member])
        gen_user("nobody@example.org")
    for email in ("pending@example.org", "nobody@example.org"):
        auth.login(email)
        assert client.get("/provide/import").status_code == 403
        assert client.get("/provide/import/template.xlsx").status_code == 403
        assert client.post("/provide/import/confirm").status_code in (400, 403)
        auth.logout()


def test_a_provider_cannot_import_into_another_organisation(app, client, member):
    """Is another organisation's slug refused, and its offers untouched?"""
    with app.app_context():
        other = gen_provider("Other Org", slug="other-org")
        gen_offering(other, reference="PIE-1", title="Theirs")
    response = upload(client, make_xlsx([offer("PIE-1")]), provider="other-org")
    assert response.status_code == 404
    assert client.get("/provide/import?provider=other-org").status_code == 404
    assert client.get(f"/provide/import?provider={member}").status_code == 200
    response = upload(client, make_xlsx([offer("PIE-1")]), provider=member)
    assert ">Add<" in response.get_data(as_text=True)  # their PIE-1 is not ours to update
    confirm(client, response)
    with app.app_context():
        titles = db.session.scalars(select(Offering.title).order_by(Offering.id)).all()
        assert titles == ["Theirs", "Relational practice in housing PIE-1"]


def test_someone_else_cannot_confirm_your_upload(app, client, member):
    """Can another provider's member, holding your token, confirm your import? (No: 404.)"""
    response = upload(client, make_xlsx([offer("A")]))
    token = re.search(
        r'name="token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)
    )
    with app.app_context():
        intruder = gen_user("intruder@example.org")
        gen_provider("Intruders", members=[intruder])
    other = app.test_client()
    page = other.get("/accounts/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    other.post(
        "/accounts/login",
        data={"csrf_token": csrf, "email": "intruder@example.org", "password": "correct horse battery staple"},
    )  # fmt: skip
    csrf = csrf_token(other, "/provide/import")
    answer = other.post(
        "/provide/import/confirm", data={"csrf_token": csrf, "token": token.group(1)}
    )
    assert answer.status_code == 404
    assert rows_in(app) == (0, 0)
    forged = client.post(
        "/provide/import/confirm",
        data={"csrf_token": csrf_token(client, "/provide/import"), "token": "x" * 32},
    )
    assert forged.status_code == 404
    assert client.post("/provide/import/confirm", data={"token": token.group(1)}).status_code == 400
    assert rows_in(app) == (0, 0)
    assert confirm(client, response).status_code == 302 and rows_in(app) == (1, 0)


def test_confirming_shows_the_preview_again_if_the_catalogue_changed(app, client, member):
    """If an offer changes between preview and confirm, is the new preview shown, unwritten?"""
    response = upload(client, make_xlsx([offer("A")]))
    with app.app_context():
        gen_offering(db.session.scalar(select(Provider)), reference="A", title="Made meanwhile")
    again = confirm(client, response)
    assert again.status_code == 409
    assert "Your offers changed since you checked the file" in again.get_data(as_text=True)
    assert offering(app, "A")["title"] == "Made meanwhile"
    assert confirm(client, again).status_code == 302
    assert offering(app, "A")["title"] == "Relational practice in housing A"
