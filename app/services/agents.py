"""Use cases of 便民代办员: eligibility, appointment, dismissal, photo (SPEC §3).

Eligibility is checked on every save, the age rule against the age on the appointment day
(``policy.eligibility.age_reference_date``). 村级 agents carry the village chain of 第二条（二）1,
乡级 agents the date of the 党委（扩大）会议 decision of 第二条（二）2 — each level's other dates are
not kept.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Agent, Village
from ..models.enums import (
    AGENT_LEVEL_POLICY_TERM,
    AGENT_LEVELS,
    AGENT_STATUS_POLICY_TERM,
    AGENT_STATUSES,
    APPOINTMENT_KINDS,
    EDUCATION,
    EDUCATION_POLICY_TERM,
    GENDERS,
)
from ..policy import PolicyViolation
from ..policy.eligibility import (
    AgentFacts,
    age_reference_date,
    check_appointment_chain,
    check_dismissal,
    check_eligibility,
    check_township_appointment,
)
from ..policy.idcard import parse_id_number
from ..policy.phone import normalize_mobile
from . import clock, photos
from .common import check_version, session
from .errors import ValidationFailed
from .fields import Field, one_of, parse, to_date, to_flag, to_int, to_str
from .townships import township_for_new

SPEC = {
    "name": Field(lambda v: to_str(v, 30), _l("姓名"), required=True),
    "gender": Field(one_of(GENDERS), _l("性别")),
    "id_number": Field(lambda v: to_str(v, 30), _l("身份证号"), required=True),
    "phone": Field(lambda v: to_str(v, 20), _l("手机号码"), required=True),
    "education": Field(one_of(EDUCATION), _l("文化程度"), required=True),
    "level": Field(one_of(AGENT_LEVELS), _l("代办员级别"), required=True),
    "village_id": Field(to_int, _l("所在村")),
    "window_unit": Field(lambda v: to_str(v, 60), _l("乡级窗口单位")),
    "appointment_kind": Field(one_of(APPOINTMENT_KINDS), _l("产生方式"), required=True),
    "long_term_resident": Field(to_flag, _l("本村长期居住")),
    "is_grid_worker": Field(to_flag, _l("是否全科网格员")),
    "age_override_reason": Field(lambda v: to_str(v, 500), _l("破格聘任理由")),
    "nominated_on": Field(to_date, _l("两委会议提名日期")),
    "approved_on": Field(to_date, _l("党员、村民代表会议通过日期")),
    "filed_on": Field(to_date, _l("乡政府审核备案日期")),
    "committee_decided_on": Field(to_date, _l("党委（扩大）会议研究决定日期")),
    "hired_on": Field(to_date, _l("聘任日期")),
    "status": Field(one_of(AGENT_STATUSES), _l("状态"), required=True),
    "dismissed_on": Field(to_date, _l("解聘日期")),
    "dismissal_reason": Field(lambda v: to_str(v, 500), _l("解聘原因")),
    "user_id": Field(to_int, _l("登录账号")),
    # the hiring township of a 乡级代办员; a village agent's is their village's (issue 15 §1)
    "township_id": Field(to_int, _l("所属乡镇")),
}
DEFAULTS = {"level": "village", "appointment_kind": "hired", "status": "candidate"}


def _hiring_township(values: dict, errors: dict) -> None:
    """A 乡级代办员 (no village) belongs to the township that hires them: the one chosen (Admin),
    else the acting township user's own, else the only one (``township_for_new``)."""
    try:
        values["township_id"] = township_for_new(values.get("township_id")).id
    except ValidationFailed as exc:
        for key, messages in exc.errors.items():
            errors.setdefault(key, []).extend(str(m) for m in messages)


def _findings_to_errors(findings, errors: dict) -> None:
    for f in findings:
        errors.setdefault(f.field, []).append(str(f.message))


def validate_agent(values: dict, current: Agent | None, today: dt.date | None = None) -> dict:
    """All of SPEC §3 on the merged record; returns the values to store (derived included)."""
    today = today or clock.today()
    errors: dict[str, list] = {}
    try:
        info = parse_id_number(values["id_number"], today)
        values["id_number"] = info.number
        values["birth_date"] = info.birth_date
        derived_gender = "M" if info.gender == "男" else "F"
        if values.get("gender") and values["gender"] != derived_gender:
            errors.setdefault("gender", []).append(
                str(_l("性别与身份证号不一致（身份证号显示为%(g)s）", g=info.gender))
            )
        values["gender"] = derived_gender
    except PolicyViolation as exc:
        errors.setdefault("id_number", []).append(str(exc.message))
        info = None
    try:
        values["phone"] = normalize_mobile(values["phone"])
    except PolicyViolation as exc:
        errors.setdefault("phone", []).append(str(exc.message))

    if values["level"] == "village":
        village = session().get(Village, values["village_id"]) if values.get("village_id") else None
        if not values.get("village_id"):
            errors.setdefault("village_id", []).append(str(_l("村级代办员必须选择所在村")))
        elif village is None:
            errors.setdefault("village_id", []).append(str(_l("所选村不存在")))
        elif values.get("township_id") not in (None, village.township_id):
            errors.setdefault("township_id", []).append(
                str(_l("所在村“%(v)s”属于%(t)s，与所选乡镇不一致", v=village.name, t=village.township.name))
            )
        values["township_id"] = village.township_id if village is not None else None
        values["window_unit"] = None
        values["committee_decided_on"] = None  # 乡级 only (第二条（二）2)
    else:
        if not values.get("window_unit"):
            errors.setdefault("window_unit", []).append(str(_l("乡级代办员必须填写所在窗口单位")))
        values["village_id"] = None
        _hiring_township(values, errors)
        # 第二条（二）2: decided by the 党委（扩大）会议 — the village chain is not theirs.
        values["nominated_on"] = values["approved_on"] = values["filed_on"] = None

    facts = AgentFacts(
        level=AGENT_LEVEL_POLICY_TERM[values["level"]],
        long_term_resident=bool(values.get("long_term_resident")),
        education=EDUCATION_POLICY_TERM[values["education"]],
        is_grid_worker=bool(values.get("is_grid_worker")),
        birth_date=info.birth_date if info else None,
        on=age_reference_date(values.get("hired_on"), values.get("approved_on"), today),
        age_override_reason=values.get("age_override_reason"),
    )
    _findings_to_errors(check_eligibility(facts), errors)
    status_term = AGENT_STATUS_POLICY_TERM[values["status"]]
    if values["level"] == "village":
        chain = check_appointment_chain(
            status_term,
            values.get("nominated_on"),
            values.get("approved_on"),
            values.get("filed_on"),
            values.get("hired_on"),
        )
    else:
        chain = check_township_appointment(status_term, values.get("committee_decided_on"), values.get("hired_on"))
    _findings_to_errors(chain, errors)
    _findings_to_errors(
        check_dismissal(
            status_term, values.get("dismissed_on"), values.get("dismissal_reason"), values.get("hired_on")
        ),
        errors,
    )
    if values["status"] != "dismissed":
        values["dismissed_on"] = None
        values["dismissal_reason"] = None

    # §二(三)1 每村确定一名便民服务代办员: at most one 在岗 村级 agent per village.
    if values["status"] == "active" and values["level"] == "village" and values.get("village_id"):
        stmt = select(Agent.name).where(
            Agent.village_id == values["village_id"],
            Agent.level == "village",
            Agent.status == "active",
        )
        if current is not None:
            stmt = stmt.where(Agent.id != current.id)
        other = session().execute(stmt).scalar()
        if other:
            errors.setdefault("status", []).append(
                str(_l("每村只能有一名在岗村级代办员，本村在岗代办员为%(name)s；请先办理其解聘", name=other))
            )
    if errors:
        raise ValidationFailed(errors=errors)
    return values


def _split_photo(data):
    """(the data without ``photo``, the uploaded file or ``None``); the form passes the file
    object, the API never sends one (a JSON ``photo`` is ignored)."""
    upload = data.get("photo") if hasattr(data, "get") else None
    if hasattr(data, "items"):
        data = {k: v for k, v in data.items() if k != "photo"}
    return data, (upload if photos.is_upload(upload) else None)


def _save(agent: Agent, upload) -> Agent:
    """Store the photo (checked and re-encoded) with the record, in one go: a bad file is a
    message on the ``photo`` field and nothing is saved; a failed commit leaves no file."""
    name = photos.store_photo(upload) if upload is not None else None
    if name is not None:
        agent.photo = name
    try:
        session().commit()
    except Exception:
        session().rollback()
        photos.discard_photo(name)
        raise
    return agent


def create_agent(data, today: dt.date | None = None) -> Agent:
    data, upload = _split_photo(data)
    values = {**DEFAULTS, **{k: v for k, v in parse(data, SPEC).items() if v is not None}}
    values = validate_agent(values, None, today)
    agent = Agent(**values)
    session().add(agent)
    return _save(agent, upload)


def update_agent(agent: Agent, data, today: dt.date | None = None) -> Agent:
    data, upload = _split_photo(data)
    check_version(agent, data.get("version"))
    changes = parse(data, SPEC, partial=True)
    merged = {key: getattr(agent, key) for key in SPEC}
    merged.update(changes)
    if "township_id" not in changes and merged.get("level") == "village":
        merged["township_id"] = None  # not chosen: a village agent's follows the village
    for key in ("name", "id_number", "phone", "education", "level", "appointment_kind", "status"):
        if merged.get(key) in (None, ""):
            raise ValidationFailed(errors={key: [_l("%(f)s为必填项", f=SPEC[key].label)]})
    values = validate_agent(merged, agent, today)
    for key, value in values.items():
        if getattr(agent, key) != value:
            setattr(agent, key, value)
    return _save(agent, upload)


def visible_photo(name: str) -> str | None:
    """The file of ``name`` when it is the photo of an agent the current user may see (the
    session's village scoping applies), else ``None`` (→ 404)."""
    path = photos.photo_path(name)
    if path is None:
        return None
    owner = session().execute(select(Agent.id).where(Agent.photo == name)).first()
    return path if owner is not None else None


def dismiss_agent(agent: Agent, dismissed_on, reason, today: dt.date | None = None) -> Agent:
    """The dismissal decision (three strikes, 年度考核不合格, or otherwise), recorded on the agent."""
    return update_agent(
        agent,
        {"status": "dismissed", "dismissed_on": dismissed_on, "dismissal_reason": reason, "version": agent.version},
        today,
    )
