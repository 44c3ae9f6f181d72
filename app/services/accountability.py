"""追责问责 use cases (第五条（一）3 “对超时未办结的按相关规定追究责任”, 第六条（四）).

:func:`candidates` is the township's and 乡纪检办's list of what may call for one: cases past
their deadline without an extension (延期, ``CaseExtension``) and complaints verified true —
none of them in a record yet. :func:`create_record` opens a record against an agent or a
village's Party secretary resting on such cases/complaints; :func:`decide` records the
decision (what, when, by whom). Nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from ..models import Accountability, Agent, BmUser, Case, CaseExtension, Complaint
from ..models.accountability import accountability_case, accountability_complaint
from ..models.enums import ACCOUNTABILITY_DECISIONS, ACCOUNTABILITY_KINDS, ACCOUNTABILITY_SUBJECTS
from ..policy.roles import ROLE_SECRETARY
from ..security import current_user_or_none
from .audit import actor_name
from .calendar import now_local, today
from .common import atomic, check_version, session
from .errors import NotFound, ValidationFailed
from .fields import Field, one_of, parse, to_date, to_int, to_str, to_str_list


def _fail(field: str, message) -> ValidationFailed:
    return ValidationFailed(errors={field: [message]})


# --- candidates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidates:
    cases: list[Case]  # 超时未办结 and no 延期
    complaints: list[Complaint]  # 群众反映 verified true


def _not_in_record_case():
    return ~exists().where(accountability_case.c.case_id == Case.id)


def _not_in_record_complaint():
    return ~exists().where(accountability_complaint.c.complaint_id == Complaint.id)


def candidates(today: dt.date, limit: int = 500) -> Candidates:
    """Cases overdue on ``today`` (open past the deadline, or closed after it — ``Case.overdue_clause``)
    with no extension, and complaints verified true, not yet in a 追责问责 record (the caller's
    scope; the oldest first)."""
    cases = (
        session()
        .execute(
            select(Case)
            .where(
                Case.overdue_clause(today),
                Case.status != "voided",
                ~exists().where(CaseExtension.case_id == Case.id),
                _not_in_record_case(),
            )
            .order_by(Case.due_on, Case.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    complaints = (
        session()
        .execute(
            select(Complaint)
            .where(Complaint.result == "true", Complaint.duplicate_of_id.is_(None), _not_in_record_complaint())
            .order_by(Complaint.received_on, Complaint.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return Candidates(list(cases), list(complaints))


# --- records ---------------------------------------------------------------------------------

CREATE_SPEC = {
    "subject": Field(one_of(ACCOUNTABILITY_SUBJECTS), _l("追责对象"), required=True),
    "agent_id": Field(to_int, _l("代办员")),
    "user_id": Field(to_int, _l("村党支部书记")),
    "kind": Field(one_of(ACCOUNTABILITY_KINDS), _l("问题类别"), required=True),
    "description": Field(lambda v: to_str(v, 4000), _l("问题描述"), required=True),
    "case_ids": Field(to_str_list, _l("涉及的登记")),
    "case_numbers": Field(to_str_list, _l("涉及的登记编号")),
    "complaint_ids": Field(to_str_list, _l("涉及的群众反映")),
}


def _ids(values: list[str] | None, field: str) -> list[int]:
    out = []
    for raw in values or []:
        text = str(raw).strip()
        if not text:
            continue
        if not text.isdigit():
            raise _fail(field, _l("编号应为数字：%(v)s", v=text))
        out.append(int(text))
    return sorted(set(out))


def _subject(values: dict) -> tuple[int, Agent | None, BmUser | None]:
    if values["subject"] == "agent":
        agent = session().get(Agent, values["agent_id"]) if values.get("agent_id") else None
        if agent is None:
            raise _fail(
                "agent_id", _l("请选择被追责的代办员") if not values.get("agent_id") else _l("所选代办员不存在")
            )
        if agent.village_id is None:
            raise _fail("agent_id", _l("%(name)s不是村级代办员", name=agent.name))
        return agent.village_id, agent, None
    user = session().get(BmUser, values["user_id"]) if values.get("user_id") else None
    if user is None:
        raise _fail("user_id", _l("请选择被追责的村党支部书记") if not values.get("user_id") else _l("所选账号不存在"))
    if user.village_id is None or not any(r.name == ROLE_SECRETARY for r in user.roles):
        raise _fail("user_id", _l("%(name)s不是村党支部书记的账号", name=user.first_name or user.username))
    return user.village_id, None, user


def create_record(data: Mapping, day: dt.date | None = None) -> Accountability:
    """Open a 追责问责 record (待决定) against an agent or a village's Party secretary, resting
    on cases and/or complaints of that village not yet in another record."""
    day = day or today()
    values = parse(data, CREATE_SPEC)
    case_ids = _ids(values.get("case_ids"), "case_ids")
    numbers = sorted(
        {
            n.strip().upper()
            for raw in values.get("case_numbers") or []
            for n in raw.replace("，", ",").split(",")
            if n.strip()
        }
    )
    complaint_ids = _ids(values.get("complaint_ids"), "complaint_ids")
    with atomic():
        village_id, agent, user = _subject(values)
        if numbers:
            found = dict(
                session().execute(select(Case.case_number, Case.id).where(Case.case_number.in_(numbers))).all()
            )
            missing = [n for n in numbers if n not in found]
            if missing:
                raise _fail("case_numbers", _l("没有这些登记编号：%(n)s", n="、".join(missing)))
            case_ids = sorted(set(case_ids) | set(found.values()))
        cases = list(session().execute(select(Case).where(Case.id.in_(case_ids))).scalars()) if case_ids else []
        if len(cases) != len(case_ids):
            raise _fail("case_ids", _l("所选登记不存在"))
        complaints = (
            list(session().execute(select(Complaint).where(Complaint.id.in_(complaint_ids))).scalars())
            if complaint_ids
            else []
        )
        if len(complaints) != len(complaint_ids):
            raise _fail("complaint_ids", _l("所选群众反映不存在"))
        if values["kind"] == "overdue" and not cases:
            raise _fail("case_ids", _l("超时未办结的追责问责须写明涉及的登记"))
        for c in cases:
            if c.village_id != village_id:
                raise _fail("case_ids", _l("登记%(n)s不是被追责对象所在村的", n=c.case_number))
        for c in complaints:
            if c.village_id != village_id:
                raise _fail("complaint_ids", _l("%(d)s的群众反映不是被追责对象所在村的", d=c.received_on.isoformat()))
        taken = (
            session()
            .execute(select(accountability_case.c.case_id).where(accountability_case.c.case_id.in_(case_ids or [0])))
            .first()
        )
        if taken:
            raise _fail("case_ids", _l("所选登记已有追责问责记录"))
        taken = (
            session()
            .execute(
                select(accountability_complaint.c.complaint_id).where(
                    accountability_complaint.c.complaint_id.in_(complaint_ids or [0])
                )
            )
            .first()
        )
        if taken:
            raise _fail("complaint_ids", _l("所选群众反映已有追责问责记录"))
        item = Accountability(
            village_id=village_id,
            subject=values["subject"],
            agent_id=agent.id if agent else None,
            user_id=user.id if user else None,
            kind=values["kind"],
            description=values["description"],
            status="open",
            created_by=actor_name(default=_l("系统")),
        )
        item.cases = cases
        item.complaints = complaints
        session().add(item)
        session().commit()
    return item


DECIDE_SPEC = {
    "decision": Field(one_of(ACCOUNTABILITY_DECISIONS), _l("处理决定"), required=True),
    "decided_on": Field(to_date, _l("决定日期"), required=True),
    "decision_note": Field(lambda v: to_str(v, 2000), _l("决定说明"), required=True),
}


def decide(item: Accountability, data: Mapping, day: dt.date | None = None) -> Accountability:
    """Record the decision (批评教育 … 解聘 / 不予追责), its date and who decided (已决定)."""
    day = day or today()
    check_version(item, data.get("version"))
    values = parse(data, DECIDE_SPEC)
    if values["decided_on"] > day:
        raise _fail("decided_on", _l("决定日期不能晚于今天"))
    if values["decision"] == "dismiss" and item.subject != "agent":
        raise _fail("decision", _l("解聘只适用于代办员"))
    with atomic():
        user = current_user_or_none()
        item.decision = values["decision"]
        item.decided_on = values["decided_on"]
        item.decision_note = values["decision_note"]
        item.decided_by = actor_name(default=_l("系统"))
        item.decided_by_id = user.id if user is not None else None
        item.decided_at = now_local()
        item.status = "decided"
        session().commit()
    return item


def get_record(pk) -> Accountability:
    item = session().get(Accountability, pk) if pk is not None else None
    if item is None:
        raise NotFound(_l("没有这条追责问责记录"))
    return item


def secretaries() -> list[BmUser]:
    """The village Party secretaries' accounts (the caller's scope), for the form."""
    users = session().execute(select(BmUser).where(BmUser.village_id.is_not(None)).order_by(BmUser.village_id))
    return [u for u in users.scalars() if any(r.name == ROLE_SECRETARY for r in u.roles)]


__all__ = [
    "CREATE_SPEC",
    "DECIDE_SPEC",
    "Candidates",
    "candidates",
    "create_record",
    "decide",
    "get_record",
    "secretaries",
]
