"""Hostile text for the XSS tests, and how a page is checked for it.

A page passes when, outside its JSON-LD blocks, no value that escaping would
change appears as sent (the raw `<script>` or `<img ... onerror`), no link,
source or form action runs `javascript:`, and each JSON-LD block neither holds
`</script` nor fails to parse; and, where a page is meant to show a value, the
value appears there escaped (so a page that dropped it would not pass).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import HiddenField, PasswordField, StringField

from academy.accounts.forms import LoginForm, ProfileForm, RegisterForm
from academy.catalogue.listing.forms import MemberForm, OfferingForm, ProviderForm, SessionForm
from academy.catalogue.review.forms import DeclineForm, ReturnForm, UnpublishForm
from academy.portfolios.confirmation.provider_views import DecisionForm
from academy.portfolios.entries.forms import EntryForm
from academy.portfolios.records.forms import CodeForm, VerifyForm
from academy.portfolios.sharing.forms import ShareForm

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'-alert(1)-'",
    "javascript:alert(1)",
    "</script><script>alert(1)</script>",
    "{{7*7}} {% if 1 %}jinja{% endif %} ${7*7}",
    "<svg onload=alert(1)>",
    'Tom & Jerry\'s "quoted" ]]> <![CDATA[x]]>',
    "&lt;b&gt;already escaped&lt;/b&gt; &amp; &#39;",
    "<iframe src=//evil.example></iframe><a href=javascript:alert(1)>x</a>",
    "\u202eevil\u200b <style>*{display:none}</style> é ✓",
    "'\"`<>\\/;--",
]
#: URL-field values a browser would run, or that smuggle markup into an href.
URL_PAYLOADS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "javascript://example.org/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/",
]
#: Free text each form stores and shows again somewhere, by form.
FREE = {
    RegisterForm: {"name"},
    ProfileForm: {"name"},
    EntryForm: {
        "title",
        "provider_name",
        "description",
        "learning",
        "practice_change",
        "peer_discussion",
        "standards_link",
        "evidence",
    },
    ProviderForm: {"name", "description"},
    OfferingForm: {"title", "summary", "description", "co_production_statement", "reference"},
    SessionForm: {"venue"},
    ShareForm: {"label"},
    DecisionForm: {"note"},
    ReturnForm: {"reason"},
    UnpublishForm: {"reason"},
    DeclineForm: {"reason"},
}
#: Text fields that take only a shape: hostile text is refused there, by form.
SHAPED = {
    RegisterForm: {"email"},
    LoginForm: {"email"},
    ProviderForm: {"website", "contact_email"},
    MemberForm: {"email"},
    OfferingForm: {"booking_url"},
    SessionForm: {"booking_url"},
    ShareForm: {"days"},
    CodeForm: {"code"},
    VerifyForm: {"digest"},
}
RUNNABLE = ("javascript:", "vbscript:", "data:")
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def tagged(payload: str, tag: str) -> str:
    """The payload followed by a word that says which field and which try it came from."""
    return f"{payload} {tag}"


def problems(page: str, values=(), shown=()) -> list[str]:
    """What is wrong with a page: unescaped values, runnable links, broken JSON-LD, values missing."""
    found = []
    for block in JSONLD.findall(page):
        if "</script" in block.lower() or "<!--" in block:
            found.append(f"JSON-LD block holds markup: {block[:200]!r}")
        try:
            json.loads(block)
        except ValueError:
            found.append(f"JSON-LD block does not parse: {block[:200]!r}")
    body = JSONLD.sub("", page)
    for value in values:
        if str(escape(value)) != value and value in body:
            found.append(f"shown unescaped: {value!r}")
    scan = TagScan()
    scan.feed(body)
    found.extend(scan.found)
    for value in shown:
        if str(escape(value)) not in page:
            found.append(f"not shown (escaped): {value!r}")
    return found


class TagScan(HTMLParser):
    """The page's real tags (not escaped text): any that would run a script."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}

    def __init__(self):
        """Nothing found yet."""
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        """An on* handler, or a link whose scheme runs code."""
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> handler")
            squeezed = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name in self.URL_ATTRIBUTES and squeezed.startswith(RUNNABLE):
                self.found.append(f"<{tag} {name}={value!r}> runs a script")
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        """Out of a script."""
        self.in_script = False

    def handle_data(self, data):
        """A script that calls alert came from a payload."""
        if self.in_script and "alert(" in data:
            self.found.append(f"script runs {data[:80]!r}")


def jsonld_of(page: str) -> list:
    """The JSON-LD blocks of a page, parsed."""
    return [json.loads(block) for block in JSONLD.findall(page)]


def strings_in(data) -> list[str]:
    """Every string in parsed JSON, however deep."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        return [text for item in data for text in strings_in(item)]
    return []


def text_fields(form_class: type[FlaskForm]) -> set[str]:
    """The fields of a form a person types text into (not passwords, hidden or file fields)."""
    names = set()
    for name in dir(form_class):
        unbound = getattr(form_class, name)
        field_class = getattr(unbound, "field_class", None)
        if (
            isinstance(field_class, type)
            and issubclass(field_class, StringField)
            and not issubclass(field_class, PasswordField | HiddenField)
        ):
            names.add(name)
    return names


def all_forms() -> set[type[FlaskForm]]:
    """Every FlaskForm subclass the app defines (create an app first, so all are imported)."""
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("academy.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found
