"""便民代办员 (policy §二(一)(二), SPEC §3)."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.mixins import ImageColumn
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..policy.idcard import age_on, mask_id_number
from ..policy.phone import mask_phone
from .base import Model, Timestamped, VillageScoped
from .enums import AGENT_STATUSES, label
from .village import Village

# FAB's ImageColumn is a plain string underneath; without ``cache_ok`` SQLAlchemy cannot
# cache any statement that touches Agent (a warning, and a slower query on every page).
ImageColumn.cache_ok = True


class Agent(Timestamped, VillageScoped, Model):
    __tablename__ = "agent"
    __audited__ = True
    __audit_masked__ = ("id_number", "phone")
    __table_args__ = (
        Index("ix_agent_village_status", "village_id", "status"),
        Index("ix_agent_id_number", "id_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(30), nullable=False)
    gender: Mapped[str | None] = mapped_column(String(1))
    id_number: Mapped[str] = mapped_column(String(18), nullable=False)
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20), nullable=False)
    education: Mapped[str] = mapped_column(String(16), nullable=False)
    level: Mapped[str] = mapped_column(String(10), nullable=False, default="village")
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    village: Mapped[Village | None] = relationship(Village, lazy="joined")
    window_unit: Mapped[str | None] = mapped_column(String(60))
    appointment_kind: Mapped[str] = mapped_column(String(10), nullable=False, default="hired")
    long_term_resident: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    is_grid_worker: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    photo: Mapped[str | None] = mapped_column(ImageColumn(size=(300, 400, True), thumbnail_size=(60, 80, True)))
    age_override_reason: Mapped[str | None] = mapped_column(Text)

    nominated_on: Mapped[dt.date | None] = mapped_column(Date)  # 两委会议提名
    approved_on: Mapped[dt.date | None] = mapped_column(Date)  # 党员、村民代表会议通过
    filed_on: Mapped[dt.date | None] = mapped_column(Date)  # 乡政府审核备案
    committee_decided_on: Mapped[dt.date | None] = mapped_column(Date)  # 乡级: 党委（扩大）会议研究决定 (§二(二)2)
    hired_on: Mapped[dt.date | None] = mapped_column(Date)  # 聘任日期
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="candidate")
    dismissed_on: Mapped[dt.date | None] = mapped_column(Date)
    dismissal_reason: Mapped[str | None] = mapped_column(Text)

    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), unique=True)

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return label(AGENT_STATUSES, self.status)

    def age_on(self, on: dt.date) -> int | None:
        """Age in full years on ``on`` (the caller gives the day: models never read the clock)."""
        return age_on(self.birth_date, on) if self.birth_date else None

    @property
    def strikes(self) -> int:
        """The key the views use to show the three-strikes status (see views/villages)."""
        return self.id

    strikes_detail = strikes

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def __repr__(self) -> str:
        return self.name
