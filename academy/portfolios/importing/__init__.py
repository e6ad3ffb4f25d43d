"""Bringing an existing CPD log: the template, reading, preview and confirm."""
