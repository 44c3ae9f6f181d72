"""``flask calendar …`` — the working-day calendar from the command line (SPEC §5, §14).

    flask --app run.py calendar import 2027 schedule-2027.txt [--replace]
    flask --app run.py calendar set 2027-10-09 work 国庆调休上班
    flask --app run.py calendar show [2027 …]

The file holds one range per line, as the State Council notice reads (see
``app.services.calendar_admin``): ``2027-10-01 至 2027-10-07 休 国庆节``, ``10-09 班``.
Same service as the township's web form.
"""

from __future__ import annotations

import datetime as dt
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models import CalendarDay
from ..services.audit import acting_as
from ..services.calendar_admin import confirm_year, import_schedule, set_day, year_status
from ..services.errors import DomainError
from .base import error_lines, person_named

calendar = AppGroup("calendar", help="工作日历：录入国务院放假调休安排、单日设置、查看各年配置情况")


def _fail(exc: DomainError) -> click.ClickException:
    return click.ClickException("\n".join(error_lines(exc)))


@calendar.command("import")
@click.argument("year", type=int)
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--replace", is_flag=True, help="先删除该年已有的设置")
@click.option("--complete", is_flag=True, help="确认该年全年安排已录入（此后该年才算已配置）")
@click.option("--by", "by", default=None, help="确认人姓名（与 --complete 一起用）")
def import_year(year: int, file, replace: bool, complete: bool, by: str | None) -> None:
    """按行导入某年放假调休安排（FILE 为 - 时从标准输入读取）。"""
    text = file.read()
    try:
        with acting_as("flask calendar import", person=person_named(by)):
            result = import_schedule({"year": year, "schedule": text, "replace": replace, "complete": complete})
    except DomainError as exc:
        raise _fail(exc) from None
    click.echo(
        f"{year}年工作日历：新增 {result['added']} 天，修改 {result['changed']} 天，"
        f"未变 {result['unchanged']} 天，删除 {result['removed']} 天；"
        f"重新计算期限的在办事项 {result['cases']} 件。"
    )
    if complete:
        click.echo(f"{year}年已确认全年安排已录入。")
    else:
        click.echo(f"{year}年尚未确认全年安排已录入：录入完整后加 --complete 或运行 calendar complete {year}。")


@calendar.command("complete")
@click.argument("year", type=int)
@click.option("--undo", is_flag=True, help="撤销“全年安排已录入”的确认")
@click.option("--by", "by", default=None, help="确认人姓名")
def complete_year(year: int, undo: bool, by: str | None) -> None:
    """确认某年全年放假调休安排已录入（该年期限不再提示“未配置”）。"""
    person = person_named(by)
    try:
        with acting_as("flask calendar complete", person=person):
            row = confirm_year({"year": year, "complete": not undo, "by": person})
    except DomainError as exc:
        raise _fail(exc) from None
    if row.complete:
        click.echo(f"{year}年：已确认全年安排已录入（{row.confirmed_by}）。")
    else:
        click.echo(f"{year}年：已撤销确认，该年按未配置处理。")


@calendar.command("set")
@click.argument("day")
@click.argument("kind", type=click.Choice(["work", "rest", "班", "休"]))
@click.argument("note_text", metavar="[NOTE]", required=False)
@click.option("--note", default=None, help="说明，如“国庆调休上班”（也可直接写在最后）")
def set_one(day: str, kind: str, note_text: str | None, note: str | None) -> None:
    """设置单日为上班（work/班）或休息（rest/休）。"""
    note = note or note_text
    try:
        with acting_as("flask calendar set"):
            row = set_day({"day": day, "is_workday": kind, "note": note})
    except DomainError as exc:
        raise _fail(exc) from None
    click.echo(f"{row.day:%Y-%m-%d} 设为{'上班' if row.is_workday else '休息'}。")


@calendar.command("show")
@click.argument("years", nargs=-1, type=int)
def show(years: tuple[int, ...]) -> None:
    """查看各年工作日历配置情况。"""
    for row in year_status(list(years) or None):
        source = "chinesecalendar 已含官方安排" if row["package"] else "需乡便民中心录入"
        state = "已配置" if row["configured"] else "未配置（按周末休息估算）"
        if row["complete"]:
            state += f"（{row['confirmed_by'] or ''}确认全年安排已录入）"
        click.echo(f"{row['year']}年：{state}；{source}；本地设置 休 {row['rest_days']} 天、班 {row['work_days']} 天")
        if years:
            for day in _days_of(row["year"]):
                click.echo(f"  {day.day:%Y-%m-%d} {'班' if day.is_workday else '休'} {day.note or ''}".rstrip())
    sys.stdout.flush()


def _days_of(year: int):
    """The township's own settings of a year, by date."""
    return db.session.execute(
        select(CalendarDay)
        .where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).scalars()
