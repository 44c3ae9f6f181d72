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
from typing import BinaryIO

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Query

from ..exports.payout import PayoutRow, write_payout_sheet
from ..exports.xlsx import Column, write_table
from ..extensions import db
from ..models import (
    Agent,
    Case,
    Deduction,
    MonthlyReport,
    PayoutLine,
    PayoutSheet,
    ServiceItem,
    Village,
)
from ..models.case import OPEN_STATUSES
from ..models.enums import CASE_CHANNELS, CASE_KINDS, CASE_STATUSES, DEDUCTION_STATES, PAYOUT_STATUSES
from ..policy.deductions import DeductionCode
from ..policy.idcard import mask_id_number
from ..policy.intake import registered_same_day
from ..policy.money import q2
from ..policy.periods import month_bounds, parse_month, parse_quarter, quarter_label, quarter_months
from ..policy.phone import mask_phone
from . import audit, privacy, settings
from .calendar import now_local, work_calendar
from .calendar import today as township_today
from .errors import NotFound, ValidationFailed
from .fields import Field, parse, policy_field, to_date, to_int, to_str

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


def chinese_date(day: dt.date | None) -> str:
    """2026年12月1日 — the form of dates on every printed document and export ("" for none)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def chinese_datetime(moment: dt.datetime | None) -> str:
    """2026年12月1日 9:05."""
    return f"{chinese_date(moment)} {moment.hour}:{moment.minute:02d}" if moment else ""


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


def _footer(today: dt.date) -> list[str]:
    return [s.format(who=audit.actor_name(), date=chinese_date(today)) for s in SIGNATURES]  # 制表人


# =============================================================================== ledger

#: Widths keep the ledger one A4 landscape page wide at ≥ 8 pt (``tests``: effective_font_size);
#: 已收材料 and 办理结果/答复 (issue 12 §4) sit before the narrow 收据号 / 备注.
LEDGER_COLUMNS = [
    Column("序号", 4, "int"),
    Column("受理编号", 12),
    Column("村名", 6),
    Column("代办员", 6),
    Column("类型", 4.5),
    Column("代办事项", 12.5),
    Column("申请人", 6),
    Column("身份证号", 17.5),
    Column("联系电话", 11),
    Column("受理方式", 5),
    Column("急办", 3.5),
    Column("受理时间", 15.5, "datetime"),
    Column("应报送日期", 10, "date"),
    Column("应办结日期", 10, "date"),
    Column("状态", 6),
    Column("逾期", 3.5),
    Column("办结日期", 10, "date"),
    Column("收费（元）", 6, "money"),
    Column("已收材料", 15),
    Column("办理结果/答复", 11.5),
    Column("收据号", 4.5),
    Column("备注", 4.5),
]
LEDGER_FONT_SIZE = 10.5


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
            Case.materials_received,
            Case.materials_note,
            Case.window_result,
            Case.answer_text,
            Case.registered_at,
            Case.payment_received,
            Case.payment_paid,
            Case.payment_voucher,
            Case.payment_paid_on,
        )
        .outerjoin(village, Case.village_id == village.id)
        .outerjoin(agent, Case.agent_id == agent.id)
        .outerjoin(item, Case.service_item_id == item.id)
        .yield_per(YIELD_PER)
    )


def ledger_rows(query: Query, *, full_numbers: bool, today: dt.date) -> Iterator[tuple]:
    kinds, channels, statuses = _labels(CASE_KINDS), _labels(CASE_CHANNELS), _labels(CASE_STATUSES)
    yes = "是"
    cal = work_calendar()
    for n, r in enumerate(_ledger_tuples(query), 1):
        (number, village, agent, kind, item, name, id_number, phone, channel, urgent, received_at,
         submit_by, complete_by, status, closed_late, due_on, closed_at, fee, receipt, notes,
         materials, materials_note, window_result, answer,
         registered_at, pay_received, pay_paid, voucher, paid_on) = r  # fmt: skip
        late_entry = not registered_same_day(received_at, registered_at or received_at, cal)
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
            # 未当日登记 (第五条（一）2) rides with the status: the sheet is one A4 page wide at 8 pt
            f"{statuses.get(status, status)}（未当日登记）" if late_entry else statuses.get(status, status),
            yes if overdue else "",
            closed_at.date() if closed_at else None,
            fee,
            received_materials(materials, materials_note),
            "；".join(
                t
                for t in (
                    answer if kind == "consult" else window_result,
                    payment_text(pay_received, pay_paid, voucher, paid_on),
                )
                if t
            ),
            receipt,
            notes,
        )


def payment_text(received, paid, voucher: str | None, paid_on: dt.date | None) -> str:
    """代缴 money of a case in one phrase of the ledger's 办理结果 column (第四条9; never a fee)."""
    if received is None and paid is None and not voucher:
        return ""
    parts = []
    if received is not None:
        parts.append(f"收代缴款{received:.2f}元")
    if paid is not None:
        parts.append(f"代缴{paid:.2f}元")
    if voucher:
        parts.append(f"凭证号{voucher}")
    if paid_on:
        parts.append(chinese_date(paid_on))
    return "代缴：" + "，".join(parts)


def received_materials(materials, note: str | None) -> str:
    """已收材料 of the ledger: the list handed in, then the agent's note."""
    text = "；".join(str(m) for m in (materials or []) if m)
    return "；".join(t for t in (text, (note or "").strip()) if t)


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
        subtitle_right=scope_text or f"导出日期：{chinese_date(today)}",
        unit="元",
        sheet_name="便民代办登记台账",
        footer=_footer(today),
        constant_memory=True,
        fit_rows=True,
        body_size=LEDGER_FONT_SIZE,
    )


# ============================================================================== monthly

#: The figures of the 村级便民服务报送事项办理情况统计表 (``services.reports.FIGURE_COLUMNS``, the
#: same definitions as the submitted report, the 公开栏 and the public page) and the on-time rate.
MONTHLY_FIGURES = [
    Column("咨询", 7, "int"),
    Column("受理代办", 8, "int"),
    Column("不予受理/退回", 9, "int"),
    Column("已报送", 7, "int"),
    Column("已办结", 7, "int"),
    Column("按时办结", 8, "int"),
    Column("按时办结率", 9, "percent"),
    Column("超期", 6, "int"),
    Column("未办结", 7, "int"),
]
LIVE_MARK = "未报送（实时数据）"


def _figure_cells(f: dict | None) -> list:
    f = f or {}
    completed = int(f.get("completed") or 0)
    rate = (Decimal(int(f.get("on_time") or 0)) / completed) if completed else None
    head = [int(f.get(k) or 0) for k in ("consult", "accepted", "rejected", "submitted", "completed", "on_time")]
    return [*head, rate, int(f.get("overdue") or 0), int(f.get("open") or 0)]


def _sum_figures(rows: list[dict | None]) -> dict:
    from .reports import FIGURE_KEYS

    return {k: sum(int((f or {}).get(k) or 0) for f in rows) for k in FIGURE_KEYS}


@dataclass
class MonthFigures:
    """One village's month as the 月汇总表 shows it: the frozen figures of a submitted report,
    else the same figures computed from the cases now (``frozen`` False: 实时数据)."""

    figures: dict
    frozen: bool
    submitted_on: dt.date | None

    @property
    def status_text(self) -> str:
        if self.frozen:
            return f"已报送（报送日期：{chinese_date(self.submitted_on)}）" if self.submitted_on else "已报送"
        return LIVE_MARK


def month_figures_of(
    village_id: int, year: int, month: int, report: MonthlyReport | None, now: dt.datetime
) -> MonthFigures:
    """One set of figures: a submitted report's frozen ones (as on the report, the 公开栏 and
    the public page), otherwise live from the cases with the report's own definitions."""
    from .reports import generate_figures

    if report is not None and report.status == "submitted" and (report.figures or {}).get("total"):
        submitted = report.submitted_at.date() if report.submitted_at else None
        return MonthFigures(report.figures, True, submitted)
    return MonthFigures(generate_figures(village_id, year, month, now), False, None)


def write_monthly(
    out: BinaryIO | str,
    year: int,
    month: int,
    *,
    village: Village | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> int:
    """月汇总表 of one month: per village with 全乡合计, or — for one village — per category
    (村级便民服务报送事项办理情况统计表). A submitted month shows the report's frozen figures and
    says 已报送 with its date; any other is marked 未报送（实时数据）."""
    now = now or now_local()
    today = today or now.date()
    reports = {
        r.village_id: r
        for r in db.session.execute(
            select(MonthlyReport).where(MonthlyReport.year == year, MonthlyReport.month == month)
        ).scalars()
    }
    township = settings.township_name()
    if village is None:
        villages = db.session.execute(select(Village.id, Village.name, Village.active).order_by(Village.code)).all()
        columns = [
            Column("序号", 5, "int"),
            Column("村名", 9),
            *MONTHLY_FIGURES,
            Column("月报状态", 16),
            Column("报送日期", 14),
        ]
        rows, shown = [], []
        for v in villages:
            month_of = month_figures_of(v.id, year, month, reports.get(v.id), now)
            total = month_of.figures.get("total") or {}
            if not v.active and not any(total.values()):
                continue
            shown.append(total)
            status = "已报送" if month_of.frozen else LIVE_MARK
            rows.append([len(rows) + 1, v.name, *_figure_cells(total), status, chinese_date(month_of.submitted_on)])
        totals = ["全乡合计", None, *_figure_cells(_sum_figures(shown)), None, None]
        title = f"{township}便民代办服务月汇总表"
        left = f"填报单位：{unit_name()}"
        frozen = [r for r in rows if r[-2] == "已报送"]
        state = "全部已报送" if len(frozen) == len(rows) and rows else f"已报送{len(frozen)}个村，其余{LIVE_MARK}"
    else:
        month_of = month_figures_of(village.id, year, month, reports.get(village.id), now)
        columns = [Column("序号", 5, "int"), Column("事项类别", 22), *MONTHLY_FIGURES]
        table = [
            r
            for r in month_of.figures.get("rows") or []
            if r.get("category_id") is not None
            or any(int(r.get(k) or 0) for k in ("consult", "accepted", "rejected", "open"))
        ]
        rows = [[n, r.get("category") or "", *_figure_cells(r)] for n, r in enumerate(table, 1)]
        totals = ["合计", None, *_figure_cells(month_of.figures.get("total"))]
        title = f"{village.name}便民服务报送事项办理情况统计表"
        left = f"填报单位：{unit_name(village)}　月报：{month_of.status_text}"
        state = month_of.status_text
    return write_table(
        out,
        title=title,
        columns=columns,
        rows=rows,
        subtitle_left=left,
        subtitle_right=f"统计月份：{month_text(year, month)}",
        unit="件",
        sheet_name=f"{year}-{month:02d}",
        totals=totals,
        note=f"注：{state}。已报送的村为报送时冻结的数字（与月报、公开栏、公开页面一致）；未报送的为导出时按受理登记实时统计。",
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
    Column("扣款项目", 27),
    Column("金额（元）", 10, "money"),
    Column("状态", 7),
    Column("事由", 28),
    Column("来源", 18),
    Column("撤销原因", 17),
]
#: 来源 of a deduction in words — the source types of ``services.deductions`` (its table).
SOURCE_LABELS = {
    "complaint": _l("群众反映/举报（已核实）"),
    "attendance": _l("培训会议考勤·无故缺席"),
    "training": _l("培训会议考勤·无故缺席"),
    "inspection": _l("督查检查·不在岗"),
    "inspection_ledger": _l("督查检查·台账不完整"),
    "report": _l("月汇总表·未按时报送"),
    "monthly_report": _l("月汇总表·未按时报送"),
    "case": _l("台账审核·填写不完整"),
    "case_review": _l("台账审核·填写不完整"),
}


def source_label(source: str | None, labels: dict[str, str]) -> str:
    """来源 in Chinese: a known code, else the label of its first part (``inspection_x`` →
    督查检查·…), never the internal code itself."""
    code = (source or "").strip().lower()
    if not code:
        return ""
    if code in labels:
        return labels[code]
    head = code.split("_")[0].split(".")[0]
    return labels.get(head, "其他")


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
        for n, (
            vname,
            aname,
            year,
            month,
            occurred_on,
            code,
            amount,
            state,
            description,
            source,
            void_reason,
        ) in enumerate(_deduction_tuples(query), 1):
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
                source_label(source, sources),
                void_reason,
            )

    return write_table(
        out,
        title=f"{settings.township_name()}便民代办员扣款明细",
        columns=DEDUCTION_COLUMNS,
        rows=rows(),
        subtitle_left=f"填报单位：{unit_name(village)}",
        subtitle_right=scope_text or f"导出日期：{chinese_date(today)}",
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


_month = policy_field(parse_month)
_quarter = policy_field(parse_quarter)


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
        return any(
            v is not None for v in (self.village, self.month, self.quarter, self.date_from, self.date_to, self.sheet_id)
        )

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
