"""Shared behaviour of every ModelView: permissions, service-backed forms, safe actions.

Views are declarative; what they save goes through a service (``create``/``update``), so
the rules are the same for forms, REST and CLI. A ``DomainError`` from a service is shown
on the form fields it names (the user's input stays on screen) and nothing is saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import ModelView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget
from flask_appbuilder.fieldwidgets import Select2Widget as FabSelect2Widget
from flask_appbuilder.models.sqla import filters as fab_filters
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args, get_page_args, get_page_size_args
from flask_appbuilder.widgets import ListWidget
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Optional

from ..exports.qr import public_address, qr_target
from ..extensions import db
from ..models.enums import label
from ..models.search import SearchFilterConverter, SearchFilters, SearchInterface
from ..policy import PolicyViolation
from ..policy.deductions import DeductionCode, StrikeStatus
from ..policy.money import money_text
from ..policy.periods import parse_month
from ..security import current_scope
from ..services.calendar import today
from ..services.errors import DomainError, ValidationFailed, from_database_error
from ..services.exports import full_numbers_allowed
from ..services.fields import INT_MAX
from ..services.townships import all_townships

READ_WRITE = {
    "list": "read",
    "show": "read",
    "download": "read",
    "add": "write",
    "edit": "write",
}


class Select2Widget(FabSelect2Widget):
    """FAB's Select2Widget writing each ``<option>`` directly — the same HTML as WTForms'
    ``render_option`` (attributes sorted: ``selected`` before ``value``), without its
    ``html_params`` per option, which cost a township's case list about 20 ms for the 400
    villages of its search form (issue 11). Options with extra attributes take WTForms' way."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(value)}">{escape(choice.label or choice.value)}</option>')


def choice_field(title, mapping: Mapping, required: bool = True, description=None) -> SelectField:
    """A select of stored codes shown by their Chinese labels."""
    choices = [(str(k), v) for k, v in mapping.items()]
    description = description or ""
    if not required:
        choices = [("", _l("（未选择）"))] + choices
    return SelectField(
        title,
        choices=choices,
        validators=[InputRequired()] if required else [Optional()],
        widget=Select2Widget(),
        description=description,
    )


def _township_id(value) -> int | None:
    """The posted 所属乡镇 as an id; blank (or not a number) is “not chosen”: the service then
    takes the only township or asks for one in Chinese."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _township_choices(blank=None) -> Callable[[], list[tuple[str, str]]]:
    """Every township the user may see, after ``blank`` (the meaning of choosing none);
    without one, the only township is preselected (no blank option) and several need a choice."""

    def choices() -> list[tuple[str, str]]:
        found = [(str(t.id), t.name) for t in all_townships()]
        if blank is not None:
            return [("", str(blank)), *found]
        return found if len(found) == 1 else [("", str(_l("（请选择）"))), *found]

    return choices


def township_field(description=None, blank=None) -> SelectField:
    """所属乡镇 for users not tied to a township (Admin, the county: ``county_only_fields``).
    Required when there is more than one township — the service says so (``township_for_new``);
    with ``blank`` choosing none has that meaning (the county catalog)."""
    return SelectField(
        _l("所属乡镇"),
        choices=_township_choices(blank),
        coerce=_township_id,
        validate_choice=False,  # an unknown id is answered by the service: “所属乡镇不存在”
        validators=[Optional()],
        widget=Select2Widget(),
        description=description or "",
    )


def code_formatter(mapping: Mapping) -> Callable:
    return lambda value: label(mapping, value)


def yes_no(value) -> str:
    return str(_l("是")) if value else str(_l("否"))


def text_area(label, required: bool = False) -> TextAreaField:
    return TextAreaField(
        label, validators=[InputRequired()] if required else [Optional()], widget=BS3TextAreaFieldWidget()
    )


# -- shared page helpers (supervision, sign-in, deductions, reports) --------------------


def code_text(code) -> str:
    """A deduction code as shown: ``"3"`` → “③督查检查不在岗”; anything else as it is."""
    try:
        member = DeductionCode.coerce(code)
    except ValueError:
        return str(code or "")
    return f"{member.symbol}{member.label}"


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


def _adjust_form(form_class) -> None:
    """Two fixes to FAB's generated forms: it marks NOT NULL booleans as required, so an
    unticked box could never be saved (a checkbox is a yes/no answer, never missing); and
    its related-record selects show an empty option as “__None”."""
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        if issubclass(unbound.field_class, BooleanField):
            validators = [
                v for v in unbound.kwargs.get("validators", []) if not isinstance(v, (DataRequired, InputRequired))
            ]
            setattr(
                form_class, name, unbound.field_class(*unbound.args, **{**unbound.kwargs, "validators": validators})
            )
        elif issubclass(unbound.field_class, QuerySelectField) and unbound.kwargs.get("allow_blank"):
            setattr(
                form_class,
                name,
                unbound.field_class(*unbound.args, **{**unbound.kwargs, "blank_text": str(_l("（未选择）"))}),
            )


# The search operators in natural Chinese. FAB names them by gettext of English strings,
# and its bundled zh catalog words them as “以开始”, “关联 / 不关联” …; our own Chinese
# msgids take their place (translations/new/screens.json holds the English).
FILTER_NAMES = {
    fab_filters.FilterStartsWith: _l("开头是"),
    fab_filters.FilterNotStartsWith: _l("开头不是"),
    fab_filters.FilterEndsWith: _l("结尾是"),
    fab_filters.FilterNotEndsWith: _l("结尾不是"),
    fab_filters.FilterContains: _l("包含"),
    fab_filters.FilterNotContains: _l("不包含"),
    fab_filters.FilterEqual: _l("等于"),
    fab_filters.FilterNotEqual: _l("不等于"),
    fab_filters.FilterGreater: _l("大于"),
    fab_filters.FilterSmaller: _l("小于"),
    fab_filters.FilterIn: _l("属于"),
    fab_filters.FilterNotIn: _l("不属于"),
    fab_filters.FilterRelationOneToManyEqual: _l("等于"),
    fab_filters.FilterRelationOneToManyNotEqual: _l("不等于"),
    fab_filters.FilterRelationManyToManyEqual: _l("包含"),
}
# For dates “大于 / 小于” reads oddly: a date is later or earlier.
DATE_FILTER_NAMES = {fab_filters.FilterGreater: _l("晚于"), fab_filters.FilterSmaller: _l("早于")}


class BmFilterConverter(SearchFilterConverter):
    """FAB's filters for a column (keyed “starts with” / “contains” where the model has a
    search key, ``models/search.py``), named by FILTER_NAMES."""

    def convert(self, col_name):
        filters = super().convert(col_name)
        if not filters:
            return filters
        dated = self.datamodel.is_date(col_name) or self.datamodel.is_datetime(col_name)
        for flt in filters:
            name = (DATE_FILTER_NAMES.get(type(flt)) if dated else None) or _filter_name(type(flt))
            if name is not None:
                flt.name = name
        return filters


def _filter_name(cls):
    """The Chinese name of a filter class or of the FAB filter it refines (a keyed one)."""
    return next((FILTER_NAMES[c] for c in cls.__mro__ if c in FILTER_NAMES), None)


FILTER_IGNORED = _l("筛选条件无效，已忽略")
NUL_REFUSED = _l("含有不允许的控制字符")
LIST_QUERY_FAILED = _l("筛选条件的值无效或超出范围，已显示全部记录")


class BmFilters(SearchFilters):
    """FAB's filters from the URL (``_flt_<n>_<column>``): an index beyond the column's
    filters is ignored with a message instead of an IndexError."""

    def add_filter_index(self, column_name: str, filter_instance_index: int, value):
        available = self._all_filters.get(column_name)
        if available is not None and not 0 <= filter_instance_index < len(available):
            flash(str(FILTER_IGNORED), "warning")
            return
        values = value if isinstance(value, list) else [value]
        if self.datamodel.is_relation(column_name) and any(v not in (None, "") and valid_pk(v) is None for v in values):
            flash(str(FILTER_IGNORED), "warning")  # an id that cannot exist (PostgreSQL would refuse it)
            return
        super().add_filter_index(column_name, filter_instance_index, value)


def valid_pk(pk) -> int | None:
    """A primary key from a URL, or None when it cannot be one (text, beyond the column)."""
    text = str(pk).strip()
    if not text.isdigit() or len(text) > 10 or int(text) > INT_MAX:
        return None
    return int(text)


#: A list counts its rows up to this many; above, it shows “超过 10,000 条” (config LIST_COUNT_CAP).
LIST_COUNT_CAP = 10_000


def list_count_cap() -> int:
    return max(1, int(current_app.config.get("LIST_COUNT_CAP") or LIST_COUNT_CAP))


class ListCount(int):
    """The row count of a list page: exact up to the cap; ``capped`` when there are more
    (the value is then cap + 1, so the pages up to the cap can be reached)."""

    capped = False


def capped_count(rows: int, cap: int) -> ListCount:
    count = ListCount(min(rows, cap + 1))
    count.capped = rows > cap
    return count


class BmInterface(SearchInterface):
    """FAB's interface, showing an empty value as blank rather than “None”; naming the search
    operators in natural Chinese; a primary key that cannot exist finds nothing (404) instead of
    reaching the database; sorting by a related record sorts by its name.

    A list page (issue 11): its COUNT stops at the cap (``LIMIT cap + 1`` on the ids), and its
    rows are found as ids first — filters, order, OFFSET on the case table's indexes alone,
    none of the joins of the shown columns — then those rows are loaded with their joins."""

    filter_converter_class = BmFilterConverter

    @staticmethod
    def _get_attr_value(item, col):
        value = SQLAInterface._get_attr_value(item, col)
        return "" if value is None else value

    def get_filters(self, search_columns=None, search_filters=None):
        return BmFilters(
            self.filter_converter_class, self, search_columns=search_columns or [], search_filters=search_filters
        )

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        if self.is_pk_composite():
            return super().get(id, filters, select_columns, outer_default_load)
        pk = valid_pk(id)
        if pk is None:
            return None
        return super().get(pk, filters, select_columns, outer_default_load)

    def query_count(self, query, filters=None, select_columns=None) -> ListCount:
        cap = list_count_cap()
        inner = self._apply_inner_all(query, filters, select_columns=select_columns, aliases_mapping={})
        ids = inner.with_entities(self.get_pk()).order_by(None).limit(cap + 1).subquery()
        return capped_count(self.session.query(func.count()).select_from(ids).scalar() or 0, cap)

    def query(self, filters=None, order_column="", order_direction="", page=None, page_size=None, **kwargs):
        if kwargs.get("select_columns") or self.is_pk_composite():
            return super().query(filters, order_column, order_direction, page, page_size, **kwargs)
        query = self.session.query(self.obj)
        count = self.query_count(query, filters)
        page_ids = self._apply_inner_all(
            query, filters, order_column, order_direction, page, page_size, aliases_mapping={}
        ).with_entities(self.get_pk())
        ids = [row[0] for row in page_ids]
        if not ids:
            return count, []
        where = {pk: n for n, pk in enumerate(ids)}
        rows = self.session.query(self.obj).filter(self.get_pk().in_(ids)).all()
        return count, sorted(rows, key=lambda row: where[self.get_pk_value(row)])

    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if order_column and "." not in order_column and self.is_relation_many_to_one(order_column):
            # Ordering by the relationship itself compares it with the unaliased table, which
            # the village scoping's aliased join does not have: order by its name instead.
            related = self.get_related_model(order_column)
            leaf = next((c for c in ("name", "code", "id") if hasattr(related, c)), "id")
            order_column = f"{order_column}.{leaf}"
        return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)


def flash_form_errors(form) -> None:
    """The banner at the top when a form's own checks fail (an empty required field …), as a
    service's error already shows one: on a phone the field's message may be far below."""
    names = [str(field.label.text) for name, field in form._fields.items() if field.errors and name != "csrf_token"]
    if names:
        flash(_l("未保存：请填写或更正以下项目：%(f)s", f="、".join(names)), "danger")
    elif form.errors:
        flash(_l("未保存：表单已过期，请刷新页面后重新填写"), "danger")


class BmListWidget(ListWidget):
    """FAB's list table whose rows turn into cards on a phone (each cell names its column)."""

    template = "bm/list_widget.html"


class BmModelView(ModelView):
    """Base of our CRUD views. Subclasses set ``service_create``/``service_update``."""

    method_permission_name = READ_WRITE
    base_permissions = ["can_read", "can_write"]
    # Nothing is hard-deleted here (ledger records are voided, villages deactivated, agents
    # dismissed), so the delete route does not exist.
    exclude_route_methods = {"delete"}
    page_size = 20
    service_create: Callable | None = None
    service_update: Callable | None = None
    list_template = "bm/list.html"
    list_widget = BmListWidget
    # Set to "ledger" / "monthly" / "deductions" to show an export button with the list's filters
    # (the export view, views/exports.py, is always registered: no view checks for it).
    export_kind: str | None = None
    # After a successful add/edit, land on the saved record's page instead of the list.
    show_after_save = False
    # Form fields only users tied to no village or township get (所属乡镇: a township user's
    # records go to their own township); the others' forms have no such field at all.
    county_only_fields: tuple[str, ...] = ()

    def render_template(self, template, **kwargs):
        kwargs.setdefault("export_kind", self.export_kind)
        if self.export_kind == "ledger":
            kwargs.setdefault("export_full_numbers_allowed", full_numbers_allowed())
        kwargs.setdefault("list_toolbar", self.list_toolbar())
        return super().render_template(template, **kwargs)

    def _get_list_widget(self, *args, **kwargs):
        """A filter value the database cannot compare (a number beyond the column, text for a
        date): the list again, unfiltered, with a message — never a 500."""
        kwargs["page"] = self._bounded_page(kwargs.get("page"), kwargs.get("page_size"))
        try:
            return super()._get_list_widget(*args, **kwargs)
        except (SQLAlchemyError, OverflowError, ValueError, TypeError) as exc:
            db.session.rollback()
            if (
                isinstance(exc, SQLAlchemyError)
                and from_database_error(exc) is None
                and not isinstance(exc.__cause__ or getattr(exc, "orig", None), (OverflowError, ValueError))
            ):
                raise
            flash(str(LIST_QUERY_FAILED), "warning")
            kwargs["filters"] = self.datamodel.get_filters(self.search_columns, {})
            return super()._get_list_widget(*args, **kwargs)

    def _bounded_page(self, page, page_size):
        """Pages reach as deep as the count does (LIST_COUNT_CAP rows); a page beyond is the
        deepest one, with a message to narrow the list down instead."""
        if not page or page < 0:
            return None
        deepest = list_count_cap() // (page_size if page_size and page_size > 0 else self.page_size)
        if page > deepest:
            flash(
                str(_l("列表最多翻到第 %(n)s 页；更早的记录请用搜索条件（如受理时间）缩小范围", n=deepest + 1)), "info"
            )
            return deepest
        return page

    def list_toolbar(self) -> str:
        """Extra HTML above a list (links, filters); empty by default."""
        return ""

    def added_message(self, item) -> str:
        """The message after a record was added (``item`` is what ``service_create`` returned)."""
        return self.add_row_message

    def _init_forms(self):
        super()._init_forms()
        for form_class in (self.add_form, self.edit_form):
            _adjust_form(form_class)
        if hasattr(self.datamodel.obj, "version"):
            # Optimistic locking: the version the user loaded travels with the form.
            self.edit_form.version = HiddenField()

    # -- form values → service input ------------------------------------------------
    def form_values(self, form) -> dict:
        values = {}
        for name, field in form._fields.items():
            if name == "csrf_token":
                continue
            key = name
            if self.datamodel.is_relation(name) and not self.datamodel.is_relation_many_to_many(name):
                key = self.datamodel.get_relation_fk(name).name
                values[key] = field.data.id if field.data is not None else None
                continue
            values[key] = field.data
        return values

    def _show_errors(self, form, error: DomainError) -> None:
        show_form_errors(form, error)

    def _show_database_refusal(self, form, exc) -> None:
        """A stale or clashing write (someone saved the record meanwhile): the form again with
        the Chinese message; a real fault still goes up."""
        db.session.rollback()
        mapped = from_database_error(exc)
        if mapped is None:
            raise exc
        self._show_errors(form, mapped)

    @staticmethod
    def _validate(form) -> bool:
        """WTForms validation; when it fails the banner at the top names the fields."""
        if form.validate():
            return True
        flash_form_errors(form)
        return False

    def _refuse_control_characters(self, form) -> bool:
        """A NUL byte in any posted field: refused before validation, whose uniqueness checks
        would hand it to the database (PostgreSQL raises, SQLite stores it)."""
        bad = [f for f in form if any("\x00" in str(v) for v in (getattr(f, "raw_data", None) or []))]
        for field in bad:
            field.errors = [*list(field.errors or []), str(NUL_REFUSED)]
        if bad:
            flash(str(_l("未保存：%(m)s", m=NUL_REFUSED)), "danger")
        return bool(bad)

    def _drop_county_only_fields(self, form):
        if current_scope() is not None:
            for name in self.county_only_fields:
                if name in form:
                    del form[name]
        return form

    def _hidden_columns(self, form) -> list[str]:
        return [name for name in self.county_only_fields if name not in form]

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        hidden = self._hidden_columns(form)
        widgets = widgets or {}
        widgets["add"] = self.add_widget(
            form=form,
            include_cols=[c for c in self.add_columns if c not in hidden],
            exclude_cols=[*(exclude_cols or []), *hidden],
            fieldsets=self.add_fieldsets,
        )
        return widgets

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        hidden = self._hidden_columns(form)
        widgets = widgets or {}
        widgets["edit"] = self.edit_widget(
            form=form,
            include_cols=[c for c in self.edit_columns if c not in hidden],
            exclude_cols=[*(exclude_cols or []), *hidden],
            fieldsets=self.edit_fieldsets,
        )
        return widgets

    def _add(self):
        if self.service_create is None:
            return super()._add()
        form = self._drop_county_only_fields(self.add_form.refresh())
        if request.method == "POST":
            if not self._refuse_control_characters(form) and self._validate(form):
                try:
                    item = type(self).service_create(self.form_values(form))
                except DomainError as exc:
                    db.session.rollback()
                    self._show_errors(form, exc)
                except SQLAlchemyError as exc:
                    self._show_database_refusal(form, exc)
                else:
                    flash(self.added_message(item), "success")
                    g.bm_saved_pk = getattr(item, "id", None)
                    return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form)

    def _edit(self, pk):
        if self.service_update is None:
            return super()._edit(pk)
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        if request.method == "POST":
            form = self._drop_county_only_fields(self.edit_form.refresh(request.form))
            form._id = self.datamodel.get_pk_value(item)
            if not self._refuse_control_characters(form) and self._validate(form):
                try:
                    type(self).service_update(item, self.form_values(form))
                except DomainError as exc:
                    db.session.rollback()
                    self._show_errors(form, exc)
                except SQLAlchemyError as exc:
                    self._show_database_refusal(form, exc)
                else:
                    flash(self.edit_row_message, "success")
                    g.bm_saved_pk = pk
                    return None
        else:
            form = self._drop_county_only_fields(self.edit_form.refresh(obj=item))
            self.prefill_form(form, pk)
            self.update_redirect()
        # The form again (also after a refusal) with the related lists FAB's template expects.
        widgets = self._get_edit_widget(form=form)
        return self._get_related_views_widgets(
            item,
            filters={},
            orders=get_order_args(),
            pages=get_page_args(),
            page_sizes=get_page_size_args(),
            widgets=widgets,
        )

    def _redirect_to_saved(self):
        pk = g.get("bm_saved_pk")
        if self.show_after_save and pk is not None:
            return redirect(url_for(f"{type(self).__name__}.show", pk=pk))
        return None

    def post_add_redirect(self):
        return self._redirect_to_saved() or super().post_add_redirect()

    def post_edit_redirect(self):
        return self._redirect_to_saved() or super().post_edit_redirect()

    # -- actions: only rows the user can see; unknown names are 404 ------------------
    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if name not in self.actions:
            abort(404)
        if request.method != "POST":
            abort(405)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name):
            abort(403)
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is None:
            abort(404)
        return self.actions[name].func(item)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        if name not in self.actions:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name):
            abort(403)
        items = []
        for pk in request.form.getlist("rowid"):
            item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
            if item is None:
                abort(404)
            items.append(item)
        return self.actions[name].func(items)


class ReadOnlyModelView(BmModelView):
    base_permissions = ["can_read"]


class ShowExtra:
    """Pass ``show_extra(pk)`` into the show template (deductions of a source, links)."""

    def show_extra(self, pk) -> dict:
        return {}

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            kwargs.update(self.show_extra(kwargs["pk"]))
            kwargs.setdefault("code_text", code_text)
            kwargs.setdefault("money", money_text)
        return super().render_template(template, **kwargs)


def interface(model) -> SQLAInterface:
    return BmInterface(model, db.session)


# --- a list's own query, for the exports of what it shows ---------------------------------

_BAD_FILTER = _l("筛选条件无效，请回到列表页重新筛选后再导出")


def list_query(view, model):
    """``(Query(model), filtered)``: the list view's request filters (``_flt_…``), base filters,
    extra clauses (``view.export_clauses()``, e.g. “逾期”) and order — ``(None, False)`` without
    a view. A filter FAB cannot read or apply is a ``ValidationFailed``."""
    if view is None:
        return None, False
    filters = view.datamodel.get_filters(view.search_columns)
    try:
        get_filter_args(filters)
    except (IndexError, KeyError, ValueError, TypeError):
        raise ValidationFailed(_BAD_FILTER) from None
    order_column, order_direction = _list_order(view)
    try:
        query = view.datamodel.apply_all(
            db.session.query(model),
            filters.get_joined_filters(view._base_filters),
            order_column or "",
            order_direction or "",
        )
    except Exception:  # a malformed filter value FAB cannot convert
        logging.getLogger(__name__).warning("export: filters not applicable", exc_info=True)
        raise ValidationFailed(_BAD_FILTER) from None
    clauses = getattr(view, "export_clauses", None)
    if callable(clauses):
        for clause in clauses() or ():
            query = query.filter(clause)
    if not order_column:
        query = query.order_by(view.datamodel.get_pk())
    return query, bool(filters.filters)


def _list_order(view) -> tuple[str, str]:
    """The list's order from the request (if it is one of its order columns), else its base order."""
    order = get_order_args().get(view.__class__.__name__)
    if not order or order[0] not in (view.order_columns or []):
        order = view.base_order or ("", "")
    return order


def list_equal_filters(view) -> dict[str, str]:
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


__all__ = [
    "rating_qr",
    "BmListWidget",
    "BmModelView",
    "flash_form_errors",
    "ReadOnlyModelView",
    "choice_field",
    "code_formatter",
    "expose",
    "has_access",
    "interface",
    "list_equal_filters",
    "list_query",
    "yes_no",
]


def show_form_errors(form, exc: DomainError) -> None:
    """A service's refusal on the form: each message on the field it names (``agent_id`` on
    the ``agent`` select), the others as banners, and the “未保存：…” banner at the top."""
    shown = False
    for key, messages in exc.errors.items():
        name = key
        if name not in form._fields and name.endswith("_id") and name[:-3] in form._fields:
            name = name[:-3]
        if name in form._fields:
            form._fields[name].errors = list(form._fields[name].errors or []) + messages
            shown = True
        else:
            for m in messages:
                flash(m, "danger")
    flash(_l("未保存：%(m)s", m=exc.message) if shown else exc.message, "danger")


def rating_qr(case):
    """The QR code of a case's 好差评 page (/public/rate/<token>) at ``PUBLIC_BASE_URL``, for the
    受理回执 and the 办结通知 (issue 14 §1), with the warning when villagers cannot open it."""
    path = url_for("public.rate", token=case.rating_token)
    return qr_target(public_address(current_app.config.get("PUBLIC_BASE_URL"), request.url_root, path), scale=3)
