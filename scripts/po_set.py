"""Fill or correct catalogue entries: python scripts/po_set.py LANG 'msgid' 'translation' ...

For English, pass anything as the translation: the msgid itself is used. Clears the fuzzy flag of each entry set.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "branchwork" / "locale"


def main(argv: list[str]) -> None:
    lang, pairs = argv[0], argv[1:]
    po = polib.pofile(str(ROOT / lang / "LC_MESSAGES" / "django.po"))
    by_id = {e.msgid: e for e in po}
    for msgid, text in zip(pairs[::2], pairs[1::2], strict=True):
        entry = by_id[msgid]
        if lang == "en":
            text = msgid  # English is the source language: the text is the msgid itself
        if entry.msgid_plural:
            entry.msgstr_plural = {0: text} if lang != "en" else {0: msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        entry.previous_msgid_plural = None
        entry.previous_msgctxt = None
    po.save()


if __name__ == "__main__":
    main(sys.argv[1:])
