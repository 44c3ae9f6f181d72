"""Subsidy money — 政策第二条（四）1 "每村每年5000元", 第二条（四）3 "按季度发放", SPEC §9.

All amounts are :class:`~decimal.Decimal` with two places, rounded ROUND_HALF_UP; floats
are never used for arithmetic (a float handed in from a settings file is converted through
its decimal text, ``0.1`` → ``Decimal("0.1")``).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
#: 第二条（四）1 "每村每年5000元".
ANNUAL_SUBSIDY = Decimal(5000)

Number = Decimal | int | str | float


def to_decimal(x: Number) -> Decimal:
    """``x`` as a Decimal (floats through their shortest decimal text)."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool):
        raise TypeError("a bool is not an amount")
    if isinstance(x, float):
        return Decimal(repr(x))
    return Decimal(x)


def q2(x: Number) -> Decimal:
    """Quantize to 0.01 with ROUND_HALF_UP (``2.345`` → ``2.35``, ``-2.345`` → ``-2.35``)."""
    return to_decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


def quarter_share(annual: Number = ANNUAL_SUBSIDY) -> Decimal:
    """A quarter's subsidy: ``annual / 4`` (5000 → 1250.00)."""
    return q2(to_decimal(annual) / 4)


def monthly_shares(annual: Number = ANNUAL_SUBSIDY) -> tuple[Decimal, Decimal, Decimal]:
    """The quarter split over its three months so that they add up to it exactly.

    The first two months get ``quarter / 3`` rounded half-up, the last month the rest:
    5000 → 1250.00 → (416.67, 416.67, 416.66).
    """
    quarter = quarter_share(annual)
    month = q2(quarter / 3)
    last = quarter - month - month
    shares = (month, month, last)
    assert sum(shares) == quarter
    return shares


def prorate(share: Number, days_served: int, days_in_month: int) -> Decimal:
    """A month's share for an agent who served ``days_served`` of its ``days_in_month`` days.

    A full month gets the share unchanged; ``days_served`` is clamped to 0..days_in_month.
    """
    if days_in_month <= 0:
        raise ValueError("days_in_month must be positive")
    served = max(0, min(days_served, days_in_month))
    share = q2(share)
    if served == days_in_month:
        return share
    return q2(share * served / days_in_month)


def days_served(
    month_start: date,
    month_end: date,
    hired_on: date | None,
    dismissed_on: date | None,
) -> int:
    """Calendar days in post within ``month_start``..``month_end`` (both inclusive).

    The hire day and the dismissal day both count. ``None`` means no bound on that side
    (no hire date on record / not dismissed).
    """
    start = max(month_start, hired_on) if hired_on else month_start
    end = min(month_end, dismissed_on) if dismissed_on else month_end
    return max(0, (end - start).days + 1)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("仟", "佰", "拾", "")
_WAN = 10**4
_YI = 10**8
#: Largest integer part :func:`rmb_upper` writes (9999万亿 and change).
RMB_UPPER_LIMIT = 10**16


def _upper_below_10000(n: int) -> str:
    """1–9999: 壹仟零伍, 壹拾 (banks always write 壹拾, never a bare 拾)."""
    out = []
    zero_pending = False
    for digit_char, unit in zip(f"{n:04d}", _SMALL_UNITS, strict=True):
        digit = int(digit_char)
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_DIGITS[digit] + unit)
    return "".join(out)


def _upper_integer(n: int) -> str:
    """A positive integer in capital numerals with 万 and 亿, one 零 per run of zeros."""
    if n >= _YI:
        high, low = divmod(n, _YI)
        text = _upper_integer(high) + "亿"
        if low:
            text += ("零" if low < _YI // 10 else "") + _upper_integer(low)
        return text
    if n >= _WAN:
        high, low = divmod(n, _WAN)
        text = _upper_below_10000(high) + "万"
        if low:
            text += ("零" if low < 1000 else "") + _upper_below_10000(low)
        return text
    return _upper_below_10000(n)


def rmb_upper(amount: Number) -> str:
    """人民币大写金额 by the bank rules for 票据和结算凭证:

    - ``元`` after the integer part; ``整`` after 元 when there are no 角/分
      (1250.00 → 壹仟贰佰伍拾元整), none after 角 (1005.30 → 壹仟零伍元叁角);
    - zeros inside the number: one ``零`` per run (6007.14 → 陆仟零柒元壹角肆分);
      zeros right after 万/亿 are written as 零 only when the next digit is not 仟, as the
      number is read (100700 → 壹拾万零柒佰元整, 107000.53 → 壹拾万柒仟元伍角叁分);
    - a zero 元 position before a non-zero 角 gets no 零 (1680.32 → 壹仟陆佰捌拾元叁角贰分) —
      the rules allow either form;
    - 角 zero and 分 not: ``零`` after 元 (100000.05 → 壹拾万元零伍分);
    - 壹拾 never bare 拾 (10 → 壹拾元整); 0 → 零元整; below one yuan no 元 (0.50 → 伍角);
    - a negative amount gets ``负`` in front.

    The amount is rounded to 0.01 first (ROUND_HALF_UP).
    """
    value = q2(amount)
    negative = value < 0
    value = abs(value)
    cents = int(value * 100)
    integer, fraction = divmod(cents, 100)
    if integer >= RMB_UPPER_LIMIT:
        raise ValueError("amount too large for 人民币大写")
    jiao, fen = divmod(fraction, 10)
    if integer == 0 and fraction == 0:
        return "零元整"
    parts = []
    if integer:
        parts.append(_upper_integer(integer) + "元")
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    elif fen and integer:
        parts.append("零")
    if fen:
        parts.append(_DIGITS[fen] + "分")
    elif not jiao:
        parts.append("整")
    return ("负" if negative else "") + "".join(parts)


def money_text(value: Number | None) -> str:
    """An amount as a page shows it: ``1250`` → ``"1,250.00"``; ``None`` (or ``""``) → ``""``.

    Display only (the value stays a Decimal); rounded to 0.01 like :func:`q2` first.
    """
    if value is None or value == "":
        return ""
    return f"{q2(value):,.2f}"
