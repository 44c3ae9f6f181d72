"""What every exported table carries besides its rows: the 填报单位 and the signature lines.

The services layer fills a :class:`Letterhead` (the township's name from the settings, the
制表人's 姓名, the township's today) and hands it to a layout with the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.policy.periods import chinese_date

#: The signature lines under the ledger, the 月汇总表 and the 扣款明细 (the payout sheet has its own).
SIGNATURES = ("单位负责人：", "审核人：", "制表人：{who}", "日期：{date}")


def unit_name(township: str, village: str | None = None) -> str:
    """填报单位: the township's service centre, or the village's service point."""
    if village is not None:
        return f"{township}{village}便民服务代办点"
    return f"{township}便民服务中心"


@dataclass(frozen=True)
class Letterhead:
    township: str  # 建宁乡
    today: date  # the export's date (导出日期, the signature line's 日期)
    village: str | None = None  # the village's name when the sheet is one village's
    prepared_by: str = ""  # 制表人 (姓名); blank leaves the line to sign by hand

    @property
    def unit(self) -> str:
        return unit_name(self.township, self.village)

    @property
    def export_date(self) -> str:
        return f"导出日期：{chinese_date(self.today)}"

    def signatures(self) -> list[str]:
        return [s.format(who=self.prepared_by, date=chinese_date(self.today)) for s in SIGNATURES]
