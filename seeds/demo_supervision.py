"""Demo supervision data for ``flask demo`` (after the cases demo): the last three months of
督查考核 in the twelve demo villages.

* sign-ins (签到) of every agent in post on every working day — mostly on time, some late,
  a few missing;
* two township trainings with their attendance (one 请假, one 无故缺席 → ②);
* inspections of every village (one 不在岗 twice in 枫林村 → a visible two-strike warning,
  an incomplete ledger → ⑤, 六个一 findings, rectification);
* two complaints: one verified true (→ ①), one still being verified;
* monthly reports of the past months, submitted on time except one late (→ ④), and a draft
  for the current month; one township ledger review of a case (→ ⑤);
* last year's annual assessments.

Everything goes through the same services as the web pages (so deductions arise from their
sources), except the sign-ins, which are bulk-inserted with the policy's lateness rule.
Idempotent: nothing is added when the demo trainings exist already. ``scale`` is accepted
for the ``flask demo --scale`` call and changes nothing here (the benchmark villages get
no supervision history).
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, select

from app.extensions import db
from app.models import Agent, BmUser, Case, MonthlyReport, MonthlyReportAction, SignIn, Training, Village
from app.policy.office_hours import sessions_on, signin_status
from app.policy.periods import previous_month
from app.policy.reports import month_last_day, report_deadline, report_due_date, report_submission_opens
from app.services import annual as annual_service
from app.services import reports as report_service
from app.services import supervision as service
from app.services.calendar import today as township_today
from app.services.calendar import work_calendar
from app.services.deductions import agent_in_post
from app.services.settings import office_hours

from .demo import VILLAGES

TRAINING_TITLES = ("便民代办业务培训会（政策解读与台账规范）", "便民代办工作推进会暨“两不见面、两不跑腿”学习会")
INSPECTORS = ("乡纪检办 刘志明", "乡纪检办 陈晓红")
HOT_ISSUES = (
    "群众关心城乡居民医保缴费截止时间和线上缴费方式，已在公开栏张贴说明。",
    "部分老人反映高龄津贴认证不方便，建议乡里安排上门认证。",
    "耕地地力保护补贴发放时间咨询较多，已向村党支部报告。",
    "",
)


def run(scale: int = 0, today: dt.date | None = None) -> dict:
    today = today or township_today()
    if db.session.execute(select(Training.id).where(Training.title.in_(TRAINING_TITLES))).first():
        return {"skipped": True}
    villages = {
        v.code: v
        for v in db.session.execute(select(Village).where(Village.code.in_([v[1] for v in VILLAGES]))).scalars()
    }
    agents = {
        a.village_id: a
        for a in db.session.execute(select(Agent).where(Agent.level == "village", Agent.status == "active")).scalars()
    }
    by_code = {code: agents.get(v.id) for code, v in villages.items()}
    if not villages or not any(by_code.values()):
        return {"skipped": True}
    rng = random.Random(33)
    cal, hours = work_calendar(), office_hours()
    months = _past_months(today, 3)  # oldest first
    out = {
        "signins": _signins(list(agents.values()), months[0], today, cal, hours, rng),
        "trainings": _trainings(months, today, cal),
        "inspections": _inspections(villages, by_code, months, today, cal, hours, rng),
        "complaints": _complaints(villages, months, today),
        "reports": _reports(villages, by_code, months, today, rng),
        "assessments": _assessments(by_code, today, rng),
    }
    _case_review(villages, months, today)
    return out


# --------------------------------------------------------------------------------------


def _past_months(today: dt.date, n: int) -> list[tuple[int, int]]:
    months, ym = [], (today.year, today.month)
    for _ in range(n):
        ym = previous_month(*ym)
        months.append(ym)
    return list(reversed(months))


def _workday(cal, year: int, month: int, day: int, today: dt.date) -> dt.date | None:
    """The first working day on or after ``day`` in the month (and before today)."""
    d = dt.date(year, month, min(day, 28))
    while d.month == month:
        if cal.is_workday(d) and d < today:
            return d
        d += dt.timedelta(days=1)
    return None


def _during_hours(d: dt.date, cal, hours, afternoon: bool, minute: int) -> dt.datetime:
    sessions = sessions_on(d, cal, hours)
    start, _end = sessions[1 if afternoon and len(sessions) > 1 else 0]
    return dt.datetime.combine(d, start) + dt.timedelta(minutes=30 + minute)


def _signins(agents: list[Agent], first_month: tuple[int, int], today: dt.date, cal, hours, rng) -> int:
    start = dt.date(*first_month, 1)
    rows = []
    d = start
    while d < today:
        if cal.is_workday(d):
            first_session = sessions_on(d, cal, hours)[0][0]
            for agent in agents:
                if agent.hired_on and d < agent.hired_on:
                    continue
                roll = rng.random()
                if roll < 0.06:
                    continue  # missing
                base = dt.datetime.combine(d, first_session)
                at = (
                    base + dt.timedelta(minutes=rng.randint(1, 35))
                    if roll < 0.14
                    else base - dt.timedelta(minutes=rng.randint(0, 30))
                )
                late = signin_status(at, d, cal, hours) == "late"
                rows.append(
                    {"agent_id": agent.id, "village_id": agent.village_id, "day": d, "signed_at": at, "late": late}
                )
        d += dt.timedelta(days=1)
    existing = set(db.session.execute(select(SignIn.agent_id, SignIn.day).where(SignIn.day >= start)).all())
    rows = [r for r in rows if (r["agent_id"], r["day"]) not in existing]
    for i in range(0, len(rows), 2000):
        db.session.execute(insert(SignIn), rows[i : i + 2000])
    db.session.commit()
    return len(rows)


def _trainings(months, today: dt.date, cal) -> int:
    made = 0
    for (year, month), title, day in zip(months[-2:], TRAINING_TITLES, (16, 9), strict=True):
        held = _workday(cal, year, month, day, today)
        if held is None:
            continue
        training = service.create_training(
            {
                "title": title,
                "held_on": held,
                "place": "乡政府三楼会议室",
                "notes": "学习建政发〔2022〕33号，规范受理登记台账",
            }
        )
        rows = {a.agent.village.code if a.agent.village else "": a for a in training.attendances}
        marks = {}
        if made == 0:
            if "SP" in rows:
                marks[rows["SP"].agent_id] = ("excused", "家中有事，已书面请假")
            if "LX" in rows:
                marks[rows["LX"].agent_id] = ("absent", "未请假")
        elif "BS" in rows:
            marks[rows["BS"].agent_id] = ("excused", "病假")
        if marks:
            service.mark_roster(training, marks, day=today)
        made += 1
    return made


def _inspections(villages, by_code, months, today, cal, hours, rng) -> int:
    made = 0
    for n, (code, village) in enumerate(sorted(villages.items())):
        if by_code.get(code) is None:
            continue
        for k, (year, month) in enumerate(months):
            special = (code, k) in (("TY", 1), ("BS", 0))
            if (n + k) % 2 and not special:  # every village about every other month
                continue
            d = _workday(cal, year, month, 5 + (n * 3) % 20, today)
            if d is None:
                continue
            data = {
                "inspected_at": _during_hours(d, cal, hours, afternoon=bool(n % 2), minute=rng.randint(0, 40)),
                "inspector": INSPECTORS[n % 2],
                "village_id": village.id,
                "on_duty": True,
                "ledger_complete": True,
                "six_ones": {"std_agent": True, "std_register": True, "std_card": village.std_card or k == 2},
                "problems": None,
            }
            if code == "TY" and k == 1:
                data.update(
                    ledger_complete=False,
                    problems="便民代办登记簿有3件事项未填写办结时间",
                    rectification="补齐登记簿办结时间，每件事项一事一记",
                    rectify_by=d + dt.timedelta(days=7),
                    rectified_on=min(d + dt.timedelta(days=5), today),
                )
            if code == "BS" and k == 0:
                data.update(
                    problems="代办事项明白卡未上墙",
                    rectification="张贴代办事项明白卡",
                    rectify_by=d + dt.timedelta(days=10),
                    six_ones={"std_card": False},
                )
            service.create_inspection(data, now=dt.datetime.combine(today, dt.time(23, 59)))
            made += 1
    # 枫林村: found not on duty twice — a visible two-strike warning (③ × 2)
    if by_code.get("FL") is not None:
        for (year, month), day in zip(months[-2:], (13, 6), strict=True):
            d = _workday(cal, year, month, day, today)
            if d is None:
                continue
            service.create_inspection(
                {
                    "inspected_at": _during_hours(d, cal, hours, afternoon=True, minute=15),
                    "inspector": INSPECTORS[0],
                    "village_id": villages["FL"].id,
                    "on_duty": False,
                    "problems": "坐班时间代办点无人，电话联系代办员称在外办私事",
                    "rectification": "严格落实每日坐班制度，外出须在公示牌留联系电话",
                    "rectify_by": d + dt.timedelta(days=3),
                    "rectified_on": d + dt.timedelta(days=1),
                },
                now=dt.datetime.combine(today, dt.time(23, 59)),
            )
            made += 1
    return made


def _complaints(villages, months, today) -> int:
    made = 0
    year, month = months[-1]
    # only when 荷塘村's agent was in post then (on 2027-01-01 the demo's agent was hired that day)
    if "HT" in villages and agent_in_post(villages["HT"].id, dt.date(year, month, 8)) is not None:
        service.create_complaint(
            {
                "received_on": dt.date(year, month, 8),
                "channel": "phone",
                "complainant": None,
                "village_id": villages["HT"].id,
                "refused_request": True,
                "content": "群众来电反映：到村代办点申请代缴医保，代办员以“自己去乡里办”为由不予受理。",
                "result": "true",
                "verified_by": "乡纪检办 刘志明",
                "verified_on": dt.date(year, month, 12),
                "verification_note": "经走访申请人和村干部，情况属实。",
                "followup": "已约谈代办员，医保缴费已于次日代办完毕，回访群众满意。",
            },
            day=today,
        )
        made += 1
    if "JZ" in villages:
        service.create_complaint(
            {
                "received_on": max(today - dt.timedelta(days=3), dt.date(today.year, today.month, 1)),
                "channel": "wechat",
                "complainant": "金竹村村民",
                "village_id": villages["JZ"].id,
                "refused_request": True,
                "content": "微信平台留言：办理残疾人补助时代办员说材料不全，没有一次性告知需要哪些材料。",
            },
            day=today,
        )
        made += 1
    return made


def _reports(villages, by_code, months, today, rng) -> int:
    made = 0
    cal = work_calendar()
    for year, month in months:
        month_end, due = month_last_day(year, month), report_due_date(year, month, cal)
        opens = report_submission_opens(year, month, cal)
        for n, (code, village) in enumerate(sorted(villages.items())):
            agent = by_code.get(code)
            if (
                agent is None
                or (agent.hired_on and agent.hired_on > month_end)
                or report_service.report_for(village.id, year, month) is not None
            ):
                continue
            if (year, month) == months[-1] and code == "ML":
                at = dt.datetime.combine(due + dt.timedelta(days=3), dt.time(10, 20))  # late → ④
            else:  # on time: from the month's last working day to its due day
                day = opens + dt.timedelta(days=rng.randint(0, (due - opens).days))
                at = dt.datetime.combine(day, dt.time(15 + n % 3, rng.randint(0, 59)))
            if at.date() >= today:
                continue
            report = report_service.submit_report(
                {
                    "village_id": village.id,
                    "month": f"{year:04d}-{month:02d}",
                    "hot_issues": HOT_ISSUES[(n + month) % len(HOT_ISSUES)],
                },
                now=at,
            )
            _as_agent(report, code)
            made += 1
        if report_deadline(year, month, cal) < dt.datetime.combine(today, dt.time()):
            report_service.flag_missing_reports(year, month, now=dt.datetime.combine(today, dt.time(8)))
    # the current month: a couple of villages have started their report
    for code in ("QS", "SQ"):
        if code in villages and by_code.get(code) is not None and today.day > 1:
            report = report_service.save_draft(
                {
                    "village_id": villages[code].id,
                    "month": f"{today.year:04d}-{today.month:02d}",
                    "hot_issues": HOT_ISSUES[0],
                },
                now=dt.datetime.combine(today, dt.time(9)),
            )
            _as_agent(report, code)
    return made


def _as_agent(report: MonthlyReport, code: str) -> None:
    """The demo agent submitted it (the seed runs as “flask demo”)."""
    username = f"{code.lower()}_daiban"
    if report.submitted_by is not None or report.status == "submitted":
        # 报送人 is the agent's 姓名 (the user's first_name), the log keeps the login
        user = db.session.execute(select(BmUser).where(BmUser.username == username)).scalar_one_or_none()
        report.submitted_by = (user.first_name if user is not None else None) or None
    for action in db.session.execute(
        select(MonthlyReportAction).where(MonthlyReportAction.report_id == report.id)
    ).scalars():
        action.user_name = username
    db.session.commit()


def _assessments(by_code, today, rng) -> int:
    made = 0
    # last year's assessment is done in late January
    year = today.year - 1 if today >= dt.date(today.year, 2, 1) else today.year - 2
    for n, (code, agent) in enumerate(sorted(by_code.items())):
        if agent is None or (agent.hired_on and agent.hired_on.year > year):
            continue
        annual_service.create_assessment(
            {
                "agent_id": agent.id,
                "year": year,
                "grade": "excellent" if code in ("QS", "XT") else "pass",
                "assessed_on": dt.date(year + 1, 1, 20 + n % 8),
                "notes": f"调查问卷满意率{90 + rng.randint(0, 9)}%，入户走访{10 + rng.randint(0, 10)}户，个别座谈{3 + rng.randint(0, 4)}人",
            },
            day=today,
        )
        made += 1
    return made


def _case_review(villages, months, today) -> None:
    """乡便民中心's ledger review finds one incomplete entry (⑤)."""
    year, month = months[-1]
    if "LQ" not in villages:
        return
    start = dt.datetime(year, month, 1)
    case = (
        db.session.execute(
            select(Case)
            .where(Case.village_id == villages["LQ"].id, Case.received_at >= start, Case.kind == "proxy")
            .order_by(Case.id)
        )
        .scalars()
        .first()
    )
    if case is None:
        return
    service.review_case_ledger(
        case,
        {"ledger_incomplete": "y", "note": "未登记收取材料和报送窗口"},
        day=min(today, month_last_day(year, month)),
    )


__all__ = ["run"]
