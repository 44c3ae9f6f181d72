"""Coercion of raw input (form, JSON, CLI) into typed values, with Chinese messages.

Services declare what they accept; everything else is ignored. A form hands typed values
(dates, Decimals, model objects), JSON hands strings and numbers — both come out the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from .errors import ValidationFailed

_MISSING = object()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def to_str(value, max_len: int | None = None):
    if _blank(value):
        return None
    if not isinstance(value, (str, int)):
        raise ValueError(_l("应为文本"))
    value = str(value).strip()
    if max_len and len(value) > max_len:
        raise ValueError(_l("不能超过%(n)s个字", n=max_len))
    return value


def to_int(value):
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(_l("应为整数"))
    if hasattr(value, "id") and not isinstance(value, (int, str)):
        return value.id  # a model object from a related form field
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(_l("应为整数")) from None


def to_bool(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int,)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "y", "yes", "on", "是"):
        return True
    if text in ("false", "0", "n", "no", "off", "否", ""):
        return False
    raise ValueError(_l("应为是或否"))


def to_flag(value) -> bool:
    """A checkbox: absent or blank means no."""
    return bool(to_bool(value))


def to_date(value):
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(_l("日期格式应为 YYYY-MM-DD，且为真实日期")) from None


def to_datetime(value):
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone().replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    text = str(value).strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(_l("时间格式应为 YYYY-MM-DD HH:MM，且为真实时间")) from None
    if parsed.tzinfo is not None:
        # Stored as local time of the township (Asia/Shanghai).
        parsed = parsed.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    return parsed


def to_money(value):
    if _blank(value):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(_l("应为金额，如 20.00")) from None
    if not amount.is_finite():
        raise ValueError(_l("应为金额，如 20.00"))
    if amount < 0:
        raise ValueError(_l("金额不能为负数"))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_l("金额最多保留两位小数"))
    if amount >= Decimal("10000000"):
        raise ValueError(_l("金额过大"))
    return amount.quantize(Decimal("0.01"))


def to_str_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            if not isinstance(v, (str, int)):
                raise ValueError(_l("应为文本列表"))
            if str(v).strip():
                out.append(str(v).strip())
        return out
    raise ValueError(_l("应为文本列表"))


def one_of(mapping: Mapping) -> Callable[[Any], Any]:
    def convert(value):
        if _blank(value):
            return None
        if value not in mapping:
            choices = "、".join(str(v) for v in mapping.values())
            raise ValueError(_l("无效的选项，可选：%(c)s", c=choices))
        return value

    return convert


@dataclass(frozen=True)
class Field:
    convert: Callable[[Any], Any]
    label: Any
    required: bool = False


def parse(data: Mapping, spec: Mapping[str, Field], *, partial: bool = False) -> dict:
    """Coerce ``data`` by ``spec``; raise ValidationFailed with every field's message.

    With ``partial`` (updates), keys absent from ``data`` are left out of the result.
    Unknown keys are ignored.
    """
    out: dict = {}
    errors: dict[str, list] = {}
    for name, field in spec.items():
        raw = data.get(name, _MISSING) if hasattr(data, "get") else _MISSING
        if raw is _MISSING:
            if partial:
                continue
            raw = None
        try:
            value = field.convert(raw)
        except ValueError as exc:
            errors.setdefault(name, []).append(f"{field.label}：{exc}")
            continue
        if field.required and (value is None or value == []):
            errors.setdefault(name, []).append(_l("%(f)s为必填项", f=field.label))
            continue
        out[name] = value
    if errors:
        raise ValidationFailed(errors=errors)
    return out
