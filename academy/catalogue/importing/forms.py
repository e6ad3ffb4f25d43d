"""The form of the spreadsheet import: which organisation, which file, drafts or review.

The confirmation after the preview is `academy.spreadsheets.flow.ConfirmUploadForm`.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired

MODE_CHOICES = [("draft", "Save them as drafts"), ("submit", "Submit them for review")]
MODE_HINTS = {
    "draft": "You can check each one and submit it later.",
    "submit": "A curator reviews new offers and drafts before they go live. Offers that are "
    "already live stay live, with your changes.",
}


class ImportForm(FlaskForm):
    """Which organisation, which file, and what happens to the offers."""

    provider = SelectField(
        "Organisation",
        validate_choice=True,
        validators=[InputRequired("Choose the organisation whose offers these are.")],
    )
    spreadsheet = FileField(
        "Spreadsheet",
        validators=[FileRequired("Choose the spreadsheet to upload.")],
        description="An Excel workbook (.xlsx) made from the template, or a CSV file of "
        "offers: at most 5 MB and 5,000 offers.",
    )
    mode = RadioField(
        "What should happen to the offers?",
        choices=MODE_CHOICES,
        default="draft",
        validators=[InputRequired("Choose whether to save the offers as drafts or submit them.")],
    )

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.provider.choices = [(p.slug, p.name) for p in providers]
        if not self.is_submitted() and not self.provider.data and len(providers) == 1:
            self.provider.data = providers[0].slug
