"""差评整改提醒 (issue 14 §1, §3): open 差评 items due within one working day, and escalation
to 乡便民中心 and 乡纪检办 once past their due day (``services.reminders.remind_bad_ratings``)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from ..services import reminders
from .registry import daily, job


@job("bad-ratings", schedule=daily("08:15"), title=_l("差评整改提醒与超期督办"))
def bad_ratings(now: dt.datetime) -> str:
    return reminders.remind_bad_ratings(now)
