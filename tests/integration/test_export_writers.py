"""Extensions of the xlsx writers made for the exports (no database): the ``percent`` column
kind, totals computed after streaming, a note line, and payout rows that grow with wrapped text."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from app.exports import Column, PayoutRow, write_payout_sheet, write_table

D = Decimal


def _load(buf):
    return openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active


def test_percent_column():
    buf = io.BytesIO()
    write_table(
        buf,
        title="t",
        columns=[Column("按时办结率", kind="percent")],
        rows=[(D("0.95"),), (1,), (None,), ("—",), (0.5,)],
    )
    ws = _load(buf)
    assert [ws.cell(r, 1).value for r in range(4, 9)] == [0.95, 1, None, "—", 0.5]
    assert ws["A4"].number_format == "0.0%"
    with pytest.raises(TypeError, match="percent"):
        write_table(io.BytesIO(), title="t", columns=[Column("x", kind="percent")], rows=[(True,)])


def test_totals_may_be_computed_once_the_rows_have_streamed():
    seen = []

    def rows():
        for i in range(1, 4):
            seen.append(D(i))
            yield (i, D(i))

    buf = io.BytesIO()
    write_table(
        buf,
        title="t",
        columns=[Column("序号", kind="int"), Column("金额", kind="money")],
        rows=rows(),
        totals=lambda: ["合计", sum(seen, D(0))],
        note="注：=1+1 只是文字",
        footer=["制表人：", "日期："],
    )
    ws = _load(buf)
    assert [ws.cell(7, c).value for c in (1, 2)] == ["合计", 6]
    assert ws["B7"].font.b and ws["B7"].number_format == "#,##0.00"
    assert ws["A8"].value == "注：=1+1 只是文字" and ws["A8"].data_type == "s"
    assert "A8:B8" in {str(r) for r in ws.merged_cells.ranges}
    assert [v for v in (ws.cell(10, 1).value, ws.cell(10, 2).value) if v] == ["制表人：", "日期："]
    with pytest.raises(ValueError, match="totals has 1 values"):
        write_table(io.BytesIO(), title="t", columns=[Column("a"), Column("b")], rows=[], totals=lambda: ["x"])


def test_payout_rows_grow_for_wrapped_names_and_remarks():
    def row(seq, agent, remarks=""):
        return PayoutRow(seq, "青山村", agent, D("1250"), {}, D("0"), D("1250"), D("0"), D("1250"), remarks)

    buf = io.BytesIO()
    write_payout_sheet(
        buf,
        township="建宁乡",
        year=2026,
        quarter=3,
        rows=[row(1, "王秀兰"), row(2, "李明", "9月扣款500.00元超过当月应发，实扣416.66元")],
    )
    ws = _load(buf)
    assert ws.row_dimensions[6].height == pytest.approx(28, abs=0.5)  # room for a signature
    assert ws.row_dimensions[7].height > 40  # three lines of remarks


@pytest.mark.parametrize("constant_memory", [True, False])
def test_fit_rows_makes_wrapped_rows_taller(constant_memory):
    buf = io.BytesIO()
    long_item = "城乡居民基本养老保险参保登记及缴费档次变更"
    write_table(
        buf,
        title="t",
        columns=[Column("序号", 6, "int"), Column("代办事项", 12), Column("备注", 10)],
        rows=[(1, "短", None), (2, long_item, "第一行\n第二行\n第三行"), (3, "低保", 123)],
        fit_rows=True,
        constant_memory=constant_memory,
    )
    ws = _load(buf)
    assert ws.row_dimensions[4].height is None  # one line: default height
    assert ws.row_dimensions[5].height >= 3 * 13.5  # four lines of the item / three of the note
    assert ws.row_dimensions[6].height is None
    assert ws["B5"].value == long_item and ws["C6"].value == "123"


def test_fit_rows_keeps_memory_flat_in_constant_memory_mode(monkeypatch):
    """XlsxWriter remembers every set_row; rows already on disk are forgotten again."""
    from xlsxwriter.workbook import Workbook

    sheets = []
    original = Workbook.add_worksheet

    def add_worksheet(self, *args, **kwargs):
        ws = original(self, *args, **kwargs)
        sheets.append(ws)
        return ws

    monkeypatch.setattr(Workbook, "add_worksheet", add_worksheet)
    rows = ((i, "城乡居民基本养老保险参保登记及缴费档次变更") for i in range(1, 3001))
    write_table(
        io.BytesIO(), title="t", columns=[Column("序号", 6, "int"), Column("代办事项", 12)], rows=rows, fit_rows=True
    )
    [ws] = sheets
    data_rows = [r for r in ws.row_info if r >= 3]
    assert len(data_rows) <= 1  # only the last data row may still be held
