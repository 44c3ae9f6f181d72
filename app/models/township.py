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


def default_township_id(connection) -> int | None:
    """For a row written without a township (a single-township deployment's code and tests):
    the only township; with none yet, the one named by ``TOWNSHIP_NAME`` is created. With
    several, None — the writer must say which (the NOT NULL column refuses the row)."""
    from sqlalchemy import func, insert, select

    table = Township.__table__
    ids = connection.execute(select(table.c.id).limit(2)).scalars().all()
    if len(ids) == 1:
        return ids[0]
    if ids:
        return None
    try:
        from flask import current_app

        name = current_app.config.get("TOWNSHIP_NAME") or "建宁乡"
        code = (current_app.config.get("TOWNSHIP_CODE") or "JN").upper()
    except RuntimeError:
        name, code = "建宁乡", "JN"
    now = connection.execute(select(func.current_timestamp())).scalar()
    if isinstance(now, str):  # SQLite answers text
        import datetime as dt

        now = dt.datetime.fromisoformat(now)
    return connection.execute(
        insert(table)
        .values(
            name=name, code=code, version=1, created_at=now.replace(tzinfo=None), updated_at=now.replace(tzinfo=None)
        )
        .returning(table.c.id)
    ).scalar()


def fill_township(mapper, connection, target) -> None:
    """``before_insert`` of villages and payout sheets: ``default_township_id`` when unset."""
    if getattr(target, "township_id", None) is None:
        target.township_id = default_township_id(connection)
