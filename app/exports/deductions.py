"""扣款明细 (SPEC §11): the deduction records ①–⑤, streamed, with the total of the active ones.

The services layer queries the records (scoped, filtered as on screen) and yields
:class:`DeductionRow` values with every code already in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from app.exports.letterhead import Letterhead
from app.exports.xlsx import Column, write_table
from app.policy.money import q2
from app.policy.periods import month_label

DEDUCTION_COLUMNS = [
    Column("序号", 6, "int"),
    Column("村名", 9),
    Column("代办员", 8),
    Column("所属月份", 10),
    Column("发生日期", 11, "date"),
    Column("扣款项目", 27),
    Column("金额（元）", 10, "money"),
    Column("状态", 7),
    Column("事由", 28),
    Column("来源", 18),
    Column("撤销原因", 17),
]
TOTAL_LABEL = "合计（不含已撤销）"
NOTE = "注：扣款按政策第二条（四）2从当月乡级补助中扣除，当月扣款合计不超过当月应发补助，实际扣款以补助发放表为准。"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DeductionRow:
    seq: int
    village: str | None
    agent: str | None
    year: int  # 所属月份
    month: int
    occurred_on: dt.date | None
    reason: str  # 扣款项目 in words (③督查检查不在岗)
    amount: Decimal | None
    state: str  # 状态 in words
    active: bool  # counted in the total (not voided)
    description: str | None  # 事由
    source: str  # 来源 in words
    void_reason: str | None


class _ActiveTotal:
    """Adds up the active amounts of the rows as they stream by."""

    def __init__(self) -> None:
        self.amount = ZERO

    def cells(self, rows: Iterable[DeductionRow]) -> Iterator[tuple]:
        for row in rows:
            if row.active and row.amount is not None:
                self.amount += q2(row.amount)
            yield (
                row.seq,
                row.village,
                row.agent,
                month_label(row.year, row.month),
                row.occurred_on,
                row.reason,
                row.amount,
                row.state,
                row.description,
                row.source,
                row.void_reason,
            )

    def totals(self) -> list:
        return [TOTAL_LABEL, None, None, None, None, None, self.amount, None, None, None, None]


def write_deductions_sheet(
    out: BinaryIO | str, rows: Iterable[DeductionRow], *, head: Letterhead, scope_text: str = ""
) -> int:
    """扣款明细 of ``rows``; the total counts the active ones only. Returns the number of rows."""
    total = _ActiveTotal()
    return write_table(
        out,
        title=f"{head.township}便民代办员扣款明细",
        columns=DEDUCTION_COLUMNS,
        rows=total.cells(rows),
        subtitle_left=f"填报单位：{head.unit}",
        subtitle_right=scope_text or head.export_date,
        unit="元",
        sheet_name="扣款明细",
        fit_rows=True,
        totals=total.totals,
        note=NOTE,
        footer=head.signatures(),
        constant_memory=True,
    )
