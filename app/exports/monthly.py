"""月汇总表 (SPEC §11): one month's figures — per village with 全乡合计, or, for one village,
per service category (村级便民服务报送事项办理情况统计表).

The services layer gives each village's month as :class:`MonthFigures` (the frozen figures
of a submitted report, else the same figures computed live) and picks the rows to show;
this module lays them out, computes the on-time rate and adds up the township total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from app.exports.letterhead import Letterhead
from app.exports.xlsx import Column, write_table
from app.policy.periods import chinese_date, month_label

#: The figures of the 村级便民服务报送事项办理情况统计表 (``services.reports.FIGURE_COLUMNS``, the
#: same definitions as the submitted report, the 公开栏 and the public page) and the on-time rate.
MONTHLY_FIGURES = [
    Column("咨询", 7, "int"),
    Column("受理代办", 8, "int"),
    Column("不予受理/退回", 9, "int"),
    Column("已报送", 7, "int"),
    Column("已办结", 7, "int"),
    Column("按时办结", 8, "int"),
    Column("按时办结率", 9, "percent"),
    Column("超期", 6, "int"),
    Column("未办结", 7, "int"),
]
#: The keys of a figures dict that the sheet shows (the rate is computed from two of them).
FIGURE_KEYS = ("consult", "accepted", "rejected", "submitted", "completed", "on_time", "overdue", "open")
SUBMITTED = "已报送"
LIVE_MARK = "未报送（实时数据）"
NOTE = "注：{state}。已报送的村为报送时冻结的数字（与月报、公开栏、公开页面一致）；未报送的为导出时按受理登记实时统计。"
TOWNSHIP_COLUMNS = [
    Column("序号", 5, "int"),
    Column("村名", 9),
    *MONTHLY_FIGURES,
    Column("月报状态", 16),
    Column("报送日期", 14),
]
VILLAGE_COLUMNS = [Column("序号", 5, "int"), Column("事项类别", 22), *MONTHLY_FIGURES]


@dataclass
class MonthFigures:
    """One village's month as the 月汇总表 shows it: the frozen figures of a submitted report,
    else the same figures computed from the cases now (``frozen`` False: 实时数据)."""

    figures: dict
    frozen: bool
    submitted_on: dt.date | None

    @property
    def status_text(self) -> str:
        if self.frozen:
            return f"已报送（报送日期：{chinese_date(self.submitted_on)}）" if self.submitted_on else SUBMITTED
        return LIVE_MARK


@dataclass(frozen=True)
class VillageMonth:
    """One line of the township's sheet: a village and its month."""

    name: str
    month: MonthFigures


def figure_cells(f: Mapping | None) -> list:
    """The nine figure cells of a figures dict (counts, and 按时办结率 = on time / completed)."""
    f = f or {}
    completed = int(f.get("completed") or 0)
    rate = (Decimal(int(f.get("on_time") or 0)) / completed) if completed else None
    head = [int(f.get(k) or 0) for k in ("consult", "accepted", "rejected", "submitted", "completed", "on_time")]
    return [*head, rate, int(f.get("overdue") or 0), int(f.get("open") or 0)]


def sum_figures(rows: Sequence[Mapping | None]) -> dict:
    return {k: sum(int((f or {}).get(k) or 0) for f in rows) for k in FIGURE_KEYS}


def _township_state(villages: Sequence[VillageMonth]) -> str:
    frozen = [v for v in villages if v.month.frozen]
    if len(frozen) == len(villages) and villages:
        return "全部已报送"
    return f"已报送{len(frozen)}个村，其余{LIVE_MARK}"


def _write_month(out, year: int, month: int, *, head: Letterhead, **table) -> int:
    return write_table(
        out,
        subtitle_right=f"统计月份：{month_label(year, month)}",
        unit="件",
        sheet_name=f"{year}-{month:02d}",
        footer=head.signatures(),
        constant_memory=True,
        **table,
    )


def write_township_month(
    out: BinaryIO | str, year: int, month: int, villages: Sequence[VillageMonth], *, head: Letterhead
) -> int:
    """The township's 月汇总表: one line per village (their month's totals) and 全乡合计."""
    totals = [v.month.figures.get("total") or {} for v in villages]
    rows = [
        [
            n,
            v.name,
            *figure_cells(total),
            SUBMITTED if v.month.frozen else LIVE_MARK,
            chinese_date(v.month.submitted_on),
        ]
        for n, (v, total) in enumerate(zip(villages, totals, strict=True), 1)
    ]
    return _write_month(
        out,
        year,
        month,
        head=head,
        title=f"{head.township}便民代办服务月汇总表",
        columns=TOWNSHIP_COLUMNS,
        rows=rows,
        subtitle_left=f"填报单位：{head.unit}",
        totals=["全乡合计", None, *figure_cells(sum_figures(totals)), None, None],
        note=NOTE.format(state=_township_state(villages)),
    )


def write_village_month(
    out: BinaryIO | str,
    year: int,
    month: int,
    figures: MonthFigures,
    categories: Sequence[Mapping],
    *,
    head: Letterhead,
) -> int:
    """One village's 统计表: one line per service category (each a figures dict with its
    ``category`` name) and 合计 from the month's total."""
    rows = [[n, r.get("category") or "", *figure_cells(r)] for n, r in enumerate(categories, 1)]
    return _write_month(
        out,
        year,
        month,
        head=head,
        title=f"{head.village}便民服务报送事项办理情况统计表",
        columns=VILLAGE_COLUMNS,
        rows=rows,
        subtitle_left=f"填报单位：{head.unit}　月报：{figures.status_text}",
        totals=["合计", None, *figure_cells(figures.figures.get("total"))],
        note=NOTE.format(state=figures.status_text),
    )
