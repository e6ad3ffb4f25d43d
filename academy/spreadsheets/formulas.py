"""Formula injection: text a spreadsheet could run as a formula, quoted on the way out and
unquoted on the way back in.

A text value beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is written with a ``'`` in front in every export (JSON included);
`unneutralise` takes that one quote off when a file the Academy wrote comes back.
"""

from __future__ import annotations

import re

#: Characters that make a spreadsheet treat a cell as a formula (OWASP's CSV-injection list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Any number of quotes, then a trigger: such values get one more quote, so the rule can be undone.
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_FIRST_CHARACTERS = frozenset("'=+-@\t\r")
#: A value `neutralise` quoted: one or more quotes, then a trigger.
NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise(value: str) -> str:
    """A text value a spreadsheet will show as text, never run as a formula.

    OWASP's advice for CSV injection: put a single quote before a value that
    starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return. We add
    the quote rather than strip or escape characters, so nothing the learner
    wrote is lost and the quote shows that something was done. Values that
    already start with quotes followed by one of those get one more quote too,
    so the rule can be undone exactly: take one quote off any value that
    starts with one or more quotes and then one of those characters.
    """
    if value and value[0] in _FIRST_CHARACTERS and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def neutralise_all(data):
    """Neutralise every text value (not the keys) in JSON-like data: dicts, lists, strings."""
    if isinstance(data, str):
        return neutralise(data)
    if isinstance(data, dict):
        return {key: neutralise_all(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [neutralise_all(value) for value in data]
    return data


def unneutralise(value: str) -> str:
    """The text `neutralise` was given: one quote off a quoted formula-like value."""
    if value and NEUTRALISED.match(value):
        return value[1:]
    return value
