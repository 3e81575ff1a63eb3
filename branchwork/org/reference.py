"""The roles and officer post types every installation starts with.

A data migration installs them on ``migrate`` (so a fresh production database can grant roles
at once); the demo calls the same function. Existing rows are left as the federation edited
them: only missing codes are added.
"""

from __future__ import annotations

from typing import Any

PERMISSION_NAMES = ("view", "edit", "sensitive", "cases", "money", "admin")

ROLES = [
    # code, ko, ja, en, permissions
    ("viewer", "열람자", "閲覧者", "Viewer", ("view",)),
    ("officer", "간부", "役員", "Officer", ("view", "edit")),
    ("registrar", "등록 담당", "登録担当", "Registrar", ("view", "edit", "sensitive")),
    ("case_worker", "상담원", "相談員", "Case worker", ("view", "cases")),
    ("treasurer", "회계", "会計", "Treasurer", ("view", "money")),
    ("unit_admin", "단위 관리자", "組織管理者", "Unit administrator", ("view", "edit", "admin")),
    (
        "administrator",
        "관리자",
        "管理者",
        "Administrator",
        ("view", "edit", "sensitive", "cases", "money", "admin"),
    ),
]
POST_TYPES = [
    ("chair", "위원장", "委員長", "Chair", 10),
    ("vice_chair", "부위원장", "副委員長", "Vice-chair", 20),
    ("secretary", "서기장", "書記長", "Secretary", 30),
    ("treasurer", "회계", "会計", "Treasurer", 40),
    ("organiser", "조직부장", "組織部長", "Organiser", 50),
    ("group_leader", "반장", "班長", "Group leader", 60),
    # The posts of a school's staff.
    ("principal", "교장", "校長", "Principal", 70),
    ("teacher", "교원", "教員", "Teacher", 80),
    ("school_staff", "학교 직원", "学校職員", "School staff", 90),
]


def install_reference_data(role_model: Any, post_type_model: Any) -> None:
    """Add the default roles and post types that are missing (models may be historical)."""
    for code, ko, ja, en, perms in ROLES:
        role_model.objects.get_or_create(
            code=code,
            defaults={
                "name_ko": ko,
                "name_ja": ja,
                "name_en": en,
                **{f"can_{p}": p in perms for p in PERMISSION_NAMES},
            },
        )
    for code, ko, ja, en, order in POST_TYPES:
        post_type_model.objects.get_or_create(
            code=code, defaults={"name_ko": ko, "name_ja": ja, "name_en": en, "order": order}
        )
