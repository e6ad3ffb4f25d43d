"""Forms for providers: their organisation's details, members, offers and dates.

Each form turns its fields into the plain data the operations take
(`offering_data`, `session_data`, `provider_data`), so views stay short.
"""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from academy.accounts.operations import find_user
from academy.catalogue.operations import OFFERING_LIMITS as LIMITS
from academy.forms import (
    DATE_FORMATS,
    DATE_HINT,
    CheckboxesField,
    OptionalSelectField,
    check_http,
    strip,
    vocabulary_choices,
    web_address,
    yes_no,
)
from academy.reference import reference


class ProviderForm(FlaskForm):
    """An organisation that wants to list training, or its changed details."""

    name = StringField(
        "Name of the organisation",
        validators=[DataRequired("Enter the organisation's name."), Length(max=200)],
        filters=[strip],
    )
    website = web_address("Website (optional)")
    contact_email = EmailField(
        "Contact email for enquiries about your training",
        validators=[
            DataRequired("Enter a contact email address."),
            Email("Enter an email address like training@example.org.", check_deliverability=False),
            Length(max=254),
        ],
        filters=[strip],
        description="Shown on your public page so practitioners can ask questions.",
    )
    description = TextAreaField(
        "About the organisation",
        validators=[
            DataRequired("Say a little about the organisation."),
            Length(max=5000, message="Use at most 5,000 characters."),
        ],
        description="Who you are and the training you offer, in a few sentences.",
    )
    user_led = yes_no(
        "Is it a user-led organisation?",
        description="Run and controlled by people with lived experience of the services.",
    )

    def validate_website(self, field) -> None:
        """Only web links."""
        check_http(field)

    @property
    def provider_data(self) -> dict:
        """The fields as the operations take them."""
        return {
            "name": self.name.data,
            "website": self.website.data or None,
            "contact_email": self.contact_email.data.lower(),
            "description": self.description.data.strip(),
            "user_led": self.user_led.answer,
        }


class MemberForm(FlaskForm):
    """Add a registered user to a provider; `self.user` holds them once valid."""

    email = EmailField(
        "Email address of their Academy account",
        validators=[DataRequired("Enter the email address of their account.")],
        description="They need an account first: ask them to create one.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = None

    def validate_email(self, field) -> None:
        """The email must belong to an account."""
        self.user = find_user(field.data or "")
        if self.user is None:
            raise ValidationError(
                "No account uses this email address. Ask them to create an account, then add them."
            )


def at_most(length: int, message: str = "Use at most {:,} characters.") -> Length:
    """A limit on a text's length, with a message that gives it."""
    return Length(max=length, message=message.format(length))


def offering_hours_field(label: str, description: str) -> DecimalField:
    """Contact or CPD hours: optional, from 0 to the most an offering may have."""
    return DecimalField(
        label,
        places=None,
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=LIMITS.hours,
                message=f"Enter a number of hours from 0 to {LIMITS.hours:,}.",
            ),
        ],
        description=description,
    )


class OfferingForm(FlaskForm):
    """Every field of an offering, in plain questions."""

    title = StringField(
        "Title",
        validators=[DataRequired("Enter a title."), Length(max=LIMITS.title)],
        filters=[strip],
    )
    summary = TextAreaField(
        "Summary",
        validators=[
            DataRequired("Enter a one or two sentence summary."),
            at_most(LIMITS.summary, "Keep the summary to {:,} characters or fewer."),
        ],
        description="One or two sentences shown in search results.",
    )
    description = TextAreaField(
        "Full description",
        validators=[
            DataRequired("Describe the training."),
            at_most(LIMITS.description),
        ],
        description="What it covers, how it is taught, and what people take away. "
        "Leave a blank line between paragraphs.",
    )
    level = RadioField("Level on the escalator", validators=[InputRequired("Choose a level.")])
    format = SelectField("Format", validators=[InputRequired("Choose a format.")])
    audiences = CheckboxesField(
        "Who it is for (optional)",
        description="Leave all unticked if it is open to everyone.",
    )
    sectors = CheckboxesField("Sectors it is designed for (optional)")
    ee_values = CheckboxesField(
        "Enabling Environments values it addresses (optional)",
        description="The Royal College of Psychiatrists' ten values of relational environments.",
    )
    contact_hours = offering_hours_field(
        "Contact hours (optional)", "Time spent learning with trainers and other learners."
    )
    cpd_hours = offering_hours_field(
        "CPD hours (optional)",
        "The hours a learner can record as continuing professional development.",
    )
    credit_value = IntegerField(
        "Academic credit (optional)",
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=LIMITS.credit,
                message=f"Enter a whole number of credits from 1 to {LIMITS.credit:,}.",
            ),
        ],
        description="For example 15 for a 15-credit module.",
    )
    credit_scheme = OptionalSelectField("Credit scheme", validate_choice=True)
    academic_level = OptionalSelectField("Academic level", validate_choice=True)
    cost = RadioField(
        "Does it cost anything?",
        choices=[("free", "It is free"), ("paid", "It costs money")],
        validators=[InputRequired("Say whether it is free.")],
    )
    cost_gbp = DecimalField(
        "Cost in pounds",
        places=None,
        validators=[Optional()],
        description="The full price for one person, for example 450 or 12.50.",
    )
    co_designed = yes_no("Did people with lived experience help design this training?")
    co_delivered = yes_no(
        "Is it delivered together with a trainer who has lived experience?",
        description="For example a peer trainer paired with a clinician, as KUF does.",
    )
    lived_experience_led = yes_no("Is it led by people with lived experience?")
    co_production_statement = TextAreaField(
        "How was it co-produced? (optional)",
        validators=[Optional(), at_most(LIMITS.co_production_statement)],
        description="In your own words: who designed it, who delivers it, and how.",
    )
    booking_url = web_address("Booking or information page (optional)")
    reference = StringField(
        "Your own reference (optional)",
        validators=[Optional(), Length(max=LIMITS.reference)],
        filters=[strip],
        description="Your code for this offer. A spreadsheet import with the same "
        "reference updates it rather than adding another.",
    )

    def __init__(self, *args, provider=None, offering=None, **kwargs):
        super().__init__(*args, obj=offering, **kwargs)
        self.provider = provider
        self.offering = offering
        ref = reference()
        self.level.choices = [(level.key, level.name) for level in ref.escalator]
        self.level.descriptions = {level.key: level.tagline for level in ref.escalator}
        self.format.choices = [("", "Choose a format"), *((t.key, t.label) for t in ref.formats)]
        self.audiences.choices = [(t.key, t.label) for t in ref.audiences]
        self.sectors.choices = [(t.key, t.label) for t in ref.sectors]
        self.ee_values.choices = [(t.key, t.label) for t in ref.ee_values]
        self.credit_scheme.choices = vocabulary_choices(ref.credit_schemes, "None")
        self.academic_level.choices = vocabulary_choices(ref.academic_levels, "None")
        if offering is not None and not self.is_submitted():
            self.cost.data = "free" if offering.is_free else "paid"
            self.cost_gbp.data = (
                None if offering.is_free else Decimal(offering.cost_pence) / Decimal(100)
            )

    def validate_booking_url(self, field) -> None:
        """Only web links."""
        check_http(field)

    def validate(self, extra_validators=None) -> bool:
        """The fields, then a price when it costs money (Optional stops the field's own chain)."""
        valid = super().validate(extra_validators)
        field = self.cost_gbp
        if self.cost.data != "paid" or field.errors:
            return valid
        if field.data is None:
            field.errors = ["Enter the cost in pounds, for example 450."]
        elif field.data <= 0 or field.data > LIMITS.cost_pounds:
            field.errors = [f"Enter a cost from £0.01 to £{LIMITS.cost_pounds:,}."]
        elif field.data != field.data.quantize(Decimal("0.01")):
            field.errors = ["Enter the cost in pounds and pence, like 12.50."]
        return valid and not field.errors

    def validate_credit_scheme(self, field) -> None:
        """Credit and its scheme go together."""
        if self.credit_value.data and not field.data:
            raise ValidationError("Choose the scheme the credit is in.")
        if field.data and not self.credit_value.data and not self.credit_value.errors:
            raise ValidationError("Enter the number of credits too, or choose None.")

    def validate_reference(self, field) -> None:
        """A provider's references are unique: a spreadsheet re-import relies on it."""
        from academy.catalogue.queries import offering_by_reference

        if not field.data or self.provider is None:
            return
        other = offering_by_reference(self.provider, field.data)
        if other is not None and other is not self.offering:
            raise ValidationError(f"Your offer “{other.title}” already uses this reference.")

    @property
    def offering_data(self) -> dict:
        """The fields as the operations take them."""

        def hours(field):
            return None if field.data is None else float(field.data)

        paid = self.cost.data == "paid" and self.cost_gbp.data is not None
        return {
            "title": self.title.data,
            "summary": self.summary.data.strip(),
            "description": self.description.data.strip().replace("\r\n", "\n"),
            "level": self.level.data,
            "format": self.format.data,
            "audiences": list(self.audiences.data or []),
            "sectors": list(self.sectors.data or []),
            "ee_values": list(self.ee_values.data or []),
            "contact_hours": hours(self.contact_hours),
            "cpd_hours": hours(self.cpd_hours),
            "credit_value": self.credit_value.data,
            "credit_scheme": self.credit_scheme.data or None,
            "academic_level": self.academic_level.data or None,
            "cost_pence": int(self.cost_gbp.data * 100) if paid else 0,
            "co_designed": self.co_designed.answer,
            "co_delivered": self.co_delivered.answer,
            "lived_experience_led": self.lived_experience_led.answer,
            "co_production_statement": (self.co_production_statement.data or "").strip(),
            "booking_url": self.booking_url.data or None,
            "reference": self.reference.data or None,
        }


class SessionForm(FlaskForm):
    """One run of an offering: its dates, where, places, booking."""

    starts_on = DateField(
        "Start date",
        format=DATE_FORMATS,
        validators=[InputRequired("Enter the start date.")],
        description=DATE_HINT,
    )
    ends_on = DateField(
        "End date",
        format=DATE_FORMATS,
        validators=[InputRequired("Enter the end date.")],
        description="The same as the start date for a one-day session.",
    )
    online = yes_no("Is it online?")
    venue = StringField(
        "Venue (leave blank if online)",
        validators=[Length(max=200)],
        filters=[strip],
        description="The building and town, for example Friends Meeting House, Manchester.",
    )
    region = OptionalSelectField("Region", validate_choice=True)
    places = IntegerField(
        "Places (optional)",
        validators=[
            Optional(),
            NumberRange(min=1, max=100000, message="Enter a whole number of places, 1 or more."),
        ],
    )
    booking_url = web_address(
        "Booking link for these dates (optional)",
        description="Leave blank to use the offer's own booking page.",
    )

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, obj=session, **kwargs)
        self.region.choices = vocabulary_choices(reference().regions, "Choose a region")

    def validate_starts_on(self, field) -> None:
        """Catch mistyped years."""
        if field.data and not 2000 <= field.data.year <= 2100:
            raise ValidationError("Enter a date between the years 2000 and 2100.")

    def validate_ends_on(self, field) -> None:
        """A session ends on or after the day it starts."""
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The end date must be the same as or after the start date.")

    def validate_venue(self, field) -> None:
        """In-person sessions need a venue."""
        if self.online.data == "no" and not field.data:
            raise ValidationError("Enter the venue, or answer that it is online.")

    def validate_region(self, field) -> None:
        """In-person sessions need a region so people nearby find them."""
        if self.online.data == "no" and not field.data:
            raise ValidationError("Choose the region the venue is in.")

    def validate_booking_url(self, field) -> None:
        """Only web links."""
        check_http(field)

    @property
    def session_data(self) -> dict:
        """The fields as the operations take them."""
        online = self.online.answer
        return {
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "online": online,
            "venue": self.venue.data or "",
            "region": self.region.data or ("online" if online else None),
            "places": self.places.data,
            "booking_url": self.booking_url.data or None,
        }
