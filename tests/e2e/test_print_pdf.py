"""Issue 12 §2: every print page, rendered by Chromium to PDF (page.pdf), is one A4 page and
carries the office's seal place — （盖章） with 年 月 日 — in Chinese dates, not ISO.

The PDFs (and a PNG of each page) are left in test-artifacts/ to look at."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.e2e.conftest import ARTIFACTS, ui_login
from tests.integration.test_dashboard import freeze, seed_dashboard_data

A4_POINTS = (595, 842)
SEAL_DATE = re.compile(r"年\s*月\s*日")


@pytest.fixture
def print_data(app, world, monkeypatch):
    freeze(monkeypatch)
    with app.app_context():
        from app.extensions import db
        from app.models import Case
        from app.services import payouts

        seed_dashboard_data(world)
        sheet = payouts.compute_sheet({"quarter": "2026Q3"}, today=__import__("datetime").date(2026, 11, 26))
        case = db.session.query(Case).filter(Case.case_number == "QS2026-0004").one()
        return {"case": case.id, "item": case.service_item_id, "sheet": sheet.id}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} 未安装：apt-get install poppler-utils（.ci/run 已包含）"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def _pdf(page, base: str, url: str, name: str) -> tuple[int, str, str]:
    page.goto(base + url)
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"print-{name}.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    page.emulate_media(media="screen")
    info = subprocess.run([_tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M)
    text = subprocess.run(
        [_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(
        [_tool("pdftoppm"), "-png", "-r", "50", "-singlefile", str(path), str(ARTIFACTS / f"print-{name}")], check=True
    )
    dims = sorted(round(float(v)) for v in size.groups())
    return pages, text, "x".join(str(d) for d in dims)


def test_every_print_page_is_one_a4_page_with_a_seal_place(live_server, page, print_data):
    ui_login(page, live_server, "zhongxin")
    docs = {
        "receipt": (f"/casedoc/receipt/{print_data['case']}", "便民服务代办点（盖章）"),
        "notice": (f"/casedoc/notice/{print_data['case']}", "申请人签收"),
        "card": ("/notices/card/QS", "代办事项明白卡"),
        "board": ("/notices/board/QS", "村民委员会（盖章）"),
        "bulletin": ("/notices/bulletin/QS?month=2026-11", "村民委员会（盖章）"),
        "payout": (f"/payoutsheet/print/{print_data['sheet']}", "人民政府（盖章）"),
    }
    for name, (url, mark) in docs.items():
        pages, text, dims = _pdf(page, live_server, url, name)
        assert pages == 1, (name, pages)
        assert dims == "595x842", (name, dims)  # A4 (portrait or landscape)
        flat = re.sub(r"\s+", "", text)
        assert re.sub(r"\s+", "", mark) in flat, (name, mark)
        assert not re.search(r"20\d\d-\d\d-\d\d", text), (name, "ISO date")
        if name != "card":
            assert "盖章" in flat or "签收" in flat, name
            assert SEAL_DATE.search(text), (name, "年 月 日")
        if name in ("card", "board", "bulletin"):
            assert "/public/QS" in flat, name  # the QR's address under it
    assert "2026年11月26日" in _pdf(page, live_server, "/notices/board/QS", "board")[1].replace(" ", "")
