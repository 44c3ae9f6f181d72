"""Scheduled jobs (issue 14 §3): the database lock that keeps two runners from running the same
job at once, and the run log. Times are township wall-clock time, naive."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model


class JobLock(Model):
    """One row while a job runs: inserted (or taken over once ``expires_at`` has passed) by the
    runner that holds it, deleted when it finishes."""

    __tablename__ = "job_lock"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    owner: Mapped[str] = mapped_column(String(120), nullable=False)
    acquired_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)


class JobRun(Model):
    """The run log: one row per start (also the starts that found the job busy)."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_name_started", "name", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    owner: Mapped[str] = mapped_column(String(120), nullable=False)
    trigger: Mapped[str] = mapped_column(String(20), nullable=False, default="cli")
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # running / ok / failed / busy (another runner held the lock)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="running")
    result: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"{self.name}@{self.started_at:%Y-%m-%d %H:%M}"
