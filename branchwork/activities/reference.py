"""The kinds of event a new installation starts with (administrators add, rename or retire
kinds afterwards). Installed by a migration and again by ``ensure_reference_data``, which
tests and the demo call after a database is emptied."""

from __future__ import annotations

from typing import Any

from branchwork.org.models import install_list

EVENT_KINDS = [
    ("cultural", "문화 행사", "文化行事", "Cultural event"),
    ("sport", "체육 행사", "スポーツ行事", "Sport"),
    ("language_class", "우리말 교실", "ウリマル教室", "Korean language class"),
    ("information", "설명회", "説明会", "Information session"),
    ("commemoration", "기념 행사", "記念行事", "Commemoration"),
    ("friendship", "교류 행사", "交流行事", "Friendship and joint event"),
    ("meeting", "회의", "会議", "Meeting"),
]


def install_event_kinds(model: Any) -> None:
    """Add the default entries that are missing (the model may be historical)."""
    install_list(model, EVENT_KINDS)
