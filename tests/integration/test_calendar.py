"""The working-day calendar (SPEC §5): township staff enter a year's State Council schedule
by ranges (page, CLI), set single days, and unknown years are warned about, never an error."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CalendarDay
from app.services import calendar_admin
from app.services.calendar import work_calendar
from app.services.errors import ValidationFailed

pytestmark = pytest.mark.dates

SCHEDULE_2027 = """
# 国务院办公厅关于2027年部分节假日安排的通知（示例）
2027-01-01 至 2027-01-03 休 元旦
02-06 至 02-12 休 春节
2月14日 班 春节调休上班
4月3日至5日 休 清明节
10-01 ~ 10-07 放假 国庆节
10-09 上班 国庆调休
"""


def test_parse_schedule_reads_the_notice_lines():
    lines = calendar_admin.parse_schedule(SCHEDULE_2027, 2027)
    assert [(ln.first, ln.last, ln.is_workday) for ln in lines][:3] == [
        (dt.date(2027, 1, 1), dt.date(2027, 1, 3), False),
        (dt.date(2027, 2, 6), dt.date(2027, 2, 12), False),
        (dt.date(2027, 2, 14), dt.date(2027, 2, 14), True),
    ]
    assert lines[0].note == "元旦" and lines[3].last == dt.date(2027, 4, 5)


def test_bad_lines_are_named_in_chinese():
    with pytest.raises(ValidationFailed) as err:
        calendar_admin.parse_schedule("2027-02-30 休\n10-01 至 10-07\n2026-10-01 休\n明天放假\n10-07 至 10-01 休", 2027)
    messages = err.value.errors["schedule"]
    assert messages == [
        "第1行：日期不存在",
        "第2行：请注明“休”（放假）或“班”（调休上班）",
        "第3行：日期不在2027年内",
        "第4行：看不懂日期，请写成“2027-10-01 至 2027-10-07 休 国庆节”",
        "第5行：结束日期早于开始日期",
    ]
    with pytest.raises(ValidationFailed):
        calendar_admin.parse_schedule("\n# 只有注释\n", 2027)


def test_unknown_year_is_estimated_then_configured_by_the_schedule(app, world):
    with app.app_context():
        cal = work_calendar()
        assert not cal.is_configured_year(2027) and cal.is_workday(dt.date(2027, 10, 1))  # weekend rule: a Friday
        assert "2027年工作日历尚未配置" in calendar_admin.upcoming_warning(dt.date(2026, 11, 26))
        assert calendar_admin.upcoming_warning(dt.date(2026, 6, 1)) is None  # too early to worry
        result = calendar_admin.import_schedule({"year": 2027, "schedule": SCHEDULE_2027})
        assert result["added"] == 3 + 7 + 1 + 3 + 7 + 1 and result["cases"] == 0
        cal = work_calendar()
        # entered but not confirmed complete: the days count, the year still warns
        assert not cal.is_configured_year(2027) and not cal.is_workday(dt.date(2027, 10, 1))
        assert "2027年工作日历尚未配置" in calendar_admin.upcoming_warning(dt.date(2026, 11, 26))
        calendar_admin.confirm_year({"year": 2027, "complete": True, "by": "赵敏"})
        cal = work_calendar()
        assert cal.is_configured_year(2027)
        assert cal.is_workday(dt.date(2027, 10, 9))  # a Saturday, 调休上班
        assert calendar_admin.upcoming_warning(dt.date(2026, 11, 26)) is None
        status = {y["year"]: y for y in calendar_admin.year_status([2026, 2027, 2028])}
        assert status[2026]["package"] and status[2027]["configured"] and status[2027]["rest_days"] == 20
        assert not status[2028]["configured"]
        again = calendar_admin.import_schedule({"year": 2027, "schedule": "10-01 至 10-07 休 国庆节", "replace": "y"})
        assert again["unchanged"] == 7 and again["removed"] == 15


def test_township_enters_a_year_on_one_page(app, world, login, monkeypatch):
    from app.services import calendar

    monkeypatch.setattr(calendar, "today", lambda: dt.date(2026, 11, 26))
    c = login("zhongxin")
    page = c.get("/calendarday/schedule").get_data(as_text=True)
    assert "录入全年放假调休安排" in page and "未配置" in page
    assert "2027年工作日历尚未配置" in c.get("/calendarday/list/").get_data(as_text=True)
    r = c.post("/calendarday/schedule", data={"year": "2027", "schedule": "10-01 至 10-07 休 国庆节\n10-09 班"})
    assert r.status_code == 302
    body = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "2027年工作日历已保存" in body and "2027-10-09 星期六" in body and "上班（含调休上班）" in body
    r = c.post("/calendarday/schedule", data={"year": "2027", "schedule": "13-01 休"})
    assert r.status_code == 200 and "第1行：日期不存在" in r.get_data(as_text=True)
    r = c.post("/calendarday/schedule", data={"year": "abc", "schedule": ""})
    assert r.status_code == 200
    for user in ("qs_daiban", "qs_shuji", "jijian"):
        assert (
            login(user).post("/calendarday/schedule", data={"year": "2027", "schedule": "10-08 休"}).status_code == 403
        )
    with app.app_context():
        assert db.session.execute(select(CalendarDay).where(CalendarDay.day == dt.date(2027, 10, 8))).first() is None


def test_single_days_through_the_form_and_delete(app, world, login):
    c = login("zhongxin")
    r = c.post("/calendarday/add", data={"day": "2026-12-31", "is_workday": "False", "note": "测试"})
    assert r.status_code == 302
    r = c.post("/calendarday/add", data={"day": "2026-12-31", "is_workday": "True"})
    assert r.status_code == 302  # the same day again: updated, not duplicated
    with app.app_context():
        rows = db.session.execute(select(CalendarDay)).scalars().all()
        assert [(d.day, d.is_workday) for d in rows] == [(dt.date(2026, 12, 31), True)]
        row_id = rows[0].id
    r = c.post("/calendarday/add", data={"day": "2026-02-30", "is_workday": "True"})
    assert r.status_code == 200
    assert c.post(f"/calendarday/delete/{row_id}").status_code == 302
    with app.app_context():
        assert db.session.execute(select(CalendarDay)).first() is None


def test_cli_import_set_and_show(app, world, runner, tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    r = runner.invoke(args=["calendar", "import", "2027", str(path)])
    assert r.exit_code == 0, r.output
    assert "2027年工作日历：新增 22 天" in r.output
    r = runner.invoke(args=["calendar", "set", "2027-10-10", "班", "--note", "调休上班"])
    assert r.exit_code == 0 and "2027-10-10 设为上班" in r.output
    r = runner.invoke(args=["calendar", "set", "2027-10-11", "rest", "测试休息"])  # README: DATE work|rest [NOTE]
    assert r.exit_code == 0 and "2027-10-11 设为休息" in r.output
    r = runner.invoke(args=["calendar", "show", "2027"])
    # dates entered, the year not yet confirmed complete: still 未配置
    assert (
        "2027年：未配置" in r.output and "2027-10-10 班 调休上班" in r.output and "2027-10-11 休 测试休息" in r.output
    )
    r = runner.invoke(args=["calendar", "import", "2027", str(path), "--complete", "--by", "赵敏"])
    assert r.exit_code == 0 and "2027年已确认全年安排已录入" in r.output, r.output
    r = runner.invoke(args=["calendar", "show", "2027"])
    assert "2027年：已配置（赵敏确认全年安排已录入）" in r.output
    r = runner.invoke(args=["calendar", "complete", "2027", "--undo"])
    assert r.exit_code == 0 and "已撤销确认" in r.output
    assert "2027年：未配置" in runner.invoke(args=["calendar", "show", "2027"]).output
    r = runner.invoke(args=["calendar", "import", "2027", "-"], input="明天 休\n")
    assert r.exit_code != 0 and "第1行：看不懂日期" in r.output
    r = runner.invoke(args=["calendar", "set", "2027-13-01", "work"])
    assert r.exit_code != 0 and "日期格式应为" in r.output


def test_only_a_confirmed_year_is_configured_on_the_calendar_page(app, world, login):
    """元旦 and 春节 entered for 2027 do not mark the year 已录入 nor hide the warning; the
    checkbox “全年安排已录入” does, and says who confirmed it."""
    client = login("zhongxin")
    r = client.post("/calendarday/schedule", data={"year": "2027", "schedule": "01-01 休 元旦\n02-06 至 02-12 休 春节"})
    assert r.status_code == 302
    with app.app_context():
        assert not work_calendar().is_configured_year(2027)
    page = client.get("/calendarday/list/").get_data(as_text=True)
    assert "已录入部分日期，未确认全年" in page and "2027年：全年安排已录入" not in page
    r = client.post("/calendarday/confirm", data={"year": "2027", "complete": "1"})
    assert r.status_code == 302
    with app.app_context():
        assert work_calendar().is_configured_year(2027)
        row = calendar_admin.year_status([2027])[0]
        assert row["complete"] and row["confirmed_by"] and row["confirmed_at"] is not None
    page = client.get("/calendarday/list/").get_data(as_text=True)
    assert "全年安排已录入" in page and "确认" in page and "未确认全年" not in page
    # a village user cannot confirm
    assert login("qs_daiban").post("/calendarday/confirm", data={"year": "2028", "complete": "1"}).status_code in (
        302,
        403,
        404,
    )
    with app.app_context():
        assert not work_calendar().is_configured_year(2028)


def test_cli_by_a_login_names_that_users_name(app, world, runner):
    """``--by`` takes a 姓名 or a login; a login records that user's 姓名 as 确认人."""
    r = runner.invoke(args=["calendar", "complete", "2027", "--by", "zhongxin"])
    assert r.exit_code == 0 and "2027年：已确认全年安排已录入（乡便民中心）。" in r.output, r.output
    with app.app_context():
        assert calendar_admin.year_status([2027])[0]["confirmed_by"] == "乡便民中心"
