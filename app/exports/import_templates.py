"""Excel import templates (issue 15 §2): one sheet to fill in, one sheet of notes.

This module only writes: the services layer (``services/imports.py``) decides the columns,
their choices and the example row, and hands them over as :class:`TemplateColumn` values.

Layout of the data sheet (0-based rows)::

    0  column headers (bold; required columns in red), each with a comment explaining it
    1  the example row (valid as it stands: importing the template unchanged succeeds)
    2… empty rows to fill in; choice columns carry a drop-down list (data validation),
       text columns are formatted as text so that ID and phone numbers keep every digit

The notes sheet “填写说明” lists every column: 列名, 必填, 说明, 可选值, then general notes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

import xlsxwriter

from .xlsx import FONT_NAME, WORKBOOK_OPTIONS

__all__ = ["NOTES_SHEET", "TemplateColumn", "write_template"]

NOTES_SHEET = "填写说明"
#: Rows below the header that carry the drop-down lists and the text format.
VALIDATED_ROWS = 20_000
# Excel refuses a list source longer than 255 characters (joined with commas).
_LIST_SOURCE_MAX = 255


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    required: bool = False
    kind: str = "text"  # "text" | "date" | "number" | "choice"
    choices: tuple[str, ...] = ()
    note: str = ""
    width: float = 14


def _formats(book) -> dict:
    base = {"font_name": FONT_NAME, "font_size": 11}
    return {
        "header": book.add_format({**base, "bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True}),
        "required": book.add_format(
            {**base, "bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True, "font_color": "#C00000"}
        ),
        "text": book.add_format({**base, "num_format": "@"}),
        "date": book.add_format({**base, "num_format": "yyyy-mm-dd"}),
        "plain": book.add_format(base),
        "title": book.add_format({**base, "bold": True, "font_size": 14}),
        "wrap": book.add_format({**base, "text_wrap": True, "valign": "top"}),
        "wrap_bold": book.add_format({**base, "text_wrap": True, "valign": "top", "bold": True, "border": 1}),
        "cell": book.add_format({**base, "text_wrap": True, "valign": "top", "border": 1}),
    }


def _write_value(sheet, row: int, col: int, column: TemplateColumn, value: Any, fmt: dict) -> None:
    if value is None or value == "":
        return
    if column.kind == "date" and isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt["date"])
    elif column.kind == "number" and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        sheet.write_number(row, col, float(value), fmt["plain"])
    else:
        sheet.write_string(row, col, str(value), fmt["text"] if column.kind == "text" else fmt["plain"])


def _data_sheet(book, name: str, columns: Sequence[TemplateColumn], example: Sequence[Any], fmt: dict) -> None:
    sheet = book.add_worksheet(name)
    sheet.freeze_panes(1, 0)
    sheet.set_row(0, 32)
    for col, column in enumerate(columns):
        cell_format = {"text": fmt["text"], "date": fmt["date"]}.get(column.kind, fmt["plain"])
        sheet.set_column(col, col, column.width, cell_format)
        sheet.write_string(0, col, column.header, fmt["required" if column.required else "header"])
        comment = ("必填。" if column.required else "") + column.note
        if comment:
            sheet.write_comment(0, col, comment, {"x_scale": 2, "y_scale": 1.5, "font_name": FONT_NAME})
        if column.kind == "choice" and column.choices and len(",".join(column.choices)) <= _LIST_SOURCE_MAX:
            sheet.data_validation(
                1,
                col,
                VALIDATED_ROWS,
                col,
                {
                    "validate": "list",
                    "source": list(column.choices),
                    "error_title": "无效的选项",
                    "error_message": "请从下拉列表中选择：" + "、".join(column.choices),
                },
            )
    for col, (column, value) in enumerate(zip(columns, example, strict=True)):
        _write_value(sheet, 1, col, column, value, fmt)


def _notes_sheet(book, title: str, columns: Sequence[TemplateColumn], notes: Sequence[str], fmt: dict) -> None:
    sheet = book.add_worksheet(NOTES_SHEET)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 6)
    sheet.set_column(2, 2, 60)
    sheet.set_column(3, 3, 36)
    sheet.write_string(0, 0, title, fmt["title"])
    for col, text in enumerate(("列名", "必填", "说明", "可选值")):
        sheet.write_string(2, col, text, fmt["wrap_bold"])
    for row, column in enumerate(columns, start=3):
        sheet.write_string(row, 0, column.header, fmt["cell"])
        sheet.write_string(row, 1, "是" if column.required else "", fmt["cell"])
        sheet.write_string(row, 2, column.note, fmt["cell"])
        sheet.write_string(row, 3, "、".join(column.choices), fmt["cell"])
    row = 3 + len(columns) + 1
    for text in notes:
        sheet.merge_range(row, 0, row, 3, text, fmt["wrap"])
        sheet.set_row(row, 18 * max(1, len(text) // 60 + 1))
        row += 1


def write_template(
    out: BinaryIO | str,
    *,
    sheet_name: str,
    title: str,
    columns: Sequence[TemplateColumn],
    example: Sequence[Any],
    notes: Sequence[str] = (),
) -> None:
    """Write the template of one kind of import to ``out`` (a path or a binary file)."""
    book = xlsxwriter.Workbook(out, {**WORKBOOK_OPTIONS, "in_memory": True})
    try:
        fmt = _formats(book)
        _data_sheet(book, sheet_name, columns, example, fmt)
        _notes_sheet(book, title, columns, notes, fmt)
    finally:
        book.close()
