"""行政村 and 代办员 views (SPEC §2, §3)."""

from __future__ import annotations

import os

from flask import abort, g, render_template, send_from_directory, url_for
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from markupsafe import Markup
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import Optional

from ..extensions import db
from ..labels import AGENT_LABELS, VILLAGE_LABELS
from ..models import SIX_ONES, Agent, Village
from ..models.enums import AGENT_LEVELS, AGENT_STATUSES, APPOINTMENT_KINDS, EDUCATION, GENDERS
from ..policy.idcard import age_on, mask_id_number
from ..policy.phone import mask_phone
from ..services import agents as agent_service
from ..services import clock, privacy
from ..services import villages as village_service
from ..services.deductions import strike_summary
from .base import (
    BmInterface,
    BmModelView,
    can,
    choice_field,
    code_formatter,
    expose,
    has_access,
    interface,
    township_field,
    yes_no,
)


def _strikes_on_page() -> dict:
    """Strike status of every agent the user can see, one query per request (the list
    page asks once per row)."""
    cached = g.get("_agent_strikes")
    if cached is None:
        ids = db.session.execute(select(Agent.id)).scalars().all()
        cached = g._agent_strikes = strike_summary(ids)
    return cached


def strike_badge(agent_id) -> Markup:
    """两次警示 / 应予解聘 (policy §二(四)2), with the reasons as a tooltip or a list."""
    status = _strikes_on_page().get(agent_id)
    if status is None or not (status.dismiss or status.warnings):
        return Markup("")
    title = "；".join(str(m) for m in status.messages())
    if status.dismiss:
        return Markup('<span class="label label-danger" title="{}">{}</span>').format(title, _l("应予解聘"))
    return Markup('<span class="label label-warning" title="{}">{}</span>').format(title, _l("两次警示"))


def strike_detail(agent_id) -> Markup:
    status = _strikes_on_page().get(agent_id)
    if status is None or not (status.dismiss or status.warnings):
        return Markup(_l("无"))
    return strike_badge(agent_id) + Markup("<br>") + Markup("<br>").join(str(m) for m in status.messages())


def birth_date_and_age(birth) -> str:
    """``1976-11-26（50周岁）`` — the age today by the one clock (models never read it)."""
    if not birth:
        return ""
    return str(_l("%(d)s（%(age)s周岁）", d=birth.isoformat(), age=age_on(birth, clock.today())))


def photo_img(name) -> Markup:
    """The agent's photo through the scoped route (404 for a user of another village)."""
    if not name:
        return Markup(_l("未上传"))
    return Markup('<img src="{}" alt="{}" style="max-height:160px">').format(
        url_for("AgentView.photo", name=name), _l("代办员照片")
    )


class VillageView(BmModelView):
    datamodel = interface(Village)
    class_permission_name = "Village"
    route_base = "/village"
    list_title = _l("行政村列表")
    show_title = _l("行政村详情")
    add_title = _l("新增行政村")
    edit_title = _l("编辑行政村")
    service_create = village_service.create_village
    service_update = village_service.update_village

    list_columns = ["name", "code", "township", "secretary_name", "service_phone", "six_ones_status", "active"]
    search_columns = ["name", "code", "township", "secretary_name", "active"]
    order_columns = ["name", "code", "active"]
    base_order = ("code", "asc")
    six_fields = [f for attr, _ in SIX_ONES for f in (attr, f"{attr}_checked_on")]
    # 所属乡镇: Admin chooses it; a township user's villages are their township's (no field)
    county_only_fields = ("township_id",)
    basic_fields = [
        "name",
        "code",
        "township_id",
        "address",
        "service_phone",
        "secretary_name",
        "supplement_per_year",
        "active",
    ]
    add_columns = [*basic_fields, *six_fields]
    edit_columns = add_columns
    show_fieldsets = [
        (
            _l("基本信息"),
            {
                "fields": [
                    "name",
                    "code",
                    "township",
                    "address",
                    "service_phone",
                    "secretary_name",
                    "supplement_per_year",
                    "active",
                ]
            },
        ),
        (_l("“六个一”标准化配置（第六条（二））"), {"fields": ["six_ones_status", *six_fields]}),
    ]
    add_fieldsets = [
        (_l("基本信息"), {"fields": basic_fields}),
        (_l("“六个一”标准化配置（第六条（二））"), {"fields": six_fields}),
    ]
    edit_fieldsets = add_fieldsets
    label_columns = {**VILLAGE_LABELS, "township": _l("所属乡镇"), "township_id": _l("所属乡镇")}
    add_form_extra_fields = {
        "township_id": township_field(
            _l("村名在本乡镇内不能重复；已列入补助发放表的村不能再改所属乡镇"),
        )
    }
    edit_form_extra_fields = add_form_extra_fields
    description_columns = {
        "code": _l("2至6位英文字母，用于受理编号，如 QS → QS2026-0042"),
        "supplement_per_year": _l(
            "由非副职干部担任代办员的村，在乡级补助基础上另行给予的村级补助（第二条（四）1），按季度发放"
        ),
    }
    formatters_columns = {
        "active": yes_no,
        **{attr: yes_no for attr, _ in SIX_ONES},
        "six_ones_status": lambda v: Markup(v),
    }

    def list_toolbar(self) -> str:
        """Excel 导入 (views/imports.py) for whoever may add villages."""
        if not can("can_write", "Village"):
            return ""
        return render_template("imports/_toolbar.html", endpoint="VillageImportView")


class AgentInterface(BmInterface):
    """The agent's page shows the ID number and phone as this viewer may see them (SPEC §12):
    the model does not know the viewer, ``services.privacy`` decides."""

    def _get_attr_value(self, item, col):
        shown = privacy.AGENT_DETAIL_COLUMNS.get(col)
        return shown(item) if shown is not None else super()._get_attr_value(item, col)


class AgentView(BmModelView):
    datamodel = AgentInterface(Agent, db.session)
    class_permission_name = "Agent"
    route_base = "/agent"
    list_title = _l("代办员列表")
    show_title = _l("代办员详情")
    add_title = _l("新增代办员")
    edit_title = _l("编辑代办员")
    service_create = agent_service.create_agent
    service_update = agent_service.update_agent

    list_columns = [
        "name",
        "village",
        "township_text",
        "level",
        "phone",
        "id_number",
        "birth_date",
        "education",
        "status",
        "strikes",
    ]
    search_columns = ["name", "village", "level", "status", "education", "appointment_kind"]
    order_columns = ["name", "village", "level", "status"]
    base_order = ("village_id", "asc")
    list_select_columns = None
    form_fields = [
        "name",
        "gender",
        "id_number",
        "phone",
        "education",
        "level",
        "village",
        "township_id",
        "window_unit",
        "appointment_kind",
        "long_term_resident",
        "is_grid_worker",
        "age_override_reason",
        "photo",
        "nominated_on",
        "approved_on",
        "filed_on",
        "committee_decided_on",
        "hired_on",
        "status",
        "dismissed_on",
        "dismissal_reason",
    ]
    add_columns = form_fields
    edit_columns = form_fields
    # 所属乡镇 (the hiring township of a 乡级代办员): Admin chooses it; a township user's agents
    # are their township's (no field)
    county_only_fields = ("township_id",)
    add_fieldsets = [
        (_l("基本情况"), {"fields": ["name", "gender", "id_number", "phone", "education", "photo"]}),
        (
            _l("任职条件（第二条（一））"),
            {
                "fields": [
                    "level",
                    "village",
                    "township_id",
                    "window_unit",
                    "appointment_kind",
                    "long_term_resident",
                    "is_grid_worker",
                    "age_override_reason",
                ]
            },
        ),
        (
            _l("产生程序（第二条（二））"),
            {
                "fields": [
                    "nominated_on",
                    "approved_on",
                    "filed_on",
                    "committee_decided_on",
                    "hired_on",
                    "status",
                    "dismissed_on",
                    "dismissal_reason",
                ]
            },
        ),
    ]
    edit_fieldsets = add_fieldsets
    show_fieldsets = [
        (
            _l("基本情况"),
            {"fields": ["name", "gender", "id_number_detail", "phone_detail", "birth_date", "education", "photo"]},
        ),
        (
            _l("任职条件（第二条（一））"),
            {
                "fields": [
                    "level",
                    "village",
                    "township_text",
                    "window_unit",
                    "appointment_kind",
                    "long_term_resident",
                    "is_grid_worker",
                    "age_override_reason",
                ]
            },
        ),
        (
            _l("产生程序（第二条（二））"),
            {
                "fields": [
                    "nominated_on",
                    "approved_on",
                    "filed_on",
                    "committee_decided_on",
                    "hired_on",
                    "status",
                    "dismissed_on",
                    "dismissal_reason",
                ]
            },
        ),
        (_l("考核（第二条（四）2：①②③任何一种累计3次予以解聘）"), {"fields": ["strikes_detail"]}),
    ]
    label_columns = {**AGENT_LABELS, "township_text": _l("所属乡镇"), "township_id": _l("所属乡镇")}
    description_columns = {
        "id_number": _l("18位居民身份证号，出生日期、性别和年龄由系统自动识别"),
        "long_term_resident": _l("村级代办员必须在本村长期居住（第二条（一）1）"),
        "is_grid_worker": _l("村级代办员不得为全科网格员（第二条（一）5）"),
        "status": _l(
            "村级代办员“在岗”须依次填齐提名、通过、备案和聘任日期；乡级代办员须填写党委（扩大）会议研究决定日期和聘任日期"
        ),
        "committee_decided_on": _l("乡级代办员由党委（扩大）会议研究决定（第二条（二）2），村级代办员不填"),
        "age_override_reason": _l(
            "年龄原则上在50周岁以下，按聘任日期（未聘任时按会议通过日期）计算；超过时须写明破格聘任理由，记录在案"
        ),
    }
    add_form_extra_fields = {
        "gender": choice_field(_l("性别"), GENDERS, required=False, description=_l("可不填，按身份证号自动识别")),
        "education": choice_field(_l("文化程度"), EDUCATION),
        "level": choice_field(_l("级别"), AGENT_LEVELS),
        "appointment_kind": choice_field(_l("产生方式"), APPOINTMENT_KINDS),
        "status": choice_field(_l("状态"), AGENT_STATUSES),
        "age_override_reason": TextAreaField(_l("破格聘任理由（年龄超过50周岁）")),
        "dismissal_reason": TextAreaField(_l("解聘原因")),
        "township_id": township_field(_l("乡级代办员选聘用的乡镇；村级代办员随所在村，可不选")),
        "photo": FileField(
            _l("照片"),
            validators=[Optional()],
            render_kw={"accept": "image/jpeg,image/png,image/webp"},
            description=_l("JPEG、PNG 或 WebP 图片，不超过5 MB；系统会重新压缩并去除拍摄信息。不选则保留原照片"),
        ),
    }
    edit_form_extra_fields = add_form_extra_fields
    formatters_columns = {
        "gender": code_formatter(GENDERS),
        "education": code_formatter(EDUCATION),
        "level": code_formatter(AGENT_LEVELS),
        "appointment_kind": code_formatter(APPOINTMENT_KINDS),
        "status": code_formatter(AGENT_STATUSES),
        "long_term_resident": yes_no,
        "is_grid_worker": yes_no,
        "id_number": mask_id_number,
        "phone": mask_phone,
        "strikes": strike_badge,
        "strikes_detail": strike_detail,
        "birth_date": birth_date_and_age,
        "photo": photo_img,
    }

    def list_toolbar(self) -> str:
        """Excel 导入 (views/imports.py) for whoever may add agents."""
        if not can("can_write", "Agent"):
            return ""
        return render_template("imports/_toolbar.html", endpoint="AgentImportView")

    @expose("/photo/<name>")
    @has_access
    @permission_name("read")
    def photo(self, name):
        """The photo of an agent the user may see (village scoping applies); 404 otherwise."""
        path = agent_service.visible_photo(name)
        if path is None:
            abort(404)
        folder, filename = os.path.split(path)
        response = send_from_directory(folder, filename, mimetype="image/jpeg", max_age=3600)
        response.cache_control.public = False
        response.cache_control.private = True
        return response


def register(appbuilder) -> None:
    from .menu import add_menu_view

    add_menu_view(appbuilder, VillageView, "Village", _l("行政村"), "fa-home", "Basics")
    add_menu_view(appbuilder, AgentView, "Agent", _l("代办员"), "fa-user", "Basics")
