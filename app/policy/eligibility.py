"""Who may be a 便民代办员 and how one is appointed — 政策第二条（一）（二）, SPEC §3.

第二条（一）便民代办员的条件:
  1 村级代办员必须是在本村长期居住的本村村民中产生 — hard rule;
  2 年龄原则上在50周岁以下 — a warning an authorised user may override with a written reason;
  3 高中、中专同等学历及以上文化程度 — hard rule;
  5 不得为全科网格员 — hard rule.
第二条（二）产生办法:
  1 两委会议提名 → 党员、村民代表会议通过 → 报乡政府审核备案 → 聘任 (村级);
  2 乡级代办员由党委（扩大）会议研究决定 — so none of the village rules apply to 乡级 agents;
    their record needs the date of that decision instead of the village chain.

The age rule is a condition of the appointment, so it is checked against the age on the day
of the appointment (:func:`age_reference_date`), not on the day a record is edited: an agent
hired at 48 whose phone number is corrected at 51 needs no 破格聘任理由.

The checks return :class:`Finding` lists rather than raising, so a form can show every
failed condition at once, each next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from .idcard import age_on

#: Education levels in ascending order (SPEC §3). 高中 and 中专 are the same rank.
EDUCATION_LEVELS: tuple[str, ...] = (
    "小学",
    "初中",
    "高中",
    "中专",
    "大专",
    "本科",
    "研究生",
)
#: The lowest level that satisfies 第二条（一）3.
MIN_EDUCATION = "高中"

LEVEL_VILLAGE = "村级"
LEVEL_TOWNSHIP = "乡级"
AGENT_LEVELS: tuple[str, ...] = (LEVEL_VILLAGE, LEVEL_TOWNSHIP)

STATUS_PROPOSED = "拟任"
STATUS_ACTIVE = "在岗"
STATUS_DISMISSED = "已解聘"
AGENT_STATUSES: tuple[str, ...] = (STATUS_PROPOSED, STATUS_ACTIVE, STATUS_DISMISSED)

#: 第二条（一）2 "年龄原则上在50周岁以下" — read as age ≤ 50 (SPEC §3).
MAX_AGE = 50


@dataclass(frozen=True)
class AgentFacts:
    """The facts about an agent that the conditions of 第二条（一） look at."""

    level: str  # "村级" / "乡级"
    long_term_resident: bool
    education: str
    is_grid_worker: bool
    birth_date: date | None
    on: date  # the day the age is taken on: see age_reference_date()
    age_override_reason: str | None = None  # 破格聘任理由


@dataclass(frozen=True)
class Finding:
    """One failed condition: the field it belongs to, a stable code and a Chinese message.

    ``overridable`` findings (only the age rule) may be accepted by an authorised user who
    records a reason; all others block the save.
    """

    field: str
    code: str
    message: Any  # lazy string
    overridable: bool = False


def meets_education(level: str | None) -> bool:
    """True for 高中/中专 or above (第二条（一）3); unknown or empty levels do not qualify."""
    if level not in EDUCATION_LEVELS:
        return False
    return EDUCATION_LEVELS.index(level) >= EDUCATION_LEVELS.index(MIN_EDUCATION)


def age_reference_date(hired_on: date | None, decided_on: date | None, today: date) -> date:
    """The day on which the age of 第二条（一）2 is taken: the hire date (聘任日期); before the
    hire, the date of the appointment decision (村级: 党员、村民代表会议通过); before that, the
    day of the save (``today``) — the earliest day the appointment could still be made."""
    return hired_on or decided_on or today


def check_eligibility(f: AgentFacts, max_age: int = MAX_AGE) -> list[Finding]:
    """The conditions of 第二条（一） that fail for ``f`` (empty list: eligible).

    Only 村级 agents are checked; 乡级 agents are chosen by the Party committee (第二条（二）2).
    The age warning is left out once a non-blank ``age_override_reason`` is recorded; the age
    is unknown (and not checked) while there is no birth date.
    """
    if f.level != LEVEL_VILLAGE:
        return []
    findings: list[Finding] = []
    if not f.long_term_resident:
        findings.append(
            Finding(
                "long_term_resident",
                "not_resident",
                _l("村级代办员必须是在本村长期居住的本村村民（政策第二条（一）1）"),
            )
        )
    if not meets_education(f.education):
        findings.append(
            Finding(
                "education",
                "education_below",
                _l("村级代办员须具有高中、中专同等学历及以上文化程度（第二条（一）3）"),
            )
        )
    if f.is_grid_worker:
        findings.append(
            Finding(
                "is_grid_worker",
                "grid_worker",
                _l("村级代办员不得由全科网格员担任（第二条（一）5）"),
            )
        )
    if f.birth_date is not None:
        age = age_on(f.birth_date, f.on)
        has_reason = bool((f.age_override_reason or "").strip())
        if age > max_age and not has_reason:
            findings.append(
                Finding(
                    "age_override_reason",
                    "over_age",
                    _l(
                        "村级代办员年龄原则上在%(max_age)s周岁以下，截至%(on)s年满%(age)s周岁；如确需聘任，请填写破格聘任理由",
                        max_age=max_age,
                        on=f.on.isoformat(),
                        age=age,
                    ),
                    overridable=True,
                )
            )
    return findings


#: The appointment chain of 第二条（二）1, in order: (field, step name).
APPOINTMENT_STEPS: tuple[tuple[str, Any], ...] = (
    ("nominated_on", _l("两委会议提名")),
    ("approved_on", _l("党员、村民代表会议通过")),
    ("filed_on", _l("乡政府审核备案")),
    ("hired_on", _l("聘任")),
)


def _check_status(status: str) -> list[Finding]:
    if status in AGENT_STATUSES:
        return []
    return [Finding("status", "invalid_status", _l("代办员状态应为拟任、在岗或已解聘"))]


def check_appointment_chain(
    status: str,
    nominated_on: date | None,
    approved_on: date | None,
    filed_on: date | None,
    hired_on: date | None,
) -> list[Finding]:
    """The appointment chain of 第二条（二）1: 提名 → 通过 → 备案 → 聘任.

    An agent 在岗 needs all four dates. Whatever the status, the dates that are given must
    not go backwards: each step is compared with the nearest earlier step that is later
    than it, and named in the message.
    """
    findings = _check_status(status)
    dates = (nominated_on, approved_on, filed_on, hired_on)
    if status == STATUS_ACTIVE:
        for (field, step), value in zip(APPOINTMENT_STEPS, dates, strict=True):
            if value is None:
                findings.append(
                    Finding(
                        field,
                        "appointment_missing",
                        _l(
                            "在岗代办员须填写“%(step)s”日期（第二条（二）1）",
                            step=step,
                        ),
                    )
                )
    given = [
        (field, step, value) for (field, step), value in zip(APPOINTMENT_STEPS, dates, strict=True) if value is not None
    ]
    for i, (field, step, value) in enumerate(given):
        later_predecessors = [(s, d) for _, s, d in given[:i] if d > value]
        if not later_predecessors:
            continue
        earlier_step, earlier_date = later_predecessors[-1]  # the nearest one
        findings.append(
            Finding(
                field,
                "appointment_order",
                _l(
                    "“%(step)s”日期（%(date)s）不能早于“%(earlier)s”日期（%(earlier_date)s）",
                    step=step,
                    date=value.isoformat(),
                    earlier=earlier_step,
                    earlier_date=earlier_date.isoformat(),
                ),
            )
        )
    return findings


def check_township_appointment(status: str, decided_on: date | None, hired_on: date | None) -> list[Finding]:
    """第二条（二）2 乡级代办员由党委（扩大）会议研究决定: an agent 在岗 needs the date of that
    decision (``committee_decided_on``), and the hire may not come before the decision. The
    village chain (两委提名 / 党员村民代表会议 / 备案) does not apply to 乡级 agents."""
    findings = _check_status(status)
    if status == STATUS_ACTIVE:
        if decided_on is None:
            findings.append(
                Finding(
                    "committee_decided_on",
                    "committee_decision_missing",
                    _l("在岗的乡级代办员须填写党委（扩大）会议研究决定日期（第二条（二）2）"),
                )
            )
        if hired_on is None:
            findings.append(Finding("hired_on", "appointment_missing", _l("在岗的乡级代办员须填写聘任日期")))
    if decided_on is not None and hired_on is not None and hired_on < decided_on:
        findings.append(
            Finding(
                "hired_on",
                "appointment_order",
                _l(
                    "聘任日期（%(hired)s）不能早于党委（扩大）会议研究决定日期（%(decided)s）",
                    hired=hired_on.isoformat(),
                    decided=decided_on.isoformat(),
                ),
            )
        )
    return findings


def check_dismissal(
    status: str,
    dismissed_on: date | None,
    dismissal_reason: str | None,
    hired_on: date | None,
) -> list[Finding]:
    """解聘 is a recorded decision (SPEC §7): 已解聘 needs a date and a reason, and the
    dismissal date (whenever given) may not be before the hire date."""
    findings: list[Finding] = []
    if status == STATUS_DISMISSED:
        if dismissed_on is None:
            findings.append(
                Finding(
                    "dismissed_on",
                    "dismissal_date_missing",
                    _l("已解聘的代办员须填写解聘日期"),
                )
            )
        if not (dismissal_reason or "").strip():
            findings.append(
                Finding(
                    "dismissal_reason",
                    "dismissal_reason_missing",
                    _l("已解聘的代办员须填写解聘原因"),
                )
            )
    if dismissed_on is not None and hired_on is not None and dismissed_on < hired_on:
        findings.append(
            Finding(
                "dismissed_on",
                "dismissal_before_hire",
                _l(
                    "解聘日期（%(dismissed)s）不能早于聘任日期（%(hired)s）",
                    dismissed=dismissed_on.isoformat(),
                    hired=hired_on.isoformat(),
                ),
            )
        )
    return findings
