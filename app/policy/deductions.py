"""考核评价: deductions ①–⑤ and the three-strike dismissal rule — 政策第二条（四）2, SPEC §7.

"①每发现一起群众反映或举报代办员不受理代办事项的行为，经乡政府核实属实后，扣除当月补助30元；
②每发生一次无故不参加乡召开的集中学习培训会议的，扣除当月补助30元；③每发生一次督查检查不在岗的，
扣除当月补助50元；④每发生一次不按时报送月汇总表的，扣除当月补助30元；⑤台账填写不完整一次扣除
本月补助10元，以上①、②、③情况任何一种累计发生3次的，予以解聘".

"任何一种累计发生3次" is read per kind: three of the same kind dismiss, while e.g. one ①
and two ② do not. A month's deductions never exceed that month's subsidy (SPEC §7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import Any

from flask_babel import lazy_gettext as _l

from .money import q2, to_decimal


class DeductionCode(str, Enum):
    """The five deduction reasons of 第二条（四）2, valued ``"1"``–``"5"``."""

    REFUSED_REQUEST = "1"
    TRAINING_ABSENCE = "2"
    OFF_DUTY = "3"
    LATE_REPORT = "4"
    INCOMPLETE_LEDGER = "5"

    @property
    def symbol(self) -> str:
        """①–⑤ as in the policy text."""
        return "①②③④⑤"[int(self.value) - 1]

    @property
    def label(self) -> Any:
        """The reason in Chinese (lazy string)."""
        return _LABELS[self]

    @classmethod
    def coerce(cls, value: DeductionCode | str | int) -> DeductionCode:
        """A code from a member, its value (``"1"``), an int (``1``) or a symbol (``"①"``)."""
        if isinstance(value, cls):
            return value
        text = str(value).strip()
        if text in "①②③④⑤" and len(text) == 1:
            text = str("①②③④⑤".index(text) + 1)
        return cls(text)


_LABELS: Mapping[DeductionCode, Any] = {
    DeductionCode.REFUSED_REQUEST: _l("群众反映不受理代办事项（经核实）"),
    DeductionCode.TRAINING_ABSENCE: _l("无故不参加集中学习培训会议"),
    DeductionCode.OFF_DUTY: _l("督查检查不在岗"),
    DeductionCode.LATE_REPORT: _l("未按时报送月汇总表"),
    DeductionCode.INCOMPLETE_LEDGER: _l("台账填写不完整"),
}

#: Which deduction a finding costs — the finding kinds are the sources a deduction is kept with
#: (``Deduction.source_type``): a complaint verified true (不受理代办事项) is ①, a training missed
#: without excuse ②, an inspection that found the agent off duty ③, a monthly report not
#: submitted in time ④, a ledger found incomplete — at an inspection or at the township's review
#: of a case — ⑤.
FINDING_CODES: Mapping[str, DeductionCode] = MappingProxyType(
    {
        "complaint": DeductionCode.REFUSED_REQUEST,
        "attendance": DeductionCode.TRAINING_ABSENCE,
        "inspection": DeductionCode.OFF_DUTY,
        "report": DeductionCode.LATE_REPORT,
        "inspection_ledger": DeductionCode.INCOMPLETE_LEDGER,
        "case_review": DeductionCode.INCOMPLETE_LEDGER,
    }
)


def code_for(finding: str) -> DeductionCode:
    """The deduction code of a finding kind (:data:`FINDING_CODES`): ``code_for("inspection")``
    → ③. Its ``.value`` (``"3"``) is what is stored."""
    try:
        return FINDING_CODES[finding]
    except KeyError:
        raise ValueError(f"no deduction for a finding of kind {finding!r}") from None


#: Amounts of 第二条（四）2, in 元 per occurrence (overridable by settings).
DEFAULT_AMOUNTS: Mapping[DeductionCode, Decimal] = MappingProxyType(
    {
        DeductionCode.REFUSED_REQUEST: Decimal("30.00"),
        DeductionCode.TRAINING_ABSENCE: Decimal("30.00"),
        DeductionCode.OFF_DUTY: Decimal("50.00"),
        DeductionCode.LATE_REPORT: Decimal("30.00"),
        DeductionCode.INCOMPLETE_LEDGER: Decimal("10.00"),
    }
)

#: The kinds that count towards dismissal: ①, ② and ③.
STRIKE_CODES: tuple[DeductionCode, ...] = (
    DeductionCode.REFUSED_REQUEST,
    DeductionCode.TRAINING_ABSENCE,
    DeductionCode.OFF_DUTY,
)
#: "任何一种累计发生3次的，予以解聘".
STRIKE_THRESHOLD = 3


def deduction_amount(
    code: DeductionCode | str | int,
    amounts: Mapping[Any, Any] = DEFAULT_AMOUNTS,
) -> Decimal:
    """The amount of one deduction of ``code``.

    ``amounts`` may be keyed by :class:`DeductionCode`, by its value (``"1"``) or by an int
    (``1``), with Decimal/int/str values — so a settings dict can override the defaults.
    Codes missing from ``amounts`` fall back to :data:`DEFAULT_AMOUNTS`.
    """
    member = DeductionCode.coerce(code)
    # A str-Enum member hashes by name, not by value, so look the value up explicitly.
    for key in (member, member.value, int(member.value)):
        if key in amounts:
            return q2(to_decimal(amounts[key]))
    return DEFAULT_AMOUNTS[member]


def strike_counts(
    codes: Iterable[DeductionCode | str | int],
) -> dict[DeductionCode, int]:
    """How many ①, ② and ③ there are among ``codes`` (④ and ⑤ are not strikes)."""
    counts = dict.fromkeys(STRIKE_CODES, 0)
    for code in codes:
        member = DeductionCode.coerce(code)
        if member in counts:
            counts[member] += 1
    return counts


@dataclass(frozen=True)
class StrikeStatus:
    """Strike counts of one agent and what they mean.

    ``warnings``: kinds one short of the threshold (two strikes of one kind — a visible
    warning); ``dismiss``: kinds at or over the threshold (应予解聘).
    """

    counts: dict[DeductionCode, int]
    warnings: list[DeductionCode] = field(default_factory=list)
    dismiss: list[DeductionCode] = field(default_factory=list)
    threshold: int = STRIKE_THRESHOLD

    @property
    def should_dismiss(self) -> bool:
        """应予解聘."""
        return bool(self.dismiss)

    def messages(self) -> list[Any]:
        """Chinese lines for the dashboard and the agent's page, dismissals first."""
        lines: list[Any] = []
        for code in self.dismiss:
            lines.append(
                _l(
                    "%(symbol)s%(label)s已累计%(count)s次，依照政策第二条（四）2应予解聘",
                    symbol=code.symbol,
                    label=code.label,
                    count=self.counts[code],
                )
            )
        for code in self.warnings:
            lines.append(
                _l(
                    "%(symbol)s%(label)s已累计%(count)s次，再发生%(left)s次将予以解聘",
                    symbol=code.symbol,
                    label=code.label,
                    count=self.counts[code],
                    left=self.threshold - self.counts[code],
                )
            )
        return lines


def strike_status(counts: Mapping[DeductionCode, int], threshold: int = STRIKE_THRESHOLD) -> StrikeStatus:
    """Read strike counts against the threshold (3): warn at ``threshold - 1``, dismiss at it.

    Kinds are never added together: two strikes of different kinds neither warn nor dismiss.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    normalised = dict.fromkeys(STRIKE_CODES, 0)
    for code, count in counts.items():
        member = DeductionCode.coerce(code)
        if member in normalised:
            normalised[member] = int(count)
    dismiss = [code for code in STRIKE_CODES if normalised[code] >= threshold]
    warn_at = threshold - 1
    warnings = [code for code in STRIKE_CODES if warn_at >= 1 and normalised[code] == warn_at]
    return StrikeStatus(normalised, warnings, dismiss, threshold)


def apply_monthly_cap(share: Decimal, deductions: Sequence[Decimal]) -> Decimal:
    """The deductions actually taken in a month: their sum, but no more than the month's
    subsidy ``share`` (the month's net is never negative), and never below zero."""
    total = sum((to_decimal(d) for d in deductions), Decimal(0))
    return q2(max(Decimal(0), min(total, to_decimal(share))))
