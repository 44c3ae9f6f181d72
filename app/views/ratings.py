"""差评整改 (issue 14 §1) for 乡便民中心: the 差评 items (overdue first), each with its steps
核实 → 整改 → (回访) → 反馈, the "转为投诉①" form prefilled from the 差评, the township's
电话回访 rating of a case, and the 办结通知 print slip with the rating QR."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget, Select2Widget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..extensions import db
from ..models import Case
from ..policy import ratings as policy
from ..services import calendar as clock
from ..services import documents
from ..services import ratings as service
from ..services import supervision as supervision_service
from ..services.errors import DomainError
from .base import can, rating_qr, show_form_errors

STEP_TITLES = {
    "verify": _l("核实"),
    "rectify": _l("整改"),
    "callback": _l("回访"),
    "feedback": _l("反馈办结"),
}
STEP_HELP = {
    "verify": _l("核实该差评是否属实（核实人为当前登录人）。"),
    "rectify": _l("登记对该差评的整改情况。"),
    "callback": _l("实名差评须回访申请人，并登记回访记录后才能办结。"),
    "feedback": _l("将核实、整改结果告知申请人；反馈后本差评办结。"),
}
STEP_SERVICES = {
    "verify": service.verify_item,
    "rectify": service.rectify_item,
    "callback": service.callback_item,
    "feedback": service.feedback_item,
}
VERIFIED_CHOICES = [("", _l("请选择")), ("true", _l("属实")), ("false", _l("不属实"))]


def _area(label):
    return TextAreaField(label, validators=[Optional()], widget=BS3TextAreaFieldWidget())


def _when(label):
    return StringField(
        label,
        validators=[Optional()],
        widget=BS3TextFieldWidget(),
        render_kw={"type": "datetime-local"},
        description=_l("不填为当前时间"),
    )


def _select(label, mapping, blank=True):
    choices = ([("", _l("请选择"))] if blank else []) + [(str(k), v) for k, v in mapping.items()]
    return SelectField(label, choices=choices, validators=[Optional()], widget=Select2Widget())


class VerifyForm(DynamicForm):
    version = HiddenField()
    verified = SelectField(_l("核实结果"), choices=VERIFIED_CHOICES, validators=[Optional()], widget=Select2Widget())
    verification_note = _area(_l("核实情况"))


class RectifyForm(DynamicForm):
    version = HiddenField()
    rectification = _area(_l("整改情况"))


class CallbackForm(DynamicForm):
    version = HiddenField()
    callback_note = _area(_l("回访记录"))
    callback_at = _when(_l("回访时间"))


class FeedbackForm(DynamicForm):
    version = HiddenField()
    feedback_method = _select(_l("反馈方式"), policy.FEEDBACK_METHODS)
    feedback_text = _area(_l("反馈内容"))
    feedback_at = _when(_l("反馈时间"))


STEP_FORMS = {"verify": VerifyForm, "rectify": RectifyForm, "callback": CallbackForm, "feedback": FeedbackForm}


class PhoneRatingForm(DynamicForm):
    level = _select(_l("评价等级"), policy.LEVELS)
    score_efficiency = _select(_l("服务效率"), {n: f"{n}" for n in (5, 4, 3, 2, 1)})
    score_competence = _select(_l("服务水平"), {n: f"{n}" for n in (5, 4, 3, 2, 1)})
    score_attitude = _select(_l("服务态度"), {n: f"{n}" for n in (5, 4, 3, 2, 1)})
    comment = _area(_l("意见建议"))
    callback_phone = StringField(
        _l("回访电话（实名）"),
        validators=[Optional()],
        widget=BS3TextFieldWidget(),
        description=_l("留下号码即为实名评价"),
    )
    given_at = _when(_l("回访时间"))


class ComplaintDraftForm(DynamicForm):
    refused_request = BooleanField(_l("反映代办员不受理代办事项"))
    content = _area(_l("反映内容"))


def _data(form) -> dict:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


def _steps(item) -> list[str]:
    """The steps the item offers now."""
    if item.status not in policy.OPEN_ITEM_STATUSES:
        return []
    steps = ["verify"]
    if item.verified is not None:
        steps.append("rectify")
    if item.rating.real_name or item.rating.source == policy.SOURCE_PHONE:
        steps.append("callback")
    if item.verified is not None:
        steps.append("feedback")
    return steps


class BadRatingView(BaseView):
    route_base = "/badrating"
    class_permission_name = "BadRating"
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {
        "list": "read",
        "show": "read",
        "step": "write",
        "phone": "write",
        "complaint": "read",
    }
    default_view = "list"

    def _item(self, pk):
        item = service.get_item(pk)
        if item is None:
            abort(404)
        return item

    @expose("/list/")
    @has_access
    def list(self):
        status = request.args.get("status", "open")
        if status not in ("open", "all", *policy.ITEM_STATUSES):
            status = "open"
        day = clock.today()
        return self.render_template(
            "ratings/list.html",
            title=_l("差评整改"),
            items=service.items(None if status == "all" else status),
            status=status,
            statuses=policy.ITEM_STATUSES,
            today=day,
            overdue={i.id for i in service.overdue_items(day)},
        )

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        item = self._item(pk)
        return self.render_template(
            "ratings/show.html",
            title=_l("差评详情"),
            item=item,
            rating=item.rating,
            steps=[(s, STEP_TITLES[s]) for s in _steps(item)] if can("can_write", "BadRating") else [],
            overdue=policy.is_overdue(item.status, item.due_on, clock.today()),
            aspects=policy.ASPECTS,
            sources=policy.SOURCES,
            may_file_complaint=can("can_write", "Complaint") and item.complaint_id is None,
        )

    @expose("/step/<int:pk>/<string:step>", methods=["GET", "POST"])
    @has_access
    def step(self, pk, step):
        item = self._item(pk)
        if step not in _steps(item):
            flash(_l("当前状态不能进行此操作"), "warning")
            return redirect(url_for("BadRatingView.show", pk=pk))
        form = STEP_FORMS[step]()
        if request.method == "POST":
            try:
                STEP_SERVICES[step](item, _data(form))
            except DomainError as exc:
                db.session.rollback()
                show_form_errors(form, exc)
            else:
                flash(_l("已登记：%(s)s", s=STEP_TITLES[step]), "success")
                return redirect(url_for("BadRatingView.show", pk=pk))
        else:
            form.version.data = item.version
        return self.render_template(
            "ratings/step.html", title=STEP_TITLES[step], help=STEP_HELP[step], item=item, form=form
        )

    @expose("/phone/<int:case_pk>", methods=["GET", "POST"])
    @has_access
    def phone(self, case_pk):
        case = db.session.execute(select(Case).where(Case.id == case_pk)).scalar()
        if case is None:
            abort(404)
        form = PhoneRatingForm()
        if request.method == "POST":
            try:
                service.record_phone_rating(case, _data(form))
            except DomainError as exc:
                db.session.rollback()
                show_form_errors(form, exc)
            else:
                flash(_l("已登记电话回访评价"), "success")
                return redirect(url_for("CaseView.show", pk=case.id))
        return self.render_template(
            "ratings/step.html",
            title=_l("电话回访登记评价"),
            help=_l("登记申请人在电话回访中给出的评价（回访人为当前登录人）；申请人已扫码评价的不能重复登记。"),
            case=case,
            form=form,
            back=url_for("CaseView.show", pk=case.id),
        )

    @expose("/complaint/<int:pk>", methods=["GET", "POST"])
    @has_access
    def complaint(self, pk):
        """转为投诉①: the complaint form prefilled from the 差评; filed only when confirmed."""
        item = self._item(pk)
        if not can("can_write", "Complaint") or item.complaint_id is not None:
            abort(403)
        draft = service.complaint_draft(item)
        form = ComplaintDraftForm()
        if request.method == "POST":
            try:
                complaint = supervision_service.create_complaint({**draft, **_data(form)})
                service.link_complaint(item, complaint.id)
            except DomainError as exc:
                db.session.rollback()
                show_form_errors(form, exc)
            else:
                flash(_l("已转为群众反映/举报，请在该记录中核实"), "success")
                return redirect(url_for("ComplaintView.show", pk=complaint.id))
        else:
            form.content.data = draft["content"]
            form.refused_request.data = True
        return self.render_template(
            "ratings/step.html",
            title=_l("转为投诉①"),
            help=_l("经核实属于代办员不受理代办事项的，可转为群众反映/举报（第二条（四）2①），由乡纪检办核实后扣款。"),
            item=item,
            form=form,
        )


class RatingDocumentView(BaseView):
    """办结通知 (print slip) of a closed case, with the rating QR (issue 14 §1, §3)."""

    route_base = "/ratingdoc"
    class_permission_name = "Document"
    method_permission_name = {"closed_notice": "read"}
    base_permissions = ["can_read"]
    default_view = "closed_notice"

    @expose("/closed/<int:pk>")
    @has_access
    def closed_notice(self, pk):
        case = db.session.execute(select(Case).where(Case.id == pk)).scalar()
        if case is None:
            abort(404)
        if not policy.may_be_rated(case.status):
            flash(_l("事项办结（或答复、转介、不予受理）后才能打印办结通知"), "info")
            return redirect(url_for("CaseView.show", pk=pk))
        qr = rating_qr(case)
        return self.render_template(
            "ratings/closed_notice.html",
            **documents.receipt_context(case),
            rate_qr=qr,
            rating=service.rating_of(case),
        )


def register(appbuilder) -> None:
    from .menu import add_menu_view

    add_menu_view(appbuilder, BadRatingView, "BadRating", _l("差评整改"), "fa-thumbs-down", "Supervision")
    appbuilder.add_view_no_menu(RatingDocumentView)


__all__ = ["BadRatingView", "RatingDocumentView", "register"]
