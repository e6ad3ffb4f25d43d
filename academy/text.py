"""Small text helpers shared by features: slugs, money, hours and figures."""

import re
import unicodedata


def slugify(text: str, max_length: int = 100) -> str:
    """A lowercase, hyphenated, ASCII slug of a title or name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"


def format_pence(pence: int | None) -> str:
    """£1,250 or £12.50 or Free."""
    if not pence:
        return "Free"
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"


def format_hours(hours: float | None) -> str:
    """6.5 hours, 1 hour, 1500 hours, or an empty string when unknown."""
    if hours is None:
        return ""
    text = format_number(hours, grouped=False)
    return f"{text} hour" if hours == 1 else f"{text} hours"


def format_number(value: float | int | None, *, grouped: bool = True) -> str:
    """35, 1,250, 19.5 or 0.25: a figure with at most two decimals and no trailing zeros.

    `grouped=False` leaves out the thousands separator (1250), as hours are
    written in words and in a CSV cell.
    """
    if value is None:
        return ""
    text = f"{float(value):,.2f}" if grouped else f"{float(value):.2f}"
    return text.rstrip("0").rstrip(".")
