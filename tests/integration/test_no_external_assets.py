"""Offline by design (SPEC §10 “no CDN, all assets served by the app”; STYLE “all assets
local”): no template or static file, and no rendered page, refers to an http(s) host other
than the app's own — not for scripts, styles, fonts, images, frames or links."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.integration.test_dashboard import freeze, seed_dashboard_data

APP_DIR = Path(__file__).resolve().parents[2] / "app"
TEXT_SUFFIXES = {".html", ".htm", ".jinja", ".j2", ".css", ".js", ".mjs", ".svg", ".json", ".txt", ".xml"}

# src=/href=/action=/poster=/data= (HTML, SVG xlink:href, JS string assignments like el.src = "…"),
# CSS url(…) and @import, JS fetch/import/XMLHttpRequest.open of an absolute or protocol-relative URL.
EXTERNAL = [
    re.compile(r"""\b(?:src|href|action|poster|data|srcset)\s*=\s*["']?\s*((?:https?:)?//[^\s"'<>)]+)""", re.I),
    re.compile(r"""url\(\s*["']?\s*((?:https?:)?//[^\s"')]+)""", re.I),
    re.compile(r"""@import\s+["']((?:https?:)?//[^"']+)""", re.I),
    re.compile(r"""\b(?:fetch|import|open)\(\s*(?:["'](?:GET|POST)["']\s*,\s*)?["']((?:https?:)?//[^"']+)""", re.I),
]


def _files():
    for folder in ("templates", "static"):
        for path in sorted((APP_DIR / folder).rglob("*")):
            if path.is_file() and path.suffix.lower() in TEXT_SUFFIXES:
                yield path


def external_urls(text: str, own_hosts: frozenset[str] = frozenset()) -> list[str]:
    found = []
    for pattern in EXTERNAL:
        for url in pattern.findall(text):
            host = urlsplit(url if "://" in url else "http:" + url).hostname or ""
            if host not in own_hosts:
                found.append(url)
    return found


def test_the_scanner_catches_what_it_must():
    assert external_urls('<script src="https://cdn.jsdelivr.net/npm/echarts"></script>')
    assert external_urls("<link href='//fonts.googleapis.com/css?family=Noto'>")
    assert external_urls("body{background:url(https://example.com/x.png)}")
    assert external_urls('@import "https://example.com/a.css";')
    assert external_urls('fetch("https://api.example.com/data")')
    assert external_urls('<img src="http://localhost/x.png">', frozenset({"localhost"})) == []
    assert external_urls('<svg xmlns="http://www.w3.org/2000/svg">') == []
    assert external_urls('<a href="/public/QS">') == []


def test_no_template_or_static_file_refers_to_an_external_asset():
    checked = 0
    offenders = {}
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        urls = external_urls(text)
        if urls:
            offenders[str(path.relative_to(APP_DIR))] = urls[:5]
        checked += 1
    assert checked > 10
    assert offenders == {}


def test_echarts_is_vendored():
    vendor = APP_DIR / "static" / "vendor" / "echarts"
    assert (vendor / "echarts.common.min.js").stat().st_size > 100_000
    assert "Apache License" in (vendor / "LICENSE").read_text(encoding="utf-8")


@pytest.fixture
def data(app, world, monkeypatch):
    freeze(monkeypatch)
    with app.app_context():
        return seed_dashboard_data(world)


def test_rendered_pages_load_nothing_from_other_hosts(client, login, data):
    own = frozenset({"localhost"})
    pages = {
        None: ["/", "/public/", "/public/QS"],
        "zhongxin": [
            "/",
            "/dashboard/village/QS",
            "/notices/",
            "/notices/card/QS",
            "/notices/board/QS",
            "/notices/bulletin/QS",
        ],
        "qs_daiban": ["/"],
        "qs_shuji": ["/"],
    }
    for user, urls in pages.items():
        c = login(user) if user else client
        for url in urls:
            r = c.get(url)
            assert r.status_code == 200, (user, url)
            assert external_urls(r.get_data(as_text=True), own) == [], (user, url)
