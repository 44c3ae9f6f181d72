"""年度考核 use cases (第二条（四）2, issue 15 §3): per agent and year —

1. :func:`start_assessment` opens the year's assessment (草稿) with the figures the system
   holds (:func:`gather_inputs`: sign-ins, deductions ①–⑤, strikes, cases from the monthly
   aggregate, 好差评, trainings);
2. the township records its own evidence (:func:`record_survey`, :func:`record_visit`,
   :func:`record_talk` — 调查问卷、入户走访、个别座谈), which sends the assessment back to 草稿;
   a wrong entry is voided (:func:`void_evidence`) or corrected (``record_evidence`` with
   ``replaces``) — kept, struck through, with who, when and why — which also sends it back;
3. :func:`propose` gathers again and asks ``policy.annual_assessment.propose_grade`` (已提议);
4. :func:`decide` records the township's grade and reason (已决定). 不合格 is 应予解聘: the
   three-strikes list (``services.deductions.strike_alerts``) shows the agent until the
   dismissal is recorded on the agent (``services.agents.dismiss_agent``, the existing flow).

:func:`excellent_agents` lists a year's 优秀 for 评先评优. ``create_assessment`` /
``update_assessment`` keep the direct entry of a decided grade (demo data, old callers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from ..models import (
    Agent,
    AnnualAssessment,
    AssessmentEvidence,
    CaseRating,
    Deduction,
    SignIn,
    Training,
    TrainingAttendance,
)
from ..models.case import Case
from ..models.enums import ASSESSMENT_GRADES, EVIDENCE_KINDS
from ..policy.annual_assessment import EXCELLENT, AssessmentInputs, Thresholds, propose_grade
from ..policy.deductions import STRIKE_CODES
from ..policy.ratings import is_bad, is_good
from ..security import current_user_or_none
from .audit import actor_name
from .calendar import now_local, today, work_calendar
from .common import atomic, check_version, session
from .dashboard import month_figures
from .errors import Conflict, NotFound, ValidationFailed
from .fields import Field, one_of, parse, to_bool, to_date, to_int, to_str


def _fail(field: str, message) -> ValidationFailed:
    return ValidationFailed(errors={field: [message]})


def _text(n: int):
    return lambda v: to_str(v, n)


def thresholds() -> Thresholds:
    """The marks of the proposal: the policy's count and the township's settings (config.py)."""
    return Thresholds.from_settings(current_app.config)


# --- gathering ------------------------------------------------------------------------------


def served_period(agent: Agent, year: int, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days of ``year`` the agent was in post, up to ``today``; ``None`` when none."""
    first, last = dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)
    if agent.hired_on and agent.hired_on > first:
        first = agent.hired_on
    if agent.status == "dismissed" and agent.dismissed_on and agent.dismissed_on < last:
        last = agent.dismissed_on
    return (first, last) if first <= last else None


def gather_inputs(
    agent: Agent, year: int, today: dt.date, assessment: AnnualAssessment | None = None
) -> AssessmentInputs:
    """The year's figures of one agent from the system's records — a fixed number of queries
    whatever the year holds. Cases are the village's (one agent in post per village), from the
    monthly aggregate (``dashboard.month_figures``); deductions, strikes, sign-ins, trainings
    and ratings are the agent's own; evidence is the assessment's."""
    period = served_period(agent, year, today)
    values: dict = {"year": year}
    if period is not None:
        first, last = period
        cal = work_calendar()
        values["workdays"] = cal.workdays_between(first - dt.timedelta(days=1), last)
        values["signin_days"] = (
            session()
            .execute(select(func.count(SignIn.id)).where(SignIn.agent_id == agent.id, SignIn.day.between(first, last)))
            .scalar()
            or 0
        )
        if agent.village_id is not None:
            months = [(year, m) for m in range(first.month, last.month + 1)]
            figures = month_figures(agent.village_id, months, today).values()
            values["received"] = sum(f.received for f in figures)
            values["late_entry"] = sum(f.late_entry for f in figures)
            values["completed"] = sum(f.completed for f in figures)
            values["on_time"] = sum(f.completed_on_time for f in figures)
            values["overdue_open"] = sum(f.open_overdue_proxy for f in figures)
        rows = session().execute(
            select(TrainingAttendance.attendance, func.count(TrainingAttendance.id))
            .join(Training, Training.id == TrainingAttendance.training_id)
            .where(TrainingAttendance.agent_id == agent.id, Training.held_on.between(first, last))
            .group_by(TrainingAttendance.attendance)
        )
        attendance = {k: int(n) for k, n in rows}
        values["trainings_held"] = sum(attendance.values())
        values["trainings_attended"] = attendance.get("present", 0)
        values["trainings_excused"] = attendance.get("excused", 0)
        ratings = session().execute(
            select(CaseRating.level, func.count(CaseRating.id))
            .join(Case, Case.id == CaseRating.case_id)
            .where(
                Case.agent_id == agent.id,
                CaseRating.given_at >= dt.datetime.combine(first, dt.time()),
                CaseRating.given_at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time()),
            )
            .group_by(CaseRating.level)
        )
        levels = {int(k): int(n) for k, n in ratings}
        values["rated"] = sum(levels.values())
        values["good"] = sum(n for k, n in levels.items() if is_good(k))
        values["bad"] = sum(n for k, n in levels.items() if is_bad(k))
    counts: dict[str, int] = {}
    amounts: dict[str, str] = {}
    for code, n, total in session().execute(
        select(Deduction.code, func.count(Deduction.id), func.sum(Deduction.amount))
        .where(Deduction.agent_id == agent.id, Deduction.year == year, Deduction.state == "active")
        .group_by(Deduction.code)
    ):
        counts[code] = int(n)
        amounts[code] = f"{Decimal(total or 0):.2f}"
    values["deduction_counts"] = counts
    values["deduction_amounts"] = amounts
    values["strikes"] = {
        code: int(n)
        for code, n in session().execute(
            select(Deduction.code, func.count(Deduction.id))
            .where(
                Deduction.agent_id == agent.id,
                Deduction.state == "active",
                Deduction.code.in_([c.value for c in STRIKE_CODES]),
                Deduction.occurred_on <= dt.date(year, 12, 31),
                *([Deduction.occurred_on >= agent.hired_on] if agent.hired_on else []),
            )
            .group_by(Deduction.code)
        )
    }
    if assessment is not None and assessment.id is not None:
        for kind, n, respondents, satisfied, negative in session().execute(
            select(
                AssessmentEvidence.kind,
                func.count(AssessmentEvidence.id),
                func.sum(AssessmentEvidence.respondents),
                func.sum(AssessmentEvidence.satisfied),
                func.sum(case((AssessmentEvidence.negative.is_(True), 1), else_=0)),
            )
            .where(AssessmentEvidence.assessment_id == assessment.id, AssessmentEvidence.voided_at.is_(None))
            .group_by(AssessmentEvidence.kind)
        ):
            if kind == "survey":
                values["survey_count"] = int(n)
                values["survey_respondents"] = int(respondents or 0)
                values["survey_satisfied"] = int(satisfied or 0)
            elif kind == "visit":
                values["visits"] = int(n)
                values["visits_negative"] = int(negative or 0)
            elif kind == "talk":
                values["talks"] = int(n)
                values["talks_negative"] = int(negative or 0)
    return AssessmentInputs(**values)


def inputs_of(assessment: AnnualAssessment) -> AssessmentInputs | None:
    """The snapshot kept with an assessment (``None`` for one entered before the workflow)."""
    return AssessmentInputs.from_dict(assessment.inputs) if assessment.inputs else None


# --- the workflow ---------------------------------------------------------------------------

START_SPEC = {
    "agent_id": Field(to_int, _l("代办员"), required=True),
    "year": Field(to_int, _l("考核年度"), required=True),
    "notes": Field(_text(4000), _l("备注")),
}


def _check_year(agent: Agent, year: int, day: dt.date, current: AnnualAssessment | None = None) -> None:
    if year < 2000:
        raise _fail("year", _l("考核年度无效"))
    if year > day.year:
        raise _fail("year", _l("考核年度不能晚于今年"))
    if agent.hired_on and year < agent.hired_on.year:
        raise _fail(
            "year", _l("%(name)s于%(d)s聘任，不能考核此前的年度", name=agent.name, d=agent.hired_on.isoformat())
        )
    stmt = select(AnnualAssessment.id).where(AnnualAssessment.agent_id == agent.id, AnnualAssessment.year == year)
    if current is not None:
        stmt = stmt.where(AnnualAssessment.id != current.id)
    if session().execute(stmt).first():
        raise _fail("year", _l("%(name)s的%(y)s年度考核已录入，请修改原记录", name=agent.name, y=year))


def _agent(agent_id) -> Agent:
    agent = session().get(Agent, agent_id) if agent_id else None
    if agent is None:
        raise _fail("agent_id", _l("所选代办员不存在"))
    return agent


def _gather_into(item: AnnualAssessment, agent: Agent, day: dt.date) -> None:
    item.inputs = gather_inputs(agent, item.year, day, item).to_dict()
    item.gathered_at = now_local()


def start_assessment(data: Mapping, day: dt.date | None = None) -> AnnualAssessment:
    """Open an agent's 年度考核 (草稿) with the figures gathered from the records."""
    day = day or today()
    values = parse(data, START_SPEC)
    with atomic():
        agent = _agent(values["agent_id"])
        _check_year(agent, values["year"], day)
        item = AnnualAssessment(
            agent_id=agent.id,
            village_id=agent.village_id,
            year=values["year"],
            status="draft",
            notes=values.get("notes"),
            assessed_on=day,
            inputs=gather_inputs(agent, values["year"], day).to_dict(),
            gathered_at=now_local(),
        )
        session().add(item)
        session().commit()
    return item


def propose(item: AnnualAssessment, data: Mapping | None = None, day: dt.date | None = None) -> AnnualAssessment:
    """Gather the figures again and record the proposed grade with its reasons (已提议)."""
    day = day or today()
    data = data or {}
    check_version(item, data.get("version"))
    with atomic():
        _gather_into(item, item.agent, day)
        grade, reasons = propose_grade(inputs_of(item), thresholds())
        item.proposed_grade = grade
        item.proposal_reasons = reasons
        item.proposed_at = now_local()
        if item.status != "decided":
            item.status = "proposed"
        session().commit()
    return item


DECIDE_SPEC = {
    "grade": Field(one_of(ASSESSMENT_GRADES), _l("考核等次"), required=True),
    "reason": Field(_text(2000), _l("决定理由"), required=True),
}


def decide(item: AnnualAssessment, data: Mapping, day: dt.date | None = None) -> AnnualAssessment:
    """The township's decision: 优秀 / 合格 / 不合格 with a reason (已决定). 不合格 → 应予解聘."""
    day = day or today()
    check_version(item, data.get("version"))
    values = parse(data, DECIDE_SPEC)
    if item.status == "draft" or not item.proposed_grade:
        raise Conflict(_l("请先生成提议等次（补充材料后须重新提议），再作决定"))
    with atomic():
        user = current_user_or_none()
        item.grade = values["grade"]
        item.decision_reason = values["reason"]
        item.decided_by = actor_name(default=_l("系统"))
        item.decided_by_id = user.id if user is not None else None
        item.decided_at = now_local()
        item.assessed_on = day
        item.status = "decided"
        session().commit()
    return item


# --- evidence (调查问卷、入户走访、个别座谈) ------------------------------------------------------

EVIDENCE_SPEC = {
    "day": Field(to_date, _l("日期"), required=True),
    "respondents": Field(to_int, _l("收回问卷（份）")),
    "satisfied": Field(to_int, _l("其中满意（份）")),
    "household": Field(_text(60), _l("走访户")),
    "person": Field(_text(60), _l("座谈对象")),
    "findings": Field(_text(2000), _l("了解到的情况")),
    "negative": Field(to_bool, _l("反映问题")),
}
#: The fields each kind requires.
EVIDENCE_REQUIRED = {
    "survey": ("respondents", "satisfied"),
    "visit": ("household", "findings"),
    "talk": ("person", "findings"),
}


VOID_SPEC = {"reason": Field(_text(200), _l("作废原因"), required=True)}


def _open_evidence(item: AnnualAssessment, evidence_id) -> AssessmentEvidence:
    """A piece of ``item``'s evidence that can still be voided or corrected."""
    try:
        pk = int(evidence_id)
    except (TypeError, ValueError):
        pk = None
    row = session().get(AssessmentEvidence, pk) if pk is not None else None
    if row is None or row.assessment_id != item.id:
        raise NotFound(_l("没有这条考核材料"))
    if row.voided_at is not None:
        raise Conflict(_l("这条材料已作废（%(t)s），不能再作废或更正", t=f"{row.voided_at:%Y-%m-%d %H:%M}"))
    return row


def _void(row: AssessmentEvidence, reason: str) -> None:
    row.voided_at = now_local()
    row.voided_by = actor_name(default=_l("系统"))
    row.void_reason = reason


def void_evidence(item: AnnualAssessment, evidence_id, data: Mapping, day: dt.date | None = None) -> AssessmentEvidence:
    """作废 a wrongly entered piece of evidence before the decision: the row is kept with who,
    when and why, no longer counts, and the assessment goes back to 草稿."""
    day = day or today()
    if item.status == "decided":
        raise Conflict(_l("该年度考核已决定，材料不能再作废或更正"))
    check_version(item, data.get("version"))
    values = parse(data, VOID_SPEC)
    row = _open_evidence(item, evidence_id)
    with atomic():
        _void(row, values["reason"])
        session().flush()
        _gather_into(item, item.agent, day)
        item.status = "draft"
        session().commit()
    return row


def record_evidence(item: AnnualAssessment, kind: str, data: Mapping, day: dt.date | None = None) -> AssessmentEvidence:
    """Add one piece of the township's evidence; the assessment goes back to 草稿 (its proposal
    must be made again with it). With ``replaces`` (an earlier row of the same kind) and a
    ``reason``, it is a 更正: the earlier row is voided in the same transaction."""
    day = day or today()
    if kind not in EVIDENCE_KINDS:
        raise _fail("kind", _l("材料类别只能是调查问卷、入户走访或个别座谈"))
    if item.status == "decided":
        raise Conflict(_l("该年度考核已决定，不能再补充材料"))
    check_version(item, data.get("version"))
    replaced = None
    if data.get("replaces") not in (None, ""):
        replaced = _open_evidence(item, data.get("replaces"))
        if replaced.kind != kind:
            raise _fail("replaces", _l("更正应录入同一类别的材料"))
        reason = parse(data, VOID_SPEC)["reason"]
    values = parse(data, EVIDENCE_SPEC)
    errors = {
        key: [_l("%(f)s为必填项", f=EVIDENCE_SPEC[key].label)]
        for key in EVIDENCE_REQUIRED[kind]
        if values.get(key) in (None, "")
    }
    if errors:
        raise ValidationFailed(errors=errors)
    if values["day"] > day:
        raise _fail("day", _l("日期不能晚于今天"))
    if values["day"].year < item.year:
        raise _fail("day", _l("日期不能早于考核年度"))
    if kind == "survey":
        respondents, satisfied = values["respondents"], values["satisfied"]
        if respondents < 1:
            raise _fail("respondents", _l("收回问卷至少1份"))
        if satisfied < 0 or satisfied > respondents:
            raise _fail("satisfied", _l("满意份数应在0到收回份数之间"))
        values["household"] = values["person"] = None
        values["negative"] = False
    else:
        values["respondents"] = values["satisfied"] = None
        values["negative"] = bool(values.get("negative"))
        if kind == "visit":
            values["person"] = None
        else:
            values["household"] = None
    with atomic():
        row = AssessmentEvidence(
            assessment_id=item.id,
            village_id=item.village_id,
            kind=kind,
            recorded_by=actor_name(default=_l("系统")),
            replaces_id=replaced.id if replaced is not None else None,
            **values,
        )
        if replaced is not None:
            _void(replaced, str(_l("更正：%(r)s", r=reason)))
        session().add(row)
        session().flush()
        _gather_into(item, item.agent, day)
        item.status = "draft"
        session().commit()
    return row


def record_survey(item: AnnualAssessment, data: Mapping, day: dt.date | None = None) -> AssessmentEvidence:
    """调查问卷: date, questionnaires returned, of them satisfied."""
    return record_evidence(item, "survey", data, day)


def record_visit(item: AnnualAssessment, data: Mapping, day: dt.date | None = None) -> AssessmentEvidence:
    """入户走访: date, household, findings (negative or not)."""
    return record_evidence(item, "visit", data, day)


def record_talk(item: AnnualAssessment, data: Mapping, day: dt.date | None = None) -> AssessmentEvidence:
    """个别座谈: date, with whom, findings (negative or not)."""
    return record_evidence(item, "talk", data, day)


# --- reading ---------------------------------------------------------------------------------


def get_assessment(pk) -> AnnualAssessment:
    item = session().get(AnnualAssessment, pk) if pk is not None else None
    if item is None:
        raise NotFound(_l("没有这条年度考核记录"))
    return item


def excellent_agents(year: int) -> list[AnnualAssessment]:
    """评先评优: the year's assessments decided 优秀, by village."""
    return list(
        session()
        .execute(
            select(AnnualAssessment)
            .join(Agent, Agent.id == AnnualAssessment.agent_id)
            .where(
                AnnualAssessment.year == year,
                AnnualAssessment.status == "decided",
                AnnualAssessment.grade == EXCELLENT,
            )
            .order_by(AnnualAssessment.village_id, Agent.name)
        )
        .scalars()
        .all()
    )


# --- direct entry of a decided grade (demo data, the old form's callers) ----------------------

ASSESSMENT_SPEC = {
    "agent_id": Field(to_int, _l("代办员"), required=True),
    "year": Field(to_int, _l("考核年度"), required=True),
    "grade": Field(one_of(ASSESSMENT_GRADES), _l("考核等次"), required=True),
    "notes": Field(_text(4000), _l("考核情况（调查问卷、入户走访、个别座谈）")),
    "assessed_on": Field(to_date, _l("考核日期")),
}


def _validate_direct(values: dict, current: AnnualAssessment | None, day: dt.date) -> Agent:
    missing = {
        k: [_l("%(f)s为必填项", f=ASSESSMENT_SPEC[k].label)]
        for k in ("agent_id", "year", "grade")
        if values.get(k) in (None, "")
    }
    if missing:
        raise ValidationFailed(errors=missing)
    agent = _agent(values["agent_id"])
    _check_year(agent, values["year"], day, current)
    values["assessed_on"] = values.get("assessed_on") or day
    if values["assessed_on"] > day:
        raise _fail("assessed_on", _l("考核日期不能晚于今天"))
    if values["assessed_on"].year < values["year"]:
        raise _fail("assessed_on", _l("考核日期不能早于考核年度"))
    values["village_id"] = agent.village_id
    return agent


def create_assessment(data: Mapping, day: dt.date | None = None) -> AnnualAssessment:
    """A decided 年度考核 entered directly (grade and notes, no workflow)."""
    values = parse(data, ASSESSMENT_SPEC)
    with atomic():
        _validate_direct(values, None, day or today())
        user = current_user_or_none()
        item = AnnualAssessment(
            **values,
            status="decided",
            decision_reason=values.get("notes"),
            decided_by=actor_name(default=_l("系统")),
            decided_by_id=user.id if user is not None else None,
            decided_at=now_local(),
        )
        session().add(item)
        session().commit()
    return item


def update_assessment(item: AnnualAssessment, data: Mapping, day: dt.date | None = None) -> AnnualAssessment:
    with atomic():
        merged = {key: getattr(item, key) for key in ASSESSMENT_SPEC}
        merged.update(parse(data, ASSESSMENT_SPEC, partial=True))
        _validate_direct(merged, item, day or today())
        for key, value in merged.items():
            if getattr(item, key) != value:
                setattr(item, key, value)
        session().commit()
    return item


__all__ = [
    "ASSESSMENT_SPEC",
    "DECIDE_SPEC",
    "EVIDENCE_SPEC",
    "START_SPEC",
    "VOID_SPEC",
    "create_assessment",
    "decide",
    "excellent_agents",
    "gather_inputs",
    "get_assessment",
    "inputs_of",
    "propose",
    "record_evidence",
    "record_survey",
    "record_talk",
    "record_visit",
    "served_period",
    "start_assessment",
    "thresholds",
    "update_assessment",
    "void_evidence",
]
