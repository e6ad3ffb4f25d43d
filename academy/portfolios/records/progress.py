"""Progress against the learner's chosen record profiles, for /portfolio/.

One light query for the facts of the entries since the earliest period starts
(`queries.profile_facts`: dates, hours, type and a flag per written field,
never the writing) and one for the choices, however many profiles are chosen.
"""

from __future__ import annotations

from academy.accounts.models import User
from academy.portfolios.queries import profile_choices_of, profile_facts
from academy.portfolios.records.periods import ProfileProgress, period_for, progress
from academy.reference import reference
from academy.timeutil import today


def progress_for(user: User) -> list[ProfileProgress]:
    """One ProfileProgress per profile the learner chose, in the order of data/."""
    profiles = reference().record_profiles
    chosen = {choice.profile: choice.renews_on for choice in profile_choices_of(user)}
    on = today()
    periods = [
        (profile, period_for(profile, chosen[profile.key], on))
        for profile in profiles
        if profile.key in chosen
    ]
    if not periods:
        return []
    facts = profile_facts(user, since=min(period.starts_on for _, period in periods))
    return [progress(profile, facts, period, on) for profile, period in periods]
