"""Confirming an import, and importing again: nothing written before, updates never duplicates."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import openpyxl
from sqlalchemy import select

from academy.catalogue.importing.operations import apply_import, preview_import
from academy.catalogue.listing.workflow import approve_offering
from academy.catalogue.models import AuditEvent, Offering, Provider
from academy.catalogue.operations import create_offering, replace_sessions
from academy.extensions import db
from tests.catalogue.importing.files import (
    OFFER_HEADERS,
    SESSION_HEADERS,
    START,
    confirm,
    dates,
    make_xlsx,
    offer,
    offering,
    rows_in,
    upload,
)
from tests.factories import gen_offering, gen_user

# --- confirming, re-importing ----------------------------------------------------------------


def test_nothing_is_written_until_the_provider_confirms(app, client, member):
    """Does the preview list every row, write nothing, and confirming write it all?"""
    data = make_xlsx([offer("A"), offer("B")], [dates("A"), dates("A", 7), dates("B")])
    response = upload(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count(">Add<") == 2 and "2 dates" in page and "Import 2 offers" in page
    assert rows_in(app) == (0, 0)
    response = confirm(client, response)
    assert response.status_code == 302 and response.headers["Location"].endswith("/provide/")
    assert rows_in(app) == (2, 3)
    flashed = client.get("/provide/").get_data(as_text=True)
    assert "Import complete: 2 offers added, 0 offers updated, 0 offers unchanged." in flashed
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "provider.imported")
        )
        assert event.detail["created"] == 2 and event.actor.email == "member@example.org"
    assert confirm(client, response := upload(client, data)).status_code == 302
    assert rows_in(app) == (2, 3)  # the same file again changes nothing


def test_re_importing_a_reference_updates_the_offer_and_never_duplicates_it(app, client, member):
    """Does a changed row update its offer (a live one staying live) and an equal one stay?"""
    first = make_xlsx([offer("A"), offer("B"), offer("C")], [dates("A"), dates("C")])
    confirm(client, upload(client, first))
    with app.app_context():
        live = db.session.scalar(select(Offering).where(Offering.reference == "A"))
        live.status, live.published_at = "published", datetime(2026, 1, 1)
        db.session.scalar(select(Offering).where(Offering.reference == "B")).status = "submitted"
        db.session.commit()
    changed = make_xlsx(
        [offer("A", title="A new title", cost_gbp="free", audiences="Nurses and nursing associates"),
         offer("B"), offer("C")],
        [dates("A", 14, online="yes", venue=None, region=None)],
    )  # fmt: skip
    response = upload(client, changed)
    page = response.get_data(as_text=True)
    assert "Update: title, cost gbp, audiences, dates" in page
    assert page.count("No change") == 2 and "Keeps its 1 date" in page
    assert confirm(client, response).status_code == 302
    assert rows_in(app) == (3, 2)
    a, b, c = offering(app, "A"), offering(app, "B"), offering(app, "C")
    assert a["status"] == "published" and a["title"] == "A new title" and a["cost_pence"] == 0
    assert a["sessions"][0][0] == START + timedelta(days=14)
    assert a["audiences"] == ["nurses"] and a["regions"] == ["online"]
    assert b["status"] == "submitted" and len(c["sessions"]) == 1  # C kept its dates
    with app.app_context():
        actions = set(
            db.session.scalars(
                select(AuditEvent.action).join(Offering).where(Offering.reference == "A")
            )
        )
        assert {"offering.updated", "offering.sessions_changed"} <= actions


def test_a_column_left_out_keeps_what_offers_have_there(app, client, member):
    """Does a file without optional columns leave those of listed offers alone, saying so?"""
    confirm(client, upload(client, make_xlsx([offer("A")])))
    headers = [h for h in OFFER_HEADERS if h not in ("contact_hours", "audiences", "booking_url")]
    fewer = make_xlsx([offer("A", title="A retitled"), offer("B")], offer_headers=headers)
    response = upload(client, fewer)
    page = response.get_data(as_text=True)
    assert "The sheet has no column contact_hours, audiences, booking_url" in page
    assert re.search(r"Update: title\s*<", page), "only the title changes"
    assert confirm(client, response).status_code == 302
    with app.app_context():
        a, b = (
            db.session.scalar(select(Offering).where(Offering.reference == ref))
            for ref in ("A", "B")
        )
        assert a.title == "A retitled" and a.contact_hours == 12.5
        assert a.audiences == ["housing_workers", "peer_workers"]
        assert a.booking_url == "https://example.org/book"
        # A new offer leaves them blank.
        assert (b.contact_hours, b.audiences, b.booking_url) == (None, [], None)


def test_submit_for_review_submits_new_offers_and_drafts_only(app, client, member):
    """Does "submit for review" submit new offers and drafts, leaving live ones live?"""
    with app.app_context():
        provider = db.session.scalar(select(Provider))
        gen_offering(provider, reference="LIVE", title="Live one")
        gen_offering(provider, reference="DRAFT", title="Draft one", status="draft")
    data = make_xlsx([offer("NEW"), offer("LIVE"), offer("DRAFT")])
    response = upload(client, data, mode="submit")
    assert "submitted for review" in response.get_data(as_text=True)
    confirm(client, response)
    statuses = [offering(app, ref)["status"] for ref in ("NEW", "LIVE", "DRAFT")]
    assert statuses == ["submitted", "published", "submitted"]


def test_dates_alone_can_update_an_offer_already_listed(app, member):
    """Can a Sessions sheet alone replace the dates of an offer the provider already has?"""
    with app.app_context():
        provider = db.session.scalar(select(Provider))
        gen_offering(provider, reference="OLD", sessions=[5, 9])
        preview = preview_import(provider, make_xlsx([], [dates("OLD")]), "dates.xlsx")
        assert not preview.errors and [(r.action, r.changes) for r in preview.rows] == [
            ("update", ["dates"])
        ]
        assert apply_import(provider, preview, mode="draft")["updated"] == 1
        db.session.commit()
    assert offering(app, "OLD")["sessions"] == [
        (START, START + timedelta(days=1), dates()["venue"])
    ]
    assert offering(app, "OLD")["status"] == "published"


def test_an_imported_offer_matches_one_made_through_the_operations(app, member):
    """Does the batch import give the same slug rule, regions, tags and history as the forms?"""
    with app.app_context():
        provider = db.session.scalar(select(Provider))
        preview = preview_import(
            provider,
            make_xlsx([offer("X", title="Same title"), offer("Y", title="Same title")],
                      [dates("X", online="yes", venue=None, region=None), dates("Y")]),
            "offers.xlsx",
        )  # fmt: skip
        apply_import(provider, preview, mode="publish")
        made = create_offering(provider, {**preview.rows[1].data, "reference": "Z"})
        replace_sessions(made, preview.rows[1].sessions)
        db.session.commit()
        x, y, z = (
            db.session.scalar(select(Offering).where(Offering.reference == r)) for r in "XYZ"
        )
        assert [x.slug, y.slug, z.slug] == ["same-title", "same-title-2", "same-title-3"]
        assert x.regions == ["online"] and y.regions == z.regions == ["north_west"]
        assert [t.key for t in y.tags if t.facet != "region"] == [
            t.key for t in z.tags if t.facet != "region"
        ]
        y_events = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.offering_id == y.id).order_by(AuditEvent.id)
        ).all()
        assert y_events == ["offering.created", "offering.sessions_changed", "offering.published"]
        assert y.status == "published" and y.published_at is not None


def test_the_round_trip_from_the_template_to_search(app, client, member):
    """Can a provider fill in the downloaded template, import it, and see it found once live?"""
    response = client.get("/provide/import/template.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Read me", "Offerings", "Sessions", "Lists"]
    assert book["Lists"].sheet_state == "hidden"
    offers, sessions = book["Offerings"], book["Sessions"]
    headers = [c.value for c in offers[1]]
    assert headers == OFFER_HEADERS
    assert [c.value for c in sessions[1]] == SESSION_HEADERS
    assert offers.freeze_panes == "A2"
    assert any("Lists'!" in (v.formula1 or "") for v in offers.data_validations.dataValidation)
    readme = " ".join(str(c.value) for row in book["Read me"].iter_rows() for c in row if c.value)
    assert "co_production_statement" in readme and "keeps the dates it already has" in readme
    example = {h: c.value for h, c in zip(headers, offers[2], strict=True)}
    example_session = [c.value for c in sessions[2]]
    for number, word in enumerate(("Zephyrine", "Quillbeck"), start=3):
        values = {**example, "reference": f"RT-{number}", "title": f"{word} relational practice"}
        for column, header in enumerate(headers, start=1):
            offers.cell(row=number, column=column, value=values[header])
        for column, value in enumerate(example_session, start=1):
            sessions.cell(row=number, column=column, value=f"RT-{number}" if column == 1 else value)
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, buffer.getvalue(), "filled.xlsx", mode="submit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "template&#39;s example" in page or "template's example" in page
    assert confirm(client, response).status_code == 302
    assert client.get("/api/v1/offerings?q=zephyrine").get_json()["total"] == 0
    with app.app_context():
        curator = gen_user("curator@example.org", curator=True)
        for item in db.session.scalars(select(Offering).where(Offering.reference.like("RT-%"))):
            approve_offering(item, actor=curator)
        db.session.commit()
    found = client.get("/api/v1/offerings?q=zephyrine").get_json()
    assert found["total"] == 1 and found["items"][0]["title"] == "Zephyrine relational practice"
    assert found["items"][0]["sessions"][0]["venue"] == "Friends Meeting House, Manchester"
