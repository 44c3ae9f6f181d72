"""The township's working-day calendar (SPEC §5): single days, a whole year's State Council
schedule entered by date ranges, and which years are configured.

The ``chinesecalendar`` package knows the official schedule only up to its release; for a
later year township staff enter the State Council's notice (holidays and make-up working
days) — the lines of the notice become ranges::

    2027-01-01 至 2027-01-03 休 元旦
    2月6日至12日 放假 春节
    2-14 班 春节调休上班

A year counts as configured only once township staff confirm its schedule as entered in
full (“全年安排已录入”, with who and when: :func:`confirm_year`); until then the warnings
about an unconfigured year stay, however many dates were entered (元旦 and 春节 alone are
not a year). Every day not entered follows the weekend rule. After any change,
open cases whose deadlines were counted across a changed day get them counted again.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, func, select

from ..models import CalendarDay, CalendarYear
from ..policy.deadlines import calendar_warning
from ..policy.workdays import expand_ranges, package_knows_year
from . import audit
from . import calendar as clock
from .calendar import forget_calendar, work_calendar
from .cases import recompute_deadlines
from .clock import to_local, utcnow
from .common import session
from .errors import ValidationFailed
from .fields import Field, parse, to_bool, to_date, to_int, to_str

REST_WORDS = ("放假", "休息", "休", "假", "rest", "off", "holiday")
WORK_WORDS = ("上班", "补班", "工作日", "班", "work")

_DATE = r"(?:(?P<{p}y>\d{{4}})\s*[-/.年]\s*)?(?P<{p}m>\d{{1,2}})\s*[-/.月]\s*(?P<{p}d>\d{{1,2}})\s*日?"
_END = r"(?:(?:(?P<ey>\d{4})\s*[-/.年]\s*)?(?P<em>\d{1,2})\s*[-/.月]\s*)?(?P<ed>\d{1,2})\s*日?"
_LINE_RE = re.compile(r"^\s*" + _DATE.format(p="s") + r"(?:\s*(?:至|到|~|～|—|–|--|－)\s*" + _END + r")?(?P<rest>.*)$")


@dataclass(frozen=True)
class ScheduleLine:
    first: dt.date
    last: dt.date
    is_workday: bool
    note: str | None


def _kind(value):
    """``work``/``rest`` (also 班/休, true/false)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("work", "班", "上班", "工作日"):
            return True
        if text in ("rest", "休", "休息", "放假", "休息日"):
            return False
    try:
        return to_bool(value)
    except ValueError:
        raise ValueError(_l("应为“上班”或“休息”")) from None


DAY_SPEC = {
    "day": Field(to_date, _l("日期"), required=True),
    "is_workday": Field(_kind, _l("是否工作日")),
    "note": Field(lambda v: to_str(v, 60), _l("说明")),
}
SCHEDULE_SPEC = {
    "year": Field(to_int, _l("年份"), required=True),
    "schedule": Field(lambda v: to_str(v, 20000), _l("放假调休安排"), required=True),
    "replace": Field(lambda v: bool(to_bool(v)), _l("替换该年已有设置")),
    "complete": Field(lambda v: bool(to_bool(v)), _l("全年安排已录入")),
}
CONFIRM_SPEC = {
    "year": Field(to_int, _l("年份"), required=True),
    "complete": Field(lambda v: bool(to_bool(v)), _l("全年安排已录入")),
    "by": Field(lambda v: to_str(v, 60), _l("确认人")),
}


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ValidationFailed(errors={"year": [_l("年份应在2000至2100之间")]})


def _after_change(days) -> int:
    forget_calendar()
    return recompute_deadlines(days)


# --------------------------------------------------------------------------------------
# Single days
# --------------------------------------------------------------------------------------
def set_day(data) -> CalendarDay:
    """Add or change one day (an existing override of that date is updated)."""
    values = parse(data, DAY_SPEC)
    if values.get("is_workday") is None:
        raise ValidationFailed(errors={"is_workday": [_l("请选择上班或休息")]})
    row = session().execute(select(CalendarDay).where(CalendarDay.day == values["day"])).scalar()
    if row is None:
        row = CalendarDay(**values)
        session().add(row)
    else:
        row.is_workday, row.note = values["is_workday"], values.get("note")
    session().commit()
    _after_change([values["day"]])
    return row


def update_day(row: CalendarDay, data) -> CalendarDay:
    values = parse(data, DAY_SPEC, partial=True)
    if "day" in values and values["day"] is None:
        raise ValidationFailed(errors={"day": [_l("%(f)s为必填项", f=DAY_SPEC["day"].label)]})
    if "is_workday" in values and values["is_workday"] is None:
        raise ValidationFailed(errors={"is_workday": [_l("请选择上班或休息")]})
    old_day = row.day
    if values.get("day") and values["day"] != row.day:
        clash = session().execute(select(CalendarDay.id).where(CalendarDay.day == values["day"])).first()
        if clash:
            raise ValidationFailed(errors={"day": [_l("%(d)s已有设置，请直接修改那一天", d=values["day"].isoformat())]})
    for key, value in values.items():
        setattr(row, key, value)
    session().commit()
    _after_change({old_day, row.day})
    return row


def delete_day(row: CalendarDay) -> None:
    """Remove an override: the day follows chinesecalendar / the weekend rule again."""
    day = row.day
    session().delete(row)
    session().commit()
    _after_change([day])


# --------------------------------------------------------------------------------------
# A year's schedule by ranges
# --------------------------------------------------------------------------------------
def parse_schedule(text: str, year: int) -> list[ScheduleLine]:
    """Lines of ``<date>[ 至 <date>] 休|班 [说明]`` → ranges; every error names its line."""
    lines: list[ScheduleLine] = []
    errors: list[str] = []
    for n, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE_RE.match(line)
        if match is None:
            errors.append(str(_l("第%(n)s行：看不懂日期，请写成“2027-10-01 至 2027-10-07 休 国庆节”", n=n)))
            continue
        g = match.groupdict()
        try:
            first = dt.date(int(g["sy"] or year), int(g["sm"]), int(g["sd"]))
            if g["ed"]:
                last = dt.date(int(g["ey"] or first.year), int(g["em"] or first.month), int(g["ed"]))
            else:
                last = first
        except ValueError:
            errors.append(str(_l("第%(n)s行：日期不存在", n=n)))
            continue
        rest = g["rest"].strip()
        is_work = _line_kind(rest)
        if is_work is None:
            errors.append(str(_l("第%(n)s行：请注明“休”（放假）或“班”（调休上班）", n=n)))
            continue
        if last < first:
            errors.append(str(_l("第%(n)s行：结束日期早于开始日期", n=n)))
            continue
        if first.year != year or last.year != year:
            errors.append(str(_l("第%(n)s行：日期不在%(y)s年内", n=n, y=year)))
            continue
        if (last - first).days > 31:
            errors.append(str(_l("第%(n)s行：一段放假或上班不应超过一个月，请检查日期", n=n)))
            continue
        lines.append(ScheduleLine(first, last, is_work, _note(rest) or None))
    if errors:
        raise ValidationFailed(errors={"schedule": errors})
    if not lines:
        raise ValidationFailed(errors={"schedule": [_l("请至少填写一行放假或调休上班安排")]})
    return lines


def _line_kind(rest: str) -> bool | None:
    low = rest.lower()
    for word in WORK_WORDS:
        if word in low:
            return True
    for word in REST_WORDS:
        if word in low:
            return False
    return None


def _note(rest: str) -> str:
    text = rest
    for word in (*WORK_WORDS, *REST_WORDS):
        if text.lower().startswith(word):
            text = text[len(word) :]
            break
    return text.strip(" ，,、:：;；")[:60]


def import_schedule(data) -> dict:
    """Enter a year's schedule (form, API or CLI). With ``replace`` the year's existing
    overrides are removed first. Returns counts of added / changed / unchanged / removed
    days and of the open cases whose deadlines moved."""
    values = parse(data, SCHEDULE_SPEC)
    year = values["year"]
    _check_year(year)
    lines = parse_schedule(values["schedule"], year)
    notes: dict[dt.date, str | None] = {}
    for line in lines:
        for day in expand_ranges([(line.first, line.last, line.is_workday)]):
            notes[day] = line.note
    days = expand_ranges((line.first, line.last, line.is_workday) for line in lines)

    s = session()
    existing = {
        row.day: row
        for row in s.execute(
            select(CalendarDay).where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
        ).scalars()
    }
    counts = {"added": 0, "changed": 0, "unchanged": 0, "removed": 0}
    touched: set[dt.date] = set()
    if values.get("replace"):
        for day, row in list(existing.items()):
            if day not in days:
                s.delete(row)
                counts["removed"] += 1
                touched.add(day)
                del existing[day]
    for day, is_work in sorted(days.items()):
        row = existing.get(day)
        if row is None:
            s.add(CalendarDay(day=day, is_workday=is_work, note=notes[day]))
            counts["added"] += 1
            touched.add(day)
        elif row.is_workday != is_work or (notes[day] and row.note != notes[day]):
            if row.is_workday != is_work:
                touched.add(day)
            row.is_workday, row.note = is_work, notes[day] or row.note
            counts["changed"] += 1
        else:
            counts["unchanged"] += 1
    if values.get("complete"):
        _mark_year(year, True, None)
    s.commit()
    counts["cases"] = _after_change(touched)
    return counts


def _mark_year(year: int, complete: bool, by: str | None) -> CalendarYear:
    s = session()
    row = s.execute(select(CalendarYear).where(CalendarYear.year == year)).scalar()
    if row is None:
        row = CalendarYear(year=year, complete=False)
        s.add(row)
    if row.complete != complete or complete:
        row.complete = complete
        row.confirmed_by = (by or audit.actor_name(default=audit.acting_account()[1])[:60]) if complete else None
        row.confirmed_at = utcnow() if complete else None
    return row


def confirm_year(data) -> CalendarYear:
    """Mark a year's schedule as entered in full (``complete`` true) — from then on the year
    counts as configured — or take the mark back. Who and when are kept."""
    values = parse(data, CONFIRM_SPEC)
    _check_year(values["year"])
    row = _mark_year(values["year"], bool(values.get("complete")), values.get("by"))
    session().commit()
    forget_calendar()
    return row


# --------------------------------------------------------------------------------------
# Status of the years
# --------------------------------------------------------------------------------------
def upcoming_warning(today: dt.date | None = None) -> str | None:
    """“2027年工作日历尚未配置…” when this year — or, from October on, when deadlines start to
    reach into it, next year — is not configured (for the calendar page and dashboards)."""
    today = today or clock.today()
    years = [today.year] + ([today.year + 1] if today.month >= 10 else [])
    return calendar_warning([dt.date(y, 1, 1) for y in years], work_calendar())


def year_status(years: list[int] | None = None) -> list[dict]:
    """Per year: does chinesecalendar know it, how many overrides (休 / 班), configured?"""
    if years is None:
        this = clock.today().year
        years = [this - 1, this, this + 1]
    year_col = extract("year", CalendarDay.day)
    rows = (
        session()
        .execute(
            select(year_col, CalendarDay.is_workday, func.count())
            .where(CalendarDay.day >= dt.date(min(years), 1, 1), CalendarDay.day <= dt.date(max(years), 12, 31))
            .group_by(year_col, CalendarDay.is_workday)
        )
        .all()
    )
    counts: dict[tuple[int, bool], int] = {(int(y), bool(w)): n for y, w, n in rows}
    confirmed = {
        row.year: row for row in session().execute(select(CalendarYear).where(CalendarYear.year.in_(years))).scalars()
    }
    out = []
    for year in years:
        rest, work = counts.get((year, False), 0), counts.get((year, True), 0)
        package = package_knows_year(year)
        mark = confirmed.get(year)
        complete = bool(mark and mark.complete)
        out.append(
            {
                "year": year,
                "package": package,
                "rest_days": rest,
                "work_days": work,
                "complete": complete,
                "confirmed_by": mark.confirmed_by if complete else None,
                "confirmed_at": to_local(mark.confirmed_at) if complete and mark.confirmed_at else None,
                # entered dates alone (元旦、春节) are not a year: only a confirmed one counts
                "configured": package or complete,
                "partial": not package and not complete and (rest + work) > 0,
            }
        )
    return out
