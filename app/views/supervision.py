"""督查考核 views (SPEC §6, §7): sign-in, inspections, complaints, trainings and attendance,
deductions (read-only, with the monthly cap), the three-strikes alert list, annual
assessments, and the township's ledger review of a case (/casereview/<id>).

Declarative ModelViews over ``services.supervision`` / ``services.deductions`` /
``services.signin``; the custom pages only read through the ORM (village scoping applies)
and write through the same services.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, DatePickerWidget, Select2ManyWidget
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from wtforms import DateField, DateTimeLocalField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

from ..extensions import db
from ..models import (
    SIX_ONES,
    Agent,
    AnnualAssessment,
    Case,
    Complaint,
    Deduction,
    Inspection,
    SignIn,
    Training,
    TrainingAttendance,
)
from ..models.enums import ASSESSMENT_GRADES, ATTENDANCE, COMPLAINT_CHANNELS, COMPLAINT_RESULTS, DEDUCTION_STATES, label
from ..policy import PolicyViolation
from ..policy.deductions import DeductionCode, StrikeStatus
from ..policy.idcard import mask_id_number
from ..policy.office_hours import describe_schedule
from ..policy.periods import parse_month
from ..policy.phone import mask_phone
from ..services import deductions as deduction_service
from ..services import signin as signin_service
from ..services import supervision as service
from ..services.calendar import now_local, today
from ..services.errors import DomainError, Forbidden
from ..services.settings import office_hours, strike_threshold
from .base import BmModelView, ReadOnlyModelView, choice_field, code_formatter, expose, has_access, interface, yes_no

SIX_ONE_LABELS = dict(SIX_ONES)
FINDING = {"True": _l("符合"), "False": _l("不符合")}
ON_DUTY = {"True": _l("在岗"), "False": _l("不在岗")}
LEDGER = {"True": _l("完整"), "False": _l("不完整")}
CODE_LABELS = {c.value: f"{c.symbol}{c.label}" for c in DeductionCode}


def code_text(code) -> str:
    try:
        member = DeductionCode.coerce(code)
    except ValueError:
        return str(code or "")
    return f"{member.symbol}{member.label}"


def money(value) -> str:
    return "" if value in (None, "") else f"{value:,.2f}"


def month_arg(name: str = "month") -> tuple[int, int]:
    """``?month=2026-09``; this month when absent; a bad value is reported and ignored."""
    raw = request.values.get(name, "").strip()
    day = today()
    if raw:
        try:
            year, month = parse_month(raw)
        except PolicyViolation as exc:
            flash(str(exc.message), "warning")
        else:
            if 2000 <= year <= 2100:
                return year, month
            flash(_l("月份超出范围（2000年至2100年）"), "warning")
    return day.year, day.month


def can(permission: str, resource: str) -> bool:
    return bool(current_app.appbuilder.sm.has_access(permission, resource))


def strike_badge(status: StrikeStatus | None) -> Markup:
    """The strike counts of an agent as a badge for lists and the agent's page:
    ``①0 ②1 ③2`` plus 预警 (two of a kind) or 应予解聘 (three of a kind)."""
    if status is None:
        return Markup("")
    counts = " ".join(f"{c.symbol}{n}" for c, n in status.counts.items())
    title = "；".join(str(m) for m in status.messages())
    if status.should_dismiss:
        return Markup('<span class="label label-danger" title="{}">{} {}</span>').format(title, _l("应予解聘"), counts)
    if status.warnings:
        return Markup('<span class="label label-warning" title="{}">{} {}</span>').format(title, _l("预警"), counts)
    return Markup('<span class="text-muted">{}</span>').format(counts)


def agent_strikes(record) -> dict:
    """The agent of a source record and their ①②③ counts (三次解聘), for its page."""
    agent = getattr(record, "agent", None)
    if agent is None:
        return {}
    status = deduction_service.strike_summary([agent.id])[agent.id]
    record_url = url_for("StrikeAlertView.agent", pk=agent.id) if can("can_read", "Deduction") else None
    return {
        "strike_agent": agent,
        "strike_status": status,
        "strike_badge": strike_badge(status),
        "strike_url": record_url,
    }


class ShowExtra:
    """Pass ``show_extra(pk)`` into the show template (deductions of a source, links)."""

    def show_extra(self, pk) -> dict:
        return {}

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            kwargs.update(self.show_extra(kwargs["pk"]))
            kwargs.setdefault("code_text", code_text)
            kwargs.setdefault("money", money)
        return super().render_template(template, **kwargs)


def text_area(label, required: bool = False) -> TextAreaField:
    return TextAreaField(
        label, validators=[InputRequired()] if required else [Optional()], widget=BS3TextAreaFieldWidget()
    )


def datetime_field(label, description=None) -> DateTimeLocalField:
    """A native date-and-time input (phone and desktop pickers, no script)."""
    return DateTimeLocalField(
        label,
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"],
        validators=[InputRequired()],
        render_kw={"class": "form-control"},
        description=description or "",
    )


def _village_agents_query():
    return select(Agent).where(Agent.level == "village")


# --- inspections (督查检查) -------------------------------------------------------------------


def _six_ones_text(value) -> str:
    if not value:
        return str(_l("未检查"))
    return "；".join(
        f"{SIX_ONE_LABELS.get(k, k)}：{FINDING['True'] if v else FINDING['False']}" for k, v in value.items()
    )


class InspectionView(ShowExtra, BmModelView):
    datamodel = interface(Inspection)
    class_permission_name = "Inspection"
    route_base = "/inspection"
    list_template = "supervision/list.html"
    list_title = _l("督查检查记录")
    show_title = _l("督查检查详情")
    add_title = _l("登记督查检查")
    edit_title = _l("编辑督查检查")
    show_template = "supervision/show_with_deductions.html"
    service_create = service.create_inspection
    service_update = service.update_inspection

    list_columns = [
        "inspected_at",
        "village",
        "agent",
        "inspector",
        "on_duty",
        "ledger_complete",
        "rectify_by",
        "rectified_on",
    ]
    search_columns = ["village", "agent", "inspector", "on_duty", "ledger_complete", "inspected_at"]
    order_columns = ["inspected_at", "village", "inspector"]
    base_order = ("inspected_at", "desc")
    six_fields = [f"six_{attr}" for attr, _ in SIX_ONES]
    add_columns = [
        "inspected_at",
        "inspector",
        "village",
        "agent",
        "on_duty",
        "ledger_complete",
        *six_fields,
        "problems",
        "rectification",
        "rectify_by",
        "rectified_on",
    ]
    edit_columns = add_columns
    add_fieldsets = [
        (
            _l("检查情况（第二条（三）5、第二条（四）4）"),
            {"fields": ["inspected_at", "inspector", "village", "agent", "on_duty", "ledger_complete"]},
        ),
        (_l("“六个一”标准化配置（第六条（二））"), {"fields": six_fields}),
        (_l("问题与整改"), {"fields": ["problems", "rectification", "rectify_by", "rectified_on"]}),
    ]
    edit_fieldsets = add_fieldsets
    show_fieldsets = [
        (
            _l("检查情况（第二条（三）5、第二条（四）4）"),
            {"fields": ["inspected_at", "inspector", "village", "agent", "on_duty", "ledger_complete"]},
        ),
        (_l("“六个一”标准化配置（第六条（二））"), {"fields": ["six_ones"]}),
        (_l("问题与整改"), {"fields": ["problems", "rectification", "rectify_by", "rectified_on"]}),
    ]
    label_columns = {
        "inspected_at": _l("检查时间"),
        "inspector": _l("检查人"),
        "village": _l("检查村"),
        "agent": _l("代办员"),
        "on_duty": _l("代办员在岗情况"),
        "ledger_complete": _l("台账填写情况"),
        "six_ones": _l("“六个一”检查情况"),
        "problems": _l("发现的问题"),
        "rectification": _l("整改要求"),
        "rectify_by": _l("整改期限"),
        "rectified_on": _l("整改完成日期"),
        **{f"six_{attr}": lbl for attr, lbl in SIX_ONES},
    }
    description_columns = {
        "inspected_at": _l("坐班时间：%(s)s；法定节假日除外", s=describe_schedule()),
        "inspector": _l("不填则为当前登录人"),
        "agent": _l("不选则为检查时该村的在岗代办员"),
        "on_duty": _l(
            "坐班时间内检查发现不在岗的，扣除当月补助50元（第二条（四）2③）；坐班时间以外的检查不能认定“不在岗”"
        ),
        "ledger_complete": _l("台账填写不完整的，扣除当月补助10元（第二条（四）2⑤）"),
        "rectified_on": _l("整改完成后填写"),
    }
    add_form_extra_fields = {
        "inspected_at": datetime_field(_l("检查时间"), description_columns["inspected_at"]),
        "on_duty": choice_field(_l("代办员在岗情况"), ON_DUTY, description=description_columns["on_duty"]),
        "ledger_complete": choice_field(_l("台账填写情况"), LEDGER, description=description_columns["ledger_complete"]),
        "problems": text_area(_l("发现的问题")),
        "rectification": text_area(_l("整改要求")),
        **{
            f"six_{attr}": SelectField(
                lbl,
                choices=[("", _l("未检查"))] + list(FINDING.items()),
                validators=[Optional()],
                render_kw={"class": "form-control"},
            )
            for attr, lbl in SIX_ONES
        },
    }
    edit_form_extra_fields = add_form_extra_fields
    add_form_query_rel_fields = {"agent": [["level", FilterEqual, "village"]]}
    edit_form_query_rel_fields = add_form_query_rel_fields
    formatters_columns = {
        "on_duty": lambda v: (
            ON_DUTY["True"] if v else Markup('<span class="label label-danger">{}</span>').format(ON_DUTY["False"])
        ),
        "ledger_complete": lambda v: (
            LEDGER["True"] if v else Markup('<span class="label label-warning">{}</span>').format(LEDGER["False"])
        ),
        "six_ones": _six_ones_text,
    }

    def prefill_form(self, form, pk):
        item = self.datamodel.get(pk, self._base_filters)
        findings = (item.six_ones or {}) if item else {}
        for attr, _ in SIX_ONES:
            field = form._fields.get(f"six_{attr}")
            if field is not None:
                field.data = "" if attr not in findings else str(bool(findings[attr]))

    show_after_save = True

    def show_extra(self, pk) -> dict:
        return {
            "deductions": deduction_service.deductions_of_source(("inspection", "inspection_ledger"), int(pk)),
            **agent_strikes(self.datamodel.get(pk, self._base_filters)),
        }


# --- complaints (群众反映/举报) -------------------------------------------------------------------


class ComplaintView(ShowExtra, BmModelView):
    datamodel = interface(Complaint)
    class_permission_name = "Complaint"
    route_base = "/complaint"
    list_template = "supervision/list.html"
    list_title = _l("群众反映/举报")
    show_title = _l("群众反映/举报详情")
    add_title = _l("登记群众反映/举报")
    edit_title = _l("核实与处理")
    show_template = "supervision/show_with_deductions.html"
    base_permissions = ["can_read", "can_write", "can_verify"]

    list_columns = [
        "received_on",
        "village",
        "agent",
        "channel",
        "complainant",
        "refused_request",
        "result",
        "verified_on",
    ]
    search_columns = ["village", "agent", "channel", "result", "refused_request", "received_on"]
    order_columns = ["received_on", "village", "result"]
    base_order = ("received_on", "desc")
    intake = [
        "received_on",
        "channel",
        "complainant",
        "complainant_phone",
        "village",
        "agent",
        "refused_request",
        "content",
    ]
    verification = ["result", "verified_by", "verified_on", "verification_note"]
    add_columns = [*intake, *verification, "followup"]
    edit_columns = add_columns
    add_fieldsets = [
        (_l("受理"), {"fields": intake}),
        (_l("乡政府核实（第二条（四）2①）"), {"fields": verification}),
        (_l("处理及回访"), {"fields": ["followup"]}),
    ]
    edit_fieldsets = add_fieldsets
    show_fieldsets = add_fieldsets
    label_columns = {
        "received_on": _l("受理日期"),
        "channel": _l("反映渠道"),
        "complainant": _l("反映人"),
        "complainant_phone": _l("联系电话"),
        "village": _l("所涉村"),
        "agent": _l("所涉代办员"),
        "refused_request": _l("反映代办员不受理代办事项"),
        "content": _l("反映内容"),
        "result": _l("核实结果"),
        "verified_by": _l("核实人"),
        "verified_on": _l("核实日期"),
        "verification_note": _l("核实情况"),
        "followup": _l("处理及回访情况"),
    }
    description_columns = {
        "complainant": _l("可匿名，不填即为匿名"),
        "refused_request": _l("反映代办员不受理代办事项，经乡政府核实属实的，扣除核实当月补助30元（第二条（四）2①）"),
        "result": _l("撤回核实结论（改回待核实或不属实）会撤销相应扣款，但该季度补助已审核的除外"),
        "verified_by": _l("不填则为当前登录人"),
        "verified_on": _l("不填则为今天"),
    }
    add_form_extra_fields = {
        "channel": choice_field(_l("反映渠道"), COMPLAINT_CHANNELS),
        "result": choice_field(_l("核实结果"), COMPLAINT_RESULTS, description=description_columns["result"]),
        "content": text_area(_l("反映内容"), required=True),
        "verification_note": text_area(_l("核实情况")),
        "followup": text_area(_l("处理及回访情况")),
    }
    edit_form_extra_fields = add_form_extra_fields
    add_form_query_rel_fields = {"agent": [["level", FilterEqual, "village"]]}
    edit_form_query_rel_fields = add_form_query_rel_fields
    formatters_columns = {
        "channel": code_formatter(COMPLAINT_CHANNELS),
        "result": code_formatter(COMPLAINT_RESULTS),
        "refused_request": yes_no,
        "complainant": lambda v: v or str(_l("匿名")),
        "complainant_phone": mask_phone,
    }

    @staticmethod
    def service_create(data):
        if data.get("result") not in (None, "", "pending") and not can("can_verify", "Complaint"):
            raise Forbidden(_l("您的角色不能核实群众反映"))
        return service.create_complaint(data)

    @staticmethod
    def service_update(item, data):
        if data.get("result") not in (None, "", item.result) and not can("can_verify", "Complaint"):
            raise Forbidden(_l("您的角色不能核实群众反映"))
        return service.update_complaint(item, data)

    show_after_save = True

    def show_extra(self, pk) -> dict:
        return {
            "deductions": deduction_service.deductions_of_source("complaint", int(pk)),
            **agent_strikes(self.datamodel.get(pk, self._base_filters)),
        }


# --- trainings and attendance (集中学习培训会议) ------------------------------------------------------


class AttendanceView(ShowExtra, BmModelView):
    datamodel = interface(TrainingAttendance)
    class_permission_name = "Attendance"
    route_base = "/attendance"
    list_template = "supervision/list.html"
    list_title = _l("培训会议出勤")
    show_title = _l("出勤详情")
    add_title = _l("增加应参加人员")
    edit_title = _l("登记出勤")
    show_template = "supervision/show_with_deductions.html"
    service_create = staticmethod(lambda data: service.add_attendance(data))
    service_update = staticmethod(lambda item, data: service.update_attendance(item, data))

    list_columns = ["training", "agent.village", "agent", "attendance", "note"]
    search_columns = ["training", "agent", "attendance"]
    order_columns = ["training", "attendance"]
    base_order = ("id", "desc")
    add_columns = ["training", "agent", "attendance", "note"]
    edit_columns = ["attendance", "note"]
    show_columns = ["training", "agent.village", "agent", "attendance", "note"]
    label_columns = {
        "training": _l("培训会议"),
        "agent.village": _l("村"),
        "agent": _l("代办员"),
        "attendance": _l("出勤情况"),
        "note": _l("说明"),
    }
    description_columns = {
        "attendance": _l("无故不参加乡召开的集中学习培训会议的，扣除当月补助30元（第二条（四）2②）；请假不扣款"),
    }
    add_form_extra_fields = {
        "attendance": choice_field(_l("出勤情况"), ATTENDANCE, description=description_columns["attendance"])
    }
    edit_form_extra_fields = add_form_extra_fields
    add_form_query_rel_fields = {"agent": [["level", FilterEqual, "village"]]}
    formatters_columns = {
        "attendance": lambda v: (
            Markup('<span class="label label-danger">{}</span>').format(ATTENDANCE[v])
            if v == "absent"
            else label(ATTENDANCE, v)
        ),
    }

    def show_extra(self, pk) -> dict:
        return {"deductions": deduction_service.deductions_of_source("attendance", int(pk))}

    @expose("/roster/<int:training_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def roster(self, training_id):
        """All required attendees of one training, marked at once."""
        training = db.session.get(Training, training_id)
        if training is None:
            abort(404)
        rows = (
            db.session.execute(
                select(TrainingAttendance)
                .where(TrainingAttendance.training_id == training.id)
                .order_by(TrainingAttendance.village_id, TrainingAttendance.id)
            )
            .scalars()
            .all()
        )
        if request.method == "POST":
            marks = {}
            for row in rows:
                value = request.form.get(f"a_{row.id}", row.attendance)
                note = request.form.get(f"n_{row.id}", row.note or "")
                marks[row.agent_id] = (value, note)
            try:
                service.mark_roster(training, marks)
            except DomainError as exc:
                flash(_l("未保存：%(m)s", m=exc.message), "danger")
            else:
                flash(_l("出勤情况已保存"), "success")
                return redirect(url_for("TrainingView.show", pk=training.id))
        return self.render_template(
            "supervision/attendance_roster.html", training=training, rows=rows, choices=ATTENDANCE, title=_l("登记出勤")
        )


class TrainingView(BmModelView):
    datamodel = interface(Training)
    class_permission_name = "Training"
    route_base = "/training"
    list_template = "supervision/list.html"
    list_title = _l("培训会议")
    show_title = _l("培训会议详情")
    add_title = _l("新增培训会议")
    edit_title = _l("编辑培训会议")
    show_template = "supervision/training_show.html"
    service_create = service.create_training
    service_update = service.update_training
    related_views = [AttendanceView]

    list_columns = ["held_on", "title", "place"]
    search_columns = ["title", "held_on", "place"]
    order_columns = ["held_on", "title"]
    base_order = ("held_on", "desc")
    add_columns = ["title", "held_on", "place", "notes", "attendee_ids"]
    edit_columns = add_columns
    show_columns = ["title", "held_on", "place", "notes"]
    label_columns = {
        "title": _l("会议/培训名称"),
        "held_on": _l("召开日期"),
        "place": _l("地点"),
        "notes": _l("内容摘要"),
        "attendee_ids": _l("应参加的代办员"),
    }
    description_columns = {
        "attendee_ids": _l("新增时不选则为召开日全部在岗村级代办员；编辑时所选人员会追加到名单中"),
    }
    add_form_extra_fields = {
        "notes": text_area(_l("内容摘要")),
        "attendee_ids": QuerySelectMultipleField(
            _l("应参加的代办员"),
            query_func=lambda: (
                db.session.execute(_village_agents_query().where(Agent.status == "active").order_by(Agent.village_id))
                .scalars()
                .all()
            ),
            get_pk_func=lambda a: a.id,
            get_label=lambda a: f"{a.village.name if a.village else ''} {a.name}",
            widget=Select2ManyWidget(),
            description=description_columns["attendee_ids"],
        ),
    }
    edit_form_extra_fields = add_form_extra_fields

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            kwargs["can_mark"] = can("can_write", "Attendance")
        return super().render_template(template, **kwargs)


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


# --- annual assessment (年度考核) ------------------------------------------------------------------------


class AssessmentView(BmModelView):
    datamodel = interface(AnnualAssessment)
    class_permission_name = "Assessment"
    route_base = "/assessment"
    list_template = "supervision/list.html"
    list_title = _l("年度考核")
    show_title = _l("年度考核详情")
    add_title = _l("录入年度考核")
    edit_title = _l("编辑年度考核")
    service_create = service.create_assessment
    service_update = service.update_assessment

    list_columns = ["year", "agent.village", "agent", "grade", "assessed_on"]
    search_columns = ["year", "agent", "grade"]
    order_columns = ["year", "grade", "assessed_on"]
    base_order = ("year", "desc")
    add_columns = ["agent", "year", "grade", "assessed_on", "notes"]
    edit_columns = add_columns
    show_columns = ["year", "agent.village", "agent", "grade", "assessed_on", "notes"]
    label_columns = {
        "year": _l("考核年度"),
        "agent.village": _l("村"),
        "agent": _l("代办员"),
        "grade": _l("考核等次"),
        "assessed_on": _l("考核日期"),
        "notes": _l("考核情况（调查问卷、入户走访、个别座谈）"),
    }
    description_columns = {
        "grade": _l("表现不合格的，村级代办员予以解聘（第二条（四）2）；优秀者可参与评先评优"),
        "assessed_on": _l("不填则为今天"),
    }
    add_form_extra_fields = {
        "grade": choice_field(_l("考核等次"), ASSESSMENT_GRADES, description=description_columns["grade"]),
        "assessed_on": DateField(
            _l("考核日期"),
            validators=[Optional()],
            widget=DatePickerWidget(),
            description=description_columns["assessed_on"],
        ),
        "notes": text_area(_l("考核情况（调查问卷、入户走访、个别座谈）")),
    }
    edit_form_extra_fields = add_form_extra_fields
    add_form_query_rel_fields = {"agent": [["level", FilterEqual, "village"]]}
    edit_form_query_rel_fields = add_form_query_rel_fields
    formatters_columns = {
        "grade": lambda v: (
            Markup('<span class="label label-danger">{}</span>').format(ASSESSMENT_GRADES[v])
            if v == "fail"
            else label(ASSESSMENT_GRADES, v)
        ),
    }


# --- sign-in (签到考勤) ---------------------------------------------------------------------------------


class SignInView(ReadOnlyModelView):
    datamodel = interface(SignIn)
    class_permission_name = "SignIn"
    route_base = "/signin"
    list_title = _l("签到记录")
    show_title = _l("签到详情")
    list_template = "supervision/list.html"
    base_permissions = ["can_read", "can_sign"]
    exclude_route_methods = {"delete", "add", "edit"}
    default_view = "today"

    list_columns = ["day", "village", "agent", "signed_at", "late"]
    show_columns = ["day", "village", "agent", "signed_at", "late", "note"]
    search_columns = ["day", "village", "agent", "late"]
    order_columns = ["day", "village", "signed_at"]
    base_order = ("day", "desc")
    label_columns = {
        "day": _l("日期"),
        "village": _l("村"),
        "agent": _l("代办员"),
        "signed_at": _l("签到时间"),
        "late": _l("迟到"),
        "note": _l("备注"),
    }
    formatters_columns = {
        "late": lambda v: (
            Markup('<span class="label label-warning">{}</span>').format(_l("迟到")) if v else str(_l("按时"))
        ),
        "signed_at": lambda v: f"{v:%H:%M}" if v else "",
    }

    def list_toolbar(self) -> str:
        return Markup(
            '<a class="btn btn-sm btn-default" href="{}">{}</a> <a class="btn btn-sm btn-default" href="{}">{}</a>'
        ).format(url_for("SignInView.today"), _l("今日签到"), url_for("SignInView.overview"), _l("月度考勤统计"))

    @expose("/today")
    @has_access
    @permission_name("read")
    def today(self):
        """The agent's one-tap sign-in (phone); for other users, today's sign-ins."""
        now = now_local()
        agent = signin_service.agent_of_user(g.user)
        mine = signin_service.signin_of(agent.id, now.date()) if agent else None
        summary = None
        if agent is not None:
            rows = signin_service.month_overview(now.year, now.month, agent.village_id, now)
            summary = next((r.summary for r in rows if r.agent.id == agent.id), None)
        board = [] if agent is not None else signin_service.today_board(now)
        return self.render_template(
            "supervision/signin_today.html",
            title=_l("每日签到"),
            now=now,
            agent=agent,
            mine=mine,
            summary=summary,
            board=board,
            status=signin_service.today_status(now),
            can_sign=can("can_sign", "SignIn") and agent is not None and agent.status == "active",
            schedule=describe_schedule(office_hours()),
            weekday="一二三四五六日"[now.weekday()],
        )

    @expose("/sign", methods=["POST"])
    @has_access
    @permission_name("sign")
    def sign(self):
        agent = signin_service.agent_of_user(g.user)
        try:
            row = signin_service.sign_in(agent)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "warning" if exc.status == 409 else "danger")
        else:
            if row.late:
                flash(_l("已签到（%(t)s），迟于坐班开始时间，记为迟到", t=row.signed_at.strftime("%H:%M")), "warning")
            else:
                flash(_l("签到成功（%(t)s）", t=row.signed_at.strftime("%H:%M")), "success")
        return redirect(url_for("SignInView.today"))

    @expose("/overview")
    @has_access
    @permission_name("read")
    def overview(self):
        """Per agent and month: working days, signed, on time, late, missing."""
        year, month = month_arg()
        now = now_local()
        rows = signin_service.month_overview(year, month, None, now)
        return self.render_template(
            "supervision/signin_overview.html",
            title=_l("签到考勤统计"),
            year=year,
            month=month,
            rows=rows,
            now=now,
        )


# --- township review of a case's ledger (台账填写不完整, ⑤) --------------------------------------------------


class CaseReviewView(BaseView):
    """GET/POST /casereview/<id>: 乡便民中心 checks a case's ledger entry (第二条（四）3
    “考核……便民代办事项台账填写情况”) and may record 台账填写不完整 (⑤, 10元)."""

    route_base = "/casereview"
    class_permission_name = "Case"
    base_permissions = ["can_review"]
    default_view = "review"

    @expose("/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("review")
    def review(self, pk):
        case = db.session.execute(select(Case).where(Case.id == pk)).scalar()
        if case is None:
            abort(404)
        if request.method == "POST":
            try:
                service.review_case_ledger(case, request.form)
            except DomainError as exc:
                db.session.rollback()
                flash(_l("未保存：%(m)s", m=exc.message), "danger")
                case = db.session.execute(select(Case).where(Case.id == pk)).scalar()
            else:
                flash(
                    _l("已认定台账填写不完整，扣除当月补助（⑤）") if case.ledger_incomplete else _l("审核意见已保存"),
                    "success",
                )
                return redirect(url_for("CaseReviewView.review", pk=pk))
        deductions = deduction_service.deductions_of_source("case_review", case.id)
        active = next((d for d in deductions if d.state == "active"), None)
        return self.render_template(
            "supervision/case_review.html",
            title=_l("受理登记台账审核"),
            case=case,
            deductions=deductions,
            active=active,
            note=request.form.get("note", "") if request.method == "POST" else "",
            mask_id=mask_id_number,
            mask_phone=mask_phone,
            code_text=code_text,
            money=money,
            case_url=url_for("CaseView.show", pk=case.id) if "CaseView.show" in current_app.view_functions else None,
        )


def register(appbuilder) -> None:
    from ..api.supervision import ComplaintApi, DeductionApi, InspectionApi, TrainingApi
    from . import CATEGORY_LABELS, add_menu_view

    supervision = {"category": "Supervision", "category_label": CATEGORY_LABELS["Supervision"]}
    add_menu_view(appbuilder, SignInView, "SignIn", _l("每日签到"), "fa-check-square-o", "Supervision")
    appbuilder.add_link(
        "SignIn", href="SignInView.overview", label=_l("签到考勤统计"), icon="fa-calendar-check-o", **supervision
    )
    add_menu_view(appbuilder, InspectionView, "Inspection", _l("督查检查"), "fa-search", "Supervision")
    add_menu_view(appbuilder, ComplaintView, "Complaint", _l("群众反映/举报"), "fa-bullhorn", "Supervision")
    add_menu_view(appbuilder, TrainingView, "Training", _l("培训会议"), "fa-graduation-cap", "Supervision")
    add_menu_view(appbuilder, AttendanceView, "Attendance", _l("培训出勤"), "fa-users", "Supervision")
    add_menu_view(appbuilder, DeductionView, "Deduction", _l("扣款明细"), "fa-minus-circle", "Supervision")
    appbuilder.add_link(
        "Deduction", href="DeductionView.summary", label=_l("月度扣款汇总"), icon="fa-table", **supervision
    )
    add_menu_view(appbuilder, StrikeAlertView, "Deduction", _l("考核预警"), "fa-exclamation-triangle", "Supervision")
    add_menu_view(appbuilder, AssessmentView, "Assessment", _l("年度考核"), "fa-star", "Supervision")
    appbuilder.add_view_no_menu(CaseReviewView)
    appbuilder.add_api(InspectionApi)
    appbuilder.add_api(ComplaintApi)
    appbuilder.add_api(TrainingApi)
    appbuilder.add_api(DeductionApi)


__all__ = ["CaseReviewView", "DeductionView", "StrikeAlertView", "code_text", "register", "strike_badge"]
