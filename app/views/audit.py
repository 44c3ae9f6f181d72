"""The audit log (SPEC §12), for 乡纪检办 and Admin — never village users.

It reads in Chinese: Beijing time to the second, the records' and fields' Chinese names (the
label_columns of the registered views, plus the few below for tables without a view), code
values by their labels (the views' own choice fields), old → new per field, filters by record,
user and date, and a link to the record.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app, request, url_for
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.filters import BaseFilter, FilterEqual
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from werkzeug.routing import BuildError
from wtforms.fields.core import UnboundField

from ..models import AuditLog
from ..services import clock
from .base import ReadOnlyModelView, interface

ACTIONS = {
    "create": _l("新增"),
    "update": _l("修改"),
    "delete": _l("删除"),
    "denied": _l("越权或不存在的访问"),
    "lock": _l("登录锁定"),
    "unlock": _l("解除登录锁定"),
    "export": _l("导出完整证件号码"),
}
# Chinese names of the audited records (and of the audit events that are not a row change).
RECORD_NAMES = {
    "village": _l("行政村"),
    "agent": _l("代办员"),
    "service_item": _l("代办事项"),
    "service_case": _l("受理登记"),
    "case_transition": _l("受理状态变更"),
    "case_extension": _l("延期记录"),
    "case_attachment": _l("材料附件"),
    "calendar_day": _l("工作日历"),
    "training": _l("培训会议"),
    "training_attendance": _l("培训出勤"),
    "inspection": _l("督查检查"),
    "complaint": _l("群众反映/举报"),
    "deduction": _l("扣款"),
    "annual_assessment": _l("年度考核"),
    "assessment_evidence": _l("年度考核材料（调查问卷、入户走访、个别座谈）"),
    "accountability": _l("追责问责"),
    "monthly_report": _l("月汇总表"),
    "monthly_report_action": _l("月报操作记录"),
    "payout_sheet": _l("补助发放表"),
    "payout_line": _l("补助发放明细"),
    "payout_action": _l("发放表操作记录"),
    "login_throttle": _l("登录锁定"),
    "export:ledger": _l("便民代办登记台账导出"),
    "-": _l("访问记录"),
}
# Field names of the tables that have no view of their own (the rest come from the views).
EXTRA_FIELD_NAMES = {
    "id": _l("编号"),
    "case_id": _l("受理登记"),
    "report_id": _l("月汇总表"),
    "sheet_id": _l("补助发放表"),
    "village_id": _l("村"),
    "from_status": _l("原状态"),
    "to_status": _l("新状态"),
    "previous_due": _l("原应办结日期"),
    "new_due": _l("新应办结日期"),
    "reason": _l("理由"),
    "action": _l("操作"),
    "at": _l("时间"),
    "user_id": _l("操作人编号"),
    "user_name": _l("操作人"),
    "note": _l("说明"),
    "scope": _l("类型"),
    "key": _l("账号或地址"),
    "failures": _l("失败次数"),
    "locked_until": _l("锁定至"),
    "was_locked": _l("解除时仍在锁定"),
    "kind": _l("导出种类"),
    "full_numbers": _l("含完整证件号码"),
    "filters": _l("筛选条件"),
    "village": _l("村"),
    "from": _l("起始日期"),
    "to": _l("截止日期"),
    "month": _l("月份"),
    "quarter": _l("季度"),
    "sheet": _l("发放表"),
    "rows": _l("行数"),
    "method": _l("请求方式"),
    "path": _l("地址"),
    "status": _l("结果"),
    # 材料附件 (case_attachment has no list page of its own)
    "content_type": _l("文件类型"),
    "size": _l("文件大小（字节）"),
    "sha256": _l("SHA-256 校验值"),
    "storage": _l("存储位置"),
    "storage_key": _l("存储键"),
    "uploaded_at": _l("上传时间"),
    "uploaded_by": _l("上传人"),
    "uploaded_by_id": _l("上传人编号"),
    "retired_at": _l("作废时间"),
    "retired_by": _l("作废人"),
    "retire_reason": _l("作废原因"),
}


def local_time(value) -> str:
    """A stored UTC time as Beijing time, to the second."""
    if not isinstance(value, dt.datetime):
        return "" if value in (None, "") else str(value)
    return f"{clock.to_local(value):%Y-%m-%d %H:%M:%S}"


def _choices(field) -> dict | None:
    if isinstance(field, UnboundField):
        choices = field.kwargs.get("choices")
        if choices and not callable(choices):
            return {str(k): v for k, v in choices}
    return None


def _catalog() -> dict:
    """{table: {"view": view, "fields": {column: label}, "values": {column: {code: label}}}}
    from the registered views (cached per app)."""
    cached = current_app.extensions.get("bm_audit_catalog")
    if cached is not None:
        return cached
    catalog: dict = {}
    for view in current_app.appbuilder.baseviews:
        if not isinstance(view, ModelView) or isinstance(view, AuditLogView):
            continue
        table = getattr(view.datamodel.obj, "__tablename__", None)
        if not table:
            continue
        entry = catalog.setdefault(table, {"view": view, "fields": {}, "values": {}})
        for column, text in (view.label_columns or {}).items():
            if str(text).isascii():  # FAB's own guess from the column name ("Created At")
                continue
            entry["fields"].setdefault(column, text)
            entry["fields"].setdefault(f"{column}_id", text)
        for extra in (
            getattr(view, "add_form_extra_fields", None) or {},
            getattr(view, "edit_form_extra_fields", None) or {},
        ):
            for column, field in extra.items():
                mapping = _choices(field)
                if mapping:
                    entry["values"].setdefault(column, mapping)
    # a transition's states are the case's states
    cases = catalog.get("service_case", {}).get("values", {}).get("status")
    if cases:
        catalog.setdefault("case_transition", {"view": None, "fields": {}, "values": {}})["values"].update(
            from_status=cases, to_status=cases
        )
    current_app.extensions["bm_audit_catalog"] = catalog
    return catalog


def record_name(table: str) -> str:
    return str(RECORD_NAMES.get(table, table))


def field_name(table: str, column: str) -> str:
    entry = _catalog().get(table) or {}
    text = (column != "id" and entry.get("fields", {}).get(column)) or EXTRA_FIELD_NAMES.get(column)
    return str(text) if text else column


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


def field_value(table: str, column: str, value) -> str:
    if value is None or value == "":
        return str(_l("（空）"))
    if isinstance(value, bool):
        return str(_l("是")) if value else str(_l("否"))
    mapping = (_catalog().get(table) or {}).get("values", {}).get(column)
    if mapping and str(value) in mapping:
        return str(mapping[str(value)])
    if isinstance(value, str) and _ISO.match(value):
        return value.replace("T", " ")[:19]
    if isinstance(value, dict):
        return "，".join(f"{field_name(table, k)}={field_value(table, k, v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(field_value(table, column, v) for v in value)
    return str(value)


def changes_html(change_set) -> Markup:
    """Old → new per field, one line each."""
    table, action, changes = change_set
    if not changes:
        return Markup("")
    if action == "denied":
        return escape(f"{changes.get('method')} {changes.get('path')} → {changes.get('status')}")
    lines = []
    for column, pair in changes.items():
        name = escape(field_name(table, column))
        if action in ("create", "update", "delete") and isinstance(pair, list) and len(pair) == 2:
            old, new = pair
            if action == "create":
                lines.append(Markup("<li><b>{}</b>：{}</li>").format(name, field_value(table, column, new)))
            elif action == "delete":
                lines.append(Markup("<li><b>{}</b>：<del>{}</del></li>").format(name, field_value(table, column, old)))
            else:
                lines.append(
                    Markup('<li><b>{}</b>：<del class="bm-old">{}</del> → <ins class="bm-new">{}</ins></li>').format(
                        name, field_value(table, column, old), field_value(table, column, new)
                    )
                )
        else:
            lines.append(Markup("<li><b>{}</b>：{}</li>").format(name, field_value(table, column, pair)))
    return Markup('<ul class="list-unstyled bm-diff">') + Markup("").join(lines) + Markup("</ul>")


def target_link(target) -> Markup:
    """The record's name and number, linked to its page when it has one."""
    table, row_id = target
    text = record_name(table) + (f" #{row_id}" if row_id else "")
    view = (_catalog().get(table) or {}).get("view")
    if view is None or not row_id:
        return escape(text)
    try:
        url = url_for(f"{view.endpoint}.show", pk=row_id)
    except BuildError:  # a view without a show page
        return escape(text)
    return Markup('<a href="{}">{}</a>').format(url, text)


class FilterLocalDayFrom(BaseFilter):
    """``at`` on or after a Beijing-time date (stored UTC)."""

    name = _l("从（日期）")
    arg_name = "bm_day_from"

    def apply(self, query, value):
        start = _utc_of_local_day(value)
        return query if start is None else query.filter(AuditLog.at >= start)


class FilterLocalDayTo(BaseFilter):
    name = _l("至（日期）")
    arg_name = "bm_day_to"

    def apply(self, query, value):
        start = _utc_of_local_day(value)
        return query if start is None else query.filter(AuditLog.at < start + dt.timedelta(days=1))


def _utc_of_local_day(value) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return None
    local = dt.datetime.combine(day, dt.time()).replace(tzinfo=clock.township_tz())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


class AuditLogView(ReadOnlyModelView):
    datamodel = interface(AuditLog)
    class_permission_name = "AuditLog"
    route_base = "/auditlog"
    list_title = _l("审计日志")
    show_title = _l("审计记录")
    list_template = "audit/list.html"
    list_columns = ["at", "user_name", "action", "target", "summary", "change_set"]
    show_columns = ["at", "user_name", "action", "target", "village_id", "summary", "change_set"]
    search_columns = ["user_name", "action", "table_name", "row_id", "village_id"]
    base_order = ("id", "desc")
    label_columns = {
        "at": _l("时间（北京时间）"),
        "user_name": _l("操作人"),
        "action": _l("操作"),
        "table_name": _l("数据类别"),
        "target": _l("记录"),
        "row_id": _l("记录号"),
        "village_id": _l("村编号"),
        "summary": _l("摘要"),
        "change_set": _l("变更内容（原值 → 新值）"),
    }
    formatters_columns = {
        "at": local_time,
        "action": lambda v: str(ACTIONS.get(v, v)),
        "target": target_link,
        "change_set": changes_html,
    }

    # Filters of the toolbar: 数据类别 + 记录号 (a record), 操作人, 日期 (Beijing time).
    _toolbar_filters = (
        ("table", "table_name", FilterEqual),
        ("row", "row_id", FilterEqual),
        ("user", "user_name", FilterEqual),
        ("from", "at", FilterLocalDayFrom),
        ("to", "at", FilterLocalDayTo),
    )

    def _get_list_widget(self, filters, **kwargs):
        for arg, column, flt in self._toolbar_filters:
            value = request.args.get(arg, "").strip()
            if not value:
                continue
            if column == "row_id" and not value.isdigit():
                continue
            filters.add_filter(column, flt, int(value) if column == "row_id" else value)
        return super()._get_list_widget(filters=filters, **kwargs)

    def render_template(self, template, **kwargs):
        kwargs.setdefault("audit_filters", {arg: request.args.get(arg, "") for arg, _c, _f in self._toolbar_filters})
        kwargs.setdefault("audit_records", sorted(((t, record_name(t)) for t in RECORD_NAMES), key=lambda p: p[1]))
        return super().render_template(template, **kwargs)


def register(appbuilder) -> None:
    from .menu import add_menu_view

    add_menu_view(appbuilder, AuditLogView, "AuditLog", _l("审计日志"), "fa-history", "System")
