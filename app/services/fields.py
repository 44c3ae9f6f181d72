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


#: The range of an ``Integer`` column on every supported database (PostgreSQL ``integer``).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: Dates a township ledger can hold; outside, date arithmetic (deadlines) would overflow.
YEAR_MIN, YEAR_MAX = 1900, 2099
MONEY_MAX = Decimal("10000000")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _clean_text(value: str) -> str:
    """No NUL byte in any text: PostgreSQL refuses it and SQLite would store it silently."""
    if "\x00" in value:
        raise ValueError(_l("含有不允许的控制字符"))
    return value


def to_str(value, max_len: int | None = None):
    if _blank(value):
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(_l("应为文本"))
    value = _clean_text(str(value).strip())
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
    if not isinstance(value, (int, str)):
        raise ValueError(_l("应为整数"))
    text = str(value).strip()
    if len(text) > 12:
        raise ValueError(_l("数值超出范围"))
    try:
        number = int(text)
    except ValueError:
        raise ValueError(_l("应为整数")) from None
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError(_l("数值超出范围"))
    return number


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
        value = value.date()
    elif not isinstance(value, dt.date):
        if not isinstance(value, str):
            raise ValueError(_l("日期格式应为 YYYY-MM-DD，且为真实日期"))
        try:
            value = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise ValueError(_l("日期格式应为 YYYY-MM-DD，且为真实日期")) from None
    return _in_years(value)


def _in_years(value):
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ValueError(_l("日期应在%(a)s年至%(b)s年之间", a=YEAR_MIN, b=YEAR_MAX))
    return value


def to_datetime(value):
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return _in_years(
            value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone().replace(tzinfo=None)
        )
    if isinstance(value, dt.date):
        return _in_years(dt.datetime.combine(value, dt.time()))
    if not isinstance(value, str):
        raise ValueError(_l("时间格式应为 YYYY-MM-DD HH:MM，且为真实时间"))
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(_l("时间格式应为 YYYY-MM-DD HH:MM，且为真实时间")) from None
    _in_years(parsed)
    if parsed.tzinfo is not None:
        # Stored as local time of the township (Asia/Shanghai).
        parsed = parsed.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    return _in_years(parsed)


def to_money(value):
    if _blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError(_l("应为金额，如 20.00"))
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip()
    if len(text) > 40:
        raise ValueError(_l("应为金额，如 20.00"))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_l("应为金额，如 20.00")) from None
    if not amount.is_finite():
        raise ValueError(_l("应为金额，如 20.00"))
    if amount < 0:
        raise ValueError(_l("金额不能为负数"))
    # Compare before quantizing: 1.5e308 or 10**30 exceed the context's precision.
    if amount >= MONEY_MAX:
        raise ValueError(_l("金额过大"))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_l("金额最多保留两位小数"))
    return amount.quantize(Decimal("0.01"))


def to_str_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [line.strip() for line in _clean_text(value).splitlines() if line.strip()]
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            if not isinstance(v, (str, int)) or isinstance(v, bool):
                raise ValueError(_l("应为文本列表"))
            if str(v).strip():
                out.append(_clean_text(str(v).strip()))
        return out
    raise ValueError(_l("应为文本列表"))


def choices_text(mapping: Mapping) -> str:
    """The accepted codes with their labels: “visit（窗口来访）、phone（电话）、home（上门）”."""
    return "、".join(f"{code}（{name}）" for code, name in mapping.items())


def one_of(mapping: Mapping) -> Callable[[Any], Any]:
    """A stored code of ``mapping``; anything else (another code, a list, an object) is refused
    with the accepted codes, which is what an API client needs to know."""

    def convert(value):
        if _blank(value):
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value not in mapping:
            raise ValueError(_l("无效的选项，可选：%(c)s", c=choices_text(mapping)))
        return value

    kind = "integer" if all(isinstance(k, int) for k in mapping) else "string"
    convert.json_schema = {"type": kind, "enum": list(mapping), "x-choices": mapping}
    return convert


# What each converter accepts, as JSON Schema (the API's OpenAPI document is built from it).
to_int.json_schema = {"type": "integer", "minimum": INT_MIN, "maximum": INT_MAX}
to_bool.json_schema = {"type": "boolean"}
to_flag.json_schema = {"type": "boolean"}
to_date.json_schema = {"type": "string", "format": "date"}
to_datetime.json_schema = {"type": "string", "format": "date-time"}
to_money.json_schema = {"type": "string", "pattern": r"^\d{1,7}(\.\d{1,2})?$", "example": "20.00"}
to_str_list.json_schema = {"type": "array", "items": {"type": "string"}}


def policy_field(rule: Callable[[str], Any], max_len: int | None = None) -> Callable[[Any], Any]:
    """A field converter from a policy parser (``parse_month``, ``normalize_mobile`` …): blank →
    None, else ``rule(text)``. The rule's ``PolicyViolation`` is a ``ValueError``, so ``parse``
    files its message under the field — the one adapter from policy refusals to form errors."""

    def convert(value):
        text = to_str(value if isinstance(value, str) or value is None else str(value), max_len)
        return None if text is None else rule(text)

    return convert


def describe(convert) -> dict:
    """The JSON Schema of a converter, looking through a wrapper (a closure around a described
    converter, e.g. a check added on top of ``one_of``); ``{}`` when unknown."""
    for candidate in (convert, *(c.cell_contents for c in getattr(convert, "__closure__", None) or ())):
        schema = getattr(candidate, "json_schema", None)
        if isinstance(schema, dict):
            return dict(schema)
    # A small function calling one of ours (``lambda v: to_str(v, 30)``): that one's schema.
    for name in getattr(getattr(convert, "__code__", None), "co_names", ()):
        if name in _DESCRIBED:
            return dict(_DESCRIBED[name].json_schema)
    return {}


to_str.json_schema = {"type": "string"}
_DESCRIBED = {f.__name__: f for f in (to_str, to_int, to_bool, to_flag, to_date, to_datetime, to_money, to_str_list)}


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
        except (TypeError, ArithmeticError, RecursionError):
            # A value of a shape no converter expects (a list for a code, an object for a
            # number …): refused like any other bad value, never a server error.
            errors.setdefault(name, []).append(f"{field.label}：{_l('格式不正确')}")
            continue
        if field.required and (value is None or value == []):
            errors.setdefault(name, []).append(_l("%(f)s为必填项", f=field.label))
            continue
        out[name] = value
    if errors:
        raise ValidationFailed(errors=errors)
    return out
