"""Running jobs: one job under its lock with a run-log row (:func:`run_job`), or every job
that is due (:func:`run_due` — what ``flask jobs run`` and the in-process scheduler call).

A job runs without a user's village scope (``unscoped``) and acts as “定时任务 <name>” in the
audit log. A job that raises is logged as failed with the error; the other jobs still run.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import JobRun
from ..security import unscoped
from ..services import clock
from ..services.audit import acting_as
from . import lock
from .registry import JOBS, Job

log = logging.getLogger(__name__)

STATUS_LABELS = {
    "running": _l("运行中"),
    "ok": _l("完成"),
    "failed": _l("出错"),
    "busy": _l("跳过（另一进程正在运行）"),
}

TRIGGER_LABELS = {"cli": _l("命令行"), "scheduler": _l("本进程定时"), "manual": _l("手动")}


@dataclass
class Outcome:
    name: str
    status: str  # ok / failed / busy
    result: str = ""
    error: str = ""


def new_owner() -> str:
    """Who holds a lock: host, process, thread and a random part (unique per start)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_ident() % 100000}:{uuid.uuid4().hex[:8]}"


def get_job(name: str) -> Job | None:
    return JOBS.get(name)


def _lock_ttl(job: Job) -> dt.timedelta:
    minutes = job.lock_minutes or int(current_app.config.get("JOBS_LOCK_MINUTES", 30))
    return dt.timedelta(minutes=minutes)


def _log_start(job: Job, owner: str, trigger: str, status: str = "running") -> int:
    s = db.session
    started = clock.now_local()
    run = JobRun(name=job.name, owner=owner, trigger=trigger, started_at=started, status=status)
    if status != "running":
        run.finished_at = started
    s.add(run)
    s.commit()
    return run.id


def _log_end(run_id: int, status: str, result: str = "", error: str = "") -> None:
    s = db.session
    run = s.get(JobRun, run_id)
    run.status, run.finished_at = status, clock.now_local()
    run.result, run.error = (result or None), (error[:4000] or None)
    s.commit()


def _forget(run_id: int) -> None:
    db.session.execute(delete(JobRun).where(JobRun.id == run_id).execution_options(synchronize_session=False))
    db.session.commit()


def prune_log(name: str, now: dt.datetime) -> int:
    """Forget this job's run-log rows older than ``JOBS_LOG_KEEP_DAYS`` (the log, not a ledger:
    ``deliver`` alone starts 1440 times a day)."""
    keep = int(current_app.config.get("JOBS_LOG_KEEP_DAYS", 60))
    stmt = delete(JobRun).where(JobRun.name == name, JobRun.started_at < now - dt.timedelta(days=keep))
    removed = db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return int(removed or 0)


def run_job(name: str, now: dt.datetime | None = None, *, trigger: str = "cli", owner: str | None = None) -> Outcome:
    """Run job ``name`` for ``now`` if no other runner holds its lock."""
    job = JOBS[name]
    owner = owner or new_owner()
    now = now or clock.now_local()
    if not lock.acquire(name, owner, clock.now_local(), _lock_ttl(job)):
        _log_start(job, owner, trigger, status="busy")
        return Outcome(name, "busy")
    try:
        run_id = _log_start(job, owner, trigger)
        try:
            with unscoped(), acting_as(f"定时任务 {name}"):
                result = job.func(now) or ""
        except Exception as exc:  # noqa: BLE001 — a failing job is logged, the runner goes on
            db.session.rollback()
            log.exception("定时任务 %s 出错", name)
            error = f"{type(exc).__name__}: {exc}"
            _log_end(run_id, "failed", error=error)
            return Outcome(name, "failed", error=error)
        if job.quiet and not result:
            _forget(run_id)
        else:
            _log_end(run_id, "ok", result=str(result))
        prune_log(name, clock.now_local())
        return Outcome(name, "ok", result=str(result))
    finally:
        lock.release(name, owner)


def last_start(name: str) -> dt.datetime | None:
    """When the job last started for real (a start that found it busy does not count)."""
    stmt = select(func.max(JobRun.started_at)).where(JobRun.name == name, JobRun.status != "busy")
    return db.session.execute(stmt).scalar()


def last_run(name: str) -> JobRun | None:
    stmt = select(JobRun).where(JobRun.name == name).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)
    return db.session.execute(stmt).scalars().first()


def due_jobs(now: dt.datetime) -> list[Job]:
    return [j for j in JOBS.values() if j.schedule.is_due(last_start(j.name), now)]


def run_due(now: dt.datetime | None = None, *, trigger: str = "cli") -> list[Outcome]:
    """Run every job that is due at ``now`` (each under its own lock), in registration order."""
    now = now or clock.now_local()
    return [run_job(j.name, now, trigger=trigger) for j in due_jobs(now)]
