"""xlsx downloads (SPEC §11): ``GET /export/<kind>`` and an export page at ``/export/``.

A list page whose view sets ``export_kind`` shows an “导出 Excel” button linking here with the
list's own query string, so the file holds exactly the rows the list shows: the list view's
FAB filters (``_flt_…``), its base filters and its order are applied to the same model through
the list view's own datamodel (``views.base.list_query``). Village scoping applies as everywhere
(ORM session). Extra options (``village``, ``month``, ``quarter``, ``from``, ``to``, ``sheet``)
narrow further — the same options as ``flask export``. The view only reads the request; the
service (``services.exports.export_*``) does the rest.

A list view may define ``export_clauses()`` returning extra SQLAlchemy WHERE clauses for its own
toolbar filters (e.g. “逾期” / “即将到期”) so that the export follows them too.
"""

from __future__ import annotations

import logging
import tempfile

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, ModelView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import Case, Deduction, MonthlyReport, PayoutLine
from ..policy.periods import recent_quarters
from ..policy.roles import is_village_user
from ..services import exports as export_service
from ..services.calendar import today as township_today
from ..services.errors import DomainError, Forbidden
from .base import list_equal_filters, list_query

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MODELS = {"ledger": Case, "monthly": MonthlyReport, "deductions": Deduction, "payout": PayoutLine}
_OPTION_KEYS = ("village", "month", "quarter", "from", "to", "sheet", "year")
FULL_NUMBERS_ARG = "full_numbers"  # the “含完整证件号码” tick box


def list_view_for(appbuilder, kind: str):
    """The registered list view that exports as ``kind`` (None if that feature is absent)."""
    for view in appbuilder.baseviews:
        if (
            isinstance(view, ModelView)
            and getattr(view, "export_kind", None) == kind
            and view.datamodel.obj is MODELS[kind]
        ):
            return view
    return None


class ExportView(BaseView):
    route_base = "/export"
    class_permission_name = "Export"
    base_permissions = ["can_read"]
    method_permission_name = {"index": "read", "download": "read"}
    default_view = "index"

    def _allowed(self, kind: str) -> bool:
        sm = self.appbuilder.sm
        return sm.has_access("can_read", export_service.KIND_RESOURCES[kind])

    @expose("/")
    @has_access
    def index(self):
        today = township_today()
        year, month = export_service.last_month(today)
        return self.render_template(
            "exports/index.html",
            title=_l("数据导出"),
            kinds=[k for k in export_service.KINDS if self._allowed(k)],
            villages=export_service.active_villages(),
            village_user=is_village_user(g.user),
            full_numbers_allowed=export_service.full_numbers_allowed(),
            quarters=recent_quarters(today),
            last_month=f"{year}-{month:02d}",
            years=list(range(today.year, today.year - 8, -1)),
            today=today,
        )

    @expose("/<kind>")
    @has_access
    def download(self, kind: str):
        if kind not in export_service.KINDS:
            abort(404)
        if not self._allowed(kind):
            abort(403)
        handle = tempfile.TemporaryFile()
        try:
            name = getattr(self, f"_{kind}")(handle)
        except DomainError as exc:
            handle.close()
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for(".index"))
        except SQLAlchemyError:
            # a filter value the database refused (the list page would have failed too)
            log.exception("export %s failed", kind)
            handle.close()
            db.session.rollback()
            flash(_l("导出失败：筛选条件无效，请回到列表页重新筛选后再导出"), "danger")
            return redirect(url_for(".index"))
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        return send_file(handle, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)

    # -- the four kinds: the list's query and filter values in, the service does the rest ---
    def _options(self) -> export_service.ExportOptions:
        return export_service.parse_options({k: request.args.get(k) for k in _OPTION_KEYS if k in request.args})

    def _list(self, kind: str):
        return list_view_for(self.appbuilder, kind)

    def _ledger(self, out) -> str:
        options = self._options()
        query, filtered = list_query(self._list("ledger"), Case)
        full = _wants_full_numbers()
        return export_service.export_ledger(
            out, options, query, filtered=filtered, full_numbers=full, audit_filters=_filters_for_audit()
        )

    def _deductions(self, out) -> str:
        options = self._options()
        query, filtered = list_query(self._list("deductions"), Deduction)
        return export_service.export_deductions(out, options, query, filtered=filtered)

    def _monthly(self, out) -> str:
        options = self._options()
        return export_service.export_monthly(out, options, list_equal_filters(self._list("monthly")))

    def _payout(self, out) -> str:
        options = self._options()
        view = self._list("payout")
        sheet = export_service.payout_sheet_for(options, list_equal_filters(view))
        query, _ = list_query(view, PayoutLine)
        return export_service.export_payout(out, sheet, options, query)

    def _annual(self, out) -> str:
        return export_service.export_annual(out, self._options())


def _wants_full_numbers() -> bool:
    """Masked by default for everyone; township staff may tick “含完整证件号码”."""
    if request.args.get(FULL_NUMBERS_ARG) not in ("1", "y", "on", "true"):
        return False
    if not export_service.full_numbers_allowed():
        raise Forbidden(_l("只有乡级工作人员可以导出完整的身份证号和手机号"))
    return True


def _filters_for_audit() -> dict:
    return {k: v for k, v in request.args.items(multi=False) if k != FULL_NUMBERS_ARG and v}


def register(appbuilder) -> None:
    from .menu import add_menu_view

    add_menu_view(appbuilder, ExportView, "Export", _l("数据导出"), "fa-file-excel-o", "Money")
