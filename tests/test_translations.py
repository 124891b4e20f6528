"""CI check of the Chinese catalog: no msgid left untranslated or fuzzy, and the committed
``.mo`` holds exactly what the ``.po`` says (so nobody forgets ``compilemessages``)."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

from django.conf import settings

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: flags, msgctxt, msgid, msgid_plural and msgstr forms."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict = {"flags": set(), "msgctxt": None, "msgid": None, "plural": None, "str": {}}
        current = None
        obsolete = False
        for line in block.splitlines():
            if line.startswith("#~"):
                obsolete = True
            elif line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                kind, index = current
                if kind == "str":
                    entry["str"][index] += _unquote(line)
                else:
                    entry[kind] += _unquote(line)
            else:
                keyword, _space, value = line.partition(" ")
                if keyword.startswith("msgstr"):
                    index = int(keyword[7:-1]) if "[" in keyword else 0
                    current = ("str", index)
                    entry["str"][index] = _unquote(value)
                else:
                    current = ({"msgid_plural": "plural"}.get(keyword, keyword), None)
                    entry[current[0]] = _unquote(value)
        if not obsolete and entry["msgid"]:
            entries.append(entry)
    return entries


def test_every_chinese_entry_is_translated_and_not_fuzzy():
    entries = po_entries(CATALOG / "django.po")
    assert len(entries) > 500
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in entries if not all(e["str"].values()) or not e["str"]]
    assert not fuzzy, f"fuzzy zh_Hans entries: {fuzzy}"
    assert not empty, f"untranslated zh_Hans entries: {empty}"


def test_the_compiled_catalog_matches_the_po_file():
    with (CATALOG / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in po_entries(CATALOG / "django.po"):
        key = entry["msgid"]
        if entry["msgctxt"] is not None:
            key = f"{entry['msgctxt']}\x04{key}"
        if entry["plural"] is None:
            assert compiled._catalog.get(key) == entry["str"][0], entry["msgid"]
        else:
            assert compiled._catalog.get((key, 0)) == entry["str"][0], entry["msgid"]


def test_the_console_templates_and_code_have_no_string_outside_the_catalog():
    """Every msgid the console's own code marks is in the catalog (run makemessages)."""
    import re

    known = {e["msgid"] for e in po_entries(CATALOG / "django.po")}
    roots = [Path(settings.BASE_DIR) / d for d in ("registry", "valuation")]
    pattern = re.compile(r'\{% translate "([^"]+)" %\}')
    missing = []
    for root in roots:
        for template in root.rglob("templates/console/*.html"):
            missing += [m for m in pattern.findall(template.read_text()) if m not in known]
    assert not missing, f"run `make messages`; not in the catalog: {missing}"
