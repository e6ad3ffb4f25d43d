"""The Activities columns of a CPD log brought into a portfolio, and the template built from them.

The headers are those of the portfolio's own export (`exports.ACTIVITY_COLUMNS`),
so an exported portfolio comes back in as it went out.
"""

from __future__ import annotations

from datetime import date

from academy.portfolios.entries.rules import EARLIEST, MAX_HOURS, MAX_REFLECTION, latest_date
from academy.reference import reference
from academy.spreadsheets import (
    Choice,
    Column,
    Date,
    Number,
    TemplateSheet,
    Text,
    YesNo,
    write_template,
)
from academy.timeutil import today

ACTIVITIES_SHEET = "Activities"
#: Sheets of the template and of the portfolio's own export that hold no activities.
OTHER_SHEETS = {"read me", "lists", "summary", "reflections"}
MAX_ROWS = 5000
EXAMPLE_TITLE = "Example: Personality disorder awareness (delete this row)"
REFLECTIVE = (
    "description",
    "learning",
    "practice_change",
    "peer_discussion",
    "standards_link",
)


def log_columns() -> list[Column]:
    """The Activities columns, with the headers of the portfolio's export."""
    ref = reference()
    # The cell takes any year a date within the rules' reach could fall in, and one
    # more; the rules (academy/portfolios/entries/rules.py) then say exactly how far is too far.
    last_year = latest_date().year + 1

    def writing(header: str, name: str, help: str, width: int = 40) -> Column:
        return Column(
            header, Text(MAX_REFLECTION, multiline=True), help=help, field=name, width=width
        )

    return [
        Column(
            "Title",
            Text(200),
            True,
            "What the activity was called.",
            field="title",
            missing="Enter the name of the activity.",
            width=36,
        ),
        Column(
            "Provider",
            Text(200),
            help="Who ran it: an organisation or a person.",
            field="provider_name",
            width=24,
        ),
        Column(
            "Type of activity",
            Choice(ref.activity_types, "type of activity"),
            help="Blank means Other.",
            field="activity_type",
            width=22,
        ),
        Column(
            "Start date",
            Date(EARLIEST.year, last_year),
            True,
            "The day it started.",
            field="starts_on",
            missing="Enter the date it started.",
            width=13,
        ),
        Column(
            "End date",
            Date(EARLIEST.year, last_year),
            help="The day it ended. Blank means the same day as the start.",
            field="ends_on",
            width=13,
        ),
        Column(
            "Hours",
            Number(0, MAX_HOURS),
            True,
            "The time you spent learning, for example 6.5.",
            field="hours",
            missing="Enter the number of hours, for example 6.5.",
            width=9,
        ),
        Column(
            "Participatory hours",
            Number(0, MAX_HOURS),
            help="Of those, hours learning with other people. Blank means 0.",
            field="participatory_hours",
            width=13,
        ),
        Column(
            "Level",
            Choice(ref.escalator, "level", none_label="Not sure"),
            help="Its step on the training escalator. Blank means Not sure.",
            field="level",
            width=22,
        ),
        Column(
            "Format",
            Choice(ref.formats, "format", none_label="Not given"),
            help="How it was delivered.",
            field="format",
            width=24,
        ),
        Column(
            "Co-delivered",
            YesNo(),
            help="Delivered together with a trainer who has lived experience.",
            field="co_delivered",
            width=13,
        ),
        Column(
            "Co-designed",
            YesNo(),
            help="Designed together with people with lived experience.",
            field="co_designed",
            width=13,
        ),
        writing(
            "What it was and why it is relevant",
            "description",
            "Leave out anything that could identify a person you work with.",
        ),
        writing("What I learnt", "learning", "What you learnt."),
        writing("How my practice changed", "practice_change", "How you changed your practice."),
        writing("Peer discussion", "peer_discussion", "What you learnt from discussing it."),
        writing(
            "Link to professional standards",
            "standards_link",
            "How it relates to your professional standards.",
        ),
        Column(
            "Evidence",
            Text(500),
            help="Where the evidence is: a certificate, a file, a web link.",
            field="evidence",
            width=30,
        ),
        Column(
            "Catalogue page",
            Text(500),
            help="The Academy's page for the offer, if it came from the catalogue; it links "
            "the activity to that offer.",
            field="catalogue_page",
            width=30,
        ),
    ]


def log_template() -> bytes:
    """The template to fill in: an Activities sheet with drop-downs, and a Read me sheet."""
    example = {
        "title": EXAMPLE_TITLE,
        "provider_name": "KUF Hub",
        "activity_type": "Course",
        "starts_on": date(today().year, 1, 31),
        "ends_on": date(today().year, 1, 31),
        "hours": 6,
        "participatory_hours": 6,
        "level": "Awareness",
        "format": reference().formats.label("in_person_day") or None,
        "co_delivered": "yes",
        "co_designed": "no",
        "learning": "That behaviour I had found hard makes sense as a way of coping.",
    }
    return write_template(
        [
            TemplateSheet(
                ACTIVITIES_SHEET,
                log_columns(),
                "One row for each activity you have done.",
                example,
                rows=MAX_ROWS,
            )
        ],
        title="Your CPD log, to bring into your portfolio",
        introduction=[
            "Put one activity on each row of the Activities sheet; the example row is skipped.",
            "Columns in bold must be filled in. Dates may be typed like 31/01/2027.",
            f"At most {MAX_ROWS:,} activities in one file. Nothing is saved until you confirm.",
        ],
    )
