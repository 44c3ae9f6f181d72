"""代办事项目录: the ten categories of policy §四 and their items (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, Money, Timestamped


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

    @property
    def materials_text(self) -> str:
        return "\n".join(self.materials or [])

    def __repr__(self) -> str:
        return self.name
