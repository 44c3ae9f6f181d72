"""行政村 and its 六个一 standard configuration (policy §六(二), SPEC §2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from .base import Model, Money, Timestamped, VillageScoped
from .township import Township, fill_township

# (attribute prefix, label) of the 六个一 checklist, in the order of policy §六(二).
SIX_ONES: tuple[tuple[str, str], ...] = (
    ("std_counter", _l("柜台式服务窗口")),
    ("std_agent", _l("坐班代办员")),
    ("std_register", _l("便民代办登记簿")),
    ("std_card", _l("代办事项明白卡")),
    ("std_system", _l("服务制度和流程")),
    ("std_board", _l("代办员公示牌")),
)


class Village(Timestamped, VillageScoped, Model):
    __tablename__ = "village"
    __audited__ = True
    # names are unique within a township (two townships may each have a “新村”, issue 15 §1)
    __table_args__ = (UniqueConstraint("township_id", "name", name="uq_village_township_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    # unique county-wide: the prefix of every case number (受理编号), so those stay unique too
    code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), nullable=False, index=True)
    township: Mapped[Township] = relationship(Township, lazy="joined")
    address: Mapped[str | None] = mapped_column(String(200))
    service_phone: Mapped[str | None] = mapped_column(String(20))
    secretary_name: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    supplement_per_year: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), nullable=False)

    std_counter: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    std_counter_checked_on: Mapped[dt.date | None] = mapped_column(Date)
    std_agent: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    std_agent_checked_on: Mapped[dt.date | None] = mapped_column(Date)
    std_register: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    std_register_checked_on: Mapped[dt.date | None] = mapped_column(Date)
    std_card: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    std_card_checked_on: Mapped[dt.date | None] = mapped_column(Date)
    std_system: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    std_system_checked_on: Mapped[dt.date | None] = mapped_column(Date)
    std_board: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    std_board_checked_on: Mapped[dt.date | None] = mapped_column(Date)

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    @classmethod
    def scope_clause(cls, village_id: int) -> ColumnElement[bool]:
        return cls.id == village_id

    def scope_village_id(self) -> int | None:
        return self.id

    @classmethod
    def township_scope_clause(cls, township_id: int) -> ColumnElement[bool]:
        return cls.township_id == township_id

    def scope_township_id(self) -> int | None:
        return self.township_id

    @property
    def six_ones_met(self) -> bool:
        """“达标” only when all six items of §六(二) hold."""
        return all(getattr(self, attr) for attr, _ in SIX_ONES)

    @property
    def six_ones_status(self) -> Markup:
        missing = self.six_ones_missing()
        if not missing:
            return Markup('<span class="label label-success">{}</span>').format(_l("达标"))
        return Markup('<span class="label label-warning" title="{}">{}</span>').format(
            "、".join(missing), _l("缺%(n)s项", n=len(missing))
        )

    def six_ones_missing(self) -> list[str]:
        return [str(label) for attr, label in SIX_ONES if not getattr(self, attr)]

    def __repr__(self) -> str:
        return self.name


event.listen(Village, "before_insert", fill_township)
