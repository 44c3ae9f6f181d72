"""Township-maintained overrides of the official working-day calendar (SPEC §5)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, Timestamped


class CalendarDay(Timestamped, Model):
    __tablename__ = "calendar_day"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, unique=True, nullable=False)
    is_workday: Mapped[bool] = mapped_column(Boolean, nullable=False)
    note: Mapped[str | None] = mapped_column(String(60))

    def __repr__(self) -> str:
        return f"{self.day:%Y-%m-%d}"
