"""年度考核 (第二条（四）2): the grade the system proposes from a year's records.

The policy: “①、②、③情况任何一种累计发生3次的，予以解聘；结合年度考核、调查问卷、入户走访、
个别座谈等形式了解掌握乡、村两级代办员工作开展情况，表现优秀的可参与评先评优，表现不合格的，
村级代办员予以解聘”. It names the dismissal count (3) and the deductions ①–⑤; it does not say
what 优秀 or 不合格 take beyond that, so those marks are the township's settings
(``config.py`` ``ANNUAL_*``, read into :class:`Thresholds`), defaulting to the constants here.

The proposal is advice: the township decides (优秀 / 合格 / 不合格, with a reason); only the
decision counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from .deductions import STRIKE_CODES, STRIKE_THRESHOLD, DeductionCode
from .supervision import FAILING_GRADE

EXCELLENT = "excellent"
PASSING = "pass"
FAILING = FAILING_GRADE
GRADES = (EXCELLENT, PASSING, FAILING)

# --- the township's marks (not in the policy; overridable in config.py) ----------------------
#: 优秀: at least this share of 代办 cases closed on time (第五条（一）3 定期办结制, 3个工作日).
EXCELLENT_ON_TIME_RATE = Decimal("0.95")
#: 优秀: at least this share of cases registered on the day they were received (第五条（一）2 当日受理制).
EXCELLENT_SAME_DAY_RATE = Decimal("0.95")
#: 优秀: signed in on at least this share of the working days served (第二条（四）3 日常签到考勤).
EXCELLENT_SIGNIN_RATE = Decimal("0.95")
#: 优秀: attended at least this share of the township's trainings (第二条（三）2 集中学习培训).
EXCELLENT_TRAINING_RATE = Decimal("0.90")
#: 优秀: 好评率 (好差评) at least this, when cases were rated.
EXCELLENT_GOOD_RATE = Decimal("0.90")
#: 优秀: 调查问卷 satisfied share at least this, when a survey was recorded.
EXCELLENT_SURVEY_RATE = Decimal("0.90")
#: 不合格 proposed when fewer than this share of 代办 cases were closed on time.
FAIL_ON_TIME_RATE = Decimal("0.60")
#: 不合格 proposed when fewer than this share of a recorded survey's respondents were satisfied.
FAIL_SURVEY_RATE = Decimal("0.60")
#: 不合格 proposed when at least this many 入户走访/个别座谈 findings were negative.
FAIL_NEGATIVE_FINDINGS = 3


@dataclass(frozen=True)
class Thresholds:
    """The marks of :func:`propose_grade` (policy numbers and the township's settings)."""

    strike_threshold: int = STRIKE_THRESHOLD  # 第二条（四）2 “累计发生3次的，予以解聘”
    excellent_on_time: Decimal = EXCELLENT_ON_TIME_RATE
    excellent_same_day: Decimal = EXCELLENT_SAME_DAY_RATE
    excellent_signin: Decimal = EXCELLENT_SIGNIN_RATE
    excellent_training: Decimal = EXCELLENT_TRAINING_RATE
    excellent_good: Decimal = EXCELLENT_GOOD_RATE
    excellent_survey: Decimal = EXCELLENT_SURVEY_RATE
    fail_on_time: Decimal = FAIL_ON_TIME_RATE
    fail_survey: Decimal = FAIL_SURVEY_RATE
    fail_negative_findings: int = FAIL_NEGATIVE_FINDINGS

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Thresholds:
        """From a settings mapping (``ANNUAL_EXCELLENT_ON_TIME_RATE`` …); missing keys keep the defaults."""

        def dec(key, default):
            value = settings.get(key)
            return default if value is None else Decimal(str(value))

        def num(key, default):
            value = settings.get(key)
            return default if value is None else int(value)

        return cls(
            strike_threshold=num("STRIKE_THRESHOLD", STRIKE_THRESHOLD),
            excellent_on_time=dec("ANNUAL_EXCELLENT_ON_TIME_RATE", EXCELLENT_ON_TIME_RATE),
            excellent_same_day=dec("ANNUAL_EXCELLENT_SAME_DAY_RATE", EXCELLENT_SAME_DAY_RATE),
            excellent_signin=dec("ANNUAL_EXCELLENT_SIGNIN_RATE", EXCELLENT_SIGNIN_RATE),
            excellent_training=dec("ANNUAL_EXCELLENT_TRAINING_RATE", EXCELLENT_TRAINING_RATE),
            excellent_good=dec("ANNUAL_EXCELLENT_GOOD_RATE", EXCELLENT_GOOD_RATE),
            excellent_survey=dec("ANNUAL_EXCELLENT_SURVEY_RATE", EXCELLENT_SURVEY_RATE),
            fail_on_time=dec("ANNUAL_FAIL_ON_TIME_RATE", FAIL_ON_TIME_RATE),
            fail_survey=dec("ANNUAL_FAIL_SURVEY_RATE", FAIL_SURVEY_RATE),
            fail_negative_findings=num("ANNUAL_FAIL_NEGATIVE_FINDINGS", FAIL_NEGATIVE_FINDINGS),
        )


def rate(part: int, whole: int) -> Decimal | None:
    """``part / whole`` as a fraction (4 decimals), ``None`` when there is nothing to measure."""
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def percent_text(value: Decimal | None) -> str:
    """``Decimal("0.9512")`` → ``"95.1%"``; ``None`` → ``"—"``."""
    if value is None:
        return "—"
    return f"{(value * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class AssessmentInputs:
    """What one agent's year shows — counts only (the rates are derived), so the snapshot kept
    with an assessment is exactly what the proposal was made from.

    ``deduction_counts``/``deduction_amounts`` are keyed by code ``"1"``–``"5"`` (active
    deductions of the year); ``strikes`` are ①②③ over the current appointment up to the
    year's end (the count that dismisses)."""

    year: int
    workdays: int = 0  # working days served in the year (up to the day gathered)
    signin_days: int = 0
    deduction_counts: dict[str, int] = field(default_factory=dict)
    deduction_amounts: dict[str, str] = field(default_factory=dict)  # Decimal as text (JSON)
    strikes: dict[str, int] = field(default_factory=dict)
    received: int = 0  # cases received (咨询 + 代办, not voided)
    late_entry: int = 0  # of them not registered on the day (未当日登记)
    completed: int = 0  # 代办 已办结
    on_time: int = 0  # of them closed by the deadline
    overdue_open: int = 0  # 代办 still open past the deadline at the year's end / today
    rated: int = 0  # 好差评: rated cases
    good: int = 0
    bad: int = 0
    trainings_held: int = 0  # trainings the agent was required to attend
    trainings_attended: int = 0  # 出席
    trainings_excused: int = 0  # 请假
    survey_count: int = 0  # 调查问卷 recorded
    survey_respondents: int = 0
    survey_satisfied: int = 0
    visits: int = 0  # 入户走访
    visits_negative: int = 0
    talks: int = 0  # 个别座谈
    talks_negative: int = 0

    # -- rates --
    @property
    def signin_rate(self) -> Decimal | None:
        return rate(self.signin_days, self.workdays)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.on_time, self.completed + self.overdue_open)

    @property
    def same_day_rate(self) -> Decimal | None:
        return rate(self.received - self.late_entry, self.received)

    @property
    def good_rate(self) -> Decimal | None:
        return rate(self.good, self.rated)

    @property
    def training_rate(self) -> Decimal | None:
        return rate(self.trainings_attended, self.trainings_held)

    @property
    def survey_rate(self) -> Decimal | None:
        return rate(self.survey_satisfied, self.survey_respondents)

    @property
    def deduction_total(self) -> Decimal:
        return sum((Decimal(v) for v in self.deduction_amounts.values()), Decimal("0.00"))

    @property
    def deduction_number(self) -> int:
        return sum(self.deduction_counts.values())

    @property
    def negative_findings(self) -> int:
        return self.visits_negative + self.talks_negative

    @property
    def has_evidence(self) -> bool:
        """The township has recorded at least one 调查问卷, 入户走访 or 个别座谈."""
        return bool(self.survey_count or self.visits or self.talks)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AssessmentInputs:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def _below(value: Decimal | None, mark: Decimal) -> bool:
    return value is not None and value < mark


def propose_grade(inputs: AssessmentInputs, limits: Thresholds = Thresholds()) -> tuple[str, list[str]]:
    """The grade the records point to and why (Chinese lines, the decisive ones first).

    不合格 — any of ①②③ reached the dismissal count (第二条（四）2 “累计发生3次的，予以解聘”), or
    the township's marks for 按时办结率, 调查问卷 or negative 走访/座谈 findings are missed;
    at most 合格 — two of a kind (one short of dismissal), any deduction ①–⑤ in the year, an
    优秀 mark missed, or no 调查问卷/入户走访/个别座谈 recorded yet; else 优秀."""
    fail: list[str] = []
    not_excellent: list[str] = []
    threshold = limits.strike_threshold
    for code in STRIKE_CODES:
        n = int(inputs.strikes.get(code.value, 0))
        if n >= threshold:
            fail.append(
                str(
                    _l(
                        "%(symbol)s%(label)s本次聘任期内已累计%(n)s次，依照第二条（四）2予以解聘",
                        symbol=code.symbol,
                        label=code.label,
                        n=n,
                    )
                )
            )
        elif threshold > 1 and n == threshold - 1:
            not_excellent.append(
                str(
                    _l(
                        "%(symbol)s%(label)s已累计%(n)s次（再发生1次予以解聘），不能评为优秀",
                        symbol=code.symbol,
                        label=code.label,
                        n=n,
                    )
                )
            )
    if _below(inputs.on_time_rate, limits.fail_on_time):
        fail.append(
            str(
                _l(
                    "按时办结率%(r)s，低于%(m)s（定期办结制：一般事项3个工作日内办结）",
                    r=percent_text(inputs.on_time_rate),
                    m=percent_text(limits.fail_on_time),
                )
            )
        )
    if _below(inputs.survey_rate, limits.fail_survey):
        fail.append(
            str(
                _l(
                    "调查问卷满意率%(r)s，低于%(m)s",
                    r=percent_text(inputs.survey_rate),
                    m=percent_text(limits.fail_survey),
                )
            )
        )
    if inputs.negative_findings >= limits.fail_negative_findings:
        fail.append(str(_l("入户走访、个别座谈反映问题%(n)s次", n=inputs.negative_findings)))
    if fail:
        return FAILING, fail

    if inputs.deduction_number:
        parts = "，".join(
            f"{DeductionCode.coerce(code).symbol}{n}次" for code, n in sorted(inputs.deduction_counts.items()) if n
        )
        not_excellent.append(
            str(
                _l(
                    "本年度有扣款%(parts)s，共%(total)s元，不能评为优秀",
                    parts=parts,
                    total=f"{inputs.deduction_total:.2f}",
                )
            )
        )
    for value, mark, name in (
        (inputs.on_time_rate, limits.excellent_on_time, _l("按时办结率")),
        (inputs.same_day_rate, limits.excellent_same_day, _l("当日登记率")),
        (inputs.signin_rate, limits.excellent_signin, _l("签到率")),
        (inputs.training_rate, limits.excellent_training, _l("培训出席率")),
        (inputs.good_rate, limits.excellent_good, _l("好评率")),
        (inputs.survey_rate, limits.excellent_survey, _l("调查问卷满意率")),
    ):
        if _below(value, mark):
            not_excellent.append(
                str(_l("%(name)s%(r)s，低于优秀标准%(m)s", name=name, r=percent_text(value), m=percent_text(mark)))
            )
    if inputs.negative_findings:
        not_excellent.append(str(_l("入户走访、个别座谈反映问题%(n)s次，不能评为优秀", n=inputs.negative_findings)))
    if not inputs.has_evidence:
        not_excellent.append(str(_l("尚未录入调查问卷、入户走访或个别座谈，不能提议优秀")))
    if not_excellent:
        return PASSING, not_excellent
    return EXCELLENT, [
        str(
            _l(
                "本年度无扣款，按时办结率%(on_time)s，当日登记率%(same_day)s，签到率%(signin)s，均达到优秀标准",
                on_time=percent_text(inputs.on_time_rate),
                same_day=percent_text(inputs.same_day_rate),
                signin=percent_text(inputs.signin_rate),
            )
        )
    ]


def grade_dismisses(grade: str | None) -> bool:
    """年度考核“不合格” → 村级代办员予以解聘 (第二条（四）2)."""
    return grade == FAILING


__all__ = [
    "EXCELLENT",
    "EXCELLENT_GOOD_RATE",
    "EXCELLENT_ON_TIME_RATE",
    "EXCELLENT_SAME_DAY_RATE",
    "EXCELLENT_SIGNIN_RATE",
    "EXCELLENT_SURVEY_RATE",
    "EXCELLENT_TRAINING_RATE",
    "FAILING",
    "FAIL_NEGATIVE_FINDINGS",
    "FAIL_ON_TIME_RATE",
    "FAIL_SURVEY_RATE",
    "GRADES",
    "PASSING",
    "AssessmentInputs",
    "Thresholds",
    "grade_dismisses",
    "percent_text",
    "propose_grade",
    "rate",
]
