"""《村级便民服务报送事项办理情况统计表》views (政策第五条（一）4, SPEC §8): the reports list,
the agent's fill-and-submit page, the township's return-for-correction, and the page of
which villages have (not) reported. Viewing never writes: ④ is settled by the scheduled job
(``flask reports flag-missing``), by the payout, or by the township's “核定逾期扣款” (a POST).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..models import MonthlyReport, Village
from ..models.enums import REPORT_STATUSES, label
from ..policy.money import money_text as money
from ..policy.reports import report_due_date, report_submission_opens
from ..policy.roles import is_village_user, village_of
from ..policy.supervision import report_state
from ..services import deductions as deduction_service
from ..services import ratings as rating_service
from ..services import reports as report_service
from ..services.calendar import now_local, work_calendar
from ..services.errors import DomainError
from .base import BmModelView, ShowExtra, can, code_text, expose, has_access, interface, month_arg

STATE_LABELS = {
    "on_time": _l("按时报送"),
    "late": _l("逾期报送"),
    "missing": _l("逾期未报送"),
    "not_due": _l("未到报送期限"),
}
ACTION_LABELS = {"submit": _l("报送"), "return": _l("退回修改")}
# What a page says about a returned report: it waits for resubmission. Its first submission
# still decides lateness (④), but “按时报送” beside “已退回修改” reads as if all were done.
SHOWN_LABELS = {**STATE_LABELS, "returned": _l("待重新报送")}


def shown_state(report, state: str) -> str:
    """The submission state a page shows: ``returned`` for a report sent back for correction."""
    return "returned" if report is not None and report.status == "returned" else state


def status_badge(status: str) -> Markup:
    css = {"submitted": "label-success", "returned": "label-warning", "draft": "label-default"}.get(
        status, "label-default"
    )
    return Markup('<span class="label {}">{}</span>').format(css, label(REPORT_STATUSES, status))


class MonthlyReportView(ShowExtra, BmModelView):
    datamodel = interface(MonthlyReport)
    class_permission_name = "MonthlyReport"
    route_base = "/monthlyreport"
    list_title = _l("月汇总表（村级便民服务报送事项办理情况统计表）")
    show_title = _l("月汇总表")
    show_template = "reports/report_show.html"
    list_template = "supervision/list.html"
    base_permissions = ["can_read", "can_write", "can_submit", "can_review"]
    exclude_route_methods = {"delete", "add", "edit"}
    export_kind = "monthly"

    list_columns = ["year", "month", "village", "agent", "status", "submitted_at", "submitted_by"]
    show_columns = ["year", "month", "village", "agent", "status", "submitted_at", "submitted_by"]
    search_columns = ["year", "month", "village", "status"]
    order_columns = ["year", "month", "village", "status", "submitted_at"]
    base_order = ("id", "desc")
    label_columns = {
        "year": _l("年度"),
        "month": _l("月份"),
        "village": _l("村"),
        "agent": _l("代办员"),
        "status": _l("状态"),
        "submitted_at": _l("首次报送时间"),
        "submitted_by": _l("报送人"),
        "hot_issues": _l("向村党组织报告的热点、难点问题"),
    }
    formatters_columns = {
        "status": status_badge,
        "submitted_at": lambda v: f"{v:%Y-%m-%d %H:%M}" if v else "",
    }

    def list_toolbar(self) -> str:
        links = []
        if is_village_user(g.user) and can("can_write", "MonthlyReport"):
            links.append((url_for("MonthlyReportView.fill"), _l("填报本月汇总表"), "btn-primary"))
        links.append((url_for("MonthlyReportView.status"), _l("各村报送情况"), "btn-default"))
        return Markup(" ").join(
            Markup('<a class="btn btn-sm {}" href="{}">{}</a>').format(c, u, t) for u, t, c in links
        )

    def show_extra(self, pk) -> dict:
        report = self.datamodel.get(pk, self._base_filters)
        if report is None:
            return {}
        now = now_local()
        cal = work_calendar()
        figures = report_service.figures_of(report, now)
        state = shown_state(report, report_state(report.year, report.month, report.submitted_at, now, cal))
        return {
            "report": report,
            "figures": figures,
            "rating_figures": rating_service.rating_figures(report.year, report.month, report.village_id).get(
                report.village_id
            ),
            "columns": report_service.FIGURE_COLUMNS,
            "state": state,
            "state_label": SHOWN_LABELS[state],
            "due": report_due_date(report.year, report.month, cal),
            "data_changed": report.status == "submitted" and report.data_changed_at is not None,
            "deductions": deduction_service.deductions_of_source("report", report.id),
            "actions": report.actions,
            "action_labels": ACTION_LABELS,
            "can_review": can("can_review", "MonthlyReport") and report.status == "submitted",
            "can_fill": can("can_write", "MonthlyReport") and report.status != "submitted" and is_village_user(g.user),
        }

    # -- the agent fills and submits -------------------------------------------------------
    @expose("/fill", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def fill(self):
        """Fill and submit the own village's report of a month (``?month=2026-09``)."""
        village_id = village_of(g.user)
        if not village_id:
            flash(_l("月汇总表由村代办员填报本村数据；乡级用户请查看各村报送情况"), "info")
            return redirect(url_for("MonthlyReportView.status"))
        village = db.session.get(Village, village_id)
        if village is None:
            abort(404)
        year, month = month_arg()
        now = now_local()
        if request.method == "POST":
            data = {
                "village_id": village.id,
                "month": f"{year:04d}-{month:02d}",
                "hot_issues": request.form.get("hot_issues", ""),
                "version": request.form.get("version"),
            }
            submit = request.form.get("action") == "submit"
            try:
                if submit:
                    if not can("can_submit", "MonthlyReport"):
                        abort(403)
                    report = report_service.submit_report(data)
                else:
                    report = report_service.save_draft(data)
            except DomainError as exc:
                db.session.rollback()
                flash(_l("未保存：%(m)s", m=exc.message), "danger")
            else:
                if submit:
                    state = report_state(year, month, report.submitted_at, now_local(), work_calendar())
                    if state == "late":
                        flash(
                            _l("%(y)s年%(m)s月汇总表已报送并锁定；逾期报送，扣除当月补助（④）", y=year, m=month),
                            "warning",
                        )
                    else:
                        flash(_l("%(y)s年%(m)s月汇总表已报送并锁定", y=year, m=month), "success")
                    return redirect(url_for("MonthlyReportView.show", pk=report.id))
                flash(_l("草稿已保存"), "success")
                return redirect(url_for("MonthlyReportView.fill", month=f"{year:04d}-{month:02d}"))
        report = report_service.report_for(village.id, year, month)
        figures = (
            report_service.figures_of(report, now)
            if report
            else report_service.generate_figures(village.id, year, month, now)
        )
        cal = work_calendar()
        state = shown_state(report, report_state(year, month, report.submitted_at if report else None, now, cal))
        opens = report_submission_opens(year, month, cal)
        pending = self._pending_months(village.id, now)
        return self.render_template(
            "reports/report_fill.html",
            title=_l("填报月汇总表"),
            village=village,
            year=year,
            month=month,
            report=report,
            figures=figures,
            rating_figures=rating_service.rating_figures(year, month, village.id).get(village.id),
            columns=report_service.FIGURE_COLUMNS,
            empty=report_service.is_empty(figures),
            due=report_due_date(year, month, cal),
            opens=opens,
            submission_open=now.date() >= opens,
            state=state,
            state_label=SHOWN_LABELS[state],
            pending=pending,
            status_badge=status_badge,
            can_submit=can("can_submit", "MonthlyReport"),
            hot_issues=request.form.get("hot_issues")
            if request.method == "POST"
            else (report.hot_issues if report else ""),
        )

    def _pending_months(self, village_id: int, now) -> list[tuple[int, int]]:
        """Earlier months (since reports started) whose report of this village is not submitted."""
        start = report_service.reports_start()
        if start is None:
            return []
        done = {
            (y, m)
            for y, m in db.session.execute(
                select(MonthlyReport.year, MonthlyReport.month).where(
                    MonthlyReport.village_id == village_id, MonthlyReport.submitted_at.is_not(None)
                )
            ).all()
        }
        months, (y, m) = [], start
        while (y, m) < (now.year, now.month):
            if (y, m) not in done:
                months.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return months[-12:]

    # -- the township returns a report for correction ----------------------------------------
    @expose("/return/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("review")
    def return_report(self, pk):
        report = self.datamodel.get(pk, self._base_filters)
        if report is None:
            abort(404)
        try:
            report_service.return_report(
                report, {"note": request.form.get("note"), "version": request.form.get("version")}
            )
        except DomainError as exc:
            db.session.rollback()
            flash(_l("未退回：%(m)s", m=exc.message), "danger")
        else:
            flash(_l("已退回修改，代办员修改后须重新报送"), "success")
        return redirect(url_for("MonthlyReportView.show", pk=pk))

    # -- which villages have reported --------------------------------------------------------
    @expose("/status", methods=["GET", "POST"])
    @has_access
    @permission_name("read")
    def status(self):
        """Every village's report of a month, and which late/missing ones still await their ④
        (the scheduled job settles them). Viewing changes nothing; “核定逾期扣款” (POST, township)
        settles the month shown."""
        year, month = month_arg()
        now = now_local()
        township = not is_village_user(g.user) and can("can_review", "MonthlyReport")
        if request.method == "POST":
            if not township:
                abort(403)
            try:
                result = report_service.flag_missing_reports(year, month, now)
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
            else:
                self._flash_result(result)
            return redirect(url_for("MonthlyReportView.status", month=f"{year:04d}-{month:02d}"))
        cal = work_calendar()
        rows = report_service.report_status(year, month, now)
        states = [shown_state(r.report, r.state) for r in rows]
        counts = {k: states.count(k) for k in SHOWN_LABELS}
        return self.render_template(
            "reports/report_status.html",
            title=_l("各村月汇总表报送情况"),
            year=year,
            month=month,
            rows=list(zip(rows, states, strict=True)),
            counts=counts,
            state_labels=SHOWN_LABELS,
            status_badge=status_badge,
            due=report_due_date(year, month, cal),
            township=township,
            month_over=now.date() > report_due_date(year, month, cal),
            unsettled=[r.village.name for r in rows if r.unsettled],
            changed=[r.village.name for r in rows if r.data_changed],
            required=report_service.reports_required_for(year, month),
            closed=deduction_service.quarter_is_closed(year, month),
            money=money,
            code_text=code_text,
        )

    @staticmethod
    def _flash_result(result) -> None:
        if result.before_start:
            flash(_l("%(y)s年%(m)s月早于月汇总表启用月份，不核定扣款", y=result.year, m=result.month), "info")
        elif result.not_over:
            flash(_l("%(y)s年%(m)s月汇总表尚未到报送期限，不能核定逾期扣款", y=result.year, m=result.month), "info")
        elif result.closed:
            flash(_l("%(y)s年%(m)s月所在季度的补助发放表已审核，扣款已冻结", y=result.year, m=result.month), "info")
        elif result.flagged:
            flash(
                _l(
                    "%(y)s年%(m)s月汇总表未按时报送，已扣除当月补助（④）：%(v)s",
                    y=result.year,
                    m=result.month,
                    v="、".join(result.flagged),
                ),
                "warning",
            )
        else:
            flash(_l("%(y)s年%(m)s月逾期扣款已核定，没有新增", y=result.year, m=result.month), "info")


def register(appbuilder) -> None:
    from .menu import CATEGORY_LABELS, add_menu_view

    add_menu_view(appbuilder, MonthlyReportView, "MonthlyReport", _l("月汇总表"), "fa-file-text-o", "Ledger")
    appbuilder.add_link(
        "MonthlyReport",
        href="MonthlyReportView.status",
        label=_l("各村月报报送情况"),
        icon="fa-tasks",
        category="Supervision",
        category_label=CATEGORY_LABELS["Supervision"],
    )


__all__ = ["MonthlyReportView", "register"]
