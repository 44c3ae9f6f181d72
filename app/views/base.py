"""Shared behaviour of every ModelView: permissions, service-backed forms, safe actions.

Views are declarative; what they save goes through a service (``create``/``update``), so
the rules are the same for forms, REST and CLI. A ``DomainError`` from a service is shown
on the form fields it names (the user's input stays on screen) and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import abort, flash, request
from flask_appbuilder import ModelView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Optional

from ..extensions import db
from ..models.enums import label
from ..services.errors import DomainError
from ..services.exports import full_numbers_allowed

READ_WRITE = {
    "list": "read",
    "show": "read",
    "download": "read",
    "add": "write",
    "edit": "write",
}


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


def code_formatter(mapping: Mapping) -> Callable:
    return lambda value: label(mapping, value)


def yes_no(value) -> str:
    return str(_l("是")) if value else str(_l("否"))


def _adjust_form(form_class) -> None:
    """Two fixes to FAB's generated forms: it marks NOT NULL booleans as required, so an
    unticked box could never be saved (a checkbox is a yes/no answer, never missing); and
    its related-record selects show an empty option as “__None”."""
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        if issubclass(unbound.field_class, BooleanField):
            validators = [v for v in unbound.kwargs.get("validators", []) if not isinstance(v, (DataRequired, InputRequired))]
            setattr(form_class, name, unbound.field_class(*unbound.args, **{**unbound.kwargs, "validators": validators}))
        elif issubclass(unbound.field_class, QuerySelectField) and unbound.kwargs.get("allow_blank"):
            setattr(form_class, name, unbound.field_class(*unbound.args, **{**unbound.kwargs, "blank_text": str(_l("（未选择）"))}))


class BmInterface(SQLAInterface):
    """FAB's interface, showing an empty value as blank rather than “None”."""

    @staticmethod
    def _get_attr_value(item, col):
        value = SQLAInterface._get_attr_value(item, col)
        return "" if value is None else value


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
    # Set to "ledger" / "monthly" / "deductions" to show an export button with the list's filters.
    export_kind: str | None = None

    def render_template(self, template, **kwargs):
        kwargs.setdefault("export_kind", self.export_kind)
        if self.export_kind == "ledger":
            kwargs.setdefault("export_full_numbers_allowed", full_numbers_allowed())
        kwargs.setdefault("list_toolbar", self.list_toolbar())
        return super().render_template(template, **kwargs)

    def list_toolbar(self) -> str:
        """Extra HTML above a list (links, filters); empty by default."""
        return ""

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
        shown = False
        for key, messages in error.errors.items():
            name = key
            if name not in form._fields and name.endswith("_id") and name[:-3] in form._fields:
                name = name[:-3]
            if name in form._fields:
                form._fields[name].errors = list(form._fields[name].errors or []) + messages
                shown = True
            else:
                for m in messages:
                    flash(m, "danger")
        flash(_l("未保存：%(m)s", m=error.message) if shown else error.message, "danger")

    def _add(self):
        if self.service_create is None:
            return super()._add()
        form = self.add_form.refresh()
        if request.method == "POST":
            if form.validate():
                try:
                    type(self).service_create(self.form_values(form))
                except DomainError as exc:
                    db.session.rollback()
                    self._show_errors(form, exc)
                else:
                    flash(self.add_row_message, "success")
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
            form = self.edit_form.refresh(request.form)
            form._id = self.datamodel.get_pk_value(item)
            if form.validate():
                try:
                    type(self).service_update(item, self.form_values(form))
                except DomainError as exc:
                    db.session.rollback()
                    self._show_errors(form, exc)
                else:
                    flash(self.edit_row_message, "success")
                    return None
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
            self.update_redirect()
        return self._get_edit_widget(form=form)

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


def interface(model) -> SQLAInterface:
    return BmInterface(model, db.session)


__all__ = ["BmModelView", "ReadOnlyModelView", "choice_field", "code_formatter", "expose", "has_access", "interface", "yes_no"]
