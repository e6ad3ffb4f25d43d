"""Garbage collection runs between requests, never inside one (academy/collector.py)."""

from __future__ import annotations

import gc
import weakref

import pytest

from academy.collector import BetweenRequests, between_requests, collect_due


class Cycle:
    """An object that refers to itself: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collection_on():
    """Automatic collection on for the test (pytest or a plugin may have changed it)."""
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def seen_during_a_request(app) -> dict:
    """Whether automatic collection was on, and how many requests were in flight, in a view."""
    seen = {}

    @app.get("/_probe")
    def probe():
        seen["enabled"] = gc.isenabled()
        seen["in_flight"] = between_requests.in_flight
        return "ok"

    assert app.test_client().get("/_probe").status_code == 200
    return seen


def test_automatic_collection_is_off_during_a_request_and_on_after_it(app, collection_on):
    """Is the collector paused while a view runs, and running again once it has answered?"""
    assert seen_during_a_request(app) == {"enabled": False, "in_flight": 1}
    assert gc.isenabled()
    assert between_requests.in_flight == 0


def test_garbage_made_in_a_request_is_collected_when_it_has_been_answered(app, collection_on):
    """Are reference cycles a view leaves behind freed after the response, not leaked?"""
    made: list[weakref.ref] = []

    @app.get("/_litter")
    def litter():
        threshold = gc.get_threshold()[0]
        for _ in range(threshold + 10):  # enough to make a young collection due
            made.append(weakref.ref(Cycle()))
        assert all(ref() is not None for ref in made), "collected inside the request"
        return "ok"

    assert app.test_client().get("/_litter").status_code == 200
    assert made and all(ref() is None for ref in made)


def test_a_view_that_fails_still_ends_its_request(app, collection_on):
    """After a 500, is the request counted out and collection back on?"""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_fails")
    def fails():
        raise RuntimeError("boom")

    assert app.test_client().get("/_fails").status_code == 500
    assert between_requests.in_flight == 0
    assert gc.isenabled()


def test_collection_resumes_only_when_the_last_request_in_flight_ends(collection_on):
    """With two requests at once, does the first to finish leave collection off?"""
    requests = BetweenRequests()
    requests.started()
    requests.started()
    requests.finished()
    assert not gc.isenabled()
    requests.finished()
    assert gc.isenabled()


def test_collection_someone_else_turned_off_stays_off(collection_on):
    """If automatic collection was off before the request, is it still off after?"""
    gc.disable()
    requests = BetweenRequests()
    requests.started()
    requests.finished()
    assert not gc.isenabled()


def test_nothing_is_collected_before_python_would_have_collected(collection_on):
    """Below the young generation's threshold, does collect_due leave the heap alone?"""
    gc.disable()  # count by hand: no automatic collection on the way
    gc.collect()
    assert collect_due() is None
    cycles = [Cycle() for _ in range(gc.get_threshold()[0] + 10)]
    del cycles
    assert collect_due() is not None


def test_the_collector_can_be_turned_off(database_url, collection_on):
    """With COLLECTOR_ENABLED false, does Python's own collector stay on during a request?"""
    from academy import create_app
    from tests.conftest import app_settings, release

    app = create_app({**app_settings(database_url), "COLLECTOR_ENABLED": False})
    try:
        assert seen_during_a_request(app) == {"enabled": True, "in_flight": 0}
    finally:
        release(app)
