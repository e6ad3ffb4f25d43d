"""Record profiles: choosing them and their dates, the requirement arithmetic, progress on /portfolio/."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from academy.accounts.operations import find_user
from academy.extensions import db
from academy.portfolios.entries.operations import choose_profiles
from academy.portfolios.queries import profile_choices_of
from academy.portfolios.records.periods import credits_by_entry, period_for, progress
from academy.portfolios.records.profile_forms import date_problem
from academy.reference import reference
from academy.timeutil import today
from tests.conftest import csrf_token
from tests.factories import gen_entry, gen_user

WRITTEN = {"description": True, "learning": True, "practice_change": True, "standards_link": True}
_ids = iter(range(1, 10_000))


def row(start: date, hours: float = 1, *, days: int = 1, participatory=None, kind="workshop", **w):
    """A fact row as queries.profile_facts gives it: dates, hours, type, written flags."""
    written = {"description": False, "learning": False, "practice_change": False}
    written |= {"standards_link": False, "peer_discussion": False, **w}
    return SimpleNamespace(
        id=next(_ids),
        title=f"Row {start}",
        starts_on=start,
        ends_on=start + timedelta(days=days - 1),
        hours=hours,
        participatory_hours=hours if participatory is None else participatory,
        activity_type=kind,
        **written,
    )


def profile(key: str):
    return reference().record_profiles.get(key)


def measured(key: str, rows, renews_on: date, on: date | None = None):
    """{requirement kind: (have, met)} for a profile's period ending at renews_on."""
    p = profile(key)
    result = progress(p, rows, period_for(p, renews_on, on or renews_on), on or renews_on)
    return {item.requirement.kind: (item.have, item.met) for item in result.items}


# --- periods -----------------------------------------------------------------------------


def test_nmc_covers_the_three_years_before_renewal_including_a_leap_day(app):
    with app.app_context():
        period = period_for(profile("nmc"), date(2028, 2, 29), date(2026, 1, 1))
        assert (period.starts_on, period.ends_on) == (date(2025, 3, 1), date(2028, 2, 29))
        period = period_for(profile("nmc"), date(2027, 5, 1), date(2026, 1, 1))
        assert (period.starts_on, period.ends_on) == (date(2024, 5, 2), date(2027, 5, 1))


def test_social_work_england_is_the_registration_year_to_30_november(app):
    with app.app_context():
        swe = profile("swe")
        with_date = period_for(swe, date(2027, 11, 1), date(2026, 1, 1))
        assert (with_date.starts_on, with_date.ends_on) == (date(2026, 12, 1), date(2027, 11, 30))
        before = period_for(swe, None, date(2026, 11, 30))
        assert (before.starts_on, before.ends_on) == (date(2025, 12, 1), date(2026, 11, 30))
        after = period_for(swe, None, date(2026, 12, 1))
        assert (after.starts_on, after.ends_on) == (date(2026, 12, 1), date(2027, 11, 30))


def test_general_runs_twelve_months_to_the_date_or_to_today(app):
    with app.app_context():
        general = profile("general")
        assert period_for(general, None, date(2026, 11, 23)).starts_on == date(2025, 11, 24)
        dated = period_for(general, date(2026, 3, 31), date(2026, 11, 23))
        assert (dated.starts_on, dated.ends_on) == (date(2025, 4, 1), date(2026, 3, 31))


# --- requirement arithmetic, at and around each threshold ----------------------------------

RENEWAL = date(2027, 5, 1)  # NMC period: 2 May 2024 to 1 May 2027


@pytest.mark.parametrize("hours, met", [(34.5, False), (35, True), (35.5, True)])
def test_nmc_hours_at_35(app, hours, met):
    with app.app_context():
        rows = [row(date(2026, 1, 5), hours - 5, participatory=0), row(date(2024, 5, 2), 5)]
        rows.append(row(date(2024, 5, 1), 100))  # the day before the period: not counted
        assert measured("nmc", rows, RENEWAL)["hours"] == (hours, met)


@pytest.mark.parametrize("participatory, met", [(19, False), (20, True), (21, True)])
def test_nmc_participatory_hours_at_20(app, participatory, met):
    with app.app_context():
        rows = [row(date(2027, 5, 1), 30, participatory=participatory)]  # the period's last day
        rows.append(row(date(2027, 5, 2), 30))  # after it
        assert measured("nmc", rows, RENEWAL)["participatory_hours"] == (participatory, met)


@pytest.mark.parametrize("accounts, met", [(4, False), (5, True)])
def test_nmc_reflective_accounts_need_all_four_parts_written(app, accounts, met):
    with app.app_context():
        rows = [row(date(2025, 1, day + 1), **WRITTEN) for day in range(accounts)]
        rows.append(row(date(2025, 2, 1), **{**WRITTEN, "standards_link": False}))
        result = progress(
            profile("nmc"), rows, period_for(profile("nmc"), RENEWAL, RENEWAL), RENEWAL
        )
        item = next(i for i in result.items if i.requirement.kind == "reflective_accounts")
        assert (item.have, item.met) == (accounts, met)
        assert [entry.id for entry in item.could_count] == [rows[-1].id]
        assert item.missing_text.startswith("1 more reflective accounts" if not met else "0 more")


def test_rcpsych_credits_are_an_hour_each_capped_at_six_a_day(app):
    with app.app_context():
        long_day = row(date(2026, 6, 1), 8)  # 8 hours on one day: 6 credits
        shared_a, shared_b = row(date(2026, 6, 2), 4), row(date(2026, 6, 2), 4)  # 3 each
        two_days = row(date(2026, 6, 3), 12, days=2)  # 6 + 6
        short = row(date(2026, 6, 5), 2.5)
        credits = credits_by_entry([long_day, shared_a, shared_b, two_days, short])
        assert credits == {
            long_day.id: 6,
            shared_a.id: 3,
            shared_b.id: 3,
            two_days.id: 12,
            short.id: 2.5,
        }
        rows = [long_day, shared_a, shared_b, two_days, short]
        assert measured("rcpsych", rows, date(2027, 1, 31))["credits"] == (26.5, False)
        rows += [row(date(2026, 7, day), 6) for day in range(1, 5)]  # 24 more: 50.5
        assert measured("rcpsych", rows, date(2027, 1, 31))["credits"] == (50.5, True)


def test_hcpc_asks_for_two_kinds_of_activity_and_four_statements(app):
    with app.app_context():
        statement = {"description": True, "learning": True, "practice_change": True}
        rows = [row(date(2026, 1, day), kind="course", **statement) for day in (1, 2, 3)]
        result = measured("hcpc", rows, RENEWAL)
        assert result["activity_types"] == (1, False)
        assert result["reflective_accounts"] == (3, False)
        rows.append(row(date(2026, 1, 4), kind="reading", **statement))
        result = measured("hcpc", rows, RENEWAL)
        assert result["activity_types"] == (2, True)
        assert result["reflective_accounts"] == (4, True)


def test_social_work_england_needs_two_pieces_and_one_with_a_peer(app):
    with app.app_context():
        piece = {"description": True, "learning": True, "practice_change": True}
        rows = [row(date(2027, 1, 10), **piece)]
        result = measured("swe", rows, date(2027, 11, 30))
        assert result == {"pieces": (1, False), "peer_reflections": (0, False)}
        rows.append(row(date(2027, 11, 30), **piece, peer_discussion=True))
        rows.append(row(date(2026, 11, 30), **piece, peer_discussion=True))  # the year before
        result = measured("swe", rows, date(2027, 11, 30))
        assert result == {"pieces": (2, True), "peer_reflections": (1, True)}


# --- the date rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, renews_on, problem",
    [
        ("nmc", None, "Enter your NMC renewal date"),
        ("nmc", date(2026, 11, 22), "Your NMC renewal date has passed"),
        ("nmc", date(2026, 11, 23), None),
        ("nmc", date(2031, 11, 23), None),
        ("nmc", date(2031, 11, 24), "Enter a date in the next 5 years"),
        ("swe", date(2027, 8, 31), "Social Work England renewal is between 1 September and 30"),
        ("swe", date(2027, 9, 1), None),
        ("swe", date(2027, 11, 30), None),
        ("swe", date(2027, 12, 1), "Social Work England renewal is between"),
        ("general", None, None),
        ("general", date(2026, 3, 1), None),  # an appraisal that happened: still a record
        ("general", date(2032, 1, 1), "Enter a date in the next 5 years"),
    ],
)
def test_renewal_dates(app, key, renews_on, problem):
    with app.app_context():
        found = date_problem(profile(key), renews_on, date(2026, 11, 23))
        assert (found or "").startswith(problem or "") and bool(found) == bool(problem), found


# --- the form ------------------------------------------------------------------------------


@pytest.fixture
def sam(app, client, auth):
    with app.app_context():
        gen_user("sam@example.org", name="Sam Learner")
    auth.login("sam@example.org")


def send(client, data: dict):
    """Post the records form as a browser does: every date box, empty unless filled."""
    token = csrf_token(client, "/accounts/profile")
    boxes = {f"{key}_renews_on": "" for key in ("general", "nmc", "hcpc", "swe", "rcpsych")}
    return client.post(
        "/accounts/profile/records",
        data={
            "records-csrf_token": token,
            **{f"records-{k}": v for k, v in {**boxes, **data}.items()},
        },
    )


def chosen(app) -> dict:
    with app.app_context():
        user = find_user("sam@example.org")
        return {choice.profile: choice.renews_on for choice in profile_choices_of(user)}


def test_choosing_records_saves_them_and_unticking_removes(app, client, sam):
    renewal = today() + timedelta(days=94)
    response = send(
        client,
        {"nmc_chosen": "y", "nmc_renews_on": renewal.isoformat(), "general_chosen": "y"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/accounts/profile#records")
    assert chosen(app) == {"nmc": renewal, "general": None}
    page = client.get("/accounts/profile").get_data(as_text=True)
    assert f'value="{renewal.isoformat()}"' in page
    assert send(client, {"general_chosen": "y", "nmc_renews_on": "2030-01-01"}).status_code == 302
    assert chosen(app) == {"general": None}  # a date without its tick is ignored


@pytest.mark.parametrize(
    "data, message",
    [
        ({"nmc_chosen": "y"}, "Enter your NMC renewal date"),
        ({"nmc_chosen": "y", "nmc_renews_on": "2020-01-01"}, "Your NMC renewal date has passed"),
        ({"nmc_chosen": "y", "nmc_renews_on": "31/02/2027"}, "Enter a real date"),
        ({"hcpc_chosen": "y", "hcpc_renews_on": "next year"}, "Enter a real date"),
        ({"hcpc_chosen": "y", "hcpc_renews_on": "2099-01-01"}, "Enter a date in the next 5 years"),
        ({"swe_chosen": "y", "swe_renews_on": "2027-05-01"}, "between 1 September and 30 November"),
    ],
)
def test_a_bad_date_is_named_beside_its_field_and_nothing_is_saved(app, client, sam, data, message):
    with app.app_context():
        choose_profiles(find_user("sam@example.org"), {"general": None})
        db.session.commit()
    response = send(client, {**data, "rcpsych_chosen": "y", "rcpsych_renews_on": "2027-01-31"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    key = next(iter(data)).split("_")[0]
    error = re.search(rf'id="records-{key}_renews_on-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert chosen(app) == {"general": None}


def test_the_records_form_needs_its_csrf_token(app, client, sam):
    response = client.post("/accounts/profile/records", data={"records-general_chosen": "y"})
    assert response.status_code == 400
    assert chosen(app) == {}


def test_the_records_form_needs_logging_in(client):
    response = client.get("/accounts/profile/records")
    assert response.status_code == 302 and "/accounts/login" in response.headers["Location"]
    assert client.post("/accounts/profile/records", data={}).status_code == 400  # no token


# --- progress on /portfolio/ ---------------------------------------------------------------


def test_the_portfolio_shows_progress_and_links_what_would_count(app, client, sam):
    renewal = today() + timedelta(days=94)
    with app.app_context():
        user = find_user("sam@example.org")
        choose_profiles(user, {"nmc": renewal})
        db.session.commit()
        start = today() - timedelta(days=30)
        gen_entry(user, title="Day one", starts_on=start, hours=20, participatory_hours=12)
        unfinished = gen_entry(
            user,
            title="Half written",
            starts_on=start,
            hours=8,
            participatory_hours=3,
            learning="Something.",
        )
        unfinished_id = unfinished.id
        other = gen_user("alex@example.org")
        gen_entry(other, title="Alex's day", starts_on=start, hours=30)
    page = client.get("/portfolio/").get_data(as_text=True)
    section = page[
        page.index('id="records-heading"') : page.index(
            "</section>", page.index('id="records-heading"')
        )
    ]
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert "28 of 35 hours · 15 of 20 participatory · 0 of 5 reflective accounts" in text
    assert "renewal in 94 days" in text
    assert "7 more hours of CPD dated in the period." in text
    assert f'/portfolio/entries/{unfinished_id}/edit">Half written</a>' in section
    assert "Alex" not in section
    assert "/portfolio/export.pdf?profile=nmc" in section


def test_without_a_choice_the_portfolio_invites_one(app, client, sam):
    page = client.get("/portfolio/").get_data(as_text=True)
    assert "Choose your records in your profile" in page
