"""The case categories a new installation starts with (administrators add, rename or retire
them afterwards). Installed by a migration and again by ``ensure_reference_data``."""

from __future__ import annotations

from typing import Any

from branchwork.org.models import install_list

CASE_CATEGORIES = [
    ("livelihood", "생활", "生活", "Livelihood"),
    ("family_business", "가업·경영", "家業・経営", "Family business"),
    ("legal_residency", "법률·체류", "法律・在留", "Legal and residency"),
    ("discrimination", "차별·혐오", "差別・ヘイト", "Discrimination or hate incident"),
    ("health", "건강", "健康", "Health"),
    ("elderly_care", "고령자 돌봄", "高齢者の見守り", "Elderly care"),
    ("education", "교육", "教育", "Education"),
]


def install_case_categories(model: Any) -> None:
    """Add the default entries that are missing (the model may be historical)."""
    install_list(model, CASE_CATEGORIES)
