"""What the printed documents of a case say (SPEC §10): the 受理回执 handed to the applicant
and the 一次性告知单 of an item (政策第五条（一）2 "一次性告知代办事项所需资料和相关流程").

Pure assembly of what is already recorded — no rule is decided here.
"""

from __future__ import annotations

import re

from flask import current_app
from markupsafe import Markup, escape

from ..models import Case, ServiceItem
from ..policy import case_flow as flow
from ..policy.idcard import mask_id_number
from ..policy.phone import mask_phone
from . import calendar as clock
from .cases import case_calendar_warning
from .settings import supervision_phone, township_name

TIME_RANGE = re.compile(r"\d{1,2}:\d{2}\s*[—–~-]\s*\d{1,2}:\d{2}")


def unbroken_ranges(text, lines: bool = False) -> Markup:
    """``text`` (escaped) with each time range (9:00—11:30) kept on one line when printed;
    ``lines``: each “；”-separated part (a season) on a line of its own."""
    html = TIME_RANGE.sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', str(escape(text or "")))
    return Markup(html.replace("；", "；<br>") if lines else html)


def _contacts(village, agent) -> dict:
    cfg = current_app.config
    return {
        "township": township_name(village),  # the village's township (issue 15 §1)
        "policy_document": cfg.get("POLICY_DOCUMENT", ""),
        "supervision_phone": supervision_phone(village),
        "service_center_phone": cfg.get("SERVICE_CENTER_PHONE", ""),
        "village": village,
        "agent": agent,
    }


def _procedure_steps(item: ServiceItem | None) -> list[str]:
    if item is None or not item.procedure:
        return []
    return [line.strip() for line in item.procedure.splitlines() if line.strip()]


def receipt_context(case: Case) -> dict:
    """受理回执: number, item, materials received (held in custody), deadlines, who to call."""
    item = case.service_item
    return {
        **_contacts(case.village, case.agent),
        "case": case,
        "item": item,
        "applicant_id_masked": mask_id_number(case.applicant_id_number),
        "applicant_phone_masked": mask_phone(case.applicant_phone),
        "materials": list(case.materials_received or []),
        "missing": flow.missing_materials(item.materials if item else [], case.materials_received or []),
        "warning": case_calendar_warning(case),
        "printed_at": clock.now_local(),
    }


def notice_context(item: ServiceItem, case: Case | None = None) -> dict:
    """一次性告知单 of an item; for a case it also ticks what was handed in and lists what is missing."""
    received = list(case.materials_received or []) if case else []
    return {
        **_contacts(case.village if case else None, case.agent if case else None),
        "case": case,
        "item": item,
        "materials": [(m, m in received) for m in item.materials or []],
        "missing": flow.missing_materials(item.materials or [], received) if case else [],
        "steps": _procedure_steps(item),
        "printed_at": clock.now_local(),
    }
