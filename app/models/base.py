"""Shared column helpers and the village-scoping contract of the models."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, Numeric
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

Money = Numeric(12, 2)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class VillageScoped:
    """A model whose rows belong to one village.

    Village users see and change only rows for which ``scope_clause(village_id)`` holds;
    the one mechanism that enforces this lives in ``app.security.scoping``.
    """

    @classmethod
    def scope_clause(cls, village_id: int) -> ColumnElement[bool]:
        return cls.village_id == village_id  # type: ignore[attr-defined]

    def scope_village_id(self) -> int | None:
        return self.village_id  # type: ignore[attr-defined]


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)


__all__ = ["Model", "Money", "Timestamped", "VillageScoped", "utcnow"]
