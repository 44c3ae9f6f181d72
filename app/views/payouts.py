"""补助发放 views (SPEC §9): the quarterly sheets and their lines.

* ``PayoutSheetView`` (``/payoutsheet``) — the list of quarters with a 计算 form; the sheet page
  with its lines, the working per month, what changed since the last computation, the actions
  history and the buttons 重新计算 / 审核 / 发放 / 退回重算 / 导出 Excel, each shown only when
  the state and the user's permissions allow it (and checked again by the service).
* ``PayoutLineView`` (``/payoutline``) — read-only lines; a village user sees the own
  village's lines only (automatic scoping). Its list exports as the 补助发放表.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..extensions import db
from ..models import PayoutLine, PayoutSheet
from ..models.enums import PAYOUT_STATUSES, label
from ..policy.money import money_text as money
from ..policy.payout import CODES, last_finished_quarter, quarter_bounds, sheet_actions, sheet_totals
from ..policy.periods import QUARTER_NAMES, recent_quarters
from ..services import payouts as payout_service
from ..services.calendar import today as township_today
from ..services.errors import DomainError
from ..services.settings import township_name
from .base import READ_WRITE, BmModelView, ReadOnlyModelView, code_formatter, interface

SHEET_PERMISSIONS = ("compute", "approve", "pay", "reopen")


def quarter_text(value) -> str:
    return str(QUARTER_NAMES.get(value, value)) if value else ""


CIRCLED = "①②③④⑤"


def money_memo():
    """``money_text`` remembering what it formatted (keyed by type and text: the same amount
    prints alike, and −0.00 stays apart from 0.00): a sheet of 400 lines prints the same few amounts — 416.67, 0.00 … — some
    ten thousand times."""
    memo: dict = {}

    def fmt(value) -> str:
        key = (type(value), str(value))
        text = memo.get(key)
        if text is None:
            text = memo[key] = money(value)
        return text

    return fmt


def _codes_text(amounts: dict | None, fmt=money) -> str:
    """``{"1": "30.00", "4": "30.00"}`` → ``"①30.00 ④30.00"`` (codes in order)."""
    return " ".join(f"{CIRCLED[int(code) - 1]}{fmt(amount)}" for code, amount in sorted((amounts or {}).items()))


def working_rows(detail: dict | None, month_word: str, fmt=money) -> list[dict]:
    """The month-by-month working of a line (its frozen detail) as the page prints it: every
    text and amount formatted here, once — the template only places them."""
    return [
        {
            "month": f"{m.get('month')}{month_word}",
            "days": f"{m.get('days')}/{m.get('days_in_month')}",
            "share": fmt(m.get("share")),
            "gross": fmt(m.get("gross")),
            "recorded": _codes_text(m.get("recorded"), fmt),
            "taken": _codes_text(m.get("taken"), fmt),
            "capped": bool(m.get("capped")),
            "net": fmt(m.get("net")),
            "supplement": fmt(m.get("supplement")),
        }
        for m in (detail or {}).get("months", [])
    ]


def sheet_rows(lines: list[PayoutLine]) -> list[dict]:
    """The sheet's lines as its page prints them — village, agent, the amounts formatted (应发,
    ①–⑤, 扣款合计, 实发, 村级补助), 合计, 备注 and the working — computed in one pass, so that
    400 lines cost no lazy string, translation or query per cell."""
    month_word = str(_l("月"))
    fmt = money_memo()
    rows = []
    for line in lines:
        detail = line.detail or {}
        amounts = [line.gross, *(getattr(line, f"d{c}") for c in CODES)]
        amounts += [line.deductions_total, line.net_township, line.village_supplement]
        rows.append(
            {
                "seq": line.seq,
                "village": detail.get("village_name") or str(line.village or ""),
                "agent": line.agent_name,
                "amounts": [fmt(a) for a in amounts],
                "total": fmt(line.total),
                "remarks": line.remarks or "",
                "months": working_rows(detail, month_word, fmt),
            }
        )
    return rows


def _sheet_status(sheet) -> str:
    if sheet is None or not hasattr(sheet, "status"):  # a sheet out of the user's township: not loaded
        return str(sheet or "")
    return f"{sheet}（{label(PAYOUT_STATUSES, sheet.status)}）"


class PayoutSheetView(BmModelView):
    datamodel = interface(PayoutSheet)
    class_permission_name = "PayoutSheet"
    route_base = "/payoutsheet"
    list_title = _l("补助发放表")
    show_title = _l("补助发放表")
    base_permissions = ["can_read", "can_compute", "can_approve", "can_pay", "can_reopen"]
    method_permission_name = {
        **READ_WRITE,
        "compute": "compute",
        "recompute": "compute",
        "approve": "approve",
        "pay": "pay",
        "reopen": "reopen",
        "print_sheet": "read",
    }
    include_route_methods = {"list", "show", "compute", "recompute", "approve", "pay", "reopen", "print_sheet"}

    list_columns = ["year", "quarter", "status", "computed_at", "prepared_by", "approved_by", "approved_at", "paid_on"]
    search_columns = ["year", "quarter", "status"]
    order_columns = ["year", "quarter", "status", "computed_at", "approved_at", "paid_on"]
    base_order = ("year", "desc")
    label_columns = {
        "year": _l("年度"),
        "quarter": _l("季度"),
        "status": _l("状态"),
        "computed_at": _l("计算时间"),
        "prepared_by": _l("制表人"),
        "approved_by": _l("审核人"),
        "approved_at": _l("审核时间"),
        "paid_on": _l("发放日期"),
        "notes": _l("备注"),
    }
    formatters_columns = {
        "quarter": quarter_text,
        "status": code_formatter(PAYOUT_STATUSES),
        "computed_at": lambda v: f"{v:%Y-%m-%d %H:%M}" if v else "",
        "approved_at": lambda v: f"{v:%Y-%m-%d %H:%M}" if v else "",
    }

    def list_toolbar(self) -> str:
        if not self.appbuilder.sm.has_access("can_compute", self.class_permission_name):
            return ""
        today = township_today()
        year, quarter = last_finished_quarter(today)
        return render_template(
            "payouts/_compute_form.html",
            quarters=recent_quarters(today),
            selected=f"{year}Q{quarter}",
        )

    # -- the sheet page ------------------------------------------------------------------
    def _sheet_or_404(self, pk) -> PayoutSheet:
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            abort(404)
        sheet = self.datamodel.get(pk, self._base_filters)
        if sheet is None:
            abort(404)
        return sheet

    @staticmethod
    def _lines(sheet: PayoutSheet) -> list[PayoutLine]:
        """The sheet's lines in their printed order (the page and the print page alike)."""
        return (
            db.session.query(PayoutLine)
            .filter(PayoutLine.sheet_id == sheet.id)
            .order_by(PayoutLine.seq, PayoutLine.id)
            .all()
        )

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        sheet = self._sheet_or_404(pk)
        shown = payout_service.lines_page(
            sheet,
            page=request.args.get("page", 1, type=int),
            deducted_only=request.args.get("deducted") == "1",
            everything=request.args.get("all") == "1",
        )
        sm = self.appbuilder.sm
        can = {p: sm.has_access(f"can_{p}", self.class_permission_name) for p in SHEET_PERMISSIONS}
        can["export"] = sm.has_access("can_read", "Export")
        today = township_today()
        quarter_end = quarter_bounds(sheet.year, sheet.quarter)[1]
        pending = payout_service.pending_changes(sheet) if sheet.status == payout_service.DRAFT else []
        return self.render_template(
            "payouts/sheet.html",
            title=payout_service.period_label(sheet.year, sheet.quarter),
            township=township_name(sheet.township),  # the sheet's own township (issue 15 §1)
            sheet=sheet,
            rows=sheet_rows(shown.lines),
            shown=shown,
            totals=payout_service.stored_totals(sheet),
            can=can,
            allowed=sheet_actions(sheet.status),
            today=today,
            quarter_finished=today > quarter_end,
            quarter_end=quarter_end,
            pending=[payout_service.describe_change(c) for c in pending],
            changes=[payout_service.describe_change(c) for c in (sheet.changes_since_last or [])],
            computations=sum(1 for a in sheet.actions if a.action in ("compute", "recompute")),
            actions=sheet.actions,
            action_labels={k: str(v) for k, v in payout_service.ACTIONS.items()},
            status_label=payout_service.status_label(sheet),
            money=money,
            codes=CODES,
        )

    @expose("/print/<pk>", methods=["GET"])
    @has_access
    def print_sheet(self, pk):
        """The sheet as an A4 landscape document: lines, 合计 and 大写, 制表人 / 审核人, seals."""
        sheet = self._sheet_or_404(pk)
        lines = self._lines(sheet)
        return render_template(
            "payouts/print.html",
            title=payout_service.period_label(sheet.year, sheet.quarter),
            township=township_name(sheet.township),  # title, 填报单位 and both seals
            sheet=sheet,
            lines=lines,
            totals=sheet_totals(lines),
            status_label=payout_service.status_label(sheet),
            money=money,
            codes=CODES,
            today=township_today(),
        )

    # -- the workflow (POST only; the service refuses illegal moves in Chinese) ------------
    def _run(self, action, sheet: PayoutSheet | None, data: dict, done):
        try:
            sheet = action(sheet, data) if sheet is not None else action(data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            if sheet is not None:
                return redirect(url_for(".show", pk=sheet.id))
            return redirect(url_for(".list"))
        flash(done, "success")
        return redirect(url_for(".show", pk=sheet.id))

    @expose("/compute", methods=["POST"])
    @has_access
    def compute(self):
        return self._run(
            payout_service.compute_sheet, None, {"quarter": request.form.get("quarter", "")}, _l("已计算，请核对后审核")
        )

    @expose("/recompute/<int:pk>", methods=["POST"])
    @has_access
    def recompute(self, pk):
        sheet = self._sheet_or_404(pk)
        data = {"quarter": (sheet.year, sheet.quarter), "version": request.form.get("version")}
        return self._run(lambda s, d: payout_service.compute_sheet(d), sheet, data, _l("已重新计算"))

    @expose("/approve/<int:pk>", methods=["POST"])
    @has_access
    def approve(self, pk):
        sheet = self._sheet_or_404(pk)
        data = {"version": request.form.get("version"), "note": request.form.get("note")}
        return self._run(payout_service.approve_sheet, sheet, data, _l("已审核，发放表数据已冻结"))

    @expose("/pay/<int:pk>", methods=["POST"])
    @has_access
    def pay(self, pk):
        sheet = self._sheet_or_404(pk)
        data = {k: request.form.get(k) for k in ("version", "paid_on", "note")}
        return self._run(payout_service.mark_paid, sheet, data, _l("已登记发放"))

    @expose("/reopen/<int:pk>", methods=["POST"])
    @has_access
    def reopen(self, pk):
        sheet = self._sheet_or_404(pk)
        data = {k: request.form.get(k) for k in ("version", "reason")}
        return self._run(payout_service.reopen_sheet, sheet, data, _l("已退回为草稿，可重新计算"))


class PayoutLineView(ReadOnlyModelView):
    datamodel = interface(PayoutLine)
    class_permission_name = "PayoutLine"
    route_base = "/payoutline"
    list_title = _l("补助发放明细")
    show_title = _l("补助发放明细")
    include_route_methods = {"list", "show"}
    export_kind = "payout"

    list_columns = [
        "sheet", "seq", "village", "agent_name", "gross", "deductions_total", "net_township",
        "village_supplement", "total", "remarks",
    ]  # fmt: skip
    show_columns = [
        "sheet", "seq", "village", "agent_name", "gross", "d1", "d2", "d3", "d4", "d5", "deductions_total",
        "net_township", "village_supplement", "total", "remarks", "working",
    ]  # fmt: skip
    search_columns = ["sheet", "village", "agent_name"]
    order_columns = ["seq", "village", "agent_name", "total"]
    base_order = ("sheet_id", "desc")
    label_columns = {
        "sheet": _l("发放表"),
        "seq": _l("序号"),
        "village": _l("村名"),
        "agent_name": _l("代办员（领款人）"),
        "gross": _l("应发乡级补助"),
        "d1": _l("扣款①不受理"),
        "d2": _l("扣款②缺席培训"),
        "d3": _l("扣款③不在岗"),
        "d4": _l("扣款④迟报月表"),
        "d5": _l("扣款⑤台账不全"),
        "deductions_total": _l("扣款合计"),
        "net_township": _l("实发乡级补助"),
        "village_supplement": _l("村级补助"),
        "total": _l("合计"),
        "remarks": _l("备注"),
        "working": _l("逐月计算"),
    }
    formatters_columns = {
        "sheet": _sheet_status,
        **{
            c: money
            for c in (
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
        },
    }

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        try:
            int(pk)
        except (TypeError, ValueError):
            abort(404)
        return super().show(pk)

    def _get_show_widget(self, pk, item, **kwargs):
        # the month-by-month working, rendered from the line's frozen detail
        months = working_rows(item.detail, str(_l("月")))
        item.working = Markup(render_template("payouts/_line_working.html", months=months))  # type: ignore[attr-defined]
        return super()._get_show_widget(pk, item, **kwargs)


def register(appbuilder) -> None:
    from .menu import add_menu_view

    add_menu_view(appbuilder, PayoutSheetView, "PayoutSheet", _l("补助发放表"), "fa-money", "Money")
    add_menu_view(appbuilder, PayoutLineView, "PayoutLine", _l("补助发放明细"), "fa-list", "Money")
