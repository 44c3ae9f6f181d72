"""扣款与考核 views (SPEC §7, 第二条（四）2): the deductions (read-only, with the monthly cap),
the three-strikes alert list and an agent's record (三次解聘, with its 年度考核 — the other road
to 解聘; the assessments themselves are ``views/annual.py``).

The pages only read through the ORM (village scoping applies).
"""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..models import Agent, AnnualAssessment, Deduction
from ..models.enums import ASSESSMENT_GRADES, DEDUCTION_STATES, label
from ..policy.deductions import DeductionCode
from ..policy.money import money_text as money
from ..services import deductions as deduction_service
from ..services import signin as signin_service
from ..services.calendar import now_local, today
from ..services.settings import strike_threshold
from .base import (
    ReadOnlyModelView,
    ShowExtra,
    can,
    code_formatter,
    code_text,
    expose,
    has_access,
    interface,
    month_arg,
    strike_badge,
)

# --- deductions (read-only) ------------------------------------------------------------------------


SOURCE_VIEWS = {
    "complaint": "ComplaintView.show",
    "attendance": "AttendanceView.show",
    "inspection": "InspectionView.show",
    "inspection_ledger": "InspectionView.show",
    "report": "MonthlyReportView.show",
    "case_review": "CaseReviewView.review",
}
SOURCE_RESOURCES = {
    "complaint": "Complaint",
    "attendance": "Attendance",
    "inspection": "Inspection",
    "inspection_ledger": "Inspection",
    "report": "MonthlyReport",
    "case_review": "Case",
}


def source_url(deduction: Deduction) -> str | None:
    endpoint = SOURCE_VIEWS.get(deduction.source_type)
    if endpoint is None or endpoint not in current_app.view_functions:
        return None
    permission = "can_review" if deduction.source_type == "case_review" else "can_read"
    if not can(permission, SOURCE_RESOURCES[deduction.source_type]):
        return None
    return url_for(endpoint, pk=deduction.source_id)


class DeductionView(ShowExtra, ReadOnlyModelView):
    datamodel = interface(Deduction)
    class_permission_name = "Deduction"
    route_base = "/deduction"
    list_title = _l("扣款明细")
    show_title = _l("扣款详情")
    show_template = "supervision/deduction_show.html"
    list_template = "supervision/list.html"
    export_kind = "deductions"
    exclude_route_methods = {"delete", "add", "edit"}

    list_columns = [
        "year",
        "month",
        "village",
        "agent",
        "code",
        "amount",
        "occurred_on",
        "source_type",
        "state",
        "description",
    ]
    show_columns = [
        "year",
        "month",
        "village",
        "agent",
        "code",
        "amount",
        "occurred_on",
        "source_type",
        "description",
        "state",
        "voided_at",
        "void_reason",
        "created_at",
    ]
    search_columns = ["village", "agent", "year", "month", "code", "state", "source_type", "occurred_on"]
    order_columns = ["year", "month", "occurred_on", "village", "amount"]
    base_order = ("occurred_on", "desc")
    label_columns = {
        "year": _l("年度"),
        "month": _l("月份"),
        "village": _l("村"),
        "agent": _l("代办员"),
        "code": _l("扣款事由（第二条（四）2）"),
        "amount": _l("金额（元）"),
        "occurred_on": _l("发生日期"),
        "source_type": _l("来源"),
        "description": _l("说明"),
        "state": _l("状态"),
        "voided_at": _l("撤销时间"),
        "void_reason": _l("撤销原因"),
        "created_at": _l("记录时间（UTC）"),
    }
    formatters_columns = {
        "code": code_text,
        "amount": money,
        "source_type": code_formatter(deduction_service.SOURCE_TYPES),
        "state": lambda v: (
            Markup('<span class="text-muted"><s>{}</s></span>').format(DEDUCTION_STATES["void"])
            if v == "void"
            else label(DEDUCTION_STATES, v)
        ),
    }

    def list_toolbar(self) -> str:
        day = today()
        return Markup(
            '<form class="form-inline bm-month-filter" method="get" action="{list}">'
            '<label>{m}</label> <input class="form-control input-sm" type="month" name="ym" value="{ym}"> '
            '<button class="btn btn-sm btn-default" type="submit">{go}</button></form> '
            '<a class="btn btn-sm btn-default" href="{summary}">{summary_label}</a> '
            '<a class="btn btn-sm btn-default" href="{strikes}">{strikes_label}</a>'
        ).format(
            list=url_for("DeductionView.month"),
            m=_l("按月查看"),
            ym=request.args.get("ym") or f"{day:%Y-%m}",
            go=_l("查看"),
            summary=url_for("DeductionView.summary"),
            summary_label=_l("月度汇总（含封顶）"),
            strikes=url_for("StrikeAlertView.alerts"),
            strikes_label=_l("考核预警"),
        )

    @expose("/month")
    @has_access
    @permission_name("read")
    def month(self):
        """The list filtered to one month (``?ym=2026-09``)."""
        year, month = month_arg("ym")
        return redirect(
            url_for("DeductionView.list", _flt_0_year=year, _flt_0_month=month, ym=f"{year:04d}-{month:02d}")
        )

    def show_extra(self, pk) -> dict:
        item = self.datamodel.get(pk, self._base_filters)
        return {"source_url": source_url(item) if item else None}

    @expose("/summary")
    @has_access
    @permission_name("read")
    def summary(self):
        """Per agent and month: ①–⑤, total, the month's subsidy, the amount actually taken
        (never more than the month's subsidy — SPEC §7) and the net."""
        year, month = month_arg()
        rows = deduction_service.month_cap_rows(year, month)
        return self.render_template(
            "supervision/deduction_summary.html",
            title=_l("月度扣款汇总"),
            year=year,
            month=month,
            rows=rows,
            codes=list(DeductionCode),
            money=money,
            closed=deduction_service.quarter_is_closed(year, month),
        )


# --- three strikes ----------------------------------------------------------------------------------


class StrikeAlertView(BaseView):
    """考核预警: agents with two strikes of a kind (预警), three (应予解聘), or 年度考核不合格."""

    route_base = "/strikes"
    class_permission_name = "Deduction"
    base_permissions = ["can_read"]
    default_view = "alerts"

    @expose("/")
    @has_access
    @permission_name("read")
    def alerts(self):
        return self.render_template(
            "supervision/strikes.html",
            title=_l("考核预警（三次解聘）"),
            alerts=deduction_service.strike_alerts(),
            threshold=strike_threshold(),
            can_dismiss=can("can_write", "Agent"),
            badge=strike_badge,
        )

    @expose("/agent/<int:pk>")
    @has_access
    @permission_name("read")
    def agent(self, pk):
        """One agent's record: strikes, deductions, assessments, this month's sign-ins."""
        agent = db.session.execute(select(Agent).where(Agent.id == pk)).scalar()
        if agent is None:
            abort(404)
        status = deduction_service.strike_summary([agent.id])[agent.id]
        deductions = (
            db.session.execute(
                select(Deduction)
                .where(Deduction.agent_id == agent.id)
                .order_by(Deduction.occurred_on.desc(), Deduction.id.desc())
            )
            .scalars()
            .all()
        )
        assessments = []
        if can("can_read", "Assessment"):
            assessments = (
                db.session.execute(
                    select(AnnualAssessment)
                    .where(AnnualAssessment.agent_id == agent.id)
                    .order_by(AnnualAssessment.year.desc())
                )
                .scalars()
                .all()
            )
        now = now_local()
        attendance = signin_service.month_overview(now.year, now.month, agent.village_id, now)
        attendance = next((r.summary for r in attendance if r.agent.id == agent.id), None)
        return self.render_template(
            "supervision/agent_record.html",
            title=_l("代办员考核档案"),
            agent=agent,
            status=status,
            badge=strike_badge(status),
            deductions=deductions,
            assessments=assessments,
            attendance=attendance,
            grades=ASSESSMENT_GRADES,
            code_text=code_text,
            money=money,
            source_url=source_url,
            can_dismiss=can("can_write", "Agent"),
            now=now,
        )


def register(appbuilder) -> None:
    from .menu import CATEGORY_LABELS, add_menu_view

    supervision = {"category": "Supervision", "category_label": CATEGORY_LABELS["Supervision"]}
    add_menu_view(appbuilder, DeductionView, "Deduction", _l("扣款明细"), "fa-minus-circle", "Supervision")
    appbuilder.add_link(
        "Deduction", href="DeductionView.summary", label=_l("月度扣款汇总"), icon="fa-table", **supervision
    )
    add_menu_view(appbuilder, StrikeAlertView, "Deduction", _l("考核预警"), "fa-exclamation-triangle", "Supervision")


__all__ = ["DeductionView", "StrikeAlertView", "register", "source_url"]
