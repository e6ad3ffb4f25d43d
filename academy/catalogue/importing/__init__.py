"""Importing offers from a spreadsheet: columns, reading, preview, writing, pages, CLI."""
