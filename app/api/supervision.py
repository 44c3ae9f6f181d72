"""/api/v1/inspection, complaint, training, deduction (read-only), monthlyreport (SPEC §14),
assessment and accountability (read-only: 年度考核 and 追责问责 are decided on their pages).

The same services as the web forms; custom endpoints for what is not a plain field edit:
``POST /api/v1/complaint/<id>/verify``, ``POST /api/v1/training/<id>/attendance``,
``POST /api/v1/monthlyreport/submit``, ``POST /api/v1/monthlyreport/<id>/return``.
"""

from __future__ import annotations

from flask_appbuilder.api import expose, protect
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name

from ..extensions import db
from ..models import Accountability, AnnualAssessment, Complaint, Deduction, Inspection, MonthlyReport, Training
from ..services import reports as report_service
from ..services import supervision as service
from .base import OPTIONAL_VERSION, BmModelRestApi, safe


class InspectionApi(BmModelRestApi):
    resource_name = "inspection"
    class_permission_name = "Inspection"
    datamodel = SQLAInterface(Inspection, db.session)
    service_create = service.create_inspection
    service_update = service.update_inspection
    request_specs = {"post": service.INSPECTION_SPEC, "put": service.INSPECTION_SPEC}
    list_columns = [
        "id",
        "inspected_at",
        "inspector",
        "village_id",
        "agent_id",
        "on_duty",
        "ledger_complete",
        "rectify_by",
        "rectified_on",
    ]
    show_columns = [
        "id",
        "inspected_at",
        "inspector",
        "village_id",
        "agent_id",
        "on_duty",
        "ledger_complete",
        "six_ones",
        "problems",
        "rectification",
        "rectify_by",
        "rectified_on",
        "created_at",
    ]
    add_columns = [
        "inspected_at",
        "inspector",
        "village_id",
        "agent_id",
        "on_duty",
        "ledger_complete",
        "six_ones",
        "problems",
        "rectification",
        "rectify_by",
        "rectified_on",
    ]
    edit_columns = add_columns
    search_columns = ["village_id", "agent_id", "on_duty", "ledger_complete", "inspected_at"]
    order_columns = ["inspected_at", "village_id"]
    base_order = ("inspected_at", "desc")


class ComplaintApi(BmModelRestApi):
    resource_name = "complaint"
    class_permission_name = "Complaint"
    datamodel = SQLAInterface(Complaint, db.session)
    service_create = service.create_complaint
    service_update = service.update_complaint
    request_specs = {
        "post": service.COMPLAINT_SPEC,
        "put": service.COMPLAINT_SPEC,
        "verify": {k: service.COMPLAINT_SPEC[k] for k in (*service.VERIFY_KEYS, "followup")},
    }
    include_route_methods = BmModelRestApi.include_route_methods | {"verify"}
    method_permission_name = {**BmModelRestApi.method_permission_name, "verify": "verify"}
    list_columns = [
        "id",
        "received_on",
        "channel",
        "village_id",
        "agent_id",
        "refused_request",
        "result",
        "verified_on",
    ]
    show_columns = [
        "id",
        "received_on",
        "channel",
        "complainant",
        "complainant_phone",
        "village_id",
        "agent_id",
        "case_id",
        "refused_request",
        "content",
        "result",
        "verified_by",
        "verified_on",
        "verification_note",
        "followup",
    ]
    add_columns = show_columns[1:]
    edit_columns = add_columns
    search_columns = ["village_id", "agent_id", "result", "received_on"]
    order_columns = ["received_on", "village_id"]
    base_order = ("received_on", "desc")

    @expose("/<int:pk>/verify", methods=["POST"])
    @protect()
    @safe
    @permission_name("verify")
    def verify(self, pk):
        """核实: {"result": "true" | "false" | "pending", "verified_by", "verified_on", "verification_note"}.
        ---
        post:
          responses:
            200:
              description: the complaint after verification
        """
        return self.call_service(service.verify_complaint, pk)


class TrainingApi(BmModelRestApi):
    resource_name = "training"
    class_permission_name = "Training"
    datamodel = SQLAInterface(Training, db.session)
    service_create = service.create_training
    service_update = service.update_training
    request_specs = {"post": service.TRAINING_SPEC, "put": service.TRAINING_SPEC, "attendance": service.ATTENDANCE_SPEC}
    include_route_methods = BmModelRestApi.include_route_methods | {"attendance"}
    method_permission_name = {**BmModelRestApi.method_permission_name, "attendance": "write"}
    list_columns = ["id", "title", "held_on", "place"]
    show_columns = ["id", "title", "held_on", "place", "notes"]
    add_columns = ["title", "held_on", "place", "notes"]
    edit_columns = add_columns
    search_columns = ["title", "held_on"]
    order_columns = ["held_on", "title"]
    base_order = ("held_on", "desc")

    def pre_get(self, data):
        # The roster, with the scope of the caller applied (a village user sees their own).
        from sqlalchemy import select

        from ..models import TrainingAttendance

        result = data.get("result") or {}
        if "id" in result:
            rows = db.session.execute(
                select(TrainingAttendance)
                .where(TrainingAttendance.training_id == result["id"])
                .order_by(TrainingAttendance.id)
            ).scalars()
            result["attendance_list"] = [
                {
                    "id": r.id,
                    "agent_id": r.agent_id,
                    "village_id": r.village_id,
                    "attendance": r.attendance,
                    "note": r.note,
                }
                for r in rows
            ]

    def _attendance_row(self, row):
        return self.response(
            200,
            id=row.id,
            result={
                "agent_id": row.agent_id,
                "village_id": row.village_id,
                "attendance": row.attendance,
                "note": row.note,
            },
        )

    @expose("/<int:pk>/attendance", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def attendance(self, pk):
        """出勤: {"agent_id", "attendance": "present" | "excused" | "absent", "note"}.
        ---
        post:
          responses:
            200:
              description: the attendance row
        """
        return self.call_service(service.mark_attendance, pk, reply=self._attendance_row)


class DeductionApi(BmModelRestApi):
    resource_name = "deduction"
    class_permission_name = "Deduction"
    datamodel = SQLAInterface(Deduction, db.session)
    include_route_methods = {"get", "get_list", "info"}
    list_columns = [
        "id",
        "code",
        "agent_id",
        "village_id",
        "year",
        "month",
        "occurred_on",
        "amount",
        "source_type",
        "source_id",
        "state",
        "description",
    ]
    show_columns = [*list_columns, "voided_at", "void_reason", "created_at"]
    search_columns = ["agent_id", "village_id", "year", "month", "code", "state", "source_type"]
    order_columns = ["occurred_on", "year", "month", "agent_id"]
    base_order = ("occurred_on", "desc")


class AssessmentApi(BmModelRestApi):
    """年度考核 (read-only): the gathered figures, the proposal with its reasons, the decision."""

    resource_name = "assessment"
    class_permission_name = "Assessment"
    datamodel = SQLAInterface(AnnualAssessment, db.session)
    include_route_methods = {"get", "get_list", "info"}
    list_columns = ["id", "agent_id", "village_id", "year", "status", "proposed_grade", "grade", "decided_at"]
    show_columns = [
        *list_columns,
        "inputs",
        "gathered_at",
        "proposal_reasons",
        "proposed_at",
        "decision_reason",
        "decided_by",
        "notes",
        "assessed_on",
        "version",
    ]
    search_columns = ["agent_id", "village_id", "year", "status", "grade"]
    order_columns = ["year", "agent_id", "decided_at"]
    base_order = ("year", "desc")


class AccountabilityApi(BmModelRestApi):
    """追责问责 (read-only)."""

    resource_name = "accountability"
    class_permission_name = "Accountability"
    datamodel = SQLAInterface(Accountability, db.session)
    include_route_methods = {"get", "get_list", "info"}
    list_columns = ["id", "village_id", "subject", "agent_id", "user_id", "kind", "status", "decision", "decided_on"]
    show_columns = [
        *list_columns,
        "description",
        "decision_note",
        "decided_by",
        "created_by",
        "created_at",
        "cases.id",
        "complaints.id",
        "version",
    ]
    search_columns = ["village_id", "agent_id", "subject", "kind", "status", "decision"]
    order_columns = ["created_at", "decided_on"]
    base_order = ("created_at", "desc")


class MonthlyReportApi(BmModelRestApi):
    resource_name = "monthlyreport"
    class_permission_name = "MonthlyReport"
    datamodel = SQLAInterface(MonthlyReport, db.session)
    service_create = report_service.save_draft
    service_update = report_service.update_report
    request_specs = {
        "post": report_service.SPEC,
        "put": {"hot_issues": report_service.SPEC["hot_issues"]},
        "submit": {**report_service.SPEC, "version": OPTIONAL_VERSION},
        "return_report": report_service.RETURN_SPEC,
    }
    versioned_actions = frozenset({"return_report"})
    include_route_methods = BmModelRestApi.include_route_methods | {"submit", "return_report"}
    method_permission_name = {**BmModelRestApi.method_permission_name, "submit": "submit", "return_report": "review"}
    list_columns = ["id", "village_id", "agent_id", "year", "month", "status", "submitted_at", "submitted_by"]
    show_columns = [*list_columns, "figures", "hot_issues", "version"]
    add_columns = ["village_id", "year", "month", "hot_issues"]
    edit_columns = ["hot_issues"]
    search_columns = ["village_id", "year", "month", "status"]
    order_columns = ["year", "month", "village_id"]
    base_order = ("id", "desc")

    @expose("/submit", methods=["POST"])
    @protect()
    @safe
    @permission_name("submit")
    def submit(self):
        """报送本月（或指定月份）汇总表: {"month": "2026-09", "hot_issues": "…"}; figures are generated
        from the cases and frozen.
        ---
        post:
          responses:
            200:
              description: the submitted report
        """
        return self.call_service(report_service.submit_report)

    @expose("/<int:pk>/return", methods=["POST"])
    @protect()
    @safe
    @permission_name("review")
    def return_report(self, pk):
        """退回修改: {"note": "退回原因"}.
        ---
        post:
          responses:
            200:
              description: the returned report
        """
        return self.call_service(report_service.return_report, pk)


__all__ = ["ComplaintApi", "DeductionApi", "InspectionApi", "MonthlyReportApi", "TrainingApi"]
