"""Scheduled jobs (issue 14 §3): a registry of idempotent functions of ``now``, each run under
a database lock with a run log; ``flask jobs run [NAME]`` / ``flask jobs list`` and, with
``python run.py``, an in-process APScheduler (:mod:`app.jobs.scheduler`).

Room: jobs use services (and models, policy, security, extensions) — never views, api,
public or commands; the commands use jobs.

Adding a job is one small module: write ``app/jobs/<name>.py`` with

    from .registry import daily, job

    @job("bad-ratings", schedule=daily("08:15"), title=_l("差评整改提醒"))
    def bad_ratings(now):
        return some_service.remind_bad_ratings(now)   # idempotent, returns a summary

and add the module to the import below. The service writes its reminders with
``services.notifications.notify(Notice(kind, event_key, text, village_id, about), users, group)``;
a new ``kind`` gets its Chinese label in ``services.notifications.KIND_LABELS``.
"""

from __future__ import annotations

from . import bad_ratings, builtin  # noqa: F401  (registers the jobs)
from .registry import JOBS, Job, Schedule, daily, every, job
from .runner import Outcome, run_due, run_job

__all__ = ["JOBS", "Job", "Outcome", "Schedule", "daily", "every", "job", "run_due", "run_job"]
