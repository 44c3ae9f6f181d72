"""好差评 by the applicant (issue 14 §1; 国办发〔2019〕51号 as the provinces apply it; policy
§二(三)5 接受监督, §二(四)2 调查问卷).

The person served rates each closed 办件 on five levels — the codes are the old
``Case.satisfaction`` codes (5 非常满意 … 1 非常不满意). 好评 = 非常满意 + 满意, 差评 = 不满意 +
非常不满意. A rating may be changed for 24 hours. Every 差评 is verified (核实), rectified (整改)
and answered (反馈) within 15 working days of the rating (``BAD_RATING_DUE_WORKDAYS``); a
实名差评 (the applicant left a phone number) also needs a recorded 回访.

Pure: the services pass in the facts, the calendar and ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

from .eligibility import Finding
from .workdays import WorkCalendar

#: The five levels (codes as ``Case.satisfaction`` always had them).
LEVELS: Mapping[int, object] = {
    5: _l("非常满意"),
    4: _l("满意"),
    3: _l("基本满意"),
    2: _l("不满意"),
    1: _l("非常不满意"),
}
GOOD_LEVELS = (5, 4)
BAD_LEVELS = (2, 1)

#: The optional scores, 1–5 each.
ASPECTS: Mapping[str, object] = {
    "score_efficiency": _l("服务效率"),
    "score_competence": _l("服务水平"),
    "score_attitude": _l("服务态度"),
}
SCORE_RANGE = range(1, 6)

#: Where a rating came from.
SOURCE_QR = "qr"
SOURCE_PHONE = "phone"
SOURCES: Mapping[str, object] = {SOURCE_QR: _l("扫码评价"), SOURCE_PHONE: _l("电话回访")}

#: A case may be rated once it is closed with an answer for the applicant (作废 is not).
RATABLE_STATUSES = ("completed", "rejected", "answered", "referred")

#: The applicant may change their rating this long after giving it.
CHANGE_WINDOW = timedelta(hours=24)

#: 差评整改反馈 within this many working days of the rating (the setting's default).
DEFAULT_DUE_WORKDAYS = 15

COMMENT_MAX = 500

#: The life of a 差评 item.
ITEM_STATUSES: Mapping[str, object] = {
    "pending": _l("待核实"),
    "verified": _l("已核实"),
    "rectified": _l("已整改"),
    "closed": _l("已反馈办结"),
    "withdrawn": _l("申请人已改评"),  # changed to 基本满意 or better within the 24 hours
}
OPEN_ITEM_STATUSES = ("pending", "verified", "rectified")

FEEDBACK_METHODS: Mapping[str, object] = {
    "phone": _l("电话告知"),
    "visit": _l("当面告知"),
    "sms": _l("短信告知"),
    "home": _l("上门告知"),
}


def is_good(level: int | None) -> bool:
    """好评: 非常满意 or 满意."""
    return level in GOOD_LEVELS


def is_bad(level: int | None) -> bool:
    """差评: 不满意 or 非常不满意 — it opens a 差评 item."""
    return level in BAD_LEVELS


def may_be_rated(status: str) -> bool:
    return status in RATABLE_STATUSES


def may_change(given_at: datetime, now: datetime) -> bool:
    """Within 24 hours of the first rating the applicant may change it."""
    return now < given_at + CHANGE_WINDOW


def change_deadline(given_at: datetime) -> datetime:
    return given_at + CHANGE_WINDOW


def check_rating(values: Mapping[str, object], status: str, given_at: datetime | None, now: datetime) -> list[Finding]:
    """Every reason this rating may not be recorded (empty: it may).

    ``given_at`` is when the case was first rated (``None``: not yet rated)."""
    if not may_be_rated(status):
        return [Finding("level", "not_closed", _l("事项办结（或答复、转介、不予受理）后才能评价"))]
    if given_at is not None and not may_change(given_at, now):
        return [Finding("level", "window_closed", _l("评价已提交超过24小时，不能再修改"))]
    findings: list[Finding] = []
    if values.get("level") not in LEVELS:
        findings.append(Finding("level", "level_missing", _l("请选择评价等级（非常满意至非常不满意）")))
    for key, text in ASPECTS.items():
        score = values.get(key)
        if score is not None and score not in SCORE_RANGE:
            findings.append(Finding(key, "score_invalid", _l("%(f)s应为1至5星", f=text)))
    comment = values.get("comment")
    if isinstance(comment, str) and len(comment) > COMMENT_MAX:
        findings.append(Finding("comment", "too_long", _l("意见建议不能超过%(n)s字", n=COMMENT_MAX)))
    return findings


def bad_item_due(rated_on: date | datetime, cal: WorkCalendar, workdays: int = DEFAULT_DUE_WORKDAYS) -> date:
    """The day a 差评 must be verified, rectified and answered by: ``workdays`` working days
    after the day of the rating (that day not counted), on the working-day calendar."""
    day = rated_on.date() if isinstance(rated_on, datetime) else rated_on
    return cal.add_workdays(day, workdays)


def is_overdue(status: str, due_on: date, today: date) -> bool:
    """An open 差评 item past its due day."""
    return status in OPEN_ITEM_STATUSES and due_on < today


def closed_on_time(closed_on: date | None, due_on: date) -> bool:
    return closed_on is not None and closed_on <= due_on


@dataclass(frozen=True)
class CloseFacts:
    """What closing a 差评 item (反馈) is checked against."""

    verified: bool | None  # 核实: True 属实, False 不属实, None not yet
    rectification: str | None
    feedback_method: str | None
    feedback_at: datetime | None
    real_name: bool  # 实名差评: the applicant left a phone number
    callback_at: datetime | None
    now: datetime


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_close(f: CloseFacts) -> list[Finding]:
    """反馈 closes the item: after 核实, with the 整改 done when the 差评 was 属实, the way and
    time the applicant was told, and — for a 实名差评 — a recorded 回访."""
    findings: list[Finding] = []
    if f.verified is None:
        findings.append(Finding("verified", "not_verified", _l("请先核实该差评")))
    elif f.verified and _blank(f.rectification):
        findings.append(Finding("rectification", "not_rectified", _l("核实属实的差评须先登记整改情况")))
    if f.feedback_method not in FEEDBACK_METHODS:
        findings.append(Finding("feedback_method", "required", _l("请选择反馈方式")))
    if f.feedback_at is None:
        findings.append(Finding("feedback_at", "required", _l("请填写反馈时间")))
    elif f.feedback_at > f.now + timedelta(minutes=5):
        findings.append(Finding("feedback_at", "in_future", _l("反馈时间不能晚于当前时间")))
    if f.real_name and f.callback_at is None:
        findings.append(Finding("callback_note", "callback_missing", _l("实名差评须先登记回访记录，才能办结")))
    return findings


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RatingFigures:
    rated: int  # rated cases
    good: int  # 好评 (非常满意 + 满意)
    bad: int  # 差评 (不满意 + 非常不满意)
    bad_due: int  # 差评 items whose due day has come (or that are closed)
    bad_on_time: int  # … of them closed (反馈) by the due day

    @property
    def good_rate(self) -> Decimal | None:
        """好评率 in per cent (1 decimal), ``None`` without ratings."""
        return percent(self.good, self.rated)

    @property
    def on_time_rate(self) -> Decimal | None:
        """差评整改按期率 in per cent: of the 差评 items due by now (or closed), those closed by
        their due day; ``None`` when none is due yet."""
        return percent(self.bad_on_time, self.bad_due)


def percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rating_figures(levels: Iterable[int], items: Sequence[tuple[date, date | None]], today: date) -> RatingFigures:
    """Figures of a month's ratings: ``levels`` of the rated cases, ``items`` the (due_on,
    closed_on) of their 差评 items. An item counts for the 按期率 once it is closed or its due
    day has passed."""
    levels = list(levels)
    counted = [(due, closed) for due, closed in items if closed is not None or due < today]
    return RatingFigures(
        rated=len(levels),
        good=sum(1 for v in levels if is_good(v)),
        bad=sum(1 for v in levels if is_bad(v)),
        bad_due=len(counted),
        bad_on_time=sum(1 for due, closed in counted if closed_on_time(closed, due)),
    )
