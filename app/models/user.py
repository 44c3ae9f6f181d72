"""FAB's user, linked to at most one village (SPEC §1) or to one township (issue 15 §1).

村支书/村代办员 have a village, 乡便民中心/乡纪检办 a township, 县政务服务中心 and Admin neither.
"""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from .base import township_villages
from .township import Township
from .village import Village


class BmUser(User):
    __tablename__ = "ab_user"

    village_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("village.id"), nullable=True, index=True)
    village: Mapped[Village | None] = relationship(Village, foreign_keys=[village_id])
    township_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("township.id"), nullable=True, index=True)
    township: Mapped[Township | None] = relationship(Township, foreign_keys=[township_id])

    @classmethod
    def scope_clause(cls, village_id: int) -> ColumnElement[bool]:
        return cls.village_id == village_id

    def scope_village_id(self) -> int | None:
        return self.village_id

    @classmethod
    def township_scope_clause(cls, township_id: int) -> ColumnElement[bool]:
        """The township's own accounts and those of its villages."""
        return (cls.township_id == township_id) | cls.village_id.in_(township_villages(township_id))

    def scope_township_id(self) -> int | None:
        return self.township_id
