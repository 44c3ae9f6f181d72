"""Message catalogs: extract → update zh/en → fill zh → compile.

Our msgids are Chinese (the app is Chinese first), so the zh catalog maps each Chinese
msgid to itself; only FAB's English strings (app/fab_strings.py) carry a real zh text,
kept in translations/fab_zh.json. The en catalog holds the English translations.

    python scripts/i18n.py            # extract, update, fill zh, compile
    python scripts/i18n.py --compile  # compile only (setup)
    python scripts/i18n.py --check    # exit 1 if any msgid lacks a translation
    python scripts/i18n.py --import-json a.json b.json  # merge {msgid: English} into en
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("zh", "en")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _po(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def extract() -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "--sort-output",
            "--project",
            "bmdb",
            "-o",
            str(POT),
            str(ROOT),
        ],
        check=True,
        cwd=ROOT,
    )
    for locale in LOCALES:
        cmd = "update" if _po(locale).exists() else "init"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                cmd,
                "-i",
                str(POT),
                "-d",
                str(TRANSLATIONS),
                "-l",
                locale,
                *(["--no-fuzzy-matching", "--ignore-obsolete"] if cmd == "update" else []),
            ],
            check=True,
            cwd=ROOT,
        )


def fill_zh() -> None:
    fab_zh = json.loads((TRANSLATIONS / "fab_zh.json").read_text(encoding="utf-8"))
    path = _po("zh")
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        if CJK.search(message.id):
            message.string = message.id
        elif message.id in fab_zh:
            message.string = fab_zh[message.id]
        message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False)


def compile_all() -> None:
    for locale in LOCALES:
        path = _po(locale)
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


def missing(locale: str) -> list[str]:
    with _po(locale).open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    return [m.id for m in catalog if m.id and isinstance(m.id, str) and (not m.string or m.fuzzy)]


def import_json(locale: str, paths: list[str]) -> int:
    """Merge {msgid: translation} JSON files into a catalog (existing entries only)."""
    mapping: dict[str, str] = {}
    for p in paths:
        mapping.update(json.loads(Path(p).read_text(encoding="utf-8")))
    path = _po(locale)
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    n = 0
    for message in catalog:
        if message.id in mapping and mapping[message.id]:
            message.string = mapping[message.id]
            message.flags.discard("fuzzy")
            n += 1
    with path.open("wb") as fh:
        write_po(fh, catalog)  # wrapped as ``pybabel update`` wraps it: no churn between the two
    return n


def main(argv: list[str]) -> int:
    if argv[:1] == ["--import-json"]:
        print(f"en: {import_json('en', argv[1:])} translations merged")
        compile_all()
        return 0
    if "--compile" in argv:
        compile_all()
        return 0
    if "--check" in argv:
        bad = {loc: missing(loc) for loc in LOCALES}
        for loc, ids in bad.items():
            for i in ids:
                print(f"{loc}: untranslated: {i}")
        return 1 if any(bad.values()) else 0
    extract()
    fill_zh()
    compile_all()
    for loc in LOCALES:
        print(f"{loc}: {len(missing(loc))} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
