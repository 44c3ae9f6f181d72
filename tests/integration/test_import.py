"""Excel import of villages, agents and accounts (issue 15 §2): templates, the dry run (every
row with its Chinese messages, nothing saved), all-or-nothing import, the file checks, the CLI
and who may reach the pages."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agent, AuditLog, BmUser, Village
from app.services import imports
from app.services.errors import Conflict, ValidationFailed
from tests.factories import make_id

VILLAGE_HEADERS = ["村名", "村代码", "代办点地址", "服务电话", "村党支部书记", "启用", "村级补助（元/年）"]
AGENT_HEADERS = [
    "姓名",
    "身份证号",
    "手机号码",
    "文化程度",
    "代办员级别",
    "所在村",
    "产生方式",
    "本村长期居住",
    "是否全科网格员",
    "两委会议提名日期",
    "党员、村民代表会议通过日期",
    "乡政府审核备案日期",
    "聘任日期",
    "状态",
]
USER_HEADERS = ["用户名", "姓名", "角色", "所属村", "初始密码"]
GOOD_PASSWORD = "Strong#Pass2026"


def xlsx(headers, rows, *, title_rows=()) -> bytes:
    """An xlsx file as a user would fill it in (openpyxl, like Excel: formulas stay formulas)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (*title_rows, headers, *rows):
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def errors_of(result) -> dict[int, list[tuple[str, str]]]:
    return {r.row: r.errors for r in result.rows if r.errors}


def agent_row(name="赵小红", id_number=None, village="SQ", status="拟任", education="高中", **extra):
    hired = dt.date(2025, 1, 1)
    row = {
        "姓名": name,
        "身份证号": id_number or make_id(dt.date(1995, 8, 9), "642"),
        "手机号码": "13973100077",
        "文化程度": education,
        "代办员级别": "村级",
        "所在村": village,
        "产生方式": "自聘",
        "本村长期居住": "是",
        "是否全科网格员": "否",
        "两委会议提名日期": hired - dt.timedelta(days=30),
        "党员、村民代表会议通过日期": hired - dt.timedelta(days=20),
        "乡政府审核备案日期": hired - dt.timedelta(days=10),
        "聘任日期": hired,
        "状态": status,
    }
    row.update(extra)
    return [row[h] for h in AGENT_HEADERS]


# --------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------
def test_template_has_chinese_headers_choices_and_notes(app, world):
    with app.app_context():
        name, data = imports.template("agents")
    assert name == "代办员导入模板.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["代办员", "填写说明"]
    sheet = book["代办员"]
    headers = [c.value for c in sheet[1]]
    assert headers[:5] == ["姓名", "性别", "身份证号", "手机号码", "文化程度"]
    assert "每村" not in headers and "状态" in headers
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["E2:E20001"] == '"小学,初中,高中,中专,大专,本科,研究生"'
    assert '"拟任,在岗,已解聘"' in lists.values()
    assert sheet["C2"].number_format == "@"  # ID numbers keep every digit
    notes = book["填写说明"]
    texts = [c.value for row in notes.iter_rows() for c in row if c.value]
    assert "身份证号" in texts and any("每村只能有一名在岗村级代办员" in t for t in texts)


def test_template_example_rows_import_on_a_fresh_demo_database(app):
    """The example row of every template is valid: imported unchanged on `flask demo`'s data."""
    from seeds.demo import create_demo
    from seeds.reference import seed_reference

    with app.app_context():
        seed_reference()
        create_demo()
        before = {m: count(m) for m in (Village, Agent, BmUser)}
        from app.models import Township
        from app.security import scoped_to_township

        # the demo is two townships: an import names the one it goes into (as --township JN does)
        jn = db.session.execute(select(Township).where(Township.code == "JN")).scalar_one()
        for kind in imports.KINDS:
            _name, data = imports.template(kind)
            if kind == "villages":
                with pytest.raises(ValidationFailed):
                    imports.import_file(kind, data, filename=_name)  # no township named
            with scoped_to_township(jn.id):
                result = imports.import_file(kind, data, filename=_name)
            assert result.ok, result.error_lines()
            assert result.saved == 1
        assert {m: count(m) - before[m] for m in before} == {Village: 1, Agent: 1, BmUser: 1}
        village = db.session.execute(select(Village).where(Village.code == "YH")).scalar_one()
        assert village.name == "云湖村" and village.active and village.std_counter
        agent = db.session.execute(select(Agent).where(Agent.name == "罗晓婷")).scalar_one()
        assert agent.village.code == "QS" and agent.status == "candidate" and agent.gender == "F"
        user = db.session.execute(select(BmUser).where(BmUser.username == "ck_wangli")).scalar_one()
        assert [r.name for r in user.roles] == ["乡便民中心"] and user.village_id is None
        assert village.township_id == user.township_id == jn.id


# --------------------------------------------------------------------------------------
# Dry run: every row, its errors, nothing saved
# --------------------------------------------------------------------------------------
def test_village_dry_run_lists_every_bad_row_and_saves_nothing(app, world):
    rows = [
        ["云湖村", "YH", "云湖村便民服务代办点", "0731-84562099", "谭建华", "是", 1200],
        ["松坪村", "Q1", None, None, None, None, None],  # bad code
        ["青山村", "QSX", None, None, None, None, None],  # name exists
        ["桃源村", "yh", None, None, None, None, None],  # code repeats row 2 (case-insensitive)
        [None, None, None, None, None, None, None],  # blank: skipped
        ["金竹村", "JZ", None, "12345", None, "也许", "-5"],
    ]
    with app.app_context():
        before = count(Village)
        result = imports.dry_run("villages", xlsx(VILLAGE_HEADERS, rows))
        assert count(Village) == before
    assert [r.row for r in result.rows] == [2, 3, 4, 5, 7]
    assert not result.ok and len(result.bad_rows) == 4
    found = errors_of(result)
    assert 2 not in found and result.rows[0].label == "云湖村（YH）"
    assert found[3] == [("村代码", "村代码应为2至6位英文字母，如 QS（用于受理编号）")]
    assert found[4] == [("村名", "村名“青山村”已存在")]
    assert found[5] == [("村代码", "村代码“YH”与第2行重复")]
    columns = {header for header, _m in found[7]}
    assert columns == {"服务电话", "启用", "村级补助（元/年）"}
    assert any("不是可选值，可选：是、否" in m for _h, m in found[7])
    assert "第3行 村代码：村代码应为2至6位英文字母，如 QS（用于受理编号）" in result.error_lines()


def test_agent_dry_run_uses_the_forms_rules(app, world):
    bad_digit = make_id(dt.date(1995, 8, 9), "642")[:17] + (
        "0" if make_id(dt.date(1995, 8, 9), "642")[17] != "0" else "1"
    )
    rows = [
        agent_row(),  # good: 拟任 in 石桥村
        agent_row("钱一", id_number=bad_digit),
        agent_row("孙二", id_number=make_id(dt.date(1992, 1, 2), "318"), education="初中"),
        agent_row("周三", id_number=make_id(dt.date(1993, 3, 4), "512"), village="QS", status="在岗"),
        agent_row("吴四", id_number=make_id(dt.date(1994, 4, 5), "734"), village="XX"),
        agent_row("郑五", id_number=make_id(dt.date(1995, 8, 9), "642")),  # same ID as row 2
        agent_row("王六", id_number=make_id(dt.date(1990, 5, 6), "123")),  # the ID of 王秀兰 (QS)
    ]
    with app.app_context():
        before = count(Agent)
        result = imports.dry_run("agents", xlsx(AGENT_HEADERS, rows))
        assert count(Agent) == before
    found = errors_of(result)
    assert 2 not in found
    assert found[3] == [("身份证号", "身份证号校验位不正确，请核对后重新输入")]
    assert found[4] == [("文化程度", "村级代办员须具有高中、中专同等学历及以上文化程度（第二条（一）3）")]
    assert found[5] == [("状态", "每村只能有一名在岗村级代办员，本村在岗代办员为王秀兰；请先办理其解聘")]
    assert found[6] == [("所在村", "找不到村“XX”：请填写已有的村代码或村名")]
    assert found[7] == [("身份证号", "身份证号与第2行重复")]
    assert found[8] == [("身份证号", "系统中已有该身份证号的代办员（王秀兰），请在代办员页面修改")]


def test_two_on_duty_agents_of_one_village_in_the_file(app, world):
    with app.app_context():
        db.session.get(Agent, world.agent_b).status = "dismissed"
        agent = db.session.get(Agent, world.agent_b)
        agent.dismissed_on, agent.dismissal_reason = dt.date(2025, 6, 1), "三次警示"
        db.session.commit()
        rows = [
            agent_row("赵小红", status="在岗", village="石桥村"),
            agent_row("钱小明", id_number=make_id(dt.date(1996, 6, 6), "215"), status="在岗", village="SQ"),
        ]
        result = imports.dry_run("agents", xlsx(AGENT_HEADERS, rows))
    assert errors_of(result) == {3: [("状态", "每村只能有一名在岗村级代办员：本文件第2行已是该村的在岗代办员")]}


def test_user_dry_run_uses_the_account_rules(app, world):
    rows = [
        ["ht_daiban", "黄志勇", "村代办员", "QS", GOOD_PASSWORD],
        ["qs_shuji", "刘建国", "村支书", "QS", GOOD_PASSWORD],  # exists
        ["nv_daiban", "无村", "村代办员", None, GOOD_PASSWORD],
        ["xz_user", "乡里", "乡便民中心", "QS", GOOD_PASSWORD],
        ["weak", "弱密码", "乡纪检办", None, "abc12345"],
        ["HT_DAIBAN", "重复", "村支书", "SQ", GOOD_PASSWORD],
        ["boss", "老板", "董事长", None, GOOD_PASSWORD],
    ]
    with app.app_context():
        before = count(BmUser)
        result = imports.dry_run("users", xlsx(USER_HEADERS, rows))
        assert count(BmUser) == before
    found = errors_of(result)
    assert 2 not in found
    assert found[3] == [("用户名", "用户名“qs_shuji”已存在")]
    assert found[4] == [("所属村", "村支书、村代办员账号必须选择所属村")]
    assert found[5] == [("所属村", "乡级角色的账号不能指定所属村（否则只能看到该村数据）")]
    assert found[6] == [("初始密码", "密码至少10位，并包含大写字母、小写字母、数字、符号中的至少三类")]
    assert found[7] == [("用户名", "用户名“HT_DAIBAN”与第2行重复")]
    assert found[8][0][0] == "角色" and "不是可选值" in found[8][0][1]


# --------------------------------------------------------------------------------------
# Confirm: all rows or none
# --------------------------------------------------------------------------------------
def test_import_saves_all_rows_or_none(app, world, monkeypatch):
    good = [["云湖村", "YH"], ["松坪村", "SP"], ["金竹村", "JZ"]]
    with app.app_context():
        before = count(Village)
        bad = imports.import_file("villages", xlsx(["村名", "村代码"], [*good, ["梅岭村", "M"]]))
        assert not bad.ok and bad.saved == 0 and count(Village) == before

        # the database refuses the third row at save time: the first two are not kept either
        real_build = imports.VillageImport.build
        calls = []

        def failing_build(self, values, state):
            calls.append(values["code"])
            village = real_build(self, values, state)
            if len(calls) == 3:
                village.name = None  # NOT NULL
            return village

        monkeypatch.setattr(imports.VillageImport, "build", failing_build)
        with pytest.raises(Conflict, match="本次导入已全部撤销，没有保存任何记录"):
            imports.import_file("villages", xlsx(["村名", "村代码"], good))
        assert count(Village) == before
        monkeypatch.setattr(imports.VillageImport, "build", real_build)

        done = imports.import_file("villages", xlsx(["村名", "村代码"], good), filename="三个村.xlsx")
        assert done.ok and done.saved == 3 and count(Village) == before + 3
        event = db.session.execute(select(AuditLog).where(AuditLog.action == "import")).scalar_one()
        assert event.table_name == "village" and "三个村.xlsx" in event.summary
        assert event.changes["rows"] == 3 and event.changes["keys"] == ["云湖村（YH）", "松坪村（SP）", "金竹村（JZ）"]
        created = db.session.execute(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.table_name == "village", AuditLog.action == "create")
        ).scalar()
        assert created >= 3  # every row is in the audit log as well


def test_imported_accounts_can_log_in(app, world, client):
    rows = [["ht_daiban", "黄志勇", "村代办员", "青山村", GOOD_PASSWORD]]
    with app.app_context():
        result = imports.import_file("users", xlsx(USER_HEADERS, rows))
        assert result.saved == 1
        user = db.session.execute(select(BmUser).where(BmUser.username == "ht_daiban")).scalar_one()
        assert user.village_id == world.village_a and user.email == "ht_daiban@jianning.invalid"
        assert user.password != GOOD_PASSWORD
    r = client.post("/login/", data={"username": "ht_daiban", "password": GOOD_PASSWORD})
    assert r.status_code == 302 and "/login" not in r.headers["Location"]


# --------------------------------------------------------------------------------------
# What is read from the file
# --------------------------------------------------------------------------------------
def test_formula_cells_are_read_as_their_text(app, world):
    data = xlsx(VILLAGE_HEADERS, [["云湖村", "YH", None, None, '=HYPERLINK("http://x","书记")', "是", None]])
    assert b"<f>" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")  # a real formula cell
    with app.app_context():
        result = imports.import_file("villages", data)
        assert result.saved == 1, result.error_lines()
        village = db.session.execute(select(Village).where(Village.code == "YH")).scalar_one()
        assert village.secretary_name == '=HYPERLINK("http://x","书记")'
        result = imports.dry_run("villages", xlsx(["村名", "村代码"], [["荷塘村", "=1+1"]]))
    assert errors_of(result)[2][0][0] == "村代码"


def test_header_row_found_below_a_title_and_numbers_as_typed(app, world):
    rows = [["云湖村", "yh", None, 13973100001, None, None, 1200.5]]
    data = xlsx(VILLAGE_HEADERS + ["备注"], rows, title_rows=[["建宁乡行政村名单"], []])
    with app.app_context():
        result = imports.import_file("villages", data)
        assert result.saved == 1, result.error_lines()
        assert result.ignored_headers == ["备注"]
        village = db.session.execute(select(Village).where(Village.code == "YH")).scalar_one()
    assert village.service_phone == "13973100001" and str(village.supplement_per_year) == "1200.50"
    assert village.active  # 启用 blank → 是
    assert result.rows[0].row == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("name,code\n云湖村,YH\n".encode(), "不是 Excel（.xlsx）文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Excel（.xls）"),
        (b"", "文件是空的"),
    ],
)
def test_non_xlsx_files_get_a_chinese_message(app, world, data, message):
    with app.app_context(), pytest.raises(ValidationFailed) as caught:
        imports.dry_run("villages", data)
    assert message in caught.value.message


def test_a_zip_that_is_no_workbook_and_a_file_too_big(app, world):
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "不是工作簿")
    with app.app_context():
        with pytest.raises(ValidationFailed, match="不是有效的 Excel（.xlsx）工作簿"):
            imports.dry_run("villages", other.getvalue())
        app.config["IMPORT_MAX_BYTES"] = 2000
        with pytest.raises(ValidationFailed, match=r"文件过大：导入文件不能超过 2 KB（本文件 \d+ KB）"):
            imports.dry_run("villages", xlsx(["村名", "村代码"], [[f"村{i}", "AB"] for i in range(300)]))
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", "0" * 100_000)
        with pytest.raises(ValidationFailed, match="解压后超过 39 KB"):
            imports.dry_run("villages", bomb.getvalue())


def test_wrong_headers_and_empty_files(app, world):
    with app.app_context():
        with pytest.raises(ValidationFailed, match="表头不符：缺少“村代码”列"):
            imports.dry_run("villages", xlsx(["村名", "代码"], [["云湖村", "YH"]]))
        with pytest.raises(ValidationFailed, match="表头不符：缺少“用户名”、“角色”、“初始密码”列"):
            imports.dry_run("users", xlsx(["姓名"], [["王丽"]]))
        with pytest.raises(ValidationFailed, match="表头“村名”出现了不止一次"):
            imports.dry_run("villages", xlsx(["村名", "村代码", "村名"], [["云湖村", "YH", "x"]]))
        with pytest.raises(ValidationFailed, match="文件中没有数据行"):
            imports.dry_run("villages", xlsx(["村名", "村代码"], [[None, None]]))
        app.config["IMPORT_MAX_ROWS"] = 2
        with pytest.raises(ValidationFailed, match="一个文件最多 2 行"):
            imports.dry_run("villages", xlsx(["村名", "村代码"], [["甲村", "JA"], ["乙村", "YI"], ["丙村", "BI"]]))


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------
def test_cli_template_dry_run_and_import(app, world, runner, tmp_path):
    template = tmp_path / "villages.xlsx"
    r = runner.invoke(args=["import", "template", "villages", "-o", str(template)])
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook(template).sheetnames == ["行政村", "填写说明"]

    r = runner.invoke(args=["import", "villages", str(template), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "检查通过：共 1 行行政村均可导入（--dry-run，未保存）" in r.output
    with app.app_context():
        assert db.session.execute(select(Village).where(Village.code == "YH")).first() is None

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(["村名", "村代码"], [["云湖村", "YH"], ["青山村", "QSQ"]]))
    r = runner.invoke(args=["import", "villages", str(bad)])
    assert r.exit_code == 1
    assert "有问题 1 行（共 2 行），没有保存任何记录" in r.output
    assert "第3行 村名：村名“青山村”已存在" in r.output
    with app.app_context():
        assert db.session.execute(select(Village).where(Village.code == "YH")).first() is None

    r = runner.invoke(args=["import", "villages", str(template)])
    assert r.exit_code == 0, r.output
    assert "已导入行政村 1 条" in r.output
    with app.app_context():
        assert db.session.execute(select(Village).where(Village.code == "YH")).first() is not None
        event = db.session.execute(select(AuditLog).where(AuditLog.action == "import")).scalar_one()
        assert event.user_name == "flask import"

    text = tmp_path / "names.csv"
    text.write_text("村名,村代码\n", encoding="utf-8")
    r = runner.invoke(args=["import", "agents", str(text)])
    assert r.exit_code == 1 and "不是 Excel（.xlsx）文件" in r.output
    r = runner.invoke(args=["import", "users", str(tmp_path / "missing.xlsx")])
    assert r.exit_code == 1 and "文件不存在" in r.output


# --------------------------------------------------------------------------------------
# Web
# --------------------------------------------------------------------------------------
def _upload(client, kind, data, name="名单.xlsx"):
    return client.post(f"/import/{kind}/", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_web_upload_check_and_confirm(app, world, login):
    c = login("zhongxin")
    page = c.get("/village/list/").get_data(as_text=True)
    assert "下载导入模板" in page and "/import/villages/" in page
    r = c.get("/import/villages/template")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert openpyxl.load_workbook(io.BytesIO(r.data))["行政村"]["A1"].value == "村名"

    r = _upload(c, "villages", xlsx(["村名", "村代码"], [["云湖村", "YH"], ["青山村", "QQ"]]))
    body = r.get_data(as_text=True)
    assert "共 2 行：可导入 1 行，有问题 1 行。" in body
    assert "可导入" in body and "村名“青山村”已存在" in body and "第3行" in body
    assert "确认导入（" not in body and 'name="token"' not in body

    r = _upload(c, "villages", xlsx(["村名", "村代码"], [["云湖村", "YH"], ["松坪村", "SP"]]))
    body = r.get_data(as_text=True)
    assert "确认导入（2 条）" in body
    token = body.split('name="token" value="')[1].split('"')[0]
    with app.app_context():
        assert db.session.execute(select(Village).where(Village.code == "YH")).first() is None
    r = c.post("/import/villages/confirm", data={"token": token, "filename": "名单.xlsx"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/village/list/")
    assert "已导入行政村 2 条" in c.get("/village/list/").get_data(as_text=True)
    # the kept file is gone: a second confirm imports nothing
    r = c.post("/import/villages/confirm", data={"token": token})
    assert r.status_code == 422 and "上传的文件已过期或不存在" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).where(Village.code.in_(["YH", "SP"]))).scalar() == 2


def test_web_refuses_bad_files_and_tokens(app, world, login):
    c = login("zhongxin")
    r = _upload(c, "agents", b"not a workbook", "名单.xls")
    assert r.status_code == 422 and "不是 Excel（.xlsx）文件" in r.get_data(as_text=True)
    r = c.post("/import/agents/", data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and "请选择要导入的 Excel（.xlsx）文件" in r.get_data(as_text=True)
    app.config["IMPORT_MAX_BYTES"] = 2000
    big = xlsx(["村名", "村代码"], [[f"村{i}", "AB"] for i in range(300)])
    r = _upload(c, "villages", big)
    assert r.status_code == 422 and "文件过大：导入文件不能超过 2 KB" in r.get_data(as_text=True)
    app.config["IMPORT_MAX_BYTES"] = 5 * 1024 * 1024
    for token in ("../../secret_key", "0" * 32, ""):
        r = c.post("/import/agents/confirm", data={"token": token})
        assert r.status_code == 422 and "上传的文件已过期或不存在" in r.get_data(as_text=True)
    # a file kept for another user is not reachable with its token
    admin = login("admin")
    body = _upload(admin, "villages", xlsx(["村名", "村代码"], [["云湖村", "YH"]])).get_data(as_text=True)
    token = body.split('name="token" value="')[1].split('"')[0]
    r = c.post("/import/villages/confirm", data={"token": token})
    assert r.status_code == 422
    with app.app_context():
        assert db.session.execute(select(Village).where(Village.code == "YH")).first() is None


def test_only_township_staff_and_admin_may_import(app, world, login):
    rows = xlsx(["村名", "村代码"], [["云湖村", "YH"]])
    for username in ("qs_shuji", "qs_daiban", "jijian"):
        c = login(username)
        assert "下载导入模板" not in c.get("/village/list/").get_data(as_text=True)
        assert "下载导入模板" not in c.get("/agent/list/").get_data(as_text=True)
        for url in ("/import/villages/", "/import/agents/", "/import/users/", "/import/villages/template"):
            r = c.get(url)
            assert r.status_code in (302, 403), (username, url, r.status_code)
            assert "上传并检查" not in r.get_data(as_text=True)
        r = _upload(c, "villages", rows)
        assert r.status_code in (302, 403)
    # 乡便民中心 imports villages and agents, never accounts (only Admin manages accounts)
    c = login("zhongxin")
    assert c.get("/import/agents/").status_code == 200
    assert c.get("/import/users/").status_code in (302, 403)
    admin = login("admin")
    page = admin.get("/import/users/").get_data(as_text=True)
    assert "Excel 导入用户账号" in page and "上传并检查" in page
    users_list = admin.get("/users/list/").get_data(as_text=True)
    assert "/import/users/template" in users_list
    with app.app_context():
        assert db.session.execute(select(Village).where(Village.code == "YH")).first() is None


# --------------------------------------------------------------------------------------
# --township (issue 15 §1): import into one township of a county
# --------------------------------------------------------------------------------------
def test_cli_import_into_a_township(app, world, county, runner, tmp_path):
    villages = tmp_path / "villages.xlsx"
    villages.write_bytes(xlsx(["村名", "村代码"], [["云湖村", "YH"]]))
    r = runner.invoke(args=["import", "villages", str(villages)])
    assert r.exit_code == 1 and "请选择所属乡镇" in r.output  # two townships: say which
    r = runner.invoke(args=["import", "villages", str(villages), "--township", "zz"])
    assert r.exit_code != 0 and "乡镇代码“zz”不存在" in r.output
    r = runner.invoke(args=["import", "villages", str(villages), "--township", "ys"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert db.session.execute(select(Village.township_id).where(Village.code == "YH")).scalar() == (
            county.township_b
        )

    agents = tmp_path / "agents.xlsx"
    agents.write_bytes(xlsx(AGENT_HEADERS, [agent_row(village="SQ")]))
    r = runner.invoke(args=["import", "agents", str(agents), "--township", "JN", "--dry-run"])
    assert r.exit_code == 1 and "所在村" in r.output  # 石桥村 is not a village of 建宁乡
    r = runner.invoke(args=["import", "agents", str(agents), "--township", "YS", "--dry-run"])
    assert r.exit_code == 0, r.output

    users = tmp_path / "users.xlsx"
    users.write_bytes(
        xlsx(
            USER_HEADERS,
            [
                ["ys_zx", "演示镇窗口", "乡便民中心", None, GOOD_PASSWORD],
                ["ys_db", "演示代办", "村代办员", "SQ", GOOD_PASSWORD],
            ],
        )
    )
    r = runner.invoke(args=["import", "users", str(users), "--township", "JN"])
    assert r.exit_code == 1  # SQ is not in 建宁乡
    r = runner.invoke(args=["import", "users", str(users), "--township", "YS"])
    assert r.exit_code == 0, r.output
    county_row = xlsx(USER_HEADERS, [["ys_x", "县里", "县政务服务中心", None, GOOD_PASSWORD]])
    users.write_bytes(county_row)
    r = runner.invoke(args=["import", "users", str(users), "--township", "YS"])
    assert r.exit_code == 1 and "不能导入Admin、县政务服务中心账号" in r.output
    with app.app_context():
        zx = db.session.execute(select(BmUser).where(BmUser.username == "ys_zx")).scalar()
        db_ = db.session.execute(select(BmUser).where(BmUser.username == "ys_db")).scalar()
        assert (zx.township_id, zx.village_id) == (county.township_b, None)
        assert (db_.township_id, db_.village_id) == (None, world.village_b)


def test_a_township_user_imports_into_their_own_township(app, world, county, login):
    c = login("b_zhongxin")
    r = _upload(c, "villages", xlsx(["村名", "村代码"], [["云湖村", "YH"]]))
    assert r.status_code == 200, r.status_code
    body = r.get_data(as_text=True)
    assert "确认导入（1 条）" in body
    token = body.split('name="token" value="')[1].split('"')[0]
    r = c.post("/import/villages/confirm", data={"token": token})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.execute(select(Village.township_id).where(Village.code == "YH")).scalar() == (
            county.township_b
        )


# --------------------------------------------------------------------------------------
# Village names unique per township (issue 15 §1)
# --------------------------------------------------------------------------------------
def _second_qingshan(county) -> int:
    """A 青山村 in township B too (code QSB): the name is no longer one village."""
    from app.services.villages import create_village

    return create_village({"name": "青山村", "code": "QSB", "township_id": county.township_b}).id


def test_a_name_of_several_townships_needs_the_code(app, world, county):
    from app.security import scoped_to_township

    with app.app_context():
        qsb = _second_qingshan(county)
        agents = xlsx(
            AGENT_HEADERS,
            [
                agent_row(village="青山村"),
                agent_row(name="钱小明", id_number=make_id(dt.date(1994, 2, 3), "112"), village="QSB"),
                agent_row(name="孙小丽", id_number=make_id(dt.date(1994, 2, 4), "122"), village="石桥村"),
            ],
        )
        found = errors_of(imports.dry_run("agents", agents))
        assert found == {2: [("所在村", "多个乡镇都有“青山村”：请填写村代码")]}
        users = xlsx(USER_HEADERS, [["qs_new", "新账号", "村代办员", "青山村", GOOD_PASSWORD]])
        assert errors_of(imports.dry_run("users", users)) == {2: [("所属村", "多个乡镇都有“青山村”：请填写村代码")]}
        # imported into a township (--township, a township user): the name is looked up there
        with scoped_to_township(county.township_b):
            found = errors_of(imports.dry_run("agents", agents))
            assert found == {}
            result = imports.import_file("users", users)
            assert result.saved == 1
        assert db.session.execute(select(BmUser.village_id).where(BmUser.username == "qs_new")).scalar() == qsb
        with scoped_to_township(county.township_a):
            found = errors_of(imports.dry_run("agents", agents))
            assert set(found) == {3, 4}  # QSB and 石桥村 are township B's
            assert found[3] == [("所在村", "找不到村“QSB”：请填写已有的村代码或村名")]


def test_village_import_checks_names_in_its_township_and_codes_in_the_county(app, world, county):
    from app.security import scoped_to_township

    rows = [
        ["青山村", "QSB", None, None, None, None, None],  # 青山村 is township A's: B may have one
        ["石桥村", "SQB", None, None, None, None, None],  # B has a 石桥村 already
        ["新村", "QS", None, None, None, None, None],  # the code is A's: unique in the county
    ]
    with app.app_context(), scoped_to_township(county.township_b):
        found = errors_of(imports.dry_run("villages", xlsx(VILLAGE_HEADERS, rows)))
        assert found == {3: [("村名", "村名“石桥村”已存在")], 4: [("村代码", "村代码“QS”已存在")]}
        result = imports.import_file("villages", xlsx(VILLAGE_HEADERS, rows[:1]))
        assert result.saved == 1
        village = db.session.execute(select(Village).where(Village.code == "QSB")).scalar_one()
        assert (village.name, village.township_id) == ("青山村", county.township_b)
