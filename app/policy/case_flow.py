"""The life of a case (代办事项) — 政策第五条（二）代办程序, 第二条（三）3、4, 第三条5、6, SPEC §5.

第五条（二）: 1 咨询 (登记, 答复 or 告之相关单位) → 2 受理 (登记) → 3 协办 (村干部调查核实) →
4 报送 (三个工作日内, 急办件即时) → 5 回复 (领取结果, 及时回复, 出具合法收费票据).
第二条（三）4: "对确实不能办理的事项，要向群众说明原因" — 不予受理/退回 with the reason told.
第三条5 无偿原则 (no agency fee; only the state-set cost, against a receipt),
第三条6 自愿原则 (a proxy case needs the applicant's voluntary request).

Status codes are the REST API's (SPEC §14). Everything here is pure: the services pass in
what they know (the case's facts, the calendar, ``now``) and get back findings or dates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from . import intake
from .deadlines import DEFAULT_WORKDAYS, complete_deadline, effective_deadline, submit_deadline
from .eligibility import Finding
from .workdays import WorkCalendar

CONSULT = "consult"
PROXY = "proxy"
KINDS = (CONSULT, PROXY)

OPEN_STATUSES = ("registered", "accepted", "verifying", "submitted")
CLOSED_STATUSES = ("answered", "referred", "completed", "rejected", "voided")
#: Before 报送 a proxy case is measured against its submit-by date.
BEFORE_SUBMISSION = ("accepted", "verifying")

#: Where a new case starts: 咨询 is 已登记, 代办 is 已受理 (第五条（二）1、2).
INITIAL_STATUS = {CONSULT: "registered", PROXY: "accepted"}

#: The allowed moves, by kind and current status (作废 is handled by :func:`allowed_targets`).
FLOW: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    CONSULT: {"registered": ("answered", "referred")},
    PROXY: {
        "accepted": ("verifying", "submitted", "rejected"),
        "verifying": ("submitted", "rejected"),
        "submitted": ("completed", "rejected"),
    },
}

#: 第二条（三）4 立即办: done at the village point the same day — the reply is the result, no
#: window is involved, so such a case may go 已受理 → 已办结 directly (only these items).
IMMEDIATE_FLOW: Mapping[str, tuple[str, ...]] = {"accepted": ("completed",)}

#: What each step must record (field names of the case / of the transition input).
STEP_FIELDS: Mapping[str, tuple[str, ...]] = {
    "answered": ("answer_text",),  # 第五条（二）1 认真回答
    "referred": ("referred_to",),  # 告之其相关单位的联系电话
    "verifying": ("verified_by",),  # 第五条（二）3 由村干部负责调查核实
    "submitted": ("submitted_window",),  # 第五条（二）4 向乡便民服务中心各服务窗口上报
    "completed": ("window_result", "reply_at"),  # 第五条（二）5 及时向村民做出回复 (how: optional)
    "rejected": ("reason",),  # 第二条（三）4 向群众说明原因
    "voided": ("reason",),
}

#: What a step may also record (the form offers it, nothing requires it).
STEP_OPTIONAL_FIELDS: Mapping[str, tuple[str, ...]] = {
    "completed": ("reply_method", "fee", "receipt_number"),  # 第五条（二）5 合法收费票据
    "answered": ("reply_method",),
}
#: 代缴 (第四条9): the money paid on the applicant's behalf, recorded when the case is 办结.
PAYMENT_STEP_FIELDS = ("payment_received", "payment_paid", "payment_voucher")

#: Fields fixed once a case has left its first status (they decide its deadlines and number).
INTAKE_LOCKED = ("service_item_id", "urgent", "received_at")
#: What an agent may still add to a closed case (the rest of its ledger line is final).
CLOSED_EDITABLE = ("followup_note", "followup_at", "notes", "fee", "receipt_number", "custody_state")
#: What a ledger line always has (an edit cannot blank it).
EDIT_REQUIRED = ("kind", "applicant_name", "channel", "received_at")

#: A step may be dated a few minutes ahead of the server clock (phones drift), not more.
CLOCK_TOLERANCE = timedelta(minutes=5)

CASE_NUMBER_RE = re.compile(r"([A-Z]{2,6})(\d{4})-(\d{4,})")


# --------------------------------------------------------------------------------------
# Case numbers: <村代码><年份>-<序号>, e.g. QS2026-0042
# --------------------------------------------------------------------------------------
def format_case_number(village_code: str, year: int, seq: int) -> str:
    """``QS2026-0042``: the village code, the year received, a 4-digit (or longer) serial."""
    if seq < 1:
        raise ValueError("serial numbers start at 1")
    return f"{village_code.upper()}{year:04d}-{seq:04d}"


def parse_case_number(number: str) -> tuple[str, int, int] | None:
    """``"QS2026-0042"`` → ``("QS", 2026, 42)``; ``None`` when it is not a case number."""
    match = CASE_NUMBER_RE.fullmatch((number or "").strip().upper())
    if match is None:
        return None
    return match.group(1), int(match.group(2)), int(match.group(3))


# --------------------------------------------------------------------------------------
# Statuses and moves
# --------------------------------------------------------------------------------------
def initial_status(kind: str) -> str:
    return INITIAL_STATUS[kind]


def allowed_targets(
    kind: str, status: str, may_void_closed: bool = False, mode: str | None = None, verify_first: bool = False
) -> tuple[str, ...]:
    """The statuses a case of ``kind`` may move to from ``status``.

    ``mode`` is the item's handling mode (第二条（三）4): an 立即办 (``immediate``) case may
    also go 已受理 → 已办结 directly. ``verify_first`` (a 报送办 item the catalog marks as
    needing village verification, 第五条（二）3) removes 已受理 → 已报送: 协办（核实）comes first.

    Any open case may be 作废 (with a reason). A closed case may be 作废 only by someone
    allowed to correct the ledger after the fact (township staff: ``may_void_closed``), so
    an agent cannot make a late case disappear from the figures.
    """
    targets = list(FLOW.get(kind, {}).get(status, ()))
    if kind == PROXY and mode == "immediate":
        targets += [t for t in IMMEDIATE_FLOW.get(status, ()) if t not in targets]
    if kind == PROXY and verify_first and status == "accepted":
        targets = [t for t in targets if t != "submitted"]
    if status in OPEN_STATUSES or (may_void_closed and status != "voided"):
        targets.append("voided")
    return tuple(targets)


def required_fields(kind: str, from_status: str, to_status: str) -> tuple[str, ...]:
    """What the move must record. Leaving 核实中 for 报送 also needs the verification
    result (第五条（二）3 调查核实 — the result is part of the ledger)."""
    fields = list(STEP_FIELDS.get(to_status, ()))
    if from_status == "verifying" and to_status == "submitted":
        fields.append("verify_result")
    return tuple(fields)


def optional_fields(from_status: str, to_status: str, pays_on_behalf: bool = False) -> tuple[str, ...]:
    """What the move may also record: the reply's way and the receipt on 办结 or 答复, the 代缴
    money of a 代缴 item on 办结, and the verification result when 核实 ends in 不予受理."""
    fields = list(STEP_OPTIONAL_FIELDS.get(to_status, ()))
    if to_status == "completed" and pays_on_behalf:
        fields += PAYMENT_STEP_FIELDS
    if to_status == "rejected" and from_status == "verifying":
        fields.append("verify_result")
    return tuple(fields)


@dataclass(frozen=True)
class StepFacts:
    """What a move is checked against."""

    kind: str
    from_status: str
    to_status: str
    values: Mapping[str, object]  # the step's input (blank values count as missing)
    received_at: datetime
    at: datetime  # when the step happened (local time)
    now: datetime
    submitted_at: datetime | None = None
    may_void_closed: bool = False
    mode: str | None = None  # the item's 立即办 / 承诺办 / 报送办
    verify_first: bool = False  # 第五条（二）3 协办 before 报送


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_transition(f: StepFacts, labels: Mapping[str, object]) -> list[Finding]:
    """Every reason the move ``f.from_status → f.to_status`` may not happen (empty: allowed).

    ``labels`` gives the Chinese name of each field for the messages.
    """
    targets = allowed_targets(f.kind, f.from_status, f.may_void_closed, f.mode, f.verify_first)
    if f.to_status not in targets:
        if f.to_status == "voided" and f.from_status in CLOSED_STATUSES and f.from_status != "voided":
            message = _l("已办结（已答复、已转介、不予受理）的事项只能由乡便民中心作废")
        elif f.to_status == "submitted" and f.from_status == "accepted" and f.verify_first:
            message = _l("该事项须先由村干部调查核实（协办），核实后再报送（第五条（二）3）")
        elif f.to_status == "completed" and f.from_status == "accepted":
            message = _l("只有“立即办”事项可以受理后直接办结；其他事项须先报送窗口")
        else:
            message = _l("当前状态不能进行此操作")
        return [Finding("to", "transition_not_allowed", message)]
    findings: list[Finding] = []
    for name in required_fields(f.kind, f.from_status, f.to_status):
        if _blank(f.values.get(name)):
            findings.append(Finding(name, "step_field_missing", _l("%(f)s为必填项", f=labels.get(name, name))))
    findings += check_step_time(f.at, f.received_at, f.now, "at")
    if f.to_status == "completed":
        findings += check_reply_time(f.values.get("reply_at"), f.submitted_at or f.received_at, f.now)
    findings += check_verify_result(f.from_status, f.to_status, f.values.get("verify_result"))
    return findings


def check_reply_time(reply_at, earliest: datetime, now: datetime) -> list[Finding]:
    """第五条（二）5 回复: after the case reached the window (or was received), not in the future."""
    if not isinstance(reply_at, datetime):
        return []
    findings = []
    if reply_at < earliest:
        findings.append(
            Finding(
                "reply_at",
                "reply_before_submission",
                _l("回复时间不能早于报送时间（%(t)s）", t=f"{earliest:%Y-%m-%d %H:%M}"),
            )
        )
    if reply_at > now + CLOCK_TOLERANCE:
        findings.append(Finding("reply_at", "in_future", _l("回复时间不能晚于当前时间")))
    return findings


def check_verify_result(from_status: str, to_status: str, verify_result: object) -> list[Finding]:
    """第五条（二）3: a case the village cadre found 情况不属实 is not submitted to a window — it
    is 不予受理 with the reason told to the applicant."""
    if from_status == "verifying" and to_status == "submitted" and verify_result == "not_confirmed":
        return [
            Finding(
                "verify_result",
                "not_confirmed",
                _l("核实结果为“情况不属实”的，不能报送；请办理不予受理并向申请人说明原因"),
            )
        ]
    return []


def check_step_time(at: datetime, received_at: datetime, now: datetime, field: str) -> list[Finding]:
    """A step is dated between the acceptance and now."""
    if at < received_at:
        return [
            Finding(
                field, "before_received", _l("办理时间不能早于受理时间（%(t)s）", t=f"{received_at:%Y-%m-%d %H:%M}")
            )
        ]
    if at > now + CLOCK_TOLERANCE:
        return [Finding(field, "in_future", _l("办理时间不能晚于当前时间"))]
    return []


def closing_time(to_status: str, at: datetime, values: Mapping[str, object]) -> datetime:
    """When a closing move closed the case: 办结 is the moment the applicant got the reply."""
    reply_at = values.get("reply_at")
    if to_status == "completed" and isinstance(reply_at, datetime):
        return reply_at
    return at


# --------------------------------------------------------------------------------------
# Deadlines of one case
# --------------------------------------------------------------------------------------
def case_deadlines(
    kind: str,
    received_at: datetime | date,
    urgent: bool,
    promised_days: int | None,
    cal: WorkCalendar,
    submit_days: int = DEFAULT_WORKDAYS,
    default_days: int = DEFAULT_WORKDAYS,
    mode: str | None = None,
) -> tuple[date | None, date]:
    """``(submit_by, complete_by)`` of a new case.

    代办: submit-by = received + 3 working days (急办件: the same day, 第五条（二）4);
    complete-by = received + the item's promised working days (承诺时限, default 3, 第五条（一）3).
    咨询 has nothing to submit; its answer is due like any ordinary matter, within 3 working
    days ("一般事项需在3个工作日内完成") — the item's promised days are the window's, not
    the consultation's.
    """
    if kind == CONSULT:
        return None, complete_deadline(received_at, None, cal, default_days)
    if mode == "immediate":
        # 立即办: nothing is submitted to a window; it is due within the item's promised days
        # (0 = the day received).
        return None, complete_deadline(received_at, promised_days, cal, default_days)
    complete_by = complete_deadline(received_at, promised_days, cal, default_days)
    return submit_within_completion(submit_deadline(received_at, urgent, cal, submit_days), complete_by), complete_by


def submit_within_completion(submit_by: date, complete_by: date) -> date:
    """报送期限 never after 办结期限: the 3 working days of 第五条（二）4 are the longest a case may
    wait before 报送, while 第五条（一）3 binds the whole matter to the item's 承诺时限. An item
    promised in 1 working day (或即时办结) must reach the window by then — e.g. received Mon
    31 Aug 2026, promised 1 day: 办结 Tue 1 Sep, so 报送 Tue 1 Sep too, not Thu 3 Sep."""
    return min(submit_by, complete_by)


def current_due(
    kind: str, status: str, submit_by: date | None, complete_by: date | None, extensions: Sequence[date] = ()
) -> date | None:
    """The deadline a case is measured against now: its submit-by until it is 报送, then its
    complete-by including extensions (延期). A closed case keeps the deadline it closed under,
    so callers pass the status the case had while open.

    An item promised in fewer working days than the 3 allowed for 报送 (e.g. 1 day) cannot
    be submitted on day 3 and still be done on day 1: before 报送 the earlier of the two
    dates is the one that can be missed.
    """
    complete = effective_deadline(complete_by, list(extensions)) if complete_by is not None else None
    if kind == PROXY and status in BEFORE_SUBMISSION:
        if submit_by is None or complete is None:
            return submit_by or complete
        return min(submit_by, complete)
    return complete


def closed_late(to_status: str, closed_at: datetime, due_on: date | None) -> bool:
    """超期办结: closed after the day of its deadline. A voided case is never late."""
    if to_status == "voided" or due_on is None:
        return False
    return closed_at.date() > due_on


def soon_limit(today: date, cal: WorkCalendar) -> date:
    """临期 = open with one working day or less left: due on or before this date."""
    return cal.add_workdays(today, 1)


def deadline_state(status: str, due_on: date | None, is_closed_late: bool, today: date, soon: date) -> str:
    """``overdue`` (open past the deadline), ``soon`` (临期), ``open`` (in time),
    ``late`` (closed after the deadline), ``closed`` (in time) or ``void``."""
    if status == "voided":
        return "void"
    if status in OPEN_STATUSES:
        if due_on is None:
            return "open"
        if due_on < today:
            return "overdue"
        if due_on <= soon:
            return "soon"
        return "open"
    return "late" if is_closed_late else "closed"


def check_extension(
    new_due: date | None, current_complete_by: date | None, today: date, reason: str | None
) -> list[Finding]:
    """延期 (第五条（一）3 "如遇特殊情况无法在规定期限内办结的，必须向申请人说明原因").

    The new date lies after the deadline in force; the reason told to the applicant is
    recorded; and it is asked for before the deadline has passed — a case already late
    stays late (an extension is not a way to erase an overdue).
    """
    findings: list[Finding] = []
    if _blank(reason):
        findings.append(Finding("reason", "reason_missing", _l("请填写延期原因（已向申请人说明的原因）")))
    if new_due is None:
        findings.append(Finding("new_due", "date_missing", _l("请填写延期后的办结日期")))
    elif current_complete_by is not None and new_due <= current_complete_by:
        findings.append(
            Finding(
                "new_due",
                "not_later",
                _l("延期后的办结日期须晚于现办结期限（%(d)s）", d=current_complete_by.isoformat()),
            )
        )
    if current_complete_by is not None and today > current_complete_by:
        findings.append(
            Finding(
                "new_due",
                "already_overdue",
                _l("办结期限（%(d)s）已过，不能再延期；超期情况如实记入台账", d=current_complete_by.isoformat()),
            )
        )
    return findings


# --------------------------------------------------------------------------------------
# Intake and closing rules
# --------------------------------------------------------------------------------------
def check_voluntary(kind: str, voluntary_confirmed: bool) -> list[Finding]:
    """第三条6 自愿原则: 代办 only on the applicant's own request."""
    if kind == PROXY and not voluntary_confirmed:
        return [
            Finding(
                "voluntary_confirmed",
                "not_voluntary",
                _l("代办须申请人自愿委托（第三条6），请确认申请人本人自愿申请代办"),
            )
        ]
    return []


def check_fee(fee: Decimal, statutory_fee: Decimal, receipt_number: str | None) -> list[Finding]:
    """第三条5 无偿原则, 第五条（二）5: at most the state-set cost, and a receipt for it."""
    findings: list[Finding] = []
    if fee > statutory_fee:
        findings.append(
            Finding(
                "fee",
                "fee_above_statutory",
                _l(
                    "收费不得超过该事项国家规定的成本费用（%(max)s元），不得收取代办费或其他手续费（第三条5）",
                    max=f"{statutory_fee:.2f}",
                ),
            )
        )
    if fee > 0 and _blank(receipt_number):
        findings.append(
            Finding("receipt_number", "receipt_missing", _l("收取了费用，须填写合法收费票据号码（第五条（二）5）"))
        )
    return findings


def missing_materials(required: Sequence[str], received: Sequence[str]) -> list[str]:
    """The items of the one-time notice (一次性告知) not yet handed in, in the item's order."""
    got = set(received)
    return [m for m in required if m not in got]


# --------------------------------------------------------------------------------------
# Registering and correcting a ledger line (受理登记 and its edits)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IntakeItem:
    """What the intake rules need of a catalog item (代办事项)."""

    applicant_fields: Sequence[str] = ()  # of intake.APPLICANT_FIELDS
    materials: Sequence[str] = ()  # the one-time notice's checklist (一次性告知)
    fee: Decimal = Decimal("0.00")  # the state-set cost (第三条5)
    pays_on_behalf: bool = False  # a 代缴 item (第四条9)


@dataclass(frozen=True)
class IntakeContext:
    """What the intake rules are checked against besides the record itself."""

    now: datetime
    calendar: WorkCalendar
    max_backdate_workdays: int = intake.DEFAULT_MAX_BACKDATE_WORKDAYS
    township: bool = False  # may register further back (乡便民中心, with the reason)
    hired_on: date | None = None  # the agent's 聘任日期
    closed_quarters: Sequence[tuple[int, int]] = ()  # quarters whose payout sheet is approved
    changed: frozenset[str] | None = None  # an edit: the fields it touches (None: a new case)

    def touched(self, *keys: str) -> bool:
        return self.changed is None or any(k in self.changed for k in keys)


#: The first year a case may be received in (earlier dates are typing mistakes).
FIRST_YEAR = 2000


def check_intake(values: Mapping[str, object], item: IntakeItem | None, ctx: IntakeContext) -> list[Finding]:
    """Every reason the ledger line ``values`` cannot be registered as it is (empty: it can).

    A 代办 names its item (一事一记) and the applicant fields the item requires, and is the
    applicant's own request (第三条6); the time received is not in the future nor too far back
    (当日受理制, :func:`intake.check_received_at`); 代缴 money only on a 代缴 item; the
    materials are ticked from the item's checklist; the fee is at most the state-set cost with a
    receipt (第三条5). On an edit (``ctx.changed``) the rules about the catalog and the clock
    are checked only for what the edit touches, so a later change of the catalog never locks an
    old ledger line.
    """
    kind = values["kind"]
    findings: list[Finding] = []
    if kind == PROXY and item is None:
        findings.append(Finding("service_item_id", "item_missing", _l("代办须选择代办事项")))
    if ctx.touched("applicant_id_number", "applicant_phone", "service_item_id"):
        required = list(item.applicant_fields) if item is not None else []
        findings += intake.check_applicant_fields(kind, required, values)
    findings += check_voluntary(kind, bool(values.get("voluntary_confirmed")))
    if ctx.touched("received_at", "backdate_reason"):
        findings += _check_received(values, ctx)
    if ctx.touched(*intake.PAYMENT_FIELDS, "service_item_id"):
        findings += intake.check_payment(
            bool(item and item.pays_on_behalf),
            values.get("payment_received"),
            values.get("payment_paid"),
            values.get("payment_voucher"),
            values.get("payment_paid_on"),
            received_on=values["received_at"].date(),
            today=ctx.now.date(),
        )
    if ctx.touched("materials_received", "service_item_id"):
        findings += check_materials(item.materials if item else (), values.get("materials_received") or ())
    if ctx.touched("fee", "receipt_number", "service_item_id"):
        fee = values.get("fee") or Decimal("0.00")
        findings += check_fee(fee, item.fee if item else Decimal("0.00"), values.get("receipt_number"))
    return findings


def _check_received(values: Mapping[str, object], ctx: IntakeContext) -> list[Finding]:
    received = values["received_at"]
    if received.year < FIRST_YEAR:
        return [Finding("received_at", "invalid", _l("受理时间有误"))]
    return intake.check_received_at(
        received,
        ctx.now,
        ctx.calendar,
        max_workdays=ctx.max_backdate_workdays,
        township=ctx.township,
        reason=values.get("backdate_reason"),
        hired_on=ctx.hired_on,
        closed_quarters=ctx.closed_quarters,
    )


def check_materials(checklist: Sequence[str], received: Sequence[str]) -> list[Finding]:
    """一次性告知: what is ticked comes from the item's checklist; anything else is written in
    “其他材料”."""
    unknown = [m for m in received if m not in checklist]
    if not unknown:
        return []
    return [
        Finding(
            "materials_received",
            "not_in_checklist",
            _l("“%(m)s”不在该事项的材料清单中，请写在“其他材料”里", m="、".join(unknown)),
        )
    ]


def locked_fields(kind: str, status: str) -> tuple[str, ...]:
    """The intake fields an edit can no longer change: once the case has left its first status,
    its item, 急办 and time received are fixed (they decided its deadlines and its number)."""
    return () if status == initial_status(kind) else INTAKE_LOCKED


def check_edit(
    kind: str,
    status: str,
    changed: Mapping[str, object],
    received_at: datetime,
    labels: Mapping[str, object],
    *,
    township: bool = False,
) -> list[Finding]:
    """Every reason the edit ``changed`` (field → new value) of a case may not be saved (empty:
    it may). The type never changes (咨询后委托代办 is a new case); the fields of
    :func:`locked_fields` stay; the time received stays in its year (the number is per year);
    a closed case only gets its evaluation, follow-up, receipt and notes completed — except by
    the township (``township``), which corrects the ledger after the fact."""
    findings: list[Finding] = []
    for key in EDIT_REQUIRED:
        if key in changed and changed[key] is None:
            findings.append(Finding(key, "required", _l("%(f)s为必填项", f=labels.get(key, key))))
    if "kind" in changed:
        findings.append(Finding("kind", "kind_fixed", _l("类型不能修改；咨询后委托代办的，请另行登记代办事项")))
    for key in locked_fields(kind, status):
        if key in changed:
            findings.append(Finding(key, "locked", _l("事项已进入办理环节，不能修改“%(f)s”", f=labels.get(key, key))))
    new_received = changed.get("received_at")
    if isinstance(new_received, datetime) and new_received.year != received_at.year:
        findings.append(Finding("received_at", "other_year", _l("受理时间不能改到其他年份（受理编号按年编排）")))
    if status not in OPEN_STATUSES and not township:
        for key in changed:
            if key not in CLOSED_EDITABLE:
                findings.append(Finding(key, "closed", _l("事项已办结，只能补充回访、收费票据和备注")))
    return findings
