"""Resident ID numbers (居民身份证号码), GB 11643-1999.

SPEC §3: an agent's ID number is validated by its check digit, and the agent's birth date,
age (for the 50-year rule of 政策第二条（一）2) and gender are derived from it.
SPEC §12: ID numbers are shown masked (``430123********1234``) below township staff.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from .errors import PolicyViolation

#: ISO 7064 MOD 11-2 weights for the first 17 digits (GB 11643-1999 §7).
WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: Check character for ``sum(weights * digits) % 11``.
CHECK_MAP = "10X98765432"
#: Earliest birth year accepted.
MIN_BIRTH_YEAR = 1900

FIELD = "id_number"


@dataclass(frozen=True)
class IdInfo:
    """What an ID number tells: the normalised number, birth date, gender and region code."""

    number: str
    birth_date: date
    gender: str  # "男" (17th digit odd) / "女" (even)
    region: str  # 行政区划代码, the first 6 digits


def id_check_digit(first17: str) -> str:
    """The 18th character (``0``–``9`` or ``X``) for the first 17 digits (ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("first17 must be exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_MAP[total % 11]


def normalize_id_number(value: str | None) -> str:
    """Remove spaces (also full-width ones), turn full-width digits into ASCII, upper-case ``x``."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(text.split()).upper()


def parse_id_number(value: str | None, today: date | None = None) -> IdInfo:
    """Validate an 18-digit ID number and return what it encodes.

    Checks, in order, each with its own Chinese message (``field="id_number"``):
    length 18 (``id_length``), first 17 are digits (``id_digits``), the birth date is a real
    date from 1900 on and not after ``today`` (``id_birth_date``), and the check digit
    (``id_check_digit``).
    """
    number = normalize_id_number(value)
    if len(number) != 18:
        raise PolicyViolation(_l("身份证号应为18位"), field=FIELD, code="id_length")
    first17 = number[:17]
    if not (first17.isascii() and first17.isdigit()):
        raise PolicyViolation(_l("身份证号前17位应为数字"), field=FIELD, code="id_digits")
    birth = _birth_date(first17[6:14], today or date.today())
    if birth is None:
        raise PolicyViolation(_l("身份证号中的出生日期无效"), field=FIELD, code="id_birth_date")
    if number[17] != id_check_digit(first17):
        raise PolicyViolation(
            _l("身份证号校验位不正确，请核对后重新输入"),
            field=FIELD,
            code="id_check_digit",
        )
    gender = "男" if int(number[16]) % 2 == 1 else "女"
    return IdInfo(number=number, birth_date=birth, gender=gender, region=number[:6])


def _birth_date(yyyymmdd: str, today: date) -> date | None:
    try:
        birth = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    if birth.year < MIN_BIRTH_YEAR or birth > today:
        return None
    return birth


def age_on(birth: date, on: date) -> int:
    """Age in full years (周岁) on ``on``; one year more exactly on the birthday.

    Someone born on 29 February becomes a year older on 1 March in common years.
    """
    before_birthday = (on.month, on.day) < (birth.month, birth.day)
    return on.year - birth.year - (1 if before_birthday else 0)


def mask_id_number(value: str | None) -> str:
    """``430123********1234``: the first 6 and last 4 characters with 8 stars between.

    ``None``/empty gives ``""``; a value too short to keep 10 characters is all stars.
    """
    number = normalize_id_number(value)
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return f"{number[:6]}********{number[-4:]}"
