"""Both catalogs are complete and compiled (Chinese first, English second)."""

import importlib.util
import re
from pathlib import Path

from babel.messages.mofile import read_mo

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("i18n", ROOT / "scripts" / "i18n.py")
i18n = importlib.util.module_from_spec(spec)
spec.loader.exec_module(i18n)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_no_untranslated_entries():
    assert i18n.missing("zh") == []
    assert i18n.missing("en") == []


def test_english_keeps_every_placeholder_and_mo_is_current():
    with (ROOT / "translations/en/LC_MESSAGES/messages.mo").open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    for msgid, text in compiled.items():
        if isinstance(msgid, str):
            assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid
    assert compiled.get("代办员列表") == "Agents"
