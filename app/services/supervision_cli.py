"""``flask reports flag-missing [2026-10]`` — deduction ④ for the villages whose monthly report
of that month (default: last month) was not submitted by the month's end (SPEC §8).

Idempotent: run it from cron on the 1st of every month, and before computing a quarter's
payout; running it again changes nothing.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from ..policy import PolicyViolation
from ..policy.reports import parse_month, previous_month
from .audit import acting_as
from .calendar import now_local
from .errors import DomainError


def register_cli(app: Flask) -> None:
    reports = AppGroup("reports", help="月汇总表")

    @reports.command("flag-missing")
    @click.argument("month", required=False)
    def flag_missing(month: str | None) -> None:
        """核定某月（默认上月）未按时报送月汇总表的扣款④（可重复执行，不会重复扣款）。"""
        from .reports import flag_missing_reports

        now = now_local()
        if month:
            try:
                year, mon = parse_month(month)
            except PolicyViolation as exc:
                raise click.ClickException(str(exc.message)) from None
        else:
            year, mon = previous_month(now.year, now.month)
        try:
            with acting_as("flask reports flag-missing"):
                result = flag_missing_reports(year, mon, now)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        if result.not_over:
            raise click.ClickException(str(_l("%(y)s年%(m)s月尚未结束，不能核定逾期扣款", y=year, m=mon)))
        if result.closed:
            click.echo(str(_l("%(y)s年%(m)s月所在季度的补助发放表已审核，扣款已冻结，未作更改。", y=year, m=mon)))
        elif result.flagged:
            click.echo(str(_l("%(y)s年%(m)s月未按时报送月汇总表，已扣款④：%(v)s", y=year, m=mon, v="、".join(result.flagged))))
        else:
            click.echo(str(_l("%(y)s年%(m)s月没有新增逾期扣款。", y=year, m=mon)))

    app.cli.add_command(reports)
