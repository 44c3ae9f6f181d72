"""``flask reports flag-missing [2026-10]`` — settle deduction ④ for the villages whose monthly
report was not submitted by its due day (SPEC §8).

Without a month it settles every month past its due day since ``MONTHLY_REPORTS_FROM`` (the
scheduled job: run it daily, see the README); with a month, that month. Idempotent: running it
again changes nothing.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from ..policy import PolicyViolation
from ..policy.periods import parse_month
from ..services.audit import acting_as
from ..services.calendar import now_local
from ..services.errors import DomainError
from ..services.reports import flag_missing_reports, settle_missing_reports

reports = AppGroup("reports", help="月汇总表")


def _describe(result) -> str:
    y, m = result.year, result.month
    if result.before_start:
        return str(_l("%(y)s年%(m)s月早于月汇总表启用月份（MONTHLY_REPORTS_FROM），不核定扣款。", y=y, m=m))
    if result.not_over:
        return str(_l("%(y)s年%(m)s月汇总表尚未到报送期限，不能核定逾期扣款", y=y, m=m))
    if result.closed:
        return str(_l("%(y)s年%(m)s月所在季度的补助发放表已审核，扣款已冻结，未作更改。", y=y, m=m))
    if result.flagged:
        return str(_l("%(y)s年%(m)s月未按时报送月汇总表，已扣款④：%(v)s", y=y, m=m, v="、".join(result.flagged)))
    return str(_l("%(y)s年%(m)s月没有新增逾期扣款。", y=y, m=m))


@reports.command("flag-missing")
@click.argument("month", required=False)
def flag_missing(month: str | None) -> None:
    """核定未按时报送月汇总表的扣款④：不带月份时核定启用以来所有已过报送期限的月份（每日定时执行），
    带月份（如 2026-10）时只核定该月。可重复执行，不会重复扣款。"""
    now = now_local()
    try:
        target = parse_month(month) if month else None
    except PolicyViolation as exc:
        raise click.ClickException(str(exc.message)) from None
    try:
        with acting_as("flask reports flag-missing"):
            results = [flag_missing_reports(*target, now)] if target else settle_missing_reports(now)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if target and results[0].not_over:
        raise click.ClickException(_describe(results[0]))
    if not results:
        click.echo(str(_l("没有已过报送期限、需要核定的月份。")))
    for result in results:
        if target or result.flagged or not (result.closed or result.not_over):
            click.echo(_describe(result))
    flagged = sum(len(r.flagged) for r in results)
    if not target:
        click.echo(str(_l("共核定%(n)s个月，新增逾期扣款④ %(k)s笔。", n=len(results), k=flagged)))
