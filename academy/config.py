"""Default settings. Every one can be overridden by an ACADEMY_* variable."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    """The settings a fresh checkout runs with."""

    # Where reference data and the demo catalogue live.
    DATA_DIR = str(PROJECT_ROOT / "data")
    # None means "a SQLite file in the instance folder".
    DATABASE_URL = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}  # never mutated: configure() copies it
    # Seconds a SQLite writer waits for a lock before giving up.
    SQLITE_BUSY_TIMEOUT = 15
    # PostgreSQL (academy/database.py). Seconds to connect before giving up.
    DATABASE_CONNECT_TIMEOUT = 3
    # Seconds a statement may run (the server's statement_timeout); a request's statement
    # the server does not answer is cut off two seconds after. Commands have no limit.
    DATABASE_STATEMENT_TIMEOUT = 20
    # Seconds a pooled connection gets to answer the ping it is given before each use.
    DATABASE_PING_TIMEOUT = 1
    # Pooled connections older than this many seconds are replaced.
    DATABASE_POOL_RECYCLE = 1800
    # While the database cannot be reached, pages answer 503 with this Retry-After.
    UNAVAILABLE_RETRY_AFTER = 30
    # Spreadsheets to import are at most 5 MB; a request may be a little larger,
    # for the form around the file, so the importer says the limit itself.
    # None: IMPORT_MAX_BYTES and 64 KB more (worked out when the app is made).
    IMPORT_MAX_BYTES = 5 * 1024 * 1024
    MAX_CONTENT_LENGTH = None
    # Sent over HTTPS only, however the app is served; `make run` turns it off for
    # `flask run`, which serves plain http on 127.0.0.1.
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A login session ends at log-out, at a change of password, or this many days
    # after it began, whichever comes first (academy/accounts/operations.py).
    LOGIN_SESSION_DAYS = 14
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # How many proxies (load balancers) stand in front of the app and set
    # X-Forwarded-For/-Proto/-Host. 0 trusts none of those headers.
    PROXY_COUNT = 0
    # Flask-Limiter: memory by default; redis://... shares counters between processes
    # and servers. gunicorn refuses several workers counting in memory (gunicorn.conf.py).
    RATELIMIT_STORAGE_URL = "memory://"
    # Seconds any call to Redis may take (connecting, or an answer) before the limiter
    # counts in this process's memory instead, with a warning, until Redis answers again.
    REDIS_TIMEOUT = 0.25
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # A request that meets the storage failing while another thread is switching to
    # memory goes on unlimited (logged) rather than failing: Flask-Limiter re-raises there.
    RATELIMIT_SWALLOW_ERRORS = True
    # Always said: Flask-Limiter keeps one limiter per process and, where an app
    # does not say, carries over the last app's choice (a test app's False).
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute; 50 per hour"
    REGISTER_RATE_LIMIT = "5 per minute; 20 per hour"
    # Changing a password asks for the current one: as guessable as logging in.
    PASSWORD_RATE_LIMIT = "10 per minute; 50 per hour"  # noqa: S105 - a limit, not a password
    # /verify/: anyone may check a record; nobody may try codes by the thousand.
    VERIFY_RATE_LIMIT = "30 per minute; 300 per hour"
    # /shared/<token>: a reader opens a link a few times; nobody may try tokens by the thousand.
    SHARE_RATE_LIMIT = "60 per minute; 600 per hour"
    # Python's cyclic garbage collector runs between requests, never inside one
    # (academy/collector.py: a CPython 3.11 crash). False leaves it to Python.
    COLLECTOR_ENABLED = True
    # gunicorn's workers build the search index and freeze the heap before their
    # first request (academy/warmup.py). False: the first search builds the index.
    WARM_UP_ENABLED = True
    # Bytes of rendered public pages and API responses each server process keeps
    # for the catalogue's current version (academy/http_cache.py); 0 keeps none.
    PAGE_CACHE_BYTES = 16 * 1024 * 1024
    # Search
    SEARCH_PER_PAGE = 20
    SEARCH_MAX_PER_PAGE = 100
    SEARCH_MAX_QUERY_LENGTH = 200


def per_process_limits_refusal(workers: int, environ) -> str | None:
    """Why gunicorn must not start: several workers, each counting the documented limits
    (10 log-ins a minute...) in its own memory, would allow that many times more."""
    enabled = environ.get("ACADEMY_RATELIMIT_ENABLED", "true").strip().lower()
    storage = environ.get("ACADEMY_RATELIMIT_STORAGE_URL", Defaults.RATELIMIT_STORAGE_URL)
    if workers <= 1 or enabled in ("false", "0", "no") or not storage.startswith("memory"):
        return None
    return (
        f"Refusing to start {workers} workers that would each count rate limits in their own "
        "memory, allowing each limit that many times over. Share the counters in Redis "
        "(ACADEMY_RATELIMIT_STORAGE_URL=redis://127.0.0.1:6379/0), or run one worker "
        "(ACADEMY_WORKERS=1, with more ACADEMY_THREADS)."
    )
