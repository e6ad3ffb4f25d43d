"""Write a spreadsheet template: data sheets with headers, drop-downs and a Read me sheet.

Each data sheet has a bold, frozen header row, an example row, columns wide
enough to read, a prompt on every column saying what goes in it, and a
drop-down list for every column with a fixed set of values. The lists live in
a hidden "Lists" sheet, so a drop-down can be as long as it needs to be. A
"Read me" sheet comes first and explains every column. `xlsx_download` sends
one to fill in.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Response, send_file
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from academy.spreadsheets.columns import Column

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
README_SHEET = "Read me"
LISTS_SHEET = "Lists"
HEADER_FILL = PatternFill("solid", fgColor="DCEBE8")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass
class TemplateSheet:
    """A data sheet of the template: its columns, what it is for, and an example row."""

    name: str
    columns: Sequence[Column]
    about: str = ""
    example: Mapping[str, Any] = field(default_factory=dict)
    rows: int = 5000  # how far down the drop-downs and prompts reach


def write_template(
    sheets: Sequence[TemplateSheet], *, title: str, introduction: Sequence[str] = ()
) -> bytes:
    """The template as .xlsx bytes."""
    book = Workbook()
    readme = book.active
    readme.title = README_SHEET
    lists = _ListsSheet(book.create_sheet(LISTS_SHEET))
    data_sheets = [_data_sheet(book, sheet, lists) for sheet in sheets]
    book.move_sheet(LISTS_SHEET, offset=len(data_sheets))  # last, and hidden
    lists.ws.sheet_state = "hidden"
    _readme(readme, sheets, title, introduction)
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class _ListsSheet:
    """The hidden sheet holding each drop-down's values, one column per list."""

    def __init__(self, ws):
        self.ws = ws
        self.ranges: dict[tuple[str, ...], str] = {}

    def range_for(self, header: str, values: list[str]) -> str:
        """An absolute reference to a column holding these values (shared when equal)."""
        key = tuple(values)
        if key not in self.ranges:
            column = len(self.ranges) + 1
            letter = get_column_letter(column)
            self.ws.cell(row=1, column=column, value=header).font = BOLD
            for row, value in enumerate(values, start=2):
                self.ws.cell(row=row, column=column, value=value)
            self.ws.column_dimensions[letter].width = max(len(v) for v in values) + 2
            self.ranges[key] = (
                f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
            )
        return self.ranges[key]


def _data_sheet(book: Workbook, sheet: TemplateSheet, lists: _ListsSheet):
    """One data sheet: header, example row, widths, prompts and drop-downs."""
    ws = book.create_sheet(sheet.name)
    last_row = sheet.rows + 1
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        ws.column_dimensions[letter].width = column.width
        example = sheet.example.get(column.name)
        if example is not None:
            target = ws.cell(row=2, column=index, value=example)
            if column.kind.number_format:
                target.number_format = column.kind.number_format
        cells = f"{letter}2:{letter}{last_row}"
        prompt = (column.help or column.kind.describe())[:250]
        values = column.kind.list_values()
        if values:
            free = column.kind.free_text_list
            validation = DataValidation(
                type="list",
                formula1=lists.range_for(column.header, values),
                allow_blank=True,
                showErrorMessage=not free,
                errorTitle="Not on the list",
                error=f"Choose a value for {column.header} from the list.",
                showInputMessage=True,
                promptTitle=column.header[:32],
                prompt=(prompt + (" Type several separated by ;" if free else ""))[:250],
            )
        else:
            validation = DataValidation(
                showInputMessage=True, promptTitle=column.header[:32], prompt=prompt
            )
        validation.add(cells)
        ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30
    return ws


def _readme(ws, sheets: Sequence[TemplateSheet], title: str, introduction: Sequence[str]):
    """The Read me sheet: what the file is for, then every column of every sheet."""
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 90
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=16)
    for paragraph in introduction:
        ws.append([paragraph])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=3)
        ws.cell(row=ws.max_row, column=1).alignment = WRAP
        ws.row_dimensions[ws.max_row].height = 15 * (1 + len(paragraph) // 120)
    for sheet in sheets:
        ws.append([])
        ws.append([f"Sheet “{sheet.name}”"])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=13)
        if sheet.about:
            ws.append([sheet.about])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=3)
            ws.cell(row=ws.max_row, column=1).alignment = WRAP
            ws.row_dimensions[ws.max_row].height = 15 * (1 + len(sheet.about) // 120)
        ws.append(["Column", "Required?", "What to enter"])
        for cell in ws[ws.max_row]:
            cell.font = BOLD
            cell.fill = HEADER_FILL
        for column in sheet.columns:
            text = " ".join(part for part in (column.help, column.kind.describe()) if part)
            ws.append([column.header, "Required" if column.required else "Optional", text])
            for cell in ws[ws.max_row]:
                cell.alignment = WRAP
            ws.row_dimensions[ws.max_row].height = 15 * (1 + len(text) // 95)


def xlsx_download(workbook: bytes, filename: str) -> Response:
    """A template as a download, never kept by a cache (it has dates relative to today)."""
    return send_file(
        io.BytesIO(workbook),
        mimetype=XLSX,
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )
