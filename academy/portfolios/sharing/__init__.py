"""Share links: read-only, revocable, expiring views of a portfolio."""
