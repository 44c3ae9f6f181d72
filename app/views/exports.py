"""xlsx downloads (SPEC §11): ``GET /export/<kind>`` and an export page at ``/export/``.

A list page whose view sets ``export_kind`` shows an “导出 Excel” button linking here with the
list's own query string, so the file holds exactly the rows the list shows: the list view's
FAB filters (``_flt_…``), its base filters and its order are applied to the same model through
the list view's own datamodel. Village scoping applies as everywhere (ORM session). Extra
options (``village``, ``month``, ``quarter``, ``from``, ``to``, ``sheet``) narrow further — the
same options as ``flask export``.

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
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import Case, Deduction, MonthlyReport, PayoutLine, Village
from ..policy.roles import is_village_user
from ..security import current_village_scope
from ..services import exports as export_service
from ..services.calendar import today as township_today
from ..services.errors import DomainError, Forbidden, ValidationFailed

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MODELS = {"ledger": Case, "monthly": MonthlyReport, "deductions": Deduction, "payout": PayoutLine}
_OPTION_KEYS = ("village", "month", "quarter", "from", "to", "sheet")
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


def filtered_query(view, model):
    """``Query(model)`` with the list view's request filters, base filters, extra clauses and order."""
    if view is None:
        return None, False
    query = db.session.query(model)
    filters = view.datamodel.get_filters(view.search_columns)
    try:
        get_filter_args(filters)
    except (IndexError, KeyError, ValueError, TypeError):
        raise ValidationFailed(_l("筛选条件无效，请回到列表页重新筛选后再导出")) from None
    joined = filters.get_joined_filters(view._base_filters)
    order = get_order_args().get(view.__class__.__name__)
    if not order or order[0] not in (view.order_columns or []):
        order = view.base_order or ("", "")
    order_column, order_direction = order
    try:
        query = view.datamodel.apply_all(query, joined, order_column or "", order_direction or "")
    except Exception:  # a malformed filter value FAB cannot convert
        log.warning("export: filters not applicable", exc_info=True)
        raise ValidationFailed(_l("筛选条件无效，请回到列表页重新筛选后再导出")) from None
    clauses = getattr(view, "export_clauses", None)
    if callable(clauses):
        for clause in clauses() or ():
            query = query.filter(clause)
    if not order_column:
        pk = view.datamodel.get_pk()
        query = query.order_by(pk)
    return query, bool(filters.filters)


def equal_filter_values(view) -> dict[str, str]:
    """``{column: value}`` of the list's “equal to” filters (FAB ``eq`` / relation ``rel_o_m``)."""
    if view is None:
        return {}
    filters = view.datamodel.get_filters(view.search_columns)
    try:
        get_filter_args(filters)
    except (IndexError, KeyError, ValueError, TypeError):
        return {}
    out = {}
    for flt, value in zip(filters.filters, filters.values, strict=False):
        if flt.arg_name in ("eq", "rel_o_m"):
            value = value[-1] if isinstance(value, list) and value else value
            if value not in (None, ""):
                out[flt.column_name] = str(value)
    return out


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
        villages = (
            db.session.execute(select(Village).where(Village.active.is_(True)).order_by(Village.code)).scalars().all()
        )
        today = township_today()
        from .payouts import recent_quarters

        year, month = export_service.previous_month(today)
        return self.render_template(
            "exports/index.html",
            title=_l("数据导出"),
            kinds=[k for k in export_service.KINDS if self._allowed(k)],
            villages=villages,
            village_user=is_village_user(g.user),
            full_numbers_allowed=export_service.full_numbers_allowed(),
            quarters=recent_quarters(today),
            last_month=f"{year}-{month:02d}",
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

    # -- the four kinds -------------------------------------------------------------------
    def _options(self) -> export_service.ExportOptions:
        return export_service.parse_options({k: request.args.get(k) for k in _OPTION_KEYS if k in request.args})

    def _ledger(self, out) -> str:
        options = self._options()
        view = list_view_for(self.appbuilder, "ledger")
        query, filtered = filtered_query(view, Case)
        date_from, date_to = options.date_range()
        village = options.village or _own_village()
        query = export_service.ledger_query(
            query, village_id=options.village.id if options.village else None, date_from=date_from, date_to=date_to
        )
        scope = options.describe() or (str(_l("按列表筛选条件")) if filtered else "")
        full = _wants_full_numbers()
        rows = export_service.write_ledger(out, query, scope_text=scope, village=village, full_numbers=full)
        if full:
            export_service.record_full_numbers("ledger", _filters_for_audit(), rows)
            db.session.commit()
        return export_service.filename("ledger", village.name if village else "", options.describe())

    def _deductions(self, out) -> str:
        options = self._options()
        view = list_view_for(self.appbuilder, "deductions")
        query, filtered = filtered_query(view, Deduction)
        year = months = None
        if options.month:
            year, months = options.month[0], [options.month[1]]
        elif options.quarter:
            year, months = options.quarter[0], export_service.quarter_month_numbers(*options.quarter)
        village = options.village or _own_village()
        query = export_service.deductions_query(
            query, village_id=options.village.id if options.village else None, year=year, months=months
        )
        scope = options.describe() or (str(_l("按列表筛选条件")) if filtered else "")
        export_service.write_deductions(out, query, scope_text=scope, village=village)
        return export_service.filename("deductions", village.name if village else "", options.describe())

    def _monthly(self, out) -> str:
        options = self._options()
        equal = equal_filter_values(list_view_for(self.appbuilder, "monthly"))
        month = options.month
        if month is None and equal.get("year", "").isdigit() and equal.get("month", "").isdigit():
            month = (int(equal["year"]), int(equal["month"]))
            if not 1 <= month[1] <= 12:
                month = None
        if month is None:
            month = export_service.previous_month(township_today())
        village = options.village or _own_village()
        if village is None and equal.get("village", "").isdigit():
            village = _village(int(equal["village"]))
        export_service.write_monthly(out, *month, village=village)
        return export_service.filename("monthly", village.name if village else "", export_service.month_text(*month))

    def _payout(self, out) -> str:
        options = self._options()
        view = list_view_for(self.appbuilder, "payout")
        if options.sheet_id is None and options.quarter is None:
            sheet_filter = equal_filter_values(view).get("sheet", "")
            if sheet_filter.isdigit():
                options.sheet_id = int(sheet_filter)
        sheet = export_service.find_sheet(options)
        query, _ = filtered_query(view, PayoutLine)
        query = (query if query is not None else db.session.query(PayoutLine)).filter(PayoutLine.sheet_id == sheet.id)
        if options.village is not None:
            query = query.filter(PayoutLine.village_id == options.village.id)
        query = query.order_by(None).order_by(PayoutLine.seq, PayoutLine.id)
        export_service.write_payout(out, sheet, query)
        return export_service.payout_filename(sheet)


def _wants_full_numbers() -> bool:
    """Masked by default for everyone; township staff may tick “含完整证件号码”."""
    if request.args.get(FULL_NUMBERS_ARG) not in ("1", "y", "on", "true"):
        return False
    if not export_service.full_numbers_allowed():
        raise Forbidden(_l("只有乡级工作人员可以导出完整的身份证号和手机号"))
    return True


def _filters_for_audit() -> dict:
    return {k: v for k, v in request.args.items(multi=False) if k != FULL_NUMBERS_ARG and v}


def _village(village_id: int) -> Village | None:
    """A village by id through a scoped query (``Session.get`` could answer from the identity map)."""
    return db.session.execute(select(Village).where(Village.id == village_id)).scalar()


def _own_village() -> Village | None:
    village_id = current_village_scope()
    return _village(village_id) if village_id else None


def register(appbuilder) -> None:
    from .menu import add_menu_view

    add_menu_view(appbuilder, ExportView, "Export", _l("数据导出"), "fa-file-excel-o", "Money")
