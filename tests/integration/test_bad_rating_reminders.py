"""差评整改提醒 (issue 14 §1 + §3): the ``bad-ratings`` job tells 乡便民中心 of an open 差评 item
due within one working day and escalates it to 乡便民中心 and 乡纪检办 once past its due day —
once per item and due day, however often the job runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.jobs import run_job
from app.models import BmUser, Notification
from tests.integration.test_ratings import RATED_ON, _closed, _rate


def _told(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Notification.kind, BmUser.username, Notification.text)
            .join(BmUser, BmUser.id == Notification.recipient_user_id)
            .where(Notification.kind.like("bad_rating%"), Notification.channel == "inapp")
            .order_by(Notification.id)
        ).all()
        return [tuple(r) for r in rows]


def _run(app, when: str) -> str:
    with app.app_context():
        outcome = run_job("bad-ratings", dt.datetime.fromisoformat(when))
    assert outcome.status == "ok", outcome
    return outcome.result


def test_due_soon_then_overdue_escalation_each_told_once(app, world, client, clock):
    case_id, token = _closed(app, world.village_a, world.agent_a, "QS2026-0101")
    clock.set(RATED_ON, tick=False)  # Mon 28 Sep → due Fri 23 Oct (国庆, 调休 Sat 10 Oct)
    assert _rate(client, token, level="1", comment="态度差").status_code == 303

    _run(app, "2026-10-21 08:15")  # Wed: two working days left — nothing yet
    assert _told(app) == []

    _run(app, "2026-10-22 08:15")  # Thu: due the next working day
    _run(app, "2026-10-22 09:15")
    soon = _told(app)
    assert [(k, u) for k, u, _ in soon] == [("bad_rating_due_soon", "zhongxin")]
    assert "QS2026-0101" in soon[0][2] and "2026-10-23" in soon[0][2] and "即将到期" in soon[0][2]

    result = _run(app, "2026-10-26 08:15")  # Mon after the due day: escalated
    _run(app, "2026-10-27 08:15")
    late = [(k, u) for k, u, _ in _told(app)[1:]]
    assert sorted(late) == [("bad_rating_overdue", "jijian"), ("bad_rating_overdue", "zhongxin")]
    assert "差评整改超期1件" in result


def test_a_good_rating_opens_no_item_and_is_not_reminded(app, world, client, clock):
    _, good = _closed(app, world.village_a, world.agent_a, "QS2026-0101")
    clock.set(RATED_ON, tick=False)
    assert _rate(client, good, level="5").status_code == 303
    _run(app, "2026-10-26 08:15")
    assert _told(app) == []
