"""Screenshots of pages as a given user, against a throwaway demo database.

    python scripts/screenshots.py USER URL [URL …] [--phone] [--out DIR]

Builds a demo township (flask seed + demo) in a temporary SQLite file, serves it on a free
port, logs in (demo password) and saves full-page PNGs into DIR (default test-artifacts/manual).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("user")
    ap.add_argument("urls", nargs="+")
    ap.add_argument("--phone", action="store_true")
    ap.add_argument("--lang", default="zh")
    ap.add_argument("--out", default=str(ROOT / "test-artifacts" / "manual"))
    ap.add_argument("--db", default=None, help="reuse this SQLite file (created when missing)")
    args = ap.parse_args()

    db_path = args.db or os.path.join(tempfile.mkdtemp(), "shots.sqlite3")
    fresh = not os.path.exists(db_path)
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app

    app = create_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    if fresh:
        with app.app_context():
            upgrade()
        runner = app.test_cli_runner()
        for cmd in (["seed"], ["demo"]):
            result = runner.invoke(args=cmd)
            if result.exit_code:
                print(result.output)
                raise SystemExit(1)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    from playwright.sync_api import sync_playwright

    from seeds.demo import DEMO_PASSWORD
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        viewport = {"width": 390, "height": 844} if args.phone else {"width": 1280, "height": 900}
        page = browser.new_context(locale="zh-CN", viewport=viewport).new_page()
        if args.user != "anonymous":
            page.goto(f"{base}/login/")
            page.fill("input[name=username]", args.user)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("input[type=submit], button[type=submit]")
            page.wait_for_load_state("networkidle")
        page.goto(f"{base}/lang/{args.lang}")
        for url in args.urls:
            page.goto(base + url)
            page.wait_for_load_state("networkidle")
            name = f"{args.user}{url.replace('/', '_').replace('?', '_')}{'-phone' if args.phone else ''}.png"
            page.screenshot(path=str(out / name), full_page=True)
            print(out / name)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
