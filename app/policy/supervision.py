"""督查考核 — the rules of supervision that are not amounts: 政策第二条（三）1、5, 第二条（四）2–4,
第五条（一）4, SPEC §6–§8.

- An inspection can only find the agent “不在岗” while the service point is seated
  (坐班时间, 第二条（三）1); outside those hours the agent is not required to be there.
- Each deduction belongs to the month in which its event happened (“扣除当月补助”):
  ① the month the township verified the complaint as true (“经乡政府核实属实后”);
  ② the month of the training/meeting; ③ and ⑤ (inspection) the month of the inspection;
  ④ the month whose report was not submitted by that month's end; ⑤ (township review of a
  case) the month of the review.
- Only 无故缺席 (not 请假) costs ②; a training that has not happened yet has no absentees.
- Strikes count over the agent's current appointment: events on or after the hire date.
- 年度考核“不合格” → 予以解聘, like three strikes of one kind.
- Sign-in: working days only, until the day's seated hours are over; 签到 after the first
  session's start is late (SPEC §6).

Pure functions: no Flask app, no database. Messages are lazy Chinese msgids.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

from flask_babel import lazy_gettext as _l

from .deductions import DeductionCode
from .errors import PolicyViolation
from .office_hours import DEFAULT_OFFICE_HOURS, OfficeHours, describe_hours, is_open, sessions_on, signin_status
from .periods import quarter_of
from .reports import is_report_late, report_deadline
from .workdays import WorkCalendar

ReportState = Literal["not_due", "on_time", "late", "missing"]

#: The grade of 年度考核 that dismisses (第二条（四）2 “表现不合格的，村级代办员予以解聘”).
FAILING_GRADE = "fail"


# --- inspections (督查检查) -------------------------------------------------------------


def check_off_duty_finding(
    inspected_at: datetime,
    on_duty: bool,
    cal: WorkCalendar,
    hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> None:
    """Refuse “不在岗” for an inspection outside the seated hours of its day.

    At 12:00 on a summer working day the service point is closed (上午9:00—11:30，
    下午3:00—6:00), so nobody can be found off duty then.
    """
    if on_duty or is_open(inspected_at, cal, hours):
        return
    raise PolicyViolation(
        _l(
            "检查时间%(at)s不在坐班时间内（当日坐班时间：%(hours)s），代办员无须在岗，不能认定为“不在岗”",
            at=inspected_at.strftime("%Y-%m-%d %H:%M"),
            hours=describe_hours(inspected_at.date(), cal, hours),
        ),
        field="on_duty",
        code="off_duty_outside_hours",
    )


# --- one event, one record (no doubled ③ or ①) ------------------------------------------
#
# The same inspection saved twice would cost the agent two ③ and a “两次警示”. So each kind of
# record has a key that names its event, and a second record with the same key is refused:
#   inspection — the village and the date-time to the minute (a village has one agent in
#                post, so this is “the same agent at the same time”);
#   complaint  — the village, the received date, the channel and the content (compared with
#                white space collapsed, through its SHA-256 fingerprint);
#   training attendance — one row per training and agent (the roster).


def inspection_event_time(inspected_at: datetime) -> datetime:
    """The moment that names an inspection: its date-time to the minute (seconds are noise
    of an API client; the form has none)."""
    return inspected_at.replace(second=0, microsecond=0)


def complaint_fingerprint(content: str | None) -> str:
    """SHA-256 of the complaint's content with white space collapsed: the same text typed
    again with other line breaks or spaces is the same complaint."""
    return hashlib.sha256(" ".join((content or "").split()).encode("utf-8")).hexdigest()


def chinese_minute(at: datetime) -> str:
    """``2026年11月3日10:00`` — how a record's time is named in a message."""
    return f"{at.year}年{at.month}月{at.day}日{at:%H:%M}"


def check_rectification(
    inspected_on: date, rectify_by: date | None, rectified_on: date | None, today: date
) -> list[PolicyViolation]:
    """整改期限 and 整改完成日期 follow the inspection; a completion is not in the future."""
    problems = []
    if rectify_by is not None and rectify_by < inspected_on:
        problems.append(
            PolicyViolation(_l("整改期限不能早于检查日期"), field="rectify_by", code="rectify_before_inspection")
        )
    if rectified_on is not None:
        if rectified_on < inspected_on:
            problems.append(
                PolicyViolation(
                    _l("整改完成日期不能早于检查日期"), field="rectified_on", code="rectified_before_inspection"
                )
            )
        elif rectified_on > today:
            problems.append(
                PolicyViolation(_l("整改完成日期不能晚于今天"), field="rectified_on", code="rectified_in_future")
            )
    return problems


# --- trainings (集中学习培训会议) ------------------------------------------------------------


def check_attendance_mark(held_on: date, attendance: str, today: date) -> None:
    """Only a training that has taken place can have attendance other than “expected”."""
    if attendance == "absent" and held_on > today:
        raise PolicyViolation(
            _l("培训会议（%(d)s）尚未召开，不能登记“无故缺席”", d=held_on.isoformat()),
            field="attendance",
            code="absent_before_training",
        )


def is_training_strike(attendance: str) -> bool:
    """② “无故不参加” — 请假 (excused) is not a strike."""
    return attendance == "absent"


# --- attribution (扣除当月补助) ---------------------------------------------------------------


def complaint_event_date(received_on: date, verified_on: date | None) -> date:
    """① happens when the township finds the complaint true (“经乡政府核实属实后”)."""
    return verified_on or received_on


def deduction_month(event_on: date | datetime) -> tuple[int, int]:
    """The month a deduction is taken from: the month of its event."""
    return event_on.year, event_on.month


def report_deduction_month(year: int, month: int) -> tuple[int, int]:
    """④ is taken from the month whose 月汇总表 was not submitted by that month's end."""
    return year, month


def deduction_quarter(year: int, month: int) -> tuple[int, int]:
    """The payout quarter a deduction of ``(year, month)`` is settled in (第二条（四）3 按季度发放)."""
    return quarter_of(year, month)


def counts_as_strike(code: DeductionCode | str, occurred_on: date, hired_on: date | None) -> bool:
    """①②③ on or after the hire date count towards “累计发生3次” (current appointment)."""
    member = DeductionCode.coerce(code)
    if member not in (DeductionCode.REFUSED_REQUEST, DeductionCode.TRAINING_ABSENCE, DeductionCode.OFF_DUTY):
        return False
    return hired_on is None or occurred_on >= hired_on


def assessment_dismisses(grade: str) -> bool:
    """年度考核“不合格” → 应予解聘."""
    return grade == FAILING_GRADE


# --- monthly report (月汇总表) --------------------------------------------------------------


def report_state(
    year: int, month: int, first_submitted_at: datetime | None, now: datetime, cal: WorkCalendar
) -> ReportState:
    """Where a village's report of ``(year, month)`` stands at ``now``:

    ``on_time`` — submitted by its due day (the month's last day, or the next working day when
    that is a rest day: ``reports.report_due_date``); ``late`` — submitted after it; ``missing`` —
    not submitted and the due day is over; ``not_due`` — not submitted, still time.
    The first submission counts: a report returned for correction and submitted again is
    still on time if it was first submitted on time.
    """
    if first_submitted_at is not None:
        return "late" if is_report_late(first_submitted_at, year, month, now, cal) else "on_time"
    return "missing" if now.replace(tzinfo=None) > report_deadline(year, month, cal) else "not_due"


def report_costs_deduction(state: ReportState) -> bool:
    """④ “不按时报送月汇总表”: late or missing."""
    return state in ("late", "missing")


def check_report_month(year: int, month: int, today: date) -> None:
    """A report can be filled for the current month or an earlier one, not for the future."""
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise PolicyViolation(_l("月份格式应为“年-月”，例如2026-09"), field="month", code="month_format")
    if (year, month) > (today.year, today.month):
        raise PolicyViolation(
            _l("%(y)s年%(m)s月尚未开始，不能填报该月汇总表", y=year, m=month), field="month", code="report_future"
        )


# --- sign-in (签到考勤) --------------------------------------------------------------------


def check_signin(now: datetime, cal: WorkCalendar, hours: OfficeHours = DEFAULT_OFFICE_HOURS) -> None:
    """签到 is for working days, before that day's seated hours end."""
    sessions = sessions_on(now.date(), cal, hours)
    if not sessions:
        raise PolicyViolation(_l("今天不是工作日，无需签到"), code="signin_rest_day")
    if now.time() >= sessions[-1][1]:
        raise PolicyViolation(
            _l(
                "今日坐班时间（%(hours)s）已结束，不能再签到；如有特殊情况请向乡便民服务中心说明",
                hours=describe_hours(now.date(), cal, hours),
            ),
            code="signin_after_hours",
        )


def is_late_signin(
    now: datetime, cal: WorkCalendar, hours: OfficeHours = DEFAULT_OFFICE_HOURS, grace_minutes: int = 0
) -> bool:
    return signin_status(now, now.date(), cal, hours, grace_minutes) == "late"


@dataclass(frozen=True)
class AttendanceSummary:
    """签到考勤 of one agent in one month (up to ``until``)."""

    workdays: int
    signed: int
    on_time: int
    late: int
    missing: int
    missing_days: tuple[date, ...] = ()
    late_days: tuple[date, ...] = ()

    @property
    def rate(self) -> float | None:
        """Share of working days signed (None when no working day has passed)."""
        return None if self.workdays == 0 else self.signed / self.workdays


def month_days(year: int, month: int) -> list[date]:
    return [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def attendance_summary(
    year: int,
    month: int,
    signins: Mapping[date, datetime],
    cal: WorkCalendar,
    hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    *,
    until: date,
    since: date | None = None,
    until_time: time | None = None,
    grace_minutes: int = 0,
) -> AttendanceSummary:
    """Count working days, on-time, late and missing sign-ins of a month.

    Only days from ``since`` (the hire date) up to ``until`` (today, or the dismissal date)
    are expected. ``until`` itself is counted as missing only once its seated hours are over
    (``until_time`` past the last session) — before that the agent may still sign in.
    """
    workdays = on_time = late = missing = 0
    missing_days: list[date] = []
    late_days: list[date] = []
    for d in month_days(year, month):
        if d > until or (since is not None and d < since):
            continue
        sessions = sessions_on(d, cal, hours)
        if not sessions:
            continue
        signed_at = signins.get(d)
        if d == until and signed_at is None:
            if until_time is not None and until_time < sessions[-1][1]:
                continue  # still time to sign in today
        workdays += 1
        status = signin_status(signed_at, d, cal, hours, grace_minutes)
        if status == "on_time":
            on_time += 1
        elif status == "late":
            late += 1
            late_days.append(d)
        else:
            missing += 1
            missing_days.append(d)
    return AttendanceSummary(workdays, on_time + late, on_time, late, missing, tuple(missing_days), tuple(late_days))


__all__ = [
    "FAILING_GRADE",
    "AttendanceSummary",
    "assessment_dismisses",
    "attendance_summary",
    "check_attendance_mark",
    "check_off_duty_finding",
    "check_rectification",
    "check_report_month",
    "check_signin",
    "complaint_event_date",
    "counts_as_strike",
    "deduction_month",
    "deduction_quarter",
    "is_late_signin",
    "is_training_strike",
    "month_days",
    "report_costs_deduction",
    "report_deduction_month",
    "report_state",
]
