"""Account forms. Each form does its own lookups, so views stay short."""

from __future__ import annotations

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from academy.accounts.operations import authenticate, find_user
from academy.accounts.passwords import HINT, StrongPassword
from academy.forms import OptionalSelectField, vocabulary_choices
from academy.reference import reference


def password_fields(label: str, noun: str) -> tuple[PasswordField, PasswordField]:
    """A password to choose (held to the rule) and the same typed again, named `noun`."""
    password = PasswordField(
        label, validators=[DataRequired(f"Enter a {noun}."), StrongPassword()], description=HINT
    )
    confirm = PasswordField(
        f"Type the {noun} again",
        validators=[
            DataRequired(f"Type the {noun} again."),
            EqualTo("password", f"The two {noun}s are not the same."),
        ],
    )
    return password, confirm


class ProfileFields:
    """Name and the profile fields shared by registration and the profile page."""

    name = StringField(
        "Your name",
        validators=[DataRequired("Enter your name."), Length(max=120)],
        description="As you would like it on your portfolio record.",
    )
    profession = OptionalSelectField("Profession (optional)", validate_choice=True)
    sector = OptionalSelectField("Sector you work in (optional)", validate_choice=True)
    region = OptionalSelectField("Region (optional)", validate_choice=True)
    self_assessed_level = OptionalSelectField(
        "Where are you on the escalator? (optional)",
        validate_choice=True,
        description=(
            "Your own judgement. It shapes suggestions; it never stops you booking anything."
        ),
    )

    def set_profile_choices(self) -> None:
        """Fill the selects from the reference data."""
        ref = reference()
        self.profession.choices = vocabulary_choices(ref.audiences, "Prefer not to say")
        self.sector.choices = vocabulary_choices(ref.sectors, "Prefer not to say")
        self.region.choices = vocabulary_choices(ref.regions, "Prefer not to say")
        self.self_assessed_level.choices = [("", "Not sure yet")] + [
            (level.key, f"{level.name}: {level.tagline}") for level in ref.escalator
        ]

    @property
    def profile_data(self) -> dict:
        """The profile fields' values by name."""
        return {
            "name": self.name.data,
            "profession": self.profession.data,
            "sector": self.sector.data,
            "region": self.region.data,
            "self_assessed_level": self.self_assessed_level.data,
        }


class RegisterForm(ProfileFields, FlaskForm):
    """Create an account."""

    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address."),
            Email("Enter an email address like name@example.org.", check_deliverability=False),
            Length(max=254),
        ],
    )
    password, confirm = password_fields("Create a password", "password")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_profile_choices()

    def password_owner(self) -> tuple[str | None, str | None]:
        """The email and name the new password must not be."""
        return self.email.data, self.name.data

    def validate_email(self, field) -> None:
        """One account per email address."""
        if find_user(field.data or ""):
            raise ValidationError(
                "An account already uses this email address. Log in, or use another address."
            )


class LoginForm(FlaskForm):
    """Log in; on success `self.user` holds the account."""

    email = EmailField("Email address", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = None

    def validate(self, extra_validators=None) -> bool:
        """Check the fields, then the email and password together."""
        if not super().validate(extra_validators):
            return False
        self.user = authenticate(self.email.data, self.password.data)
        if self.user is None:
            # One message whichever was wrong: no hint that an email has an account.
            self.form_errors.append("The email address or password is not right.")
            self.password.errors = [*self.password.errors, "Check your email address and password."]
            return False
        return True


class ProfileForm(ProfileFields, FlaskForm):
    """Change your name and profile."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_profile_choices()


class ChangePasswordForm(FlaskForm):
    """Change your password, after typing the one you have."""

    current_password = PasswordField(
        "Your current password",
        validators=[DataRequired("Enter your current password.")],
    )
    password, confirm = password_fields("New password", "new password")

    def password_owner(self) -> tuple[str | None, str | None]:
        """The email and name the new password must not be."""
        return current_user.email, current_user.name

    def validate_current_password(self, field) -> None:
        """The current password must be right."""
        if not current_user.check_password(field.data or ""):
            raise ValidationError("That is not your current password. Nothing has changed.")

    def validate_password(self, field) -> None:
        """A new password, not the same one again (unchecked after a wrong current password:
        each check is a costly hash)."""
        if self.current_password.errors:
            return
        if field.data and current_user.check_password(field.data):
            raise ValidationError("That is the password you have now. Choose a new one.")
