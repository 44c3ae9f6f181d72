"""好差评 by the applicant (issue 14 §1): one rating per case, and the 差评 item that tracks a
不满意 / 非常不满意 to its 反馈. The case's unguessable rating token is ``Case.rating_token``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..policy.ratings import FEEDBACK_METHODS, ITEM_STATUSES, LEVELS, SOURCES
from .base import Model, Timestamped, VillageScoped
from .case import Case
from .enums import label


class CaseRating(Timestamped, VillageScoped, Model):
    """The applicant's rating of a case (扫码评价), or one a township 回访 by phone recorded."""

    __tablename__ = "case_rating"
    __audited__ = True
    __audit_masked__ = ("callback_phone",)
    __table_args__ = (Index("ix_case_rating_village_given", "village_id", "given_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), nullable=False, unique=True)
    case: Mapped[Case] = relationship(Case, lazy="joined", innerjoin=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False, index=True)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    score_efficiency: Mapped[int | None] = mapped_column(Integer)  # 服务效率 1–5
    score_competence: Mapped[int | None] = mapped_column(Integer)  # 服务水平 1–5
    score_attitude: Mapped[int | None] = mapped_column(Integer)  # 服务态度 1–5
    comment: Mapped[str | None] = mapped_column(Text)
    callback_phone: Mapped[str | None] = mapped_column(String(20))  # 实名: a number to call back
    source: Mapped[str] = mapped_column(String(10), nullable=False, default="qr")
    recorded_by: Mapped[str | None] = mapped_column(String(64))  # 电话回访: who took the call (姓名)
    given_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)  # first rating, township time
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # last change within the 24 h

    @property
    def level_label(self) -> str:
        return label(LEVELS, self.level)

    @property
    def source_label(self) -> str:
        return label(SOURCES, self.source)

    @property
    def real_name(self) -> bool:
        return bool(self.callback_phone)

    def __repr__(self) -> str:
        return f"{self.case.case_number} {self.level_label}" if self.case else self.level_label


class BadRatingItem(Timestamped, VillageScoped, Model):
    """差评 item for 乡便民中心: 核实 → 整改 → 反馈 (+ 回访 for a 实名差评), due 15 working days
    after the rating."""

    __tablename__ = "bad_rating_item"
    __audited__ = True
    __table_args__ = (Index("ix_bad_rating_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("case_rating.id"), nullable=False, unique=True)
    rating: Mapped[CaseRating] = relationship(CaseRating, lazy="joined", innerjoin=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), nullable=False, index=True)
    case: Mapped[Case] = relationship(Case, lazy="joined", innerjoin=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False, index=True)
    rated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    # 核实
    verified: Mapped[bool | None] = mapped_column(Boolean)  # True 属实, False 不属实
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    verification_note: Mapped[str | None] = mapped_column(Text)
    # 整改
    rectification: Mapped[str | None] = mapped_column(Text)
    rectified_by: Mapped[str | None] = mapped_column(String(64))
    rectified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # 反馈 (closes the item)
    feedback_method: Mapped[str | None] = mapped_column(String(10))
    feedback_text: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    feedback_by: Mapped[str | None] = mapped_column(String(64))
    # 回访 (required for a 实名差评)
    callback_note: Mapped[str | None] = mapped_column(Text)
    callback_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    callback_by: Mapped[str | None] = mapped_column(String(64))
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return label(ITEM_STATUSES, self.status)

    @property
    def feedback_method_label(self) -> str:
        return label(FEEDBACK_METHODS, self.feedback_method) if self.feedback_method else ""

    def __repr__(self) -> str:
        return f"差评 {self.case.case_number}" if self.case else "差评"
