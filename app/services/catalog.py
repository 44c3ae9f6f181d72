"""Use cases of the service catalog (代办事项目录, policy 第四条, 第三条2 公开原则, SPEC §4).

Township staff add items ("还可适当增加代理服务项目", 第四条 last line), correct them and
retire them (停用 — never deleted: cases refer to them). An item's promised working days
apply to cases received after the change; existing cases keep the deadlines they got.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..models import Case, ServiceCategory, ServiceItem, Township
from ..models.enums import APPLICANT_FIELDS, ITEM_MODES
from ..policy.deadlines import DEFAULT_WORKDAYS
from ..security import current_township_scope
from .common import session
from .errors import ValidationFailed
from .fields import Field, parse, to_flag, to_int, to_money, to_str, to_str_list

MAX_PROMISED_DAYS = 60


def _code(max_len: int):
    def convert(value):
        value = to_str(value, max_len)
        if value is None:
            return None
        value = value.upper()
        if not re.fullmatch(r"[0-9A-Z]+", value):
            raise ValueError(_l("编码只能由数字和英文字母组成"))
        return value

    return convert


def _days(value):
    value = to_int(value)
    if value is None:
        return None
    if not 0 <= value <= MAX_PROMISED_DAYS:
        raise ValueError(_l("应为0至%(n)s之间的工作日数（0表示即时办结）", n=MAX_PROMISED_DAYS))
    return value


def _materials(value):
    items = to_str_list(value)
    for m in items:
        if len(m) > 100:
            raise ValueError(_l("每项材料不能超过100个字"))
    if len(set(items)) != len(items):
        raise ValueError(_l("材料清单中有重复项"))
    return items


def _mode(value):
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value not in ITEM_MODES:
        raise ValueError(_l("无效的选项，可选：%(c)s", c="、".join(str(v) for v in ITEM_MODES.values())))
    return value


def _applicant_fields(value):
    items = to_str_list(value)
    unknown = [v for v in items if v not in APPLICANT_FIELDS]
    if unknown:
        raise ValueError(_l("无效的选项，可选：%(c)s", c="、".join(str(v) for v in APPLICANT_FIELDS.values())))
    return [f for f in APPLICANT_FIELDS if f in items]


ITEM_SPEC = {
    "code": Field(_code(8), _l("事项编码")),
    "category_id": Field(to_int, _l("事项类别"), required=True),
    "name": Field(lambda v: to_str(v, 80), _l("事项名称"), required=True),
    "window": Field(lambda v: to_str(v, 60), _l("办理窗口"), required=True),
    "legal_basis": Field(lambda v: to_str(v, 2000), _l("办事依据")),
    "materials": Field(_materials, _l("申报材料")),
    "procedure": Field(lambda v: to_str(v, 4000), _l("办理程序")),
    "promised_days": Field(_days, _l("承诺时限（工作日）")),
    "fee": Field(to_money, _l("收费标准（元）")),
    "active": Field(to_flag, _l("启用")),
    "mode": Field(_mode, _l("办理方式")),
    "needs_verification": Field(to_flag, _l("报送前须村干部核实")),
    "applicant_fields": Field(_applicant_fields, _l("须登记的申请人信息")),
    "pays_on_behalf": Field(to_flag, _l("代缴事项")),
    # issue 15 §1: blank = the county catalog; a township = that township's addition (Admin
    # chooses it; a township user's items are always their township's)
    "township_id": Field(to_int, _l("所属乡镇")),
}
#: Fields of an item that are its reference content (the seed's, unless the township edits them).
REFERENCE_FIELDS = tuple(k for k in ITEM_SPEC if k not in ("code", "active", "township_id"))
CATEGORY_SPEC = {
    "code": Field(_code(4), _l("类别编码")),
    "name": Field(lambda v: to_str(v, 40), _l("类别名称"), required=True),
    "description": Field(lambda v: to_str(v, 1000), _l("说明")),
}


def _unique(model, column: str, value, current_id: int | None, label, extra=None) -> list:
    if value is None:
        return []
    stmt = select(model.id).where(func.upper(getattr(model, column)) == str(value).upper())
    if extra is not None:
        stmt = stmt.where(extra)
    if current_id:
        stmt = stmt.where(model.id != current_id)
    # against every row, whoever asks: a township user does not see other townships' additions
    if session().execute(stmt.execution_options(skip_village_scope=True)).first():
        return [_l("%(label)s“%(v)s”已存在", label=label, v=value)]
    return []


def _category(category_id: int | None) -> ServiceCategory:
    category = session().get(ServiceCategory, category_id) if category_id else None
    if category is None:
        raise ValidationFailed(errors={"category_id": [_l("请选择事项类别")]})
    return category


def _next_item_code(category: ServiceCategory) -> str:
    """``<类别编码><两位序号>``, after the highest number used in the category."""
    stmt = select(ServiceItem.code).where(ServiceItem.code.like(category.code + "%"))
    # codes are unique county-wide: other townships' additions count too
    codes = session().execute(stmt.execution_options(skip_village_scope=True)).scalars()
    used = [int(c[len(category.code) :]) for c in codes if c[len(category.code) :].isdigit()]
    return f"{category.code}{max(used, default=0) + 1:02d}"


def _names_seen_with(township_id: int | None):
    """The items whose names an item of ``township_id`` may not repeat in its category: those
    shown beside it. A township's addition: the county catalog and that township's own
    additions (two townships may each add the same name). A county item: every item, since
    every township sees it beside its own additions."""
    if township_id is None:
        return None
    return ServiceItem.township_id.is_(None) | (ServiceItem.township_id == township_id)


def _check_item(values: dict, current: ServiceItem | None) -> None:
    errors: dict[str, list] = {}
    category_id = values.get("category_id")
    seen = _names_seen_with(values.get("township_id"))
    in_category = ServiceItem.category_id == category_id
    name_clash = _unique(
        ServiceItem,
        "name",
        values.get("name"),
        current.id if current else None,
        _l("本类别中的事项"),
        in_category if seen is None else in_category & seen,
    )
    if name_clash:
        errors["name"] = name_clash
    code_clash = _unique(ServiceItem, "code", values.get("code"), current.id if current else None, _l("事项编码"))
    if code_clash:
        errors["code"] = code_clash
    if errors:
        raise ValidationFailed(errors=errors)


def _item_township(township_id: int | None) -> int | None:
    """The township of a new item: a township user's own (always); for Admin the one chosen,
    or none (the county catalog)."""
    own = current_township_scope()
    if own is not None:
        if township_id not in (None, own):
            raise ValidationFailed(errors={"township_id": [_l("所属乡镇不存在")]})
        return own
    if township_id is not None and session().get(Township, township_id) is None:
        raise ValidationFailed(errors={"township_id": [_l("所属乡镇不存在")]})
    return township_id


def create_item(data) -> ServiceItem:
    values = parse(data, ITEM_SPEC)
    category = _category(values["category_id"])
    values["township_id"] = _item_township(values.get("township_id"))
    values["code"] = values.get("code") or _next_item_code(category)
    values["materials"] = values.get("materials") or []
    values["promised_days"] = DEFAULT_WORKDAYS if values.get("promised_days") is None else values["promised_days"]
    values["fee"] = values.get("fee") if values.get("fee") is not None else 0
    if "active" not in data:
        values["active"] = True
    values["mode"] = values.get("mode") or "promised"
    if values.get("applicant_fields") is None or "applicant_fields" not in data:
        values["applicant_fields"] = ["id_number"]
    values["owner"] = "township"  # added by the township (第四条 last line): the seed never touches it
    _check_item(values, None)
    item = ServiceItem(**values)  # a township user's item is that township's addition
    session().add(item)
    session().commit()
    return item


#: An update that blanks one of these fields means: this value instead (None: leave it as it is).
BLANK_MEANS = {
    "promised_days": DEFAULT_WORKDAYS,
    "fee": None,
    "materials": [],
    "mode": None,
    "applicant_fields": [],
    "code": None,
}


def _item_changes(data) -> dict:
    """The fields an update sets: required ones may not be blanked, a blanked optional one
    takes its ``BLANK_MEANS`` value (or is left alone)."""
    changes = parse(data, ITEM_SPEC, partial=True)
    for key in ("category_id", "name", "window"):
        if key in changes and changes[key] is None:
            raise ValidationFailed(errors={key: [_l("%(f)s为必填项", f=ITEM_SPEC[key].label)]})
    for key, instead in BLANK_MEANS.items():
        if key in changes and changes[key] is None:
            if instead is None:
                changes.pop(key)
            else:
                changes[key] = instead
    return changes


def update_item(item: ServiceItem, data) -> ServiceItem:
    changes = _item_changes(data)
    if changes.pop("township_id", item.township_id) != item.township_id:
        raise ValidationFailed(
            errors={"township_id": [_l("事项的所属乡镇不能修改：县目录事项和乡镇增补事项不能互相转换")]}
        )
    if "category_id" in changes:
        _category(changes["category_id"])
    merged = {
        "category_id": item.category_id,
        "name": item.name,
        "code": item.code,
        "township_id": item.township_id,
        **changes,
    }
    _check_item(merged, item)
    moved = "category_id" in changes and changes["category_id"] != item.category_id
    edited = False
    for key, value in changes.items():
        if _differs(getattr(item, key), value):
            setattr(item, key, value)
            edited = edited or key in REFERENCE_FIELDS
    if edited:
        # Edited by hand: from now on the township's; `flask seed` never overwrites it.
        item.owner = "township"
    if moved:
        # A case's category is its item's category (monthly figures count by it).
        session().execute(
            update(Case).where(Case.service_item_id == item.id).values(category_id=changes["category_id"])
        )
    session().commit()
    return item


def _differs(old, new) -> bool:
    if isinstance(old, list) or isinstance(new, list):
        return list(old or []) != list(new or [])
    if old in (None, "") and new in (None, ""):
        return False
    return old != new


def retire_item(item: ServiceItem) -> ServiceItem:
    """停用: no new cases for it; existing cases and the public history keep it."""
    return update_item(item, {"active": False})


def create_category(data) -> ServiceCategory:
    values = parse(data, CATEGORY_SPEC)
    if not values.get("code"):
        codes = session().execute(select(ServiceCategory.code)).scalars()
        numbers = [int(c) for c in codes if c.isdigit()]
        values["code"] = f"{max(numbers, default=0) + 1:02d}"
    errors = {}
    for key, label in (("code", _l("类别编码")), ("name", _l("类别名称"))):
        clash = _unique(ServiceCategory, key, values.get(key), None, label)
        if clash:
            errors[key] = clash
    if errors:
        raise ValidationFailed(errors=errors)
    category = ServiceCategory(**values)
    session().add(category)
    session().commit()
    return category


def update_category(category: ServiceCategory, data) -> ServiceCategory:
    changes = parse(data, CATEGORY_SPEC, partial=True)
    if "name" in changes and changes["name"] is None:
        raise ValidationFailed(errors={"name": [_l("%(f)s为必填项", f=CATEGORY_SPEC["name"].label)]})
    if changes.get("code") is None:
        changes.pop("code", None)
    errors = {}
    for key, label in (("code", _l("类别编码")), ("name", _l("类别名称"))):
        clash = _unique(ServiceCategory, key, changes.get(key), category.id, label)
        if clash:
            errors[key] = clash
    if errors:
        raise ValidationFailed(errors=errors)
    for key, value in changes.items():
        setattr(category, key, value)
    session().commit()
    return category
