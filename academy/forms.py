"""Form fields every feature shares: yes/no questions, checkboxes, web addresses, dates,
optional selects and vocabulary choices, and the form of a button that changes state."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, URLField
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional, ValidationError

YES_NO = [("yes", "Yes"), ("no", "No")]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_HINT = "For example, 31/01/2027."


def web_address(label: str, *, required: bool = False, **kwargs) -> URLField:
    """A web address field that accepts only http and https links."""
    presence = DataRequired(f"Enter the {label.lower()}.") if required else Optional()
    return URLField(
        label,
        validators=[
            presence,
            Length(max=500, message="Use a web address of at most 500 characters."),
            URL(require_tld=True, message="Enter a web address like https://www.example.org/"),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        **kwargs,
    )


def check_http(field) -> None:
    """Refuse javascript:, data: and other schemes a browser would run."""
    if field.data and not field.data.lower().startswith(("http://", "https://")):
        raise ValidationError("Enter a web address that starts with https:// or http://")


class YesNoField(RadioField):
    """A yes/no question whose stored value is a bool: True shows as "yes"."""

    def process_data(self, value) -> None:
        if isinstance(value, bool):
            value = "yes" if value else "no"
        super().process_data(value)

    @property
    def answer(self) -> bool:
        """Whether the answer was yes."""
        return self.data == "yes"


def yes_no(label: str, *, description: str = "") -> YesNoField:
    """A required yes/no question."""
    return YesNoField(
        label,
        choices=YES_NO,
        validators=[InputRequired("Answer yes or no.")],
        description=description,
    )


def strip(value):
    """Surrounding spaces off a text value (a field filter)."""
    return value.strip() if isinstance(value, str) else value


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes (the template draws them)."""


def vocabulary_choices(vocabulary, blank: str) -> list[tuple[str, str]]:
    """Choices for a select: a blank first, then every term by key and label."""
    return [("", blank), *((t.key, t.label) for t in vocabulary)]


class OptionalSelectField(SelectField):
    """A select with a blank first choice meaning "not given" (None in the database)."""

    def process_data(self, value) -> None:
        super().process_data("" if value is None else value)
