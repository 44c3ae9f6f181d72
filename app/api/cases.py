"""/api/v1/case/ and /api/v1/serviceitem/ (SPEC §14).

``case``: the fields of SPEC §14 plus the ledger details; ``POST /api/v1/case/<id>/transition``
``{"to": STATUS, …}`` moves a case, ``POST /api/v1/case/<id>/extension`` ``{"new_due",
"reason"}`` extends it, ``GET /api/v1/case/todo`` is the user's to-do list (overdue first).
ID numbers and phones are masked in lists; on a single case they are shown in full to
township staff and the case's own agent (SPEC §12). Times are local (Asia/Shanghai).
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import expose, protect
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from marshmallow import Schema, fields

from ..extensions import db
from ..models import Case, ServiceItem
from ..models.search import SearchInterface
from ..policy.idcard import mask_id_number
from ..policy.phone import mask_phone
from ..services import calendar as clock
from ..services import cases as case_service
from ..services import catalog as catalog_service
from ..services.privacy import id_for_detail, phone_for_detail
from .base import API_READ_WRITE, OPTIONAL_VERSION, BmModelRestApi, safe

LIST_COLUMNS = [
    "id",
    "case_number",
    "village_id",
    "agent_id",
    "kind",
    "service_item_id",
    "category_id",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "channel",
    "urgent",
    "received_at",
    "voluntary_confirmed",
    "status",
    "submit_by",
    "complete_by",
    "due_on",
    "closed_at",
    "closed_late",
    "fee",
    "receipt_number",
    "version",
    "registered_at",
    "payment_received",
    "payment_paid",
    "payment_voucher",
    "payment_paid_on",
]
DETAIL_COLUMNS = [
    "request_text",
    "materials_received",
    "materials_note",
    "custody_state",
    "verified_by",
    "verified_at",
    "verify_result",
    "submitted_window",
    "submitted_at",
    "window_result",
    "reply_at",
    "reply_method",
    "answer_text",
    "referred_to",
    "reason",
    "satisfaction",
    "followup_note",
    "followup_at",
    "notes",
    "backdate_reason",
]
WRITE_COLUMNS = [
    "village_id",
    "agent_id",
    "kind",
    "service_item_id",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "channel",
    "urgent",
    "received_at",
    "voluntary_confirmed",
    "request_text",
    "materials_received",
    "materials_note",
    "fee",
    "receipt_number",
    "notes",
    "backdate_reason",
    "payment_received",
    "payment_paid",
    "payment_voucher",
    "payment_paid_on",
]


def _dt(value):
    return value.isoformat(timespec="minutes") if value else None


class CaseListSchema(Schema):
    id = fields.Int()
    case_number = fields.Str()
    village_id = fields.Int()
    agent_id = fields.Int(allow_none=True)
    kind = fields.Str()
    service_item_id = fields.Int(allow_none=True)
    category_id = fields.Int(allow_none=True)
    applicant_name = fields.Str()
    applicant_id_number = fields.Method("masked_id")
    applicant_phone = fields.Method("masked_phone")
    channel = fields.Str()
    urgent = fields.Bool()
    received_at = fields.Function(lambda c: _dt(c.received_at))
    voluntary_confirmed = fields.Bool()
    status = fields.Str()
    submit_by = fields.Date(allow_none=True)
    complete_by = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    closed_at = fields.Function(lambda c: _dt(c.closed_at))
    closed_late = fields.Bool()
    overdue = fields.Method("is_overdue")
    deadline_state = fields.Method("state")
    calendar_warning = fields.Method("warning")
    fee = fields.Decimal(as_string=True, places=2)
    receipt_number = fields.Str(allow_none=True)
    version = fields.Int()
    registered_at = fields.Function(
        lambda c: c.registered_at.isoformat(timespec="seconds") if c.registered_at else None
    )
    same_day = fields.Method("is_same_day")
    payment_received = fields.Decimal(as_string=True, places=2, allow_none=True)
    payment_paid = fields.Decimal(as_string=True, places=2, allow_none=True)
    payment_voucher = fields.Str(allow_none=True)
    payment_paid_on = fields.Date(allow_none=True)

    def masked_id(self, case):
        return mask_id_number(case.applicant_id_number) or None

    def masked_phone(self, case):
        return mask_phone(case.applicant_phone) or None

    def is_overdue(self, case):
        return case.is_overdue(clock.today())

    def is_same_day(self, case):
        return case_service.case_same_day(case)

    def state(self, case):
        day = clock.today()
        return case_service.deadline_state(case, day, case_service.soon_limit(day))

    def warning(self, case):
        return case_service.case_calendar_warning(case)


class CaseDetailSchema(CaseListSchema):
    request_text = fields.Str(allow_none=True)
    materials_received = fields.List(fields.Str())
    materials_note = fields.Str(allow_none=True)
    custody_state = fields.Str(allow_none=True)
    verified_by = fields.Str(allow_none=True)
    verified_at = fields.Function(lambda c: _dt(c.verified_at))
    verify_result = fields.Str(allow_none=True)
    submitted_window = fields.Str(allow_none=True)
    submitted_at = fields.Function(lambda c: _dt(c.submitted_at))
    window_result = fields.Str(allow_none=True)
    reply_at = fields.Function(lambda c: _dt(c.reply_at))
    reply_method = fields.Str(allow_none=True)
    answer_text = fields.Str(allow_none=True)
    referred_to = fields.Str(allow_none=True)
    reason = fields.Str(allow_none=True)
    satisfaction = fields.Int(allow_none=True)
    followup_note = fields.Str(allow_none=True)
    followup_at = fields.Function(lambda c: _dt(c.followup_at))
    notes = fields.Str(allow_none=True)
    backdate_reason = fields.Str(allow_none=True)
    extensions = fields.Method("ext")
    transitions = fields.Method("steps")

    def _owner(self, case):
        return case.agent.user_id if case.agent else None

    def masked_id(self, case):
        return id_for_detail(case.applicant_id_number, self._owner(case)) or None

    def masked_phone(self, case):
        return phone_for_detail(case.applicant_phone, self._owner(case)) or None

    def ext(self, case):
        return [
            {
                "previous_due": e.previous_due.isoformat() if e.previous_due else None,
                "new_due": e.new_due.isoformat(),
                "reason": e.reason,
                "at": _dt(e.at),
                "user": e.user_name,
            }
            for e in case.extensions
        ]

    def steps(self, case):
        return [
            {"from": t.from_status, "to": t.to_status, "at": _dt(t.at), "user": t.user_name, "note": t.note}
            for t in sorted(case.transitions, key=lambda t: (t.at, t.id))
        ]


class CaseApi(BmModelRestApi):
    resource_name = "case"
    class_permission_name = "Case"
    # rison filters ``sw`` / ``ct`` on applicant_name and ``sw`` on case_number use the
    # search keys' indexes, as the ledger page's search does (models/search.py)
    datamodel = SearchInterface(Case, db.session)
    method_permission_name = {**API_READ_WRITE, "transition": "transition", "extension": "transition", "todo": "read"}
    include_route_methods = {"get", "get_list", "info", "post", "put", "transition", "extension", "todo"}
    service_create = case_service.create_case
    service_update = case_service.update_case
    request_specs = {
        "post": case_service.CREATE_SPEC,
        "put": case_service.UPDATE_SPEC,
        "transition": {**case_service.TRANSITION_SPEC, "version": OPTIONAL_VERSION},
        "extension": {**case_service.EXTENSION_SPEC, "version": OPTIONAL_VERSION},
    }
    list_columns = LIST_COLUMNS
    list_select_columns = LIST_COLUMNS
    show_columns = LIST_COLUMNS + DETAIL_COLUMNS
    show_select_columns = LIST_COLUMNS + DETAIL_COLUMNS
    add_columns = WRITE_COLUMNS
    edit_columns = [c for c in WRITE_COLUMNS if c not in ("village_id", "kind")] + [
        "custody_state",
        "followup_note",
        "followup_at",
    ]
    list_model_schema = CaseListSchema()
    show_model_schema = CaseDetailSchema()
    search_columns = [
        "case_number",
        "village_id",
        "agent_id",
        "kind",
        "status",
        "service_item_id",
        "category_id",
        "urgent",
        "received_at",
        "due_on",
        "closed_at",
        "closed_late",
        "applicant_name",
    ]
    order_columns = ["id", "case_number", "received_at", "due_on", "status", "closed_at"]
    base_order = ("received_at", "desc")
    label_columns = {k: v for k, v in case_service.LABELS.items()}

    @staticmethod
    def _no_column_selection(kwargs) -> None:
        """The schemas mask personal numbers; a rison column selection would bypass them."""
        rison = kwargs.get("rison") or {}
        rison.pop("columns", None)
        rison.pop("select_columns", None)

    def get_list_headless(self, **kwargs):
        self._no_column_selection(kwargs)
        return super().get_list_headless(**kwargs)

    def get_headless(self, pk, **kwargs):
        self._no_column_selection(kwargs)
        return super().get_headless(pk, **kwargs)

    @expose("/<int:pk>/transition", methods=["POST"])
    @protect()
    @safe
    @permission_name("transition")
    def transition(self, pk):
        """Move a case one step (SPEC §14).
        ---
        post:
          description: "{\\"to\\": STATUS, …the fields the step needs}"
          responses:
            200: {description: the case}
            404: {description: not found or not in your village}
            409: {description: changed since you read it}
            422: {description: invalid}
        """
        return self.call_service(case_service.transition_case, pk)

    @expose("/<int:pk>/extension", methods=["POST"])
    @protect()
    @safe
    @permission_name("transition")
    def extension(self, pk):
        """Extend a case's complete-by date (延期) with the reason told to the applicant.
        ---
        post:
          description: "{\\"new_due\\": \\"YYYY-MM-DD\\", \\"reason\\": …}"
          responses:
            201: {description: the case}
            404: {description: not found or not in your village}
            422: {description: invalid}
        """
        return self.call_service(case_service.extend_case, pk, reply=lambda ext: self.record_response(ext.case, 201))

    @expose("/todo", methods=["GET"])
    @protect()
    @safe
    @permission_name("todo")
    def todo(self):
        """The user's open cases, overdue first, then due soon, then by due date.
        ---
        get:
          parameters:
          - {in: query, name: limit, schema: {type: integer}}
          responses:
            200: {description: list}
        """
        try:
            limit = max(1, min(int(request.args.get("limit", 20)), 200))
        except ValueError:
            limit = 20
        rows = case_service.todo_cases(clock.today(), limit)
        return self.response(
            200, ids=[c.id for c in rows], count=len(rows), result=self.list_model_schema.dump(rows, many=True)
        )


class ServiceItemApi(BmModelRestApi):
    resource_name = "serviceitem"
    class_permission_name = "ServiceItem"
    datamodel = SQLAInterface(ServiceItem, db.session)
    service_create = catalog_service.create_item
    service_update = catalog_service.update_item
    request_specs = {"post": catalog_service.ITEM_SPEC, "put": catalog_service.ITEM_SPEC}
    list_columns = [
        "id",
        "code",
        "category_id",
        "name",
        "window",
        "materials",
        "promised_days",
        "fee",
        "active",
        "mode",
        "needs_verification",
        "applicant_fields",
        "pays_on_behalf",
        "owner",
        "seed_version",
        "township_id",
    ]
    show_columns = [*list_columns, "legal_basis", "procedure"]
    add_columns = [
        "code",
        "category_id",
        "township_id",
        "name",
        "window",
        "legal_basis",
        "materials",
        "procedure",
        "promised_days",
        "fee",
        "active",
        "mode",
        "needs_verification",
        "applicant_fields",
        "pays_on_behalf",
    ]
    edit_columns = add_columns
    search_columns = ["code", "category_id", "name", "active", "window", "mode", "pays_on_behalf"]
    order_columns = ["code", "name", "category_id", "promised_days"]
    base_order = ("code", "asc")
