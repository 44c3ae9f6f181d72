"""In-process scheduling: with ``python run.py`` / ``make run`` an APScheduler
``BackgroundScheduler`` ticks every ``JOBS_TICK_SECONDS`` and runs what is due
(:func:`app.jobs.runner.run_due`) — the same as a cron line calling ``flask jobs run``. Off
when ``JOBS_IN_PROCESS=0`` (production with cron / a systemd timer) and always off under
tests (``TESTING``). Several processes may each tick: the job's database lock lets one run it.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask

from ..services import clock

log = logging.getLogger(__name__)


def scheduler_wanted(app: Flask) -> bool:
    return bool(app.config.get("JOBS_IN_PROCESS", True)) and not app.config.get("TESTING")


def tick(app: Flask) -> None:
    from .runner import run_due

    with app.app_context():
        try:
            run_due(trigger="scheduler")
        except Exception:  # noqa: BLE001 — the scheduler thread must survive a bad tick
            log.exception("定时任务调度出错")


def start_scheduler(app: Flask, first_run_in: float = 30.0):
    """Start the scheduler when wanted; the started scheduler, else None."""
    if not scheduler_wanted(app):
        return None
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=app.config.get("TIMEZONE", "Asia/Shanghai"), daemon=True)
    seconds = max(5, int(app.config.get("JOBS_TICK_SECONDS", 60)))
    first = clock.utcnow() + dt.timedelta(seconds=first_run_in)
    scheduler.add_job(
        tick,
        "interval",
        seconds=seconds,
        args=[app],
        id="bm-jobs-tick",
        next_run_time=first,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=seconds,
    )
    scheduler.start()
    log.info("定时任务已在本进程启动（每 %s 秒检查一次）", seconds)
    return scheduler
