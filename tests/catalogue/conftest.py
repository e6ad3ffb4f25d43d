"""A small, varied catalogue for search tests."""

from __future__ import annotations

import pytest

from tests.factories import gen_offering, gen_provider


@pytest.fixture
def catalogue(app):
    """Nine offerings with known facets; returns their slugs by short name."""
    with app.app_context():
        kuf = gen_provider("KUF Hub", slug="kuf-hub")
        lived = gen_provider("Lived Voices", slug="lived-voices", user_led=True)
        made = {
            "awareness_london": gen_offering(
                kuf,
                title="Personality disorder awareness",
                summary="Three co-delivered days on working with personality disorder.",
                level="awareness",
                format="short_course",
                co_delivered=True,
                co_designed=True,
                sectors=["health", "criminal_justice"],
                audiences=["open_to_all"],
                ee_values=["belonging"],
                sessions=[10, 40],
            ),
            "awareness_online": gen_offering(
                kuf,
                title="Awareness modules online",
                summary="Self-paced modules introducing relational practice.",
                level="awareness",
                format="self_paced",
                sectors=["health"],
                cost_pence=0,
            ),
            "dialogue": gen_offering(
                lived,
                title="Open Dialogue foundation",
                summary="Network meetings and dialogic practice.",
                description="An introduction to Open Dialogue for teams and peer workers.",
                level="understanding",
                format="live_online",
                cost_pence=45000,
                co_delivered=True,
                lived_experience_led=True,
                sectors=["mental_health"],
                audiences=["peer_workers", "nurses"],
                sessions=[
                    {
                        "starts_on": _day(100),
                        "ends_on": _day(101),
                        "online": True,
                        "region": "online",
                    }
                ],
            ),
            "module": gen_offering(
                kuf,
                title="People, personality and disorder",
                summary="A 15-credit university module.",
                description="Covers personality disorder, attachment and mentalization.",
                level="expertise",
                format="accredited_module",
                cost_pence=120000,
                credit_value=15,
                credit_scheme="cats",
                academic_level="fheq_7",
                sectors=["health", "education"],
                sessions=[
                    {
                        "starts_on": _day(200),
                        "ends_on": _day(205),
                        "region": "east_midlands",
                        "venue": "Lincoln",
                    }
                ],
            ),
            "leading": gen_offering(
                lived,
                title="Leading relational environments",
                summary="For managers of prisons and probation services.",
                level="leadership",
                format="workshop",
                cost_pence=5000,
                sectors=["criminal_justice"],
                audiences=["managers"],
                ee_values=["leadership", "safety"],
                sessions=[5],
            ),
            "talk": gen_offering(
                kuf,
                title="What is relational practice? An open talk",
                summary="An evening talk for anyone curious.",
                level="ground",
                format="talk",
                sectors=["voluntary"],
                sessions=[20],
            ),
            # Never visible: not published.
            "draft": gen_offering(kuf, title="Draft awareness day", status="draft", sessions=[10]),
            "submitted": gen_offering(kuf, title="Submitted awareness day", status="submitted"),
            "withdrawn": gen_offering(lived, title="Withdrawn awareness day", status="withdrawn"),
        }
        return {name: offering.slug for name, offering in made.items()}


def _day(offset: int):
    from datetime import timedelta

    from academy.timeutil import today

    return today() + timedelta(days=offset)
