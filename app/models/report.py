"""村级便民服务报送事项办理情况统计表 — the monthly report (policy §五(一)4, SPEC §8)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .agent import Agent
from .base import Model, Timestamped, VillageScoped, utcnow
from .village import Village


class MonthlyReport(Timestamped, VillageScoped, Model):
    __tablename__ = "monthly_report"
    __audited__ = True
    __table_args__ = (UniqueConstraint("village_id", "year", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False, index=True)
    village: Mapped[Village] = relationship(Village, lazy="joined")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    agent: Mapped[Agent | None] = relationship(Agent, lazy="joined")
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="draft")
    # Figures frozen at submission: totals and per-category counts.
    figures: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    hot_issues: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    # 数据有变动: a case was registered for this month after the report was locked (set by
    # services.reports.note_case_added, cleared when the report is submitted again).
    data_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    actions: Mapped[list[MonthlyReportAction]] = relationship(
        "MonthlyReportAction", back_populates="report", order_by="MonthlyReportAction.at"
    )

    def __repr__(self) -> str:
        return f"{self.village} {self.year}年{self.month}月"


class MonthlyReportAction(VillageScoped, Model):
    """报送 / 退回修改 — each a recorded action."""

    __tablename__ = "monthly_report_action"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("monthly_report.id"), nullable=False, index=True)
    report: Mapped[MonthlyReport] = relationship(MonthlyReport, back_populates="actions")
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(10), nullable=False)  # submit / return
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    user_name: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
