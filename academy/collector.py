"""Python's cyclic garbage collector runs between requests, never in the middle of one.

Why: on CPython 3.11 a collection that starts while an object's attributes
are being moved from their compact inline form into a real ``__dict__``
(``make_dict_from_instance_attributes``) can run a weak-reference callback
that writes to that same object; both then free the same block of memory.
SQLAlchemy's ``InstanceState._cleanup`` is such a callback, and the
catalogue's pages load and drop thousands of ORM objects, so a server asked
for ``/catalogue/?region=london`` a few hundred times crashed with
"malloc_consolidate(): invalid chunk size" or a segmentation fault
(valgrind: "Invalid free() ... free_values ... dictresize", the block freed
inside ``gc_collect_main`` called from ``new_dict``). A collection started
outside any attribute store cannot interleave with one, so:

* while any request is in flight, automatic collection is off;
* when a request has been answered, the generations that are due (by
  the same counts and thresholds Python itself uses) are collected;
* when no request is in flight, automatic collection is on again, so CLI
  commands, imports and tests behave as usual.

The cost is one young-generation collection every few requests, made when
the app has answered and before the server sends the body, so it counts in
that request's latency (a fraction of a millisecond; a full collection is
short too, as gunicorn's workers freeze what they start with: academy/warmup.py).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class BetweenRequests:
    """Counts requests in flight; pauses automatic collection while there are any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._resume = False  # was automatic collection on when the first request began?

    @property
    def in_flight(self) -> int:
        """How many requests are being handled now."""
        return self._in_flight

    def started(self) -> None:
        """A request begins: automatic collection is off until none is in flight."""
        with self._lock:
            if self._in_flight == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._in_flight += 1

    def finished(self) -> None:
        """A request has been answered: collect what is due, then maybe resume."""
        collect_due()
        with self._lock:
            self._in_flight -= 1
            if self._in_flight == 0 and self._resume:
                gc.enable()

    def wrap(self, wsgi_app: WSGIApp) -> WSGIApp:
        """WSGI middleware: each request between started() and finished().

        Flask has rendered the whole body and closed the database session by the
        time it returns (the app streams no responses), so finished() runs then,
        not when the server closes the body: a test client may never close it.
        """

        def between_requests(environ, start_response):
            self.started()
            try:
                return wsgi_app(environ, start_response)
            finally:
                self.finished()

        return between_requests


def collect_due() -> int | None:
    """Collect the oldest generation whose count has passed its threshold, as Python would.

    Returns the generation collected, or None when none was due.
    """
    counts = gc.get_count()
    thresholds = gc.get_threshold()
    if not thresholds[0] or counts[0] <= thresholds[0]:
        return None  # Python would not have started a collection yet either
    generation = next(g for g in (2, 1, 0) if g == 0 or counts[g] > thresholds[g])
    gc.collect(generation)
    return generation


#: One per process: the collector is the process's, whichever app a request is for.
between_requests = BetweenRequests()
