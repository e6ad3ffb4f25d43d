"""What makes a password acceptable: long enough or three words, and not a common one.

The rule follows the NCSC's advice ("three random words") and NIST SP 800-63B:
length over composition rules, and a check against passwords attackers try
first. The list is Django's (`data/common-passwords.txt.gz`, 19,640 passwords
from Royce Williams's list, lower-cased; BSD licence), read once on first use.
"""

from __future__ import annotations

import gzip
import re
from functools import cache

from flask import current_app
from wtforms.validators import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 200
MIN_WORDS = 3
MIN_WORD_LETTERS = 3
MIN_DIFFERENT_CHARACTERS = 5

RULE = f"Use at least {MIN_LENGTH} characters, or three random words."
HINT = (
    f"At least {MIN_LENGTH} characters, or three random words with spaces between them "
    "(like “kettle forest violin”). Not a password that is widely used."
)

_WORDS = re.compile(r"[^\W\d_]+")
_SEPARATORS = re.compile(r"[\s\-_.]+")


@cache
def _common_passwords(path: str) -> frozenset[str]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def common_passwords() -> frozenset[str]:
    """The common passwords, lower-cased, from the data folder."""
    return _common_passwords(f"{current_app.config['DATA_DIR']}/common-passwords.txt.gz")


def is_three_words(password: str) -> bool:
    """Whether the password holds at least three different words of three letters or more."""
    words = {word.casefold() for word in _WORDS.findall(password) if len(word) >= MIN_WORD_LETTERS}
    return len(words) >= MIN_WORDS


def password_problem(
    password: str, *, email: str | None = None, name: str | None = None
) -> str | None:
    """Why this password will not do, in words for the person choosing it; None if it will."""
    if len(password) > MAX_LENGTH:
        return f"Use a password of at most {MAX_LENGTH} characters."
    if len(password) < MIN_LENGTH and not is_three_words(password):
        return RULE
    if len(set(password.casefold())) < MIN_DIFFERENT_CHARACTERS:
        return "That password repeats a few characters. Try three random words instead."
    folded = password.casefold().strip()
    joined = _SEPARATORS.sub("", folded)
    common = common_passwords()
    if folded in common or joined in common:
        return (
            "That is one of the passwords people use most, so it is easy to guess. Choose another."
        )
    personal = {_SEPARATORS.sub("", part.casefold()) for part in (email, name) if part}
    if email:
        personal.add(_SEPARATORS.sub("", email.split("@")[0].casefold()))
    if joined in personal:
        return "Do not use your name or email address as your password."
    return None


class StrongPassword:
    """A WTForms validator: `password_problem`, for the person `form.password_owner()` names."""

    def __call__(self, form, field) -> None:
        email, name = form.password_owner()
        problem = password_problem(field.data or "", email=email, name=name)
        if problem:
            raise ValidationError(problem)
