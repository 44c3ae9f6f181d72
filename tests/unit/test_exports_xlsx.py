"""xlsx exports (SPEC §9, §11): layout, formats, print setup, no formula injection.

Every workbook is written to memory and read back with openpyxl, as a user's
spreadsheet program would see it.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from app.exports import Column, PayoutRow, write_payout_sheet, write_table
from app.exports.payout import DEDUCTION_HEADERS, PAYOUT_HEADERS
from app.policy.money import rmb_upper
from app.policy.periods import quarter_label

D = Decimal

INJECTIONS = [
    '=HYPERLINK("http://evil","x")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "=1+1",
    "=cmd|' /C calc'!A0",
]

LEDGER_COLUMNS = [
    Column("序号", 6, "int"),
    Column("受理编号", 14),
    Column("申请人", 10),
    Column("受理时间", 16, "datetime"),
    Column("应办结日期", 12, "date"),
    Column("收费（元）", 10, "money"),
]


def _unescape(value):
    """Undo the OOXML ``_xHHHH_`` escape of control characters (Excel decodes it; openpyxl doesn't)."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def _load(buf: io.BytesIO):
    return openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active


def _sheet_xml(buf: io.BytesIO) -> str:
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        return zf.read("xl/worksheets/sheet1.xml").decode("utf-8")


def _row(ws, r: int) -> list:
    return [ws.cell(r, c).value for c in range(1, ws.max_column + 1)]


def _merged(ws) -> set[str]:
    return {str(rng) for rng in ws.merged_cells.ranges}


def _ledger(buf, rows, **kw) -> int:
    return write_table(
        buf,
        title="便民代办登记台账",
        columns=LEDGER_COLUMNS,
        rows=rows,
        subtitle_left="填报单位：建宁乡便民服务中心",
        unit="元",
        sheet_name="台账",
        **kw,
    )


# ------------------------------------------------------------------------ write_table


@pytest.mark.parametrize("constant_memory", [True, False])
def test_table_layout_values_and_formats(constant_memory):
    rows = [
        (
            1,
            "QS2026-0001",
            "张三",
            datetime(2026, 9, 30, 9, 15),
            date(2026, 10, 10),
            D("12.5"),
        ),
        (
            2,
            "QS2026-0002",
            "李四",
            datetime(2026, 10, 8, 15, 0),
            date(2026, 10, 13),
            D("0"),
        ),
    ]
    buf = io.BytesIO()
    n = _ledger(
        buf,
        iter(rows),
        subtitle_right="2026年9月",
        totals=["合计", None, None, None, None, D("12.50")],
        footer=["单位负责人：", "审核人：", "制表人：", "日期："],
        constant_memory=constant_memory,
    )
    assert n == 2
    ws = _load(buf)
    assert ws.title == "台账"
    assert ws["A1"].value == "便民代办登记台账"
    assert ws["A1"].font.b and ws["A1"].font.sz == 16
    assert "A1:F1" in _merged(ws)
    assert ws["A2"].value == "填报单位：建宁乡便民服务中心"
    assert ws["D2"].value == "2026年9月　单位：元"
    assert _row(ws, 3) == [
        "序号",
        "受理编号",
        "申请人",
        "受理时间",
        "应办结日期",
        "收费（元）",
    ]
    assert ws["A3"].font.b and ws["A3"].alignment.wrap_text and ws["A3"].border.bottom.style == "thin"

    assert _row(ws, 4) == [
        1,
        "QS2026-0001",
        "张三",
        datetime(2026, 9, 30, 9, 15),
        datetime(2026, 10, 10),
        12.5,
    ]
    assert ws["B4"].data_type == "s"
    assert ws["D4"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["E4"].number_format == "yyyy-mm-dd"
    assert ws["F4"].number_format == "#,##0.00"
    assert ws["F5"].value == 0 and ws["F5"].number_format == "#,##0.00"
    assert ws["A4"].border.left.style == "thin"

    # totals row: bold, same formats; footer one blank row below, spread across the width
    assert _row(ws, 6) == ["合计", None, None, None, None, 12.5]
    assert ws["A6"].font.b and ws["F6"].font.b and ws["F6"].number_format == "#,##0.00"
    assert ws["F6"].border.top.style == "double"
    assert _row(ws, 7) == [None] * 6
    footer = [v for v in _row(ws, 8) if v is not None]
    assert footer == ["单位负责人：", "审核人：", "制表人：", "日期："]
    assert ws.freeze_panes == "A4"


def test_money_is_decimal_rounded_half_up_and_floats_refused():
    buf = io.BytesIO()
    write_table(
        buf,
        title="t",
        columns=[Column("金额", kind="money")],
        rows=[(D("2.345"),), (D("1234567.8"),), (5,), (None,), ("—",)],
    )
    ws = _load(buf)
    assert [ws.cell(r, 1).value for r in range(4, 9)] == [2.35, 1234567.8, 5, None, "—"]
    assert ws["A5"].number_format == "#,##0.00"
    with pytest.raises(TypeError, match="Decimal"):
        write_table(
            io.BytesIO(),
            title="t",
            columns=[Column("金额", kind="money")],
            rows=[(0.1,)],
        )


@pytest.mark.parametrize("constant_memory", [True, False])
def test_user_text_never_becomes_a_formula(constant_memory):
    buf = io.BytesIO()
    rows = [(i, text, text, None, None, None) for i, text in enumerate(INJECTIONS, 1)]
    write_table(
        buf,
        title=INJECTIONS[0],
        columns=LEDGER_COLUMNS,
        rows=rows,
        subtitle_left="=1+2",
        totals=["=SUM(A1:A9)", None, None, None, None, None],
        footer=["@x", "+y"],
        constant_memory=constant_memory,
    )
    ws = _load(buf)
    for r, text in enumerate(INJECTIONS, 4):
        for c in (2, 3):
            cell = ws.cell(r, c)
            assert cell.data_type == "s", (text, cell.data_type)
            assert _unescape(cell.value) == text
    assert ws["A1"].data_type == "s" and ws["A1"].value == INJECTIONS[0]
    assert ws["A2"].value == "=1+2" and ws["A2"].data_type == "s"
    xml = _sheet_xml(buf)
    assert "<f>" not in xml and "<f " not in xml  # not a single formula in the file
    # no hyperlink objects either
    assert "hyperlink" not in xml.split("</sheetData>")[1].lower()


def test_text_kind_writes_any_value_as_its_string():
    buf = io.BytesIO()
    write_table(
        buf,
        title="t",
        columns=[Column("备注")],
        rows=[(123,), (D("1.50"),), (None,), ("第一行\r\n第二行",)],
    )
    ws = _load(buf)
    assert [ws.cell(r, 1).value for r in range(4, 8)] == [
        "123",
        "1.50",
        None,
        "第一行\n第二行",
    ]
    assert ws["A4"].data_type == "s"


def test_empty_table_still_has_title_and_headers():
    buf = io.BytesIO()
    assert _ledger(buf, []) == 0
    ws = _load(buf)
    assert ws["A1"].value == "便民代办登记台账"
    assert _row(ws, 3) == [
        "序号",
        "受理编号",
        "申请人",
        "受理时间",
        "应办结日期",
        "收费（元）",
    ]
    assert ws.max_row == 3


def test_print_setup_a4_landscape_one_page_wide():
    buf = io.BytesIO()
    _ledger(buf, [(1, "QS2026-0001", "张三", None, None, None)])
    ws = _load(buf)
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    # title, subtitle and headers on every page
    assert ws.print_title_rows.replace("$", "") == "1:3"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    # fitToWidth=1 is the OOXML default, which XlsxWriter leaves implicit (openpyxl: None)
    assert (ws.page_setup.fitToWidth or 1) == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert ws.page_margins.left < 0.5 and ws.print_options.horizontalCentered
    assert ws.column_dimensions["B"].width == pytest.approx(14, abs=1)


def test_portrait_option():
    buf = io.BytesIO()
    write_table(buf, title="t", columns=[Column("a")], rows=[], landscape=False)
    assert _load(buf).page_setup.orientation == "portrait"


def test_rows_may_be_dataclasses_and_a_file_path(tmp_path):
    @dataclass
    class Line:
        seq: int
        name: str
        fee: Decimal

    path = tmp_path / "out.xlsx"
    n = write_table(
        str(path),
        title="t",
        columns=[
            Column("序号", kind="int"),
            Column("姓名"),
            Column("收费", kind="money"),
        ],
        rows=(Line(i, f"代办员{i}", D(i)) for i in range(1, 4)),
    )
    assert n == 3
    ws = openpyxl.load_workbook(path).active
    assert _row(ws, 6) == [3, "代办员3", 3]


def test_bad_rows_and_kinds_are_refused():
    with pytest.raises(ValueError, match="kind"):
        Column("x", kind="float")
    with pytest.raises(ValueError, match="2 values for 1 columns"):
        write_table(io.BytesIO(), title="t", columns=[Column("a")], rows=[("x", "y")])


def test_a_failing_row_source_leaves_no_file_and_no_temp_file(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where XlsxWriter spools rows
    out = tmp_path / "ledger.xlsx"

    def rows():
        yield (1, "QS2026-0001", "张三", None, None, None)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        _ledger(str(out), rows())
    with pytest.raises(ValueError, match="row 2 has 1 values"):
        _ledger(str(out), [(1, "a", "b", None, None, None), ("short",)])
    assert not out.exists()
    assert list(scratch.iterdir()) == []


def test_sheet_name_is_made_valid():
    buf = io.BytesIO()
    write_table(
        buf,
        title="t",
        columns=[Column("a")],
        rows=[],
        sheet_name="2026/09 [青山村]: 台账*",
    )
    assert _load(buf).title == "2026_09 _青山村__ 台账_"


# -------------------------------------------------------------------------- payout


def _payout_row(seq, village, agent, ded, supplement=None, remarks=""):
    supplement = D(0) if supplement is None else supplement
    gross = D("1250.00")
    deductions = {k: D(v) for k, v in ded.items()}
    total_ded = sum(deductions.values(), D("0"))
    net = gross - total_ded
    return PayoutRow(
        seq,
        village,
        agent,
        gross,
        deductions,
        total_ded,
        net,
        supplement,
        net + supplement,
        remarks,
    )


def _payout(rows, **kw):
    buf = io.BytesIO()
    write_payout_sheet(buf, township="建宁乡", year=2026, quarter=3, rows=rows, **kw)
    return buf


def test_quarter_label_in_chinese():
    assert quarter_label(2026, 3) == "2026年第三季度"
    assert [quarter_label(2026, q)[-4:] for q in (1, 2, 4)] == [
        "第一季度",
        "第二季度",
        "第四季度",
    ]
    with pytest.raises(ValueError):
        quarter_label(2026, 5)


def test_payout_sheet_titles_headers_lines_totals():
    rows = [
        _payout_row(1, "青山村", "张三", {"1": "30", "5": "20"}),
        _payout_row(
            2,
            '=HYPERLINK("http://evil","x")',
            "李四",
            {},
            supplement=D("600.00"),
            remarks="+村级补助",
        ),
        _payout_row(3, "石门村", "王五", {"2": "30.00", "3": "50", "4": "30"}),
    ]
    buf = _payout(
        rows,
        prepared_by="刘会计",
        reviewed_by="陈主任",
        head="赵乡长",
        date_text="2026年10月8日",
        status_text="已审核",
    )
    ws = _load(buf)
    assert ws.title == "2026年第三季度"
    assert ws["A1"].value == "建宁乡各村便民代办补助发放表"
    assert ws["A2"].value == "2026年第三季度"
    texts3 = [v for v in _row(ws, 3) if v]
    assert texts3 == ["填报单位：建宁乡便民服务中心", "已审核", "单位：元"]

    # two-row header: "扣款" over ①–⑤, the other headers merged over both rows
    assert _row(ws, 4) == [
        "序号",
        "村名",
        "代办员",
        "应发乡级补助",
        "扣款",
        None,
        None,
        None,
        None,
        "扣款合计",
        "实发乡级补助",
        "村级补助",
        "合计",
        "领款人签字",
        "备注",
    ]
    assert _row(ws, 5)[4:9] == [
        "①不受理",
        "②缺席培训",
        "③不在岗",
        "④迟报月表",
        "⑤台账不全",
    ]
    assert list(DEDUCTION_HEADERS) == _row(ws, 5)[4:9]
    assert "E4:I4" in _merged(ws) and {"A4:A5", "N4:N5", "O4:O5"} <= _merged(ws)
    assert PAYOUT_HEADERS[4] == "扣款①不受理" and len(PAYOUT_HEADERS) == 15

    assert _row(ws, 6) == [
        1,
        "青山村",
        "张三",
        1250,
        30,
        0,
        0,
        0,
        20,
        50,
        1200,
        0,
        1200,
        None,
        None,
    ]
    assert _row(ws, 7)[1] == '=HYPERLINK("http://evil","x")' and ws["B7"].data_type == "s"
    assert _row(ws, 7)[11:15] == [600, 1850, None, "+村级补助"] and ws["O7"].data_type == "s"
    assert _row(ws, 8)[3:13] == [1250, 0, 30, 50, 30, 0, 110, 1140, 0, 1140]
    for col in "DEFGHIJKLM":
        assert ws[f"{col}6"].number_format == "#,##0.00"
    assert ws.row_dimensions[6].height >= 24  # room for a handwritten signature
    assert ws.column_dimensions["N"].width >= 13

    # 合计: Decimal sums of every money column, bold
    assert _row(ws, 9) == [
        "合计",
        None,
        None,
        3750,
        30,
        30,
        50,
        30,
        20,
        160,
        3590,
        600,
        4190,
        None,
        None,
    ]
    assert ws["D9"].font.b and ws["M9"].number_format == "#,##0.00"
    assert ws["A10"].value == "合计金额（大写）：" + rmb_upper(D("4190.00"))
    assert ws["A10"].value == "合计金额（大写）：肆仟壹佰玖拾元整"
    footer = [v for v in _row(ws, 12) if v]
    assert footer == [
        "单位负责人：赵乡长",
        "审核人：陈主任",
        "制表人：刘会计",
        "日期：2026年10月8日",
    ]
    xml = _sheet_xml(buf)
    assert "<f>" not in xml


def test_payout_single_village_capitals():
    ws = _load(_payout([_payout_row(1, "青山村", "张三", {})]))
    assert ws["M7"].value == 1250
    assert ws["A8"].value == "合计金额（大写）：壹仟贰佰伍拾元整"
    footer = [v for v in _row(ws, 10) if v]
    assert footer == ["单位负责人：", "审核人：", "制表人：", "日期："]


def test_payout_sums_in_decimal_not_float():
    # 0.1 + 0.2 in float is 0.30000000000000004; the sheet must show exactly 0.30
    rows = [
        PayoutRow(
            i,
            f"村{i}",
            f"员{i}",
            D("0.10") * i,
            {},
            D("0"),
            D("0.10") * i,
            D("0"),
            D("0.10") * i,
        )
        for i in (1, 2)
    ]
    ws = _load(_payout(rows))
    assert ws["D8"].value == 0.3
    assert ws["A9"].value == "合计金额（大写）：" + rmb_upper(D("0.30"))


def test_payout_print_setup():
    ws = _load(_payout([_payout_row(1, "青山村", "张三", {})]))
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    assert ws.print_title_rows.replace("$", "") == "1:5"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_payout_empty_quarter_has_headers_and_zero_total():
    ws = _load(_payout([]))
    assert _row(ws, 4)[0] == "序号" and _row(ws, 5)[4] == "①不受理"
    assert _row(ws, 6)[0] == "合计" and _row(ws, 6)[12] == 0
    assert ws["A7"].value == "合计金额（大写）：" + rmb_upper(D("0.00"))


def test_payout_refuses_unknown_deduction_codes_and_float_money():
    with pytest.raises(ValueError, match="deduction code"):
        _payout([_payout_row(1, "青山村", "张三", {"6": "10"})])
    gross = 1250.0  # a float: refused
    bad = PayoutRow(1, "青山村", "张三", gross, {}, D(0), D(1250), D(0), D(1250))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _payout([bad])


# ------------------------------------------------------------------ fast row writer (issue 11)

TRICKY_TEXTS = [
    "普通文字",
    " 前导空格",
    "尾随空格 ",
    "　全角空格",
    "a & b < c > d \"q\" 's'",
    "<r>not rich</r>",
    "<r><t>x</t></r>",
    "_x0041_ literal escape",
    "ctrl\x01\x1f char",
    "tab\tand\nnewline",
    "\ufffe\uffff",
    "emoji 😀 and é",
    "=SUM(A1)",
    "",
    "x" * 40,
]


def _sheet1_bytes(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml")


#: XlsxWriter copies these into the XML unescaped (as its rich-string markup); ours escapes them.
RICH_LOOKING = ("<r>not rich</r>", "<r><t>x</t></r>")


@pytest.mark.parametrize("direct", [True, False])
@pytest.mark.parametrize("fit_rows", [True, False])
def test_streaming_rows_are_xlsxwriters_own_xml(monkeypatch, fit_rows, direct):
    """The direct row writer and the one-write row serializer give XlsxWriter's bytes,
    whatever the text holds (but for the rich-string look-alikes, tested below)."""
    from app.exports import xlsx

    texts = [t for t in TRICKY_TEXTS if t not in RICH_LOOKING]

    columns = [Column("文", 6), Column("数", 8, "int"), Column("钱", 10, "money"), Column("日", 11, "date"),
               Column("时", 16, "datetime"), Column("率", 8, "percent"), Column("备注", 4.5)]  # fmt: skip
    rows = [
        (text, i, D("1234.565"), date(2026, 1, i % 28 + 1), datetime(2026, 3, 1, 8, i % 60), 0.125, texts[-i])
        for i, text in enumerate(texts, 1)
    ] + [(None, None, None, None, None, None, None), ("—", "—", "—", "—", "—", "—", "—")]

    def write() -> bytes:
        out = io.BytesIO()
        write_table(out, title="t", columns=columns, rows=rows, totals=["合计", None, D("1"), None, None, None, None],
                    footer=["制表人："], fit_rows=fit_rows, constant_memory=True)  # fmt: skip
        return out.getvalue()

    monkeypatch.setattr(xlsx, "DIRECT_ROWS", direct)
    fast = write()
    monkeypatch.setattr(xlsx, "DIRECT_ROWS", False)
    monkeypatch.setattr(xlsx.StreamingWorksheet, "_row_cells_xml", lambda self, row_num, row: None)
    assert _sheet1_bytes(fast) == _sheet1_bytes(write())


def test_remembered_cells_are_the_bytes_of_each_value(monkeypatch):
    """Repeating texts and dates take their remembered XML (and a column of mostly new values
    stops being remembered after ``MEMO_TRIAL_ROWS``): still XlsxWriter's bytes on every row,
    and equal values of other types (1, True, 1.0 in a text column) never share a cell."""
    from app.exports import xlsx

    columns = [Column("村", 6), Column("号", 12), Column("日", 11, "date"), Column("杂", 8), Column("数", 6, "int")]
    villages = ["青山村", "石桥村", " 前后空格 ", "a & b"]
    mixed = ["1", 1, True, 1.0, "True", None, ""]
    rows = [
        (villages[i % 4], f"QS2026-{i:04d}", date(2026, 1 + i % 12, 1 + i % 28), mixed[i % len(mixed)], i % 3)
        for i in range(3 * xlsx.MEMO_TRIAL_ROWS)
    ]

    def write() -> bytes:
        out = io.BytesIO()
        write_table(out, title="t", columns=columns, rows=rows, fit_rows=True, constant_memory=True)
        return out.getvalue()

    monkeypatch.setattr(xlsx, "MEMO_VALUES", 16)  # forgotten and remembered again, many times
    fast = write()
    monkeypatch.setattr(xlsx, "DIRECT_ROWS", False)
    monkeypatch.setattr(xlsx.StreamingWorksheet, "_row_cells_xml", lambda self, row_num, row: None)
    assert _sheet1_bytes(fast) == _sheet1_bytes(write())
    ws = openpyxl.load_workbook(io.BytesIO(fast)).active
    assert [ws.cell(r, 4).value for r in range(4, 11)] == ["1", "1", "True", "1.0", "True", None, None]


def test_rich_string_look_alikes_stay_the_text_typed():
    """A note typed as ``<r>…</r>`` is text in the cell, not markup in the file."""
    out = io.BytesIO()
    rows = [(t, "备注") for t in RICH_LOOKING] + [("a & <b>", "备注")]
    write_table(out, title="t", columns=[Column("文", 20), Column("注", 10)], rows=rows, constant_memory=True)
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert [ws.cell(r, 1).value for r in range(4, 7)] == [*RICH_LOOKING, "a & <b>"]
    assert ws.cell(6, 2).value == "备注"


def test_fit_rows_heights_match_the_full_estimate():
    """``_fit_row``'s shortcuts give the height of the full per-part estimate on every row."""
    import math
    import random

    from app.exports.xlsx import display_width

    rnd = random.Random(11)
    alphabet = "王建国秀英代办员群众来电咨询ab1 　—é\n\r"
    widths = [4.5, 6, 12, 15]
    columns = [Column(f"c{i}", w) for i, w in enumerate(widths)]
    rows = [tuple("".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) for _ in widths) for _ in range(300)]
    out = io.BytesIO()
    write_table(out, title="t", columns=columns, rows=rows, fit_rows=True)
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active

    for r, row in enumerate(rows, 4):
        lines = 1
        for text, width in zip(row, widths, strict=True):
            usable = width - 1
            parts = text.replace("\r\n", "\n").split("\n")
            lines = max(lines, sum(max(1, math.ceil(display_width(p) * 1.1 / usable)) for p in parts))
        expected = lines * 13.5 + 3 if lines > 1 else None
        assert ws.row_dimensions[r].height == expected, (r, row)


def test_workbooks_are_deflated_at_the_fast_level_and_read_back():
    """XlsxWriter packages through our ZipFile (zlib level 1, ``xlsx.ZIP_LEVEL``): a ledger-sized
    sheet is written faster, a little larger, and reads back the same."""
    import xlsxwriter.workbook

    from app.exports import xlsx

    assert xlsxwriter.workbook.ZipFile is xlsx._PackageZip and xlsx.ZIP_LEVEL == 1
    rows = [(f"事项{i % 37}", i, Decimal("12.50"), date(2026, 12, 31)) for i in range(3000)]
    cols = [Column("事项", 12), Column("数量", 6, "int"), Column("金额", 8, "money"), Column("日期", 10, "date")]
    out = io.BytesIO()
    write_table(out, title="测试表", columns=cols, rows=rows, constant_memory=True)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    data = [r for r in sheet.iter_rows(values_only=True) if isinstance(r[1], int)]
    assert len(data) == 3000 and data[-1][:3] == ("事项2", 2999, 12.5)  # 2999 % 37 == 2
