"""Stored codes of the enumerations and their Chinese labels (translatable).

Codes are stable ASCII (they appear in the REST API); the labels are the policy's own terms.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

GENDERS = {"M": _l("男"), "F": _l("女")}

# SPEC §3: 小学, 初中, 高中, 中专, 大专, 本科, 研究生 — in ascending order
EDUCATION = {
    "primary": _l("小学"),
    "junior": _l("初中"),
    "senior": _l("高中"),
    "vocational": _l("中专"),
    "college": _l("大专"),
    "bachelor": _l("本科"),
    "postgraduate": _l("研究生"),
}
# The policy layer speaks the policy's words.
EDUCATION_POLICY_TERM = {
    "primary": "小学",
    "junior": "初中",
    "senior": "高中",
    "vocational": "中专",
    "college": "大专",
    "bachelor": "本科",
    "postgraduate": "研究生",
}

AGENT_LEVELS = {"village": _l("村级"), "township": _l("乡级")}
AGENT_LEVEL_POLICY_TERM = {"village": "村级", "township": "乡级"}

APPOINTMENT_KINDS = {"deputy": _l("支村两委副职兼任"), "hired": _l("自聘")}

AGENT_STATUSES = {"candidate": _l("拟任"), "active": _l("在岗"), "dismissed": _l("已解聘")}
AGENT_STATUS_POLICY_TERM = {"candidate": "拟任", "active": "在岗", "dismissed": "已解聘"}

CASE_KINDS = {"consult": _l("咨询"), "proxy": _l("代办")}
CASE_CHANNELS = {"visit": _l("窗口来访"), "phone": _l("电话"), "home": _l("上门")}
CASE_STATUSES = {
    "registered": _l("已登记"),
    "answered": _l("已答复"),
    "referred": _l("已转介"),
    "accepted": _l("已受理"),
    "verifying": _l("核实中"),
    "submitted": _l("已报送"),
    "completed": _l("已办结"),
    "rejected": _l("不予受理/退回"),
    "voided": _l("已作废"),
}
# 第二条（三）4 "立即办、承诺办、报送办"
ITEM_MODES = {"immediate": _l("立即办"), "promised": _l("承诺办"), "forward": _l("报送办")}
# Applicant fields an item may require (the name is always required)
APPLICANT_FIELDS = {"id_number": _l("身份证号"), "phone": _l("联系电话")}
ITEM_OWNERS = {"seed": _l("目录种子维护"), "township": _l("乡便民中心维护")}
CUSTODY_STATES = {"held": _l("保管中"), "submitted": _l("已报送窗口"), "returned": _l("已退还")}
REPLY_METHODS = {"visit": _l("当面答复"), "phone": _l("电话告知"), "home": _l("上门送达")}
# 好差评 five levels, 国办发〔2019〕51号
SATISFACTION = {
    5: _l("非常满意"),
    4: _l("满意"),
    3: _l("基本满意"),
    2: _l("不满意"),
    1: _l("非常不满意"),
}
VERIFY_RESULTS = {"confirmed": _l("情况属实"), "not_confirmed": _l("情况不属实")}

ATTENDANCE = {"present": _l("出席"), "excused": _l("请假"), "absent": _l("无故缺席")}
COMPLAINT_CHANNELS = {
    "visit": _l("来访"),
    "phone": _l("电话"),
    "letter": _l("信件"),
    "wechat": _l("微信平台"),
    "online": _l("网上反映"),
    "other": _l("其他"),
}
# Who filed a complaint: township staff, or the villager on the public page (migration 0013).
COMPLAINT_SOURCES = {"staff": _l("工作人员登记"), "public": _l("公开页面提交")}
COMPLAINT_RESULTS = {
    "pending": _l("待核实"),
    "true": _l("经核实属实"),
    "false": _l("经核实不属实"),
}
ASSESSMENT_GRADES = {"excellent": _l("优秀"), "pass": _l("合格"), "fail": _l("不合格")}
REPORT_STATUSES = {"draft": _l("草稿"), "submitted": _l("已报送"), "returned": _l("已退回修改")}
PAYOUT_STATUSES = {"draft": _l("草稿"), "approved": _l("已审核"), "paid": _l("已发放")}
DEDUCTION_STATES = {"active": _l("有效"), "void": _l("已撤销")}


def label(mapping: dict, code) -> str:
    """The display label of a code ('' for None, the code itself if unknown)."""
    if code is None:
        return ""
    return str(mapping.get(code, code))


# 年度考核 as a workflow (issue 15 §3): gathered → proposed → the township's decision.
ASSESSMENT_STATUSES = {"draft": _l("草稿"), "proposed": _l("已提议"), "decided": _l("已决定")}
# The township's own evidence of an agent's year (第二条（四）2 调查问卷、入户走访、个别座谈).
EVIDENCE_KINDS = {"survey": _l("调查问卷"), "visit": _l("入户走访"), "talk": _l("个别座谈")}

# 追责问责 (第五条（一）3, 第六条（四)).
ACCOUNTABILITY_SUBJECTS = {"agent": _l("代办员"), "secretary": _l("村党支部书记")}
ACCOUNTABILITY_KINDS = {
    "overdue": _l("超时未办结未申请延期"),
    "shirking": _l("推诿扯皮"),
    "attitude": _l("服务态度恶劣"),
    "other": _l("其他"),
}
ACCOUNTABILITY_DECISIONS = {
    "education": _l("批评教育"),
    "admonish": _l("诫勉谈话"),
    "circulate": _l("通报批评"),
    "deduct": _l("扣减补助"),
    "dismiss": _l("解聘"),
    "none": _l("不予追责"),
}
ACCOUNTABILITY_STATUSES = {"open": _l("待决定"), "decided": _l("已决定")}
