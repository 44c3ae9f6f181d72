"""``flask jobs run [NAME]`` — run the scheduled jobs that are due (or the one named, now), and
``flask jobs list`` — every job, its schedule and its last run (issue 14 §3).

Production without the in-process scheduler (``JOBS_IN_PROCESS=0``) calls ``flask --app run.py
jobs run`` from cron or a systemd timer every minute or few (README 定时任务与提醒). Every job is
idempotent and holds a database lock while it runs, so an overlapping call does no harm.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from ..jobs import JOBS, run_due, run_job
from ..jobs.runner import STATUS_LABELS, last_run

jobs = AppGroup("jobs", help="定时任务")


def _line(outcome) -> str:
    status = str(STATUS_LABELS.get(outcome.status, outcome.status))
    detail = outcome.result or outcome.error
    return f"{outcome.name}：{status}" + (f"（{detail}）" if detail else "")


@jobs.command("run")
@click.argument("name", required=False)
def run(name: str | None) -> None:
    """运行已到时间的定时任务；给出任务名时立即运行该任务（可重复执行，不会重复提醒或扣款）。"""
    if name and name not in JOBS:
        raise click.ClickException(
            str(_l("没有名为“%(n)s”的定时任务。可用的任务：%(all)s", n=name, all="、".join(JOBS)))
        )
    outcomes = [run_job(name)] if name else run_due()
    if not outcomes:
        click.echo(str(_l("没有到时间的定时任务。")))
    for outcome in outcomes:
        click.echo(_line(outcome))
    if any(o.status == "failed" for o in outcomes):
        raise SystemExit(1)


@jobs.command("list")
def list_jobs() -> None:
    """列出全部定时任务、运行时间和最近一次运行结果。"""
    for job in JOBS.values():
        last = last_run(job.name)
        when = f"{last.started_at:%Y-%m-%d %H:%M}" if last else str(_l("从未运行"))
        status = str(STATUS_LABELS.get(last.status, last.status)) if last else ""
        click.echo(f"{job.name}\t{job.schedule.describe()}\t{job.title}\t{when} {status}".rstrip())
