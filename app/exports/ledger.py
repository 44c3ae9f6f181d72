"""便民代办登记台账 (SPEC §11): one row per case, streamed, one A4 landscape page wide.

The services layer queries the cases (scoped, filtered as on screen) and yields
:class:`LedgerRow` values — labels in Chinese, ID numbers and phones masked unless full
numbers were asked for; this module only lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import BinaryIO, NamedTuple

from app.exports.letterhead import Letterhead
from app.exports.xlsx import Column, write_table

#: Widths keep the ledger one A4 landscape page wide at ≥ 8 pt (``tests``: effective_font_size);
#: 已收材料 and 办理结果/答复 (issue 12 §4) sit before the narrow 收据号 / 备注; 附件数 (issue 15 §3,
#: the case's not-retired 材料附件) took its room from the wrapping text columns.
LEDGER_COLUMNS = [
    Column("序号", 4, "int"),
    Column("受理编号", 12),
    Column("村名", 6),
    Column("代办员", 6),
    Column("类型", 4.5),
    Column("代办事项", 11.5),
    Column("申请人", 6),
    Column("身份证号", 17.5),
    Column("联系电话", 11),
    Column("受理方式", 5),
    Column("急办", 3.5),
    Column("受理时间", 15.5, "datetime"),
    Column("应报送日期", 10, "date"),
    Column("应办结日期", 10, "date"),
    Column("状态", 6),
    Column("逾期", 3.5),
    Column("办结日期", 10, "date"),
    Column("收费（元）", 6, "money"),
    Column("已收材料", 12.5),
    Column("办理结果/答复", 10.5),
    Column("附件数", 3.5, "int"),
    Column("收据号", 4.5),
    Column("备注", 4.5),
]
LEDGER_FONT_SIZE = 10.5
SHEET_NAME = "便民代办登记台账"


class LedgerRow(NamedTuple):
    """One case of the ledger, in the order of :data:`LEDGER_COLUMNS` (all text already in words)."""

    seq: int
    case_number: str
    village: str | None
    agent: str | None
    kind: str  # 类型
    item: str | None  # 代办事项
    applicant: str
    id_number: str  # masked unless full numbers were asked for
    phone: str  # masked likewise
    channel: str  # 受理方式
    urgent: str  # 是 / ""
    received_at: dt.datetime
    submit_by: dt.date | None
    complete_by: dt.date | None
    status: str
    overdue: str  # 是 / ""
    closed_on: dt.date | None
    fee: Decimal | None
    materials: str  # 已收材料
    result: str  # 办理结果/答复
    attachments: int  # 附件数
    receipt: str | None
    notes: str | None


def write_ledger_sheet(
    out: BinaryIO | str, rows: Iterable[LedgerRow], *, head: Letterhead, scope_text: str = ""
) -> int:
    """The ledger of ``rows`` (streamed in constant memory); returns the number of rows."""
    return write_table(
        out,
        title=f"{head.township}便民代办登记台账",
        columns=LEDGER_COLUMNS,
        rows=rows,
        subtitle_left=f"填报单位：{head.unit}",
        subtitle_right=scope_text or head.export_date,
        unit="元",
        sheet_name=SHEET_NAME,
        footer=head.signatures(),
        constant_memory=True,
        fit_rows=True,
        body_size=LEDGER_FONT_SIZE,
    )
