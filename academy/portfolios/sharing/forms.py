"""The form for making a share link: a label, what it shows, and how many days it works."""

from __future__ import annotations

import re
import unicodedata

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, ValidationError

from academy.accounts.models import User
from academy.portfolios.queries import profile_choices_of
from academy.portfolios.records.periods import period_for
from academy.portfolios.sharing.operations import DEFAULT_DAYS, LABEL_MAX, MAX_DAYS, scope_text
from academy.reference import reference
from academy.timeutil import today

WHOLE = "whole"
_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,7}")


class ShareForm(FlaskForm):
    """A new share link; once valid, `profile_key` and `days_value` hold what was chosen."""

    label = StringField(
        "Label (optional)",
        validators=[Length(max=LABEL_MAX, message=f"Keep the label to {LABEL_MAX} characters.")],
        description="So you can tell your links apart, like “For my appraisal with Sam”. "
        "Only you see it.",
    )
    scope = SelectField("What the link shows", default=WHOLE, validate_choice=False)
    days = StringField(
        "Days until the link stops working",
        default=str(DEFAULT_DAYS),
        description=f"A whole number from 1 to {MAX_DAYS}. You can withdraw the link sooner.",
        render_kw={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"},
    )

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope.choices = scope_choices(user)
        self.days_value: int | None = None

    @property
    def profile_key(self) -> str | None:
        """The chosen profile's key, or None for the whole portfolio."""
        return None if self.scope.data == WHOLE else self.scope.data

    def validate_label(self, field) -> None:
        """Printable text: a control character (a NUL, say) is refused, not stored."""
        if any(unicodedata.category(ch) == "Cc" for ch in field.data or ""):
            raise ValidationError("Use only letters, numbers, spaces and punctuation in the label.")

    def validate_scope(self, field) -> None:
        """The whole portfolio or a record profile (any in data/, chosen or not)."""
        if field.data != WHOLE and field.data not in reference().record_profiles:
            raise ValidationError("Choose what the link shows from the list.")

    def validate_days(self, field) -> None:
        """A whole number of days from 1 to MAX_DAYS."""
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(
                f"Enter how many days the link should work, from 1 to {MAX_DAYS}."
            )
        if not _WHOLE_NUMBER.fullmatch(text):
            if re.fullmatch(r"[+-]?\d+", text):  # too many digits to be a number of days
                raise ValidationError(f"A link can work for 1 to {MAX_DAYS} days.")
            raise ValidationError("Enter the number of days as a whole number, like 30.")
        days = int(text)
        if not 1 <= days <= MAX_DAYS:
            raise ValidationError(f"A link can work for 1 to {MAX_DAYS} days.")
        self.days_value = days


def scope_choices(user: User) -> list[tuple[str, str]]:
    """The whole portfolio, then each record profile the learner chose, with today's period."""
    profiles = reference().record_profiles
    choices = [(WHOLE, "Whole portfolio: every activity, including ones you record later")]
    # One query: each choice carries its renewal date (records.scope_for would ask again).
    for choice in profile_choices_of(user):
        profile = profiles.get(choice.profile)
        if profile is None:
            continue  # a profile since taken out of data/
        period = period_for(profile, choice.renews_on, today())
        label = scope_text(choice.profile, period.starts_on, period.ends_on)
        choices.append((choice.profile, label))
    return choices
