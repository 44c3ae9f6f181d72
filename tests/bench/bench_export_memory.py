"""Memory benchmark of the streaming ledger export (SPEC §11 "Large exports stream in constant memory").

Not a test: run it by hand.

    .venv/bin/python tests/bench/bench_export_memory.py --rows 100000

It writes N/10 and N fake ledger rows (14 columns of Chinese text, dates, datetimes and
money, produced lazily by a generator as a database cursor would) with
``write_table(constant_memory=True)`` to a temporary file, each size in a fresh child
process, and prints rows, seconds, file size and peak memory:

* ``tracemalloc peak`` — peak Python heap during the write (a second run, under
  tracemalloc, which slows it down; its time is not the one reported);
* ``maxrss`` — the child's peak resident set size (``resource.getrusage``), and its
  growth over the RSS after the imports (``Δrss``).

In constant-memory mode both peaks stay flat as N grows ten-fold.  ``--in-memory``
adds the same runs with ``constant_memory=False`` for contrast.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.exports.xlsx import Column, write_table

COLUMNS = [
    Column("序号", 7, "int"),
    Column("受理编号", 14),
    Column("村名", 8),
    Column("代办员", 8),
    Column("申请人", 8),
    Column("身份证号", 20),
    Column("联系电话", 13),
    Column("事项类别", 14),
    Column("代办事项", 22),
    Column("受理时间", 16, "datetime"),
    Column("应报送日期", 11, "date"),
    Column("应办结日期", 11, "date"),
    Column("状态", 8),
    Column("收费（元）", 10, "money"),
]

VILLAGES = [
    ("青山村", "QS"),
    ("石门村", "SM"),
    ("龙潭村", "LT"),
    ("桃源村", "TY"),
    ("新塘村", "XT"),
    ("枫林村", "FL"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英桂兰志强海燕明华春梅小军丽娟德胜玉珍文斌红霞"
CATEGORIES = [
    ("养老、医疗保险", "城乡居民养老保险参保登记"),
    ("低保、五保、救助", "最低生活保障申请"),
    ("证明盖章、党团关系", "居住证明开具"),
    ("粮食、农机补贴", "耕地地力保护补贴申报"),
    ("通讯、电、水费代缴", "代缴电费"),
    ("政策咨询", "新农合报销政策咨询"),
]
STATUSES = ["已受理", "核实中", "已报送", "已办结", "已答复", "不予受理"]


def _name(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.randint(1, 2)))


def fake_ledger(n: int, seed: int = 2026) -> Iterator[tuple]:
    """``n`` ledger rows, generated one at a time (nothing is held in a list)."""
    rnd = random.Random(seed)
    start = datetime(2026, 1, 5, 9, 0)
    for i in range(1, n + 1):
        village, code = rnd.choice(VILLAGES)
        category, item = rnd.choice(CATEGORIES)
        received = start + timedelta(minutes=7 * i)
        yield (
            i,
            f"{code}{received.year}-{i:06d}",
            village,
            _name(rnd),
            _name(rnd),
            f"430123********{rnd.randint(0, 9999):04d}",
            f"138****{rnd.randint(0, 9999):04d}",
            category,
            item,
            received,
            (received + timedelta(days=3)).date(),
            date.fromordinal(received.toordinal() + 5),
            rnd.choice(STATUSES),
            Decimal(rnd.choice(("0", "0", "0", "5.00", "12.50", "30.00"))),
        )


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(rows: int, constant_memory: bool, trace: bool) -> dict:
    """One measured export, in this (fresh) process."""
    baseline = _rss_mib()
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        if trace:
            tracemalloc.start()
        t0 = time.perf_counter()
        written = write_table(
            path,
            title="建宁乡便民代办登记台账",
            columns=COLUMNS,
            rows=fake_ledger(rows),
            subtitle_left="填报单位：建宁乡便民服务中心",
            subtitle_right="2026年",
            sheet_name="台账",
            footer=["单位负责人：", "审核人：", "制表人：", "日期："],
            constant_memory=constant_memory,
        )
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] if trace else None
        if trace:
            tracemalloc.stop()
        size = os.path.getsize(path)
    finally:
        os.unlink(path)
    return {
        "rows": written,
        "seconds": seconds,
        "size": size,
        "tracemalloc_peak": peak,
        "maxrss": _rss_mib(),
        "baseline_rss": baseline,
    }


def run_child(rows: int, constant_memory: bool, trace: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", "--rows", str(rows)]
    if not constant_memory:
        cmd.append("--in-memory")
    if trace:
        cmd.append("--trace")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--rows",
        type=int,
        default=100_000,
        help="largest N (N/10 is run too); default 100000",
    )
    parser.add_argument(
        "--in-memory",
        action="store_true",
        help="also run with constant_memory=False for contrast",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(child(args.rows, constant_memory=not args.in_memory, trace=args.trace)))
        return

    sizes = sorted({max(1, args.rows // 10), args.rows})
    modes = [True, False] if args.in_memory else [True]
    header = (
        f"{'mode':<16}{'rows':>9}{'seconds':>9}{'rows/s':>9}{'file MiB':>10}"
        f"{'tracemalloc peak MiB':>22}{'maxrss MiB':>12}{'Δrss MiB':>10}"
    )
    print(f"write_table, {len(COLUMNS)} columns, Python {sys.version.split()[0]}")
    print(header)
    print("-" * len(header))
    for constant_memory in modes:
        for n in sizes:
            plain = run_child(n, constant_memory, trace=False)
            traced = run_child(n, constant_memory, trace=True)
            mib = 1024 * 1024
            print(
                f"{'constant_memory' if constant_memory else 'in memory':<16}"
                f"{plain['rows']:>9}"
                f"{plain['seconds']:>9.2f}"
                f"{plain['rows'] / plain['seconds']:>9.0f}"
                f"{plain['size'] / mib:>10.2f}"
                f"{traced['tracemalloc_peak'] / mib:>22.2f}"
                f"{plain['maxrss']:>12.1f}"
                f"{plain['maxrss'] - plain['baseline_rss']:>10.1f}"
            )


if __name__ == "__main__":
    main()
