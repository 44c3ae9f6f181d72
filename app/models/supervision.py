"""考核评价: sign-in, inspections, complaints, trainings, deductions, annual assessment
(policy §二(三)1,5, §二(四)2–4, SPEC §6, §7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..policy.supervision import complaint_fingerprint
from .agent import Agent
from .base import Model, Money, Timestamped, VillageScoped, township_agents, township_villages
from .village import Village


class SignIn(VillageScoped, Model):
    """签到: one per agent and working day (§二(四)3 日常签到考勤)."""

    __tablename__ = "sign_in"
    __table_args__ = (
        UniqueConstraint("agent_id", "day"),
        Index("ix_sign_in_village_day", "village_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"), nullable=False)
    agent: Mapped[Agent] = relationship(Agent, lazy="joined")
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False)
    village: Mapped[Village] = relationship(Village, lazy="joined")
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    note: Mapped[str | None] = mapped_column(String(120))


class Inspection(Timestamped, VillageScoped, Model):
    """督查检查 (§二(三)5, §二(四)4)."""

    __tablename__ = "inspection"
    __audited__ = True
    __table_args__ = (
        Index("ix_inspection_village_at", "village_id", "inspected_at"),
        # One inspection per village and minute (policy.supervision “one event, one record”);
        # rows marked as duplicates by migration 0003 stay outside the index.
        Index(
            "uq_inspection_event",
            "village_id",
            "inspected_at",
            unique=True,
            sqlite_where=text("duplicate_of_id IS NULL"),
            postgresql_where=text("duplicate_of_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspected_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    inspector: Mapped[str] = mapped_column(String(60), nullable=False)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False)
    village: Mapped[Village] = relationship(Village, lazy="joined")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"), index=True)
    agent: Mapped[Agent | None] = relationship(Agent, lazy="joined")
    on_duty: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    ledger_complete: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    six_ones: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # attr → bool
    problems: Mapped[str | None] = mapped_column(Text)
    rectification: Mapped[str | None] = mapped_column(Text)
    rectify_by: Mapped[dt.date | None] = mapped_column(Date)
    rectified_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # Set by migration 0003 on a record that doubled an earlier one (kept, never deleted).
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"))

    def __repr__(self) -> str:
        return f"{self.village} {self.inspected_at:%Y-%m-%d %H:%M}"


class Complaint(Timestamped, VillageScoped, Model):
    """群众反映/举报 and the township's verification (§二(四)2①)."""

    __tablename__ = "complaint"
    __audited__ = True
    __table_args__ = (
        # One record per complaint: village, received date, channel and content (fingerprint).
        Index(
            "uq_complaint_event",
            "village_id",
            "received_on",
            "channel",
            "content_digest",
            unique=True,
            sqlite_where=text("duplicate_of_id IS NULL"),
            postgresql_where=text("duplicate_of_id IS NULL"),
        ),
        # 网上反映 (migration 0013): the query code's hash and the challenge are one per report.
        Index("uq_complaint_query_digest", "query_digest", unique=True),
        Index("uq_complaint_public_ticket", "public_ticket", unique=True),
        Index("ix_complaint_submitter_received", "submitter_digest", "received_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default="visit")
    complainant: Mapped[str | None] = mapped_column(String(60))  # blank = 匿名
    complainant_phone: Mapped[str | None] = mapped_column(String(20))
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False, index=True)
    village: Mapped[Village] = relationship(Village, lazy="joined")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"), index=True)
    agent: Mapped[Agent | None] = relationship(Agent, lazy="joined")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id"))
    refused_request: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    result: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    verified_by: Mapped[str | None] = mapped_column(String(60))
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    verification_note: Mapped[str | None] = mapped_column(Text)
    followup: Mapped[str | None] = mapped_column(Text)
    content_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))
    # Who filed it (migration 0013): "staff" (登记) or "public" (网上反映, the public page's form).
    source: Mapped[str] = mapped_column(String(10), nullable=False, default="staff", server_default="staff")
    # 网上反映 only: SHA-256 of the villager's query code, the challenge's nonce (one report per
    # challenge) and a keyed hash of the submitting address (counted, never shown).
    query_digest: Mapped[str | None] = mapped_column(String(64))
    public_ticket: Mapped[str | None] = mapped_column(String(32))
    submitter_digest: Mapped[str | None] = mapped_column(String(64))

    @validates("content")
    def _fingerprint(self, key, value):
        self.content_digest = complaint_fingerprint(value)
        return value

    def __repr__(self) -> str:
        return f"{self.received_on:%Y-%m-%d} {self.village}"


class Training(Timestamped, Model):
    """乡召开的集中学习培训会议 (§二(三)2, §二(四)2②)."""

    __tablename__ = "training"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    held_on: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    place: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    attendances: Mapped[list[TrainingAttendance]] = relationship(
        "TrainingAttendance", back_populates="training", lazy="select"
    )

    def __repr__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class TrainingAttendance(VillageScoped, Model):
    __tablename__ = "training_attendance"
    __audited__ = True
    __table_args__ = (UniqueConstraint("training_id", "agent_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id"), nullable=False, index=True)
    training: Mapped[Training] = relationship(Training, back_populates="attendances", lazy="joined")
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"), nullable=False, index=True)
    agent: Mapped[Agent] = relationship(Agent, lazy="joined")
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    attendance: Mapped[str] = mapped_column(String(10), nullable=False, default="present")
    note: Mapped[str | None] = mapped_column(String(200))


class Deduction(Timestamped, VillageScoped, Model):
    """扣款 ①–⑤ — created from its source event, never by hand (§二(四)2)."""

    __tablename__ = "deduction"
    __audited__ = True
    __table_args__ = (
        Index("ix_deduction_agent_month", "agent_id", "year", "month"),
        Index("ix_deduction_village_month", "village_id", "year", "month"),
        UniqueConstraint("source_type", "source_id", "code", "agent_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(1), nullable=False)  # "1".."5"
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"), nullable=False)
    agent: Mapped[Agent] = relationship(Agent, lazy="joined")
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False)
    village: Mapped[Village] = relationship(Village, lazy="joined")
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    occurred_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    source_type: Mapped[str] = mapped_column(String(20), nullable=False)
    source_id: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(6), nullable=False, default="active")
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str | None] = mapped_column(String(200))


class AnnualAssessment(Timestamped, VillageScoped, Model):
    """年度考核 (§二(四)2 last sentence) as a workflow: the system gathers the year's figures
    (``inputs``, a snapshot of ``policy.annual_assessment.AssessmentInputs``) and proposes a
    grade with its reasons; the township decides (``grade``, ``decision_reason``). 不合格 →
    予以解聘 (``services.deductions.strike_alerts`` lists it until the agent is dismissed).

    ``grade`` is empty until the decision (rows from before migration 0016 are decided)."""

    __tablename__ = "annual_assessment"
    __audited__ = True
    __table_args__ = (UniqueConstraint("agent_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"), nullable=False)
    agent: Mapped[Agent] = relationship(Agent, lazy="joined")
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="draft", server_default="decided")
    inputs: Mapped[dict | None] = mapped_column(JSON)
    gathered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    proposed_grade: Mapped[str | None] = mapped_column(String(10))
    proposal_reasons: Mapped[list | None] = mapped_column(JSON)
    proposed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    grade: Mapped[str | None] = mapped_column(String(10))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    assessed_on: Mapped[dt.date] = mapped_column(Date, nullable=False, default=dt.date.today)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    evidence: Mapped[list[AssessmentEvidence]] = relationship(
        "AssessmentEvidence",
        back_populates="assessment",
        order_by="AssessmentEvidence.id",
        lazy="select",
    )

    def __repr__(self) -> str:
        return f"{self.year} {self.agent}"


class AssessmentEvidence(Timestamped, VillageScoped, Model):
    """The township's own evidence of an agent's year (§二(四)2 调查问卷、入户走访、个别座谈):
    ``kind`` survey (respondents, satisfied), visit (household, findings) or talk (with whom,
    findings); ``negative`` marks findings that tell against the agent. Kept, never deleted: a
    wrong entry is voided (作废) or corrected (更正 = voided + a new row) before the decision."""

    __tablename__ = "assessment_evidence"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("annual_assessment.id"), nullable=False, index=True)
    assessment: Mapped[AnnualAssessment] = relationship(AnnualAssessment, back_populates="evidence")
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    respondents: Mapped[int | None] = mapped_column(Integer)  # 调查问卷: 收回问卷份数
    satisfied: Mapped[int | None] = mapped_column(Integer)  # 调查问卷: 满意份数
    household: Mapped[str | None] = mapped_column(String(60))  # 入户走访: 户主/住户
    person: Mapped[str | None] = mapped_column(String(60))  # 个别座谈: 座谈对象
    findings: Mapped[str | None] = mapped_column(Text)
    negative: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    # 作废/更正 before the decision: the row stays, struck through, with who, when and why;
    # a correction is a new row whose ``replaces_id`` is the voided one.
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    voided_by: Mapped[str | None] = mapped_column(String(64))
    void_reason: Mapped[str | None] = mapped_column(String(240))  # 200 + “更正：”
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_evidence.id"))

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @classmethod
    def township_scope_clause(cls, township_id: int):
        """The township's villages' rows; without a village, the township of the assessed agent."""
        table = AnnualAssessment.__table__
        of_agents = select(table.c.id).where(table.c.agent_id.in_(township_agents(township_id)))
        return cls.village_id.in_(township_villages(township_id)) | (
            cls.village_id.is_(None) & cls.assessment_id.in_(of_agents)
        )
