"""Intake rules of a case (受理登记) — 政策第五条（一）2 当日受理制, 第二条（三）4 立即办、承诺办、
报送办, 第五条（二）3 协办, 第三条5 无偿原则 and 第四条9 代缴, SPEC §5.

Pure functions: the services pass in the calendar, ``now``/``today`` and what they know of the
user, the agent and the quarter, and get back findings.

当日受理 (第五条（一）2 "代办员必须当日受理"): a case is entered (``registered_at``, the server's
clock) on the working day the villager asked (``received_at``). A request made on a rest day
belongs to the next working day; a case entered on a later working day than that is
"未当日登记" (:func:`registered_same_day`).

Backdating: ``received_at`` lies in the past, at most ``max_workdays`` working days back
(``MAX_BACKDATE_WORKDAYS``, default 3: counted like the deadlines, the day received not
counted). Further back only a township user may register it, with the reason kept on the case;
never before the agent's hire date and never into a quarter whose payout sheet is approved
(its figures and money are final). See :func:`check_received_at`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from .eligibility import Finding
from .periods import quarter_of_day
from .workdays import WorkCalendar

IMMEDIATE = "immediate"
PROMISED = "promised"
FORWARD = "forward"
#: 第二条（三）4 "采取立即办、承诺办、报送办等多种措施"
MODES = (IMMEDIATE, PROMISED, FORWARD)

#: Applicant fields an item may require (the name is always required).
APPLICANT_FIELDS = ("id_number", "phone")

#: The 代缴 money of a case (第四条9): received from the applicant, paid to the payee, the payee's
#: voucher and the day paid — recorded apart from ``fee``.
PAYMENT_FIELDS = ("payment_received", "payment_paid", "payment_voucher", "payment_paid_on")

#: 代缴 amounts are a villager's bills and contributions, not sums a village point handles in bulk.
MAX_PAYMENT = Decimal("100000.00")

DEFAULT_MAX_BACKDATE_WORKDAYS = 3
#: A time may lie a few minutes ahead of the server clock (phones drift), not more.
CLOCK_TOLERANCE = timedelta(minutes=5)


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------------------
# 当日受理
# --------------------------------------------------------------------------------------
def intake_workday(received: date | datetime, cal: WorkCalendar) -> date:
    """The working day a request belongs to: its own day, or — asked on a rest day (坐班时间以外
    也要随时受理) — the next working day."""
    day = _day(received)
    return day if cal.is_workday(day) else cal.add_workdays(day, 1)


def registered_same_day(received: date | datetime, registered: date | datetime, cal: WorkCalendar) -> bool:
    """当日受理: entered no later than the working day the request belongs to (a rest day between
    does not count: asked on Friday and entered on Saturday is still the same working day)."""
    return cal.workdays_between(intake_workday(received, cal), _day(registered)) == 0


def backdate_workdays(received: date | datetime, today: date, cal: WorkCalendar) -> int:
    """How many working days ``received`` lies back from ``today`` (the day received not counted,
    today counted): received Monday, today Thursday → 3."""
    day = _day(received)
    if day >= today:
        return 0
    return cal.workdays_between(day, today)


def check_received_at(
    received_at: datetime,
    now: datetime,
    cal: WorkCalendar,
    *,
    max_workdays: int = DEFAULT_MAX_BACKDATE_WORKDAYS,
    township: bool = False,
    reason: str | None = None,
    hired_on: date | None = None,
    closed_quarters: Sequence[tuple[int, int]] = (),
) -> list[Finding]:
    """Every reason ``received_at`` cannot be registered (empty: it can).

    - never in the future (a few minutes of clock drift aside);
    - never before the agent's hire date (聘任日期): nobody was there to receive it;
    - never in a quarter whose payout sheet is approved (``closed_quarters``);
    - at most ``max_workdays`` working days back; further back only for township staff
      (``township``) and with the reason (``reason``) kept on the case.
    """
    if received_at > now + CLOCK_TOLERANCE:
        return [Finding("received_at", "in_future", _l("受理时间不能晚于当前时间"))]
    day = received_at.date()
    if hired_on is not None and day < hired_on:
        return [
            Finding(
                "received_at",
                "before_hire",
                _l("受理时间不能早于代办员的聘任日期（%(d)s）", d=hired_on.isoformat()),
            )
        ]
    year, quarter = quarter_of_day(day)
    if (year, quarter) in set(closed_quarters):
        return [
            Finding(
                "received_at",
                "quarter_closed",
                _l("%(y)s年第%(q)s季度的补助发放表已审核，不能再补登该季度受理的事项", y=year, q=quarter),
            )
        ]
    back = backdate_workdays(day, now.date(), cal)
    if back <= max_workdays:
        return []
    if not township:
        return [
            Finding(
                "received_at",
                "backdate_too_far",
                _l(
                    "受理时间早于%(n)s个工作日前（当日受理制，第五条（一）2）；确需补登的，请由乡便民中心登记并写明原因",
                    n=max_workdays,
                ),
            )
        ]
    if _blank(reason):
        return [
            Finding(
                "backdate_reason",
                "reason_missing",
                _l("受理时间早于%(n)s个工作日前，请填写补登原因", n=max_workdays),
            )
        ]
    return []


# --------------------------------------------------------------------------------------
# What an item needs at intake
# --------------------------------------------------------------------------------------
def check_applicant_fields(kind: str, required: Sequence[str], values: Mapping[str, object]) -> list[Finding]:
    """A 代办 records the applicant fields its item declares (e.g. 1003 便民工具借用: name and
    phone only, "登记即可"); a 咨询 needs none."""
    if kind != "proxy":
        return []
    findings = []
    if "id_number" in required and _blank(values.get("applicant_id_number")):
        findings.append(Finding("applicant_id_number", "id_missing", _l("该代办事项须登记申请人身份证号")))
    if "phone" in required and _blank(values.get("applicant_phone")):
        findings.append(Finding("applicant_phone", "phone_missing", _l("该代办事项须登记申请人联系电话")))
    return findings


def verification_first(mode: str, needs_verification: bool) -> bool:
    """第五条（二）3 "对已受理的报送事项，先由村干部负责进行调查核实": a 报送办 item marked as
    needing village verification goes 已受理 → 核实中 → 已报送, never straight to 报送."""
    return mode == FORWARD and needs_verification


# --------------------------------------------------------------------------------------
# 代缴 money (第四条9, 第三条5)
# --------------------------------------------------------------------------------------
def _money_finding(field: str, value: Decimal | None) -> Finding | None:
    if value is None:
        return None
    if value < 0:
        return Finding(field, "negative", _l("金额不能为负数"))
    if value != value.quantize(Decimal("0.01")):
        return Finding(field, "precision", _l("金额最多保留两位小数"))
    if value > MAX_PAYMENT:
        return Finding(field, "too_large", _l("代缴金额不能超过%(max)s元", max=f"{MAX_PAYMENT:.2f}"))
    return None


def check_payment(
    pays_on_behalf: bool,
    received: Decimal | None,
    paid: Decimal | None,
    voucher: str | None,
    paid_on: date | None,
    *,
    received_on: date | None = None,
    today: date | None = None,
) -> list[Finding]:
    """The money an agent takes from a villager to pay a bill on their behalf (电费、水费、通讯费、
    城乡居民医保/养老保险费): never a fee (第三条5) — it is recorded apart from ``fee``.
    Amounts are non-negative, two decimals, at most :data:`MAX_PAYMENT`; what was paid cannot
    exceed what was received. Only a 代缴 item takes them."""
    given = [v for v in (received, paid, paid_on) if v is not None] + ([] if _blank(voucher) else [voucher])
    if not pays_on_behalf:
        if given:
            return [Finding("payment_received", "not_payment_item", _l("该事项不是代缴事项，不能登记代缴款"))]
        return []
    findings = [f for f in (_money_finding("payment_received", received), _money_finding("payment_paid", paid)) if f]
    if findings:
        return findings
    if paid is not None and received is None:
        findings.append(Finding("payment_received", "received_missing", _l("请填写收到的代缴款金额")))
    if paid is not None and received is not None and paid > received:
        findings.append(
            Finding(
                "payment_paid",
                "paid_above_received",
                _l("代缴金额（%(p)s元）不能超过收到的代缴款（%(r)s元）", p=f"{paid:.2f}", r=f"{received:.2f}"),
            )
        )
    if paid_on is not None:
        if received_on is not None and paid_on < received_on:
            findings.append(Finding("payment_paid_on", "before_received", _l("缴款日期不能早于受理日期")))
        if today is not None and paid_on > today:
            findings.append(Finding("payment_paid_on", "in_future", _l("缴款日期不能晚于今天")))
    return findings


def check_payment_closing(pays_on_behalf: bool, paid: Decimal | None, voucher: str | None) -> list[Finding]:
    """A 代缴 case is 办结 only with the amount paid and the payee's receipt/voucher number
    (第五条（二）5 出具合法票据; the villager keeps proof the money reached the payee)."""
    if not pays_on_behalf:
        return []
    findings = []
    if paid is None:
        findings.append(Finding("payment_paid", "paid_missing", _l("代缴事项办结前须填写代缴金额")))
    if _blank(voucher):
        findings.append(
            Finding("payment_voucher", "voucher_missing", _l("代缴事项办结前须填写收款单位出具的缴费凭证号"))
        )
    return findings


__all__ = [
    "APPLICANT_FIELDS",
    "FORWARD",
    "IMMEDIATE",
    "MAX_PAYMENT",
    "MODES",
    "PAYMENT_FIELDS",
    "PROMISED",
    "backdate_workdays",
    "check_applicant_fields",
    "check_payment",
    "check_payment_closing",
    "check_received_at",
    "intake_workday",
    "registered_same_day",
    "verification_first",
]
