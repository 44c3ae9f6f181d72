"""好差评 by the applicant (issue 14 §1): the public rating of a closed case by its token, the
township's 电话回访 rating, the 差评 item's steps (核实 / 整改 / 回访 / 反馈), the figures.

Public reads and the public write run ``with unscoped()`` (the applicant has no login; the
token is the key). Staff steps run in the user's scope like every other write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, func, select

from ..models import Case, Village
from ..models.rating import BadRatingItem, CaseRating
from ..policy import ratings as policy
from ..policy.periods import previous_month
from ..policy.phone import normalize_mobile
from ..policy.ratings import RatingFigures
from ..security import unscoped
from . import clock, settings
from .audit import actor_name
from .calendar import work_calendar
from .common import check_version, session
from .errors import Conflict, NotFound, ValidationFailed
from .fields import Field, one_of, parse, policy_field, to_datetime, to_int, to_str

TOKEN_MAX = 64


def _level(value):
    level = to_int(value)
    if level is not None and level not in policy.LEVELS:
        raise ValueError(_l("请选择评价等级（非常满意至非常不满意）"))
    return level


RATING_SPEC = {
    "level": Field(_level, _l("评价等级"), required=True),
    "score_efficiency": Field(to_int, _l("服务效率")),
    "score_competence": Field(to_int, _l("服务水平")),
    "score_attitude": Field(to_int, _l("服务态度")),
    "comment": Field(lambda v: to_str(v, policy.COMMENT_MAX), _l("意见建议")),
    "callback_phone": Field(policy_field(normalize_mobile, 20), _l("回访电话")),
}
PHONE_RATING_SPEC = {**RATING_SPEC, "given_at": Field(to_datetime, _l("回访时间"))}


def _raise(findings) -> None:
    if findings:
        raise ValidationFailed.of(*findings)


# --------------------------------------------------------------------------------------
# The public page
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicCase:
    """What the public rating page may show: no names, ID numbers or phones."""

    token: str
    case_number: str
    item: str
    village: str
    status: str
    status_label: str
    ratable: bool
    rating: CaseRating | None
    changeable: bool
    change_until: dt.datetime | None
    township_id: int | None = None  # the case's village's township: the page's contacts (issue 15 §1)


def case_by_token(token: str) -> Case | None:
    if not token or len(token) > TOKEN_MAX:
        return None
    with unscoped():
        return session().execute(select(Case).where(Case.rating_token == token)).scalar_one_or_none()


def rating_of(case: Case) -> CaseRating | None:
    with unscoped():
        return session().execute(select(CaseRating).where(CaseRating.case_id == case.id)).scalar_one_or_none()


def public_case(token: str, now: dt.datetime | None = None) -> PublicCase:
    """The public facts of the case with this token; ``NotFound`` for a wrong token."""
    now = now or clock.now_local()
    case = case_by_token(token)
    if case is None:
        raise NotFound(_l("没有这个评价链接"))
    rating = rating_of(case)
    changeable = rating is None or policy.may_change(rating.given_at, now)
    return PublicCase(
        token=token,
        case_number=case.case_number,
        item=case.service_item.name if case.service_item else case.kind_label,
        village=case.village.name,
        status=case.status,
        status_label=case.status_label,
        ratable=policy.may_be_rated(case.status),
        rating=rating,
        changeable=changeable and policy.may_be_rated(case.status),
        change_until=policy.change_deadline(rating.given_at) if rating else None,
        township_id=case.village.township_id,
    )


def rate(token: str, data: Mapping, now: dt.datetime | None = None) -> CaseRating:
    """The applicant's rating (扫码评价): the first one, or a change within 24 hours."""
    now = now or clock.now_local()
    case = case_by_token(token)
    if case is None:
        raise NotFound(_l("没有这个评价链接"))
    values = parse(data, RATING_SPEC)
    with unscoped():
        rating = rating_of(case)
        if rating is not None and rating.source != policy.SOURCE_QR:
            raise Conflict(_l("该事项已由乡便民中心电话回访登记评价"))
        _raise(policy.check_rating(values, case.status, rating.given_at if rating else None, now))
        if rating is not None and values.get("callback_phone") is None:
            values.pop("callback_phone", None)  # the page never shows the number: blank keeps it
        rating = _save_rating(case, rating, values, now, policy.SOURCE_QR, None)
        session().commit()
    return rating


def _save_rating(case, rating, values, now, source, recorded_by) -> CaseRating:
    if rating is None:
        rating = CaseRating(case_id=case.id, village_id=case.village_id, given_at=now, source=source)
        session().add(rating)
    else:
        rating.changed_at = now
    for key, value in values.items():
        if key != "given_at":
            setattr(rating, key, value)
    rating.recorded_by = recorded_by
    session().flush()
    _sync_bad_item(case, rating, now)
    return rating


def _item_of(rating: CaseRating) -> BadRatingItem | None:
    return session().execute(select(BadRatingItem).where(BadRatingItem.rating_id == rating.id)).scalar_one_or_none()


def _sync_bad_item(case: Case, rating: CaseRating, now: dt.datetime) -> None:
    """A 差评 opens (or reopens) the item, due 15 working days after it; a change to
    基本满意 or better within the 24 hours withdraws an item nobody has worked on yet."""
    item = _item_of(rating)
    if policy.is_bad(rating.level):
        due = policy.bad_item_due(now, work_calendar(), settings.bad_rating_due_workdays())
        if item is None:
            session().add(
                BadRatingItem(
                    rating_id=rating.id,
                    case_id=case.id,
                    village_id=case.village_id,
                    rated_at=now,
                    due_on=due,
                    status="pending",
                )
            )
        elif item.status == "withdrawn":
            item.status, item.rated_at, item.due_on = "pending", now, due
    elif item is not None and item.status == "pending":
        item.status = "withdrawn"


def record_phone_rating(case: Case, data: Mapping, now: dt.datetime | None = None) -> CaseRating:
    """乡便民中心's 电话回访: the rating the applicant gave on the phone, with who and when."""
    now = now or clock.now_local()
    values = parse(data, PHONE_RATING_SPEC)
    given_at = values.get("given_at") or now
    if given_at > now + dt.timedelta(minutes=5):
        raise ValidationFailed(errors={"given_at": [_l("回访时间不能晚于当前时间")]})
    if rating_of(case) is not None:
        raise Conflict(_l("该事项已有申请人的评价，不能重复登记"))
    _raise(policy.check_rating(values, case.status, None, now))
    rating = _save_rating(case, None, values, given_at, policy.SOURCE_PHONE, actor_name() or None)
    session().commit()
    return rating


# --------------------------------------------------------------------------------------
# The 差评 item's steps
# --------------------------------------------------------------------------------------
def _verified(value):
    if value in (None, ""):
        return None
    if value in (True, "true", "1", "yes", "y", 1):
        return True
    if value in (False, "false", "0", "no", "n", 0):
        return False
    raise ValueError(_l("请选择“属实”或“不属实”"))


VERIFY_SPEC = {
    "verified": Field(_verified, _l("核实结果"), required=True),
    "verification_note": Field(lambda v: to_str(v, 2000), _l("核实情况")),
}
RECTIFY_SPEC = {"rectification": Field(lambda v: to_str(v, 2000), _l("整改情况"), required=True)}
CALLBACK_SPEC = {
    "callback_note": Field(lambda v: to_str(v, 2000), _l("回访记录"), required=True),
    "callback_at": Field(to_datetime, _l("回访时间")),
}
FEEDBACK_SPEC = {
    "feedback_method": Field(one_of(policy.FEEDBACK_METHODS), _l("反馈方式"), required=True),
    "feedback_text": Field(lambda v: to_str(v, 2000), _l("反馈内容")),
    "feedback_at": Field(to_datetime, _l("反馈时间")),
}


def _open(item: BadRatingItem, data: Mapping) -> None:
    check_version(item, data.get("version"))
    if item.status not in policy.OPEN_ITEM_STATUSES:
        raise Conflict(_l("该差评已办结或已撤回，不能再办理"))


def verify_item(item: BadRatingItem, data: Mapping, now: dt.datetime | None = None) -> BadRatingItem:
    """核实: 属实 / 不属实, by whom, when."""
    _open(item, data)
    values = parse(data, VERIFY_SPEC)
    now = now or clock.now_local()
    item.verified, item.verification_note = values["verified"], values.get("verification_note")
    item.verified_by, item.verified_at = actor_name() or None, now
    if item.status == "pending":
        item.status = "verified"
    session().commit()
    return item


def rectify_item(item: BadRatingItem, data: Mapping, now: dt.datetime | None = None) -> BadRatingItem:
    """整改: what was done about it (after 核实)."""
    _open(item, data)
    values = parse(data, RECTIFY_SPEC)
    if item.verified is None:
        raise ValidationFailed(errors={"rectification": [_l("请先核实该差评")]})
    item.rectification = values["rectification"]
    item.rectified_by, item.rectified_at = actor_name() or None, now or clock.now_local()
    item.status = "rectified"
    session().commit()
    return item


def callback_item(item: BadRatingItem, data: Mapping, now: dt.datetime | None = None) -> BadRatingItem:
    """回访: the call back to the applicant (required for a 实名差评)."""
    _open(item, data)
    values = parse(data, CALLBACK_SPEC)
    now = now or clock.now_local()
    at = values.get("callback_at") or now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationFailed(errors={"callback_at": [_l("回访时间不能晚于当前时间")]})
    item.callback_note, item.callback_at, item.callback_by = values["callback_note"], at, actor_name() or None
    session().commit()
    return item


def feedback_item(item: BadRatingItem, data: Mapping, now: dt.datetime | None = None) -> BadRatingItem:
    """反馈: the applicant was told (how, when) — closes the item."""
    _open(item, data)
    values = parse(data, FEEDBACK_SPEC)
    now = now or clock.now_local()
    at = values.get("feedback_at") or now
    facts = policy.CloseFacts(
        verified=item.verified,
        rectification=item.rectification,
        feedback_method=values.get("feedback_method"),
        feedback_at=at,
        real_name=item.rating.real_name,
        callback_at=item.callback_at,
        now=now,
    )
    _raise(policy.check_close(facts))
    item.feedback_method, item.feedback_text, item.feedback_at = (
        values["feedback_method"],
        values.get("feedback_text"),
        at,
    )
    item.feedback_by, item.closed_on, item.status = actor_name() or None, at.date(), "closed"
    session().commit()
    return item


def link_complaint(item: BadRatingItem, complaint_id: int) -> BadRatingItem:
    """The ① complaint the township made of this 差评."""
    item.complaint_id = complaint_id
    session().commit()
    return item


def complaint_draft(item: BadRatingItem) -> dict:
    """The complaint form's prefill from a 差评 (the township decides whether to file it)."""
    rating = item.rating
    parts = [
        str(_l("好差评转办：事项%(n)s，评价“%(l)s”", n=item.case.case_number, l=rating.level_label)),
        rating.comment or "",
        str(_l("核实情况：%(t)s", t=item.verification_note)) if item.verification_note else "",
    ]
    return {
        "received_on": clock.today(),
        "channel": "phone" if rating.source == policy.SOURCE_PHONE else "letter",
        "complainant_phone": rating.callback_phone,
        "village_id": item.village_id,
        "agent_id": item.case.agent_id,
        "case_id": item.case_id,
        "refused_request": True,
        "content": "\n".join(p for p in parts if p),
    }


# --------------------------------------------------------------------------------------
# Lists and figures
# --------------------------------------------------------------------------------------
def get_item(pk) -> BadRatingItem | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return session().execute(select(BadRatingItem).where(BadRatingItem.id == pk)).scalar_one_or_none()


def items(status: str | None = None) -> list[BadRatingItem]:
    """差评 items of the user's scope: open ones first, the earliest due first."""
    query = select(BadRatingItem)
    if status == "open":
        query = query.where(BadRatingItem.status.in_(policy.OPEN_ITEM_STATUSES))
    elif status:
        query = query.where(BadRatingItem.status == status)
    rows = session().execute(query.order_by(BadRatingItem.due_on, BadRatingItem.id)).scalars().all()
    return sorted(rows, key=lambda i: (i.status not in policy.OPEN_ITEM_STATUSES, i.due_on))


def overdue_items(today: dt.date | None = None) -> list[BadRatingItem]:
    """Open 差评 items past their due day (the township's to-do list), the oldest first."""
    today = today or clock.today()
    query = (
        select(BadRatingItem)
        .where(BadRatingItem.status.in_(policy.OPEN_ITEM_STATUSES), BadRatingItem.due_on < today)
        .order_by(BadRatingItem.due_on, BadRatingItem.id)
    )
    return list(session().execute(query).scalars().all())


def rating_figures(
    year: int, month: int, village_id: int | None = None, today: dt.date | None = None
) -> dict[int, RatingFigures]:
    """{village_id: figures} of the ratings given in the month (rated cases, 好评率, 差评数,
    差评整改按期率), in the caller's scope."""
    today = today or clock.today()
    query = select(CaseRating.village_id, CaseRating.level, CaseRating.id).where(
        extract("year", CaseRating.given_at) == year, extract("month", CaseRating.given_at) == month
    )
    if village_id is not None:
        query = query.where(CaseRating.village_id == village_id)
    rows = session().execute(query).all()
    item_rows = (
        session()
        .execute(
            select(BadRatingItem.rating_id, BadRatingItem.due_on, BadRatingItem.closed_on).where(
                BadRatingItem.rating_id.in_([r.id for r in rows] or [0]), BadRatingItem.status != "withdrawn"
            )
        )
        .all()
    )
    by_rating = {r.rating_id: (r.due_on, r.closed_on) for r in item_rows}
    out: dict[int, RatingFigures] = {}
    for vid in sorted({r.village_id for r in rows}):
        mine = [r for r in rows if r.village_id == vid]
        pairs = [by_rating[r.id] for r in mine if r.id in by_rating]
        out[vid] = policy.rating_figures([r.level for r in mine], pairs, today)
    return out


def public_counts(code: str, today: dt.date, months: int = 6) -> list[tuple[int, int, RatingFigures]]:
    """The public village page's counts (rated, 好评, 差评) of the last ``months`` months that
    have ratings, the most recent first. Counts only."""
    out = []
    year, month = today.year, today.month
    with unscoped():
        village_id = session().execute(select(Village.id).where(Village.code == code.upper())).scalar()
        if village_id is None:
            return []
        for _ in range(months):
            figures = rating_figures(year, month, village_id, today).get(village_id)
            if figures is not None:
                out.append((year, month, figures))
            year, month = previous_month(year, month)
    return out


def open_items_due_by(day: dt.date) -> list[BadRatingItem]:
    """Open 差评 items due on or before ``day`` (the reminder job: due soon, and overdue)."""
    query = (
        select(BadRatingItem)
        .where(BadRatingItem.status.in_(policy.OPEN_ITEM_STATUSES), BadRatingItem.due_on <= day)
        .order_by(BadRatingItem.due_on, BadRatingItem.id)
    )
    return list(session().execute(query).scalars().all())


@dataclass(frozen=True)
class RatingSummary:
    """The dashboards' 好差评 line for a month, in the caller's scope: the month's figures
    summed over the villages and the open 差评 items past their due day."""

    figures: RatingFigures
    overdue_items: int


def rating_summary(today: dt.date, village_id: int | None = None) -> RatingSummary:
    by_village = rating_figures(today.year, today.month, village_id=village_id, today=today)
    total = RatingFigures(
        rated=sum(f.rated for f in by_village.values()),
        good=sum(f.good for f in by_village.values()),
        bad=sum(f.bad for f in by_village.values()),
        bad_due=sum(f.bad_due for f in by_village.values()),
        bad_on_time=sum(f.bad_on_time for f in by_village.values()),
    )
    query = select(func.count(BadRatingItem.id)).where(
        BadRatingItem.status.in_(policy.OPEN_ITEM_STATUSES), BadRatingItem.due_on < today
    )
    if village_id is not None:
        query = query.where(BadRatingItem.village_id == village_id)
    return RatingSummary(total, session().execute(query).scalar() or 0)
