"""Data protection in exports and the audit log (issue 10 §6, SPEC §12)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import insert, select

from app.extensions import db
from app.models import AuditLog, Village
from tests.integration.test_exports import book, cases, download, rows_of  # noqa: F401  (fixture)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _ledger_body(data: bytes) -> list[tuple]:
    return [r for r in rows_of(book(data))[3:] if isinstance(r[0], int)]


# -- exports: masked for everyone by default; full numbers on request, audited ---------------------
def test_ledger_export_is_masked_by_default_even_for_township_staff(app, login, cases):  # noqa: F811
    body = _ledger_body(download(login("zhongxin"), "/export/ledger?from=2026-09-01&to=2026-09-30"))
    assert body and all("********" in (r[7] or "********") for r in body)
    assert all(r[8] is None or "****" in r[8] for r in body)
    with app.app_context():
        assert db.session.execute(select(AuditLog).where(AuditLog.action == "export")).first() is None


def test_full_numbers_on_request_are_audited(app, login, cases):  # noqa: F811
    c = login("zhongxin")
    body = _ledger_body(download(c, "/export/ledger?from=2026-09-01&to=2026-09-30&village=QS&full_numbers=1"))
    assert any(r[8] == "13800000001" for r in body)
    with app.app_context():
        row = db.session.execute(select(AuditLog).where(AuditLog.action == "export")).scalar_one()
        assert row.user_name == "zhongxin" and row.table_name == "export:ledger"
        assert row.changes["filters"] == {"from": "2026-09-01", "to": "2026-09-30", "village": "QS"}
        assert row.changes["rows"] == len(body) and "含完整证件号码" in row.summary
    page = _text(login("jijian").get("/auditlog/list/?table=export:ledger").get_data(as_text=True))
    assert "导出完整证件号码" in page and "便民代办登记台账导出" in page and "村=QS" in page


def test_village_users_cannot_ask_for_full_numbers(app, login, cases):  # noqa: F811
    c = login("qs_daiban")
    r = c.get("/export/ledger?full_numbers=1", follow_redirects=True)
    assert "只有乡级工作人员可以导出完整的身份证号和手机号" in r.get_data(as_text=True)
    page = c.get("/export/").get_data(as_text=True)
    assert 'name="full_numbers"' not in page and "含完整证件号码" not in page
    with app.app_context():
        assert db.session.execute(select(AuditLog).where(AuditLog.action == "export")).first() is None


def test_the_tick_box_is_on_the_export_page_and_the_case_list(login, cases):  # noqa: F811
    c = login("zhongxin")
    assert 'name="full_numbers"' in c.get("/export/").get_data(as_text=True)
    listing = c.get("/case/list/?_flt_0_applicant_name=x").get_data(as_text=True)
    form = re.search(r"<form[^>]*bm-export-form.*?</form>", listing, re.S).group(0)
    assert "含完整证件号码" in form and 'name="_flt_0_applicant_name" value="x"' in form
    assert "含完整证件号码" not in login("qs_shuji").get("/case/list/").get_data(as_text=True)


# -- the audit log reads in Chinese ---------------------------------------------------------------
def _audit(app, **row) -> int:
    values = {"user_id": None, "village_id": None, "summary": "", **row}
    with app.app_context():
        result = db.session.execute(insert(AuditLog.__table__).values(**values))
        db.session.commit()
        return result.inserted_primary_key[0]


def test_audit_log_shows_chinese_names_local_time_and_a_diff(app, login, world):
    _audit(
        app,
        at=dt.datetime(2026, 12, 1, 19, 26, 48, 186861),
        user_name="zhongxin",
        action="update",
        table_name="payout_line",
        row_id=7,
        changes={"d1": ["0.00", "30.00"], "gross": ["1250.00", "1200.00"]},
        summary="青山村",
    )
    html = login("jijian").get("/auditlog/list/").get_data(as_text=True)
    text = _text(html)
    assert "2026-12-02 03:26:48" in text and "186861" not in text and "19:26" not in text
    assert "时间（北京时间）" in text
    assert "扣款①不受理" in text and "应发乡级补助" in text and "d1" not in text and "gross" not in text
    assert "补助发放明细 #7" in text and "payout_line" not in text
    assert re.search(r"<del[^>]*>0\.00</del> → <ins[^>]*>30\.00</ins>", html)
    assert 'href="/payoutline/show/7"' in html


def test_a_real_change_reads_old_to_new_with_labels(app, login, world):
    c = login("zhongxin")
    with app.app_context():
        from app.services.villages import update_village

        village = db.session.get(Village, world.village_a)
        update_village(village, {"version": village.version, "service_phone": "0731-84569999", "active": False})
    html = login("jijian").get(f"/auditlog/list/?table=village&row={world.village_a}").get_data(as_text=True)
    text = _text(html)
    assert "修改" in text and "行政村 #" in text
    assert re.search(r"服务电话 ：.*0731-84562001 → 0731-84569999", text)
    assert re.search(r"启用 ：.*是 → 否", text)
    assert f'href="/village/show/{world.village_a}"' in html
    assert c  # zhongxin's session made no audit-log request


def test_audit_log_filters_by_record_user_and_beijing_date(app, login, world):
    late = dt.datetime(2026, 12, 1, 17, 0)  # 2026-12-02 01:00 in Beijing
    _audit(
        app,
        at=late,
        user_name="zhongxin",
        action="update",
        table_name="agent",
        row_id=1,
        changes={"phone": ["139****0001", "139****0002"]},
        summary="王秀兰",
    )
    _audit(
        app,
        at=dt.datetime(2026, 11, 30, 3, 0),
        user_name="qs_daiban",
        action="create",
        table_name="service_case",
        row_id=3,
        changes={"applicant_name": [None, "张三"]},
        summary="QS2026-0003",
    )
    c = login("jijian")

    def rows(query):
        html = c.get("/auditlog/list/" + query).get_data(as_text=True)
        return set(re.findall(r"/auditlog/show/(\d+)", html)), _text(html)

    _ids, text = rows("?table=agent&row=1")
    assert "王秀兰" in text and "QS2026-0003" not in text
    _ids, text = rows("?user=qs_daiban")
    assert "QS2026-0003" in text and "王秀兰" not in text
    _ids, text = rows("?from=2026-12-02&to=2026-12-02")
    assert "王秀兰" in text and "QS2026-0003" not in text
    _ids, text = rows("?from=2026-12-01&to=2026-12-01")
    assert "王秀兰" not in text  # 17:00 UTC on 12-01 is already 12-02 in Beijing
    _ids, text = rows("?row=abc")
    assert "王秀兰" in text  # a malformed number is ignored, never a 500


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("admin", True),
        ("jijian", True),
        ("zhongxin", False),
        ("qs_shuji", False),
        ("qs_daiban", False),
        ("sq_shuji", False),
        ("sq_daiban", False),
    ],
)
def test_only_admin_and_discipline_office_read_the_audit_log(app, login, world, username, allowed):
    row = _audit(
        app,
        at=dt.datetime(2026, 12, 1, 1, 0),
        user_name="zhongxin",
        action="update",
        table_name="village",
        row_id=world.village_a,
        village_id=world.village_a,
        changes={"name": ["青山", "青山村"]},
    )
    c = login(username)
    for url in ("/auditlog/list/", f"/auditlog/show/{row}", "/auditlog/list/?table=village"):
        r = c.get(url)
        assert (r.status_code == 200) is allowed, (username, url, r.status_code)
    home = c.get("/").get_data(as_text=True)
    assert ("/auditlog/list/" in home) is allowed


def test_cli_full_numbers_are_audited_too(app, runner, cases, tmp_path):  # noqa: F811
    out = tmp_path / "ledger.xlsx"
    masked = runner.invoke(args=["export", "ledger", "--from", "2026-09-01", "--to", "2026-09-30", "-o", str(out)])
    assert masked.exit_code == 0, masked.output
    with app.app_context():
        assert db.session.execute(select(AuditLog).where(AuditLog.action == "export")).first() is None
    full = runner.invoke(args=["export", "ledger", "--village", "QS", "--full-numbers", "-o", str(out)])
    assert full.exit_code == 0, full.output
    with app.app_context():
        row = db.session.execute(select(AuditLog).where(AuditLog.action == "export")).scalar_one()
        assert row.user_name == "flask export" and row.changes["filters"] == {"village": "QS"}


# -- who is acting: one actor_name() for every ledger, sheet and log -------------------------------
def test_actor_name_is_the_persons_name_and_acting_account_the_login(app, world):
    from flask import g

    from app.extensions import appbuilder
    from app.services.audit import acting_account, acting_as, actor_name

    with app.test_request_context():
        g.user = appbuilder.sm.find_user(username="zhongxin")
        assert actor_name() == "乡便民中心" and acting_account() == (world.users["zhongxin"], "zhongxin")
        g.user.first_name = "  "  # no 姓名 on the account: its login, never blank
        assert actor_name(default="系统") == "zhongxin"
    with app.app_context():
        assert (actor_name(), actor_name(default="系统"), acting_account()) == ("", "系统", (None, "system"))
        with acting_as("flask export", person=" 赵敏 "):
            assert (actor_name(), acting_account()) == ("赵敏", (None, "flask export"))
        with acting_as("flask export"):
            assert (actor_name(), actor_name(default=acting_account()[1])) == ("", "flask export")
