"""The public API's OpenAPI 3.1 document, served at /api/v1/openapi.json.

It is built from what the app itself runs with: the vocabularies in data/
give the facets' enums, search_params gives the sorts and flags, and the
config gives the page sizes and the longest query. Each schema says what the
code really sends (academy/catalogue/serialise.py and api/views.py): every field
required, no others (`additionalProperties: false`), and null only where the
code can send null. tests/catalogue/api/test_openapi.py runs schemathesis against
it, so a response that drifts from this document fails the suite.
"""

from __future__ import annotations

from flask import current_app

from academy.catalogue.search.params import FLAGS, SORTS, TRUE_WORDS, facet_vocabularies
from academy.reference import Reference, reference

VERSION = "1.0"
#: How the API writes a moment: ISO 8601 in UTC, without an offset (Python's isoformat).
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"
#: The yes/no words a flag takes, in any case: true ones, then false ones (blank is false too).
FLAG_WORDS = ("1", "true", "yes", "on", "0", "false", "no", "off", "")


def ref_to(name: str) -> dict:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """A schema that also allows null (OpenAPI 3.1: a JSON Schema type list)."""
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    extra = {"enum": [*schema["enum"], None]} if "enum" in schema else {}
    return {**schema, "type": [kind, "null"], **extra}


def closed(properties: dict, *, description: str = "") -> dict:
    """An object with exactly these properties, every one of them present."""
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return {"description": description, **schema} if description else schema


def keys_of(vocabulary) -> dict:
    """A string that is one of a vocabulary's keys."""
    return {"type": "string", "enum": list(vocabulary.keys)}


def counts_of(keys) -> dict:
    """An object counting offers for each of these keys."""
    return closed({key: {"type": "integer", "minimum": 0} for key in keys})


def text(description: str = "") -> dict:
    """A string, described."""
    return {"type": "string", "description": description} if description else {"type": "string"}


def component_schemas(ref: Reference) -> dict:
    """The shapes of the API's responses, by name."""
    vocab = facet_vocabularies(ref)
    moment = {"type": "string", "pattern": DATETIME_PATTERN, "description": "UTC, no offset."}
    web_address = {"type": "string", "pattern": "^https?://"}
    offering = {
        "slug": text("The offer's stable name in URLs."),
        "title": text(),
        "summary": text(),
        "level": keys_of(vocab["level"]),
        "format": keys_of(vocab["format"]),
        "provider": ref_to("ProviderBrief"),
        "co_production": closed(
            {
                "co_designed": {"type": "boolean"},
                "co_delivered": {"type": "boolean"},
                "lived_experience_led": {"type": "boolean"},
                "statement": nullable(text()),
            }
        ),
        "cost_pence": {"type": "integer", "minimum": 0, "description": "0 is free."},
        "contact_hours": nullable({"type": "number", "minimum": 0}),
        "cpd_hours": nullable({"type": "number", "minimum": 0}),
        "credit": nullable(
            closed(
                {
                    "value": {"type": "integer", "minimum": 1},
                    "scheme": nullable(keys_of(ref.credit_schemes)),
                    "academic_level": nullable(keys_of(ref.academic_levels)),
                },
                description="Academic credit; null when the offer carries none.",
            )
        ),
        "audiences": {"type": "array", "items": keys_of(vocab["audience"])},
        "sectors": {"type": "array", "items": keys_of(vocab["sector"])},
        "ee_values": {"type": "array", "items": keys_of(vocab["ee_value"])},
        "regions": {
            "type": "array",
            "items": keys_of(vocab["region"]),
            "description": "From its sessions, plus online for online sessions and formats.",
        },
        "self_paced": {"type": "boolean"},
        "booking_url": nullable(web_address),
        "url": {"type": "string", "format": "uri", "description": "Its page on the Academy."},
        "sessions": {
            "type": "array",
            "items": ref_to("Session"),
            "description": "Upcoming sessions only, soonest first.",
        },
        "published_at": nullable(moment),
    }
    facets = {name: counts_of(vocabulary.keys) for name, vocabulary in vocab.items()}
    facets |= {
        "co_production": counts_of(("co_designed", "co_delivered", "lived_experience_led")),
        "cost": counts_of(("free", "paid")),
        "accredited": counts_of(("accredited",)),
    }
    error = {
        "error": text("The HTTP status's name, like Bad Request."),
        "message": text("What went wrong, for a person."),
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "errors": {
            "type": "object",
            "description": "For a bad search: a message for each bad parameter, by its name.",
            "additionalProperties": {"type": "string"},
        },
    }
    level = {
        "key": keys_of(vocab["level"]),
        "order": {"type": "integer"},
        "name": text(),
        "tagline": text(),
        "for_whom": text(),
        "description": text(),
        "typical_formats": {"type": "array", "items": {"type": "string"}},
        "academic_level": text("In words, like “Masters (FHEQ level 7)”."),
        "next": nullable(keys_of(vocab["level"])),
        "offerings": {"type": "integer", "minimum": 0, "description": "Published offers."},
    }
    provider_brief = {
        "slug": text(),
        "name": text(),
        "user_led": {"type": "boolean", "description": "Led by people with lived experience."},
    }
    provider = provider_brief | {
        "website": nullable(text()),
        "description": text(),
        "url": {"type": "string", "format": "uri"},
        "offerings": {"type": "integer", "minimum": 0, "description": "Published offers."},
    }
    return {
        "Offering": closed(offering),
        "OfferingDetail": closed(
            offering | {"description": text(), "updated_at": moment},
            description="An offering with its long description.",
        ),
        "Session": closed(
            {
                "starts_on": {"type": "string", "format": "date"},
                "ends_on": {"type": "string", "format": "date"},
                "venue": nullable(text()),
                "region": nullable(keys_of(vocab["region"])),
                "online": {"type": "boolean"},
                "places": nullable({"type": "integer", "minimum": 1}),
                "booking_url": nullable(web_address),
            }
        ),
        "ProviderBrief": closed(provider_brief),
        "Provider": closed(provider),
        "Level": closed(level),
        "Facets": closed(
            facets,
            description="Counts for each facet with every other filter applied: every key of "
            "each vocabulary, zeros included, in the vocabulary's order.",
        ),
        "SearchResult": closed(
            {
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 1},
                "items": {"type": "array", "items": ref_to("Offering")},
                "facets": ref_to("Facets"),
            }
        ),
        "LevelList": closed({"items": {"type": "array", "items": ref_to("Level")}}),
        "ProviderList": closed({"items": {"type": "array", "items": ref_to("Provider")}}),
        "Error": {
            "type": "object",
            "properties": error,
            "required": ["error", "message", "status"],
            "additionalProperties": False,
        },
    }


def search_parameters(ref: Reference, config) -> list[dict]:
    """The query parameters of /api/v1/offerings (the same as /catalogue/'s)."""

    def query(name: str, schema: dict, description: str) -> dict:
        parameter = {"name": name, "in": "query", "description": description, "schema": schema}
        if schema.get("type") == "array":
            parameter |= {"style": "form", "explode": True}
        return parameter

    q_max = config["SEARCH_MAX_QUERY_LENGTH"]
    parameters = [
        query(
            "q",
            {"type": "string", "maxLength": q_max},
            f"Words to find (at most {q_max} characters): every word must match; search "
            "syntax is read as plain words.",
        )
    ]
    for name, vocabulary in facet_vocabularies(ref).items():
        parameters.append(
            query(
                name,
                {"type": "array", "items": keys_of(vocabulary)},
                f"Keys of the {name} vocabulary; repeat for either/or.",
            )
        )
    parameters.append(
        query(
            "provider",
            {"type": "array", "items": {"type": "string"}},
            "Slugs of approved providers; repeat for either/or. An unknown slug is a 400.",
        )
    )
    for name in FLAGS:
        parameters.append(
            query(
                name,
                {"type": "string", "enum": list(FLAG_WORDS)},
                f"Yes/no, in any case: {', '.join(sorted(TRUE_WORDS))} keep only offers "
                "that are; 0, false, no, off or blank do not filter.",
            )
        )
    dates = {
        "starts_after": "Offers with a session starting on or after this day (never before today).",
        "starts_before": "Offers with a session starting on or before this day (not before "
        "starts_after).",
    }
    for name, description in dates.items():
        parameters.append(query(name, {"type": "string", "format": "date"}, description))
    parameters += [
        query(
            "sort",
            {"type": "string", "enum": list(SORTS), "default": "relevance"},
            "relevance (best match; newest when there are no words), soonest, newest or title.",
        ),
        query(
            "page",
            {"type": "integer", "minimum": 1, "default": 1},
            "From 1; a page past the last is a 400.",
        ),
        query(
            "per_page",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": config["SEARCH_MAX_PER_PAGE"],
                "default": config["SEARCH_PER_PAGE"],
            },
            f"Offers on a page, at most {config['SEARCH_MAX_PER_PAGE']}.",
        ),
    ]
    return parameters


#: A client's copy, to be answered 304 when it is still current.
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of a copy you hold: an unchanged answer is a 304 with no body.",
    "schema": {"type": "string"},
}


def json_response(description: str, schema: dict) -> dict:
    """A JSON response with this schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


CACHE_HEADERS = {
    "ETag": {
        "description": "A weak ETag: the build, the catalogue's version and the day.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "public, max-age=60",
        "required": True,
        "schema": {"type": "string"},
    },
}


def get_operation(operation_id: str, summary: str, ok: dict, *, parameters=(), errors=()):
    """A cacheable GET: 200 as given, 304 for a current copy, and the errors listed."""
    responses = {
        "200": ok | {"headers": CACHE_HEADERS},
        "304": {"description": "Your copy is current.", "headers": CACHE_HEADERS},
    }
    for status, description in errors:
        responses[str(status)] = json_response(description, ref_to("Error"))
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [*parameters, IF_NONE_MATCH],
            "responses": responses,
        }
    }


def openapi_document() -> dict:
    """The OpenAPI document for /api/v1, for the current app."""
    ref, config = reference(), current_app.config
    slug = {
        "name": "slug",
        "in": "path",
        "required": True,
        "description": "The offer's slug.",
        "schema": {"type": "string"},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Relational Learning Academy API",
            "version": VERSION,
            "description": "Published training offers on the escalator, their providers and "
            "levels. Read-only, no authentication; only published offers appear. Responses "
            "may be reused for 60 seconds; send If-None-Match for a 304.",
        },
        "paths": {
            "/api/v1/offerings": get_operation(
                "searchOfferings",
                "Search published offerings: one page, the total and facet counts.",
                json_response("A page of results.", ref_to("SearchResult")),
                parameters=search_parameters(ref, config),
                errors=[(400, "A bad parameter: `errors` names each one.")],
            ),
            "/api/v1/offerings/{slug}": get_operation(
                "getOffering",
                "One published offering, with its description.",
                json_response("The offering.", ref_to("OfferingDetail")),
                parameters=[slug],
                errors=[(404, "No published offering has that slug.")],
            ),
            "/api/v1/levels": get_operation(
                "listLevels",
                "The escalator's levels, lowest first, with their published offers.",
                json_response("Every level.", ref_to("LevelList")),
            ),
            "/api/v1/providers": get_operation(
                "listProviders",
                "Approved providers by name, with their published offers.",
                json_response("Every approved provider.", ref_to("ProviderList")),
            ),
            "/api/v1/openapi.json": get_operation(
                "getOpenAPI",
                "This document.",
                json_response("The OpenAPI document.", {"type": "object"}),
            ),
        },
        "components": {"schemas": component_schemas(ref)},
    }
