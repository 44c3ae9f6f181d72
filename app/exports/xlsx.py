"""Generic xlsx table writer: Chinese headers, A4 print setup, streaming rows.

This module knows nothing about Flask or the database.  The services layer runs the
query (already scoped to the user's villages, with ID numbers and phones masked as
§12 requires) and hands plain Python values to :func:`write_table`:

* ``rows`` is any iterable — a generator over a server-side cursor is the intended
  input for big ledgers.  With ``constant_memory=True`` (the default) XlsxWriter
  flushes every finished row to a temporary file, so memory stays flat whatever the
  number of rows (see ``tests/bench/bench_export_memory.py``).
* A row is a tuple/list, or a dataclass instance (its fields in declaration order).

Cells are written by the :class:`Column` kind:

``text``
    Always ``write_string`` — the value (``str(value)``, ``None`` → blank) is stored
    as a string cell and never becomes a formula, hyperlink or number, whatever it
    starts with (``=``, ``+``, ``-``, ``@``, tab, CR …; SPEC §11).  Nothing is
    prefixed, so the cell shows exactly what the user typed.  Windows line breaks
    (``\\r\\n``, as browsers submit textareas) are written as Excel's ``\\n``.
``int``
    ``write_number``.
``money``
    ``Decimal`` (or ``int``) in, quantized to 0.01 with ROUND_HALF_UP and converted
    to ``float`` only at this write boundary, shown as ``#,##0.00``.  A ``float``
    is refused (``TypeError``): money never travels as float in this system.
``percent``
    A ratio (``Decimal``/``int``/``float``, 0.95 = 95 %) written as a number shown as ``0.0%``
    (a rate is not money, so a float is accepted here).
``date`` / ``datetime``
    ``write_datetime`` with ``yyyy-mm-dd`` / ``yyyy-mm-dd hh:mm``.  Datetimes are
    expected as naive local time; an aware value is written with its own wall-clock
    time (its tzinfo is dropped, not converted).

For every non-text kind a ``str`` value is written as text (e.g. ``"—"``) and
``None`` as a bordered blank cell.

Layout of :func:`write_table` (0-based rows)::

    0  title (merged over all columns, bold 16pt)
    1  subtitle_left ........................ subtitle_right / 单位：…
    2  column headers (bold, wrapped, grey, bordered) — frozen, repeated on every page
    3… data rows (bordered)
       totals row (bold, double top border), if given
       note (one merged line of text), if given
       (blank)
       footer line(s) spread across the width, if given
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, BinaryIO

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.utility import _datetime_to_excel_datetime, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

__all__ = ["KINDS", "Column", "write_table"]

KINDS = ("text", "int", "money", "percent", "date", "datetime")

FONT_NAME = "宋体"  # Excel/WPS map it to SimSun; LibreOffice falls back to a CJK font
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PAGE_FOOTER = "&C第 &P 页，共 &N 页"
PAPER_A4 = 9
MAX_ROWS = 1_048_576  # Excel's hard limit
HEADER_ROW = 2
FIRST_DATA_ROW = 3

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

#: Data rows of constant_memory tables are serialized by ``_Table._data_direct`` (off: through
#: XlsxWriter's cell table, as before — the reference the unit tests compare against).
DIRECT_ROWS = True

#: zlib level of the workbooks' zip members. XlsxWriter deflates at zlib's default (6), which
#: cost a 100,000-row ledger about a quarter of its time; level 1 is ~3× faster for a file some
#: 25 % larger (the sheet XML is repetitive either way). XlsxWriter 3.x internals: its
#: ``workbook`` module creates the package with its own ``ZipFile`` name, replaced here once.
ZIP_LEVEL = 1


class _PackageZip(zipfile.ZipFile):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("compresslevel", ZIP_LEVEL)
        super().__init__(*args, **kwargs)


_packaging = getattr(xlsxwriter.workbook, "ZipFile", None)
if not (isinstance(_packaging, type) and issubclass(_packaging, zipfile.ZipFile)):
    raise ImportError("XlsxWriter no longer packages with zipfile.ZipFile: review app/exports/xlsx.ZIP_LEVEL")
xlsxwriter.workbook.ZipFile = _PackageZip  # type: ignore[attr-defined]

_CENT = Decimal("0.01")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclasses.dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    kind: str = "text"  # "text" | "int" | "money" | "percent" | "date" | "datetime"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; expected one of {KINDS}")


# --------------------------------------------------------------------------- helpers
# (also used by payout.py)


def money_to_float(value: Decimal | int) -> float:
    """Quantize a money amount to 0.01 (ROUND_HALF_UP) and return it as float.

    The only place a money value becomes a float: the xlsx number cell itself.
    """
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"money must be Decimal (or int), got {type(value).__name__}: {value!r}")
    return float(Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP))


def text_value(value: Any) -> str:
    """The string a text cell shows: ``None`` → ``""``, CRLF → LF."""
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n")


class _CharWidths(dict):
    """character → its width (2 for East Asian wide/full-width, else 1), looked up once."""

    def __missing__(self, ch: str) -> int:
        width = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        self[ch] = width
        return width


_CHAR_WIDTHS = _CharWidths()


def display_width(text: str) -> int:
    """Width of ``text`` in Excel column units (CJK/full-width characters count 2)."""
    if text.isascii():
        return len(text)
    return sum(map(_CHAR_WIDTHS.__getitem__, text))


def wrapped_height(texts: Sequence[str], widths: Sequence[float], line_height: float = 14.5) -> float:
    """A row height (points) that shows every wrapped text of the row in full."""
    lines = 1
    for text, width in zip(texts, widths, strict=False):
        usable = max(float(width) - 1, 1.0)
        n = sum(max(1, math.ceil(display_width(part) * 1.1 / usable)) for part in text.split("\n"))
        lines = max(lines, n)
    return lines * line_height + 6


def safe_sheet_name(name: str) -> str:
    """An Excel-valid sheet name: no ``[]:*?/\\``, no edge apostrophes, ≤ 31 chars."""
    cleaned = _BAD_SHEET_CHARS.sub("_", name or "").strip("'")[:31]
    return cleaned or "Sheet1"


#: A string that needs XlsxWriter's escapes in an inline string: a control character (its
#: ``_xHHHH_`` escapes), ``_x`` (the escape of the escape), U+FFFE/U+FFFF, or XML's ``&<>``
#: (which a ``<r>…</r>`` rich string starts with too).
_NEEDS_ESCAPE = re.compile(r"[\x00-\x1f&<>\ufffe\uffff]|_x")


class StreamingWorksheet(Worksheet):
    """A worksheet that, in constant_memory mode, writes each finished row's cells with one
    ``write`` instead of XlsxWriter's per-cell XML calls — the same bytes (tested against
    XlsxWriter's own writer).

    XlsxWriter 3.x internals: ``_write_single_row`` flushes the previous row of ``table``
    (``{col: Cell namedtuple}``).  Only rows whose cells are all formatted strings, numbers,
    dates and blanks take the fast path; any other row (formulas, rich strings, unformatted
    cells, comments) goes through XlsxWriter's own method.
    """

    def __init__(self) -> None:
        super().__init__()
        self._col_names: dict[int, str] = {}

    def _write_single_row(self, current_row_num: int = 0) -> None:
        row_num = self.previous_row
        row = self.table.get(row_num)
        xml = self._row_cells_xml(row_num, row) if row and row_num not in self.comments else None
        if xml is None:
            super()._write_single_row(current_row_num)
            return
        self.previous_row = current_row_num
        self._write_row(row_num, None, self.row_info.get(row_num))
        self.fh.write(xml)
        self._xml_end_tag("row")
        self.table.clear()

    def _row_cells_xml(self, row_num: int, row: dict) -> str | None:
        """The ``<c>`` elements of one row as XlsxWriter writes them, or None (not a plain row)."""
        names = self._col_names
        ref = str(row_num + 1)
        parts = []
        for col in sorted(row):
            cell = row[col]
            fmt = cell.format
            if fmt is None:
                return None
            name = names.get(col)
            if name is None:
                name = names[col] = xl_col_to_name(col)
            head = f'<c r="{name}{ref}" s="{fmt._get_xf_index()}"'
            kind = cell.__class__.__name__
            if kind == "String":
                text = cell.string
                escape = _NEEDS_ESCAPE.search(text) is not None
                if escape:
                    text = self._escape_control_characters(text)
                    if text.startswith("<r>") and text.endswith("</r>"):
                        return None  # a rich string: XlsxWriter's own writer
                # xml:space as XlsxWriter's ^\s / \s$ test (re's \s is str.isspace)
                space = ' xml:space="preserve"' if text and (text[0].isspace() or text[-1].isspace()) else ""
                if escape:
                    text = self._escape_data(text)
                parts.append(f'{head} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif kind in ("Number", "Datetime"):
                parts.append(f"{head}><v>{cell.number:.16G}</v></c>")
            elif kind == "Blank":
                parts.append(f"{head}/>")
            else:
                return None
        return "".join(parts)


#: Values whose cell XML is remembered per column (:meth:`_Table._data_direct`): only these two
#: exact types — equal values of other types (1, 1.0, True) must never share a cell's XML.
_REPEATING = frozenset({str, date})
#: The head a remembered cell is made with: its XML is then what follows the ``<c r=".." s=".."``.
TAIL = ""
#: Values remembered per column at most (then forgotten: memory stays flat on any table).
MEMO_VALUES = 1024
#: After this many rows, a column with more distinct values than half of them (a case number,
#: an ID number) stops being remembered: a miss costs more than writing the cell.
MEMO_TRIAL_ROWS = 256


def _remember(memo: dict, value: Any, tail: str) -> str:
    if len(memo) >= MEMO_VALUES:
        memo.clear()
    memo[value] = tail
    return tail


def _text_cell(head: str, text: str) -> str:
    """One inline-string ``<c>`` as XlsxWriter writes it (``head`` is ``<c r=".." s=".."``).

    One difference: a text that looks like XlsxWriter's own rich-string markup (``<r>…</r>``)
    is written escaped, as the text it is — XlsxWriter would copy it into the XML unescaped,
    and a villager's note must never turn into markup (or a file Excel has to repair)."""
    if len(text) > 16383 and _utf16_len(text) > 32767:
        text = _utf16_truncate(text, 32767)
    if _NEEDS_ESCAPE.search(text) is not None:
        text = _escape_text(text)
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f'{head} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _escape_text(text: str) -> str:
    text = Worksheet._escape_control_characters(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _number_cell(head: str, number: float | int) -> str:
    if isinstance(number, float) and not math.isfinite(number):
        raise TypeError(f"number cell got {number!r}")  # XlsxWriter refuses NaN/INF too
    return f"{head}><v>{number:.16G}</v></c>"


def _when_number(value: date | datetime, dates: dict) -> float:
    """Excel's serial number of a date (remembered: a ledger's dates repeat) or datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return _datetime_to_excel_datetime(value, False, False)
    number = dates.get(value)
    if number is None:
        if len(dates) > 4096:
            dates.clear()
        number = dates[value] = _datetime_to_excel_datetime(value, False, False)
    return number


def _blank_or_text(head: str, value: Any) -> str:
    text = text_value(value)
    return _text_cell(head, text) if text else f"{head}/>"


def _text_xml(head: str, value: Any, dates: dict) -> str:
    if value is None:
        return f"{head}/>"
    if value.__class__ is str and value and "\r" not in value and len(value) <= 16383:
        if _NEEDS_ESCAPE.search(value) is None and not value[0].isspace() and not value[-1].isspace():
            return f'{head} t="inlineStr"><is><t>{value}</t></is></c>'  # the common case, at once
    return _blank_or_text(head, value)


def _int_xml(head: str, value: Any, dates: dict) -> str:
    if value is None:
        return f"{head}/>"
    if isinstance(value, str):
        return _blank_or_text(head, value)
    if isinstance(value, (int, float, Decimal)):
        return _number_cell(head, value if isinstance(value, (int, float)) else float(value))
    raise TypeError(f"int column got {type(value).__name__}: {value!r}")


def _money_xml(head: str, value: Any, dates: dict) -> str:
    if value is None:
        return f"{head}/>"
    if isinstance(value, str):
        return _blank_or_text(head, value)
    return _number_cell(head, money_to_float(value))


def _percent_xml(head: str, value: Any, dates: dict) -> str:
    if value is None:
        return f"{head}/>"
    if isinstance(value, str):
        return _blank_or_text(head, value)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"percent column got {type(value).__name__}: {value!r}")
    return _number_cell(head, float(value))


def _when_xml(head: str, value: Any, dates: dict) -> str:
    if value is None:
        return f"{head}/>"
    if isinstance(value, str):
        return _blank_or_text(head, value)
    if isinstance(value, date):
        return _number_cell(head, _when_number(value, dates))
    raise TypeError(f"date/datetime column got {type(value).__name__}: {value!r}")


#: The ``<c>`` of one data cell by column kind: the rules of :data:`WRITERS`, as XML.
CELL_XML: dict[str, Callable[[str, Any, dict], str]] = {
    "text": _text_xml,
    "int": _int_xml,
    "money": _money_xml,
    "percent": _percent_xml,
    "date": _when_xml,
    "datetime": _when_xml,
}


@contextmanager
def open_workbook(out: BinaryIO | str, *, constant_memory: bool) -> Iterator[Workbook]:
    """A workbook that is closed (written to ``out``) when the block ends normally.

    If the block raises — a bad row, a database error inside the row generator — nothing
    is written to ``out`` and the worksheets' constant_memory temporary files are removed
    (XlsxWriter creates them with ``mkstemp`` and only deletes them in ``close()``).
    """
    wb = xlsxwriter.Workbook(out, {"constant_memory": constant_memory, **WORKBOOK_OPTIONS})
    try:
        yield wb
        wb.close()
    except BaseException:
        _discard(wb)
        raise


def _discard(wb: Workbook) -> None:
    # XlsxWriter 3.x internals: Worksheet.row_data_fh / row_data_filename.
    for ws in wb.worksheets():
        fh = getattr(ws, "row_data_fh", None)
        if fh is not None and not fh.closed:
            fh.close()
        filename = getattr(ws, "row_data_filename", None)
        if filename:
            with suppress(OSError):
                os.unlink(filename)


def page_setup(
    ws: Worksheet,
    *,
    landscape: bool,
    repeat: tuple[int, int] | None,
    freeze_row: int | None,
) -> None:
    """A4, one page wide, narrow margins, centred, page numbers, repeated header rows."""
    ws.set_paper(PAPER_A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=MARGIN_IN, right=MARGIN_IN, top=0.6, bottom=0.6)
    ws.set_footer(PAGE_FOOTER, {"margin": 0.25})
    ws.center_horizontally()
    ws.fit_to_pages(1, 0)
    if repeat is not None:
        ws.repeat_rows(*repeat)
    if freeze_row is not None:
        ws.freeze_panes(freeze_row, 0)


#: Printable width of A4 (mm) at the margins of :func:`page_setup`, and the pixels of one
#: Excel width unit of the default font (Calibri 11: 7 px a character + 5 px of padding).
A4_MM = {True: 297.0, False: 210.0}
MARGIN_IN = 0.3


def effective_font_size(widths: Sequence[float], body_size: float, *, landscape: bool = True) -> float:
    """The printed size (pt) of ``body_size`` text once ``fit_to_pages(1, 0)`` has shrunk a
    table of column ``widths`` to one A4 page wide (Excel's column-width → pixel rule)."""
    page_px = (A4_MM[landscape] - 2 * MARGIN_IN * 25.4) / 25.4 * 96
    table_px = sum(math.floor(w * 7 + 5) for w in widths)
    return body_size * min(1.0, page_px / table_px)


def merge_text(ws: Worksheet, row: int, first_col: int, last_col: int, text: str, fmt: Any) -> None:
    """Write ``text`` as a string over ``first_col..last_col`` of one row (merged if > 1 col).

    The merge is created empty and the text written with ``write_string``, so a caller's
    title can never turn into a formula either.  Works in constant_memory mode as long
    as the row is the current one.
    """
    if last_col > first_col:
        ws.merge_range(row, first_col, row, last_col, "", fmt)
    if text:
        ws.write_string(row, first_col, text, fmt)
    else:
        ws.write_blank(row, first_col, None, fmt)


def spread(n_items: int, n_cols: int) -> list[tuple[int, int]]:
    """Split ``n_cols`` columns into ``n_items`` contiguous, near-equal (first, last) spans."""
    bounds = [round(i * n_cols / n_items) for i in range(n_items + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(n_items)]


class Styles:
    """The cell formats of one workbook (XlsxWriter formats belong to a workbook)."""

    def __init__(self, wb: Workbook, *, body_size: float = 10) -> None:
        base = {"font_name": FONT_NAME, "font_size": body_size, "valign": "vcenter"}
        cell = {**base, "border": 1}
        self.title = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
        self.subtitle = wb.add_format({**base, "font_size": 12, "align": "center"})
        self.left = wb.add_format({**base, "align": "left"})
        self.center = wb.add_format({**base, "align": "center"})
        self.right = wb.add_format({**base, "align": "right"})
        self.header = wb.add_format(
            {
                **cell,
                "bold": True,
                "font_size": body_size + 1,
                "align": "center",
                "text_wrap": True,
                "bg_color": "#D9D9D9",
            }
        )
        self.banner = wb.add_format({**cell, "align": "left", "text_wrap": True})
        number_formats = {
            "text": None,
            "int": "0",
            "money": MONEY_FORMAT,
            "percent": PERCENT_FORMAT,
            "date": DATE_FORMAT,
            "datetime": DATETIME_FORMAT,
        }
        self.body: dict[str, Any] = {}
        self.total: dict[str, Any] = {}
        for kind, num_format in number_formats.items():
            # indent 1: a character's space between the border and the value (left text, right money)
            props: dict[str, Any] = {**cell, "indent": 1} if kind in ("text", "money") else dict(cell)
            if kind == "text":
                props["text_wrap"] = True
            elif num_format is not None:
                props["num_format"] = num_format
            if kind == "money":
                props["align"] = "right"
            if kind in ("int", "percent", "date", "datetime"):
                props["align"] = "center"
            self.body[kind] = wb.add_format(props)
            # totals: bold, double rule on top
            self.total[kind] = wb.add_format({**props, "bold": True, "top": 6})
        self.body_text_center = wb.add_format({**cell, "align": "center", "text_wrap": True})
        self.total_label = wb.add_format({**cell, "bold": True, "align": "center", "top": 6})


CellWriter = Callable[[Worksheet, int, int, Any, Any], Any]

# The writers call XlsxWriter's undecorated ``_write_*`` methods (3.x): the public ``write_*``
# only add A1-notation parsing in front of them, and this is the inner loop of big ledgers.


def _write_text(ws: Worksheet, r: int, c: int, value: Any, fmt: Any) -> Any:
    text = text_value(value)
    if not text:
        return ws._write_blank(r, c, None, fmt)
    return ws._write_string(r, c, text, fmt)


def _write_int(ws: Worksheet, r: int, c: int, value: Any, fmt: Any) -> Any:
    if value is None:
        return ws._write_blank(r, c, None, fmt)
    if isinstance(value, str):
        return ws._write_string(r, c, text_value(value), fmt)
    if isinstance(value, (int, float, Decimal)):
        return ws._write_number(r, c, value if isinstance(value, (int, float)) else float(value), fmt)
    raise TypeError(f"int column got {type(value).__name__}: {value!r}")


def _write_money(ws: Worksheet, r: int, c: int, value: Any, fmt: Any) -> Any:
    if value is None:
        return ws._write_blank(r, c, None, fmt)
    if isinstance(value, str):
        return ws._write_string(r, c, text_value(value), fmt)
    return ws._write_number(r, c, money_to_float(value), fmt)


def _write_percent(ws: Worksheet, r: int, c: int, value: Any, fmt: Any) -> Any:
    if value is None:
        return ws._write_blank(r, c, None, fmt)
    if isinstance(value, str):
        return ws._write_string(r, c, text_value(value), fmt)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"percent column got {type(value).__name__}: {value!r}")
    return ws._write_number(r, c, float(value), fmt)


def _write_when(ws: Worksheet, r: int, c: int, value: Any, fmt: Any) -> Any:
    if value is None:
        return ws._write_blank(r, c, None, fmt)
    if isinstance(value, str):
        return ws._write_string(r, c, text_value(value), fmt)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return ws._write_datetime(r, c, value, fmt)
    if isinstance(value, date):
        return ws._write_datetime(r, c, value, fmt)
    raise TypeError(f"date/datetime column got {type(value).__name__}: {value!r}")


WRITERS: dict[str, CellWriter] = {
    "text": _write_text,
    "int": _write_int,
    "money": _write_money,
    "percent": _write_percent,
    "date": _write_when,
    "datetime": _write_when,
}


def write_cell(ws: Worksheet, r: int, c: int, value: Any, kind: str, fmt: Any) -> None:
    """Write one value by column kind (see the module docstring)."""
    WRITERS[kind](ws, r, c, value, fmt)


_dataclass_fields: dict[type, tuple[str, ...]] = {}


def _as_sequence(row: Any) -> Sequence:
    if isinstance(row, (tuple, list)):
        return row
    cls = type(row)
    names = _dataclass_fields.get(cls)
    if names is None:
        if not dataclasses.is_dataclass(row) or isinstance(row, type):
            return tuple(row)  # any other iterable row
        names = tuple(f.name for f in dataclasses.fields(row))
        _dataclass_fields[cls] = names
    return tuple(getattr(row, name) for name in names)


def _row_lines(values: Sequence, text_cols: Sequence[tuple[int, float]], widths: dict) -> int:
    """The lines data row ``values`` needs: its tallest wrapped text cell (1 = one line).
    ``widths`` remembers the estimate of each long text (a ledger's texts repeat: item names,
    results); the caller empties it now and then (flat memory)."""
    lines = 1
    for c, usable in text_cols:
        value = values[c]
        if value is None:
            continue
        text = value if isinstance(value, str) else str(value)
        if len(text) * 2.2 <= usable * lines and "\n" not in text and "\r" not in text:
            continue  # needs no more lines than the row has, whatever its characters
        key = (text, usable)
        n = widths.get(key)
        if n is None:
            if "\n" in text or "\r" in text:
                parts = text_value(text).split("\n")
                n = sum(max(1, math.ceil(display_width(p) * 1.1 / usable)) for p in parts)
            else:
                n = math.ceil(display_width(text) * 1.1 / usable)
            widths[key] = n
        if n > lines:
            lines = n
    return lines


def _row_height(lines: int) -> float:
    """The height (points) of a data row of ``lines`` wrapped lines."""
    return lines * 13.5 + 3


def _fit_row(ws: Worksheet, r: int, values: Sequence, text_cols: Sequence[tuple[int, float]]) -> bool:
    """Set the height of data row ``r`` when a text cell needs more than one line (→ True)."""
    lines = _row_lines(values, text_cols, {})
    if lines > 1:
        ws.set_row(r, _row_height(lines))
        return True
    return False


def _tall_row_tag(ws: Worksheet, lines: int) -> str:
    """The ``<row r="%s" …>`` start tag XlsxWriter writes for ``set_row(r, _row_height(lines))``
    (3.x ``Worksheet._write_row``: pixels rounded as ``set_row`` does, then ``ht`` in points
    and ``customHeight``) — for a sheet with the default row height and Excel 2007 XML."""
    pixels = int(_row_height(lines) * 4.0 / 3.0 + 0.5)
    if pixels == ws.original_row_height:
        return '<row r="%s">'
    return f'<row r="%s" ht="{pixels * 0.75:.16g}" customHeight="1">'


def _forget_row(ws: Worksheet, r: int) -> None:
    """Drop the stored height of a row already written out (constant_memory mode).

    XlsxWriter keeps every ``set_row`` in ``row_info``/``row_sizes`` (3.x internals) for the
    whole sheet; once the row is on disk they are not needed, and keeping them would make
    memory grow with the number of rows again.
    """
    for name in ("row_info", "row_sizes"):
        store = getattr(ws, name, None)
        if isinstance(store, dict):
            store.pop(r, None)


def _check_row_index(r: int) -> None:
    if r >= MAX_ROWS:
        raise ValueError(f"the table does not fit in one sheet (Excel's limit is {MAX_ROWS} rows)")


# ------------------------------------------------------------------------ write_table


def _unit_text(unit: str) -> str:
    return unit if unit.startswith("单位") else f"单位：{unit}"


class _Table:
    """One sheet of :func:`write_table`, written strictly top-down (constant_memory): each
    part of the layout is one method, called in page order; ``r`` is the next row."""

    def __init__(self, wb: Workbook, columns: list[Column], *, sheet_name: str, body_size: float) -> None:
        self.st = Styles(wb, body_size=body_size)
        self.ws = wb.add_worksheet(safe_sheet_name(sheet_name), worksheet_class=StreamingWorksheet)
        self.columns = columns
        self.n = len(columns)
        self.last_col = self.n - 1
        self.widths = [c.width for c in columns]
        self.kinds = [c.kind for c in columns]
        self.writers = [WRITERS[k] for k in self.kinds]
        self.r = FIRST_DATA_ROW

    def setup(self, *, landscape: bool) -> None:
        for i, width in enumerate(self.widths):
            self.ws.set_column(i, i, width)
        page_setup(self.ws, landscape=landscape, repeat=(0, HEADER_ROW), freeze_row=FIRST_DATA_ROW)

    def title(self, title: str) -> None:
        """Row 0: the title over the whole width."""
        self.ws.set_row(0, 30)
        merge_text(self.ws, 0, 0, self.last_col, title, self.st.title)

    def subtitles(self, left: str, right: str) -> None:
        """Row 1: ``left`` on the left half, ``right`` on the right half (one merged line
        when only one is given or the table has one column)."""
        ws, st = self.ws, self.st
        ws.set_row(1, 20)
        if left and right and self.n > 1:
            split = (self.n + 1) // 2
            merge_text(ws, 1, 0, split - 1, left, st.left)
            merge_text(ws, 1, split, self.last_col, right, st.right)
        elif left or right:
            text = "　".join(t for t in (left, right) if t)
            merge_text(ws, 1, 0, self.last_col, text, st.left if left else st.right)

    def headers(self) -> None:
        """Row 2: the column headers, tall enough for the wrapped ones."""
        headers = [c.header for c in self.columns]
        self.ws.set_row(HEADER_ROW, max(20.0, wrapped_height(headers, self.widths, line_height=15)))
        for i, header in enumerate(headers):
            _write_text(self.ws, HEADER_ROW, i, header, self.st.header)

    def data(self, rows: Iterable[Sequence], *, fit_rows: bool, constant_memory: bool) -> int:
        """The data rows, consumed once in order; returns how many were written."""
        if constant_memory and DIRECT_ROWS:
            return self._data_direct(rows, fit_rows=fit_rows)
        ws, n, writers = self.ws, self.n, self.writers
        # (writer, column, format) of every column, formats looked up once for the whole table
        cells = list(zip(writers, range(n), [self.st.body[k] for k in self.kinds], strict=True))
        r = FIRST_DATA_ROW
        text_cols = self._text_columns() if fit_rows else []
        fitted_before: int | None = None
        for raw in rows:
            values = _as_sequence(raw)
            if len(values) != n:
                # (no values in the message: rows hold personal data)
                raise ValueError(f"row {r - FIRST_DATA_ROW + 1} has {len(values)} values for {n} columns")
            if r >= MAX_ROWS:
                _check_row_index(r)
            fitted = bool(text_cols) and _fit_row(ws, r, values, text_cols)
            for (write, c, fmt), value in zip(cells, values, strict=True):
                write(ws, r, c, value, fmt)
            if constant_memory and fitted_before is not None:
                # writing row r flushed the row before it to disk: forget its height too
                _forget_row(ws, fitted_before)
                fitted_before = None
            if fitted:
                fitted_before = r
            r += 1
        self.r = r
        return r - FIRST_DATA_ROW

    def _data_direct(self, rows: Iterable[Sequence], *, fit_rows: bool) -> int:
        """The data rows in constant_memory mode, each written to the sheet's row file as one
        string the moment it is read: no XlsxWriter cell objects, the column formats' style
        indices looked up once.  The same rules (:data:`CELL_XML`) and, but for
        :func:`_text_cell`'s escaping, the bytes XlsxWriter writes (a unit test compares them).

        XlsxWriter 3.x internals: the header row still pending in ``table`` is flushed first;
        afterwards ``previous_row``, ``dim_*`` are what XlsxWriter's own writes would leave."""
        ws, n, kinds = self.ws, self.n, self.kinds
        r = FIRST_DATA_ROW
        ws._write_single_row(r)  # flush the header row; ``previous_row`` = r
        # after the header row, so the style indices are assigned in the order XlsxWriter's own
        # first data row would assign them
        heads = [f'<c r="{xl_col_to_name(c)}%s" s="{self.st.body[kinds[c]]._get_xf_index()}"' for c in range(n)]
        # a column's texts and dates repeat (the village, the item, the status, a day): the XML
        # after a cell's ``<c r=".." s=".."`` is remembered per value (a few µs a row)
        columns = list(zip([CELL_XML[k] for k in kinds], heads, [{} for _ in kinds], strict=True))
        text_cols = self._text_columns() if fit_rows else []
        # the <row> tags are written here only for XlsxWriter's plain case; else it writes them
        plain_height = ws.default_row_height == ws.original_row_height and ws.excel_version == 2007
        write, dates, widths, tags = ws.fh.write, {}, {}, {}
        for raw in rows:
            values = _as_sequence(raw)
            if len(values) != n:
                # (no values in the message: rows hold personal data)
                raise ValueError(f"row {r - FIRST_DATA_ROW + 1} has {len(values)} values for {n} columns")
            if r >= MAX_ROWS:
                _check_row_index(r)
            ref = str(r + 1)
            cells = "".join(
                [
                    head % ref + (memo[value] if value in memo else _remember(memo, value, cell(TAIL, value, dates)))
                    if memo is not None and value.__class__ in _REPEATING
                    else cell(head % ref, value, dates)
                    for (cell, head, memo), value in zip(columns, values, strict=True)
                ]
            )
            lines = _row_lines(values, text_cols, widths) if text_cols else 1
            if not plain_height:
                if lines > 1:
                    ws.set_row(r, _row_height(lines))
                ws._write_row(r, None, ws.row_info.get(r))
                _forget_row(ws, r)
                write(cells)
                write("</row>")
            elif lines > 1:
                tag = tags.get(lines)
                if tag is None:
                    tag = tags[lines] = _tall_row_tag(ws, lines)
                write(f"{tag % ref}{cells}</row>")
            else:
                write(f'<row r="{ref}">{cells}</row>')
            if len(widths) > 4096:
                widths.clear()
            r += 1
            if r == FIRST_DATA_ROW + MEMO_TRIAL_ROWS:  # columns of mostly new values: not remembered
                columns = [
                    (c, h, m if m is not None and len(m) <= MEMO_TRIAL_ROWS // 2 else None) for c, h, m in columns
                ]
        if r > FIRST_DATA_ROW:
            ws.previous_row = r - 1
            ws.dim_rowmax = max(ws.dim_rowmax or 0, r - 1)
            ws.dim_colmin = 0 if ws.dim_colmin is None else min(ws.dim_colmin, 0)
            ws.dim_colmax = n - 1 if ws.dim_colmax is None else max(ws.dim_colmax, n - 1)
        self.r = r
        return r - FIRST_DATA_ROW

    def _text_columns(self) -> list[tuple[int, float]]:
        return [(c, max(float(self.widths[c]) - 1, 1.0)) for c in range(self.n) if self.kinds[c] == "text"]

    def totals(self, totals: Sequence | Callable[[], Sequence]) -> None:
        """The totals row, bold under the data with the column formats."""
        if callable(totals):
            totals = list(totals())
            _check_totals(totals, self.n)
        ws, r = self.ws, self.r
        _check_row_index(r)
        ws.set_row(r, 22)
        # a text label (合计, 合计（不含已撤销）) is merged over the empty cells after it, so it
        # is never clipped to the width of the first column
        first = 0
        if isinstance(totals[0], str):
            first = self._label_span(totals)
            merge_text(ws, r, 0, first - 1, totals[0], self.st.total_label)
        for c in range(first, self.n):
            self.writers[c](ws, r, c, totals[c], self.st.total[self.kinds[c]])
        self.r += 1

    def _label_span(self, totals: Sequence) -> int:
        span = 1
        while span < self.n and totals[span] is None:
            span += 1
        return span

    def note(self, note: str) -> None:
        """One merged line of text right under the table (注：…)."""
        _check_row_index(self.r)
        self.ws.set_row(self.r, wrapped_height([text_value(note)], [sum(self.widths)]))
        merge_text(self.ws, self.r, 0, self.last_col, text_value(note), self.st.banner)
        self.r += 1

    def footer(self, footer: Sequence[str]) -> None:
        """The signature lines, one blank row below, spread across the width."""
        self.r += 1  # one blank row between the table and the signatures
        ws, r, n = self.ws, self.r, self.n
        _check_row_index(r)
        ws.set_row(r, 28)
        lines = [text_value(line) for line in footer]
        if len(lines) > n:
            merge_text(ws, r, 0, self.last_col, "　　".join(lines), self.st.left)
            return
        for line, (first, last) in zip(lines, spread(len(lines), n), strict=True):
            merge_text(ws, r, first, last, line, self.st.left)

    def autofilter(self, count: int) -> None:
        last_data_row = FIRST_DATA_ROW + count - 1
        self.ws.autofilter(HEADER_ROW, 0, max(last_data_row, HEADER_ROW), self.last_col)


def _check_totals(totals: Sequence, n: int) -> None:
    if len(totals) != n:
        raise ValueError(f"totals has {len(totals)} values for {n} columns")


def _right_subtitle(subtitle_right: str | None, unit: str | None) -> str:
    """``subtitle_right`` followed by ``单位：…``."""
    right = subtitle_right or ""
    if unit:
        right = f"{right}　{_unit_text(unit)}" if right else _unit_text(unit)
    return right


def write_table(
    out: BinaryIO | str,
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    unit: str | None = None,
    subtitle_left: str | None = None,
    subtitle_right: str | None = None,
    sheet_name: str = "Sheet1",
    totals: Sequence | Callable[[], Sequence] | None = None,
    footer: Sequence[str] | None = None,
    note: str | None = None,
    landscape: bool = True,
    constant_memory: bool = True,
    autofilter: bool = False,
    fit_rows: bool = False,
    body_size: float = 10,
) -> int:
    """Write one titled, print-ready table to ``out`` (a path or a binary file object).

    ``unit`` (e.g. ``"元"``) adds ``单位：元`` at the right of the subtitle row, after
    ``subtitle_right``.  ``totals`` is one row aligned with ``columns`` (``None`` for an
    empty cell), written bold under the data with the column formats; it may be a
    callable returning that row, called once the rows are consumed (so a generator can
    add up its rows as they stream by).  ``note`` is one line of text merged across the
    width right under the table (e.g. "注：…").  ``footer`` lines
    (e.g. ``["单位负责人：", "审核人：", "制表人：", "日期："]``) are spread across the width
    one blank row below.  Returns the number of data rows written.

    Rows are consumed once, strictly in order, so a generator works and, with
    ``constant_memory=True``, memory does not grow with the number of rows.

    ``fit_rows`` makes a data row taller when one of its text cells wraps, so printed
    (and LibreOffice-rendered) rows show their text in full; short texts are skipped by a
    cheap length test, so this costs little on big tables.
    """
    columns = list(columns)
    if not columns:
        raise ValueError("write_table needs at least one column")
    if totals is not None and not callable(totals):
        _check_totals(totals, len(columns))

    with open_workbook(out, constant_memory=constant_memory) as wb:
        table = _Table(wb, columns, sheet_name=sheet_name, body_size=body_size)
        table.setup(landscape=landscape)
        table.title(title)
        table.subtitles(subtitle_left or "", _right_subtitle(subtitle_right, unit))
        table.headers()
        count = table.data(rows, fit_rows=fit_rows, constant_memory=constant_memory)
        if totals is not None:
            table.totals(totals)
        if note:
            table.note(note)
        if footer:
            table.footer(footer)
        if autofilter:
            table.autofilter(count)

    return count
