"""受理登记台账 — the case ledger, the case page with its timeline, the steps of 第五条（二）,
extensions, and the printed 受理回执 / 一次性告知单 (SPEC §5, §10).

Declarative FAB views; every write goes through :mod:`app.services.cases`. Permissions:
``Case`` can_read (list, page), can_write (register, edit), can_transition (steps, 延期);
the printed documents are ``Document`` can_read.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.widgets import ListWidget
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import DateField, DateTimeLocalField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, html_params
from wtforms.widgets import ListWidget as CheckboxListWidget

from ..extensions import db
from ..models import Agent, Case, ServiceCategory, ServiceItem, Village
from ..models.enums import (
    CASE_CHANNELS,
    CASE_KINDS,
    CASE_STATUSES,
    CUSTODY_STATES,
    REPLY_METHODS,
    SATISFACTION,
    VERIFY_RESULTS,
)
from ..policy import case_flow as flow
from ..policy import ratings as rating_policy
from ..policy.phone import mask_phone
from ..policy.roles import is_village_user
from ..security import current_user_or_none
from ..services import attachments as attachment_service
from ..services import calendar as clock
from ..services import cases as case_service
from ..services import documents
from ..services import ratings as rating_service
from ..services.calendar import work_calendar
from ..services.errors import DomainError
from ..services.privacy import id_for_detail, phone_for_detail
from .base import (
    READ_WRITE,
    BmInterface,
    BmModelView,
    Select2Widget,
    choice_field,
    code_formatter,
    expose,
    flash_form_errors,
    has_access,
    rating_qr,
    yes_no,
)

#: What a phone's date-time picker sends first; typed or scripted values are accepted too.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
STATE_LABELS = {
    "overdue": _l("超期"),
    "soon": _l("临期"),
    "open": _l("办理中"),
    "late": _l("超期办结"),
    "closed": _l("按时办结"),
    "void": _l("已作废"),
}
STATE_CSS = {
    "overdue": "label-overdue",
    "soon": "label-soon",
    "open": "label-info",
    "late": "label-overdue",
    "closed": "label-success",
    "void": "label-default",
}
STEP_TITLES = {
    "verifying": _l("转村干部核实（协办）"),
    "submitted": _l("报送乡便民服务中心窗口"),
    "completed": _l("办结并回复申请人"),
    "answered": _l("答复咨询"),
    "referred": _l("转介相关单位"),
    "rejected": _l("不予受理 / 退回"),
    "voided": _l("作废"),
}
STEP_HELP = {
    "verifying": _l("第五条（二）3：对已受理的报送事项，先由村干部负责调查核实，及时办理应由村协办的有关手续。"),
    "submitted": _l("第五条（二）4：三个工作日内向乡便民服务中心各服务窗口上报相关审批材料；急办件即时报送。"),
    "completed": _l(
        "第五条（二）5：及时了解办理结果，领取证照，及时向村民做出回复；依法收取的规费须出具合法收费票据。"
    ),
    "answered": _l("第五条（二）1：属于本岗位工作范畴的应详细解答，并对解答结果负责。"),
    "referred": _l("第五条（二）1：不属于代办事项的，告之其相关单位的联系电话。"),
    "rejected": _l("第二条（三）4：对确实不能办理的事项，要向群众说明原因，耐心细致地做好解释工作。"),
    "voided": _l("事项不删除，只能作废并写明原因（如重复登记、登记错误）。"),
}
STEP_BUTTON_CSS = {"voided": "btn-default", "rejected": "btn-warning"}
#: Overdue and due-soon cases shown above the ledger list.
PRIORITY_ROWS = 8

LABELS = {
    "case_number": _l("受理编号"),
    "village": _l("所属村"),
    "agent": _l("代办员"),
    "kind": _l("类型"),
    "service_item": _l("代办事项"),
    "applicant_name": _l("申请人"),
    "applicant_id_number": _l("申请人身份证号"),
    "applicant_phone": _l("联系电话"),
    "channel": _l("受理方式"),
    "urgent": _l("急办件"),
    "received_at": _l("受理时间"),
    "voluntary_confirmed": _l("申请人自愿委托代办（第三条6）"),
    "request_text": _l("诉求 / 咨询内容"),
    "materials_received": _l("已收材料"),
    "materials_note": _l("其他材料"),
    "custody_state": _l("材料保管"),
    "fee": _l("收费金额（元）"),
    "receipt_number": _l("收费票据号码"),
    "satisfaction": _l("原代办员登记满意度（旧）"),
    "followup_note": _l("回访记录"),
    "followup_at": _l("回访时间"),
    "notes": _l("备注"),
    "status": _l("状态"),
    "due_on": _l("期限"),
    "deadline": _l("期限"),
    "submit_by": _l("报送期限"),
    "complete_by": _l("办结期限"),
    "closed_late": _l("超期办结"),
    "category_id": _l("事项类别"),
    "registered_at": _l("登记时间"),
    "backdate_reason": _l("补登原因"),
    "payment_received": _l("收到代缴款（元）"),
    "payment_paid": _l("代缴金额（元）"),
    "payment_voucher": _l("缴费凭证号"),
    "payment_paid_on": _l("缴款日期"),
    "mode": _l("办理方式"),
    "same_day": _l("当日登记"),
}


def _fmt_dt(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _village_user() -> bool:
    return is_village_user(current_user_or_none())


# --------------------------------------------------------------------------------------
# The list: a pseudo column “deadline” (the case itself, rendered as date + badge)
# --------------------------------------------------------------------------------------
class CaseInterface(BmInterface):
    """The interface of Case with the list's “deadline” column (the case itself, drawn as
    date + badge by :func:`deadline_badge`; sorting by it sorts by ``due_on``)."""

    PSEUDO = ("deadline",)

    def _get_attr_value(self, item, col):  # FAB hook (a staticmethod upstream)
        if col in self.PSEUDO:
            return item
        return BmInterface._get_attr_value(item, col)

    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if order_column == "deadline":
            order_column = "due_on"
        return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)


def deadline_badge(case: Case) -> Markup:
    """Due date with 超期 / 临期 / 超期办结 marks — shown everywhere a case is listed."""
    ctx = g.get("_bm_deadline_ctx")
    if ctx is None:
        day = clock.today()
        ctx = g._bm_deadline_ctx = (day, case_service.soon_limit(day))
    state = case_service.deadline_state(case, *ctx)
    parts = [Markup("<span class='bm-due'>{}</span>").format(case.due_on.isoformat() if case.due_on else "")]
    if state in ("overdue", "soon", "late"):
        parts.append(Markup(" <span class='label {}'>{}</span>").format(STATE_CSS[state], STATE_LABELS[state]))
    if case.urgent:
        parts.append(Markup(" <span class='label label-danger'>{}</span>").format(_l("急")))
    if not case_service.case_same_day(case):
        parts.append(Markup(" <span class='label label-warning bm-late-entry'>{}</span>").format(_l("未当日登记")))
    if case.due_on and case.is_open and not work_calendar().is_configured_year(case.due_on.year):
        parts.append(
            Markup(" <i class='fa fa-exclamation-triangle text-warning' title='{}'></i>").format(
                case_service.case_calendar_warning(case) or ""
            )
        )
    return Markup("").join(parts)


class CaseListWidget(ListWidget):
    template = "cases/list_widget.html"


# --------------------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------------------
class MaterialsWidget(CheckboxListWidget):
    """The item's material checklist; ``case_form.js`` redraws it when the item changes."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("class", "bm-materials list-unstyled")
        kwargs["data-name"] = field.name
        kwargs["data-selected"] = json.dumps(list(field.data or []), ensure_ascii=False)
        kwargs["data-empty"] = str(_l("请先选择代办事项，再勾选已收材料"))
        if not field.choices:
            return Markup("<ul {}><li class='text-muted'>{}</li></ul>").format(
                Markup(html_params(**kwargs)), kwargs["data-empty"]
            )
        return super().__call__(field, **kwargs)


class MaterialsField(SelectMultipleField):
    widget = MaterialsWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        kwargs.setdefault("choices", [])
        super().__init__(*args, **kwargs)


def _categories():
    return db.session.execute(select(ServiceCategory).order_by(ServiceCategory.code)).scalars().all()


def _search_villages():
    return db.session.execute(select(Village.id, Village.name).order_by(Village.code)).all()


def _items():
    return db.session.execute(select(ServiceItem).order_by(ServiceItem.code)).scalars().all()


def _villages():
    return db.session.execute(select(Village).where(Village.active.is_(True)).order_by(Village.code)).scalars().all()


def _agents():
    return (
        db.session.execute(
            select(Agent).where(Agent.level == "village").order_by(Agent.village_id, Agent.status, Agent.name)
        )
        .scalars()
        .all()
    )


def _item_label(item: ServiceItem) -> str:
    retired = "" if item.active else f"（{_l('已停用')}）"
    return f"{item.code} {item.name}【{item.mode_label}】{retired}"


def _agent_label(agent: Agent) -> str:
    return f"{agent.village.name if agent.village else ''} {agent.name}"


def _text(label, description="", area=False):
    if area:
        return TextAreaField(label, validators=[Optional()], widget=BS3TextAreaFieldWidget(), description=description)
    return StringField(label, validators=[Optional()], widget=BS3TextFieldWidget(), description=description)


def _when(label, description=""):
    return DateTimeLocalField(
        label,
        format=DATETIME_FORMATS,
        validators=[Optional()],
        render_kw={"class": "form-control"},
        description=description,
    )


class CaseForm(DynamicForm):
    kind = choice_field(_l("类型"), CASE_KINDS, description=_l("咨询：只需答复或转介；代办：受理后代为报送办理"))
    channel = choice_field(_l("受理方式"), CASE_CHANNELS)
    received_at = _when(_l("受理时间"), _l("不填为当前时间；报送、办结期限按工作日从受理次日起算"))
    urgent = BooleanField(_l("急办件"), description=_l("急办件即时报送（第五条（二）4），报送期限为受理当日"))
    village = QuerySelectField(
        _l("所属村"), query_func=_villages, get_pk_func=lambda v: v.id, allow_blank=True, widget=Select2Widget()
    )
    agent = QuerySelectField(
        _l("代办员"),
        query_func=_agents,
        get_pk_func=lambda a: a.id,
        get_label=_agent_label,
        allow_blank=True,
        widget=Select2Widget(),
        description=_l("须为所选村的代办员"),
    )
    applicant_name = StringField(_l("申请人姓名"), validators=[InputRequired()], widget=BS3TextFieldWidget())
    applicant_id_number = _text(_l("申请人身份证号"), _l("代办必填；纯咨询可不填"))
    applicant_phone = _text(_l("联系电话"), _l("用于回复办理结果"))
    service_item = QuerySelectField(
        _l("代办事项"),
        query_func=_items,
        get_pk_func=lambda i: i.id,
        get_label=_item_label,
        allow_blank=True,
        widget=Select2Widget(),
        description=_l("代办必选；咨询可不选"),
    )
    request_text = _text(_l("诉求 / 咨询内容"), area=True)
    voluntary_confirmed = BooleanField(
        _l("申请人自愿委托代办（第三条6）"), description=_l("代办须申请人本人自愿申请，任何人不得强制代理")
    )
    materials_received = MaterialsField(
        _l("已收材料"), description=_l("勾选申请人已交的材料；未交齐的打印一次性告知单交申请人")
    )
    materials_note = _text(_l("其他材料"), _l("清单以外的材料、份数、原件或复印件"), area=True)
    fee = _text(_l("收费金额（元）"), _l("只收国家规定的成本费用，不收代办费（第三条5）"))
    receipt_number = _text(_l("收费票据号码"), _l("收费的须出具合法收费票据"))
    notes = _text(_l("备注"), area=True)
    backdate_reason = _text(_l("补登原因"), _l("受理时间早于3个工作日前的，只能由乡便民中心补登并写明原因"), area=True)
    payment_received = _text(_l("收到代缴款（元）"), _l("代缴事项：代办员从申请人处收到的缴费款，不是收费"))
    payment_paid = _text(_l("代缴金额（元）"), _l("实际缴给收款单位的金额，不能超过收到的代缴款"))
    payment_voucher = _text(_l("缴费凭证号"), _l("收款单位（供电所、水厂、税务等）出具的收据或凭证号；办结前必填"))
    payment_paid_on = DateField(
        _l("缴款日期"), validators=[Optional()], render_kw={"class": "form-control", "type": "date"}
    )

    @classmethod
    def refresh(cls, obj=None):
        form = cls(obj=obj)
        if _village_user():
            # An agent's cases are the agent's own village's: the service sets both.
            for name in ("village", "agent"):
                if name in form:
                    del form[name]
        if obj is None and not form.received_at.data:
            form.received_at.data = clock.now_local().replace(second=0, microsecond=0)
        return form


class CaseEditForm(CaseForm):
    kind = None  # a consultation that becomes a proxy request is a new case (一事一记)
    village = None  # the number belongs to the village: never moves
    custody_state = choice_field(_l("材料保管"), CUSTODY_STATES, required=False)
    followup_note = _text(_l("回访记录"), area=True)
    followup_at = _when(_l("回访时间"))


PAYMENT_FIELDS = ["payment_received", "payment_paid", "payment_voucher", "payment_paid_on"]
ADD_FIELDSETS = [
    (_l("受理信息"), {"fields": ["kind", "channel", "received_at", "backdate_reason", "urgent", "village", "agent"]}),
    (_l("申请人"), {"fields": ["applicant_name", "applicant_id_number", "applicant_phone"]}),
    (_l("代办事项"), {"fields": ["service_item", "request_text", "voluntary_confirmed"]}),
    (_l("收取材料（一次性告知）"), {"fields": ["materials_received", "materials_note"]}),
    (_l("代缴款（第四条9，不是收费）"), {"fields": PAYMENT_FIELDS}),
    (_l("收费与备注"), {"fields": ["fee", "receipt_number", "notes"]}),
]
EDIT_FIELDSETS = [
    (_l("受理信息"), {"fields": ["channel", "received_at", "backdate_reason", "urgent", "agent"]}),
    (_l("申请人"), {"fields": ["applicant_name", "applicant_id_number", "applicant_phone"]}),
    (_l("代办事项"), {"fields": ["service_item", "request_text", "voluntary_confirmed"]}),
    (_l("收取材料（一次性告知）"), {"fields": ["materials_received", "materials_note", "custody_state"]}),
    (_l("代缴款（第四条9，不是收费）"), {"fields": PAYMENT_FIELDS}),
    (_l("收费与备注"), {"fields": ["fee", "receipt_number", "notes"]}),
    (_l("回访"), {"fields": ["followup_note", "followup_at"]}),
]


#: The order the fields of a step form are shown in (a step shows the ones it records).
STEP_FORM_ORDER = (
    "at",
    "verified_by",
    "verify_result",
    "submitted_window",
    "window_result",
    "answer_text",
    "referred_to",
    "payment_received",
    "payment_paid",
    "payment_voucher",
    "reply_at",
    "reply_method",
    "fee",
    "receipt_number",
    "reason",
    "note",
)


def _step_field(name: str, case: Case, required: bool):
    """The form field of one thing a step records."""
    labels = case_service.LABELS
    if name == "at":
        return _when(labels["at"], _l("不填为当前时间"))
    if name == "reply_at":
        return _when(labels[name])
    if name == "verify_result":
        return choice_field(labels[name], VERIFY_RESULTS, required=required)
    if name == "reply_method":
        return choice_field(labels[name], REPLY_METHODS, required=False)
    if name == "window_result" and case.status == "accepted" and _immediate(case):
        return _text(_l("办理结果"), _l("立即办：如“证明已开具并交申请人”"), area=True)
    description, area = STEP_FIELD_TEXT.get(name, ("", False))
    return _text(labels[name], description, area=area)


#: (description, text area?) of a step's text fields.
STEP_FIELD_TEXT = {
    "verified_by": (_l("负责调查核实的村干部姓名"), False),
    "window_result": (_l("如：已审批通过，证照已领取"), True),
    "payment_voucher": (_l("收款单位出具的收据或凭证号"), False),
    "fee": (_l("只收国家规定的成本费用，不收代办费（第三条5）"), False),
    "answer_text": ("", True),
    "referred_to": (_l("如：乡便民服务中心社保窗口 0731-84561000"), False),
    "reason": ("", True),
    "note": ("", True),
}


def _immediate(case: Case) -> bool:
    return case.service_item is not None and case.service_item.mode == "immediate"


def _step_form(to: str, case: Case):
    """The form of one step: the fields the step records (``flow.required_fields`` — from
    ``flow.STEP_FIELDS`` — and ``flow.optional_fields``), the time of the step (办结 is dated
    by its reply time) and a note."""
    required = flow.required_fields(case.kind, case.status, to)
    pays = case.service_item is not None and bool(case.service_item.pays_on_behalf)
    names = {*required, *flow.optional_fields(case.status, to, pays), "note"}
    if to != "completed":
        names.add("at")
    fields: dict = {"version": HiddenField()}
    for name in STEP_FORM_ORDER:  # fields are shown in the order they are made
        if name in names:
            fields[name] = _step_field(name, case, name in required)
    return type(f"CaseStep_{to}", (DynamicForm,), fields)


class ExtensionForm(DynamicForm):
    version = HiddenField()
    new_due = DateField(
        _l("延期后的办结日期"), validators=[Optional()], render_kw={"class": "form-control", "type": "date"}
    )
    reason = TextAreaField(_l("延期原因（已向申请人说明）"), validators=[Optional()], widget=BS3TextAreaFieldWidget())


def _form_data(form) -> dict:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


# --------------------------------------------------------------------------------------
# The view
# --------------------------------------------------------------------------------------
def _create_from_form(data) -> Case:
    case = case_service.create_case(data)
    g.bm_created_case = case.id
    return case


class CaseView(BmModelView):
    datamodel = CaseInterface(Case, db.session)
    class_permission_name = "Case"
    route_base = "/case"
    method_permission_name = {**READ_WRITE, "step": "transition", "extend": "transition"}
    base_permissions = ["can_read", "can_write", "can_transition"]
    exclude_route_methods = {"delete", "download"}
    list_title = _l("受理登记台账")
    add_row_message = _l("已受理登记；代办事项请打印受理回执交申请人")
    edit_row_message = _l("已保存修改")
    show_title = _l("受理登记详情")
    add_title = _l("受理登记")
    edit_title = _l("修改受理登记")
    list_template = "cases/list.html"
    add_template = "cases/form.html"
    edit_template = "cases/form.html"
    list_widget = CaseListWidget
    export_kind = "ledger"
    page_size = 20
    service_create = _create_from_form
    service_update = case_service.update_case

    add_form = CaseForm
    edit_form = CaseEditForm
    add_fieldsets = ADD_FIELDSETS
    edit_fieldsets = EDIT_FIELDSETS
    list_columns = [
        "case_number",
        "received_at",
        "village",
        "agent",
        "applicant_name",
        "service_item",
        "kind",
        "status",
        "deadline",
    ]
    order_columns = ["case_number", "received_at", "applicant_name", "status", "deadline"]
    search_columns = [
        "case_number",
        "applicant_name",
        "village",
        "status",
        "kind",
        "category_id",
        "service_item",
        "received_at",
        "due_on",
        "urgent",
        "closed_late",
        "channel",
    ]
    # Codes are picked from their Chinese labels; the category (a plain column) from the catalog.
    search_form_extra_fields = {
        # Light id/name rows: FAB's own relation select loads whole rows and builds an
        # interface per option, which dominated the page with 1000 villages. (A village has
        # one agent: filtering by village is filtering by agent.)
        "village": QuerySelectField(
            _l("所属村"),
            query_func=lambda: _search_villages(),
            get_pk_func=lambda r: r.id,
            get_label=lambda r: r.name,
            widget=Select2Widget(),
        ),
        "status": choice_field(_l("状态"), CASE_STATUSES),
        "kind": choice_field(_l("类型"), CASE_KINDS),
        "channel": choice_field(_l("受理方式"), CASE_CHANNELS),
        "category_id": QuerySelectField(
            _l("事项类别"), query_func=_categories, get_pk_func=lambda c: c.id, widget=Select2Widget()
        ),
    }
    base_order = ("received_at", "desc")
    label_columns = LABELS
    formatters_columns = {
        "received_at": _fmt_dt,
        "kind": code_formatter(CASE_KINDS),
        "status": code_formatter(CASE_STATUSES),
        "channel": code_formatter(CASE_CHANNELS),
        "deadline": deadline_badge,
        "urgent": yes_no,
        "applicant_phone": mask_phone,
        "service_item": lambda item: item.name if item else "—",
    }

    # -- list ---------------------------------------------------------------------------
    def list_toolbar(self) -> str:
        """Above the ledger: the user's overdue and due-soon cases first (SPEC §5 to-do list),
        then quick filters with counts."""
        day = clock.today()
        soon = case_service.soon_limit(day)
        states = {}
        priority = []
        for case in case_service.todo_cases(day, limit=PRIORITY_ROWS):
            state = case_service.deadline_state(case, day, soon)
            if state in ("overdue", "soon"):
                states[case.id] = state
                priority.append(case)
        return render_template(
            "cases/list_toolbar.html",
            counts=case_service.open_counts(day),
            links=quick_links(day, soon),
            list_url=url_for(f"{self.__class__.__name__}.list"),
            priority=priority,
            states=states,
            warning=case_service.open_cases_warning(day),
            state_labels=STATE_LABELS,
            state_css=STATE_CSS,
        )

    def render_template(self, template, **kwargs):
        if template in (self.add_template, self.edit_template):
            kwargs.setdefault("item_materials", _item_materials())
            kwargs.setdefault("case", g.get("bm_edit_case"))
            kwargs.setdefault("statuses", CASE_STATUSES)
        return super().render_template(template, **kwargs)

    def _can(self, permission: str) -> bool:
        return bool(self.appbuilder.sm.has_access(permission, self.class_permission_name))

    # -- add / edit ----------------------------------------------------------------------
    def _owner_cols(self) -> list[str]:
        return ["village", "agent"] if _village_user() else []

    def _locked_cols(self, case: Case | None) -> list[str]:
        cols = list(self._owner_cols())
        if case is not None:
            cols = [c for c in cols if c != "village"]
            # the form's column of each locked field (``service_item_id`` → ``service_item``)
            cols += [name.removesuffix("_id") for name in flow.locked_fields(case.kind, case.status)]
        return cols

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        self._materials_choices(form, form.service_item.data)
        return super()._get_add_widget(form, exclude_cols=(exclude_cols or []) + self._owner_cols(), widgets=widgets)

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        case = self.datamodel.get(form._id) if getattr(form, "_id", None) is not None else None
        item = form.service_item.data if form.service_item.data is not None else (case.service_item if case else None)
        self._materials_choices(form, item)
        g.bm_edit_case = case
        return super()._get_edit_widget(
            form, exclude_cols=(exclude_cols or []) + self._locked_cols(case), widgets=widgets
        )

    @staticmethod
    def _materials_choices(form, item) -> None:
        form.materials_received.choices = [(m, m) for m in (item.materials if item else [])]

    def prefill_form(self, form, pk):
        form._id = pk

    def form_values(self, form) -> dict:
        values = super().form_values(form)
        case = self.datamodel.get(form._id) if getattr(form, "_id", None) is not None else None
        for col in self._locked_cols(case):
            values.pop(f"{col}_id" if col in ("village", "agent", "service_item") else col, None)
        return values

    def added_message(self, item) -> str:
        if getattr(item, "kind", None) == "consult":
            return _l("已登记咨询事项")  # a consultation has no 受理回执
        return self.add_row_message

    def post_add_redirect(self):
        case_id = g.get("bm_created_case")
        if case_id:
            return redirect(url_for(f"{self.__class__.__name__}.show", pk=case_id))
        return super().post_add_redirect()

    def post_edit_redirect(self):
        pk = request.view_args.get("pk")
        return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk)) if pk else super().post_edit_redirect()

    # -- the case page -------------------------------------------------------------------
    def _get_case(self, pk) -> Case:
        case = self.datamodel.get(pk, self._base_filters)
        if case is None:
            abort(404)
        return case

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        case = self._get_case(pk)
        self.update_redirect()
        day = clock.today()
        soon = case_service.soon_limit(day)
        owner_user = case.agent.user_id if case.agent else None
        can_transition = self._can("can_transition")
        return self.render_template(
            "cases/show.html",
            title=self.show_title,
            case=case,
            state=case_service.deadline_state(case, day, soon),
            state_labels=STATE_LABELS,
            state_css=STATE_CSS,
            warning=case_service.case_calendar_warning(case),
            timeline=case_service.timeline(case),
            extensions=case.extensions,
            applicant_id=id_for_detail(case.applicant_id_number, owner_user),
            applicant_phone=phone_for_detail(case.applicant_phone, owner_user),
            steps=[
                (to, STEP_TITLES[to], STEP_BUTTON_CSS.get(to, "btn-primary"))
                for to in case_service.transitions_for(case)
            ]
            if can_transition
            else [],
            can_edit=self._can("can_write") and case.status != "voided",
            can_extend=can_transition and case.is_open and case.complete_by is not None,
            can_review=bool(self.appbuilder.sm.has_access("can_review", "Case")),
            can_print=bool(self.appbuilder.sm.has_access("can_read", "Document")),
            same_day=case_service.case_same_day(case),
            attachments=attachment_service.panel(case, can_write=self._can("can_write")),
            labels=LABELS,
            kinds=CASE_KINDS,
            statuses=CASE_STATUSES,
            channels=CASE_CHANNELS,
            custody=CUSTODY_STATES,
            reply_methods=REPLY_METHODS,
            satisfaction=SATISFACTION,
            rating=rating_service.rating_of(case),
            closed_for_rating=rating_policy.may_be_rated(case.status),
            can_phone_rate=bool(self.appbuilder.sm.has_access("can_write", "BadRating")),
            verify_results=VERIFY_RESULTS,
            missing=flow.missing_materials(
                case.service_item.materials if case.service_item else [], case.materials_received or []
            ),
        )

    # -- steps of 第五条（二） -----------------------------------------------------------
    @expose("/step/<int:pk>/<string:to>", methods=["GET", "POST"])
    @has_access
    @permission_name("transition")
    def step(self, pk, to):
        case = self._get_case(pk)
        if to not in STEP_TITLES:
            abort(404)
        if to not in case_service.transitions_for(case):
            flash(_l("当前状态（%(s)s）不能进行“%(t)s”", s=case.status_label, t=STEP_TITLES[to]), "warning")
            return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))
        form_class = _step_form(to, case)
        if request.method == "POST":
            form = form_class()
            if not form.validate():
                flash_form_errors(form)
            else:
                try:
                    case_service.transition_case(case, {**_form_data(form), "to": to})
                except DomainError as exc:
                    db.session.rollback()
                    self._show_errors(form, exc)
                else:
                    flash(_l("已办理：%(t)s", t=STEP_TITLES[to]), "success")
                    return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))
        else:
            form = form_class()
            form.version.data = case.version
            if "submitted_window" in form._fields and case.service_item:
                form.submitted_window.data = case.service_item.window
            if "reply_at" in form._fields:
                form.reply_at.data = clock.now_local().replace(second=0, microsecond=0)
            if "fee" in form._fields:
                form.fee.data = f"{case.fee:.2f}"
                form.receipt_number.data = case.receipt_number
            for key in ("payment_received", "payment_paid"):
                if key in form._fields and getattr(case, key) is not None:
                    form._fields[key].data = f"{getattr(case, key):.2f}"
            if "payment_voucher" in form._fields:
                form.payment_voucher.data = case.payment_voucher
        return self.render_template(
            "cases/step.html",
            title=STEP_TITLES[to],
            help=STEP_HELP[to],
            case=case,
            form=form,
            required=flow.required_fields(case.kind, case.status, to),
            statuses=CASE_STATUSES,
            danger=to in ("voided", "rejected"),
        )

    @expose("/extend/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("transition")
    def extend(self, pk):
        case = self._get_case(pk)
        if request.method == "POST":
            form = ExtensionForm()
            if not form.validate():
                flash_form_errors(form)
            else:
                try:
                    case_service.extend_case(case, _form_data(form))
                except DomainError as exc:
                    db.session.rollback()
                    self._show_errors(form, exc)
                else:
                    flash(_l("已延期，新的办结期限已记入台账"), "success")
                    return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))
        else:
            form = ExtensionForm()
            form.version.data = case.version
        return self.render_template(
            "cases/step.html",
            title=_l("延期办结"),
            help=_l(
                "第五条（一）3：如遇特殊情况无法在规定期限内办结的，必须向申请人说明原因。原期限保留，不会被覆盖。"
            ),
            case=case,
            form=form,
            required=("new_due", "reason"),
            statuses=CASE_STATUSES,
            danger=False,
            extensions=case.extensions,
        )


def _item_materials() -> dict:
    """{item id: [materials]} for the form's checklist (read by case_form.js)."""
    rows = db.session.execute(select(ServiceItem.id, ServiceItem.materials)).all()
    return {str(i): list(m or []) for i, m in rows}


def quick_links(day, soon) -> list[tuple[str, str, str]]:
    """(key, label, query string) of the list's quick filters — plain FAB filter arguments, so
    the ledger export reproduces them. Indexes follow FAB's filter lists per column type:
    string ``in`` = 8, date ``gt`` = 1 / ``lt`` = 2, boolean ``eq`` = 0."""
    open_args = [("_flt_8_status", s) for s in flow.OPEN_STATUSES]
    before = day.fromordinal(day.toordinal() - 1)
    after = soon.fromordinal(soon.toordinal() + 1)
    return [
        (
            "todo",
            str(_l("待办（超期、临期在前）")),
            urlencode([*open_args, ("_oc_CaseView", "deadline"), ("_od_CaseView", "asc")]),
        ),
        ("overdue", str(_l("超期未办结")), urlencode([*open_args, ("_flt_2_due_on", day.isoformat())])),
        (
            "soon",
            str(_l("临期（1个工作日内）")),
            urlencode([*open_args, ("_flt_1_due_on", before.isoformat()), ("_flt_2_due_on", after.isoformat())]),
        ),
        ("late", str(_l("超期办结")), urlencode([("_flt_0_closed_late", "y")])),
        ("urgent", str(_l("急办件")), urlencode([("_flt_0_urgent", "y")])),
    ]


# --------------------------------------------------------------------------------------
# Printed documents (A4): 受理回执, 一次性告知单
# --------------------------------------------------------------------------------------
class CaseDocumentView(BaseView):
    route_base = "/casedoc"
    class_permission_name = "Document"
    method_permission_name = {"receipt": "read", "notice": "read", "item_notice": "read"}
    base_permissions = ["can_read"]
    default_view = "receipt"

    def _case(self, pk) -> Case:
        case = db.session.execute(select(Case).where(Case.id == pk)).scalar()
        if case is None:
            abort(404)
        return case

    @expose("/receipt/<int:pk>")
    @has_access
    def receipt(self, pk):
        case = self._case(pk)
        if case.kind != flow.PROXY:
            flash(_l("咨询事项不出具受理回执"), "info")
            return redirect(url_for("CaseView.show", pk=pk))
        return self.render_template(
            "cases/receipt.html",
            **documents.receipt_context(case),
            labels=LABELS,
            statuses=CASE_STATUSES,
            rate_qr=rating_qr(case),
        )

    @expose("/notice/<int:pk>")
    @has_access
    def notice(self, pk):
        case = self._case(pk)
        if case.service_item is None:
            flash(_l("该事项未选择代办事项，没有一次性告知单"), "info")
            return redirect(url_for("CaseView.show", pk=pk))
        return self.render_template("cases/notice.html", **documents.notice_context(case.service_item, case))

    @expose("/item/<int:pk>")
    @has_access
    def item_notice(self, pk):
        item = db.session.get(ServiceItem, pk)
        if item is None:
            abort(404)
        return self.render_template("cases/notice.html", **documents.notice_context(item))


def register(appbuilder) -> None:
    from .menu import add_menu_view

    add_menu_view(appbuilder, CaseView, "Case", _l("受理登记台账"), "fa-book", "Ledger")
    appbuilder.add_view_no_menu(CaseDocumentView)


__all__ = ["CaseDocumentView", "CaseView", "deadline_badge", "quick_links", "register"]
