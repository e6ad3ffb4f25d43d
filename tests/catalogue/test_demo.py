"""The demo catalogue: coverage, and a second seed-demo changes nothing."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from academy.accounts.models import User
from academy.catalogue.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from academy.catalogue.models import AuditEvent, Offering, OfferingSession, OfferingTag, Provider
from academy.extensions import db
from academy.portfolios.models import PortfolioEntry
from academy.reference import reference
from academy.timeutil import today

#: seed-demo with the demo accounts, on either database (PostgreSQL needs asking: its own test).
WITH_ACCOUNTS = ["seed-demo", "--accounts", "--allow-postgres"]


def snapshot(app) -> dict:
    """Every row that seed-demo writes, as comparable tuples."""
    with app.app_context():

        def rows(model):
            table = model.__table__
            return sorted(tuple(row) for row in db.session.execute(select(*table.columns)))

        return {
            m.__name__: rows(m)
            for m in (Provider, Offering, OfferingTag, OfferingSession, AuditEvent)
        }


def test_seed_demo_twice_changes_nothing(app, runner):
    """Does running seed-demo again leave every row exactly as it was?"""
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "offerings created" in first.output
    before = snapshot(app)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "created" not in second.output and "unchanged" in second.output
    assert snapshot(app) == before


def test_demo_catalogue_covers_the_escalator(app, runner, client):
    """Does the demo cover every level, format, sector and region, both ways for co-delivery and cost?"""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        ref = reference()
        offerings = db.session.scalars(select(Offering)).all()
        assert len(offerings) >= 40
        assert db.session.scalar(select(db.func.count()).select_from(Provider)) >= 12
        assert all(o.status == "published" for o in offerings)
        assert {o.level for o in offerings} == set(ref.escalator.keys)
        assert {o.format for o in offerings} == set(ref.formats.keys)
        assert {s for o in offerings for s in o.sectors} == set(ref.sectors.keys)
        assert {r for o in offerings for r in o.regions} == set(ref.regions.keys)
        assert {o.co_delivered for o in offerings} == {True, False}
        assert {o.is_free for o in offerings} == {True, False}
        assert {o.is_self_paced for o in offerings} == {True, False}
        dated = [o for o in offerings if o.sessions]
        assert all(o.upcoming_sessions for o in dated), "every dated demo offer has upcoming dates"
    # The done-when journey: co-delivered awareness training in a region.
    found = client.get(
        "/api/v1/offerings?level=awareness&co_delivered=1&region=east_of_england"
    ).json
    assert found["total"] >= 1 and found["items"][0]["sessions"]


def test_demo_dates_move_with_the_day_of_loading(app):
    """Loaded a week later, do the same sessions move a week, without new rows?"""
    from datetime import timedelta

    from academy.catalogue.demo import demo_path, load_demo
    from academy.timeutil import today

    with app.app_context():
        load_demo(demo_path(), on=today())
        db.session.commit()
        before = {s.id: s.starts_on for s in db.session.scalars(select(OfferingSession))}
        counts = load_demo(demo_path(), on=today() + timedelta(days=7))
        db.session.commit()
        after = {s.id: s.starts_on for s in db.session.scalars(select(OfferingSession))}
    assert set(after) == set(before)
    assert all(after[i] - before[i] == timedelta(days=7) for i in before)
    assert counts["offerings updated"] > 0 and "offerings created" not in counts


def test_demo_tags_use_known_vocabulary(app, runner):
    """Is every stored tag a key of its vocabulary?"""
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        ref = reference()
        vocab = {
            "audience": ref.audiences,
            "sector": ref.sectors,
            "ee_value": ref.ee_values,
            "region": ref.regions,
        }
        tags = Counter((t.facet, t.key) for t in db.session.scalars(select(OfferingTag)))
        assert tags
        for facet, key in tags:
            assert key in vocab[facet], (facet, key)


def test_demo_accounts_can_log_in_each_to_its_own_pages(app, runner, client, auth):
    """Does `seed-demo --accounts` make a learner with entries, a provider member and a curator,
    each able to log in with the printed password and reach the pages of their role?"""
    result = runner.invoke(args=WITH_ACCOUNTS)
    assert result.exit_code == 0, result.output
    assert f"password {DEMO_PASSWORD}" in result.output
    for email, _name, role in DEMO_ACCOUNTS:
        assert f"{role:<8}  {email}  (made now)" in result.output

    for email, page in (
        ("learner@example.org", "/portfolio/"),
        ("provider@example.org", "/provide/"),
        ("curator@example.org", "/review/"),
    ):
        assert auth.login(email, DEMO_PASSWORD).status_code == 302
        assert client.get(page).status_code == 200, email
        auth.logout()
    with app.app_context():
        learner = db.session.scalar(select(User).where(User.email == "learner@example.org"))
        entries = db.session.scalars(
            select(PortfolioEntry).where(PortfolioEntry.user_id == learner.id)
        ).all()
        assert len(entries) == 3
        assert all(entry.ends_on < today() for entry in entries), "done, not planned"
        assert sum(bool(entry.learning) for entry in entries) == 1


def test_demo_accounts_twice_change_nothing_and_are_not_made_without_the_flag(app, runner):
    """Does a second `--accounts` leave the accounts as they are, and plain seed-demo make none?"""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 0
    assert runner.invoke(args=WITH_ACCOUNTS).exit_code == 0
    with app.app_context():
        hashes = dict(db.session.execute(select(User.email, User.password_hash)).all())
        entries = db.session.scalar(select(db.func.count()).select_from(PortfolioEntry))
    again = runner.invoke(args=WITH_ACCOUNTS)
    assert again.exit_code == 0 and again.output.count("(already there)") == 3
    with app.app_context():
        assert dict(db.session.execute(select(User.email, User.password_hash)).all()) == hashes
        assert db.session.scalar(select(db.func.count()).select_from(PortfolioEntry)) == entries


def test_demo_accounts_are_refused_on_postgresql_unless_asked(app, runner):
    """On PostgreSQL (how the Academy runs in production), is `--accounts` refused, with nothing
    loaded, unless `--allow-postgres` is given too?"""
    with app.app_context():
        on_postgres = db.engine.dialect.name == "postgresql"
    refused = runner.invoke(args=["seed-demo", "--accounts"])
    with app.app_context():
        users = db.session.scalar(select(db.func.count()).select_from(User))
        offerings = db.session.scalar(select(db.func.count()).select_from(Offering))
    if on_postgres:
        assert refused.exit_code == 2 and "--allow-postgres" in refused.output
        assert (users, offerings) == (0, 0)
        allowed = runner.invoke(args=["seed-demo", "--accounts", "--allow-postgres"])
        assert allowed.exit_code == 0, allowed.output
        with app.app_context():
            assert db.session.scalar(select(db.func.count()).select_from(User)) == 3
    else:
        assert refused.exit_code == 0, refused.output
        assert users == 3 and offerings > 0
