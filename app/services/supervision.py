"""督查考核 use cases: inspections, complaints and their verification, trainings and
attendance, the township's ledger review of a case (政策第二条（三）5,
第二条（四）2–4, 第六条（三）, SPEC §7).

Each save validates with ``app.policy.supervision``, writes the record, reconciles the
deductions it implies (``services.deductions.sync_deduction``) and commits once; on any
error nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..models import (
    SIX_ONES,
    Agent,
    Case,
    Complaint,
    Inspection,
    Training,
    TrainingAttendance,
    Village,
)
from ..models.enums import ATTENDANCE, COMPLAINT_CHANNELS, COMPLAINT_RESULTS
from ..policy import PolicyViolation
from ..policy.deductions import code_for
from ..policy.supervision import (
    check_attendance_mark,
    check_off_duty_finding,
    check_rectification,
    chinese_minute,
    complaint_event_date,
    complaint_fingerprint,
    inspection_event_time,
    is_training_strike,
)
from ..security import current_user_or_none
from .audit import actor_name
from .calendar import now_local, today, work_calendar
from .common import atomic, check_version, session
from .deductions import agent_in_post, sync_deduction
from .errors import Conflict, ValidationFailed
from .fields import Field, one_of, parse, to_bool, to_date, to_datetime, to_flag, to_int, to_str
from .settings import office_hours

SIX_ONE_KEYS = tuple(attr for attr, _ in SIX_ONES)
SIX_ONE_LABELS = dict(SIX_ONES)


# --- helpers ------------------------------------------------------------------------------


def _text(n: int):
    return lambda v: to_str(v, n)


def _fail(field: str, message) -> ValidationFailed:
    return ValidationFailed(errors={field: [message]})


def _village(village_id: int | None, field: str = "village_id") -> Village:
    village = session().get(Village, village_id) if village_id else None
    if village is None:
        raise _fail(field, _l("所选村不存在"))
    return village


def _agent_of(
    village: Village, agent_id: int | None, on: dt.date, field: str = "agent_id", required: bool = True
) -> Agent | None:
    """The chosen agent (must be of the village), else the village's agent in post on ``on``."""
    if agent_id:
        agent = session().get(Agent, agent_id)
        if agent is None:
            raise _fail(field, _l("所选代办员不存在"))
        if agent.village_id != village.id:
            raise _fail(field, _l("%(name)s不是%(village)s的代办员", name=agent.name, village=village.name))
        return agent
    agent = agent_in_post(village.id, on)
    if agent is None and required:
        raise _fail(field, _l("%(village)s在%(d)s没有在岗代办员，请选择代办员", village=village.name, d=on.isoformat()))
    return agent


def _policy_errors(problems: list[PolicyViolation]) -> None:
    if problems:
        raise ValidationFailed.of(*problems)


def _merge(item, spec: Mapping, data: Mapping) -> dict:
    merged = {key: getattr(item, key) for key in spec if hasattr(item, key)}
    merged.update(parse(data, spec, partial=True))
    return merged


def _required(values: dict, spec: Mapping, keys) -> None:
    errors = {k: [_l("%(f)s为必填项", f=spec[k].label)] for k in keys if values.get(k) in (None, "")}
    if errors:
        raise ValidationFailed(errors=errors)


# --- inspections (督查检查) -----------------------------------------------------------------


def _six_ones_value(value):
    """Findings of the 六个一 checklist: {attr: True/False}; unknown keys refused."""
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(_l('应为对象，如 {"std_counter": true}'))
    out = {}
    for key, v in value.items():
        if key not in SIX_ONE_KEYS:
            raise ValueError(_l("未知的“六个一”项目：%(k)s", k=key))
        b = to_bool(v) if v not in ("",) else None
        if b is not None:
            out[key] = b
    return out


INSPECTION_SPEC = {
    "inspected_at": Field(to_datetime, _l("检查时间"), required=True),
    "inspector": Field(_text(60), _l("检查人")),
    "village_id": Field(to_int, _l("检查村"), required=True),
    "agent_id": Field(to_int, _l("代办员")),
    "on_duty": Field(to_bool, _l("代办员是否在岗")),
    "ledger_complete": Field(to_bool, _l("台账是否完整")),
    "six_ones": Field(_six_ones_value, _l("“六个一”检查情况")),
    "problems": Field(_text(2000), _l("发现的问题")),
    "rectification": Field(_text(2000), _l("整改要求")),
    "rectify_by": Field(to_date, _l("整改期限")),
    "rectified_on": Field(to_date, _l("整改完成日期")),
}


def _flat_six_ones(data: Mapping) -> dict:
    """The form sends one select per item (``six_std_counter`` = "True"/"False"/"")."""
    flat = {}
    for key in SIX_ONE_KEYS:
        raw = data.get(f"six_{key}") if hasattr(data, "get") else None
        if raw not in (None, ""):
            try:
                flat[key] = to_bool(raw)
            except ValueError as exc:
                raise _fail(f"six_{key}", f"{SIX_ONE_LABELS[key]}：{exc}") from None
    return flat


def _inspection_input(data: Mapping) -> dict:
    data = dict(data)
    flat = _flat_six_ones(data)
    if flat:
        data["six_ones"] = {**(data.get("six_ones") or {}), **flat}
    return data


def _validate_inspection(
    values: dict, now: dt.datetime, current: Inspection | None = None
) -> tuple[Village, Agent | None]:
    _required(values, INSPECTION_SPEC, ("inspected_at", "village_id"))
    if values.get("on_duty") is None:
        values["on_duty"] = True
    if values.get("ledger_complete") is None:
        values["ledger_complete"] = True
    if not values.get("inspector"):
        values["inspector"] = actor_name()
        if not values["inspector"]:
            raise _fail("inspector", _l("%(f)s为必填项", f=INSPECTION_SPEC["inspector"].label))
    at: dt.datetime = inspection_event_time(values["inspected_at"])
    values["inspected_at"] = at
    if at > now + dt.timedelta(minutes=5):
        raise _fail("inspected_at", _l("检查时间不能晚于当前时间"))
    village = _village(values["village_id"])
    # A record marked as a duplicate (migration 0003) may still be corrected; it never costs.
    first = (
        None
        if current is not None and current.duplicate_of_id
        else first_inspection(village.id, at, current and current.id)
    )
    if first is not None:
        raise duplicate_inspection(first)
    needs_agent = not values["on_duty"] or not values["ledger_complete"]
    agent = _agent_of(village, values.get("agent_id"), at.date(), required=needs_agent)
    values["agent_id"] = agent.id if agent else None
    try:
        check_off_duty_finding(at, values["on_duty"], work_calendar(), office_hours(village))
    except PolicyViolation as exc:
        raise _fail("on_duty", exc.message) from None
    _policy_errors(check_rectification(at.date(), values.get("rectify_by"), values.get("rectified_on"), now.date()))
    return village, agent


# --- one event, one record (policy.supervision) --------------------------------------------


def first_inspection(village_id: int, at: dt.datetime, other_than: int | None = None) -> Inspection | None:
    """The inspection already recorded for the village at that minute (not a marked duplicate)."""
    stmt = select(Inspection).where(
        Inspection.village_id == village_id,
        Inspection.inspected_at == inspection_event_time(at),
        Inspection.duplicate_of_id.is_(None),
    )
    if other_than is not None:
        stmt = stmt.where(Inspection.id != other_than)
    return session().execute(stmt.order_by(Inspection.id)).scalars().first()


def duplicate_inspection(first: Inspection) -> Conflict:
    at = chinese_minute(first.inspected_at)
    if first.agent is not None:
        message = _l("该代办员在%(at)s已有一条督查记录（第%(id)s号），请勿重复录入", at=at, id=first.id)
    else:
        message = _l(
            "%(village)s在%(at)s已有一条督查记录（第%(id)s号），请勿重复录入",
            village=first.village.name,
            at=at,
            id=first.id,
        )
    return Conflict(message, errors={"inspected_at": [message]})


def first_complaint(values: Mapping, other_than: int | None = None) -> Complaint | None:
    """The complaint already recorded with the same village, received date, channel and
    content (white space collapsed)."""
    stmt = select(Complaint).where(
        Complaint.village_id == values["village_id"],
        Complaint.received_on == values["received_on"],
        Complaint.channel == values["channel"],
        Complaint.content_digest == complaint_fingerprint(values["content"]),
        Complaint.duplicate_of_id.is_(None),
    )
    if other_than is not None:
        stmt = stmt.where(Complaint.id != other_than)
    return session().execute(stmt.order_by(Complaint.id)).scalars().first()


def duplicate_complaint(first: Complaint) -> Conflict:
    message = _l(
        "%(village)s在%(d)s（反映渠道：%(channel)s）已有一条内容相同的群众反映记录（第%(id)s号），请勿重复录入",
        village=first.village.name,
        d=f"{first.received_on.year}年{first.received_on.month}月{first.received_on.day}日",
        channel=COMPLAINT_CHANNELS.get(first.channel, first.channel),
        id=first.id,
    )
    return Conflict(message, errors={"content": [message]})


def duplicate_attendance(row: TrainingAttendance) -> Conflict:
    message = _l(
        "%(name)s已在“%(t)s”的应参加名单中（第%(id)s号出勤记录），请修改原记录，勿重复录入",
        name=row.agent.name,
        t=row.training.title,
        id=row.id,
    )
    return Conflict(message, errors={"agent_id": [message]})


@contextmanager
def refusing_duplicates(find_first, make_error):
    """Run a save; when the database's unique index refuses it (another user saved the same
    event a moment earlier — the service check could not see it yet), answer the same
    Chinese message naming the record that won, instead of an error page."""
    try:
        yield
    except IntegrityError:
        session().rollback()
        first = find_first()
        if first is None:
            raise
        raise make_error(first) from None


def _apply_six_ones(village: Village, findings: dict, on: dt.date) -> None:
    """六个一 findings update the village's checklist unless a later check is on record."""
    for attr, ok in findings.items():
        checked = getattr(village, f"{attr}_checked_on")
        if checked is None or checked <= on:
            if getattr(village, attr) != ok:
                setattr(village, attr, ok)
            if checked != on:
                setattr(village, f"{attr}_checked_on", on)


def _sync_inspection_deductions(item: Inspection) -> None:
    duplicate_reason = (
        str(_l("重复录入的督查记录（与第%(id)s号为同一次检查），扣款撤销", id=item.duplicate_of_id))
        if item.duplicate_of_id
        else None
    )
    at = item.inspected_at
    who = item.inspector or ""
    sync_deduction(
        source_type="inspection",
        source_id=item.id,
        code=code_for("inspection"),
        active=not item.on_duty and item.duplicate_of_id is None,
        agent_id=item.agent_id,
        village_id=item.village_id,
        occurred_on=at.date(),
        description=str(_l("督查检查 %(at)s 代办员不在岗（检查人：%(who)s）", at=f"{at:%Y-%m-%d %H:%M}", who=who)),
        void_reason=duplicate_reason or str(_l("督查检查记录已更正为在岗")),
    )
    sync_deduction(
        source_type="inspection_ledger",
        source_id=item.id,
        code=code_for("inspection_ledger"),
        active=not item.ledger_complete and item.duplicate_of_id is None,
        agent_id=item.agent_id,
        village_id=item.village_id,
        occurred_on=at.date(),
        description=str(_l("督查检查 %(at)s 台账填写不完整（检查人：%(who)s）", at=f"{at:%Y-%m-%d %H:%M}", who=who)),
        void_reason=duplicate_reason or str(_l("督查检查记录已更正为台账完整")),
    )


def create_inspection(data: Mapping, now: dt.datetime | None = None) -> Inspection:
    now = now or now_local()
    values = parse(_inspection_input(data), INSPECTION_SPEC)
    find = lambda: first_inspection(values["village_id"], values["inspected_at"])  # noqa: E731
    with refusing_duplicates(find, duplicate_inspection), atomic():
        village, _agent = _validate_inspection(values, now)
        user = current_user_or_none()
        item = Inspection(**values, created_by_id=user.id if user is not None else None)
        session().add(item)
        session().flush()
        _apply_six_ones(village, item.six_ones or {}, item.inspected_at.date())
        _sync_inspection_deductions(item)
        session().commit()
    return item


def update_inspection(item: Inspection, data: Mapping, now: dt.datetime | None = None) -> Inspection:
    now = now or now_local()
    data = _inspection_input(data)
    values: dict = {}
    find = lambda: first_inspection(values["village_id"], values["inspected_at"], item.id) if values else None  # noqa: E731
    with refusing_duplicates(find, duplicate_inspection), atomic():
        values.update(_merge(item, INSPECTION_SPEC, data))
        village, _agent = _validate_inspection(values, now, item)
        for key, value in values.items():
            if getattr(item, key) != value:
                setattr(item, key, value)
        session().flush()
        _apply_six_ones(village, item.six_ones or {}, item.inspected_at.date())
        _sync_inspection_deductions(item)
        session().commit()
    return item


# --- complaints (群众反映/举报) ----------------------------------------------------------------


def _refused(value):
    b = to_bool(value)
    return True if b is None else b


COMPLAINT_SPEC = {
    "received_on": Field(to_date, _l("受理日期"), required=True),
    "channel": Field(one_of(COMPLAINT_CHANNELS), _l("反映渠道")),
    "complainant": Field(_text(60), _l("反映人")),
    "complainant_phone": Field(_text(20), _l("联系电话")),
    "village_id": Field(to_int, _l("所涉村"), required=True),
    "agent_id": Field(to_int, _l("所涉代办员")),
    "case_id": Field(to_int, _l("关联受理登记")),
    "refused_request": Field(_refused, _l("反映代办员不受理代办事项")),
    "content": Field(_text(4000), _l("反映内容"), required=True),
    "result": Field(one_of(COMPLAINT_RESULTS), _l("核实结果")),
    "verified_by": Field(_text(60), _l("核实人")),
    "verified_on": Field(to_date, _l("核实日期")),
    "verification_note": Field(_text(4000), _l("核实情况")),
    "followup": Field(_text(4000), _l("处理及回访情况")),
}
VERIFY_KEYS = ("result", "verified_by", "verified_on", "verification_note")


def _validate_complaint(values: dict, day: dt.date, current: Complaint | None = None) -> None:
    _required(values, COMPLAINT_SPEC, ("received_on", "village_id", "content"))
    values["channel"] = values.get("channel") or "visit"
    values["result"] = values.get("result") or "pending"
    if values.get("refused_request") is None:
        values["refused_request"] = True
    if values["received_on"] > day:
        raise _fail("received_on", _l("受理日期不能晚于今天"))
    village = _village(values["village_id"])
    first = None if current is not None and current.duplicate_of_id else first_complaint(values, current and current.id)
    if first is not None:
        raise duplicate_complaint(first)
    if values["result"] == "pending":
        values["verified_by"] = None
        values["verified_on"] = None
    else:
        values["verified_on"] = values.get("verified_on") or day
        values["verified_by"] = values.get("verified_by") or actor_name()
        if not values["verified_by"]:
            raise _fail("verified_by", _l("%(f)s为必填项", f=COMPLAINT_SPEC["verified_by"].label))
        if values["verified_on"] < values["received_on"]:
            raise _fail("verified_on", _l("核实日期不能早于受理日期"))
        if values["verified_on"] > day:
            raise _fail("verified_on", _l("核实日期不能晚于今天"))
    costs = values["result"] == "true" and values["refused_request"]
    on = complaint_event_date(values["received_on"], values.get("verified_on"))
    agent = _agent_of(village, values.get("agent_id"), on, required=costs)
    values["agent_id"] = agent.id if agent else None
    if values.get("case_id"):
        case = session().get(Case, values["case_id"])
        if case is None or case.village_id != village.id:
            raise _fail("case_id", _l("关联的受理登记不存在或不属于该村"))


def _sync_complaint_deduction(item: Complaint) -> None:
    active = item.result == "true" and item.refused_request and item.duplicate_of_id is None
    if item.duplicate_of_id:
        void_reason = str(_l("重复录入的群众反映（与第%(id)s号为同一反映），扣款撤销", id=item.duplicate_of_id))
    else:
        void_reason = str(
            {"false": _l("核实结论已更正为不属实"), "pending": _l("核实结论已撤回")}.get(
                item.result, _l("该反映已更正为不属于不受理代办事项")
            )
        )
    sync_deduction(
        source_type="complaint",
        source_id=item.id,
        code=code_for("complaint"),
        active=active,
        agent_id=item.agent_id,
        village_id=item.village_id,
        occurred_on=complaint_event_date(item.received_on, item.verified_on),
        description=str(
            _l(
                "群众反映代办员不受理代办事项（%(d)s受理），经乡政府%(v)s核实属实",
                d=item.received_on.isoformat(),
                v=item.verified_on.isoformat() if item.verified_on else "",
            )
        ),
        void_reason=void_reason,
    )


def create_complaint(data: Mapping, day: dt.date | None = None, *, extra: Mapping | None = None) -> Complaint:
    """``extra``: columns set by the caller, not by the form (网上反映: source, query code hash)."""
    day = day or today()
    values = parse(data, COMPLAINT_SPEC)
    with refusing_duplicates(lambda: first_complaint(values), duplicate_complaint), atomic():
        _validate_complaint(values, day)
        item = Complaint(**values, **(extra or {}))
        session().add(item)
        session().flush()
        _sync_complaint_deduction(item)
        session().commit()
    return item


def update_complaint(item: Complaint, data: Mapping, day: dt.date | None = None) -> Complaint:
    day = day or today()
    values: dict = {}
    find = lambda: first_complaint(values, item.id) if values.get("content") else None  # noqa: E731
    with refusing_duplicates(find, duplicate_complaint), atomic():
        values.update(_merge(item, COMPLAINT_SPEC, data))
        _validate_complaint(values, day, item)
        for key, value in values.items():
            if getattr(item, key) != value:
                setattr(item, key, value)
        session().flush()
        _sync_complaint_deduction(item)
        session().commit()
    return item


def verify_complaint(item: Complaint, data: Mapping, day: dt.date | None = None) -> Complaint:
    """The township's verification (核实属实 / 不属实, or withdrawn back to 待核实)."""
    if not data.get("result"):
        raise _fail("result", _l("%(f)s为必填项", f=COMPLAINT_SPEC["result"].label))
    return update_complaint(item, {k: data[k] for k in (*VERIFY_KEYS, "followup") if k in data}, day)


# --- trainings and attendance (集中学习培训会议) --------------------------------------------------


def _int_list(value):
    if value in (None, ""):
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [v for v in str(value).replace("，", ",").split(",") if v.strip()]
    if not isinstance(value, (list, tuple, set)):
        raise ValueError(_l("应为代办员编号列表"))
    return [to_int(v) for v in value]


TRAINING_SPEC = {
    "title": Field(_text(120), _l("会议/培训名称"), required=True),
    "held_on": Field(to_date, _l("召开日期"), required=True),
    "place": Field(_text(120), _l("地点")),
    "notes": Field(_text(4000), _l("内容摘要")),
    "attendee_ids": Field(_int_list, _l("应参加的代办员")),
}
ATTENDANCE_SPEC = {
    "agent_id": Field(to_int, _l("代办员"), required=True),
    "attendance": Field(one_of(ATTENDANCE), _l("出勤情况"), required=True),
    "note": Field(_text(200), _l("说明")),
}


def default_attendees(on: dt.date) -> list[Agent]:
    """Every 村级 agent in post on the day (hired by then and not dismissed)."""
    return list(
        session()
        .execute(
            select(Agent)
            .where(Agent.level == "village", Agent.status == "active")
            .where((Agent.hired_on.is_(None)) | (Agent.hired_on <= on))
            .order_by(Agent.village_id, Agent.id)
        )
        .scalars()
    )


def _attendance_row(training: Training, agent_id: int) -> TrainingAttendance | None:
    return (
        session()
        .execute(
            select(TrainingAttendance).where(
                TrainingAttendance.training_id == training.id, TrainingAttendance.agent_id == agent_id
            )
        )
        .scalar()
    )


def _add_attendees(training: Training, agent_ids: list[int] | None) -> None:
    agents = default_attendees(training.held_on) if agent_ids is None else [session().get(Agent, i) for i in agent_ids]
    for agent in agents:
        if agent is None:
            raise _fail("attendee_ids", _l("所选代办员不存在"))
        if agent.level != "village" or agent.village_id is None:
            raise _fail("attendee_ids", _l("%(name)s不是村级代办员", name=agent.name))
        if _attendance_row(training, agent.id) is None:
            session().add(TrainingAttendance(training_id=training.id, agent_id=agent.id, village_id=agent.village_id))
    session().flush()


def _sync_attendance_deduction(row: TrainingAttendance, training: Training) -> None:
    sync_deduction(
        source_type="attendance",
        source_id=row.id,
        code=code_for("attendance"),
        active=is_training_strike(row.attendance),
        agent_id=row.agent_id,
        village_id=row.village_id,
        occurred_on=training.held_on,
        description=str(_l("无故不参加 %(d)s “%(t)s”", d=training.held_on.isoformat(), t=training.title)),
        void_reason=str(_l("出勤情况已更正为%(a)s", a=ATTENDANCE.get(row.attendance, row.attendance))),
    )


def create_training(data: Mapping) -> Training:
    values = parse(data, TRAINING_SPEC)
    attendee_ids = values.pop("attendee_ids")
    with atomic():
        item = Training(**values)
        session().add(item)
        session().flush()
        _add_attendees(item, attendee_ids)
        session().commit()
    return item


def update_training(item: Training, data: Mapping, day: dt.date | None = None) -> Training:
    day = day or today()
    with atomic():
        values = _merge(item, TRAINING_SPEC, data)
        _required(values, TRAINING_SPEC, ("title", "held_on"))
        attendee_ids = values.pop("attendee_ids", None)
        for key, value in values.items():
            if getattr(item, key) != value:
                setattr(item, key, value)
        session().flush()
        if attendee_ids:
            _add_attendees(item, attendee_ids)
        rows = session().execute(select(TrainingAttendance).where(TrainingAttendance.training_id == item.id)).scalars()
        for row in rows:
            try:
                check_attendance_mark(item.held_on, row.attendance, day)
            except PolicyViolation as exc:
                raise _fail("held_on", exc.message) from None
            _sync_attendance_deduction(row, item)
        session().commit()
    return item


def _mark(training: Training, agent_id: int, attendance: str, note: str | None, day: dt.date) -> TrainingAttendance:
    try:
        check_attendance_mark(training.held_on, attendance, day)
    except PolicyViolation as exc:
        raise _fail("attendance", exc.message) from None
    row = _attendance_row(training, agent_id)
    if row is None:
        agent = session().get(Agent, agent_id)
        if agent is None or agent.level != "village" or agent.village_id is None:
            raise _fail("agent_id", _l("所选代办员不存在或不是村级代办员"))
        row = TrainingAttendance(training_id=training.id, agent_id=agent.id, village_id=agent.village_id)
        session().add(row)
    if row.attendance != attendance:
        row.attendance = attendance
    if note is not None and row.note != note:
        row.note = note
    session().flush()
    _sync_attendance_deduction(row, training)
    return row


def mark_attendance(training: Training, data: Mapping, day: dt.date | None = None) -> TrainingAttendance:
    """One agent's attendance: 出席 / 请假 / 无故缺席 (② for 无故缺席)."""
    values = parse(data, ATTENDANCE_SPEC)
    find = lambda: _attendance_row(training, values["agent_id"])  # noqa: E731
    with refusing_duplicates(find, duplicate_attendance), atomic():
        row = _mark(training, values["agent_id"], values["attendance"], values.get("note"), day or today())
        session().commit()
    return row


def mark_roster(training: Training, marks: Mapping[int, tuple[str, str | None]], day: dt.date | None = None) -> None:
    """Attendance of several agents at once (the roster page); all or nothing."""
    day = day or today()
    with atomic():
        for agent_id, (attendance, note) in marks.items():
            values = parse({"agent_id": agent_id, "attendance": attendance, "note": note}, ATTENDANCE_SPEC)
            _mark(training, values["agent_id"], values["attendance"], values.get("note"), day)
        session().commit()


def add_attendance(data: Mapping, day: dt.date | None = None) -> TrainingAttendance:
    """A required attendee added to a training (from the attendance list's form)."""
    training_id = to_int(data.get("training_id")) if data.get("training_id") not in (None, "") else None
    training = session().get(Training, training_id) if training_id else None
    if training is None:
        raise _fail("training_id", _l("请选择培训会议"))
    values = parse(data, ATTENDANCE_SPEC)
    existing = _attendance_row(training, values["agent_id"])
    if existing is not None:
        raise duplicate_attendance(existing)
    return mark_attendance(training, data, day)


def update_attendance(row: TrainingAttendance, data: Mapping, day: dt.date | None = None) -> TrainingAttendance:
    values = parse(data, {k: v for k, v in ATTENDANCE_SPEC.items() if k != "agent_id"}, partial=True)
    return mark_attendance(
        row.training,
        {
            "agent_id": row.agent_id,
            "attendance": values.get("attendance") or row.attendance,
            "note": values.get("note", row.note),
        },
        day,
    )


# --- township review of a case's ledger (台账填写不完整, ⑤) ---------------------------------------


REVIEW_SPEC = {
    "ledger_incomplete": Field(to_flag, _l("台账填写不完整")),
    "note": Field(_text(150), _l("审核意见")),
}


def review_case_ledger(case: Case, data: Mapping, day: dt.date | None = None) -> Case:
    """乡便民中心 reviews a case's ledger entry; “台账填写不完整” costs ⑤ (10元) in the month of
    the review. Clearing the finding (it was a mistake) voids it while the quarter is open."""
    day = day or today()
    check_version(case, data.get("version"), required=False)
    values = parse(data, REVIEW_SPEC)
    incomplete = values["ledger_incomplete"]
    if incomplete and not values.get("note"):
        raise _fail("note", _l("认定台账填写不完整时，请写明缺少或填错的内容"))
    with atomic():
        from .deductions import find_deduction

        existing = find_deduction("case_review", case.id, code_for("case_review").value)
        on = existing.occurred_on if existing is not None and existing.state == "active" else day
        agent_id = case.agent_id
        if incomplete and agent_id is None:
            agent = agent_in_post(case.village_id, on)
            if agent is None:
                raise _fail("ledger_incomplete", _l("该登记没有经办代办员，本村也没有在岗代办员，无法扣款"))
            agent_id = agent.id
        if case.ledger_incomplete != incomplete:
            case.ledger_incomplete = incomplete
        who = actor_name()
        by = str(_l("；审核人：%(who)s", who=who)) if who else ""
        sync_deduction(
            source_type="case_review",
            source_id=case.id,
            code=code_for("case_review"),
            active=incomplete,
            agent_id=agent_id,
            village_id=case.village_id,
            occurred_on=on,
            description=str(
                _l(
                    "乡便民中心审核%(n)s：台账填写不完整（%(note)s%(by)s）",
                    n=case.case_number,
                    note=values.get("note") or "",
                    by=by,
                )
            ),
            void_reason=str(_l("审核认定已撤销：%(note)s%(by)s", note=values.get("note") or "", by=by)),
        )
        session().commit()
    return case


__all__ = [
    "COMPLAINT_SPEC",
    "INSPECTION_SPEC",
    "SIX_ONE_KEYS",
    "add_attendance",
    "create_complaint",
    "create_inspection",
    "create_training",
    "default_attendees",
    "mark_attendance",
    "mark_roster",
    "review_case_ledger",
    "update_attendance",
    "update_complaint",
    "update_inspection",
    "update_training",
    "verify_complaint",
]
