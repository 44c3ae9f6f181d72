"""乡镇: the level above villages when one deployment serves a whole county (issue 15 §1).

Every village belongs to one township. The settings columns are a township's own values of
the policy settings ``config.py`` holds for the whole deployment; NULL means “use the config
default” (``app.services.settings`` reads them).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from .base import Model, Money, Timestamped, village_township


class Township(Timestamped, Model):
    __tablename__ = "township"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    # 2–6 capital letters, e.g. JN (建宁乡): the --township CODE of the commands
    code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    # overrides of config.py (NULL = the deployment's default)
    annual_subsidy: Mapped[Decimal | None] = mapped_column(Money)
    deduction_amounts: Mapped[dict | None] = mapped_column(JSON)  # {"1": "20.00", …}
    supervision_phone: Mapped[str | None] = mapped_column(String(20))
    summer_starts: Mapped[str | None] = mapped_column(String(5))  # "05-01"
    winter_starts: Mapped[str | None] = mapped_column(String(5))  # "10-01"
    summer_hours: Mapped[str | None] = mapped_column(String(60))  # "09:00-11:30,15:00-18:00"
    winter_hours: Mapped[str | None] = mapped_column(String(60))
    public_base_path: Mapped[str | None] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    # township scoping: a township user sees only their own township's row
    @classmethod
    def township_scope_clause(cls, township_id: int) -> ColumnElement[bool]:
        return cls.id == township_id

    def scope_township_id(self) -> int | None:
        return self.id

    @classmethod
    def scope_clause(cls, village_id: int) -> ColumnElement[bool]:
        """A village user sees the township of their own village."""
        return cls.id.in_(village_township(village_id))

    def __repr__(self) -> str:
        return self.name
