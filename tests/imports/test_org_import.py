"""Importing the organisation from files the test writes (CSV in UTF-8 and CP932, XLSX): units
in any order, territories, officers and grants, row by row, idempotent, audited, scoped."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from branchwork.access import audit
from branchwork.access.models import AuditEvent, Grant, User
from branchwork.core.errors import PermissionDeniedError
from branchwork.imports import org_import, services
from branchwork.imports.models import ImportIssue, ImportJob
from branchwork.imports.report import MESSAGES, describe
from branchwork.org.models import Post, PostType, Term, TerritoryArea, Unit, path_segment
from tests.conftest import MARK_B, Federation, make_person, make_user

pytestmark = pytest.mark.django_db

UNIT_HEADER = [
    "コード",
    "上部組織",
    "種別",
    "名称(韓国語)",
    "名称(日本語)",
    "名称(英語)",
    "郵便番号",
    "住所",
    "電話",
    "メール",
]


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(
    kind: str,
    data: bytes,
    actor: Any = None,
    unit: Unit | None = None,
    filename: str = "file.csv",
    dry_run: bool = False,
) -> tuple[ImportJob, Any]:
    job = services.create_import(
        actor=actor, kind=kind, filename=filename, data=data, unit=unit, dry_run=dry_run
    )
    result = services.run(job)
    job.refresh_from_db()
    return job, result


def report(job: ImportJob) -> dict[int, list[tuple[str, str, str]]]:
    """Row → [(level, code, column)] of the job's stored report."""
    out: dict[int, list[tuple[str, str, str]]] = {}
    for issue in ImportIssue.objects.filter(job=job):
        out.setdefault(issue.row, []).append((issue.level, issue.code, issue.column))
    return out


def codes(job: ImportJob) -> dict[int, set[str]]:
    return {row: {code for _l, code, _c in lines} for row, lines in report(job).items()}


def no_marker(job: ImportJob) -> None:
    """Nothing of branch B's records in the report: neither its words nor its parameters."""
    for issue in ImportIssue.objects.filter(job=job):
        assert MARK_B not in describe(issue.code, issue.params)
        assert MARK_B.lower() not in json.dumps(issue.params, ensure_ascii=False).lower()
        assert MARK_B not in issue.column


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def test_a_file_without_a_needed_column_fails_with_a_message(federation: Federation) -> None:
    data = csv_bytes(["名称(日本語)"], [["新支部"]])
    job = services.create_import(actor=None, kind="units", filename="u.csv", data=data)
    with pytest.raises(ValidationError) as caught:
        services.run(job)
    assert "Code" in caught.value.messages[0]
    job.refresh_from_db()
    assert job.status == "failed"


def test_the_module_registers_the_four_kinds() -> None:
    for kind in ("units", "territories", "officers", "grants"):
        assert kind in services.IMPORTERS
    assert set(org_import.MESSAGES) <= set(MESSAGES)


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------


def test_units_in_any_order_row_by_row(federation: Federation) -> None:
    rows = [
        # 2: a group listed before its branch
        ["G-N1", "N1", "分会", "새1 분회", "新1分会", "New 1 Group", "", "", "", ""],
        # 3: the branch, under an existing region
        [
            "N1",
            "R2",
            "支部",
            "새1 지부",
            "新1支部",
            "New 1 Branch",
            "〒543-0001",
            "大阪市天王寺区上本町1-1",
            "06-6771-0001",
            "N1@Example.org",
        ],
        # 4: an unknown parent
        ["X1", "NOPE", "支部", "엑스 지부", "X支部", "X Branch", "", "", "", ""],
        # 5: a region under a branch: the wrong kind
        ["W1", "A", "本部", "더블유 본부", "W本部", "W HQ", "", "", "", ""],
        # 6: under the rejected row 5
        ["W2", "W1", "分会", "더블유 분회", "W分会", "W Group", "", "", "", ""],
        # 7: imported, its bad phone left out and flagged
        ["N2", "R2", "지부", "새2 지부", "新2支部", "New 2 Branch", "", "", "12", ""],
        # 8: already recorded exactly so
        ["A1", "A", "班", "A1 지부", "A1支部", "A1 unit", "", "", "", ""],
        # 9: not a code
        ["bad code!", "R2", "支部", "나쁜", "悪", "Bad", "", "", "", ""],
        # 10: a new unit without its English name
        ["N3", "R2", "branch", "새3 지부", "新3支部", "", "", "", "", ""],
        # 11: the code of row 3 again
        ["N1", "R2", "支部", "중복", "重複", "Twice", "", "", "", ""],
        # 12, 13: parents that go round in a circle
        ["Y1", "Y2", "group", "와이1", "Y1", "Y1", "", "", "", ""],
        ["Y2", "Y1", "group", "와이2", "Y2", "Y2", "", "", "", ""],
        # 14: an affiliated body, kind in English words, under the new branch
        ["WU-N1", "N1", "Women's union", "새1 여성동맹", "新1女性同盟", "New 1 WU", "", "", "", ""],
        # 15: a kind nobody knows
        ["Z1", "R2", "部会", "제트", "Z", "Z", "", "", "", ""],
    ]
    before = AuditEvent.objects.count()
    job, result = run("units", csv_bytes(UNIT_HEADER, rows), filename="units.csv")
    assert job.status == "done"
    assert job.mapping == {
        "code": 0,
        "parent": 1,
        "kind": 2,
        "name_ko": 3,
        "name_ja": 4,
        "name_en": 5,
        "postal_code": 6,
        "address": 7,
        "public_phone": 8,
        "public_email": 9,
    }
    got = report(job)
    assert 2 not in got and 3 not in got and 14 not in got
    assert got[4] == [("rejected", "parent_unknown", "上部組織")]
    assert got[5] == [("rejected", "kind_not_allowed", "種別")]
    assert got[6] == [("rejected", "parent_rejected", "上部組織")]
    assert got[7] == [("flagged", "phone_invalid", "電話")]
    assert got[8] == [("decision", "unit_unchanged", "")]
    assert got[9] == [("rejected", "code_invalid", "コード")]
    assert got[10] == [("rejected", "unit_name_missing", "名称(英語)")]
    assert got[11] == [("rejected", "code_twice", "コード")]
    assert got[12] == [("rejected", "parent_cycle", "上部組織")]
    assert got[13] == [("rejected", "parent_cycle", "上部組織")]
    assert got[15] == [("rejected", "kind_unknown", "種別")]
    issues = {i.row: i for i in result.issues}
    assert issues[4].params == {"code": "NOPE"}
    assert issues[6].params == {"row": 5}
    assert issues[11].params == {"code": "N1", "row": 3}
    assert describe("parent_rejected", issues[6].params).startswith("Its parent unit (row 5)")
    assert result.counts == {
        "rows": 14,
        "created": 4,
        "updated": 0,
        "unchanged": 1,
        "rejected": 9,
        "flagged": 1,
    }
    assert job.counts["created"] == 4

    n1, g, n2, wu = unit("N1"), unit("G-N1"), unit("N2"), unit("WU-N1")
    assert n1.parent == federation.r2 and n1.kind == "branch" and n1.depth == 2
    assert n1.path == federation.r2.path + path_segment(n1.pk)
    assert g.parent == n1 and g.kind == "group" and g.path == n1.path + path_segment(g.pk)
    assert wu.parent == n1 and wu.kind == "womens_union"
    assert (n1.name_ko, n1.name_ja, n1.name_en) == ("새1 지부", "新1支部", "New 1 Branch")
    assert n1.postal_code == "5430001" and n1.address == "大阪市天王寺区上本町1-1"
    assert n1.public_phone == "06-6771-0001" and n1.public_email == "n1@example.org"
    assert n2.public_phone == ""
    assert set(result.created_ids) == {n1.pk, g.pk, n2.pk, wu.pk}
    for code in ("X1", "W1", "W2", "N3", "Y1", "Y2", "Z1"):
        assert not Unit.objects.filter(code=code).exists()
    # The subtree query finds the new units under their region.
    assert set(federation.r2.subtree().values_list("code", flat=True)) >= {"N1", "G-N1", "WU-N1"}
    created = AuditEvent.objects.filter(seq__gt=before, action="create", object_type="org.unit")
    assert {e.object_id for e in created} == {str(u.pk) for u in (n1, g, n2, wu)}
    assert AuditEvent.objects.filter(seq__gt=before, action="import").count() == 1
    assert audit.verify_chain() == (True, None)


def test_units_again_change_nothing_and_a_changed_name_updates_it_through_the_cli(
    federation: Federation, tmp_path: Path
) -> None:
    rows = [
        ["G-N1", "N1", "分会", "새1 분회", "新1分会", "New 1 Group", "", "", "", ""],
        ["N1", "R2", "支部", "새1 지부", "新1支部", "New 1 Branch", "5430001", "", "", ""],
    ]
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes(UNIT_HEADER, rows, "utf-8-sig"))
    call_command("import", "units", str(path), stdout=io.StringIO())
    first = ImportJob.objects.latest("id")
    assert first.counts["created"] == 2
    n1 = unit("N1")
    assert unit("G-N1").parent == n1

    seq = AuditEvent.objects.latest("seq").seq
    call_command("import", "units", str(path), stdout=io.StringIO())
    again = ImportJob.objects.latest("id")
    assert again.counts["created"] == 0 and again.counts["unchanged"] == 2
    assert codes(again) == {2: {"unit_unchanged"}, 3: {"unit_unchanged"}}
    assert not AuditEvent.objects.filter(seq__gt=seq).exclude(action="import").exists()
    assert Unit.objects.filter(code__in=["N1", "G-N1"]).count() == 2

    # One name changed, and the group's parent named otherwise: updated, not moved.
    rows[1][4] = "新1支部（改称）"
    rows[0][1] = "A"
    path.write_bytes(csv_bytes(UNIT_HEADER, rows, "utf-8-sig"))
    seq = AuditEvent.objects.latest("seq").seq
    call_command("import", "units", str(path), stdout=io.StringIO())
    changed = ImportJob.objects.latest("id")
    assert changed.counts["updated"] == 1 and changed.counts["unchanged"] == 1
    assert codes(changed) == {2: {"unit_unchanged", "not_moved"}, 3: {"unit_updated"}}
    issue = ImportIssue.objects.get(job=changed, code="unit_updated")
    assert issue.object_id == n1.pk and issue.params["columns"] == "名称(日本語)"
    n1.refresh_from_db()
    assert n1.name_ja == "新1支部(改称)"  # width folded, as every cell
    assert unit("G-N1").parent == n1
    update = AuditEvent.objects.get(seq__gt=seq, action="update")
    assert (update.object_type, update.object_id, update.fields) == (
        "org.unit",
        str(n1.pk),
        ["name_ja"],
    )


def test_units_dry_run_writes_nothing_and_reports_everything(federation: Federation) -> None:
    rows = [
        ["G-N1", "N1", "group", "새1 분회", "新1分会", "New 1 Group", "", "", "", ""],
        ["N1", "R2", "branch", "새1 지부", "新1支部", "New 1 Branch", "", "", "", ""],
        ["X1", "NOPE", "branch", "엑스", "X", "X", "", "", "", ""],
    ]
    units, events = Unit.objects.count(), AuditEvent.objects.count()
    job, result = run("units", csv_bytes(UNIT_HEADER, rows), dry_run=True)
    assert result.counts["created"] == 2 and result.counts["rejected"] == 1
    assert codes(job) == {4: {"parent_unknown"}}
    assert Unit.objects.count() == units and AuditEvent.objects.count() == events


def test_an_admin_of_a_creates_units_only_under_a_and_learns_nothing_of_b(
    federation: Federation,
) -> None:
    rows = [
        ["A2", "A", "group", "A2 분회", "A2分会", "A2 group", "", "", "", ""],
        ["B2", "B", "group", "B2 분회", "B2分会", "B2 group", "", "", "", ""],
        ["R9", "FED", "region", "R9", "R9", "R9", "", "", "", ""],
        ["B1", "B", "group", "B1", "B1", "B1", "", "", "", ""],
        ["A1", "A", "group", "A1 지부", "A1支部", "A1 unit", "", "", "", ""],
    ]
    job, result = run(
        "units", csv_bytes(UNIT_HEADER, rows), actor=federation.admin_a, unit=federation.a
    )
    assert codes(job) == {
        3: {"parent_unknown"},
        4: {"parent_unknown"},
        5: {"code_taken"},
        6: {"unit_unchanged"},
    }
    assert unit("A2").parent == federation.a
    assert AuditEvent.objects.filter(
        action="create", object_type="org.unit", actor=federation.admin_a
    ).exists()
    no_marker(job)
    # An officer (no administration) may not import units at all.
    with pytest.raises(PermissionDeniedError):
        services.create_import(
            actor=federation.officer_a,
            kind="units",
            filename="u.csv",
            data=csv_bytes(UNIT_HEADER, rows),
            unit=federation.a,
        )


def test_three_thousand_units_and_thirty_thousand_territories_are_fast(
    federation: Federation,
) -> None:
    rows = []
    for b in range(300):
        rows.append([f"NB{b:03d}", "R2", "支部", f"지부{b}", f"支部{b}", f"Branch {b}"] + [""] * 4)
        for g in range(9):
            rows.append(
                [f"NG{b:03d}{g}", f"NB{b:03d}", "分会", f"분회{g}", f"分会{g}", f"G{g}"] + [""] * 4
            )
    rows.reverse()  # every child before its parent
    started = time.perf_counter()
    job, result = run("units", csv_bytes(UNIT_HEADER, rows))
    units_seconds = time.perf_counter() - started
    assert result.counts["created"] == 3000 and result.counts["rejected"] == 0
    assert Unit.objects.filter(path__startswith=federation.r2.path).count() == 3002

    territory_rows = [
        [f"NG{(i // 10) % 300:03d}{i % 9}", "郵便番号", f"{1000000 + i:07d}", f"地区{i}"]
        for i in range(30_000)
    ]
    data = csv_bytes(["組織コード", "種別", "値", "ラベル"], territory_rows)
    started = time.perf_counter()
    job, result = run("territories", data)
    territories_seconds = time.perf_counter() - started
    assert result.counts["created"] == 30_000, codes(job)
    print(result.timings)
    started = time.perf_counter()
    job, result = run("territories", data)
    again_seconds = time.perf_counter() - started
    assert result.counts["unchanged"] == 30_000
    print(result.timings)
    print(
        f"\n3,000 units {units_seconds:.2f}s; 30,000 territories {territories_seconds:.2f}s,"
        f" again {again_seconds:.2f}s"
    )
    assert units_seconds < 30 and territories_seconds < 60


# --------------------------------------------------------------------------------------------
# Territories
# --------------------------------------------------------------------------------------------

TERRITORY_HEADER = ["組織コード", "種別", "値", "ラベル"]
TERRITORY_ROWS = [
    ["A", "郵便番号", "〒544-01", "生野区 東部"],  # 2: created
    ["A", "", "５４４０", ""],  # 3: A has it already
    ["A1", "市区町村", "27116", "生野区"],  # 4: a municipality, created
    ["A", "郵便番号", "5430", "取り合い"],  # 5: the sibling B's
    ["A", "郵便番号", "54x", ""],  # 6: not a prefix
    ["A1", "postal", "544-0002", ""],  # 7: created
    ["A1", "郵便", "5440002", ""],  # 8: the same as row 7
    ["A", "postal", "5440002", ""],  # 9: row 7 gives it to A1
    ["B", "郵便番号", "5431", ""],  # 10: another branch
    ["B1", "郵便番号", "5432", ""],  # 11: another branch's group
    ["A", "町内", "5445", ""],  # 12: no such kind
]


def test_territories_from_a_cp932_file_by_an_admin_of_a(federation: Federation) -> None:
    data = csv_bytes(TERRITORY_HEADER, TERRITORY_ROWS, "cp932")
    job, result = run("territories", data, actor=federation.admin_a, unit=federation.a)
    assert job.encoding == "cp932"
    assert job.mapping == {"unit": 0, "kind": 1, "value": 2, "label": 3}
    got = report(job)
    assert 2 not in got and 4 not in got and 7 not in got
    assert got[3] == [("decision", "territory_unchanged", "")]
    assert got[5] == [("rejected", "territory_claimed", "値")]  # B is not named
    assert got[6] == [("rejected", "postal_prefix_invalid", "値")]
    assert got[8] == [("decision", "territory_repeated", "値")]
    assert got[9] == [("rejected", "territory_in_file", "値")]
    assert got[10] == [("rejected", "unknown_unit", "組織コード")]
    assert got[11] == [("rejected", "unknown_unit", "組織コード")]
    assert got[12] == [("rejected", "territory_kind_unknown", "種別")]
    assert {i.row: i.params for i in result.issues if i.level == "rejected"}[5] == {}
    assert result.counts == {
        "rows": 11,
        "created": 3,
        "updated": 0,
        "unchanged": 2,
        "rejected": 6,
        "flagged": 0,
    }
    areas = {
        (a.unit.code, a.kind, a.value, a.label)
        for a in TerritoryArea.objects.filter(unit__in=[federation.a, federation.a1])
    }
    assert areas == {
        ("A", "postal", "54401", "生野区 東部"),
        ("A", "postal", "5440", ""),
        ("A1", "municipality", "27116", "生野区"),
        ("A1", "postal", "5440002", ""),
    }
    assert TerritoryArea.objects.get(value="5430").unit == federation.b
    events = AuditEvent.objects.filter(object_type="org.territoryarea", actor=federation.admin_a)
    assert events.filter(action="create").count() == 3
    no_marker(job)

    # Again: nothing new. Then a new label: updated, audited.
    job, result = run("territories", data, actor=federation.admin_a, unit=federation.a)
    assert result.counts["created"] == 0 and result.counts["updated"] == 0
    assert result.counts["unchanged"] == 5
    rows = [list(r) for r in TERRITORY_ROWS]
    rows[1][3] = "新しい名前"
    data = csv_bytes(TERRITORY_HEADER, rows, "cp932")
    job, result = run("territories", data, actor=federation.admin_a, unit=federation.a)
    assert report(job)[3] == [("decision", "territory_updated", "ラベル")]
    assert result.counts["updated"] == 1 and result.counts["unchanged"] == 4
    assert TerritoryArea.objects.get(value="5440").label == "新しい名前"
    assert list(events.filter(action="update").values_list("fields", flat=True)) == [["label"]]
    no_marker(job)


def test_the_system_is_told_which_unit_holds_a_claimed_area(federation: Federation) -> None:
    data = csv_bytes(TERRITORY_HEADER, [["A", "郵便番号", "543-0", ""]], "cp932")
    job, result = run("territories", data)
    assert [(i.code, i.params) for i in result.issues] == [("territory_claimed_by", {"code": "B"})]


# --------------------------------------------------------------------------------------------
# Officers
# --------------------------------------------------------------------------------------------

OFFICER_HEADER = ["組織コード", "役職", "人物番号", "開始日", "終了日"]


def test_officers_from_an_xlsx_file_by_an_officer_of_a(federation: Federation) -> None:
    fed = federation
    existing = Term.objects.get(unit=fed.a, person=fed.person_a)
    other = make_person(fed.a, family="박")
    rows: list[list[Any]] = [
        ["A", "副委員長", other.pk, "令和6年4月1日", ""],  # 2: created (the post is added)
        ["A1", "group_leader", f"#{fed.person_a.pk}", dt.date(2024, 5, 1), None],  # 3: created
        ["A", "chair", fed.person_a.pk, existing.start, existing.end],  # 4: unchanged
        ["B", "chair", fed.person_b.pk, "2024-01-01", ""],  # 5: another branch
        ["A", "chair", fed.person_b.pk, "2024-01-01", ""],  # 6: another branch's person
        ["A", "社長", fed.person_a.pk, "2024-01-01", ""],  # 7: no such post
        ["A", "위원장", fed.person_a.pk, "2024-01-01", "2023-01-01"],  # 8: ends before it starts
        ["B1", "group_leader", fed.person_b.pk, "2024-01-01", ""],  # 9: another branch's group
        ["A", "vice_chair", other.pk, "2024-04-01", ""],  # 10: row 2 again
        ["A", "chair", "abc", "2024-01-01", ""],  # 11: not a number
        ["A", "chair", 999999, "2024-01-01", ""],  # 12: nobody
        ["A", "chair", fed.person_a.pk, "昭和64年2月1日", ""],  # 13: no such date
    ]
    job, result = run(
        "officers",
        xlsx_bytes(OFFICER_HEADER, rows),
        actor=fed.officer_a,
        unit=fed.a,
        filename="officers.xlsx",
    )
    assert job.file_format == "xlsx"
    got = report(job)
    assert got[2] == [("decision", "post_added", "役職")]
    assert got[3] == [("decision", "post_added", "役職")]
    assert got[4] == [("decision", "term_unchanged", "")]
    assert got[5] == [("rejected", "unknown_unit", "組織コード")]
    assert got[6] == [("rejected", "id_unknown", "人物番号")]
    assert got[7] == [("rejected", "post_unknown", "役職")]
    assert got[8] == [("rejected", "term_end_before_start", "終了日")]
    assert got[9] == [("rejected", "unknown_unit", "組織コード")]
    assert got[10] == [("decision", "term_repeated", "")]
    assert got[11] == [("rejected", "id_invalid", "人物番号")]
    assert got[12] == [("rejected", "id_unknown", "人物番号")]
    assert got[13] == [("rejected", "date_not_in_era", "開始日")]
    assert result.counts == {
        "rows": 12,
        "created": 2,
        "updated": 0,
        "unchanged": 2,
        "rejected": 8,
        "flagged": 0,
    }
    vice = Term.objects.get(unit=fed.a, post_type__code="vice_chair")
    assert (vice.person, vice.start, vice.end) == (other, dt.date(2024, 4, 1), None)
    leader = Term.objects.get(unit=fed.a1, post_type__code="group_leader")
    assert (leader.person, leader.start, leader.origin_unit) == (
        fed.person_a,
        dt.date(2024, 5, 1),
        fed.a1,
    )
    assert Post.objects.filter(unit=fed.a1, post_type__code="group_leader").exists()
    assert (
        AuditEvent.objects.filter(
            action="create", object_type="org.term", actor=fed.officer_a
        ).count()
        == 2
    )
    assert Term.objects.filter(unit=fed.b).count() == 1  # B untouched
    no_marker(job)


def test_officers_through_the_cli_as_the_system_again_and_again(
    federation: Federation, tmp_path: Path
) -> None:
    fed = federation
    rows = [
        ["A", "書記長", str(fed.person_a.pk), "2024-04-01", ""],
        ["B", "委員長", str(fed.person_b.pk), "2024-04-01", "2025-03-31"],
    ]
    path = tmp_path / "officers.csv"
    path.write_bytes(csv_bytes(OFFICER_HEADER, rows, "cp932"))
    call_command("import", "officers", str(path), stdout=io.StringIO())
    job = ImportJob.objects.latest("id")
    assert job.counts["created"] == 2, codes(job)
    assert codes(job) == {2: {"post_added"}}
    assert Term.objects.filter(unit=fed.b, start=dt.date(2024, 4, 1)).get().person == fed.person_b
    events = AuditEvent.objects.filter(object_type="org.term", action="create", actor=None)
    assert events.count() == 2

    rows[1][4] = "2025-06-30"  # a changed end: updated
    path.write_bytes(csv_bytes(OFFICER_HEADER, rows, "cp932"))
    call_command("import", "officers", str(path), stdout=io.StringIO())
    job = ImportJob.objects.latest("id")
    assert (job.counts["created"], job.counts["updated"], job.counts["unchanged"]) == (0, 1, 1)
    assert Term.objects.get(unit=fed.b, start=dt.date(2024, 4, 1)).end == dt.date(2025, 6, 30)
    assert PostType.objects.get(code="secretary").posts.filter(unit=fed.a).get().seats == 1


# --------------------------------------------------------------------------------------------
# Grants
# --------------------------------------------------------------------------------------------

GRANT_HEADER = ["ユーザー名", "役割", "組織コード", "有効終了日"]


def test_grants_by_an_admin_of_a_within_its_own_permissions(federation: Federation) -> None:
    fed = federation
    newbie = make_user("newbie")
    for name in ("twin1", "twin2"):
        make_user(name)
    User.objects.filter(username__startswith="twin").update(email="twin@example.org")
    rows = [
        ["newbie", "officer", "A", ""],  # 2: created
        ["newbie", "administrator", "A", ""],  # 3: beyond the admin's own permissions
        ["NEWBIE@example.org", "閲覧者", "A1", "2099-12-31"],  # 4: by e-mail, by name: created
        ["nobody", "viewer", "A", ""],  # 5: no such user
        ["newbie", "viewer", "B", ""],  # 6: another branch
        ["newbie", "役員", "A1", "2020-01-01"],  # 7: ends before it starts
        ["newbie", "boss", "A", ""],  # 8: no such role
        ["twin@example.org", "viewer", "A", ""],  # 9: two users have this address
        ["newbie", "Officer", "A", ""],  # 10: row 2 again
    ]
    data = csv_bytes(GRANT_HEADER, rows)
    job, result = run("grants", data, actor=fed.admin_a, unit=fed.a)
    got = report(job)
    assert 2 not in got and 4 not in got
    assert got[3] == [("rejected", "grant_beyond_own", "役割")]
    assert got[5] == [("rejected", "user_unknown", "ユーザー名")]
    assert got[6] == [("rejected", "unknown_unit", "組織コード")]
    assert got[7] == [("rejected", "grant_end_before_start", "有効終了日")]
    assert got[8] == [("rejected", "role_unknown", "役割")]
    assert got[9] == [("rejected", "email_ambiguous", "ユーザー名")]
    assert got[10] == [("decision", "grant_repeated", "")]
    assert describe("grant_beyond_own", {}) == (
        "You cannot grant a role with permissions you do not hold yourself."
    )
    grants = {(g.role.code, g.unit.code, g.valid_until) for g in Grant.objects.filter(user=newbie)}
    assert grants == {("officer", "A", None), ("viewer", "A1", dt.date(2099, 12, 31))}
    assert all(g.granted_by == fed.admin_a for g in Grant.objects.filter(user=newbie))
    assert AuditEvent.objects.filter(action="grant", actor=fed.admin_a).count() == 2
    no_marker(job)

    job, result = run("grants", data, actor=fed.admin_a, unit=fed.a)
    assert result.counts["created"] == 0 and result.counts["unchanged"] == 3
    assert Grant.objects.filter(user=newbie).count() == 2


def test_a_grant_file_from_an_xlsx_as_the_system(federation: Federation) -> None:
    newbie: User = make_user("newbie")
    rows: list[list[Any]] = [["newbie", "administrator", "FED", dt.date(2099, 1, 1)]]
    job, result = run("grants", xlsx_bytes(GRANT_HEADER, rows), filename="g.xlsx")
    assert result.counts["created"] == 1
    grant = Grant.objects.get(user=newbie)
    assert (grant.role.code, grant.unit, grant.valid_until, grant.granted_by) == (
        "administrator",
        federation.fed,
        dt.date(2099, 1, 1),
        None,
    )
