"""The portfolio entry form: a completed activity and the learner's reflections on it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from academy.forms import (
    DATE_FORMATS,
    CheckboxesField,
    OptionalSelectField,
    vocabulary_choices,
    yes_no,
)
from academy.portfolios.confirmation.operations import CONFIRMED_FACTS, changed_facts
from academy.portfolios.entries.rules import MAX_HOURS, MAX_REFLECTION, entry_problems
from academy.portfolios.models import PortfolioEntry
from academy.reference import reference

NOT_SURE = "not_sure"
UNDERSTOOD = "yes"


def _refuse(field, message: str) -> None:
    """Give a field its first error (a field shows one problem at a time)."""
    if not field.errors:
        field.errors = [message]


def reflection(label: str, description: str = "") -> TextAreaField:
    """A free-text reflection, optional, of a sensible length."""
    return TextAreaField(
        label,
        validators=[
            Optional(),
            Length(max=MAX_REFLECTION, message=f"Use at most {MAX_REFLECTION:,} characters."),
        ],
        description=description,
    )


def hours_field(label: str, description: str) -> DecimalField:
    """A number of hours, from 0 to 10,000."""
    return DecimalField(
        label,
        places=None,
        validators=[
            InputRequired("Enter the number of hours, for example 6.5."),
            NumberRange(
                min=0, max=MAX_HOURS, message=f"Enter a number of hours from 0 to {MAX_HOURS:,}."
            ),
        ],
        description=description,
    )


class EntryForm(FlaskForm):
    """What you did, when, for how long, at which level, and what you made of it."""

    title = StringField(
        "What was the activity called?",
        validators=[DataRequired("Enter the name of the activity."), Length(max=200)],
    )
    provider_name = StringField(
        "Who ran it? (optional)",
        validators=[Length(max=200)],
        description="The organisation or person, for example Anna Freud Centre.",
    )
    activity_type = SelectField(
        "Type of activity", validators=[InputRequired("Choose the type of activity.")]
    )
    starts_on = DateField(
        "Start date",
        format=DATE_FORMATS,
        validators=[InputRequired("Enter the date it started.")],
        description="For example, 31/01/2027.",
    )
    ends_on = DateField(
        "End date",
        format=DATE_FORMATS,
        validators=[InputRequired("Enter the date it ended.")],
        description="The same as the start date for a single day.",
    )
    hours = hours_field("Total hours", "The time you spent learning, for example 6.5.")
    participatory_hours = hours_field(
        "Participatory hours",
        "Of those, hours spent learning with other people, in person or online. "
        "Regulators such as the NMC ask for these.",
    )
    level = RadioField(
        "Level on the escalator",
        validators=[InputRequired("Choose a level, or Not sure.")],
        description="Levels guide; they never limit what you can record.",
    )
    format = OptionalSelectField("Format (optional)", validate_choice=True)
    co_delivered = yes_no(
        "Was it delivered together with a trainer who has lived experience?",
    )
    co_designed = yes_no("Was it designed together with people with lived experience?")
    description = reflection(
        "What was it, and why is it relevant to your work?",
        "Leave out anything that could identify a person you work with.",
    )
    learning = reflection("What did you learn?")
    practice_change = reflection("How did you change or improve your practice?")
    peer_discussion = reflection(
        "What did you learn from discussing it with a colleague? (optional)"
    )
    standards_link = reflection(
        "How does it relate to your professional standards? (optional)",
        "For example, the part of the NMC Code it relates to most.",
    )
    evidence = StringField(
        "Evidence (optional)",
        validators=[Length(max=500)],
        description="Where the evidence is: a certificate's name, a file reference or a web link.",
    )

    understand_unconfirm = CheckboxesField(
        "The provider's confirmation",
        choices=[(UNDERSTOOD, "I understand this removes the provider's confirmation")],
        description="Needed only if you change the dates, the hours or the participatory hours.",
    )

    def __init__(self, *args, confirmed: PortfolioEntry | None = None, **kwargs):
        """`confirmed`: the entry being changed, if its provider confirmed it."""
        super().__init__(*args, **kwargs)
        self.confirmed = confirmed
        ref = reference()
        self.activity_type.choices = [
            ("", "Choose the type"),
            *((t.key, t.label) for t in ref.activity_types),
        ]
        self.level.choices = [(level.key, level.name) for level in ref.escalator] + [
            (NOT_SURE, "Not sure")
        ]
        self.level.descriptions = {level.key: level.tagline for level in ref.escalator}
        self.format.choices = vocabulary_choices(ref.formats, "Not given")
        if not self.is_submitted() and self.level.data is None:
            self.level.data = NOT_SURE

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the checks that need several of them (see `rules`)."""
        valid = super().validate(extra_validators)
        problems = entry_problems(
            self.starts_on.data,
            self.ends_on.data,
            self.hours.data,
            self.participatory_hours.data,
        )
        for name, message in problems.items():
            _refuse(self[name], message)
        self._check_confirmation_kept_or_given_up()
        return valid and not any(field.errors for field in self)

    def _check_confirmation_kept_or_given_up(self) -> None:
        """Changing what a provider confirmed needs a tick saying the confirmation will go."""
        if self.confirmed is None or UNDERSTOOD in (self.understand_unconfirm.data or []):
            return
        values = {
            name: self[name].data
            for name in CONFIRMED_FACTS
            if name in self._fields and not self[name].errors
        }
        if changed_facts(self.confirmed, values):
            _refuse(
                self.understand_unconfirm,
                "You changed the dates or hours the provider confirmed. Tick the box to say "
                "you understand this removes their confirmation, or change them back.",
            )

    @property
    def entry_data(self) -> dict:
        """The fields as the operations take them."""

        def text(field) -> str:
            return (field.data or "").strip().replace("\r\n", "\n")

        return {
            "title": text(self.title),
            "provider_name": text(self.provider_name),
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "hours": float(self.hours.data),
            "participatory_hours": float(self.participatory_hours.data),
            "activity_type": self.activity_type.data,
            "level": None if self.level.data == NOT_SURE else self.level.data,
            "format": self.format.data or None,
            "co_delivered": self.co_delivered.answer,
            "co_designed": self.co_designed.answer,
            "description": text(self.description),
            "learning": text(self.learning),
            "practice_change": text(self.practice_change),
            "peer_discussion": text(self.peer_discussion),
            "standards_link": text(self.standards_link),
            "evidence": text(self.evidence),
        }
