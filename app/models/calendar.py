"""Township-maintained overrides of the official working-day calendar (SPEC §5)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Integer, String
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


class CalendarYear(Timestamped, Model):
    """A year whose State Council schedule township staff confirmed as entered in full
    (“全年安排已录入”). Only such a year — or one chinesecalendar knows — counts as
    configured; entering a few dates (元旦、春节) does not."""

    __tablename__ = "calendar_year"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    confirmed_by: Mapped[str | None] = mapped_column(String(60))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"{self.year}"
