"""Issue 12 §4: xlsx polish — the 合计 label merged, 来源 in Chinese, the ledger's new columns and
A4 fit, cell padding, and 制表人 / 审核人 as people's names (the user's 姓名, ``--by``)."""

from __future__ import annotations

import datetime as dt

import openpyxl
from sqlalchemy import select

from app.exports.ledger import LEDGER_COLUMNS, LEDGER_FONT_SIZE
from app.exports.xlsx import effective_font_size
from app.extensions import db
from app.models import BmUser, Case
from app.services.exports import SOURCE_LABELS, source_label
from tests.integration.test_exports import add_deduction, approved_sheet, book, cases, download, rows_of  # noqa: F401


def _name(app, username: str, name: str) -> None:
    with app.app_context():
        user = db.session.execute(select(BmUser).where(BmUser.username == username)).scalar_one()
        user.first_name = name
        db.session.commit()


def _merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def test_deductions_total_label_is_merged_and_sources_are_chinese(app, login, world):
    with app.app_context():
        ledger = add_deduction(world, code="5", amount="10", day=dt.date(2026, 9, 9))
        add_deduction(world, code="3", amount="50", day=dt.date(2026, 9, 8))
        review = add_deduction(world, code="5", amount="10", day=dt.date(2026, 9, 10))
        ledger.source_type, review.source_type = "inspection_ledger", "case_review"
        db.session.commit()
    ws = book(download(login("zhongxin"), "/export/deductions?quarter=2026Q3"))
    rows = rows_of(ws)
    total_row = next(i for i, r in enumerate(rows, 1) if r[0] == "合计（不含已撤销）")
    assert f"A{total_row}:F{total_row}" in _merged(ws)  # the label spans 序号…扣款项目: never clipped
    assert rows[total_row - 1][6] == 70
    sources = {r[9] for r in rows[3 : total_row - 1]}
    assert sources == {"督查检查·台账不完整", "督查检查·不在岗", "台账审核·填写不完整"}
    assert not any("_" in (s or "") for s in sources)
    assert ws[f"G{total_row - 1}"].alignment.indent == 1  # padding: money does not touch the border


def test_source_label_never_shows_an_internal_code():
    labels = {k: str(v) for k, v in SOURCE_LABELS.items()}
    assert source_label("inspection_ledger", labels) == "督查检查·台账不完整"
    assert source_label("inspection_something_new", labels) == "督查检查·不在岗"
    assert source_label("brand_new_module", labels) == "其他"
    assert source_label(None, labels) == ""


def test_ledger_has_materials_and_result_columns_and_fits_a4_at_8pt(app, login, cases):  # noqa: F811
    with app.app_context():
        case = db.session.get(Case, cases["a"])
        case.materials_received, case.materials_note = ["户口簿"], "身份证复印件随后补交"
        case.window_result = "已办结，社保卡已发放"
        consult = db.session.get(Case, cases["b"])
        consult.answer_text = "电话告知办理地点"
        db.session.commit()
    ws = book(download(login("zhongxin"), "/export/ledger?from=2026-09-01&to=2026-09-30"))
    rows = rows_of(ws)
    header = rows[2]
    materials, result = header.index("已收材料"), header.index("办理结果/答复")
    assert header[-2:] == ("收据号", "备注")
    body = {r[1]: r for r in rows[3:] if isinstance(r[0], int)}
    with app.app_context():
        number_a = db.session.get(Case, cases["a"]).case_number
        number_b = db.session.get(Case, cases["b"]).case_number
    assert body[number_a][materials] == "户口簿；身份证复印件随后补交"
    assert body[number_a][result] == "已办结，社保卡已发放"
    assert body[number_b][result] == "电话告知办理地点"  # 咨询: the answer
    widths = [0.0] * len(header)
    for dim in ws.column_dimensions.values():  # XlsxWriter writes equal neighbours as one <col min max>
        for i in range(dim.min, dim.max + 1):
            if i <= len(header):
                widths[i - 1] = dim.width
    assert widths[-1] <= 6 and widths[-2] <= 6  # the mostly empty 收据号 / 备注 are narrow
    assert ws["F4"].font.sz == LEDGER_FONT_SIZE
    assert effective_font_size([c.width for c in LEDGER_COLUMNS], LEDGER_FONT_SIZE) >= 8.0
    assert ws.page_setup.orientation == "landscape" and (ws.page_setup.fitToWidth or 1) == 1


def test_ledger_deadlines_never_have_submit_after_complete(app, login, cases):  # noqa: F811
    ws = book(download(login("zhongxin"), "/export/ledger"))
    for r in rows_of(ws)[3:]:
        if isinstance(r[0], int) and r[12] and r[13]:
            assert r[12] <= r[13], r[1]


def test_signatures_are_the_users_name_never_a_login(app, login, world):
    _name(app, "zhongxin", "刘晓梅")
    rows = rows_of(book(download(login("zhongxin"), "/export/deductions")))
    footer = [v for v in rows[-1] if v]
    assert "制表人：刘晓梅" in footer and not any("zhongxin" in v for v in footer)


def test_cli_by_names_the_preparer(app, runner, world, tmp_path):
    _name(app, "zhongxin", "刘晓梅")
    out = tmp_path / "d.xlsx"

    def footer(*extra):
        r = runner.invoke(args=["export", "deductions", "-o", str(out), *extra])
        assert r.exit_code == 0, r.output
        return [v for v in rows_of(openpyxl.load_workbook(out).active)[-1] if v]

    assert "制表人：张三" in footer("--by", "张三")
    assert "制表人：刘晓梅" in footer("--by", "zhongxin")  # a login: that user's 姓名
    plain = footer()
    assert "制表人：" in plain and not any("flask" in v or "system" in v for v in plain)


def test_payout_print_page_is_scoped_and_signed_by_names(app, login, approved_sheet, world):  # noqa: F811
    with app.app_context():
        from app.models import PayoutSheet

        sheet_id = db.session.query(PayoutSheet.id).scalar()
    body = login("zhongxin").get(f"/payoutsheet/print/{sheet_id}").get_data(as_text=True)
    assert "各村便民代办补助发放表" in body and "青山村" in body and "石桥村" in body
    assert "建宁乡人民政府（盖章）" in body and "建宁乡便民服务中心（盖章）" in body and "年　　月　　日" in body
    assert "领款人签名" in body and "合计金额（大写）" in body and "system" not in body
    village_user = login("qs_daiban")
    r = village_user.get(f"/payoutsheet/print/{sheet_id}")
    # as the sheet page itself: a village account has no 补助发放表 access, and sees no other village
    assert r.status_code == village_user.get(f"/payoutsheet/show/{sheet_id}").status_code == 403
    assert "石桥村" not in r.get_data(as_text=True)
    assert login("zhongxin").get("/payoutsheet/print/999999").status_code == 404
