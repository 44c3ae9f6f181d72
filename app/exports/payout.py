"""《建宁乡各村便民代办补助发放表》 — the quarterly payout sheet (SPEC §9, §11; policy §二(四)1–3).

Plain data in, xlsx out: the services layer turns a payout sheet (draft or locked) into
:class:`PayoutRow` values; nothing here reads the database or recomputes the payout.
The 合计 row is summed here in ``Decimal`` (no spreadsheet formulas, so the printed
figures are exactly the ones the system holds) and spelled out in capital numerals
(大写) for the signature sheet.

Layout (0-based rows, 15 columns, A4 landscape, one page wide, rows 0–4 repeated)::

    0  建宁乡各村便民代办补助发放表
    1  2026年第三季度
    2  填报单位：建宁乡便民服务中心        [status]               单位：元
    3  序号|村名|代办员|应发乡级补助|          扣款             |扣款合计|实发乡级补助|村级补助|合计|领款人签字|备注
    4      |    |      |            |①不受理|②缺席培训|③不在岗|④迟报月表|⑤台账不全|   (rows 3–4 merged)
    5… one row per village (at least 28 pt high: room for a handwritten signature; taller
       when the village, the payee or the remarks wrap)
       合计
       合计金额（大写）：壹仟贰佰伍拾元整
       单位负责人：…   审核人：…   制表人：…   日期：…
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import BinaryIO

from app.exports.letterhead import unit_name
from app.exports.xlsx import (
    FONT_NAME,
    Styles,
    merge_text,
    money_to_float,
    open_workbook,
    page_setup,
    safe_sheet_name,
    spread,
    text_value,
    wrapped_height,
    write_cell,
)
from app.policy.money import rmb_upper
from app.policy.periods import quarter_label

__all__ = [
    "DEDUCTION_CODES",
    "DEDUCTION_HEADERS",
    "PAYOUT_HEADERS",
    "PayoutRow",
    "write_payout_sheet",
]

DEDUCTION_CODES = ("1", "2", "3", "4", "5")
# Sub-headers under the merged "扣款" header, in code order ①–⑤ (policy §二(四)2).
DEDUCTION_HEADERS = ("①不受理", "②缺席培训", "③不在岗", "④迟报月表", "⑤台账不全")
DEDUCTION_GROUP = "扣款"
# The 15 columns as one reads them ("扣款" + sub-header for ①–⑤).
PAYOUT_HEADERS = (
    "序号",
    "村名",
    "代办员",
    "应发乡级补助",
    *(DEDUCTION_GROUP + h for h in DEDUCTION_HEADERS),
    "扣款合计",
    "实发乡级补助",
    "村级补助",
    "合计",
    "领款人签字",
    "备注",
)
_WIDTHS = (5, 10, 9, 11, 9, 9, 9, 9, 9, 10, 11, 10, 11, 14, 12)

# Column indexes.
_SEQ, _VILLAGE, _AGENT, _GROSS = 0, 1, 2, 3
_DED_FIRST, _DED_LAST = 4, 8
_DED_TOTAL, _NET, _SUPPLEMENT, _TOTAL, _SIGNATURE, _REMARKS = 9, 10, 11, 12, 13, 14
_LAST_COL = len(PAYOUT_HEADERS) - 1

_TITLE_ROW, _PERIOD_ROW, _UNIT_ROW, _HEAD1, _HEAD2, _FIRST_DATA = 0, 1, 2, 3, 4, 5
_DATA_HEIGHT = 28


@dataclass(frozen=True)
class PayoutRow:
    seq: int
    village: str
    agent: str
    gross: Decimal  # 应发乡级补助 (the quarter's township subsidy, prorated)
    deductions: Mapping[str, Decimal]  # keys "1".."5" (codes ①–⑤); a missing key is 0
    deductions_total: Decimal
    net_township: Decimal  # 实发乡级补助
    village_supplement: Decimal  # 村级补助
    total: Decimal  # 合计
    remarks: str = ""


def _deductions(row: PayoutRow) -> list[Decimal]:
    by_code = {str(k): v for k, v in row.deductions.items()}
    unknown = set(by_code) - set(DEDUCTION_CODES)
    if unknown:
        raise ValueError(f"{row.village}: unknown deduction code(s) {sorted(unknown)}; expected 1–5")
    return [by_code.get(code, Decimal(0)) for code in DEDUCTION_CODES]


def _money_values(row: PayoutRow) -> list[Decimal]:
    """The ten money cells of a row, columns 应发乡级补助 … 合计, in order."""
    return [
        row.gross,
        *_deductions(row),
        row.deductions_total,
        row.net_township,
        row.village_supplement,
        row.total,
    ]


def write_payout_sheet(
    out: BinaryIO | str,
    *,
    township: str,
    year: int,
    quarter: int,
    rows: Sequence[PayoutRow],
    prepared_by: str = "",
    reviewed_by: str = "",
    head: str = "",
    date_text: str = "",
    status_text: str = "",
) -> None:
    """Write the quarter's payout sheet to ``out`` (a path or a binary file object).

    ``status_text`` (e.g. ``"草稿"`` / ``"已审核"``) is shown in the middle of the unit row.
    ``head`` / ``reviewed_by`` / ``prepared_by`` / ``date_text`` fill the footer; left
    empty they leave room for handwriting.
    """
    period = quarter_label(year, quarter)
    # Validate every row before creating anything.
    money_rows = [_money_values(row) for row in rows]
    if money_rows:
        sums = [sum(col, Decimal(0)) for col in zip(*money_rows, strict=True)]
    else:
        sums = [Decimal(0)] * 10
    grand_total = sums[-1].quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    with open_workbook(out, constant_memory=False) as wb:
        st = Styles(wb)
        title_fmt = wb.add_format(
            {
                "font_name": FONT_NAME,
                "bold": True,
                "font_size": 18,
                "align": "center",
                "valign": "vcenter",
            }
        )
        money_fmt, total_money_fmt = st.body["money"], st.total["money"]
        ws = wb.add_worksheet(safe_sheet_name(period))
        for i, width in enumerate(_WIDTHS):
            ws.set_column(i, i, width)
        page_setup(ws, landscape=True, repeat=(_TITLE_ROW, _HEAD2), freeze_row=_FIRST_DATA)

        # Titles.
        ws.set_row(_TITLE_ROW, 34)
        merge_text(ws, _TITLE_ROW, 0, _LAST_COL, f"{township}各村便民代办补助发放表", title_fmt)
        ws.set_row(_PERIOD_ROW, 22)
        merge_text(ws, _PERIOD_ROW, 0, _LAST_COL, period, st.subtitle)
        ws.set_row(_UNIT_ROW, 20)
        unit_left = f"填报单位：{unit_name(township)}"
        if status_text:
            merge_text(ws, _UNIT_ROW, 0, 5, unit_left, st.left)
            merge_text(ws, _UNIT_ROW, 6, 9, status_text, st.center)
            merge_text(ws, _UNIT_ROW, 10, _LAST_COL, "单位：元", st.right)
        else:
            merge_text(ws, _UNIT_ROW, 0, 7, unit_left, st.left)
            merge_text(ws, _UNIT_ROW, 8, _LAST_COL, "单位：元", st.right)

        # Two-row header: "扣款" over ①–⑤, every other header merged over both rows.
        ws.set_row(_HEAD1, 22)
        ws.set_row(_HEAD2, 32)
        for col, header in enumerate(PAYOUT_HEADERS):
            if _DED_FIRST <= col <= _DED_LAST:
                continue
            ws.merge_range(_HEAD1, col, _HEAD2, col, "", st.header)
            ws.write_string(_HEAD1, col, header, st.header)
        merge_text(ws, _HEAD1, _DED_FIRST, _DED_LAST, DEDUCTION_GROUP, st.header)
        for offset, header in enumerate(DEDUCTION_HEADERS):
            ws.write_string(_HEAD2, _DED_FIRST + offset, header, st.header)

        # One line per village.
        r = _FIRST_DATA
        for row, money in zip(rows, money_rows, strict=True):
            # tall enough for a signature, taller when a name or the remarks wrap
            texts = [text_value(row.village), text_value(row.agent), text_value(row.remarks)]
            widths = [_WIDTHS[_VILLAGE], _WIDTHS[_AGENT], _WIDTHS[_REMARKS]]
            ws.set_row(r, max(_DATA_HEIGHT, wrapped_height(texts, widths)))
            ws.write_number(r, _SEQ, row.seq, st.body["int"])
            write_cell(ws, r, _VILLAGE, row.village, "text", st.body_text_center)
            write_cell(ws, r, _AGENT, row.agent, "text", st.body_text_center)
            for offset, amount in enumerate(money):
                ws.write_number(r, _GROSS + offset, money_to_float(amount), money_fmt)
            ws.write_blank(r, _SIGNATURE, None, st.body["text"])
            write_cell(ws, r, _REMARKS, row.remarks, "text", st.body["text"])
            r += 1

        # 合计 (Decimal sums of the lines above).
        ws.set_row(r, _DATA_HEIGHT)
        ws.merge_range(r, _SEQ, r, _AGENT, "", st.total_label)
        ws.write_string(r, _SEQ, "合计", st.total_label)
        for offset, amount in enumerate(sums):
            ws.write_number(r, _GROSS + offset, money_to_float(amount), total_money_fmt)
        ws.write_blank(r, _SIGNATURE, None, st.total["text"])
        ws.write_blank(r, _REMARKS, None, st.total["text"])
        r += 1

        # 合计金额（大写）
        ws.set_row(r, _DATA_HEIGHT)
        merge_text(
            ws,
            r,
            0,
            _LAST_COL,
            f"合计金额（大写）：{rmb_upper(grand_total)}",
            st.banner,
        )
        r += 1

        # Signatures.
        r += 1
        ws.set_row(r, 30)
        signatures = (
            f"单位负责人：{head}",
            f"审核人：{reviewed_by}",
            f"制表人：{prepared_by}",
            f"日期：{date_text}",
        )
        for text, (first, last) in zip(signatures, spread(len(signatures), len(PAYOUT_HEADERS)), strict=True):
            merge_text(ws, r, first, last, text, st.left)
