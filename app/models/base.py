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


def township_villages(township_id: int):
    """``SELECT village.id WHERE township_id = …`` on the bare table (no ORM criteria)."""
    from sqlalchemy import select

    table = Model.metadata.tables["village"]
    return select(table.c.id).where(table.c.township_id == township_id)


def village_township(village_id: int):
    """``SELECT village.township_id WHERE id = …`` on the bare table."""
    from sqlalchemy import select

    table = Model.metadata.tables["village"]
    return select(table.c.township_id).where(table.c.id == village_id)


def township_agents(township_id: int):
    """``SELECT agent.id WHERE township_id = …`` on the bare table (no ORM criteria)."""
    from sqlalchemy import select

    table = Model.metadata.tables["agent"]
    return select(table.c.id).where(table.c.township_id == township_id)


class VillageScoped:
    """A model whose rows belong to one village (and so to that village's township).

    Village users see and change only rows for which ``scope_clause(village_id)`` holds,
    township users (乡便民中心, 乡纪检办 of one township) only rows for which
    ``township_scope_clause(township_id)`` holds; the one mechanism that enforces both lives
    in ``app.security`` (scoping).
    """

    @classmethod
    def scope_clause(cls, village_id: int) -> ColumnElement[bool]:
        return cls.village_id == village_id  # type: ignore[attr-defined]

    def scope_village_id(self) -> int | None:
        return self.village_id  # type: ignore[attr-defined]

    @classmethod
    def township_scope_clause(cls, township_id: int) -> ColumnElement[bool]:
        """Rows of the township's villages; a row without a village (the attendances and
        assessments of a 乡级代办员) belongs to the township of its agent (see docs/TOWNSHIPS.md).
        A model with neither overrides this."""
        column = cls.village_id  # type: ignore[attr-defined]
        # ``village_id + 0``: the township's villages are a filter, not an index to walk — the
        # planner keeps the page's own index (the name search key, the received order) as it
        # does for county users, instead of reading every case of the township (SQLite and PG)
        clause = (column + 0).in_(township_villages(township_id))
        if column.nullable:
            agent = cls.agent_id  # type: ignore[attr-defined]
            clause = clause | (column.is_(None) & agent.in_(township_agents(township_id)))
        return clause

    def scope_township_id(self) -> int | None:
        """The row's own township when it records one; None: decided by its village."""
        return None


class TownshipScoped:
    """A model whose rows belong to one township (``township_id``): payout sheets.

    Township users see and change only their township's rows; village users read the rows of
    their village's township."""

    @classmethod
    def township_scope_clause(cls, township_id: int) -> ColumnElement[bool]:
        return cls.township_id == township_id  # type: ignore[attr-defined]

    @classmethod
    def scope_clause(cls, village_id: int) -> ColumnElement[bool]:
        return cls.township_id.in_(village_township(village_id))  # type: ignore[attr-defined]

    def scope_township_id(self) -> int | None:
        return self.township_id  # type: ignore[attr-defined]


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)


__all__ = ["Model", "Money", "Timestamped", "TownshipScoped", "VillageScoped", "utcnow"]
