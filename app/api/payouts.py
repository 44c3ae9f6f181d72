"""/api/v1/payoutsheet/ and /api/v1/payoutline/ (SPEC §9, §14).

Read-only resources plus the workflow as actions, through the same service as the web page:

* ``POST /api/v1/payoutsheet/compute`` ``{"quarter": "2026Q3"}`` — compute / recompute the draft;
* ``POST /api/v1/payoutsheet/<id>/approve`` ``{"version"}``;
* ``POST /api/v1/payoutsheet/<id>/pay`` ``{"paid_on": "2026-10-15", "version"}``;
* ``POST /api/v1/payoutsheet/<id>/reopen`` ``{"reason", "version"}``;
* ``GET /api/v1/payoutsheet/<id>/lines`` — the sheet's lines (a village user: the own village's).

Money is given as strings with two decimals (``"1250.00"``), never as floats. Refusals are 409
(state) or 422 (input) with the Chinese message; a missing sheet is 404.
"""

from __future__ import annotations

from flask_appbuilder.api import expose, protect
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import PayoutLine, PayoutSheet
from ..policy.payout import sheet_totals
from ..services import payouts as payout_service
from .base import API_READ_WRITE, OPTIONAL_VERSION, BmModelRestApi, safe

MONEY = ("gross", "d1", "d2", "d3", "d4", "d5", "deductions_total", "net_township", "village_supplement", "total")


def line_json(line: PayoutLine) -> dict:
    return {
        "id": line.id,
        "seq": line.seq,
        "village_id": line.village_id,
        "village_name": (line.detail or {}).get("village_name") or (line.village.name if line.village else None),
        "agent_id": line.agent_id,
        "agent_name": line.agent_name,
        **{name: f"{getattr(line, name):.2f}" for name in MONEY},
        "remarks": line.remarks,
        "detail": line.detail,
    }


class PayoutSheetApi(BmModelRestApi):
    resource_name = "payoutsheet"
    class_permission_name = "PayoutSheet"
    datamodel = SQLAInterface(PayoutSheet, db.session)
    base_permissions = ["can_read", "can_compute", "can_approve", "can_pay", "can_reopen"]
    method_permission_name = {
        **API_READ_WRITE,
        "lines": "read",
        "compute": "compute",
        "approve": "approve",
        "pay": "pay",
        "reopen": "reopen",
    }
    include_route_methods = {"get", "get_list", "info", "lines", "compute", "approve", "pay", "reopen"}
    request_specs = {
        "compute": {**payout_service.PERIOD_SPEC, "version": OPTIONAL_VERSION},
        "approve": payout_service.NOTE_SPEC,
        "pay": payout_service.PAY_SPEC,
        "reopen": payout_service.REOPEN_SPEC,
    }
    versioned_actions = frozenset({"approve", "pay", "reopen"})
    list_columns = [
        "id",
        "year",
        "quarter",
        "status",
        "computed_at",
        "prepared_by",
        "approved_at",
        "approved_by",
        "paid_on",
        "version",
    ]
    show_columns = [*list_columns, "changes_since_last", "notes"]
    search_columns = ["year", "quarter", "status"]
    order_columns = ["year", "quarter", "status"]
    label_columns = {
        "year": _l("年度"),
        "quarter": _l("季度"),
        "status": _l("状态"),
        "computed_at": _l("计算时间"),
        "prepared_by": _l("制表人"),
        "approved_at": _l("审核时间"),
        "approved_by": _l("审核人"),
        "paid_on": _l("发放日期"),
        "changes_since_last": _l("与上次计算相比的变化"),
    }

    def _sheet(self, pk):
        return self.datamodel.get(pk, self._base_filters)

    def _done(self, sheet: PayoutSheet, status: int = 200):
        db.session.refresh(sheet)
        return self.response(status, id=sheet.id, result=self.show_model_schema.dump(sheet))

    @expose("/compute", methods=["POST"])
    @protect()
    @safe
    def compute(self):
        """Compute (or recompute) the quarter's draft sheet: ``{"quarter": "2026Q3"}``."""
        return self.call_service(payout_service.compute_sheet, reply=self._done)

    @expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    def approve(self, pk):
        """审核: freeze the lines."""
        return self.call_service(payout_service.approve_sheet, pk, reply=self._done)

    @expose("/<int:pk>/pay", methods=["POST"])
    @protect()
    @safe
    def pay(self, pk):
        """发放: ``{"paid_on": "YYYY-MM-DD"}``."""
        return self.call_service(payout_service.mark_paid, pk, reply=self._done)

    @expose("/<int:pk>/reopen", methods=["POST"])
    @protect()
    @safe
    def reopen(self, pk):
        """退回重算: ``{"reason": "…"}``."""
        return self.call_service(payout_service.reopen_sheet, pk, reply=self._done)

    @expose("/<int:pk>/lines", methods=["GET"])
    @protect()
    @safe
    def lines(self, pk):
        """The sheet's lines and the 合计 row (amounts as strings)."""
        sheet = self._sheet(pk)
        if sheet is None:
            return self.response_404()
        lines = db.session.query(PayoutLine).filter(PayoutLine.sheet_id == sheet.id).order_by(PayoutLine.seq).all()
        totals = sheet_totals(lines)
        return self.response(
            200,
            id=sheet.id,
            status=sheet.status,
            lines=[line_json(x) for x in lines],
            total=f"{totals.total:.2f}",
            total_upper=totals.total_upper,
        )


class PayoutLineApi(BmModelRestApi):
    resource_name = "payoutline"
    class_permission_name = "PayoutLine"
    datamodel = SQLAInterface(PayoutLine, db.session)
    base_permissions = ["can_read"]
    include_route_methods = {"get", "get_list", "info"}
    list_columns = ["id", "sheet_id", "seq", "village_id", "agent_id", "agent_name", *MONEY, "remarks"]
    show_columns = [*list_columns, "detail"]
    search_columns = ["sheet_id", "village_id", "agent_name"]
    order_columns = ["sheet_id", "seq", "village_id"]
    label_columns = {
        "sheet_id": _l("发放表"),
        "seq": _l("序号"),
        "village_id": _l("村"),
        "agent_name": _l("代办员"),
        "gross": _l("应发乡级补助"),
        "deductions_total": _l("扣款合计"),
        "net_township": _l("实发乡级补助"),
        "village_supplement": _l("村级补助"),
        "total": _l("合计"),
        "remarks": _l("备注"),
    }
