"""追责问责 (第五条（一）3 “对超时未办结的按相关规定追究责任”, 第六条（四） “对制度不落实、推诿扯皮、
不负责任、失职渎职或服务态度恶劣造成未在承诺或规定期限内办结的，将对代办员、支部书记进行追责问责”).

One record per matter: against an agent or a village's Party secretary (a user), what it is
about, the cases and complaints it rests on, and the decision (what, when, by whom). Kept,
never deleted; every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .agent import Agent
from .base import Model, Timestamped, VillageScoped
from .case import Case
from .enums import (
    ACCOUNTABILITY_DECISIONS,
    ACCOUNTABILITY_KINDS,
    ACCOUNTABILITY_STATUSES,
    ACCOUNTABILITY_SUBJECTS,
    label,
)
from .supervision import Complaint
from .user import BmUser
from .village import Village

accountability_case = Table(
    "accountability_case",
    Model.metadata,
    Column("accountability_id", ForeignKey("accountability.id"), primary_key=True),
    Column("case_id", ForeignKey("service_case.id"), primary_key=True, index=True),
)
accountability_complaint = Table(
    "accountability_complaint",
    Model.metadata,
    Column("accountability_id", ForeignKey("accountability.id"), primary_key=True),
    Column("complaint_id", ForeignKey("complaint.id"), primary_key=True, index=True),
)


class Accountability(Timestamped, VillageScoped, Model):
    __tablename__ = "accountability"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False, index=True)
    village: Mapped[Village] = relationship(Village, lazy="joined")
    subject: Mapped[str] = mapped_column(String(10), nullable=False)  # agent | secretary
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"), index=True)
    agent: Mapped[Agent | None] = relationship(Agent, lazy="joined")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    user: Mapped[BmUser | None] = relationship(BmUser, foreign_keys=[user_id], lazy="joined")
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    cases: Mapped[list[Case]] = relationship(Case, secondary=accountability_case, lazy="select")
    complaints: Mapped[list[Complaint]] = relationship(Complaint, secondary=accountability_complaint, lazy="select")

    @property
    def subject_name(self) -> str:
        if self.subject == "agent":
            return self.agent.name if self.agent else ""
        if self.user is None:
            return ""
        return self.user.first_name or self.user.username

    @property
    def subject_label(self) -> str:
        return label(ACCOUNTABILITY_SUBJECTS, self.subject)

    @property
    def kind_label(self) -> str:
        return label(ACCOUNTABILITY_KINDS, self.kind)

    @property
    def decision_label(self) -> str:
        return label(ACCOUNTABILITY_DECISIONS, self.decision)

    @property
    def status_label(self) -> str:
        return label(ACCOUNTABILITY_STATUSES, self.status)

    def __repr__(self) -> str:
        return f"{self.village} {self.subject_name} {self.kind_label}"


__all__ = ["Accountability", "accountability_case", "accountability_complaint"]
