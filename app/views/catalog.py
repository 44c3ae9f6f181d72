"""代办事项目录 and the working-day calendar (SPEC §4, §5).

Township staff add, correct and retire (停用) items — never delete them, cases refer to them —
and keep the calendar: single days, or a whole year's State Council schedule entered by
date ranges on one page (``/calendarday/schedule``).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget, DatePickerWidget
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget as CheckboxListWidget

from ..extensions import db
from ..models import CalendarDay, ServiceCategory, ServiceItem
from ..models.enums import APPLICANT_FIELDS, ITEM_MODES, ITEM_OWNERS
from ..services import calendar as clock
from ..services import calendar_admin
from ..services import catalog as catalog_service
from ..services.errors import DomainError
from .base import (
    READ_WRITE,
    BmModelView,
    choice_field,
    code_formatter,
    expose,
    has_access,
    interface,
    township_field,
    yes_no,
)

WEEKDAYS = (_l("星期一"), _l("星期二"), _l("星期三"), _l("星期四"), _l("星期五"), _l("星期六"), _l("星期日"))
WORKDAY_CHOICES = {"True": _l("上班（含调休上班）"), "False": _l("休息（放假）")}

ITEM_LABELS = {
    "catalog_owner": _l("目录"),
    "code": _l("事项编码"),
    "category": _l("事项类别"),
    "name": _l("事项名称"),
    "window": _l("办理窗口"),
    "legal_basis": _l("办事依据"),
    "materials": _l("申报材料"),
    "materials_text": _l("申报材料"),
    "procedure": _l("办理程序"),
    "promised_days": _l("承诺时限（工作日）"),
    "fee": _l("收费标准（元）"),
    "active": _l("启用"),
    "mode": _l("办理方式"),
    "needs_verification": _l("报送前须村干部核实"),
    "applicant_fields": _l("须登记的申请人信息"),
    "pays_on_behalf": _l("代缴事项"),
    "owner": _l("维护方"),
    "seed_version": _l("目录种子版本"),
}


class ServiceItemView(BmModelView):
    datamodel = interface(ServiceItem)
    class_permission_name = "ServiceItem"
    route_base = "/serviceitem"
    exclude_route_methods = {"delete", "download"}
    list_title = _l("代办事项目录")
    show_title = _l("代办事项详情")
    add_title = _l("新增代办事项")
    edit_title = _l("编辑代办事项")
    show_template = "cases/item_show.html"
    service_create = catalog_service.create_item
    service_update = catalog_service.update_item

    list_columns = ["code", "name", "category", "catalog_owner", "mode", "window", "promised_days", "fee", "active"]
    search_columns = ["code", "name", "category", "mode", "window", "active", "promised_days", "pays_on_behalf"]
    order_columns = ["code", "name", "promised_days", "active"]
    base_order = ("code", "asc")
    # 所属乡镇: Admin adds to the county catalog or for one township; a township user's items
    # are always their township's additions (no field)
    county_only_fields = ("township_id",)
    add_columns = [
        "category",
        "township_id",
        "code",
        "name",
        "mode",
        "window",
        "legal_basis",
        "materials",
        "procedure",
        "promised_days",
        "fee",
        "needs_verification",
        "applicant_fields",
        "pays_on_behalf",
        "active",
    ]
    edit_columns = [
        "category",
        "name",
        "mode",
        "window",
        "legal_basis",
        "materials",
        "procedure",
        "promised_days",
        "fee",
        "needs_verification",
        "applicant_fields",
        "pays_on_behalf",
        "active",
    ]
    show_fieldsets = [
        (
            _l("基本信息"),
            {"fields": ["code", "category", "name", "catalog_owner", "window", "active", "owner", "seed_version"]},
        ),
        (
            _l("办理方式（第二条（三）4 立即办、承诺办、报送办）"),
            {"fields": ["mode", "needs_verification", "applicant_fields", "pays_on_behalf"]},
        ),
        (
            _l("公开内容（第三条2：办理单位、申报材料、承诺时限、收费标准）"),
            {"fields": ["legal_basis", "materials_text", "procedure", "promised_days", "fee"]},
        ),
    ]
    label_columns = ITEM_LABELS
    description_columns = {
        "code": _l("不填则按类别自动编号，如 0412"),
        "materials": _l("每行一项；受理时据此勾选已收材料，并打印一次性告知单"),
        "promised_days": _l("乡便民服务中心窗口承诺的工作日数，受理当日不计；0 表示即时办结"),
        "fee": _l("国家规定的成本费用；代办本身一律不收费（第三条5）"),
        "active": _l("取消勾选即停用：不能再受理，已有记录保留"),
        "mode": _l("立即办：代办点当场办结；承诺办：村里在承诺时限内办结；报送办：报送乡便民服务中心窗口"),
        "needs_verification": _l("报送办事项中须先由村干部调查核实的（如低保、五保、救助、残疾补助，第五条（二）3）"),
        "applicant_fields": _l("代办时除姓名外必须登记的申请人信息；不勾选则只登记姓名"),
        "pays_on_behalf": _l("代办员收取村民的缴费款代为缴纳（电费、水费、通讯费、城乡居民医保/养老保险费）"),
    }
    add_form_extra_fields = {
        "township_id": township_field(
            _l("不选为县目录（各乡镇通用）；选定乡镇则为该乡镇的增补事项，只有该乡镇及其村可见"),
            blank=_l("县目录（各乡镇通用）"),
        ),
        "code": StringField(_l("事项编码"), validators=[Optional()], widget=BS3TextFieldWidget()),
        "materials": TextAreaField(_l("申报材料"), widget=BS3TextAreaFieldWidget()),
        "active": BooleanField(_l("启用"), default=True),
        "mode": choice_field(_l("办理方式"), ITEM_MODES, required=False),
        "applicant_fields": SelectMultipleField(
            _l("须登记的申请人信息"),
            choices=[(k, v) for k, v in APPLICANT_FIELDS.items()],
            validators=[Optional()],
            widget=CheckboxListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
        ),
        "needs_verification": BooleanField(_l("报送前须村干部核实")),
        "pays_on_behalf": BooleanField(_l("代缴事项")),
    }
    edit_form_extra_fields = add_form_extra_fields
    formatters_columns = {
        "active": yes_no,
        "fee": lambda v: f"{v:.2f}" if v is not None else "",
        "promised_days": lambda v: str(_l("%(n)s个工作日", n=v)) if v else str(_l("即时办结")),
        "materials_text": lambda v: "、".join((v or "").splitlines()),
        "mode": code_formatter(ITEM_MODES),
        "owner": code_formatter(ITEM_OWNERS),
        "needs_verification": yes_no,
        "pays_on_behalf": yes_no,
        "applicant_fields": lambda v: (
            "、".join(str(APPLICANT_FIELDS.get(f, f)) for f in (v or [])) or str(_l("仅姓名"))
        ),
    }

    def prefill_form(self, form, pk):
        item = self.datamodel.get(pk)
        form.materials.data = item.materials_text
        form.applicant_fields.data = list(item.applicant_fields or [])


class ServiceCategoryView(BmModelView):
    datamodel = interface(ServiceCategory)
    class_permission_name = "ServiceCategory"
    route_base = "/servicecategory"
    exclude_route_methods = {"delete", "download"}
    list_title = _l("代办事项类别（第四条）")
    show_title = _l("事项类别详情")
    add_title = _l("新增事项类别")
    edit_title = _l("编辑事项类别")
    service_create = catalog_service.create_category
    service_update = catalog_service.update_category
    related_views = [ServiceItemView]
    list_columns = ["code", "name", "description"]
    search_columns = ["code", "name"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    add_columns = ["code", "name", "description"]
    edit_columns = ["name", "description"]
    show_columns = ["code", "name", "description"]
    label_columns = {"code": _l("类别编码"), "name": _l("类别名称"), "description": _l("第四条所列内容")}
    description_columns = {"code": _l("不填则自动编号")}


class ScheduleForm(DynamicForm):
    year = IntegerField(
        _l("年份"), validators=[Optional()], render_kw={"class": "form-control", "inputmode": "numeric"}
    )
    schedule = TextAreaField(
        _l("放假调休安排（每行一段）"),
        validators=[Optional()],
        render_kw={"class": "form-control", "rows": 14},
    )
    replace = BooleanField(_l("先清除该年已有的设置（整年重新录入时勾选）"))
    complete = BooleanField(
        _l("全年安排已录入"),
        description=_l(
            "国务院通知的全部放假日和调休上班日都已录入时勾选；只有确认过的年份才算已配置，期限不再提示按周末估算"
        ),
    )


class CalendarDayView(BmModelView):
    datamodel = interface(CalendarDay)
    class_permission_name = "CalendarDay"
    route_base = "/calendarday"
    # A wrong override may be removed (the day then follows the State Council schedule or the
    # weekend rule again); the removal is in the audit log like any change.
    method_permission_name = {**READ_WRITE, "delete": "write", "schedule": "write", "confirm": "write"}
    exclude_route_methods = {"download"}
    list_title = _l("工作日历（法定节假日与调休）")
    list_template = "cases/list.html"
    show_title = _l("工作日历设置")
    add_title = _l("设置某一天")
    edit_title = _l("修改某一天")
    service_create = calendar_admin.set_day
    service_update = calendar_admin.update_day
    list_columns = ["day", "is_workday", "note"]
    search_columns = ["day", "is_workday", "note"]
    order_columns = ["day", "is_workday"]
    base_order = ("day", "desc")
    add_columns = ["day", "is_workday", "note"]
    edit_columns = add_columns
    label_columns = {"day": _l("日期"), "is_workday": _l("上班 / 休息"), "note": _l("说明")}
    description_columns = {
        "day": _l("本表优先于系统内置的国务院放假安排；内置安排只到2026年，以后各年须在此录入"),
        "note": _l("如：国庆节、春节调休上班"),
    }
    add_form_extra_fields = {
        # The same date again updates that day (calendar_admin.set_day): no “already exists”.
        "day": DateField(_l("日期"), validators=[InputRequired()], widget=DatePickerWidget()),
        "is_workday": choice_field(_l("上班 / 休息"), WORKDAY_CHOICES),
    }
    edit_form_extra_fields = add_form_extra_fields
    formatters_columns = {
        "day": lambda d: f"{d:%Y-%m-%d} {WEEKDAYS[d.weekday()]}" if d else "",
        "is_workday": lambda v: str(WORKDAY_CHOICES["True" if v else "False"]),
    }

    def list_toolbar(self) -> str:
        return render_template(
            "cases/calendar_toolbar.html",
            years=calendar_admin.year_status(),
            warning=calendar_admin.upcoming_warning(),
            schedule_url=url_for(f"{self.__class__.__name__}.schedule"),
            confirm_url=url_for(f"{self.__class__.__name__}.confirm"),
            can_write=self.appbuilder.sm.has_access("can_write", self.class_permission_name),
        )

    def _delete(self, pk):
        row = self.datamodel.get(pk, self._base_filters)
        if row is None:
            from flask import abort

            abort(404)
        calendar_admin.delete_day(row)
        flash(_l("已删除该日设置，该日恢复按国务院安排或周末规则计算"), "success")

    @expose("/confirm", methods=["POST"])
    @has_access
    def confirm(self):
        """Confirm a year's schedule as entered in full (“全年安排已录入”) or take it back."""
        try:
            row = calendar_admin.confirm_year(
                {"year": request.form.get("year"), "complete": request.form.get("complete") == "1"}
            )
        except DomainError as exc:
            db.session.rollback()
            flash(_l("未保存：%(m)s", m=exc.message), "danger")
        else:
            if row.complete:
                flash(_l("已确认%(y)s年全年安排已录入", y=row.year), "success")
            else:
                flash(_l("已撤销%(y)s年“全年安排已录入”的确认", y=row.year), "success")
        return redirect(url_for(f"{self.__class__.__name__}.list"))

    @expose("/schedule", methods=["GET", "POST"])
    @has_access
    def schedule(self):
        """Enter a year's State Council schedule by date ranges."""
        form = ScheduleForm()
        if request.method == "GET" and not form.year.data:
            form.year.data = clock.today().year + 1
        result = None
        if request.method == "POST" and form.validate():
            try:
                result = calendar_admin.import_schedule(
                    {
                        "year": form.year.data,
                        "schedule": form.schedule.data,
                        "replace": form.replace.data,
                        "complete": form.complete.data,
                    }
                )
            except DomainError as exc:
                db.session.rollback()
                for key, messages in exc.errors.items():
                    field = form._fields.get(key)
                    if field is not None:
                        field.errors = list(field.errors or []) + messages
                flash(_l("未保存，请按提示修改"), "danger")
            else:
                flash(
                    _l(
                        "%(y)s年工作日历已保存：新增%(a)s天，修改%(c)s天，未变%(u)s天，删除%(r)s天；重新计算期限的在办事项%(n)s件",
                        y=form.year.data,
                        a=result["added"],
                        c=result["changed"],
                        u=result["unchanged"],
                        r=result["removed"],
                        n=result["cases"],
                    ),
                    "success",
                )
                return redirect(url_for(f"{self.__class__.__name__}.list"))
        return self.render_template(
            "cases/calendar_schedule.html",
            title=_l("录入全年放假调休安排"),
            form=form,
            years=calendar_admin.year_status(),
        )


def register(appbuilder) -> None:
    from .menu import add_menu_view

    add_menu_view(appbuilder, ServiceItemView, "ServiceItem", _l("代办事项目录"), "fa-list", "Ledger")
    add_menu_view(appbuilder, ServiceCategoryView, "ServiceCategory", _l("事项类别"), "fa-th-large", "Ledger")
    add_menu_view(appbuilder, CalendarDayView, "CalendarDay", _l("工作日历"), "fa-calendar", "Ledger")
