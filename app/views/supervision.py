"""督查考核 views (SPEC §6, §7): inspections, complaints, trainings and attendance, and the
township's ledger review of a case (/casereview/<id>). Sign-in is in ``views/signin.py``;
deductions, the three-strikes list and annual assessments in ``views/deductions.py``; the
helpers they share (``month_arg``, ``can``, ``code_text``, ``strike_badge``, ``ShowExtra`` …)
in ``views/base.py``.

Declarative ModelViews over ``services.supervision`` / ``services.deductions``; the custom
pages only read through the ORM (village scoping applies) and write through the same services.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from wtforms import DateTimeLocalField, SelectField
from wtforms.validators import InputRequired, Optional

from ..extensions import db
from ..models import SIX_ONES, Agent, Case, Complaint, Inspection, Training, TrainingAttendance
from ..models.enums import ATTENDANCE, COMPLAINT_CHANNELS, COMPLAINT_RESULTS, COMPLAINT_SOURCES, label
from ..policy.idcard import mask_id_number
from ..policy.money import money_text as money
from ..policy.office_hours import describe_schedule
from ..policy.phone import mask_phone
from ..services import deductions as deduction_service
from ..services import supervision as service
from ..services.errors import DomainError, Forbidden
from .base import (
    BmModelView,
    ShowExtra,
    can,
    choice_field,
    code_formatter,
    code_text,
    expose,
    has_access,
    interface,
    strike_badge,
    text_area,
    yes_no,
)

SIX_ONE_LABELS = dict(SIX_ONES)
FINDING = {"True": _l("符合"), "False": _l("不符合")}
ON_DUTY = {"True": _l("在岗"), "False": _l("不在岗")}
LEDGER = {"True": _l("完整"), "False": _l("不完整")}


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


def _equal_index(view, column: str) -> int:
    """The position of “等于” among the list filters of ``column`` (FAB's ``_flt_<n>_<col>``)."""
    filters = view._filters.get_search_filters().get(column, [])
    return next((i for i, flt in enumerate(filters) if isinstance(flt, FilterEqual)), 0)


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
        "source",
    ]
    search_columns = ["village", "agent", "channel", "result", "refused_request", "received_on", "source"]
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
    show_fieldsets = [(_l("受理"), {"fields": [*intake, "source"]}), *add_fieldsets[1:]]
    label_columns = {
        "source": _l("来源"),
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
        "source": code_formatter(COMPLAINT_SOURCES),
    }

    def list_toolbar(self) -> str:
        """Quick filters: the reports filed on the public page (网上反映), and those still 待核实."""
        equal = {name: _equal_index(self, name) for name in ("source", "result")}
        links = [
            (_l("全部"), {}),
            (_l("网上反映"), {f"_flt_{equal['source']}_source": "public"}),
            (
                _l("网上反映·待核实"),
                {f"_flt_{equal['source']}_source": "public", f"_flt_{equal['result']}_result": "pending"},
            ),
        ]
        return Markup(" ").join(
            Markup('<a class="btn btn-sm btn-default" href="{}">{}</a>').format(
                url_for("ComplaintView.list", **args), text
            )
            for text, args in links
        )

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
    from .menu import add_menu_view

    add_menu_view(appbuilder, InspectionView, "Inspection", _l("督查检查"), "fa-search", "Supervision")
    add_menu_view(appbuilder, ComplaintView, "Complaint", _l("群众反映/举报"), "fa-bullhorn", "Supervision")
    add_menu_view(appbuilder, TrainingView, "Training", _l("培训会议"), "fa-graduation-cap", "Supervision")
    add_menu_view(appbuilder, AttendanceView, "Attendance", _l("培训出勤"), "fa-users", "Supervision")
    appbuilder.add_view_no_menu(CaseReviewView)


__all__ = ["AttendanceView", "CaseReviewView", "ComplaintView", "InspectionView", "TrainingView", "register"]
