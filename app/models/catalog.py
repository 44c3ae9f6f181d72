"""代办事项目录: the ten categories of policy §四 and their items (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, Money, Timestamped, village_township
from .enums import ITEM_MODES, label
from .township import Township


class ServiceCategory(Model):
    __tablename__ = "service_category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return self.name


class ServiceItem(Timestamped, Model):
    __tablename__ = "service_item"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_category.id"), nullable=False, index=True)
    category: Mapped[ServiceCategory] = relationship(ServiceCategory, lazy="joined")
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    window: Mapped[str] = mapped_column(String(60), nullable=False)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    materials: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    procedure: Mapped[str | None] = mapped_column(Text)
    promised_days: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    fee: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # 第二条（三）4 立即办 / 承诺办 / 报送办 (see app.policy.intake.MODES)
    mode: Mapped[str] = mapped_column(String(10), nullable=False, default="promised")
    # 第五条（二）3: 报送 only after the village cadres' 调查核实 (协办)
    needs_verification: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Applicant fields a 代办 of this item must record besides the name ("id_number", "phone")
    applicant_fields: Mapped[list] = mapped_column(JSON, nullable=False, default=lambda: ["id_number"])
    # 第四条9 代缴: the agent receives the villager's money and pays it on their behalf
    pays_on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Who owns the reference fields: "seed" (flask seed updates them) or "township" (never overwritten)
    owner: Mapped[str] = mapped_column(String(10), nullable=False, default="township")
    seed_version: Mapped[int | None] = mapped_column(Integer)
    # issue 15 §1: NULL = the county catalog (every township); set = that township's addition,
    # seen only by the township and its villages
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"), index=True)
    township: Mapped[Township | None] = relationship(Township, lazy="joined")

    @property
    def catalog_owner(self) -> str:
        """目录: 县目录, or the township whose addition the item is."""
        return self.township.name if self.township is not None else str(_l("县目录"))

    @classmethod
    def township_scope_clause(cls, township_id: int):
        return cls.township_id.is_(None) | (cls.township_id == township_id)

    @classmethod
    def scope_clause(cls, village_id: int):
        return cls.township_id.is_(None) | cls.township_id.in_(village_township(village_id))

    def scope_township_id(self) -> int | None:
        """A township's addition belongs to it; the county catalog is shared (None)."""
        return self.township_id

    @property
    def mode_label(self) -> str:
        return label(ITEM_MODES, self.mode)

    @property
    def materials_text(self) -> str:
        return "\n".join(self.materials or [])

    def __repr__(self) -> str:
        return self.name
