"""Every string a person reads is translated into ko, ja and en, and the catalogues are current."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent / "branchwork"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
KANA_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def catalogue(lang: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("lang", ["ko", "ja", "en"])
def test_catalogue_is_complete(lang: str) -> None:
    po = catalogue(lang)
    assert len(po) > 100
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()]
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()]
    for entry in po:
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            assert text.strip(), entry.msgid
            if lang == "ko":
                assert HANGUL.search(text) and text != entry.msgid, entry.msgid
            if lang == "ja":
                assert KANA_KANJI.search(text) and text != entry.msgid, entry.msgid
            for placeholder in re.findall(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}", entry.msgid):
                assert placeholder.replace(" ", "") in text.replace(" ", ""), (entry.msgid, text)


def test_catalogues_hold_every_string_in_the_source(tmp_path: Path) -> None:
    """makemessages on the current source finds nothing that the catalogues lack."""
    if not shutil.which("xgettext"):
        pytest.fail("gettext (xgettext) is needed to check the catalogues")
    work = tmp_path / "branchwork"
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo"))
    django_admin = Path(shutil.which("django-admin") or "")
    venv_admin = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "django-admin"
    cmd = str(venv_admin if venv_admin.exists() else django_admin)
    subprocess.run(
        [cmd, "makemessages", "-l", "ko", "--no-location", "--no-obsolete"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    fresh = {
        (e.msgid, e.msgctxt) for e in polib.pofile(str(work / "locale/ko/LC_MESSAGES/django.po"))
    }
    have = {(e.msgid, e.msgctxt) for e in catalogue("ko") if not e.obsolete}
    missing = fresh - have
    assert not missing, f"run makemessages and translate: {sorted(m[0] for m in missing)[:20]}"


def test_pages_are_served_in_each_language(db: None) -> None:
    from django.test import Client

    for lang, word in (("ko", "로그인"), ("ja", "ログイン"), ("en", "Sign in")):
        client = Client()
        client.cookies["django_language"] = lang
        page = client.get("/accounts/login/").content.decode()
        assert f'<html lang="{lang}">' in page
        assert word in page, lang
