"""便民代办员 (policy §二(一)(二), SPEC §3)."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.mixins import ImageColumn
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from ..policy.idcard import age_on, mask_id_number
from ..policy.phone import mask_phone
from .base import Model, Timestamped, VillageScoped, township_villages, village_township
from .enums import AGENT_STATUSES, label
from .township import Township, default_township_id
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
    # the township of the village, kept by ``_agent_township``; a 乡级代办员 (no village) has
    # the township that hired them — what township scoping reads for them and their records
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"), index=True)
    township: Mapped[Township | None] = relationship(Township, lazy="joined", foreign_keys=[township_id])

    @property
    def township_text(self) -> str:
        """所属乡镇 as shown: a village agent's is their village's (it moves with the village)."""
        township = self.village.township if self.village is not None else self.township
        return township.name if township is not None else ""

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

    @classmethod
    def township_scope_clause(cls, township_id: int) -> ColumnElement[bool]:
        """A village agent by their village (a village may move to another township); a
        乡级代办员 by their own township."""
        return cls.village_id.in_(township_villages(township_id)) | (
            cls.village_id.is_(None) & (cls.township_id == township_id)
        )

    def scope_township_id(self) -> int | None:
        """A village agent's township is decided by the village (a move is checked there)."""
        return None if self.village_id is not None else self.township_id

    def __repr__(self) -> str:
        return self.name


def _agent_township(mapper, connection, target: Agent) -> None:
    """``before_insert``/``before_update``: the township of the agent's village; for a 乡级代办员
    the one the service set (``services.agents``: the acting township user's), else the only one."""
    if target.village_id is not None:
        target.township_id = connection.execute(village_township(target.village_id)).scalar()
    elif target.township_id is None:
        target.township_id = default_township_id(connection)


event.listen(Agent, "before_insert", _agent_township)
event.listen(Agent, "before_update", _agent_township)
