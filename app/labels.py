"""Column labels shared by a page and its API (SPEC §2, §3): plain ``lazy_gettext`` dicts.

A view and the REST resource of the same records show the same names; both import them from
here (views and api never import each other).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import SIX_ONES

SIX_ONE_LABELS = {attr: label for attr, label in SIX_ONES}
SIX_ONE_DATE_LABELS = {f"{attr}_checked_on": _l("检查日期") for attr, _ in SIX_ONES}

VILLAGE_LABELS = {
    "name": _l("村名"),
    "code": _l("村代码"),
    "address": _l("代办点地址（村集体办公场所）"),
    "service_phone": _l("服务电话"),
    "secretary_name": _l("村党支部书记"),
    "active": _l("启用"),
    "supplement_per_year": _l("村级补助（元/年）"),
    "six_ones_status": _l("“六个一”"),
    **SIX_ONE_LABELS,
    **SIX_ONE_DATE_LABELS,
}

AGENT_LABELS = {
    "strikes": _l("考核提示"),
    "strikes_detail": _l("累计情况"),
    "name": _l("姓名"),
    "gender": _l("性别"),
    "id_number": _l("身份证号"),
    "id_number_detail": _l("身份证号"),
    "phone": _l("手机号码"),
    "phone_detail": _l("手机号码"),
    "birth_date": _l("出生日期（年龄）"),
    "education": _l("文化程度"),
    "level": _l("级别"),
    "village": _l("所在村"),
    "window_unit": _l("乡级窗口单位"),
    "appointment_kind": _l("产生方式"),
    "long_term_resident": _l("本村长期居住"),
    "is_grid_worker": _l("全科网格员"),
    "photo": _l("照片"),
    "age_override_reason": _l("破格聘任理由（年龄超过50周岁）"),
    "nominated_on": _l("两委会议提名日期（村级）"),
    "approved_on": _l("党员、村民代表会议通过日期（村级）"),
    "filed_on": _l("乡政府审核备案日期（村级）"),
    "committee_decided_on": _l("党委（扩大）会议研究决定日期（乡级）"),
    "hired_on": _l("聘任日期"),
    "status": _l("状态"),
    "dismissed_on": _l("解聘日期"),
    "dismissal_reason": _l("解聘原因"),
}
