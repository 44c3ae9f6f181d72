"""年度统计 (issue 15 §3): a year's figures per village and month, a 合计 row per village and a
total of every village shown — read from the maintained monthly aggregate by
``services.exports.annual_lines``; this module only lays them out.

Columns: 受理件数, 办结件数, 按时办结率, 当日受理率, 超期件数, 签到天数, 月报状态, 扣款金额, and
好评率 when ratings were given that year. The definitions are the dashboards' (their footnotes):
按时办结率 = 按时办结 ÷ (已办结 + 超期未办结的代办), 当日受理率 = 当日登记 ÷ 受理, 超期 as judged on
the day of the export for cases still open.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from app.exports.letterhead import Letterhead
from app.exports.xlsx import Column, write_table

BASE_COLUMNS = [
    Column("村名", 10),
    Column("月份", 8),
    Column("受理件数", 8, "int"),
    Column("办结件数", 8, "int"),
    Column("按时办结率", 9, "percent"),
    Column("当日受理率", 9, "percent"),
    Column("超期件数", 8, "int"),
    Column("签到天数", 8, "int"),
    Column("月报状态", 12),
    Column("扣款金额", 10, "money"),
]
RATING_COLUMN = Column("好评率", 8, "percent")
TOTAL = "合计"
ALL_TOTAL = "全部合计"
NOTE = (
    "注：已结束月份的数字取自月度统计（按受理登记逐月汇总），本月为导出时实时统计；"
    "超期含截至导出日仍未办结且已过期限的事项；月报状态“—”为尚未到期的月份。"
)


@dataclass
class MonthLine:
    """One village's month (``None`` figures: a month still to come)."""

    month: int
    received: int | None = None
    completed: int | None = None
    on_time: int = 0
    ontime_base: int = 0
    late_entry: int = 0
    overdue: int | None = None
    signin_days: int | None = None
    report: str = ""
    report_ok: bool = False
    report_due: bool = False
    deductions: Decimal | None = None
    rated: int = 0
    good: int = 0


@dataclass
class VillageYear:
    name: str
    months: list[MonthLine] = field(default_factory=list)
    code: str = ""


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)) if whole else None


def _cells(label: str, month: str, m: MonthLine, ratings: bool) -> list:
    received = m.received
    row = [
        label,
        month,
        received,
        m.completed,
        _rate(m.on_time, m.ontime_base),
        _rate(received - m.late_entry, received) if received else None,
        m.overdue,
        m.signin_days,
        m.report,
        m.deductions,
    ]
    if ratings:
        row.append(_rate(m.good, m.rated))
    return row


def add_up(lines: Iterable[MonthLine]) -> MonthLine:
    """The sum of months (the rates recomputed from the summed counts, not averaged)."""
    total = MonthLine(0, 0, 0, 0, 0, 0, 0, 0, deductions=Decimal("0.00"))
    due = ok = 0
    for m in lines:
        if m.received is None:
            continue
        total.received += m.received
        total.completed += m.completed or 0
        total.on_time += m.on_time
        total.ontime_base += m.ontime_base
        total.late_entry += m.late_entry
        total.overdue += m.overdue or 0
        total.signin_days += m.signin_days or 0
        total.deductions += m.deductions or Decimal("0.00")
        total.rated += m.rated
        total.good += m.good
        due += 1 if m.report_due else 0
        ok += 1 if m.report_due and m.report_ok else 0
    total.report = f"已报送{ok}/{due}"
    total.report_due, total.report_ok = due, ok
    return total


def _rows(villages: Iterable[VillageYear], ratings: bool, grand: list[MonthLine]) -> Iterator[list]:
    for v in villages:
        for m in v.months:
            yield _cells(v.name, f"{m.month}月", m, ratings)
        total = add_up(v.months)
        grand.append(total)
        yield _cells(v.name, TOTAL, total, ratings)


def write_annual_sheet(
    out: BinaryIO | str, year: int, villages: Sequence[VillageYear], *, ratings: bool, head: Letterhead
) -> int:
    """The 年度统计 workbook: per village its twelve months and a 合计 row, then 全部合计."""
    columns = [*BASE_COLUMNS, *([RATING_COLUMN] if ratings else [])]
    grand: list[MonthLine] = []

    def totals() -> list:
        total = add_up(grand)
        due = sum(g.report_due for g in grand)
        ok = sum(g.report_ok for g in grand)
        total.report = f"已报送{ok}/{due}"
        return _cells(ALL_TOTAL, f"{len(grand)}个村", total, ratings)

    return write_table(
        out,
        title=f"{head.township}{head.village or ''}便民代办服务{year}年度统计表",
        columns=columns,
        rows=_rows(villages, ratings, grand),
        subtitle_left=f"填报单位：{head.unit}",
        subtitle_right=f"统计年度：{year}年",
        unit="件、元",
        sheet_name=f"{year}年度统计",
        totals=totals,
        note=NOTE,
        footer=head.signatures(),
        constant_memory=True,
    )
