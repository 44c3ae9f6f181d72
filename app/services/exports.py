"""The xlsx exports of SPEC §11: queries that stream plain rows to the layouts of ``app/exports``.

* 便民代办登记台账 (``ledger``) — cases, filtered as on screen (or by village / dates from the CLI);
* 月汇总表 (``monthly``) — one month's figures per village with a township total, or for one
  village per service category;
* 扣款明细 (``deductions``) — the deduction records ①–⑤;
* 补助发放表 (``payout``) — a quarter's payout sheet as stored (frozen once approved);
* 年度统计 (``annual``) — a year per village and month from the monthly aggregate, with a
  合计 row per village (``exports/annual_stats.py``).

Every query runs in the ORM session, so village scoping applies exactly as on the list pages;
big tables are read with ``yield_per`` (a server-side cursor on PostgreSQL) and written in
XlsxWriter's ``constant_memory`` mode, so memory stays flat whatever the number of rows
(``tests/bench/bench_export_ledger.py``). ID numbers and phones are masked unless full numbers
are asked for (township staff only, ``full_numbers_allowed``; audited), on the CLI too.
All cell text is written as text (no formulas, no links), whatever the user typed.

This module holds the queries, the export options (``parse_options``, ``OPTIONS_SPEC``) and
turns records into the row types the layouts declare (``LedgerRow``, ``MonthFigures``,
``DeductionRow``, ``PayoutRow`` of ``app/exports``): codes become Chinese words here, numbers
are masked here; headers, widths, titles and signature lines are the layouts' business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Query

from ..exports.annual_stats import MonthLine, VillageYear, write_annual_sheet
from ..exports.deductions import DeductionRow, write_deductions_sheet
from ..exports.ledger import LedgerRow, write_ledger_sheet
from ..exports.letterhead import Letterhead
from ..exports.monthly import MonthFigures, VillageMonth, write_township_month, write_village_month
from ..exports.payout import PayoutRow, write_payout_sheet
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
from ..models.enums import (
    CASE_CHANNELS,
    CASE_KINDS,
    CASE_STATUSES,
    DEDUCTION_STATES,
    PAYOUT_STATUSES,
    REPORT_STATUSES,
)
from ..policy.deductions import DeductionCode
from ..policy.idcard import mask_id_number
from ..policy.intake import registered_same_day
from ..policy.money import q2
from ..policy.periods import (
    chinese_date,
    month_bounds,
    month_label,
    month_of,
    parse_month,
    parse_quarter,
    parse_year,
    previous_month,
    quarter_label,
    quarter_months,
)
from ..policy.phone import mask_phone
from ..policy.reports import report_due_date
from ..security import current_village_scope
from . import audit, privacy, settings
from .attachments import count_subquery as attachment_counts
from .calendar import now_local, work_calendar
from .calendar import today as township_today
from .errors import NotFound, ValidationFailed
from .fields import Field, parse, policy_field, to_date, to_int, to_str

KINDS = ("ledger", "monthly", "deductions", "payout", "annual")
#: The resource whose ``can_read`` an export of each kind needs besides ``Export``.
KIND_RESOURCES = {
    "ledger": "Case",
    "monthly": "MonthlyReport",
    "deductions": "Deduction",
    "payout": "PayoutLine",
    "annual": "Dashboard",
}
KIND_TITLES = {
    "ledger": _l("便民代办登记台账"),
    "monthly": _l("月汇总表"),
    "deductions": _l("扣款明细"),
    "payout": _l("补助发放表"),
    "annual": _l("年度统计"),
}
YIELD_PER = 2000


def _labels(mapping) -> dict:
    """Plain Chinese strings of a code → label mapping (the workbook is a Chinese document)."""
    with force_locale("zh"):
        return {k: str(v) for k, v in mapping.items()}


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


def _acting_township():
    """The township a township user works for (their exports carry its name), else None."""
    from ..models import Township
    from ..security import current_township_scope

    township_id = current_township_scope()
    return db.session.get(Township, township_id) if township_id else None


def letterhead(village: Village | None, today: dt.date) -> Letterhead:
    """填报单位 and 制表人 of an export: the township (settings), the village if the sheet is one
    village's, the acting person's 姓名."""
    return Letterhead(
        township=settings.township_name(village if village is not None else _acting_township()),
        today=today,
        village=village.name if village is not None else None,
        prepared_by=audit.actor_name(),
    )


# =============================================================================== ledger


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
    counts = attachment_counts()
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
            counts.c.n,
        )
        .outerjoin(village, Case.village_id == village.id)
        .outerjoin(agent, Case.agent_id == agent.id)
        .outerjoin(item, Case.service_item_id == item.id)
        .outerjoin(counts, counts.c.case_id == Case.id)
        .yield_per(YIELD_PER)
    )


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _same_day_test(cal) -> Callable[[dt.datetime, dt.datetime], bool]:
    """``registered_same_day`` on ``cal``, remembered per (received day, registered day): it only
    depends on the two days, and a ledger's rows share a few hundred pairs of them (the
    calendar walk costs more than writing the row).  Emptied past 4096 pairs (flat memory)."""
    seen: dict[tuple[dt.date, dt.date], bool] = {}

    def same_day(received: dt.datetime, registered: dt.datetime) -> bool:
        key = (_day(received), _day(registered))
        hit = seen.get(key)
        if hit is None:
            if len(seen) >= 4096:
                seen.clear()
            hit = seen[key] = registered_same_day(key[0], key[1], cal)
        return hit

    return same_day


def ledger_rows(query: Query, *, full_numbers: bool, today: dt.date) -> Iterator[LedgerRow]:
    kinds, channels, statuses = _labels(CASE_KINDS), _labels(CASE_CHANNELS), _labels(CASE_STATUSES)
    yes = "是"
    same_day = _same_day_test(work_calendar())
    for n, r in enumerate(_ledger_tuples(query), 1):
        (number, village, agent, kind, item, name, id_number, phone, channel, urgent, received_at,
         submit_by, complete_by, status, closed_late, due_on, closed_at, fee, receipt, notes,
         materials, materials_note, window_result, answer,
         registered_at, pay_received, pay_paid, voucher, paid_on, attachments) = r  # fmt: skip
        late_entry = not same_day(received_at, registered_at or received_at)
        overdue = closed_late or (status in OPEN_STATUSES and due_on is not None and due_on < today)
        yield LedgerRow(
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
            attachments or 0,
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
    rows = ledger_rows(query, full_numbers=bool(full_numbers), today=today)
    return write_ledger_sheet(out, rows, head=letterhead(village, today), scope_text=scope_text)


# ============================================================================== monthly


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


def _month_reports(year: int, month: int) -> dict[int, MonthlyReport]:
    stmt = select(MonthlyReport).where(MonthlyReport.year == year, MonthlyReport.month == month)
    return {r.village_id: r for r in db.session.execute(stmt).scalars()}


def village_months(year: int, month: int, now: dt.datetime) -> list[VillageMonth]:
    """The lines of the township's 月汇总表: every village in code order (a deactivated one
    only if it has figures that month)."""
    reports = _month_reports(year, month)
    villages = db.session.execute(select(Village.id, Village.name, Village.active).order_by(Village.code)).all()
    lines = []
    for v in villages:
        figures = month_figures_of(v.id, year, month, reports.get(v.id), now)
        total = figures.figures.get("total") or {}
        if not v.active and not any(total.values()):
            continue
        lines.append(VillageMonth(v.name, figures))
    return lines


def category_rows(figures: MonthFigures) -> list[dict]:
    """The lines of one village's 统计表: the categories of its cases (and the uncategorised
    line when it has consultations, refusals or open cases)."""
    return [
        r
        for r in figures.figures.get("rows") or []
        if r.get("category_id") is not None
        or any(int(r.get(k) or 0) for k in ("consult", "accepted", "rejected", "open"))
    ]


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
    if village is None:
        lines = village_months(year, month, now)
        return write_township_month(out, year, month, lines, head=letterhead(None, today))
    figures = month_figures_of(village.id, year, month, _month_reports(year, month).get(village.id), now)
    return write_village_month(out, year, month, figures, category_rows(figures), head=letterhead(village, today))


# =========================================================================== deductions

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


def deduction_rows(query: Query) -> Iterator[DeductionRow]:
    """The records of ``query`` with their codes in words (the workbook is a Chinese document)."""
    states, sources = _labels(DEDUCTION_STATES), _labels(SOURCE_LABELS)
    with force_locale("zh"):
        reasons = {c.value: f"{c.symbol}{c.label}" for c in DeductionCode}
    for n, (vname, aname, year, month, occurred_on, code, amount, state, description, source, void_reason) in enumerate(
        _deduction_tuples(query), 1
    ):
        yield DeductionRow(
            seq=n,
            village=vname,
            agent=aname,
            year=year,
            month=month,
            occurred_on=occurred_on,
            reason=reasons.get(code, code),
            amount=amount,
            state=states.get(state, state),
            active=state == "active",
            description=description,
            source=source_label(source, sources),
            void_reason=void_reason,
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
    return write_deductions_sheet(out, deduction_rows(query), head=letterhead(village, today), scope_text=scope_text)


# =============================================================================== payout


def payout_lines_query(sheet: PayoutSheet, query: Query | None = None, *, village_id: int | None = None) -> Query:
    """The lines of ``sheet`` in sheet order: ``query`` (e.g. the line list's filters) narrowed
    to the sheet and the village; without ``query``, all its lines."""
    query = (query if query is not None else db.session.query(PayoutLine)).filter(PayoutLine.sheet_id == sheet.id)
    if village_id is not None:
        query = query.filter(PayoutLine.village_id == village_id)
    return query.order_by(None).order_by(PayoutLine.seq, PayoutLine.id)


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
        township=settings.township_name(sheet.township),
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
_year = policy_field(parse_year)


OPTIONS_SPEC = {
    "village": Field(_village_code, _l("村代码")),
    "month": Field(_month, _l("月份")),
    "quarter": Field(_quarter, _l("季度")),
    "from": Field(to_date, _l("起始日期")),
    "to": Field(to_date, _l("截止日期")),
    "sheet": Field(to_int, _l("发放表编号")),
    "year": Field(_year, _l("年度")),
}


@dataclass
class ExportOptions:
    village: Village | None = None
    month: tuple[int, int] | None = None
    quarter: tuple[int, int] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sheet_id: int | None = None
    year: int | None = None

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
            parts.append(month_label(*self.month))
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
        year=values.get("year"),
    )


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


# ===================================================================== the web's exports
# ``/export/<kind>`` from a list page: the view hands the list's own query (its FAB filters,
# base filters and order — ``views.base.list_query``) and the list's “equal to” filter values;
# the CLI calls the ``write_*`` functions above directly.

LIST_SCOPE = _l("按列表筛选条件")


def village_by_id(village_id: int) -> Village | None:
    """A village by id through a scoped query (``Session.get`` could answer from the identity map)."""
    return db.session.execute(select(Village).where(Village.id == village_id)).scalar()


def own_village() -> Village | None:
    """The village of a village user (None for township staff)."""
    village_id = current_village_scope()
    return village_by_id(village_id) if village_id else None


def active_villages() -> list[Village]:
    return db.session.execute(select(Village).where(Village.active.is_(True)).order_by(Village.code)).scalars().all()


def last_month(today: dt.date) -> tuple[int, int]:
    """The month a monthly export shows by default: the one before ``today``'s."""
    return previous_month(*month_of(today))


def _scope_text(options: ExportOptions, filtered: bool) -> str:
    return options.describe() or (str(LIST_SCOPE) if filtered else "")


def _village_name(village: Village | None) -> str:
    return village.name if village else ""


def export_ledger(
    out: BinaryIO,
    options: ExportOptions,
    query: Query | None,
    *,
    filtered: bool,
    full_numbers: bool,
    audit_filters: dict,
) -> str:
    """The ledger of the list's ``query`` narrowed by ``options``; a full-numbers export is
    audited with ``audit_filters``. Returns the download's file name."""
    date_from, date_to = options.date_range()
    village = options.village or own_village()
    query = ledger_query(
        query, village_id=options.village.id if options.village else None, date_from=date_from, date_to=date_to
    )
    scope = _scope_text(options, filtered)
    rows = write_ledger(out, query, scope_text=scope, village=village, full_numbers=full_numbers)
    if full_numbers:
        record_full_numbers("ledger", audit_filters, rows)
        db.session.commit()
    return filename("ledger", _village_name(village), options.describe())


def export_deductions(out: BinaryIO, options: ExportOptions, query: Query | None, *, filtered: bool) -> str:
    """扣款明细 of the list's ``query`` narrowed by ``options`` (a month or a quarter)."""
    year = months = None
    if options.month:
        year, months = options.month[0], [options.month[1]]
    elif options.quarter:
        year, months = options.quarter[0], quarter_month_numbers(*options.quarter)
    village = options.village or own_village()
    query = deductions_query(
        query, village_id=options.village.id if options.village else None, year=year, months=months
    )
    write_deductions(out, query, scope_text=_scope_text(options, filtered), village=village)
    return filename("deductions", _village_name(village), options.describe())


def _listed_month(list_filters: dict[str, str]) -> tuple[int, int] | None:
    """The month of the report list's year/month “equal to” filters, if both are given."""
    year, month = list_filters.get("year", ""), list_filters.get("month", "")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return int(year), int(month)
    return None


def export_monthly(out: BinaryIO, options: ExportOptions, list_filters: dict[str, str]) -> str:
    """月汇总表 of the month of ``options``, else of the report list's filters, else last month;
    of the village of ``options``, the user's own, or the list's village filter."""
    month = options.month or _listed_month(list_filters) or last_month(township_today())
    village = options.village or own_village()
    if village is None and list_filters.get("village", "").isdigit():
        village = village_by_id(int(list_filters["village"]))
    write_monthly(out, *month, village=village)
    return filename("monthly", _village_name(village), month_label(*month))


def payout_sheet_for(options: ExportOptions, list_filters: dict[str, str]) -> PayoutSheet:
    """The sheet of ``options``, else of the line list's sheet filter, else the latest one."""
    if options.sheet_id is None and options.quarter is None:
        sheet_filter = list_filters.get("sheet", "")
        if sheet_filter.isdigit():
            options.sheet_id = int(sheet_filter)
    return find_sheet(options)


def export_payout(out: BinaryIO, sheet: PayoutSheet, options: ExportOptions, query: Query | None) -> str:
    """补助发放表 of ``sheet``'s lines that the line list's ``query`` shows."""
    village_id = options.village.id if options.village is not None else None
    write_payout(out, sheet, payout_lines_query(sheet, query, village_id=village_id))
    return payout_filename(sheet)


# ========================================================================= 年度统计 (annual)


def _report_word(status: str | None, labels: dict[str, str]) -> str:
    return labels.get(status, status) if status else "未填报"


def annual_lines(year: int, today: dt.date) -> tuple[list[VillageYear], bool]:
    """Every village in scope (code order; a deactivated one only with figures that year) with
    its twelve months of ``year`` from the monthly aggregate (today's month live; months still to
    come empty), and whether any rating was given that year (the 好评率 column). The queries do
    not grow with the villages: one per kind of figure (and one per month for the ratings)."""
    from . import dashboard as figures
    from . import ratings as rating_service

    cal = work_calendar()
    months = [(year, m) for m in range(1, 13)]
    shown = [ym for ym in months if ym <= (today.year, today.month)]
    cases = figures.village_month_figures(shown, today) if shown else {}
    signins = figures.village_month_signins(shown, today) if shown else {}
    deductions = figures.village_month_deductions(year)
    reports = figures.village_month_reports(year)
    ratings: dict = {}
    for ym in shown:
        for vid, f in rating_service.rating_figures(*ym, today=today).items():
            ratings[(vid, ym)] = f
    labels = _labels(REPORT_STATUSES)
    villages = db.session.execute(
        select(Village.id, Village.code, Village.name, Village.active).order_by(Village.code)
    ).all()
    out = []
    for v in villages:
        lines = []
        for ym in months:
            if ym not in shown:
                lines.append(MonthLine(ym[1], report="—"))
                continue
            f = cases.get((v.id, ym))
            status = reports.get((v.id, ym))
            due = today > report_due_date(*ym, cal)
            r = ratings.get((v.id, ym))
            lines.append(
                MonthLine(
                    ym[1],
                    received=f.received if f else 0,
                    completed=f.completed if f else 0,
                    on_time=f.completed_on_time if f else 0,
                    ontime_base=f.ontime_base if f else 0,
                    late_entry=f.late_entry if f else 0,
                    overdue=f.overdue if f else 0,
                    signin_days=signins.get((v.id, ym), 0),
                    report=_report_word(status, labels) if due or status else "—",
                    report_ok=status == "submitted",
                    report_due=due,
                    deductions=deductions.get((v.id, ym), q2(0)),
                    rated=r.rated if r else 0,
                    good=r.good if r else 0,
                )
            )
        has_figures = any(m.received or m.signin_days or m.deductions for m in lines)
        if v.active or has_figures:
            out.append(VillageYear(v.name, lines, v.code))
    return out, bool(ratings)


def write_annual(
    out: BinaryIO | str, year: int, *, village: Village | None = None, today: dt.date | None = None
) -> int:
    """年度统计 of ``year``: per village in scope (or the one ``village``'s) and month. Returns
    the data rows written (13 per village)."""
    today = today or township_today()
    if year > today.year:
        raise ValidationFailed(errors={"year": [_l("%(y)s年尚未开始，只能导出本年或以前的年度", y=year)]})
    villages, ratings = annual_lines(year, today)
    if village is not None:
        villages = [v for v in villages if v.code == village.code]
    return write_annual_sheet(out, year, villages, ratings=ratings, head=letterhead(village, today))


def export_annual(out: BinaryIO, options: ExportOptions) -> str:
    """年度统计 of the year of ``options`` (else this year), of the village of ``options`` or
    the user's own (scoping already limits a village user to theirs)."""
    year = options.year or township_today().year
    village = options.village or own_village()
    write_annual(out, year, village=village)
    return filename("annual", _village_name(village), f"{year}年")
