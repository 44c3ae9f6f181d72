"""Issue 12 §1: QR codes of the printed notices open PUBLIC_BASE_URL, not the request's host."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from app.exports.qr import qr_png, reachable_by_villagers
from tests.integration.test_notices import data  # noqa: F401  (fixture)

WARNING = "二维码地址为本机地址，村民手机无法打开；请设置 PUBLIC_BASE_URL"


def decode(png: bytes, tmp_path) -> str:
    if not shutil.which("zbarimg"):
        # a newcomer's machine may lack it (skip with the reason); under CI it must be there
        message = "zbarimg 未安装：apt-get install zbar-tools（.ci/run 已包含）"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://bm.jianning.gov.cn", True),
        ("http://61.187.1.2:8080/", True),
        ("", False),
        (None, False),
        ("http://127.0.0.1:5601", False),
        ("http://localhost:5000", False),
        ("http://192.168.1.20", False),
        ("http://10.0.0.5", False),
        ("http://172.20.1.1", False),
        ("http://[::1]:5000", False),
        ("http://bm.local", False),
        ("http://server", False),
        ("ftp://bm.jianning.gov.cn", False),
    ],
)
def test_reachable_by_villagers(url, ok):
    assert reachable_by_villagers(url) is ok


def test_the_qr_decodes_to_public_base_url(app, login, data, tmp_path):  # noqa: F811
    app.config["PUBLIC_BASE_URL"] = "https://bm.jianning.gov.cn/"
    try:
        c = login("zhongxin")
        png = c.get("/public/QS/qr.png").data
        assert decode(png, tmp_path) == "https://bm.jianning.gov.cn/public/QS"
        for kind in ("card", "board", "bulletin"):
            body = c.get(f"/notices/{kind}/QS").get_data(as_text=True)
            assert "https://bm.jianning.gov.cn/public/QS" in body, kind  # printed under the QR
            assert WARNING not in body, kind
    finally:
        app.config["PUBLIC_BASE_URL"] = ""


def test_without_public_base_url_the_print_pages_warn_the_staff(app, login, data, tmp_path):  # noqa: F811
    app.config["PUBLIC_BASE_URL"] = ""
    c = login("zhongxin")
    assert decode(c.get("/public/QS/qr.png").data, tmp_path) == "http://localhost/public/QS"
    for url in ("/notices/card/QS", "/notices/board/QS", "/notices/bulletin/QS", "/notices/"):
        body = c.get(url).get_data(as_text=True)
        assert WARNING in body, url
    assert qr_png("x")[:4] == b"\x89PNG"
