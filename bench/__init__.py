"""Benchmarks for the Academy (not tests): `python -m bench` times catalogue search.

See bench/README.md for what is measured and how to run it.
"""
