"""Print preview of a 补助发放表: xlsx → PDF (LibreOffice headless) → PNG (pdftoppm).

    .venv/bin/python scripts/payout_pdf.py FILE.xlsx            # an exported sheet
    .venv/bin/python scripts/payout_pdf.py --sample             # a 12-village sample sheet
    .venv/bin/python scripts/payout_pdf.py --sample -o test-artifacts --dpi 110

The sample is computed by the payout rules (``app.policy.payout``) for the demo's twelve
villages — an agent change mid-quarter, an agent appointed on the 16th, deductions, a month
capped, village supplements, a vacant village and a name that looks like a formula — and
written by the same writer as the export (``app.exports.payout``). The script prints the
paths of the PDF and the PNG pages and the page count/size, so one can check that the sheet
fits one A4 landscape page wide and reads well.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def sample_sheet(path: Path) -> Path:
    """Write the sample 2026年第三季度 sheet to ``path``."""
    from app.exports.payout import PayoutRow, write_payout_sheet
    from app.policy.payout import AgentTerm, VillageTerm, compute_quarter, render_notes

    names = [
        ("青山村", "QS", "王秀兰", True), ("石桥村", "SQ", "李明", False), ("枫林村", "FL", "赵春梅", True),
        ("荷塘村", "HT", "黄志勇", False), ("白沙村", "BS", "孙丽华", True), ("龙泉村", "LQ", "钱文斌", True),
        ("桃源村", "TY", "胡小燕", False), ("柳溪村", "LX", "朱建军", True), ("松坪村", "SP", "高美玲", False),
        ("金竹村", "JZ", "林国庆", True), ("新塘村", "XT", "曾艳", True), ("梅岭村", "ML", "唐志华", False),
    ]  # fmt: skip
    villages, agents = [], []
    for n, (name, code, agent, deputy) in enumerate(names, 1):
        villages.append(VillageTerm(n, name, code, supplement_per_year=Decimal("0") if deputy else Decimal("1200.00")))
        if code == "HT":
            continue  # vacant all quarter
        if code == "FL":  # agent change mid-August
            agents.append(AgentTerm(100 + n, n, agent, dt.date(2022, 7, 1), dt.date(2026, 8, 15), deputy))
            agents.append(AgentTerm(200 + n, n, "孙小红", dt.date(2026, 8, 16), None, deputy))
            continue
        start = dt.date(2026, 9, 16) if code == "TY" else dt.date(2022, 7, 1)
        label = '=HYPERLINK("http://x","y")' if code == "ML" else agent
        agents.append(AgentTerm(100 + n, n, label, start, None, deputy))
    deductions = {
        (102, 7): {"1": Decimal("30"), "5": Decimal("10")},
        (102, 8): {"3": Decimal("50")},
        (106, 9): {"3": Decimal("500")},  # capped: more than September's share
        (110, 8): {"4": Decimal("30")},
    }
    lines = compute_quarter(2026, 3, villages, agents, deductions)
    rows = [
        PayoutRow(
            seq=i,
            village=line.village_name,
            agent=line.agent_name,
            gross=line.gross,
            deductions=line.deductions,
            deductions_total=line.deductions_total,
            net_township=line.net_township,
            village_supplement=line.village_supplement,
            total=line.total,
            remarks=render_notes(line.notes),
        )
        for i, line in enumerate(lines, 1)
    ]
    write_payout_sheet(
        path,
        township="建宁乡",
        year=2026,
        quarter=3,
        rows=rows,
        prepared_by="乡便民中心",
        reviewed_by="陈主任",
        date_text="2026年10月8日",
        status_text="已审核",
    )
    return path


def to_pdf(xlsx: Path, outdir: Path) -> Path:
    soffice = shutil.which("libreoffice") or shutil.which("soffice")
    if soffice is None:
        raise SystemExit("需要 LibreOffice（apt-get install libreoffice-calc）")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                str(xlsx),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    pdf = outdir / (xlsx.stem + ".pdf")
    if not pdf.exists():
        raise SystemExit(f"LibreOffice 未生成 {pdf}")
    return pdf


def to_png(pdf: Path, dpi: int) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        raise SystemExit("需要 pdftoppm（apt-get install poppler-utils）")
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True, timeout=120)
    return sorted(pdf.parent.glob(prefix.name + "-*.png"))


def pdf_info(pdf: Path) -> str:
    if shutil.which("pdfinfo") is None:
        return ""
    out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return "；".join(line.strip() for line in out.splitlines() if line.startswith(("Pages", "Page size")))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("xlsx", nargs="?", help="an exported 补助发放表 (.xlsx)")
    parser.add_argument("--sample", action="store_true", help="write and convert a 12-village sample sheet")
    parser.add_argument(
        "-o", "--outdir", default=str(ROOT / "test-artifacts"), help="where the PDF/PNG go (default test-artifacts/)"
    )
    parser.add_argument("--dpi", type=int, default=90, help="PNG resolution (default 90)")
    args = parser.parse_args(argv)
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    if args.sample:
        xlsx = sample_sheet(outdir / "payout-sample.xlsx")
    elif args.xlsx:
        xlsx = Path(args.xlsx)
        if not xlsx.exists():
            raise SystemExit(f"文件不存在：{xlsx}")
    else:
        parser.error("给出一个 .xlsx 文件，或用 --sample")
    pdf = to_pdf(xlsx.resolve(), outdir.resolve())
    pngs = to_png(pdf, args.dpi)
    print(f"xlsx: {xlsx}")
    print(f"pdf:  {pdf}  {pdf_info(pdf)}")
    for png in pngs:
        print(f"png:  {png}")


if __name__ == "__main__":
    main()
