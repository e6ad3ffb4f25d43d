"""A portfolio's figures and the position rule, against hand-worked numbers."""

from __future__ import annotations

from datetime import date

import pytest

from academy.escalator.position import position_of
from academy.portfolios.models import PortfolioEntry
from academy.portfolios.summary import monthly_hours, summarise
from academy.reference import reference

LEVELS = ["ground", "awareness", "understanding", "expertise", "leadership"]


def entry(
    start: date,
    hours: float,
    *,
    participatory=0.0,
    level=None,
    format=None,
    co_delivered=False,
    learning="",
):
    """An unsaved entry: summaries only read attributes."""
    return PortfolioEntry(
        starts_on=start,
        ends_on=start,
        hours=hours,
        participatory_hours=participatory,
        level=level,
        format=format,
        co_delivered=co_delivered,
        learning=learning,
        practice_change="",
    )


def test_figures_add_up_by_level_year_and_format():
    """Do totals, participatory hours, the co-delivered share and each breakdown add up?"""
    entries = [
        entry(
            date(2026, 3, 1),
            6.5,
            participatory=6.5,
            level="awareness",
            format="workshop",
            co_delivered=True,
            learning="Listening first.",
        ),
        entry(date(2026, 1, 9), 2, level=None, format="self_paced"),
        entry(
            date(2025, 11, 2),
            14,
            participatory=10,
            level="understanding",
            format="short_course",
            co_delivered=True,
        ),
        entry(date(2024, 5, 5), 1.5, participatory=1.5, level="awareness", format="workshop"),
    ]
    summary = summarise(entries, LEVELS)
    assert summary.entries == 4
    assert summary.hours == 24.0
    assert summary.participatory_hours == 18.0
    assert summary.co_delivered_hours == 20.5
    assert summary.co_delivered_share == pytest.approx(20.5 / 24)
    assert summary.reflections == 1
    assert list(summary.by_level.items()) == [
        ("awareness", 8.0),
        ("understanding", 14.0),
        (None, 2.0),
    ]
    assert list(summary.by_year.items()) == [(2026, 8.5), (2025, 14.0), (2024, 1.5)]
    assert list(summary.by_format.items()) == [
        ("short_course", 14.0),
        ("workshop", 8.0),
        ("self_paced", 2.0),
    ]


def test_an_empty_portfolio_has_no_share_to_divide():
    """Is the co-delivered share of nothing zero rather than an error?"""
    summary = summarise([], LEVELS)
    assert (summary.hours, summary.co_delivered_share, summary.by_level) == (0, 0.0, {})


def test_hours_per_month_cover_two_years_ending_this_month():
    """Are there 24 months ending with the given one, each with its hours, older ones left out?"""
    entries = [
        entry(date(2026, 11, 3), 3),
        entry(date(2026, 11, 20), 1),
        entry(date(2025, 1, 31), 2),
        entry(date(2024, 11, 30), 9),
    ]
    months = monthly_hours(entries, date(2026, 11, 22))
    assert len(months) == 24
    assert months[0] == (date(2024, 12, 1), 0.0)
    assert months[-1] == (date(2026, 11, 1), 4.0)
    assert dict(months)[date(2025, 1, 1)] == 2.0
    assert sum(hours for _, hours in months) == 6.0


@pytest.mark.parametrize(
    ("hours_by_level", "expected"),
    [
        ({}, "ground"),
        ({None: 500.0}, "ground"),
        ({"awareness": 5.99}, "ground"),
        ({"awareness": 6.0}, "awareness"),
        ({"awareness": 6.0, "understanding": 29.0}, "awareness"),
        ({"understanding": 30.0}, "understanding"),
        ({"awareness": 50.0, "understanding": 10.0, "expertise": 20.0}, "understanding"),
        ({"expertise": 59.5}, "understanding"),
        ({"expertise": 60.0}, "expertise"),
        ({"expertise": 50.0, "leadership": 10.0}, "expertise"),
        ({"leadership": 17.0}, "awareness"),
        ({"leadership": 18.0}, "leadership"),
    ],
    ids=[
        "nothing",
        "only-not-sure",
        "just-under-awareness",
        "awareness-exactly",
        "understanding-short",
        "understanding-exactly",
        "higher-hours-count-down",
        "expertise-short",
        "expertise-exactly",
        "leadership-counts-towards-expertise",
        "leadership-short",
        "leadership-exactly",
    ],
)
def test_the_position_rule_at_each_threshold(app, hours_by_level, expected):
    """Does each threshold in data/escalator.toml put the learner on the right step?"""
    with app.app_context():
        position = position_of(hours_by_level, reference().escalator)
    assert position.level.key == expected
    assert [check.level.key for check in position.checks] == LEVELS


def test_the_position_says_why(app):
    """Does the explanation name the hours counted and the hours needed?"""
    with app.app_context():
        position = position_of({"awareness": 6.5, "understanding": 3}, reference().escalator)
    assert position.explanation == (
        "You have recorded 9.5 hours at Awareness or above; Awareness needs 6."
    )
