"""Use cases of 代办事项 (SPEC §5, policy 第五条): register, edit, move through the lifecycle,
extend, and the agent's to-do list.

The rules live in :mod:`app.policy.case_flow` and :mod:`app.policy.deadlines`; this module
loads what they need, applies the result and owns the transaction. Forms, REST and CLI all
come here, so a case is the same whichever door it came in by.

Times are the township's local wall-clock time (``received_at`` and every step time,
``CaseTransition.at`` and ``CaseExtension.at`` included), kept to the minute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, insert, literal_column, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError

from ..models import Agent, Case, CaseCounter, CaseExtension, CaseTransition, ServiceItem, Village
from ..models.enums import (
    CASE_CHANNELS,
    CASE_KINDS,
    CASE_STATUSES,
    CUSTODY_STATES,
    REPLY_METHODS,
    VERIFY_RESULTS,
)
from ..policy import case_flow as flow
from ..policy import intake
from ..policy.deadlines import DEFAULT_WORKDAYS, calendar_warning, effective_deadline
from ..policy.idcard import parse_id_number
from ..policy.periods import quarter_of_day
from ..policy.phone import normalize_service_phone
from ..policy.roles import ROLE_ADMIN, ROLE_TOWNSHIP, has_role, is_village_user
from ..security import current_user_or_none
from . import calendar as clock
from .audit import actor_name
from .calendar import work_calendar
from .common import check_version, session
from .errors import Conflict, Forbidden, ValidationFailed
from .fields import (
    Field,
    one_of,
    parse,
    policy_field,
    to_date,
    to_datetime,
    to_flag,
    to_int,
    to_money,
    to_str,
    to_str_list,
)
from .notifications import case_closed
from .payouts import quarter_is_open
from .reports import note_case_added

LABELS = {
    "village_id": _l("所属村"),
    "agent_id": _l("代办员"),
    "kind": _l("类型"),
    "service_item_id": _l("代办事项"),
    "applicant_name": _l("申请人姓名"),
    "applicant_id_number": _l("申请人身份证号"),
    "applicant_phone": _l("联系电话"),
    "channel": _l("受理方式"),
    "urgent": _l("急办件"),
    "received_at": _l("受理时间"),
    "voluntary_confirmed": _l("自愿委托"),
    "request_text": _l("诉求内容"),
    "materials_received": _l("已收材料"),
    "materials_note": _l("其他材料"),
    "custody_state": _l("材料保管"),
    "fee": _l("收费金额（元）"),
    "receipt_number": _l("收费票据号码"),
    "satisfaction": _l("满意度评价"),
    "followup_note": _l("回访记录"),
    "followup_at": _l("回访时间"),
    "notes": _l("备注"),
    "to": _l("办理环节"),
    "at": _l("办理时间"),
    "note": _l("办理说明"),
    "verified_by": _l("核实人（村干部）"),
    "verify_result": _l("核实结果"),
    "submitted_window": _l("报送窗口"),
    "window_result": _l("窗口办理结果"),
    "reply_at": _l("回复时间"),
    "reply_method": _l("回复方式"),
    "answer_text": _l("答复内容"),
    "referred_to": _l("转介单位及联系电话"),
    "reason": _l("原因（已向申请人说明）"),
    "new_due": _l("延期后的办结日期"),
    "registered_at": _l("登记时间"),
    "backdate_reason": _l("补登原因"),
    "payment_received": _l("收到代缴款（元）"),
    "payment_paid": _l("代缴金额（元）"),
    "payment_voucher": _l("缴费凭证号"),
    "payment_paid_on": _l("缴款日期"),
}


# --------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------
def _text(n: int):
    return lambda v: to_str(v, n)


_id_number = policy_field(lambda text: parse_id_number(text, today=clock.today()).number, 30)
_phone = policy_field(normalize_service_phone, 20)


def _minute(value):
    """Times are kept to the minute, so that a form shows and sends back the same value."""
    value = to_datetime(value)
    return value.replace(second=0, microsecond=0) if value is not None else None


def _choice(mapping):
    """``fields.one_of`` that also refuses values that cannot be codes (lists, objects)."""
    convert = one_of(mapping)

    def check(value):
        if value is not None and not isinstance(value, (str, int)):
            raise ValueError(_l("无效的选项，可选：%(c)s", c="、".join(str(v) for v in mapping.values())))
        return convert(value)

    return check


def _field(convert, name: str, required: bool = False) -> Field:
    return Field(convert, LABELS[name], required)


PAYMENT_SPEC = {
    "payment_received": _field(to_money, "payment_received"),
    "payment_paid": _field(to_money, "payment_paid"),
    "payment_voucher": _field(_text(60), "payment_voucher"),
    "payment_paid_on": _field(to_date, "payment_paid_on"),
}
INTAKE_SPEC = {
    "kind": _field(_choice(CASE_KINDS), "kind", True),
    "channel": _field(_choice(CASE_CHANNELS), "channel"),
    "received_at": _field(_minute, "received_at"),
    "urgent": _field(to_flag, "urgent"),
    "applicant_name": _field(_text(30), "applicant_name", True),
    "applicant_id_number": _field(_id_number, "applicant_id_number"),
    "applicant_phone": _field(_phone, "applicant_phone"),
    "service_item_id": _field(to_int, "service_item_id"),
    "request_text": _field(_text(2000), "request_text"),
    "voluntary_confirmed": _field(to_flag, "voluntary_confirmed"),
    "materials_received": _field(to_str_list, "materials_received"),
    "materials_note": _field(_text(1000), "materials_note"),
    "fee": _field(to_money, "fee"),
    "receipt_number": _field(_text(40), "receipt_number"),
    "notes": _field(_text(2000), "notes"),
    "backdate_reason": _field(_text(1000), "backdate_reason"),
    **PAYMENT_SPEC,
}
OWNER_SPEC = {
    "village_id": _field(to_int, "village_id"),
    "agent_id": _field(to_int, "agent_id"),
}
CREATE_SPEC = {**OWNER_SPEC, **INTAKE_SPEC}
UPDATE_SPEC = {
    **INTAKE_SPEC,
    "agent_id": _field(to_int, "agent_id"),
    "custody_state": _field(_choice(CUSTODY_STATES), "custody_state"),
    "followup_note": _field(_text(2000), "followup_note"),
    "followup_at": _field(_minute, "followup_at"),
}
TRANSITION_SPEC = {
    "to": _field(_choice(CASE_STATUSES), "to", True),
    "at": _field(_minute, "at"),
    "note": _field(_text(1000), "note"),
    "answer_text": _field(_text(2000), "answer_text"),
    "referred_to": _field(_text(120), "referred_to"),
    "verified_by": _field(_text(30), "verified_by"),
    "verify_result": _field(_choice(VERIFY_RESULTS), "verify_result"),
    "submitted_window": _field(_text(60), "submitted_window"),
    "window_result": _field(_text(2000), "window_result"),
    "reply_at": _field(_minute, "reply_at"),
    "reply_method": _field(_choice(REPLY_METHODS), "reply_method"),
    "reason": _field(_text(1000), "reason"),
    "fee": _field(to_money, "fee"),
    "receipt_number": _field(_text(40), "receipt_number"),
    **PAYMENT_SPEC,
}
EXTENSION_SPEC = {
    "new_due": _field(to_date, "new_due"),
    "reason": _field(_text(1000), "reason"),
}


#: 好差评 is the applicant's (issue 14 §1): scanned from the receipt, or a township 电话回访.
RATED_BY_APPLICANT = _l("满意度由申请人本人评价（扫码评价或乡便民中心电话回访），代办员不能登记")


def _fail(field: str, message) -> ValidationFailed:
    return ValidationFailed(errors={field: [message]})


def _parse_all(data, spec: dict, partial: bool = False) -> tuple[dict, dict]:
    """Like ``fields.parse`` but keeps going: the values that converted and the errors of
    the rest, so that one answer lists every problem of the input."""
    values: dict = {}
    errors: dict[str, list] = {}
    getter = data.get if hasattr(data, "get") else (lambda _k, _d=None: _d)
    for name, field in spec.items():
        if partial and name not in data:
            continue
        try:
            values.update(parse({name: getter(name)}, {name: field}))
        except ValidationFailed as exc:
            errors.update(exc.errors)
    return values, errors


def _merge(errors: dict, more: dict) -> dict:
    """Add ``more`` for the fields that have no message yet (the first problem is the real one)."""
    for key, messages in more.items():
        if key not in errors:
            errors[key] = list(messages)
    return errors


def _raise_findings(findings) -> None:
    if findings:
        raise ValidationFailed.of(*findings)


# --------------------------------------------------------------------------------------
# Who is acting
# --------------------------------------------------------------------------------------
def _may_backdate(user) -> bool:
    """Registering a case further back than MAX_BACKDATE_WORKDAYS is the township's
    (乡便民中心, Admin; the CLI acts for them)."""
    if user is None:
        return True
    return not is_village_user(user) and has_role(user, ROLE_ADMIN, ROLE_TOWNSHIP)


def _max_backdate() -> int:
    cfg = current_app.config if has_app_context() else {}
    return int(cfg.get("MAX_BACKDATE_WORKDAYS", intake.DEFAULT_MAX_BACKDATE_WORKDAYS))


def _closed_quarters(received: dt.datetime | None, village_id: int | None) -> list[tuple[int, int]]:
    """The quarter of ``received`` when its sheet (the village's township's) is frozen."""
    if received is None:
        return []
    year, quarter = quarter_of_day(received.date())
    return [] if quarter_is_open(year, quarter, village_id=village_id) else [(year, quarter)]


def _is_township(user) -> bool:
    """Township staff, the discipline office, Admin and the CLI act for every village."""
    return not is_village_user(user)


def _settings() -> tuple[int, int]:
    cfg = current_app.config if has_app_context() else {}
    return (
        int(cfg.get("SUBMIT_WITHIN_WORKDAYS", DEFAULT_WORKDAYS)),
        int(cfg.get("DEFAULT_PROMISED_WORKDAYS", DEFAULT_WORKDAYS)),
    )


def _owner(values: dict, user) -> tuple[Village, Agent]:
    """The village and agent of a new case: an agent's own (input ignored), or the township's
    choice (the agent must belong to the chosen village)."""
    s = session()
    if not _is_township(user):
        agent = s.execute(select(Agent).where(Agent.user_id == user.id)).scalar()
        if agent is None or agent.village_id != user.village_id:
            raise Forbidden(_l("您的账号没有关联本村代办员档案，不能登记受理，请联系乡便民中心"))
        if agent.status == "dismissed":
            raise Forbidden(_l("您已解聘，不能再登记受理"))
        return s.get(Village, user.village_id), agent
    errors: dict[str, list] = {}
    village = s.get(Village, values["village_id"]) if values.get("village_id") else None
    if village is None:
        errors["village_id"] = [_l("请选择所属村") if not values.get("village_id") else _l("所选村不存在")]
    elif not village.active:
        errors["village_id"] = [_l("该村已停用，不能登记受理")]
    agent = s.get(Agent, values["agent_id"]) if values.get("agent_id") else None
    if agent is None:
        errors["agent_id"] = [_l("请选择代办员") if not values.get("agent_id") else _l("所选代办员不存在")]
    elif village is not None and agent.village_id != village.id:
        errors["agent_id"] = [_l("所选代办员不是该村的代办员")]
    elif agent.status == "dismissed":
        errors["agent_id"] = [_l("所选代办员已解聘")]
    if errors:
        raise ValidationFailed(errors=errors)
    return village, agent


# --------------------------------------------------------------------------------------
# Case numbers — <村代码><年>-<序号>, from case_counter, safe under concurrent creation
# --------------------------------------------------------------------------------------
def _next_serial(village_id: int, year: int) -> int:
    """Take the next serial of (village, year) inside the current transaction.

    One statement, ``INSERT … ON CONFLICT (village_id, year) DO UPDATE SET last = last + 1
    RETURNING last``: on PostgreSQL the counter row stays locked until this transaction ends
    (a concurrent creation waits, then gets the next number); on SQLite the statement takes
    the database's write lock, held to commit. Numbers are therefore gapless and unique;
    the unique constraint on ``case_number`` is the backstop.
    """
    s = session()
    table = CaseCounter.__table__
    dialect = s.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        stmt = (
            upsert(table)
            .values(village_id=village_id, year=year, last=1)
            .on_conflict_do_update(index_elements=[table.c.village_id, table.c.year], set_={"last": table.c.last + 1})
            .returning(table.c.last)
        )
        return int(s.execute(stmt).scalar_one())
    # Other databases: lock the row, then bump it.  # pragma: no cover
    row = s.execute(
        select(table.c.id, table.c.last).where(table.c.village_id == village_id, table.c.year == year).with_for_update()
    ).first()
    if row is None:
        s.execute(insert(table).values(village_id=village_id, year=year, last=1))
        return 1
    s.execute(update(table).where(table.c.id == row.id).values(last=row.last + 1))
    return row.last + 1


def _resync_counter(village: Village, year: int) -> None:
    """After a clash (numbers issued outside the counter, a village code reused): move the
    counter past the highest number already taken with this prefix."""
    prefix = f"{village.code}{year:04d}-"
    numbers = (
        session()
        .execute(
            select(Case.case_number)
            .where(Case.case_number.like(prefix + "%"))
            .execution_options(skip_village_scope=True)
        )
        .scalars()
    )
    highest = max((p[2] for p in map(flow.parse_case_number, numbers) if p), default=0)
    table = CaseCounter.__table__
    done = (
        session()
        .execute(update(table).where(table.c.village_id == village.id, table.c.year == year).values(last=highest))
        .rowcount
    )
    if not done:
        session().execute(insert(table).values(village_id=village.id, year=year, last=highest))


# --------------------------------------------------------------------------------------
# Validation shared by create and update
# --------------------------------------------------------------------------------------
def _item(item_id: int | None, *, must_be_active: bool) -> ServiceItem | None:
    if item_id is None:
        return None
    item = session().get(ServiceItem, item_id)
    if item is None:
        raise _fail("service_item_id", _l("所选代办事项不存在"))
    if must_be_active and not item.active:
        raise _fail("service_item_id", _l("该代办事项已停用，请选择其他事项"))
    return item


def _intake_item(item: ServiceItem | None) -> flow.IntakeItem | None:
    if item is None:
        return None
    return flow.IntakeItem(
        applicant_fields=list(item.applicant_fields or []),
        materials=list(item.materials or []),
        fee=item.fee,
        pays_on_behalf=bool(item.pays_on_behalf),
    )


def _check_intake(
    v: dict,
    item: ServiceItem | None,
    now: dt.datetime,
    changed: set | None = None,
    *,
    agent: Agent | None = None,
    user=None,
) -> list:
    """The intake rules (:func:`flow.check_intake`) on the merged record, with what they are
    checked against loaded here: the calendar, the backdating limit and who may go further
    back, the agent's hire date, the approved quarters."""
    ctx = flow.IntakeContext(
        now=now,
        calendar=work_calendar(),
        max_backdate_workdays=_max_backdate(),
        township=_may_backdate(user),
        hired_on=agent.hired_on if agent is not None else None,
        closed_quarters=_closed_quarters(
            v["received_at"], v.get("village_id") or (agent.village_id if agent is not None else None)
        ),
        changed=frozenset(changed) if changed is not None else None,
    )
    return flow.check_intake(v, _intake_item(item), ctx)


def _deadlines(kind: str, received_at: dt.datetime, urgent: bool, item: ServiceItem | None):
    submit_days, default_days = _settings()
    return flow.case_deadlines(
        kind,
        received_at,
        urgent,
        item.promised_days if item else None,
        work_calendar(),
        submit_days,
        default_days,
        mode=item.mode if item else None,
    )


def _extension_dates(case: Case) -> list[dt.date]:
    if case.id is None:
        return []
    return list(session().execute(select(CaseExtension.new_due).where(CaseExtension.case_id == case.id)).scalars())


def _record(case: Case, from_status: str | None, to_status: str, at: dt.datetime, note: str | None, user) -> None:
    session().add(
        CaseTransition(
            case=case,
            village_id=case.village_id,
            from_status=from_status,
            to_status=to_status,
            at=at,
            user_id=getattr(user, "id", None),
            user_name=actor_name(default=_l("系统")),
            note=note,
        )
    )


# --------------------------------------------------------------------------------------
# Register (受理登记)
# --------------------------------------------------------------------------------------
def create_case(data) -> Case:
    """受理登记 — 一事一记. The number, village and agent are set here, not taken from input."""
    user = current_user_or_none()
    now = clock.now_local()
    values, village, agent, item = _validate_new_case(data, user, now)
    return _insert_case(values, village, agent, item, user, now)


def _validate_new_case(data, user, now: dt.datetime) -> tuple[dict, Village, Agent, ServiceItem | None]:
    """The input of a new case, converted and checked: every problem in one answer."""
    if not hasattr(data, "get"):
        raise ValidationFailed(_l("请求内容应为字段和值"))
    values, errors = _parse_all(data, CREATE_SPEC)
    village = agent = item = None
    try:
        village, agent = _owner(values, user)
    except ValidationFailed as exc:
        _merge(errors, exc.errors)
    try:
        item = _item(values.get("service_item_id"), must_be_active=True)
    except ValidationFailed as exc:
        _merge(errors, exc.errors)
    values["received_at"] = values.get("received_at") or now.replace(second=0, microsecond=0)
    values["channel"] = values.get("channel") or "visit"
    values["materials_received"] = values.get("materials_received") or []
    values["fee"] = values.get("fee") or Decimal("0.00")
    if "kind" in values and "service_item_id" not in errors:
        findings = _check_intake(values, item, now, agent=agent, user=user)
        if findings:
            _merge(errors, ValidationFailed.of(*findings).errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return values, village, agent, item


def _insert_case(values: dict, village: Village, agent: Agent, item: ServiceItem | None, user, now) -> Case:
    """Number and store the checked case; a clash of numbers resyncs the counter and retries once."""
    kind = values["kind"]
    status = flow.initial_status(kind)
    submit_by, complete_by = _deadlines(kind, values["received_at"], values["urgent"], item)
    holds_materials = kind == flow.PROXY and bool(values["materials_received"] or values.get("materials_note"))
    year = values["received_at"].year
    fields = {k: v for k, v in values.items() if k not in OWNER_SPEC}

    s = session()
    for attempt in range(2):
        case = Case(
            case_number=flow.format_case_number(village.code, year, _next_serial(village.id, year)),
            village_id=village.id,
            agent_id=agent.id,
            category_id=item.category_id if item else None,
            status=status,
            submit_by=submit_by,
            complete_by=complete_by,
            due_on=flow.current_due(kind, status, submit_by, complete_by),
            custody_state="held" if holds_materials else None,
            created_by_id=getattr(user, "id", None),
            registered_at=now.replace(microsecond=0),
            **fields,
        )
        s.add(case)
        _record(case, None, status, values["received_at"], None, user)
        note_case_added(village.id, values["received_at"], now)  # a locked monthly report → 数据有变动
        try:
            s.commit()
            return case
        except IntegrityError as exc:
            s.rollback()
            if attempt or "case_number" not in str(exc.orig):
                raise Conflict(_l("受理编号分配冲突，请重新提交")) from None
            _resync_counter(village, year)
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------------------
# Edit
# --------------------------------------------------------------------------------------
def update_case(case: Case, data) -> Case:
    """Correct or complete a case's ledger line; steps of the lifecycle go through
    :func:`transition_case`."""
    check_version(case, data.get("version"))
    if case.status == "voided":
        raise Conflict(_l("已作废的事项不能修改"))
    if data.get("satisfaction") not in (None, ""):
        raise _fail("satisfaction", RATED_BY_APPLICANT)
    user = current_user_or_none()
    township = _is_township(user)
    changed = _edit_changes(case, data, township)
    _raise_findings(flow.check_edit(case.kind, case.status, changed, case.received_at, LABELS, township=township))
    item = _validate_edit(case, changed, user)
    _apply_edit(case, changed, item)
    session().commit()
    return case


def _edit_changes(case: Case, data, township: bool) -> dict:
    """The fields the edit really changes (field → new value)."""
    changes = parse(data, UPDATE_SPEC, partial=True)
    if "fee" in changes and changes["fee"] is None:
        changes["fee"] = Decimal("0.00")
    if "materials_received" in changes and changes["materials_received"] is None:
        changes["materials_received"] = []
    if not township:
        changes.pop("agent_id", None)  # an agent's cases stay theirs
    return {k: v for k, v in changes.items() if _differs(getattr(case, k), v)}


def _validate_edit(case: Case, changed: dict, user) -> ServiceItem | None:
    """The intake and evaluation rules on the case as it would be after the edit; returns its item."""
    merged = {**{key: getattr(case, key) for key in UPDATE_SPEC}, **changed}
    merged["materials_received"] = merged.get("materials_received") or []
    merged["fee"] = merged.get("fee") or Decimal("0.00")
    item = _item(merged.get("service_item_id"), must_be_active="service_item_id" in changed)
    _raise_findings(_check_intake(merged, item, clock.now_local(), set(changed), agent=case.agent, user=user))
    if "agent_id" in changed:
        agent = session().get(Agent, changed["agent_id"]) if changed["agent_id"] else None
        if agent is None or agent.village_id != case.village_id:
            raise _fail("agent_id", _l("所选代办员不是该村的代办员"))
    return item


def _apply_edit(case: Case, changed: dict, item: ServiceItem | None) -> None:
    for key, value in changed.items():
        setattr(case, key, value)
    if "service_item_id" in changed:
        case.category_id = item.category_id if item else None
    if any(k in changed for k in flow.INTAKE_LOCKED):
        case.submit_by, case.complete_by = _deadlines(case.kind, case.received_at, case.urgent, item)
        case.due_on = flow.current_due(case.kind, case.status, case.submit_by, case.complete_by, _extension_dates(case))


def _differs(old, new) -> bool:
    if isinstance(old, list) or isinstance(new, list):
        return list(old or []) != list(new or [])
    if old in (None, "") and new in (None, ""):
        return False
    return old != new


# --------------------------------------------------------------------------------------
# Move (办理环节)
# --------------------------------------------------------------------------------------
def transitions_for(case: Case) -> tuple[str, ...]:
    """The moves the current user may make on ``case`` (the buttons of the case page)."""
    mode, verify_first = _item_mode(case)
    return flow.allowed_targets(case.kind, case.status, _is_township(current_user_or_none()), mode, verify_first)


def _item_mode(case: Case) -> tuple[str | None, bool]:
    """The item's 立即办/承诺办/报送办 and whether 协办（核实）must come before 报送."""
    item = case.service_item
    if item is None:
        return None, False
    return item.mode, intake.verification_first(item.mode, bool(item.needs_verification))


def case_same_day(case: Case) -> bool:
    """当日受理 (第五条（一）2): entered on the working day the request belongs to."""
    return intake.registered_same_day(case.received_at, case.registered_at or case.received_at, work_calendar())


def same_day_map(cases: Iterable[Case]) -> dict[int, bool]:
    cal = work_calendar()
    return {c.id: intake.registered_same_day(c.received_at, c.registered_at or c.received_at, cal) for c in cases}


def transition_case(case: Case, data) -> Case:
    """One step of 第五条（二）: 核实, 报送, 办结, 答复, 转介, 不予受理/退回, 作废."""
    check_version(case, data.get("version"), required=False)
    v = parse(data, TRANSITION_SPEC)
    user = current_user_or_none()
    now = clock.now_local()
    at = v.get("at") or now.replace(second=0, microsecond=0)
    to, from_status = v["to"], case.status
    facts = _step_facts(case, v, at, now, user)
    labels = _step_labels(facts)
    _raise_findings(flow.check_transition(facts, labels) + _closing_findings(case, v, now))

    note = _StepNote(labels)
    _STEPS[to](case, v, at, note)
    note.say("note", v.get("note"))
    _close_or_follow(case, from_status, to, at, v)
    case.status = to
    step_at = flow.closing_time(to, at, v) if to in flow.CLOSED_STATUSES else at
    _record(case, from_status, to, step_at, note.text(), user)
    session().commit()
    case_closed(case, to)  # 办结通知 to the applicant (outbox; never fails the saved step)
    return case


def _step_facts(case: Case, v: dict, at: dt.datetime, now: dt.datetime, user) -> flow.StepFacts:
    mode, verify_first = _item_mode(case)
    return flow.StepFacts(
        kind=case.kind,
        from_status=case.status,
        to_status=v["to"],
        values=v,
        received_at=case.received_at,
        at=at,
        now=now,
        submitted_at=case.submitted_at,
        may_void_closed=_is_township(user),
        mode=mode,
        verify_first=verify_first,
    )


def _step_labels(facts: flow.StepFacts) -> dict:
    if facts.mode == "immediate" and facts.from_status == "accepted":
        return {**LABELS, "window_result": _l("办理结果")}  # 立即办: no window is involved
    return LABELS


def _closing_findings(case: Case, v: dict, now: dt.datetime) -> list:
    """办结: the fee against the item's state-set cost and its receipt (第三条5), and a 代缴
    item's money and voucher (第四条9) — the step's input, else what the case already has."""
    if v["to"] != "completed":
        return []
    fee = v["fee"] if v.get("fee") is not None else case.fee
    receipt = v.get("receipt_number") or case.receipt_number
    statutory = case.service_item.fee if case.service_item else Decimal("0.00")
    payment = {k: v[k] if v.get(k) is not None else getattr(case, k) for k in PAYMENT_SPEC}
    pays = bool(case.service_item and case.service_item.pays_on_behalf)
    return [
        *flow.check_fee(fee, statutory, receipt),
        *intake.check_payment(
            pays,
            payment["payment_received"],
            payment["payment_paid"],
            payment["payment_voucher"],
            payment["payment_paid_on"],
            received_on=case.received_at.date(),
            today=now.date(),
        ),
        *intake.check_payment_closing(pays, payment["payment_paid"], payment["payment_voucher"]),
    ]


class _StepNote:
    """The timeline note of a step: “label：value” of what it recorded, joined by “；”."""

    def __init__(self, labels) -> None:
        self.labels = labels
        self.parts: list[str] = []

    def say(self, name: str, value) -> None:
        if value not in (None, ""):
            self.parts.append(f"{self.labels[name]}：{value}")

    def text(self) -> str | None:
        return "；".join(self.parts) or None


def _step_verifying(case: Case, v: dict, at: dt.datetime, note: _StepNote) -> None:
    case.verified_by, case.verified_at = v["verified_by"], at
    note.say("verified_by", v["verified_by"])


def _step_submitted(case: Case, v: dict, at: dt.datetime, note: _StepNote) -> None:
    if case.status == "verifying":
        case.verify_result = v["verify_result"]
        note.say("verify_result", VERIFY_RESULTS[v["verify_result"]])
    case.submitted_window, case.submitted_at = v["submitted_window"], at
    if case.custody_state == "held":
        case.custody_state = "submitted"
    note.say("submitted_window", v["submitted_window"])


def _step_completed(case: Case, v: dict, at: dt.datetime, note: _StepNote) -> None:
    case.window_result, case.reply_at = v["window_result"], v["reply_at"]
    if v.get("reply_method"):
        case.reply_method = v["reply_method"]
    if v.get("fee") is not None:
        case.fee = v["fee"]
    if v.get("receipt_number"):
        case.receipt_number = v["receipt_number"]
    for key in PAYMENT_SPEC:
        if v.get(key) is not None:
            setattr(case, key, v[key])
    if case.payment_paid is not None and case.payment_paid_on is None:
        case.payment_paid_on = v["reply_at"].date() if v.get("reply_at") else at.date()
    if case.custody_state == "held":
        # done at the village point: the originals go back to the applicant. Materials
        # handed to the window stay 已报送窗口 until their return is recorded.
        case.custody_state = "returned"
    note.say("window_result", v["window_result"])
    note.say("payment_paid", f"{case.payment_paid:.2f}" if case.payment_paid is not None else None)
    note.say("payment_voucher", case.payment_voucher)
    note.say("reply_method", REPLY_METHODS[v["reply_method"]] if v.get("reply_method") else None)


def _step_answered(case: Case, v: dict, at: dt.datetime, note: _StepNote) -> None:
    case.answer_text, case.reply_at = v["answer_text"], at
    if v.get("reply_method"):
        case.reply_method = v["reply_method"]
    note.say("answer_text", v["answer_text"])


def _step_referred(case: Case, v: dict, at: dt.datetime, note: _StepNote) -> None:
    case.referred_to, case.reply_at = v["referred_to"], at
    note.say("referred_to", v["referred_to"])


def _step_ended(case: Case, v: dict, at: dt.datetime, note: _StepNote) -> None:
    """不予受理 / 作废: the reason told; the applicant's materials go back."""
    case.reason = v["reason"]
    if v["to"] == "rejected" and case.status == "verifying" and v.get("verify_result"):
        case.verify_result = v["verify_result"]
    if case.custody_state in ("held", "submitted"):
        case.custody_state = "returned"
    note.say("reason", v["reason"])


#: What each step writes on the case (the checks are :func:`flow.check_transition`'s).
_STEPS = {
    "verifying": _step_verifying,
    "submitted": _step_submitted,
    "completed": _step_completed,
    "answered": _step_answered,
    "referred": _step_referred,
    "rejected": _step_ended,
    "voided": _step_ended,
}


def _close_or_follow(case: Case, from_status: str, to: str, at: dt.datetime, v: dict) -> None:
    """A closing move fixes when the case closed and whether late; an open one moves the
    deadline the case is measured against."""
    if to in flow.CLOSED_STATUSES:
        if from_status in flow.OPEN_STATUSES:
            # The case closes under the deadline it was measured against while open.
            case.closed_at = flow.closing_time(to, at, v)
        case.closed_late = flow.closed_late(to, case.closed_at, case.due_on)
    else:
        case.due_on = flow.current_due(case.kind, to, case.submit_by, case.complete_by, _extension_dates(case))


def extend_case(case: Case, data, today: dt.date | None = None) -> CaseExtension:
    """延期: a new complete-by date and the reason told to the applicant; earlier dates are kept."""
    check_version(case, data.get("version"), required=False)
    if not case.is_open:
        raise Conflict(_l("事项已办结或作废，不能延期"))
    v = parse(data, EXTENSION_SPEC)
    today = today or clock.today()
    previous = _extension_dates(case)
    current = effective_deadline(case.complete_by, previous) if case.complete_by else None
    _raise_findings(flow.check_extension(v.get("new_due"), current, today, v.get("reason")))
    ext = CaseExtension(
        case=case,
        village_id=case.village_id,
        previous_due=current,
        new_due=v["new_due"],
        reason=v["reason"],
        at=clock.now_local().replace(second=0, microsecond=0),
        user_name=actor_name(default=_l("系统")),
    )
    session().add(ext)
    case.due_on = flow.current_due(case.kind, case.status, case.submit_by, case.complete_by, [*previous, v["new_due"]])
    session().commit()
    return ext


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------
def open_literal_clause():
    """``Case.open_clause()`` with the statuses written as literals — the WHERE of the partial
    indexes ``ix_case_open_due`` / ``ix_case_open_village_due`` (``models.case.OPEN_CASES_SQL``):
    SQLite uses a partial index only when the query repeats its terms with the same literals."""
    return Case.status.in_([literal_column(f"'{s}'") for s in flow.OPEN_STATUSES])


def todo_cases(today: dt.date, limit: int = 20) -> list[Case]:
    """The current user's open cases (scoping is automatic): overdue first, then due soon,
    then by due date — ordering by the deadline in force gives exactly that; those without a
    deadline last.

    Two statements, whatever the number of cases: the ids — the cases with a deadline read in
    index order from ``ix_case_open_due`` (``ix_case_open_village_due`` for a village user) up
    to ``limit``, then those without one, as one ``UNION ALL`` (an index walk that stops at
    ``limit`` on both engines, where ``ORDER BY due_on NULLS LAST`` would sort every open case
    on SQLite) — then those cases with their village and agent."""
    order = (Case.received_at.asc(), Case.id.asc())
    dated = (
        select(Case.id, Case.due_on, Case.received_at)
        .where(open_literal_clause(), Case.due_on.is_not(None))
        .order_by(Case.due_on.asc(), *order)
        .limit(limit)
    )
    undated = (
        select(Case.id, Case.due_on, Case.received_at)
        .where(open_literal_clause(), Case.due_on.is_(None))
        .order_by(*order)
        .limit(limit)
    )
    both = union_all(dated.subquery().select(), undated.subquery().select()).subquery()
    ids = list(
        session()
        .execute(
            select(both.c.id)
            .order_by(both.c.due_on.is_(None), both.c.due_on, both.c.received_at, both.c.id)
            .limit(limit)
        )
        .scalars()
    )
    if not ids:
        return []
    found = {c.id: c for c in session().execute(select(Case).where(Case.id.in_(ids))).unique().scalars()}
    return [found[i] for i in ids if i in found]


def soon_limit(today: dt.date) -> dt.date:
    return flow.soon_limit(today, work_calendar())


def deadline_state(case: Case, today: dt.date, soon: dt.date) -> str:
    return flow.deadline_state(case.status, case.due_on, case.closed_late, today, soon)


def case_calendar_warning(case: Case) -> str | None:
    """The SPEC §5 warning when one of the case's deadlines lies in an unconfigured year."""
    return calendar_warning([case.submit_by, case.complete_by, case.due_on], work_calendar())


def timeline(case: Case) -> list[dict]:
    """Status changes and extensions, oldest first (每个状态变化都留痕)."""
    rows = [
        {
            "at": t.at,
            "seq": (0, t.id),
            "kind": "transition",
            "from": t.from_status,
            "to": t.to_status,
            "who": t.user_name,
            "note": t.note,
        }
        for t in case.transitions
    ]
    rows += [
        {
            "at": e.at,
            "seq": (1, e.id),
            "kind": "extension",
            "previous_due": e.previous_due,
            "new_due": e.new_due,
            "who": e.user_name,
            "note": e.reason,
        }
        for e in case.extensions
    ]
    return sorted(rows, key=lambda r: (r["at"], r["seq"]))


def open_cases_warning(today: dt.date) -> str | None:
    """The SPEC §5 warning for the user's open cases whose deadline falls in a year the
    calendar does not know (this year or the next); ``None`` when there are none."""
    cal = work_calendar()
    for year in (today.year, today.year + 1):
        if cal.is_configured_year(year):
            continue
        hit = (
            session()
            .execute(
                select(Case.id)
                .where(Case.open_clause(), Case.due_on >= dt.date(year, 1, 1), Case.due_on <= dt.date(year, 12, 31))
                .limit(1)
            )
            .first()
        )
        if hit:
            return calendar_warning([dt.date(year, 1, 1)], cal)
    return None


def open_counts(today: dt.date) -> dict[str, int]:
    """How many of the user's cases are open, overdue, due soon, closed late (list toolbar)."""
    soon = soon_limit(today)
    row = (
        session()
        .execute(
            select(
                func.count(Case.id),
                func.count(Case.id).filter(Case.due_on < today),
                func.count(Case.id).filter(and_(Case.due_on >= today, Case.due_on <= soon)),
            ).where(open_literal_clause())  # open cases only: read from the partial index ix_case_open_due
        )
        .one()
    )
    return {"open": row[0] or 0, "overdue": row[1] or 0, "soon": row[2] or 0}


# --------------------------------------------------------------------------------------
# After the calendar changes
# --------------------------------------------------------------------------------------
def recompute_deadlines(changed_days: Iterable[dt.date]) -> int:
    """Open cases whose deadlines were counted across a day whose working status changed get
    them counted again (closed cases keep what they closed under). Returns how many changed."""
    days = sorted(set(changed_days))
    if not days:
        return 0
    first, last = days[0], days[-1]
    s = session()
    stmt = select(Case).where(
        Case.open_clause(),
        Case.received_at < dt.datetime.combine(last, dt.time()),
        or_(Case.submit_by >= first, Case.complete_by >= first),
    )
    changed = 0
    for case in s.execute(stmt).scalars():
        submit_by, complete_by = _deadlines(case.kind, case.received_at, case.urgent, case.service_item)
        if (submit_by, complete_by) == (case.submit_by, case.complete_by):
            continue
        case.submit_by, case.complete_by = submit_by, complete_by
        case.due_on = flow.current_due(case.kind, case.status, submit_by, complete_by, _extension_dates(case))
        changed += 1
    s.commit()
    return changed


__all__ = [
    "LABELS",
    "case_calendar_warning",
    "case_same_day",
    "create_case",
    "deadline_state",
    "extend_case",
    "open_cases_warning",
    "open_counts",
    "recompute_deadlines",
    "same_day_map",
    "soon_limit",
    "timeline",
    "todo_cases",
    "transition_case",
    "transitions_for",
    "update_case",
]
