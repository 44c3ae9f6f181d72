"""补助发放 — the quarterly payout sheet's use cases (policy 第二条（四）1、3, SPEC §9).

Workflow::

    (none) --计算--> 草稿 --重新计算--> 草稿 --审核--> 已审核 --发放--> 已发放
                                   ^                    |
                                   +------退回重算------+

* 计算 / 重新计算 (``compute_sheet``): only a draft is (re)computed. The lines are matched with the
  previous computation by (village, agent) and the differences are kept on the sheet
  (``changes_since_last``) and shown on its page.
* 审核 (``approve_sheet``): only after the quarter has ended, and only when the stored lines still
  match what the sources give now (otherwise: recompute first, so the approver approves the
  figures on screen). Deduction ④ (月汇总表未按时报送) is settled for every month of the quarter
  past its due day before the sheet is computed and again right before it is approved; a ④
  found at approval is put on the lines (a recorded recomputation naming the villages) before
  they are frozen — a month is never paid in full for want of its report. Approval freezes the lines: nothing recomputes them while the sheet is
  已审核 or 已发放, whatever happens to agents, villages or deductions later.
* 发放 (``mark_paid``): the payment date (not in the future, not before the approval).
* 退回重算 (``reopen_sheet``): an explicit action with a reason, from 已审核 only; a paid sheet
  stays as it was paid (a correction goes into the next quarter's sheet).

Every step is a ``PayoutAction`` row (who, when, note); sheets, lines and actions are audited.
Who may do what is the views'/API's business (PayoutSheet ``can_compute`` … ``can_reopen``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..models import Agent, Deduction, PayoutAction, PayoutLine, PayoutSheet, Village
from ..models.enums import PAYOUT_STATUSES, label
from ..policy.money import q2
from ..policy.payout import (
    APPROVED,
    CODES,
    DRAFT,
    PAID,
    AgentTerm,
    PayoutLineResult,
    SheetTotals,
    VillageTerm,
    compute_quarter,
    quarter_bounds,
    render_notes,
    sheet_actions,
    sheet_totals,
)
from ..policy.periods import parse_quarter, quarter_label, quarter_months
from ..security import current_scope
from . import settings
from .audit import acting_account, actor_name, record_bulk_created, with_defaults
from .calendar import now_local
from .calendar import today as township_today
from .common import check_version, session
from .errors import Conflict, ValidationFailed
from .fields import Field, parse, policy_field, to_date, to_str
from .reports import settle_quarter
from .townships import township_by_code, township_by_id, township_for_new

#: Money columns of a line, in the sheet's order.
MONEY_FIELDS = (
    "gross",
    "d1",
    "d2",
    "d3",
    "d4",
    "d5",
    "deductions_total",
    "net_township",
    "village_supplement",
    "total",
)
FIELD_LABELS = {
    "agent_name": _l("代办员"),
    "gross": _l("应发乡级补助"),
    "d1": _l("扣款①"),
    "d2": _l("扣款②"),
    "d3": _l("扣款③"),
    "d4": _l("扣款④"),
    "d5": _l("扣款⑤"),
    "deductions_total": _l("扣款合计"),
    "net_township": _l("实发乡级补助"),
    "village_supplement": _l("村级补助"),
    "total": _l("合计"),
}
ACTIONS = {
    "compute": _l("计算"),
    "recompute": _l("重新计算"),
    "approve": _l("审核"),
    "pay": _l("发放"),
    "reopen": _l("退回重算"),
}
CHANGE_KINDS = {"added": _l("新增"), "removed": _l("删除"), "changed": _l("变化")}
FIRST_YEAR = 2000


# ------------------------------------------------------------------------------ helpers


def _period(value) -> tuple[int, int] | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, tuple) and len(value) == 2:
        return int(value[0]), int(value[1])
    return _quarter_text(value)


_quarter_text = policy_field(parse_quarter)


PERIOD_SPEC = {"quarter": Field(_period, _l("季度"), required=True)}


def parse_period(data, *, today: dt.date | None = None) -> tuple[int, int]:
    """``{"quarter": "2026Q3"}`` (or ``{"year": 2026, "quarter": 3}``) → ``(2026, 3)``;
    refuses a quarter that has not begun."""
    data = dict(data or {})
    if data.get("year") not in (None, "") and str(data.get("quarter", "")).strip() in ("1", "2", "3", "4"):
        data["quarter"] = f"{data['year']}Q{str(data['quarter']).strip()}"
    year, quarter = parse(data, PERIOD_SPEC)["quarter"]
    today = today or township_today()
    if year < FIRST_YEAR or year > today.year:
        raise ValidationFailed(errors={"quarter": [_l("季度：年份应在%(a)s至%(b)s之间", a=FIRST_YEAR, b=today.year)]})
    if quarter_bounds(year, quarter)[0] > today:
        raise ValidationFailed(errors={"quarter": [_l("%(p)s尚未开始，不能计算", p=period_label(year, quarter))]})
    return year, quarter


def period_label(year: int, quarter: int) -> str:
    return quarter_label(year, quarter)


def status_label(sheet: PayoutSheet) -> str:
    return label(PAYOUT_STATUSES, sheet.status)


def sheet_township_id(township_id=None, *, village_id: int | None = None) -> int:
    """The township a sheet is about (a sheet is one township's quarter, issue 15 §1): the one
    named (id or code), else the village's, else the acting user's, else the only township."""
    if township_id not in (None, ""):
        township = township_by_code(township_id) if isinstance(township_id, str) and not township_id.isdigit() else None
        if township is None:
            try:
                township = township_by_id(int(township_id))
            except (TypeError, ValueError):
                township = None
        if township is None:
            raise ValidationFailed(errors={"township_id": [_l("所属乡镇不存在")]})
        return township.id
    if village_id is not None:
        found = session().execute(select(Village.township_id).where(Village.id == village_id)).scalar()
        if found is not None:
            return found
    scope = current_scope()
    if scope is not None and scope[0] == "township":
        return scope[1]
    if scope is not None and scope[0] == "village":
        return session().execute(select(Village.township_id).where(Village.id == scope[1])).scalar()
    return township_for_new(None, field="township_id").id


def get_sheet(year: int, quarter: int, township_id=None) -> PayoutSheet | None:
    township_id = sheet_township_id(township_id)
    return (
        session()
        .execute(
            select(PayoutSheet).where(
                PayoutSheet.township_id == township_id, PayoutSheet.year == year, PayoutSheet.quarter == quarter
            )
        )
        .scalar()
    )


def quarter_is_open(year: int, quarter: int, *, village_id: int | None = None, township_id=None) -> bool:
    """True while the quarter's sheet is not approved (no sheet yet, or a draft): corrections
    of source records (voiding a deduction …) may still change what is paid. The sheet is that
    of the village's township (``village_id``) or of ``township_id``; without either, of the
    acting user's (or the only) township — with several townships and neither given, the
    quarter is open only while no township's sheet of it is frozen."""
    if village_id is None and township_id is None and current_scope() is None:
        states = session().execute(
            select(PayoutSheet.status).where(PayoutSheet.year == year, PayoutSheet.quarter == quarter)
        )
        return all(status == DRAFT for status in states.scalars())
    sheet = get_sheet(year, quarter, sheet_township_id(township_id, village_id=village_id))
    return sheet is None or sheet.status == DRAFT


def month_is_open(year: int, month: int, *, village_id: int | None = None, township_id=None) -> bool:
    """``quarter_is_open`` for the quarter of a month."""
    return quarter_is_open(year, (month - 1) // 3 + 1, village_id=village_id, township_id=township_id)


def _record(sheet: PayoutSheet, action: str, note: str | None = None) -> PayoutAction:
    # who did it, as the sheet's log shows it: the person's 姓名, else the CLI command's name
    row = PayoutAction(
        sheet=sheet, action=action, at=now_local(), user_name=actor_name(default=acting_account()[1]), note=note
    )
    session().add(row)
    return row


def _commit(new_lines: list[tuple[PayoutSheet, list[dict]]] = ()) -> None:
    """Commit, the new lines of ``_store`` inserted first (``_insert_lines``)."""
    try:
        for sheet, values in new_lines:
            _insert_lines(sheet, values)
        session().commit()
    except (IntegrityError, StaleDataError):
        session().rollback()
        raise Conflict(_l("该发放表刚被其他人修改，请刷新页面后重试")) from None


# ---------------------------------------------------------------------- computation


def sources(year: int, quarter: int, township_id=None) -> tuple[list[VillageTerm], list[AgentTerm], dict]:
    """What the quarter's sheet of a township is computed from: its villages, their agents'
    terms and deductions."""
    township_id = sheet_township_id(township_id)
    in_township = select(Village.id).where(Village.township_id == township_id)
    q_start, q_end = quarter_bounds(year, quarter)
    rows = (
        session()
        .execute(
            select(
                Agent.id,
                Agent.village_id,
                Agent.name,
                Agent.hired_on,
                Agent.dismissed_on,
                Agent.status,
                Agent.appointment_kind,
            ).where(
                Agent.level == "village",
                Agent.village_id.is_not(None),
                Agent.village_id.in_(in_township),
                Agent.status.in_(("active", "dismissed")),
                Agent.hired_on.is_not(None),
                Agent.hired_on <= q_end,
                or_(Agent.dismissed_on.is_(None), Agent.dismissed_on >= q_start),
            )
        )
        .all()
    )
    agents = [
        AgentTerm(
            id=r.id,
            village_id=r.village_id,
            name=r.name,
            start=r.hired_on,
            end=r.dismissed_on,
            deputy=r.appointment_kind == "deputy",
        )
        for r in rows
        # a dismissed agent without a dismissal date cannot be prorated: not paid
        if not (r.status == "dismissed" and r.dismissed_on is None)
    ]
    served = {a.village_id for a in agents}
    village_rows = (
        session()
        .execute(
            select(Village.id, Village.name, Village.code, Village.supplement_per_year, Village.active).where(
                Village.township_id == township_id, or_(Village.active.is_(True), Village.id.in_(served or {-1}))
            )
        )
        .all()
    )
    villages = [
        VillageTerm(
            id=v.id, name=v.name, code=v.code, supplement_per_year=q2(v.supplement_per_year or 0), active=bool(v.active)
        )
        for v in village_rows
    ]
    months = [m for _, m in quarter_months(year, quarter)]
    totals: dict[tuple[int, int], dict[str, Decimal]] = {}
    for agent_id, month, code, amount in session().execute(
        select(Deduction.agent_id, Deduction.month, Deduction.code, func.sum(Deduction.amount))
        .where(
            Deduction.state == "active",
            Deduction.year == year,
            Deduction.month.in_(months),
            Deduction.village_id.in_(in_township),
        )
        .group_by(Deduction.agent_id, Deduction.month, Deduction.code)
    ):
        if code in CODES and amount:
            totals.setdefault((agent_id, month), {})[code] = q2(amount)
    return villages, agents, totals


def compute_lines(year: int, quarter: int, township_id=None) -> list[PayoutLineResult]:
    """The lines of a township's sheet as the sources give them now (nothing stored), at the
    township's annual subsidy."""
    township_id = sheet_township_id(township_id)
    villages, agents, deductions = sources(year, quarter, township_id)
    annual = settings.annual_subsidy(township_by_id(township_id))
    with force_locale("zh"):  # the sheet is a Chinese document whoever computes it
        return compute_quarter(year, quarter, villages, agents, deductions, annual=annual)


def _line_values(result: PayoutLineResult, seq: int) -> dict:
    """A computed line as ``PayoutLine`` columns (call under ``force_locale("zh")``: its remarks
    are Chinese whoever computes)."""
    remarks = render_notes(result.notes) or None
    return {
        "seq": seq,
        "village_id": result.village_id,
        "agent_id": result.agent_id,
        "agent_name": result.agent_name[:30],
        **result.money(),
        "detail": result.detail(),
        "remarks": remarks,
    }


def _describe(values: dict) -> tuple[str, str]:
    return values["detail"].get("village_name", ""), values["agent_name"]


def _all_values(results: list[PayoutLineResult]) -> list[dict]:
    """``_line_values`` of every line, numbered from 1, in one Chinese locale switch."""
    with force_locale("zh"):
        return [_line_values(result, seq) for seq, result in enumerate(results, 1)]


def diff_lines(
    old: Iterable[PayoutLine], new: Iterable[PayoutLineResult], values_of: list[dict] | None = None
) -> list[dict]:
    """What would change from the stored lines ``old`` to the computed ``new``, keyed by
    (village, agent): ``[{"change": "added"|"removed"|"changed", "village", "agent",
    "fields": {name: [old, new]}}]`` with amounts as strings."""
    existing = {(line.village_id, line.agent_id): line for line in old}
    changes: list[dict] = []
    seen = set()
    new = list(new)
    values_of = values_of if values_of is not None else _all_values(new)
    for result, values in zip(new, values_of, strict=True):
        key = (result.village_id, result.agent_id)
        seen.add(key)
        village, agent = _describe(values)
        line = existing.get(key)
        if line is None:
            changes.append(
                {
                    "change": "added",
                    "village": village,
                    "agent": agent,
                    "fields": {"total": [None, str(values["total"])]},
                }
            )
            continue
        fields = {}
        if line.agent_name != values["agent_name"]:
            fields["agent_name"] = [line.agent_name, values["agent_name"]]
        for name in MONEY_FIELDS:
            before, after = q2(getattr(line, name)), values[name]
            if before != after:
                fields[name] = [str(before), str(after)]
        if fields:
            changes.append({"change": "changed", "village": village, "agent": agent, "fields": fields})
    for key, line in existing.items():
        if key not in seen:
            village = (line.detail or {}).get("village_name") or (line.village.name if line.village else "")
            changes.append(
                {
                    "change": "removed",
                    "village": village,
                    "agent": line.agent_name,
                    "fields": {"total": [str(q2(line.total)), None]},
                }
            )
    return changes


def pending_changes(sheet: PayoutSheet) -> list[dict]:
    """For a draft: what a recomputation would change now (empty when up to date)."""
    if sheet.status != DRAFT or sheet.computed_at is None:
        return []
    return diff_lines(sheet.lines, compute_lines(sheet.year, sheet.quarter, sheet.township_id))


def _stored_lines(sheet: PayoutSheet) -> list[PayoutLine]:
    """``sheet.lines``, loaded (when not yet) without the joined village of each line: the
    comparison needs the lines' columns only (a removed line's village is loaded if named)."""
    if "lines" not in sheet.__dict__ and sheet.id is not None:
        lines = (
            session()
            .execute(
                select(PayoutLine)
                .where(PayoutLine.sheet_id == sheet.id)
                .order_by(PayoutLine.seq)
                .options(lazyload(PayoutLine.village))
            )
            .scalars()
            .all()
        )
        set_committed_value(sheet, "lines", lines)
    return sheet.lines


def _store(sheet: PayoutSheet, results: list[PayoutLineResult]) -> tuple[list[dict], list[dict]]:
    """Bring the sheet's stored lines to ``results``: changed lines updated and lines gone
    deleted in the session (the next flush writes them, batched); returns the changes and the
    column values of the new lines, which the caller passes to ``_commit`` — they are written
    in one INSERT there (``_insert_lines``), after everything else of the action is flushed."""
    values_of = _all_values(results)
    stored = _stored_lines(sheet)
    changes = diff_lines(stored, results, values_of)
    existing = {(line.village_id, line.agent_id): line for line in stored}
    keep = set()
    new = []
    for result, values in zip(results, values_of, strict=True):
        key = (result.village_id, result.agent_id)
        keep.add(key)
        line = existing.get(key)
        if line is None:
            new.append(values)
            continue
        for name, value in values.items():
            if name == "detail":
                if line.detail != value:
                    line.detail = value
            elif name in MONEY_FIELDS:
                if q2(getattr(line, name)) != value:
                    setattr(line, name, value)
            elif getattr(line, name) != value:
                setattr(line, name, value)
    for key, line in existing.items():
        if key not in keep:
            session().delete(line)
    return changes, new


def _insert_lines(sheet: PayoutSheet, values: list[dict]) -> None:
    """New lines of ``sheet`` in one bulk INSERT (a flush sends one INSERT per row on SQLite:
    400 villages, 400 statements), with their audit entries — the same as the flush of
    ``PayoutLine`` objects records (``audit.record_bulk_created``). The sheet, its action and
    the lines changed or deleted are flushed first, in one flush as before (so the sheet's
    audit entry and the township write guard are those of that flush; the new lines are of the
    sheet's own villages, ``sources``). One SELECT then gives the new rows' ids."""
    if not values:
        return
    s = session()
    s.flush()
    rows = with_defaults(PayoutLine, [{"sheet_id": sheet.id, **v} for v in values])
    s.execute(insert(PayoutLine), rows)
    ids = {
        (village_id, agent_id): line_id
        for line_id, village_id, agent_id in s.execute(
            select(PayoutLine.id, PayoutLine.village_id, PayoutLine.agent_id)
            .where(PayoutLine.sheet_id == sheet.id)
            .execution_options(skip_village_scope=True)  # the ids of the rows just written, whoever reads
        )
    }
    for row in rows:
        row["id"] = ids[(row["village_id"], row["agent_id"])]
    record_bulk_created(s, PayoutLine, rows)
    s.expire(sheet, ["lines"])  # read again, with the new lines, when next used


def compute_sheet(data, *, today: dt.date | None = None) -> PayoutSheet:
    """计算 / 重新计算 the quarter's draft sheet of a township (creating it on first
    computation): ``data["township_id"]`` (id or code), else the acting user's township."""
    year, quarter = parse_period(data, today=today)
    township_id = sheet_township_id((data or {}).get("township_id"))
    sheet = get_sheet(year, quarter, township_id)
    _require_draft(sheet)
    settle_quarter(year, quarter)  # ④ of every month past its due day, before the lines are computed
    first = sheet is None
    if first:
        sheet = PayoutSheet(township_id=township_id, year=year, quarter=quarter, status=DRAFT, changes_since_last=[])
        session().add(sheet)
    else:
        check_version(sheet, (data or {}).get("version"), required=False)  # a draft: recomputing is idempotent
        _require_draft(sheet)
    results = compute_lines(year, quarter, township_id)
    changes, new_lines = _store(sheet, results)
    if first:
        changes = []  # nothing to compare with
    sheet.changes_since_last = changes
    sheet.computed_at = now_local()
    sheet.prepared_by = actor_name()
    total = sheet_totals(results).total
    if first:
        note = str(_l("首次计算：%(n)s行，合计%(t)s元", n=len(results), t=f"{total:,.2f}"))
    elif changes:
        note = str(_l("重新计算：%(c)s处变化，合计%(t)s元", c=len(changes), t=f"{total:,.2f}"))
    else:
        note = str(_l("重新计算：与上次计算相比没有变化"))
    _record(sheet, "compute" if first else "recompute", note)
    _commit([(sheet, new_lines)])
    return sheet


def _require_draft(sheet: PayoutSheet | None) -> None:
    """计算 (no sheet yet) or 重新计算 (a draft): refused once the sheet is frozen."""
    if sheet is None or "recompute" in sheet_actions(sheet.status):
        return
    if sheet.status == PAID:
        raise Conflict(_l("该发放表已发放，数据已冻结，不能重新计算"))
    raise Conflict(_l("该发放表已审核，数据已冻结，不能重新计算；如确需更正，请先“退回重算”"))


# ------------------------------------------------------------------------ the workflow

NOTE_SPEC = {"note": Field(lambda v: to_str(v, 200), _l("备注"))}


def _settle_reports_before_approval(sheet: PayoutSheet) -> list[dict]:
    """Settle ④ for the quarter's months; when that finds a report still missing (or late), the
    draft lines are recomputed — a recorded action naming the villages — so the sheet frozen by
    the approval shows the ④. Returns the new lines of that recomputation, for ``_commit``."""
    flagged = []
    new_lines: list[dict] = []
    for result in settle_quarter(sheet.year, sheet.quarter):
        flagged += [f"{name}（{result.month}月）" for name in result.flagged]
    if flagged:
        new_lines = _store(sheet, compute_lines(sheet.year, sheet.quarter, sheet.township_id))[1]
        sheet.computed_at = now_local()
        _record(
            sheet, "recompute", str(_l("审核前核定月汇总表未按时报送扣款（④）并重新计算：%(v)s", v="、".join(flagged)))
        )
    return new_lines


def approve_sheet(sheet: PayoutSheet, data=None, *, today: dt.date | None = None) -> PayoutSheet:
    """审核: freeze the draft's lines (who, when)."""
    data = data or {}
    check_version(sheet, data.get("version"))
    if "approve" not in sheet_actions(sheet.status):
        raise Conflict(_l("只有草稿状态的发放表可以审核，该表当前为“%(s)s”", s=status_label(sheet)))
    if sheet.computed_at is None:
        raise Conflict(_l("该发放表尚未计算，请先计算"))
    today = today or township_today()
    end = quarter_bounds(sheet.year, sheet.quarter)[1]
    if today <= end:
        raise Conflict(
            _l(
                "%(p)s尚未结束（%(d)s），扣款可能还会发生，季度结束后才能审核",
                p=period_label(sheet.year, sheet.quarter),
                d=end.isoformat(),
            )
        )
    pending = pending_changes(sheet)
    if pending:
        raise Conflict(
            _l("自上次计算以来，代办员或扣款等数据已有%(n)s处变化，请先重新计算并核对后再审核", n=len(pending))
        )
    new_lines = _settle_reports_before_approval(sheet)
    sheet.status = APPROVED
    sheet.approved_at = now_local()
    sheet.approved_by = actor_name()
    _record(sheet, "approve", parse(data, NOTE_SPEC).get("note"))
    _commit([(sheet, new_lines)])
    return sheet


PAY_SPEC = {
    "paid_on": Field(to_date, _l("发放日期"), required=True),
    "note": Field(lambda v: to_str(v, 200), _l("备注")),
}


def mark_paid(sheet: PayoutSheet, data, *, today: dt.date | None = None) -> PayoutSheet:
    """发放: the date the money was paid out."""
    data = data or {}
    check_version(sheet, data.get("version"))
    values = parse(data, PAY_SPEC)
    if "pay" not in sheet_actions(sheet.status):
        if sheet.status == PAID:
            raise Conflict(_l("该发放表已于%(d)s发放", d=sheet.paid_on.isoformat() if sheet.paid_on else ""))
        raise Conflict(_l("发放表须先审核，才能登记发放"))
    today = today or township_today()
    paid_on = values["paid_on"]
    if paid_on > today:
        raise ValidationFailed(errors={"paid_on": [_l("发放日期不能晚于今天")]})
    if sheet.approved_at and paid_on < sheet.approved_at.date():
        raise ValidationFailed(
            errors={"paid_on": [_l("发放日期不能早于审核日期（%(d)s）", d=sheet.approved_at.date().isoformat())]}
        )
    sheet.status = PAID
    sheet.paid_on = paid_on
    _record(sheet, "pay", values.get("note"))
    _commit()
    return sheet


REOPEN_SPEC = {"reason": Field(lambda v: to_str(v, 200), _l("退回原因"), required=True)}


def reopen_sheet(sheet: PayoutSheet, data) -> PayoutSheet:
    """退回重算: back to 草稿 with a reason, so it can be recomputed (recorded)."""
    data = data or {}
    check_version(sheet, data.get("version"))
    values = parse(data, REOPEN_SPEC)
    if "reopen" not in sheet_actions(sheet.status):
        if sheet.status == DRAFT:
            raise Conflict(_l("草稿无需退回，可直接重新计算"))
        raise Conflict(_l("已发放的发放表不能退回重算；发放有误的，请在下一季度发放表中调整并在备注中说明"))
    sheet.status = DRAFT
    sheet.approved_at = None
    sheet.approved_by = None
    _record(sheet, "reopen", values["reason"])
    _commit()
    return sheet


def describe_change(change: dict) -> str:
    """One entry of ``changes_since_last`` as a Chinese sentence."""
    who = f"{change.get('village', '')} {change.get('agent', '')}".strip()
    kind = change.get("change")
    fields = change.get("fields") or {}
    if kind == "added":
        return str(_l("新增：%(who)s，合计%(t)s元", who=who, t=(fields.get("total") or [None, ""])[1]))
    if kind == "removed":
        return str(_l("删除：%(who)s（原合计%(t)s元）", who=who, t=(fields.get("total") or [""])[0]))
    parts = [f"{FIELD_LABELS.get(name, name)} {old} → {new}" for name, (old, new) in fields.items()]
    return str(_l("变化：%(who)s：%(what)s", who=who, what="；".join(parts)))


# ------------------------------------------------------------------------ reading a sheet

#: Lines of a sheet per screen page (a township's sheet of 400 villages is 16 pages; the print
#: page and the xlsx always hold every line).
PAGE_LINES = 25


def stored_totals(sheet: PayoutSheet) -> SheetTotals:
    """The 合计 row of a stored sheet, summed by the database in whole 分 (exact on SQLite's
    floating NUMERIC too) — equal to ``sheet_totals(sheet.lines)`` without loading the lines."""
    cents = [func.coalesce(func.sum(func.round(getattr(PayoutLine, c) * 100)), 0) for c in MONEY_FIELDS]
    row = session().execute(select(*cents).where(PayoutLine.sheet_id == sheet.id)).one()
    yuan = {c: q2(Decimal(int(v)) / 100) for c, v in zip(MONEY_FIELDS, row, strict=True)}
    return SheetTotals(
        gross=yuan["gross"],
        deductions={code: yuan[f"d{code}"] for code in CODES},
        deductions_total=yuan["deductions_total"],
        net_township=yuan["net_township"],
        village_supplement=yuan["village_supplement"],
        total=yuan["total"],
    )


@dataclass
class LinesPage:
    """One screen page of a sheet's lines (printed order), and what the pager needs."""

    lines: list[PayoutLine]
    page: int
    pages: int
    count: int  # lines of the page's selection
    all_lines: int  # lines of the sheet
    deducted: int  # lines of the sheet with a deduction
    everything: bool  # every line of the selection on one page
    deducted_only: bool
    per_page: int = PAGE_LINES

    @property
    def pageable(self) -> bool:
        """The selection would take more than one page when paged (一页显示全部 / 分页显示)."""
        return self.count > self.per_page


def lines_page(
    sheet: PayoutSheet, *, page: int = 1, deducted_only: bool = False, everything: bool = False
) -> LinesPage:
    """The sheet's lines in their printed order (序号), ``PAGE_LINES`` a page — or all of them
    with ``everything`` — optionally only the lines with a deduction (扣款合计 > 0)."""
    of_sheet = PayoutLine.sheet_id == sheet.id
    counts = (
        session()
        .execute(select(func.count(), func.count().filter(PayoutLine.deductions_total > 0)).where(of_sheet))
        .one()
    )
    all_lines, deducted = int(counts[0]), int(counts[1])
    where = [of_sheet, PayoutLine.deductions_total > 0] if deducted_only else [of_sheet]
    count = deducted if deducted_only else all_lines
    pages = 1 if everything else max(1, -(-count // PAGE_LINES))
    page = min(max(1, page), pages)
    query = select(PayoutLine).where(*where).order_by(PayoutLine.seq, PayoutLine.id)
    if not everything:
        query = query.offset((page - 1) * PAGE_LINES).limit(PAGE_LINES)
    lines = list(session().execute(query).scalars().unique())
    return LinesPage(lines, page, pages, count, all_lines, deducted, everything, deducted_only)
