"""年度考核 pages (第二条（四）2, issue 15 §3): the list per year, an assessment's page (the
figures gathered from the records, the proposal with its reasons, the township's evidence —
调查问卷、入户走访、个别座谈 — with their forms, the decision form) and the 评先评优 list.

Every write goes through :mod:`app.services.annual`; rows are read through the ORM (village
scoping applies) and a row out of scope is a 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..extensions import db
from ..models import AnnualAssessment
from ..models.enums import ASSESSMENT_GRADES, ASSESSMENT_STATUSES, EVIDENCE_KINDS, label
from ..policy.annual_assessment import grade_dismisses, percent_text
from ..policy.deductions import DeductionCode
from ..services import annual as service
from ..services.calendar import today
from ..services.errors import DomainError
from .base import BmModelView, ShowExtra, can, code_formatter, expose, has_access, interface, text_area


def _grade_badge(v) -> Markup | str:
    if v == "fail":
        return Markup('<span class="label label-danger">{}</span>').format(ASSESSMENT_GRADES[v])
    if v == "excellent":
        return Markup('<span class="label label-success">{}</span>').format(ASSESSMENT_GRADES[v])
    return label(ASSESSMENT_GRADES, v)


def _flash_error(exc: DomainError) -> None:
    messages = [m for msgs in exc.errors.values() for m in msgs] or [exc.message]
    for message in messages:
        flash(message, "danger")


def _year_arg() -> int:
    raw = (request.args.get("year") or "").strip()
    if raw.isdigit() and 2000 <= int(raw) <= 2999:
        return int(raw)
    day = today()
    return day.year - 1 if day.month <= 6 else day.year


def input_rows(inputs) -> list[tuple[str, str]]:
    """The gathered figures as (名称, 数值) lines for the page."""
    if inputs is None:
        return []
    deductions = "，".join(
        f"{DeductionCode.coerce(c).symbol}{n}次（{inputs.deduction_amounts.get(c, '0.00')}元）"
        for c, n in sorted(inputs.deduction_counts.items())
    ) or str(_l("无"))
    strikes = "，".join(
        f"{DeductionCode.coerce(c).symbol}{n}次" for c, n in sorted(inputs.strikes.items()) if n
    ) or str(_l("无"))
    rows = [
        (_l("签到率"), f"{percent_text(inputs.signin_rate)}（{inputs.signin_days}/{inputs.workdays}）"),
        (_l("扣款（第二条（四）2）"), f"{deductions}；{_l('合计')}{inputs.deduction_total:.2f}元"),
        (_l("三次解聘计数（本次聘任期内①②③）"), strikes),
        (
            _l("按时办结率"),
            f"{percent_text(inputs.on_time_rate)}（{inputs.on_time}/{inputs.completed + inputs.overdue_open}）",
        ),
        (
            _l("当日登记率"),
            f"{percent_text(inputs.same_day_rate)}（{inputs.received - inputs.late_entry}/{inputs.received}）",
        ),
        (
            _l("好差评"),
            str(
                _l(
                    "好评率%(r)s（评价%(n)s件，差评%(b)s件）",
                    r=percent_text(inputs.good_rate),
                    n=inputs.rated,
                    b=inputs.bad,
                )
            )
            if inputs.rated
            else str(_l("无评价")),
        ),
        (
            _l("培训出席"),
            str(
                _l(
                    "出席%(a)s次，请假%(e)s次，应参加%(h)s次",
                    a=inputs.trainings_attended,
                    e=inputs.trainings_excused,
                    h=inputs.trainings_held,
                )
            ),
        ),
        (
            _l("调查问卷"),
            str(
                _l(
                    "%(c)s次，收回%(n)s份，满意%(s)s份（满意率%(r)s）",
                    c=inputs.survey_count,
                    n=inputs.survey_respondents,
                    s=inputs.survey_satisfied,
                    r=percent_text(inputs.survey_rate),
                )
            ),
        ),
        (_l("入户走访"), str(_l("%(n)s户，其中反映问题%(k)s户", n=inputs.visits, k=inputs.visits_negative))),
        (_l("个别座谈"), str(_l("%(n)s人次，其中反映问题%(k)s人次", n=inputs.talks, k=inputs.talks_negative))),
    ]
    return [(str(a), b) for a, b in rows]


class AssessmentView(ShowExtra, BmModelView):
    datamodel = interface(AnnualAssessment)
    class_permission_name = "Assessment"
    route_base = "/assessment"
    method_permission_name = {
        **BmModelView.method_permission_name,
        "propose": "write",
        "evidence": "write",
        "void_evidence": "write",
        "decide": "write",
        "excellent": "read",
    }
    exclude_route_methods = {"delete", "edit"}
    list_template = "supervision/list.html"
    show_template = "annual/show.html"
    list_title = _l("年度考核")
    show_title = _l("年度考核详情")
    add_title = _l("开始年度考核")
    service_create = service.start_assessment
    show_after_save = True

    list_columns = ["year", "agent.village", "agent", "status", "proposed_grade", "grade", "decided_at"]
    search_columns = ["year", "agent", "status", "grade"]
    order_columns = ["year", "status", "grade", "decided_at"]
    base_order = ("year", "desc")
    add_columns = ["agent", "year", "notes"]
    show_columns = ["year", "agent.village", "agent", "status", "notes", "assessed_on"]
    label_columns = {
        "year": _l("考核年度"),
        "agent.village": _l("村"),
        "agent": _l("代办员"),
        "status": _l("状态"),
        "proposed_grade": _l("系统提议等次"),
        "grade": _l("决定等次"),
        "decided_at": _l("决定时间"),
        "assessed_on": _l("考核日期"),
        "notes": _l("备注"),
    }
    description_columns = {
        "year": _l("系统将汇总该年度的签到、扣款、办件、好差评和培训出勤情况"),
    }
    add_form_extra_fields = {"notes": text_area(_l("备注"))}
    add_form_query_rel_fields = {"agent": [["level", FilterEqual, "village"]]}
    formatters_columns = {
        "status": code_formatter(ASSESSMENT_STATUSES),
        "proposed_grade": lambda v: label(ASSESSMENT_GRADES, v),
        "grade": _grade_badge,
        "decided_at": lambda v: f"{v:%Y-%m-%d %H:%M}" if v else "",
    }

    def added_message(self, item) -> str:
        return str(_l("已开始%(y)s年度考核，请补充调查问卷、入户走访、个别座谈后生成提议等次", y=item.year))

    def list_toolbar(self) -> str:
        year = _year_arg()
        return Markup(
            '<form class="form-inline" method="get" action="{url}">'
            '<label>{label}</label> <input class="form-control input-sm" type="number" name="year" value="{y}" '
            'min="2000" max="2999" style="width:7em"> <button class="btn btn-sm btn-default" type="submit">{go}</button>'
            "</form>"
        ).format(url=url_for("AssessmentView.excellent"), label=_l("评先评优名单"), y=year, go=_l("查看"))

    def _item(self, pk) -> AnnualAssessment:
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return item

    def show_extra(self, pk) -> dict:
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return {}
        inputs = service.inputs_of(item)
        evidence = item.evidence
        wanted = request.args.get("correct", "")
        correcting = next((e for e in evidence if str(e.id) == wanted and not e.voided), None)
        return {
            "item": item,
            "inputs": inputs,
            "input_rows": input_rows(inputs),
            "evidence": evidence,
            "correcting": correcting,
            "corrected_by": {e.replaces_id: e for e in evidence if e.replaces_id},
            "kinds": EVIDENCE_KINDS,
            "grades": ASSESSMENT_GRADES,
            "statuses": ASSESSMENT_STATUSES,
            "can_write": can("can_write", "Assessment"),
            "dismiss_due": grade_dismisses(item.grade) and item.agent.status != "dismissed",
            "can_dismiss": can("can_write", "Agent"),
            "today": today(),
        }

    def _back(self, pk, anchor: str = ""):
        return redirect(url_for("AssessmentView.show", pk=pk) + anchor)

    @expose("/propose/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("write")
    def propose(self, pk):
        item = self._item(pk)
        try:
            service.propose(item, {"version": request.form.get("version")})
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
        else:
            flash(_l("已重新汇总并生成提议等次：%(g)s", g=label(ASSESSMENT_GRADES, item.proposed_grade)), "success")
        return self._back(pk, "#bm-proposal")

    @expose("/evidence/<int:pk>/<kind>", methods=["POST"])
    @has_access
    @permission_name("write")
    def evidence(self, pk, kind):
        item = self._item(pk)
        if kind not in EVIDENCE_KINDS:
            abort(404)
        try:
            service.record_evidence(item, kind, request.form.to_dict())
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
        else:
            if request.form.get("replaces"):
                flash(_l("已更正%(k)s，原记录已作废并保留；请重新生成提议等次", k=EVIDENCE_KINDS[kind]), "success")
            else:
                flash(_l("已录入%(k)s；请重新生成提议等次", k=EVIDENCE_KINDS[kind]), "success")
        return self._back(pk, "#bm-evidence")

    @expose("/evidence/<int:pk>/void/<int:evidence_id>", methods=["POST"])
    @has_access
    @permission_name("write")
    def void_evidence(self, pk, evidence_id):
        """作废 one piece of evidence (kept, struck through, with the reason)."""
        item = self._item(pk)
        try:
            row = service.void_evidence(item, evidence_id, request.form.to_dict())
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
        else:
            flash(_l("已作废该%(k)s记录（保留备查）；请重新生成提议等次", k=EVIDENCE_KINDS[row.kind]), "success")
        return self._back(pk, "#bm-evidence")

    @expose("/decide/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("write")
    def decide(self, pk):
        item = self._item(pk)
        try:
            service.decide(item, request.form.to_dict())
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
        else:
            flash(_l("已决定：%(y)s年度考核%(g)s", y=item.year, g=ASSESSMENT_GRADES[item.grade]), "success")
        return self._back(pk, "#bm-decision")

    @expose("/excellent")
    @has_access
    @permission_name("read")
    def excellent(self):
        """评先评优: the year's agents decided 优秀."""
        year = _year_arg()
        return self.render_template(
            "annual/excellent.html",
            title=_l("评先评优名单（年度考核优秀）"),
            year=year,
            rows=service.excellent_agents(year),
        )


def register(appbuilder) -> None:
    from .menu import CATEGORY_LABELS, add_menu_view

    add_menu_view(appbuilder, AssessmentView, "Assessment", _l("年度考核"), "fa-star", "Supervision")
    appbuilder.add_link(
        "Assessment",
        href="AssessmentView.excellent",
        label=_l("评先评优名单"),
        icon="fa-trophy",
        category="Supervision",
        category_label=CATEGORY_LABELS["Supervision"],
    )


__all__ = ["AssessmentView", "input_rows", "register"]
