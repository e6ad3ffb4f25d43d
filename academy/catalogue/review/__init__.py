"""Curators' pages under /review/: providers and offers waiting, live offers changed, history."""
