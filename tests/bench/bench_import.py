"""Timing of the Excel import (issue 15 §2: “a 10,000-row file imports in ≤ 30 s”), through the
service exactly as the page and ``flask import`` use it: ``services.imports.dry_run`` and
``import_file`` (read with openpyxl read-only → the forms' checks → one transaction).

Not a test: run it by hand.

    .venv/bin/python tests/bench/bench_import.py --rows 10000
    .venv/bin/python tests/bench/bench_import.py --rows 10000 --kind agents
    .venv/bin/python tests/bench/bench_import.py --rows 1000 --kind users --hash scrypt
    .venv/bin/python tests/bench/bench_import.py --rows 10000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/bmdb_import

``villages``: N new villages (the 10,000-row case). ``agents``: N 拟任 agents spread over 12
villages (only one 在岗 agent per village is possible, so the rows are candidates). ``users``:
N 村代办员 accounts; every account's password is hashed on saving — with production's scrypt
that is the cost that dominates (``--hash`` chooses the method; the default is a fast pbkdf2
to time the rest of the import).

It prints the file size and the seconds of the file build, the dry run and the import (wall
and CPU time), and fails (exit 1) when the import takes longer than ``--limit`` seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def village_code(n: int) -> str:
    letters = ""
    for _ in range(4):
        n, r = divmod(n, 26)
        letters = chr(ord("A") + r) + letters
    return "V" + letters


def build_file(kind: str, rows: int) -> bytes:
    import xlsxwriter

    from app.policy.idcard import id_check_digit

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet()
    if kind == "villages":
        header = ["村名", "村代码", "代办点地址", "服务电话", "村党支部书记", "启用", "村级补助（元/年）"]
        make = lambda n: [  # noqa: E731
            f"测试村{village_code(n)}",
            village_code(n),
            f"建宁乡测试村{n}便民服务代办点",
            "0731-84562001",
            "测试书记",
            "是",
            "1200.00",
        ]
    elif kind == "agents":
        header = [
            "姓名",
            "身份证号",
            "手机号码",
            "文化程度",
            "代办员级别",
            "所在村",
            "产生方式",
            "本村长期居住",
            "状态",
        ]

        def make(n):
            birth = dt.date(1990, 1, 1) + dt.timedelta(days=n // 1000)  # with n % 1000: unique
            first17 = f"430123{birth:%Y%m%d}{n % 1000:03d}"
            return [
                f"代办员{n}",
                first17 + id_check_digit(first17),
                "13973100001",
                "高中",
                "村级",
                f"B{chr(65 + n % 12)}",
                "自聘",
                "是",
                "拟任",
            ]
    else:
        header = ["用户名", "姓名", "角色", "所属村", "初始密码"]
        make = lambda n: [f"bench_{n}", f"账号{n}", "村代办员", f"B{chr(65 + n % 12)}", "Bench#Pass2026"]  # noqa: E731
    sheet.write_row(0, 0, header)
    for n in range(rows):
        sheet.write_row(n + 1, 0, make(n))
    book.close()
    return out.getvalue()


def run(args) -> int:
    import logging

    from flask_appbuilder import Model

    from app import create_app
    from app.extensions import db
    from app.models import Village
    from app.policy.roles import ROLES
    from app.services import imports

    logging.disable(logging.WARNING)
    tmp = tempfile.mkdtemp(prefix="bench-import-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS={},
        SECRET_KEY="bench-" + uuid.uuid4().hex,
        TESTING=True,
        UPLOAD_FOLDER=tmp,
        IMPORT_MAX_ROWS=max(args.rows, 20_000),
        FAB_PASSWORD_HASH_METHOD=args.hash,
    )
    with app.app_context():
        Model.metadata.drop_all(db.engine)
        Model.metadata.create_all(db.engine)
        sm = app.appbuilder.sm
        for role in ROLES:
            if sm.find_role(role) is None:
                sm.add_role(role)
        for n in range(12):
            db.session.add(Village(name=f"基准村{n}", code=f"B{chr(65 + n)}"))
        db.session.commit()
        t0 = time.perf_counter()
        data = build_file(args.kind, args.rows)
        built = time.perf_counter() - t0
        imports.check_size(len(data))

        t0, c0 = time.perf_counter(), time.process_time()
        checked = imports.dry_run(args.kind, data)
        dry_wall, dry_cpu = time.perf_counter() - t0, time.process_time() - c0
        assert checked.ok, checked.error_lines()[:5]

        t0, c0 = time.perf_counter(), time.process_time()
        result = imports.import_file(args.kind, data, filename="bench.xlsx")
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert result.ok and result.saved == args.rows, result.error_lines()[:5]
        if args.database_url:
            Model.metadata.drop_all(db.engine)
    size = len(data) / 1024 / 1024
    print(f"kind={args.kind} rows={args.rows} file={size:.2f} MB (built in {built:.1f} s) hash={args.hash}")
    print(f"dry run: {dry_wall:.1f} s wall, {dry_cpu:.1f} s CPU")
    print(f"import (check again + save in one transaction): {wall:.1f} s wall, {cpu:.1f} s CPU")
    if wall > args.limit:
        print(f"SLOWER than the limit of {args.limit} s")
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--kind", choices=("villages", "agents", "users"), default="villages")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--hash", default="pbkdf2:sha256:1000", help="FAB_PASSWORD_HASH_METHOD (users)")
    parser.add_argument("--limit", type=float, default=30.0, help="seconds the import may take")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
