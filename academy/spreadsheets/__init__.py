"""Spreadsheets people upload and download: safe reading, columns, problems, templates.

Generic machinery with no knowledge of offerings or portfolios. A feature
describes its sheets as `Column`s; `read_spreadsheet` turns an uploaded
.xlsx or .csv into rows (refusing anything unsafe with a plain message);
`match_columns` and `parse_rows` turn rows into values and `Problem`s that
name the sheet, row and column; `write_template` makes the .xlsx to fill in.
`flow.UploadFlow` keeps a checked upload between its preview and its
confirmation, and confirms it once.
"""

from academy.spreadsheets.columns import Column, ParsedRow, Table, match_columns, parse_rows
from academy.spreadsheets.kinds import (
    CellError,
    Choice,
    Choices,
    Date,
    Integer,
    Kind,
    Money,
    Number,
    Text,
    WebAddress,
    YesNo,
)
from academy.spreadsheets.problems import Findings, Problem, SpreadsheetError
from academy.spreadsheets.reading import Row, Sheet, Workbook, fold_name, read_spreadsheet
from academy.spreadsheets.safety import Limits
from academy.spreadsheets.template import TemplateSheet, write_template

__all__ = [
    "CellError",
    "Choice",
    "Choices",
    "Column",
    "Date",
    "Findings",
    "Integer",
    "Kind",
    "Limits",
    "Money",
    "Number",
    "ParsedRow",
    "Problem",
    "Row",
    "Sheet",
    "SpreadsheetError",
    "Table",
    "TemplateSheet",
    "Text",
    "WebAddress",
    "Workbook",
    "YesNo",
    "fold_name",
    "match_columns",
    "parse_rows",
    "read_spreadsheet",
    "write_template",
]
