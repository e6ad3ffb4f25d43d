"""The Offerings and Sessions sheets: their columns, and the template built from them.

The columns follow the public contract (DESIGN.md, "Spreadsheet import"):
headers, what each holds, and the help the template's Read me sheet shows.
"""

from __future__ import annotations

from datetime import timedelta

from academy.catalogue.operations import OFFERING_LIMITS as LIMITS
from academy.reference import reference
from academy.spreadsheets import (
    Choice,
    Choices,
    Column,
    Date,
    Integer,
    Money,
    Number,
    TemplateSheet,
    Text,
    WebAddress,
    YesNo,
    write_template,
)
from academy.timeutil import today

OFFERINGS_SHEET = "Offerings"
SESSIONS_SHEET = "Sessions"
TEMPLATE_SHEETS = {"read me", "lists"}
EXAMPLE_REFERENCE = "EXAMPLE-1"
MAX_OFFERINGS = 5000
MAX_SESSIONS = 50_000


def offering_columns() -> list[Column]:
    """The Offerings sheet, in the contract's order."""
    ref = reference()
    return [
        Column(
            "reference",
            Text(LIMITS.reference),
            True,
            "Your own code for the offer, different for each "
            "offer. Importing the same reference again updates that offer.",
            width=14,
        ),
        Column(
            "title",
            Text(LIMITS.title),
            True,
            "The offer's name, as learners will see it.",
            width=36,
        ),
        Column(
            "summary",
            Text(LIMITS.summary, multiline=True),
            True,
            "One or two sentences shown in search results.",
            width=40,
        ),
        Column(
            "description",
            Text(LIMITS.description, multiline=True),
            True,
            "What it covers, how it is taught, what people take away. Alt+Enter starts a new line.",
            width=50,
        ),
        Column(
            "level",
            Choice(ref.escalator, "level"),
            True,
            "Its step on the training escalator.",
            width=24,
        ),
        Column("format", Choice(ref.formats, "format"), True, "How it is delivered.", width=28),
        Column(
            "contact_hours",
            Number(0, LIMITS.hours),
            help="Hours spent learning with trainers and other learners.",
        ),
        Column("cpd_hours", Number(0, LIMITS.hours), help="Hours a learner can record as CPD."),
        Column(
            "credit_value",
            Integer(1, LIMITS.credit),
            help="Academic credit, for example 15 for a 15-credit module; give credit_scheme too.",
        ),
        Column(
            "credit_scheme",
            Choice(ref.credit_schemes, "credit scheme"),
            help="Needed when there is credit_value.",
        ),
        Column("academic_level", Choice(ref.academic_levels, "academic level"), width=28),
        Column(
            "cost_gbp",
            Money(LIMITS.cost_pounds),
            True,
            "The full price for one person.",
            field="cost_pence",
            missing="Enter the cost in pounds, like 450, or free.",
        ),
        Column(
            "audiences",
            Choices(ref.audiences, "audience"),
            help="Who it is for. Leave blank if it is open to everyone.",
            width=30,
        ),
        Column("sectors", Choices(ref.sectors, "sector"), width=30),
        Column(
            "ee_values",
            Choices(ref.ee_values, "Enabling Environments value"),
            help="The Enabling Environments values it addresses.",
            width=30,
        ),
        Column("co_designed", YesNo(), help="Did people with lived experience help design it?"),
        Column(
            "co_delivered",
            YesNo(),
            help="Is it delivered together with a trainer who has lived experience?",
        ),
        Column("lived_experience_led", YesNo(), help="Is it led by people with lived experience?"),
        Column(
            "co_production_statement",
            Text(LIMITS.co_production_statement, multiline=True),
            help="In your own words: who designed it, who delivers it, and how.",
            width=40,
        ),
        Column("booking_url", WebAddress(), help="The booking or information page.", width=34),
    ]


def session_columns() -> list[Column]:
    """The Sessions sheet: one row per run of an offer."""
    return [
        Column(
            "reference",
            Text(100),
            True,
            "The reference of the offer these dates belong "
            "to: on the Offerings sheet, or an offer you already have.",
            width=14,
        ),
        Column("starts_on", Date(), True, "The first day.", width=14),
        Column(
            "ends_on", Date(), help="The last day; blank means the same as starts_on.", width=14
        ),
        Column("venue", Text(200), help="The building and town; needed unless online.", width=34),
        Column(
            "region",
            Choice(reference().regions, "region"),
            help="Where the venue is; needed unless online.",
            width=24,
        ),
        Column("online", YesNo(), help="Is this run online?"),
        Column("places", Integer(1, 100_000), help="How many places there are."),
        Column(
            "booking_url",
            WebAddress(),
            help="Booking for these dates, if not the offer's own page.",
            width=34,
        ),
    ]


def _example_label(vocabulary, key: str) -> str:
    """A term's label for the example row (the first term if the key is gone)."""
    return vocabulary.label(key) if key in vocabulary else next(iter(vocabulary)).label


def template_introduction() -> list[str]:
    """The Read me sheet's opening paragraphs."""
    return [
        "Put one offer on each row of the Offerings sheet and, if it has dates, one row for "
        "each run of it on the Sessions sheet. Upload the file on the Academy's “Import offers "
        "from a spreadsheet” page: you see every row as new, update, unchanged or with a "
        "problem to fix, and nothing is saved until you confirm.",
        f"Row 2 of each sheet is an example (reference {EXAMPLE_REFERENCE}); it is always "
        "skipped. Write over it or delete it.",
        "reference is your own code for an offer. Importing the same reference again updates "
        "that offer; it never adds a second one.",
        "Dates: an offer with rows on the Sessions sheet gets exactly those dates, replacing "
        "the ones it had. An offer with no rows there keeps the dates it already has, and a "
        "new one is self-paced. To take every date off an offer, remove them on its page.",
        "Headers can be in any case. Columns the import does not know are ignored. Columns "
        "with a drop-down take its label (or the key); put several values in one cell "
        "separated by semicolons (;). Dates can be date cells, 31/01/2027 or 2027-01-31. "
        "Formulas are fine: the value your spreadsheet last saved is used.",
        f"At most {MAX_OFFERINGS:,} offers and 5 MB in one file. You can also upload just the "
        "Offerings sheet as a CSV file (UTF-8 or Windows-1252).",
    ]


def offering_template() -> bytes:
    """The .xlsx template: Read me, Offerings and Sessions with an example row each."""
    ref = reference()
    level = "awareness" if "awareness" in ref.escalator else ref.escalator.keys[0]
    offer = {
        "reference": EXAMPLE_REFERENCE,
        "title": "Relational practice in housing",
        "summary": "Two days on building psychologically informed environments.",
        "description": "What a psychologically informed environment is.\n\nHow to build one "
        "with residents.",
        "level": ref.escalator.label(level),
        "format": _example_label(ref.formats, "short_course"),
        "contact_hours": 12,
        "cpd_hours": 12,
        "cost_pence": 149.99,
        "audiences": "; ".join(
            _example_label(ref.audiences, k) for k in ("housing_workers", "peer_workers")
        ),
        "sectors": _example_label(ref.sectors, "housing"),
        "ee_values": "; ".join(_example_label(ref.ee_values, k) for k in ("belonging", "safety")),
        "co_designed": "yes",
        "co_delivered": "yes",
        "lived_experience_led": "no",
        "co_production_statement": "Written and taught with residents.",
        "booking_url": "https://www.example.org/book",
    }
    start = today() + timedelta(days=60)
    session = {
        "reference": EXAMPLE_REFERENCE,
        "starts_on": start,
        "ends_on": start + timedelta(days=1),
        "venue": "Friends Meeting House, Manchester",
        "region": _example_label(ref.regions, "north_west"),
        "online": "no",
        "places": 20,
    }
    sheets = [
        TemplateSheet(
            OFFERINGS_SHEET, offering_columns(), "One row per offer.", offer, rows=MAX_OFFERINGS
        ),
        TemplateSheet(
            SESSIONS_SHEET,
            session_columns(),
            "One row per run of an offer (optional: leave it empty for self-paced offers).",
            session,
            rows=MAX_OFFERINGS * 2,
        ),
    ]
    return write_template(
        sheets,
        title="Relational Learning Academy: offers to import",
        introduction=template_introduction(),
    )
