"""gunicorn settings for this 2-core machine; override with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("ACADEMY_BIND", "127.0.0.1:8000")
# Requests spend much of their time in the database: a few threads per worker
# keep a core busy while another request waits on I/O.
workers = int(os.environ.get("ACADEMY_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("ACADEMY_THREADS", 4))
worker_class = "gthread"
# A gthread worker accepts connections until it holds this many, then leaves the rest
# to the others. gunicorn's default (1,000) let one worker take every keep-alive
# connection of a client (the load test's 16 went to one worker, the other idle);
# twice the threads spreads them, and a connection beyond waits briefly to be accepted.
worker_connections = int(os.environ.get("ACADEMY_WORKER_CONNECTIONS", 2 * threads))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Workers are not recycled: a worker's memory stays flat (bench/load.py serves each
# 10,000 requests and reads it; academy/collector.py), and each new worker would
# rebuild the search index (seconds at 100,000 offers). ACADEMY_MAX_REQUESTS=N
# recycles after N requests (with up to a tenth more, so workers do not restart together).
max_requests = int(os.environ.get("ACADEMY_MAX_REQUESTS", 0))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("ACADEMY_ACCESS_LOG")  # "-" for stdout


def on_starting(server):
    """Refuse several workers that would each count rate limits in their own memory."""
    from academy.config import per_process_limits_refusal

    refusal = per_process_limits_refusal(server.cfg.workers, os.environ)
    if refusal:
        server.log.error(refusal)
        raise SystemExit(refusal)


def post_worker_init(worker):
    """Build the search index and freeze the heap before the worker takes requests."""
    from time import perf_counter

    from academy.warmup import settle

    started = perf_counter()
    settle(worker.wsgi)
    # bench/load.py waits for this line from every worker before it starts measuring.
    worker.log.info(
        "Worker ready (pid: %s): search index built in %.1f s", worker.pid, perf_counter() - started
    )
