"""The API's OpenAPI document: valid, complete, and true of every response (schemathesis).

schemathesis loads the document from the app over WSGI and sends generated
requests, valid and invalid, to every operation. The fixture's app and its
published catalogue live for the whole run: `from_fixture` runs every
operation inside the one test that asked for the fixture (as subtests), and
on PostgreSQL the app's teardown (conftest's `release`) empties the database
once, after the last operation.

ACADEMY_FUZZ_EXAMPLES raises the number of generated requests (see tests/fuzzing.py).
"""

from __future__ import annotations

import re
from collections import Counter

import jsonschema_rs
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.definitions import OPENAPI_31

from tests.fuzzing import fuzz_settings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
#: Requests sent, by operation, and checks run: the run's figures.
SENT: Counter = Counter()


@pytest.fixture
def api_schema(request, app, catalogue):
    """The document as the app serves it, loaded over WSGI, with a published catalogue."""
    # schemathesis 4.32 names each operation's subtest through `_nodeid`, which pytest 9.2
    # no longer has: give it one (the same id) so the lazy schema runs.
    request.node._nodeid = request.node.nodeid
    SENT.clear()
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = {key for key in SENT if key != "checks"}
    print(  # the figures, shown with -s
        f"\nschemathesis: {len(operations)} operations, "
        f"{sum(SENT[key] for key in operations)} test cases, {SENT['checks']} checks"
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@fuzz_settings(60)
def test_every_operation_answers_as_its_document_says(case):
    """No server error; every status, content type, header and body is the documented one."""
    case.call_and_validate(checks=CHECKS)
    SENT[case.operation.label] += 1
    SENT["checks"] += len(CHECKS)


def test_the_document_is_valid_openapi_3_1(client):
    """Does the served document validate against the OpenAPI 3.1 schema, every $ref resolving?"""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    errors = [error.message for error in jsonschema_rs.iter_errors(OPENAPI_31, document)]
    assert errors == []
    for name, component in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(component), name
    text = response.get_data(as_text=True)
    for target in set(re.findall(r'"\$ref": ?"#/components/schemas/(\w+)"', text)):
        assert target in document["components"]["schemas"]


def test_every_api_route_is_in_the_document(app, client):
    """Is every GET route under /api/v1 documented, and nothing that is not a route?"""
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and "GET" in rule.methods
    }
    documented = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert routes == set(documented)
    assert all(set(item) == {"get"} for item in documented.values())


def test_the_document_follows_the_reference_data_and_settings(app, client):
    """Do the enums come from the vocabularies and per_page's maximum from the config?"""
    app.config["SEARCH_MAX_PER_PAGE"] = 42
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/offerings"]["get"]["parameters"]}
    assert parameters["per_page"]["schema"]["maximum"] == 42
    ref = app.extensions["academy.reference"]
    assert parameters["region"]["schema"]["items"]["enum"] == ref.regions.keys
    assert parameters["region"]["explode"] is True and parameters["region"]["style"] == "form"
    assert parameters["level"]["schema"]["items"]["enum"] == ref.escalator.keys
    assert parameters["sort"]["schema"]["enum"] == ["relevance", "soonest", "newest", "title"]
    facets = document["components"]["schemas"]["Facets"]["properties"]
    assert list(facets["ee_value"]["properties"]) == ref.ee_values.keys


def shape(document: dict, name: str):
    """A validator for one of the document's component schemas."""
    root = {"components": document["components"], "$ref": f"#/components/schemas/{name}"}
    return jsonschema_rs.validator_for(root)


def test_every_offering_answers_in_the_documented_shape(client, catalogue):
    """Does each published offer (which schemathesis cannot guess) match OfferingDetail,
    and each unpublished one get a 404 in the Error shape?"""
    document = client.get("/api/v1/openapi.json").get_json()
    detail, error = shape(document, "OfferingDetail"), shape(document, "Error")
    for name, slug in catalogue.items():
        response = client.get(f"/api/v1/offerings/{slug}")
        if name in ("draft", "submitted", "withdrawn"):
            assert response.status_code == 404
            assert error.is_valid(response.get_json())
        else:
            assert response.status_code == 200
            problems = [e.message for e in detail.iter_errors(response.get_json())]
            assert problems == [], name


def test_the_document_is_cached_like_the_rest_of_the_api(client):
    """Is it public for a minute with an ETag, and a 304 for a current copy?"""
    first = client.get("/api/v1/openapi.json")
    assert first.cache_control.public and first.cache_control.max_age == 60
    again = client.get("/api/v1/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
