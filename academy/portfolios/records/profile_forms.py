"""Choosing record profiles and their renewal dates, in the learner's profile.

One tick and one date per profile in data/record_profiles.toml, so a new
profile there appears here with no code. A date is checked against what the
profile means by it: required where the period hangs on it (NMC, HCPC...),
not in the past (the period would end before today: enter the next one), at
most five years ahead, and for Social Work England within its renewal window
(1 September to 30 November, the end of the registration year). The general
record's appraisal date is optional and may be past: a record for an
appraisal that has happened is still a record.
"""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField

from academy.forms import DATE_FORMATS
from academy.portfolios.records.periods import months_before
from academy.reference import RecordProfile, reference
from academy.timeutil import today

#: How far ahead a renewal date may be.
MAX_YEARS_AHEAD = 5
#: Social Work England: renewal opens on 1 September and closes on 30 November.
SWE_WINDOW_OPENS = (9, 1)


class _DateField(DateField):
    """A date as the browser's date box sends it, or typed as 31/01/2027, in plain words."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None  # a date box left empty
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter a real date, for example 31/01/2027.") from error


class RecordsForm(FlaskForm):
    """Which record profiles a learner keeps, each with its date; `chosen` once valid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: {profile key: date or None} once the form is valid.
        self.chosen: dict[str, date | None] = {}

    def pairs(self):
        """(profile, its tick, its date field) for each profile, in the order of data/."""
        for profile in reference().record_profiles:
            yield profile, self[f"{profile.key}_chosen"], self[f"{profile.key}_renews_on"]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        chosen = {}
        for profile, tick, when in self.pairs():
            if when.errors or not tick.data:
                continue  # a date without its tick is ignored
            problem = date_problem(profile, when.data, today())
            if problem:
                when.errors = [problem]
                ok = False
            chosen[profile.key] = when.data
        self.chosen = chosen if ok else {}
        return ok and not any(when.errors for _, _, when in self.pairs())


def date_problem(profile: RecordProfile, renews_on: date | None, on: date) -> str | None:
    """What is wrong with a renewal date for a profile, in plain words, or None."""
    name = profile.short_label
    if renews_on is None:
        if profile.date_required:
            return f"Enter your {name} renewal date: your record covers the period before it."
        return None
    if renews_on > _years_ahead(on, MAX_YEARS_AHEAD):
        return f"Enter a date in the next {MAX_YEARS_AHEAD} years."
    if not profile.date_required:
        return None
    if renews_on < on:
        return f"Your {name} renewal date has passed: enter your next one."
    if profile.year_ending is not None:
        month, day = profile.year_ending
        opens = date(renews_on.year, *SWE_WINDOW_OPENS)
        if not opens <= renews_on <= date(renews_on.year, month, day):
            return (
                f"{name} renewal is between {opens.day} {opens:%B} and {day} "
                f"{date(2000, month, 1):%B}: enter a date in that window."
            )
    return None


def _years_ahead(day: date, years: int) -> date:
    return months_before(day, -12 * years)


def records_form_class() -> type[RecordsForm]:
    """The form with a tick and a date for every profile in data/ (built once per call)."""
    fields = {}
    for profile in reference().record_profiles:
        tick = BooleanField(profile.label, description=profile.description)
        fields[f"{profile.key}_chosen"] = tick
        fields[f"{profile.key}_renews_on"] = _DateField(
            profile.date_label, format=DATE_FORMATS, description=period_hint(profile)
        )
    return type("ProfileRecordsForm", (RecordsForm,), fields)


def period_hint(profile: RecordProfile) -> str:
    """What the date sets, in words: "Your record covers the 36 months before this date"."""
    if profile.year_ending is not None:
        month, day = profile.year_ending
        return (
            f"Your record covers the registration year ending on {day} "
            f"{date(2000, month, 1):%B} of that year. For example, 30/11/2027."
        )
    months = profile.months or 12
    span = f"{months // 12} years" if months % 12 == 0 and months > 12 else f"{months} months"
    when = "before this date" if profile.date_required else "before this date, or up to today"
    return f"Your record covers the {span} {when}. For example, 31/01/2027."
