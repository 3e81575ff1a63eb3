"""``make audit``'s allow-list: every allowed advisory carries its reason."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("audit_script", ROOT / "scripts" / "audit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_entries_need_a_reason() -> None:
    audit = _module()
    text = "# comment\n\nPYSEC-2026-1  the parser is never given untrusted input\n"
    assert audit.allowed(text) == {"PYSEC-2026-1": "the parser is never given untrusted input"}
    with pytest.raises(ValueError, match="line 2: GHSA-xxxx has no reason"):
        audit.allowed("# header\nGHSA-xxxx\n")


def test_the_projects_allow_list_is_valid() -> None:
    audit = _module()
    assert isinstance(audit.allowed((ROOT / "audit-allow.txt").read_text(encoding="utf-8")), dict)
