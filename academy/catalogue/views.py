"""The public catalogue: search, an offer's page and calendar, a provider's page."""

from __future__ import annotations

import json

from flask import Response, render_template, request

from academy.catalogue import bp
from academy.catalogue.calendar import offering_calendar
from academy.catalogue.queries import (
    get_approved_provider,
    get_published_offering,
    published_offerings_of,
)
from academy.catalogue.search.params import SearchError, read_search_args
from academy.catalogue.search.query import search
from academy.catalogue.serialise import offering_jsonld
from academy.http_cache import conditional
from academy.reference import reference


@bp.get("/catalogue/")
@conditional()
def search_page():
    """Search the catalogue: text, facets with counts, sorts and pages."""
    params, errors = read_search_args(request.args)
    try:
        result = search(params, reference())
    except SearchError as error:
        errors["page"] = str(error)
        params.page = 1
        result = search(params, reference())
    status = 400 if errors else 200
    return render_template(
        "catalogue/search.html", params=params, result=result, errors=errors
    ), status


@bp.get("/catalogue/<slug>")
@conditional()
def offering(slug: str):
    """An offer: everything a practitioner needs to decide, and its dates."""
    return offering_page(get_published_offering(slug))


def offering_page(item, *, preview: bool = False, status: int = 200):
    """Render an offer's public page; providers and curators see the same, marked as a preview."""
    jsonld = json.dumps(offering_jsonld(item, reference()), ensure_ascii=False)
    # Stop "</script>" in any text from closing the JSON-LD block early.
    jsonld = jsonld.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return render_template(
        "catalogue/offering.html", offering=item, jsonld=jsonld, preview=preview
    ), status


@bp.get("/catalogue/<slug>.ics")
@conditional(per_user=False, max_age=300)
def offering_ics(slug: str):
    """The offer's upcoming sessions as an iCalendar file."""
    item = get_published_offering(slug)
    body = offering_calendar(item, reference(), host=request.host.split(":")[0])
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{item.slug}.ics"'},
    )


@bp.get("/providers/<slug>")
@conditional()
def provider(slug: str):
    """A provider: who they are, and their published offers."""
    item = get_approved_provider(slug)
    return render_template(
        "catalogue/provider.html", provider=item, offerings=published_offerings_of(item)
    )
