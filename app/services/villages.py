"""Use cases of 行政村 (SPEC §2)."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..models import SIX_ONES, Agent, Notification, PayoutLine, PayoutSheet, Township, Village
from ..policy.payout import quarter_bounds
from ..policy.phone import normalize_service_phone
from ..security import current_scope
from .common import check_version, session
from .errors import ValidationFailed
from .fields import Field, parse, policy_field, to_date, to_flag, to_int, to_money, to_str
from .townships import township_for_new


def _code(value):
    value = to_str(value, 8)
    if value is None:
        return None
    value = value.upper()
    if not re.fullmatch(r"[A-Z]{2,6}", value):
        raise ValueError(_l("村代码应为2至6位英文字母，如 QS（用于受理编号）"))
    return value


_phone = policy_field(normalize_service_phone, 20)


SPEC = {
    "name": Field(lambda v: to_str(v, 50), _l("村名"), required=True),
    "code": Field(_code, _l("村代码"), required=True),
    "address": Field(lambda v: to_str(v, 200), _l("代办点地址")),
    "service_phone": Field(_phone, _l("服务电话")),
    "secretary_name": Field(lambda v: to_str(v, 30), _l("村党支部书记")),
    "active": Field(to_flag, _l("启用")),
    "supplement_per_year": Field(to_money, _l("村级补助（元/年）")),
    "township_id": Field(to_int, _l("所属乡镇")),
}
for _attr, _label in SIX_ONES:
    SPEC[_attr] = Field(to_flag, _label)
    SPEC[f"{_attr}_checked_on"] = Field(to_date, _l("%(item)s检查日期", item=_label))


def _check_unique(values: dict, current_id: int | None, township_id: int) -> None:
    """村名 unique within the township (two townships may each have a “新村”), 村代码 in the
    whole county (the prefix of every case number)."""
    errors = {}
    for key, label in (("name", _l("村名")), ("code", _l("村代码"))):
        if key not in values:
            continue
        stmt = select(Village.id).where(func.upper(getattr(Village, key)) == values[key].upper())
        if key == "name":
            stmt = stmt.where(Village.township_id == township_id)
        if current_id:
            stmt = stmt.where(Village.id != current_id)
        if session().execute(stmt.execution_options(skip_village_scope=True)).first():
            errors[key] = [_l("%(label)s“%(v)s”已存在", label=label, v=values[key])]
    if errors:
        raise ValidationFailed(errors=errors)


def create_village(data) -> Village:
    values = parse(data, SPEC)
    values = {k: v for k, v in values.items() if v is not None}
    values["township_id"] = township_for_new(values.get("township_id")).id
    _check_unique(values, None, values["township_id"])
    village = Village(**values)
    session().add(village)
    session().commit()
    return village


def update_village(village: Village, data) -> Village:
    check_version(village, data.get("version"))
    values = parse(data, SPEC, partial=True)
    for key in ("name", "code", "active", "township_id"):
        if key in values and values[key] is None:
            raise ValidationFailed(errors={key: [_l("%(f)s为必填项", f=SPEC[key].label)]})
    township_id = village.township_id
    if "township_id" in values and values["township_id"] != village.township_id:
        township_id = values["township_id"] = _move_to(village, values["township_id"]).id
    # a move checks the name it takes along, in the township it goes to
    names = values if township_id == village.township_id else {"name": village.name, **values}
    _check_unique(names, village.id, township_id)
    if values.get("supplement_per_year") is None:
        values.pop("supplement_per_year", None)
    moved = township_id != village.township_id
    for key, value in values.items():
        setattr(village, key, value)
    if moved:
        # the rows that carry the village's township along (township scoping reads them)
        for model in (Agent, Notification):
            session().execute(update(model).where(model.village_id == village.id).values(township_id=township_id))
    session().commit()
    return village


def _move_to(village: Village, township_id: int) -> Township:
    """The township a village moves to (issue 15 §1): only by the county (a township user's
    villages stay in their township), and only while no payout decided money for it there."""
    if current_scope() is not None:  # a township (or village) user
        raise ValidationFailed(errors={"township_id": [MOVE_BY_COUNTY_ONLY]})
    township = township_for_new(township_id)
    if has_payout_history(village):
        raise ValidationFailed(
            errors={
                "township_id": [
                    _l("“%(v)s”已列入补助发放表，不能再改所属乡镇：已核定的补助不能随村转走", v=village.name)
                ]
            }
        )
    return township


MOVE_BY_COUNTY_ONLY = _l("村的所属乡镇只能由县里调整，乡镇账号不能把村改到其他乡镇")


def has_payout_history(village: Village) -> bool:
    """A payout line of the village, or a payout sheet of its township for a quarter the
    village already existed in (computing it again would count the village)."""
    unscoped = {"skip_village_scope": True}
    line = select(PayoutLine.id).where(PayoutLine.village_id == village.id).limit(1)
    if session().execute(line.execution_options(**unscoped)).first():
        return True
    created = (village.created_at or dt.datetime.max).date()
    sheets = select(PayoutSheet.year, PayoutSheet.quarter).where(PayoutSheet.township_id == village.township_id)
    return any(
        quarter_bounds(year, quarter)[1] >= created
        for year, quarter in session().execute(sheets.execution_options(**unscoped))
    )
