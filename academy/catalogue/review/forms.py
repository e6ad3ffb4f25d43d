"""Forms for curators: the notes and reasons a provider reads."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


def reason_field(label: str, hint: str) -> TextAreaField:
    """A curator's notes or reason, which the provider will read."""
    return TextAreaField(
        label,
        validators=[
            DataRequired("Write a note for the provider."),
            Length(max=2000, message="Use at most 2,000 characters."),
        ],
        description=hint,
    )


class ReturnForm(FlaskForm):
    """Send a submitted offer back with notes."""

    reason = reason_field(
        "What should the provider change?", "The provider sees these notes beside the offer."
    )


class UnpublishForm(FlaskForm):
    """Take a live offer down, with a reason."""

    reason = reason_field(
        "Why are you unpublishing it?", "The provider sees this and can change and resubmit."
    )


class DeclineForm(FlaskForm):
    """Turn an organisation down, with a reason."""

    reason = reason_field(
        "Why are you declining the organisation?",
        "Its members see this and can change their details and ask again.",
    )
