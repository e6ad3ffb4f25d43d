"""Forms for issued records: typing a code, and checking a file or a hash against one."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from academy.portfolios.records.issued import normalise_code

SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class CodeForm(FlaskForm):
    """The code printed at the foot of every page of a record; `normalised` once valid."""

    code = StringField(
        "Verification code",
        validators=[DataRequired("Enter the code printed on the record."), Length(max=64)],
        description="16 letters and numbers, like 7KQ2-M9XD-4HTR-BN3P, at the foot of each page.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.normalised: str | None = None

    def validate_code(self, field) -> None:
        """A code of the right shape (any case, with or without dashes)."""
        self.normalised = normalise_code(field.data or "")
        if self.normalised is None:
            raise ValidationError(
                "A code is 16 letters and numbers, like 7KQ2-M9XD-4HTR-BN3P. Check what you typed."
            )


class VerifyForm(FlaskForm):
    """A file to check, or the SHA-256 of one."""

    file = FileField(
        "The file you were given (optional)",
        description="The PDF, spreadsheet or JSON file exactly as you received it.",
    )
    digest = StringField(
        "Or its SHA-256 (optional)",
        validators=[Length(max=200)],
        description="64 characters, 0 to 9 and a to f, as a tool like sha256sum prints it.",
    )

    def validate(self, extra_validators=None) -> bool:
        """A file or a well-formed hash; a hash is read in any case, without spaces."""
        if not super().validate(extra_validators):
            return False
        self.digest.data = re.sub(r"\s", "", self.digest.data or "").lower()
        if not self.file.data and not self.digest.data:
            self.form_errors.append("Choose the file, or paste its SHA-256.")
            self.file.errors = [*self.file.errors, "Choose the file you were given."]
            return False
        if self.digest.data and not SHA256_PATTERN.match(self.digest.data):
            self.digest.errors = [
                *self.digest.errors,
                "A SHA-256 is 64 characters, 0 to 9 and a to f. Check what you pasted.",
            ]
            return False
        return True
