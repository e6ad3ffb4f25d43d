"""A portfolio record as a PDF: the printable page's template, laid out by WeasyPrint.

WeasyPrint never fetches anything while rendering: the stylesheet is read
from static/ and handed over, and every URL in the document (a learner's
evidence link, say) is refused, so nothing in a portfolio can make the
server request a URL.

WeasyPrint is imported on the first PDF, not with the app: it is the largest
library the app uses (about 40 MB in each server process), and most
processes never make a PDF.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app, render_template

from academy.escalator.picture import escalator_picture
from academy.portfolios.records.issued import Record
from academy.reference import reference


@cache
def _weasyprint():
    """WeasyPrint's HTML and CSS, and a URL fetcher that fetches nothing."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher, URLFetchingError

    class RefuseAll(URLFetcher):
        def fetch(self, url, headers=None):
            raise URLFetchingError(f"not fetched while making a record: {url}")

    return HTML, CSS, RefuseAll


@cache
def _stylesheet(path: str):
    return _weasyprint()[1](filename=path)


def record_picture(record: Record):
    """The escalator shaded by the record's hours, with its position marked."""
    hours = {key: value for key, value in record.summary.by_level.items() if key}
    return escalator_picture(reference().escalator, hours, highlight={record.position.level.key})


def record_html(record: Record, *, for_pdf: bool, verify_url: str | None = None) -> str:
    """The record as an HTML document (the printable page, or the PDF's source)."""
    return render_template(
        "records/document.html",
        record=record,
        for_pdf=for_pdf,
        verify_url=verify_url,
        escalator_picture=record_picture(record),
    )


def record_pdf(record: Record, verify_url: str | None) -> bytes:
    """The record as a tagged PDF with a title, a language and real text."""
    html = record_html(record, for_pdf=True, verify_url=verify_url)
    stylesheet = _stylesheet(str(Path(current_app.static_folder) / "record.css"))
    html_class, _, refuse_all = _weasyprint()
    document = html_class(string=html, url_fetcher=refuse_all())
    return document.write_pdf(stylesheets=[stylesheet], pdf_tags=True)
