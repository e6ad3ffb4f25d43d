"""gunicorn settings for this 2-core machine; override with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("ACADEMY_BIND", "127.0.0.1:8000")
# Requests spend much of their time in the database: a few threads per worker
# keep a core busy while another request waits on I/O.
workers = int(os.environ.get("ACADEMY_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("ACADEMY_THREADS", 4))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("ACADEMY_ACCESS_LOG")  # "-" for stdout


def post_worker_init(worker):
    """Build the search index and freeze the heap before the worker takes requests."""
    from academy.warmup import settle

    settle(worker.wsgi)
