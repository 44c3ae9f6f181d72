"""FAB's user, linked to at most one village (SPEC §1)."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from .village import Village


class BmUser(User):
    __tablename__ = "ab_user"

    village_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("village.id"), nullable=True, index=True)
    village: Mapped[Village | None] = relationship(Village, foreign_keys=[village_id])

    @classmethod
    def scope_clause(cls, village_id: int) -> ColumnElement[bool]:
        return cls.village_id == village_id

    def scope_village_id(self) -> int | None:
        return self.village_id
