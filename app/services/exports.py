"""The xlsx exports of SPEC §11: queries that stream rows to the writers of ``app/exports``.

* 便民代办登记台账 (``ledger``) — cases, filtered as on screen (or by village / dates from the CLI);
* 月汇总表 (``monthly``) — one month's figures per village with a township total, or for one
  village per service category;
* 扣款明细 (``deductions``) — the deduction records ①–⑤;
* 补助发放表 (``payout``) — a quarter's payout sheet as stored (frozen once approved).

Every query runs in the ORM session, so village scoping applies exactly as on the list pages;
big tables are read with ``yield_per`` (a server-side cursor on PostgreSQL) and written in
XlsxWriter's ``constant_memory`` mode, so memory stays flat whatever the number of rows
(``tests/bench/bench_export_ledger.py``). ID numbers and phones are masked unless full numbers
are asked for (township staff only, ``full_numbers_allowed``; audited), on the CLI too.
All cell text is written as text (no formulas, no links), whatever the user typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Query

from ..exports.payout import PayoutRow, quarter_label, write_payout_sheet
from ..exports.xlsx import Column, write_table
from ..extensions import db
from ..models import (
    Agent,
    Case,
    Deduction,
    MonthlyReport,
    PayoutLine,
    PayoutSheet,
    ServiceCategory,
    ServiceItem,
    Village,
)
from ..models.case import OPEN_STATUSES
from ..models.enums import CASE_CHANNELS, CASE_KINDS, CASE_STATUSES, DEDUCTION_STATES, PAYOUT_STATUSES, REPORT_STATUSES
from ..policy import PolicyViolation
from ..policy.deductions import DeductionCode
from ..policy.idcard import mask_id_number
from ..policy.money import month_bounds, parse_quarter, q2, quarter_months
from ..policy.phone import mask_phone
from ..policy.reports import parse_month
from . import audit, privacy, settings
from .calendar import now_local
from .calendar import today as township_today
from .errors import NotFound, ValidationFailed
from .fields import Field, parse, to_date, to_int, to_str

KINDS = ("ledger", "monthly", "deductions", "payout")
#: The resource whose ``can_read`` an export of each kind needs besides ``Export``.
KIND_RESOURCES = {"ledger": "Case", "monthly": "MonthlyReport", "deductions": "Deduction", "payout": "PayoutLine"}
KIND_TITLES = {
    "ledger": _l("便民代办登记台账"),
    "monthly": _l("月汇总表"),
    "deductions": _l("扣款明细"),
    "payout": _l("补助发放表"),
}
YIELD_PER = 2000
ZERO = Decimal("0.00")
SIGNATURES = ("单位负责人：", "审核人：", "制表人：{who}", "日期：{date}")


def _labels(mapping) -> dict:
    """Plain Chinese strings of a code → label mapping (the workbook is a Chinese document)."""
    with force_locale("zh"):
        return {k: str(v) for k, v in mapping.items()}


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def month_text(year: int, month: int) -> str:
    return f"{year}年{month}月"


def full_numbers_allowed() -> bool:
    """Township staff may ask for full ID numbers and phones in an export (SPEC §12); every
    export is masked unless they do, and the request is audited (``record_full_numbers``)."""
    return privacy.sees_full_numbers()


def record_full_numbers(kind: str, filters: dict, rows: int) -> None:
    """Audit an export with full ID numbers and phones: who, when, which export, filters."""
    audit.record_event(
        "export",
        f"export:{kind}",
        summary=f"{KIND_TITLES.get(kind, kind)}（含完整证件号码），{rows} 行",
        changes={"kind": kind, "full_numbers": True, "filters": filters, "rows": rows},
    )


def unit_name(village: Village | None = None) -> str:
    """填报单位: the township's service centre, or the village's service point."""
    township = settings.township_name()
    if village is not None:
        return f"{township}{village.name}便民服务代办点"
    return f"{township}便民服务中心"


def actor_name() -> str:
    from .payouts import _actor

    return _actor()


def _footer(today: dt.date) -> list[str]:
    return [s.format(who=actor_name(), date=chinese_date(today)) for s in SIGNATURES]


# =============================================================================== ledger

LEDGER_COLUMNS = [
    Column("序号", 6, "int"),
    Column("受理编号", 13),
    Column("村名", 8),
    Column("代办员", 8),
    Column("类型", 6),
    Column("代办事项", 22),
    Column("申请人", 8),
    Column("身份证号", 19),
    Column("联系电话", 12),
    Column("受理方式", 8),
    Column("急办", 5),
    Column("受理时间", 15, "datetime"),
    Column("应报送日期", 11, "date"),
    Column("应办结日期", 11, "date"),
    Column("状态", 9),
    Column("逾期", 5),
    Column("办结时间", 15, "datetime"),
    Column("收费（元）", 9, "money"),
    Column("收据号", 11),
    Column("备注", 20),
]


def ledger_query(
    query: Query | None = None,
    *,
    village_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Query:
    """The cases of the ledger: ``query`` (e.g. the list page's filters and order) narrowed by
    village and received date; without ``query``, all cases oldest first."""
    if query is None:
        query = db.session.query(Case).order_by(Case.received_at, Case.id)
    if village_id is not None:
        query = query.filter(Case.village_id == village_id)
    if date_from is not None:
        query = query.filter(Case.received_at >= dt.datetime.combine(date_from, dt.time()))
    if date_to is not None:
        query = query.filter(Case.received_at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()))
    return query


def _ledger_tuples(query: Query) -> Query:
    """Only the exported columns of a (filtered, ordered) ``Query(Case)`` — no ORM objects.

    The related tables are joined as the plain entities (not aliases): village scoping's loader
    criteria are written against the entities, and the list's own dotted filters join their
    own aliases anyway."""
    village, agent, item = Village, Agent, ServiceItem
    return (
        query.with_entities(
            Case.case_number,
            village.name,
            agent.name,
            Case.kind,
            item.name,
            Case.applicant_name,
            Case.applicant_id_number,
            Case.applicant_phone,
            Case.channel,
            Case.urgent,
            Case.received_at,
            Case.submit_by,
            Case.complete_by,
            Case.status,
            Case.closed_late,
            Case.due_on,
            Case.closed_at,
            Case.fee,
            Case.receipt_number,
            Case.notes,
        )
        .outerjoin(village, Case.village_id == village.id)
        .outerjoin(agent, Case.agent_id == agent.id)
        .outerjoin(item, Case.service_item_id == item.id)
        .yield_per(YIELD_PER)
    )


def ledger_rows(query: Query, *, full_numbers: bool, today: dt.date) -> Iterator[tuple]:
    kinds, channels, statuses = _labels(CASE_KINDS), _labels(CASE_CHANNELS), _labels(CASE_STATUSES)
    yes = "是"
    for n, r in enumerate(_ledger_tuples(query), 1):
        (number, village, agent, kind, item, name, id_number, phone, channel, urgent, received_at,
         submit_by, complete_by, status, closed_late, due_on, closed_at, fee, receipt, notes) = r  # fmt: skip
        overdue = closed_late or (status in OPEN_STATUSES and due_on is not None and due_on < today)
        yield (
            n,
            number,
            village,
            agent,
            kinds.get(kind, kind),
            item,
            name,
            (id_number or "") if full_numbers else mask_id_number(id_number),
            (phone or "") if full_numbers else mask_phone(phone),
            channels.get(channel, channel),
            yes if urgent else "",
            received_at,
            submit_by,
            complete_by,
            statuses.get(status, status),
            yes if overdue else "",
            closed_at,
            fee,
            receipt,
            notes,
        )


def write_ledger(
    out: BinaryIO | str,
    query: Query,
    *,
    scope_text: str = "",
    village: Village | None = None,
    full_numbers: bool | None = None,
    today: dt.date | None = None,
) -> int:
    """便民代办登记台账 of the cases of ``query`` (streamed; returns the number of rows).
    ID numbers and phones are masked unless ``full_numbers`` is given (SPEC §12)."""
    today = today or township_today()
    full = bool(full_numbers)
    return write_table(
        out,
        title=f"{settings.township_name()}便民代办登记台账",
        columns=LEDGER_COLUMNS,
        rows=ledger_rows(query, full_numbers=full, today=today),
        subtitle_left=f"填报单位：{unit_name(village)}",
        subtitle_right=scope_text or f"导出日期：{today.isoformat()}",
        unit="元",
        sheet_name="便民代办登记台账",
        footer=_footer(today),
        constant_memory=True,
        fit_rows=True,
    )


# ============================================================================== monthly

MONTHLY_FIGURES = [
    Column("咨询", 7, "int"),
    Column("代办受理", 8, "int"),
    Column("其中急办", 7, "int"),
    Column("不予受理/退回", 9, "int"),
    Column("已报送", 7, "int"),
    Column("已办结", 7, "int"),
    Column("按时办结", 8, "int"),
    Column("按时办结率", 9, "percent"),
    Column("逾期", 6, "int"),
    Column("未办结", 7, "int"),
    Column("收费（元）", 10, "money"),
]
_COUNT_KEYS = ("consult", "proxy", "urgent", "rejected", "submitted", "completed", "on_time", "overdue", "open")


def _month_figures(year: int, month: int, group_col, today: dt.date, village_id: int | None = None) -> dict:
    """``{group value: {figure: n, …, "fee": Decimal}}`` of the cases received in the month."""
    first, last = month_bounds(year, month)
    start = dt.datetime.combine(first, dt.time())
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    closed = Case.status.in_(("completed", "answered", "referred"))

    def count(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    stmt = (
        select(
            group_col,
            count(Case.kind == "consult"),
            count(and_(Case.kind == "proxy", Case.status != "rejected")),
            count(and_(Case.kind == "proxy", Case.urgent.is_(True), Case.status != "rejected")),
            count(Case.status == "rejected"),
            count(Case.submitted_at.is_not(None)),
            count(closed),
            count(and_(closed, Case.closed_late.is_(False))),
            count(Case.overdue_clause(today)),
            count(Case.open_clause()),
            func.coalesce(func.sum(Case.fee), 0),
        )
        .where(Case.received_at >= start, Case.received_at < end, Case.status != "voided")
        .group_by(group_col)
    )
    if village_id is not None:
        stmt = stmt.where(Case.village_id == village_id)
    out = {}
    for key, *values in db.session.execute(stmt):
        figures = dict(zip(_COUNT_KEYS, (int(v or 0) for v in values[:-1]), strict=True))
        figures["fee"] = q2(values[-1] or 0)
        out[key] = figures
    return out


def _figure_cells(f: dict | None) -> list:
    f = f or {}
    completed = f.get("completed", 0)
    rate = (Decimal(f.get("on_time", 0)) / completed) if completed else None
    return [
        f.get("consult", 0),
        f.get("proxy", 0),
        f.get("urgent", 0),
        f.get("rejected", 0),
        f.get("submitted", 0),
        completed,
        f.get("on_time", 0),
        rate,
        f.get("overdue", 0),
        f.get("open", 0),
        f.get("fee", ZERO),
    ]


def _sum_figures(rows: list[dict | None]) -> dict:
    total: dict[str, Any] = dict.fromkeys(_COUNT_KEYS, 0)
    total["fee"] = ZERO
    for f in rows:
        for key, value in (f or {}).items():
            total[key] = total.get(key, 0) + value
    return total


def write_monthly(
    out: BinaryIO | str,
    year: int,
    month: int,
    *,
    village: Village | None = None,
    today: dt.date | None = None,
) -> int:
    """月汇总表 of one month: per village with 全乡合计, or — for one village — per category
    (村级便民服务报送事项办理情况统计表). Figures are SQL aggregates of the cases received in
    the month; the report's status comes from the monthly reports."""
    today = today or township_today()
    report_labels = _labels(REPORT_STATUSES)
    not_submitted = "未报送"
    reports = {
        vid: (status, submitted_at)
        for vid, status, submitted_at in db.session.execute(
            select(MonthlyReport.village_id, MonthlyReport.status, MonthlyReport.submitted_at).where(
                MonthlyReport.year == year, MonthlyReport.month == month
            )
        )
    }
    township = settings.township_name()
    if village is None:
        figures = _month_figures(year, month, Case.village_id, today)
        villages = db.session.execute(
            select(Village.id, Village.name, Village.active).order_by(Village.code)
        ).all()
        columns = [
            Column("序号", 5, "int"),
            Column("村名", 9),
            *MONTHLY_FIGURES,
            Column("月报状态", 9),
            Column("报送时间", 16, "datetime"),
        ]
        rows = []
        shown = []
        for v in villages:
            if not v.active and v.id not in figures:
                continue
            status, submitted_at = reports.get(v.id, (None, None))
            shown.append(figures.get(v.id))
            rows.append(
                [len(rows) + 1, v.name, *_figure_cells(figures.get(v.id)),
                 report_labels.get(status, not_submitted) if status else not_submitted, submitted_at]  # fmt: skip
            )
        totals = ["全乡合计", None, *_figure_cells(_sum_figures(shown)), None, None]
        title = f"{township}便民代办服务月汇总表"
        left = f"填报单位：{unit_name()}"
    else:
        figures = _month_figures(year, month, Case.category_id, today, village_id=village.id)
        categories = db.session.execute(select(ServiceCategory.id, ServiceCategory.name).order_by(ServiceCategory.code)).all()
        columns = [Column("序号", 5, "int"), Column("事项类别", 22), *MONTHLY_FIGURES]
        rows = [[n, c.name, *_figure_cells(figures.get(c.id))] for n, c in enumerate(categories, 1)]
        if None in figures:
            rows.append([len(rows) + 1, "未分类", *_figure_cells(figures.get(None))])
        totals = ["合计", None, *_figure_cells(_sum_figures(list(figures.values())))]
        status, submitted_at = reports.get(village.id, (None, None))
        status_text = report_labels.get(status, not_submitted) if status else not_submitted
        title = f"{village.name}便民服务报送事项办理情况统计表"
        left = f"填报单位：{unit_name(village)}　月报：{status_text}"
    return write_table(
        out,
        title=title,
        columns=columns,
        rows=rows,
        subtitle_left=left,
        subtitle_right=f"统计月份：{month_text(year, month)}",
        unit="件、元",
        sheet_name=f"{year}-{month:02d}",
        totals=totals,
        footer=_footer(today),
        constant_memory=True,
    )


# =========================================================================== deductions

DEDUCTION_COLUMNS = [
    Column("序号", 6, "int"),
    Column("村名", 9),
    Column("代办员", 8),
    Column("所属月份", 10),
    Column("发生日期", 11, "date"),
    Column("扣款项目", 24),
    Column("金额（元）", 10, "money"),
    Column("状态", 7),
    Column("事由", 30),
    Column("来源", 10),
    Column("撤销原因", 20),
]
SOURCE_LABELS = {
    "complaint": _l("群众反映/举报"),
    "training": _l("培训会议考勤"),
    "attendance": _l("培训会议考勤"),
    "trainingattendance": _l("培训会议考勤"),
    "training_attendance": _l("培训会议考勤"),
    "inspection": _l("督查检查"),
    "report": _l("月汇总表"),
    "monthly_report": _l("月汇总表"),
    "monthlyreport": _l("月汇总表"),
    "case": _l("台账审核"),
    "case_review": _l("台账审核"),
}


def deductions_query(
    query: Query | None = None,
    *,
    village_id: int | None = None,
    year: int | None = None,
    months: list[int] | None = None,
) -> Query:
    """The deduction records: ``query`` (the list page's filters) narrowed by village and month."""
    if query is None:
        query = db.session.query(Deduction).order_by(
            Deduction.year, Deduction.month, Deduction.village_id, Deduction.occurred_on, Deduction.id
        )
    if village_id is not None:
        query = query.filter(Deduction.village_id == village_id)
    if year is not None:
        query = query.filter(Deduction.year == year)
    if months:
        query = query.filter(Deduction.month.in_(months))
    return query


def _deduction_tuples(query: Query) -> Query:
    village, agent = Village, Agent
    return (
        query.with_entities(
            village.name,
            agent.name,
            Deduction.year,
            Deduction.month,
            Deduction.occurred_on,
            Deduction.code,
            Deduction.amount,
            Deduction.state,
            Deduction.description,
            Deduction.source_type,
            Deduction.void_reason,
        )
        .outerjoin(village, Deduction.village_id == village.id)
        .outerjoin(agent, Deduction.agent_id == agent.id)
        .yield_per(YIELD_PER)
    )


def write_deductions(
    out: BinaryIO | str,
    query: Query,
    *,
    scope_text: str = "",
    village: Village | None = None,
    today: dt.date | None = None,
) -> int:
    """扣款明细 of the deductions of ``query``; the total counts the active ones only."""
    today = today or township_today()
    states, sources = _labels(DEDUCTION_STATES), _labels(SOURCE_LABELS)
    with force_locale("zh"):
        reasons = {c.value: f"{c.symbol}{c.label}" for c in DeductionCode}
    active_total = [ZERO]

    def rows() -> Iterator[tuple]:
        for n, (vname, aname, year, month, occurred_on, code, amount, state, description, source, void_reason) in enumerate(
            _deduction_tuples(query), 1
        ):
            if state == "active" and amount is not None:
                active_total[0] += q2(amount)
            yield (
                n,
                vname,
                aname,
                month_text(year, month),
                occurred_on,
                reasons.get(code, code),
                amount,
                states.get(state, state),
                description,
                sources.get((source or "").lower(), source),
                void_reason,
            )

    return write_table(
        out,
        title=f"{settings.township_name()}便民代办员扣款明细",
        columns=DEDUCTION_COLUMNS,
        rows=rows(),
        subtitle_left=f"填报单位：{unit_name(village)}",
        subtitle_right=scope_text or f"导出日期：{today.isoformat()}",
        unit="元",
        sheet_name="扣款明细",
        fit_rows=True,
        totals=lambda: ["合计（不含已撤销）", None, None, None, None, None, active_total[0], None, None, None, None],
        note="注：扣款按政策第二条（四）2从当月乡级补助中扣除，当月扣款合计不超过当月应发补助，实际扣款以补助发放表为准。",
        footer=_footer(today),
        constant_memory=True,
    )


# =============================================================================== payout


def payout_lines_query(sheet: PayoutSheet) -> Query:
    return db.session.query(PayoutLine).filter(PayoutLine.sheet_id == sheet.id).order_by(PayoutLine.seq, PayoutLine.id)


def payout_rows(lines) -> list[PayoutRow]:
    rows = []
    for line in lines:
        village = (line.detail or {}).get("village_name") or (line.village.name if line.village else "")
        rows.append(
            PayoutRow(
                seq=line.seq,
                village=village,
                agent=line.agent_name,
                gross=q2(line.gross),
                deductions={code: q2(getattr(line, f"d{code}")) for code in "12345"},
                deductions_total=q2(line.deductions_total),
                net_township=q2(line.net_township),
                village_supplement=q2(line.village_supplement),
                total=q2(line.total),
                remarks=line.remarks or "",
            )
        )
    return rows


def payout_status_text(sheet: PayoutSheet) -> str:
    labels = _labels(PAYOUT_STATUSES)
    if sheet.status == "draft":
        return "草稿（未审核，仅供核对）"
    if sheet.status == "paid" and sheet.paid_on:
        return f"{labels['paid']}（{chinese_date(sheet.paid_on)}）"
    return labels.get(sheet.status, sheet.status)


def write_payout(out: BinaryIO | str, sheet: PayoutSheet, query: Query | None = None) -> int:
    """补助发放表 of ``sheet`` from its stored lines (``query`` narrows them, e.g. the list's
    filters; village users get their own village's line by scoping)."""
    lines = (query if query is not None else payout_lines_query(sheet)).all()
    rows = payout_rows(lines)
    approved = sheet.approved_at.date() if sheet.approved_at else None
    write_payout_sheet(
        out,
        township=settings.township_name(),
        year=sheet.year,
        quarter=sheet.quarter,
        rows=rows,
        prepared_by=sheet.prepared_by or "",
        reviewed_by=sheet.approved_by or "",
        head="",
        date_text=chinese_date(approved) if approved else "",
        status_text=payout_status_text(sheet),
    )
    return len(rows)


# ============================================================================ filenames


def filename(kind: str, *parts: str) -> str:
    with force_locale("zh"):
        title = str(KIND_TITLES[kind])
    stamp = now_local().strftime("%Y%m%d-%H%M")
    name = "_".join(p for p in (title, *parts) if p)
    return f"{name}_{stamp}.xlsx"


def payout_filename(sheet: PayoutSheet) -> str:
    return filename("payout", quarter_label(sheet.year, sheet.quarter))


def quarter_month_numbers(year: int, quarter: int) -> list[int]:
    return [m for _, m in quarter_months(year, quarter)]


# ======================================================================= export options


def _village_code(value):
    value = to_str(value, 8)
    return value.upper() if value else None


def _month(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_month(str(value))
    except PolicyViolation as exc:
        raise ValueError(exc.message) from None


def _quarter(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_quarter(str(value))
    except PolicyViolation as exc:
        raise ValueError(exc.message) from None


OPTIONS_SPEC = {
    "village": Field(_village_code, _l("村代码")),
    "month": Field(_month, _l("月份")),
    "quarter": Field(_quarter, _l("季度")),
    "from": Field(to_date, _l("起始日期")),
    "to": Field(to_date, _l("截止日期")),
    "sheet": Field(to_int, _l("发放表编号")),
}


@dataclass
class ExportOptions:
    village: Village | None = None
    month: tuple[int, int] | None = None
    quarter: tuple[int, int] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sheet_id: int | None = None

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.village, self.month, self.quarter, self.date_from, self.date_to, self.sheet_id))

    def date_range(self) -> tuple[dt.date | None, dt.date | None]:
        """--from/--to, or the month's / quarter's days."""
        if self.month:
            return month_bounds(*self.month)
        if self.quarter:
            months = quarter_months(*self.quarter)
            return month_bounds(*months[0])[0], month_bounds(*months[-1])[1]
        return self.date_from, self.date_to

    def describe(self) -> str:
        parts = []
        if self.village is not None:
            parts.append(self.village.name)
        if self.month:
            parts.append(month_text(*self.month))
        elif self.quarter:
            parts.append(quarter_label(*self.quarter))
        elif self.date_from or self.date_to:
            parts.append(
                "受理日期：{}至{}".format(
                    self.date_from.isoformat() if self.date_from else "",
                    self.date_to.isoformat() if self.date_to else "",
                )
            )
        return "　".join(parts)


def parse_options(data) -> ExportOptions:
    """Export options from a form, the query string or the CLI (Chinese messages, nothing
    half-parsed): ``village`` (code), ``month`` (2026-09), ``quarter`` (2026Q3), ``from``/``to``
    (dates), ``sheet`` (a payout sheet id). The village is looked up in the user's scope."""
    values = parse(data or {}, OPTIONS_SPEC)
    errors: dict[str, list] = {}
    if values.get("month") and values.get("quarter"):
        errors["quarter"] = [_l("月份和季度只能指定一个")]
    if (values.get("month") or values.get("quarter")) and (values.get("from") or values.get("to")):
        errors["from"] = [_l("起止日期不能与月份或季度同时指定")]
    if values.get("from") and values.get("to") and values["from"] > values["to"]:
        errors["to"] = [_l("截止日期不能早于起始日期")]
    village = None
    if values.get("village"):
        village = db.session.execute(select(Village).where(Village.code == values["village"])).scalar()
        if village is None:
            errors["village"] = [_l("村代码“%(c)s”不存在", c=values["village"])]
    if errors:
        raise ValidationFailed(errors=errors)
    return ExportOptions(
        village=village,
        month=values.get("month"),
        quarter=values.get("quarter"),
        date_from=values.get("from"),
        date_to=values.get("to"),
        sheet_id=values.get("sheet"),
    )


def previous_month(today: dt.date) -> tuple[int, int]:
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def find_sheet(options: ExportOptions) -> PayoutSheet:
    """The payout sheet to export: by id, by quarter, else the latest one."""
    stmt = select(PayoutSheet)
    if options.sheet_id is not None:
        sheet = db.session.get(PayoutSheet, options.sheet_id)
        if sheet is None:
            raise NotFound(_l("发放表不存在"))
        return sheet
    if options.quarter:
        year, quarter = options.quarter
        sheet = db.session.execute(stmt.where(PayoutSheet.year == year, PayoutSheet.quarter == quarter)).scalar()
        if sheet is None:
            raise ValidationFailed(
                errors={"quarter": [_l("%(p)s的补助发放表尚未计算", p=quarter_label(year, quarter))]}
            )
        return sheet
    sheet = db.session.execute(stmt.order_by(PayoutSheet.year.desc(), PayoutSheet.quarter.desc()).limit(1)).scalar()
    if sheet is None:
        raise ValidationFailed(errors={"quarter": [_l("还没有计算过补助发放表")]})
    return sheet
