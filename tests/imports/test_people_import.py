"""Importing people from real files the test writes: CP932 and UTF-8 (with a byte order mark)
CSV and XLSX, every date and postal form, and the rows branches get wrong."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command

from branchwork.access.models import AuditEvent
from branchwork.imports import services
from branchwork.imports.models import ImportIssue, ImportJob
from branchwork.people.models import Household, HouseholdMember, Membership, Person
from tests.conftest import MARK_B, Federation

HEADER = [
    "氏名",
    "フリガナ",
    "性別",
    "生年月日",
    "郵便番号",
    "住所",
    "電話番号",
    "携帯",
    "メール",
    "備考",
]


def csv_bytes(rows: list[list[str]], encoding: str, header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
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
    data: bytes, unit: Any, actor: Any = None, filename: str = "people.csv", **kw: Any
) -> ImportJob:
    job = services.create_import(
        actor=actor, kind="people", filename=filename, data=data, unit=unit, **kw
    )
    services.run(job)
    job.refresh_from_db()
    return job


def issues(job: ImportJob, level: str | None = None) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    qs = ImportIssue.objects.filter(job=job)
    if level:
        qs = qs.filter(level=level)
    for issue in qs:
        out.setdefault(issue.row, []).append((issue.column, issue.code))
    return out


def person(family_kanji: str, given_kanji: str) -> Person:
    return Person.objects.get(family_name_kanji=family_kanji, given_name_kanji=given_kanji)


ROWS = [
    # 2: CP932 kanji, era date, 〒 with hyphen, full-width e-mail
    [
        "金 英洙",
        "キム ヨンス",
        "男",
        "昭和50年3月2日",
        "〒544-0001",
        "大阪市生野区新今里1-2-3",
        "06-6711-1234",
        "090-1234-5678",
        "ＫＩＭ＠example.com",
        "",
    ],
    # 3: spouse with another family name at the same address (written differently)
    [
        "李 英子",
        "イ ヨンジャ",
        "女",
        "S52.4.1",
        "５４４０００１",
        "大阪府大阪市生野区新今里1丁目2番3号",
        "",
        "０８０－１１１１－２２２２",
        "",
        "",
    ],
    # 4: a date that does not exist in its era
    [
        "朴 春子",
        "パク チュンジャ",
        "女",
        "昭和64年2月1日",
        "544-0001",
        "大阪市生野区新今里5-5",
        "",
        "",
        "",
        "",
    ],
    # 5: no name at all
    ["", "", "", "1990-01-01", "544-0001", "大阪市生野区新今里5-6", "", "", "", ""],
    # 6: a formula cell, a bad phone, an unknown postal code, a bad e-mail
    [
        "崔 一郎",
        "チェ イチロウ",
        "男",
        "H元.1.8",
        "999-9999",
        "どこか",
        "abc",
        "",
        "bad@",
        '=HYPERLINK("http://x","y")',
    ],
    # 7: markup in a name, month-only western date, postal without hyphen, 元年
    ["<b>鄭</b> 美子", "", "女", "1960年5月", "5440002", "大阪市生野区小路2-2", "", "", "", ""],
    # 8: 令和元年, compact date, the other branch's territory (B's 5430)
    [
        "姜 次郎",
        "カン ジロウ",
        "男",
        "令和元年5月1日",
        "543-0001",
        "大阪市天王寺区上本町1-1",
        "",
        "",
        "",
        "",
    ],
    # 9: a 5,000-character cell in the name; 10: 5,000 characters of notes are fine
    ["尹" + "あ" * 4999, "", "", "", "", "", "", "", "", ""],
    [
        "徐 花子",
        "ソ ハナコ",
        "女",
        "1980/12/31",
        "〒５４４－０００２",
        "大阪市生野区小路3-3",
        "",
        "",
        "",
        "メモ" * 2500,
    ],
]


@pytest.mark.parametrize(
    ("encoding", "filename"),
    [("cp932", "people.csv"), ("utf-8-sig", "people.csv"), ("xlsx", "people.xlsx")],
)
def test_a_branch_file_row_by_row(federation: Federation, encoding: str, filename: str) -> None:
    rows = [list(r) for r in ROWS]
    data = xlsx_bytes(rows) if encoding == "xlsx" else csv_bytes(rows, encoding)
    job = run(data, federation.a, actor=federation.officer_a, filename=filename)
    assert job.status == "done"
    if encoding != "xlsx":
        assert job.encoding == encoding
    found = issues(job)
    by_name = {r[0]: i + 2 for i, r in enumerate(rows)}

    kim = person("金", "英洙")
    assert (kim.family_name_kana, kim.given_name_kana) == ("キム", "ヨンス")
    assert kim.sex == "male" and kim.birth_date == dt.date(1975, 3, 2)
    assert kim.birth_precision == "day"
    assert kim.postal_code == "5440001"
    assert kim.address == "大阪府大阪市生野区新今里1-2-3"  # prefecture put in front
    assert (kim.phone, kim.mobile) == ("+81667111234", "+819012345678")
    assert kim.email == "kim@example.com"
    assert kim.unit == federation.a  # by territory 5440

    lee = person("李", "英子")
    assert lee.birth_date == dt.date(1977, 4, 1) and lee.mobile == "+818011112222"
    # Spouses with different family names at one address: one household, the first its head.
    kim_home = HouseholdMember.objects.get(person=kim)
    lee_home = HouseholdMember.objects.get(person=lee)
    assert kim_home.household_id == lee_home.household_id
    assert (kim_home.relation, lee_home.relation) == ("head", "other")

    assert found[by_name["朴 春子"]] == [("生年月日", "date_not_in_era")]
    assert not Person.objects.filter(family_name_kanji="朴").exists()
    assert found[by_name[""]] == [("", "name_missing")]

    choi_row = by_name["崔 一郎"]
    assert sorted(found[choi_row]) == sorted(
        [
            ("備考", "formula"),
            ("郵便番号", "postal_unknown"),
            ("電話番号", "phone_invalid"),
            ("メール", "email_invalid"),
            ("郵便番号", "unplaced_no_postal"),
        ]
    )
    choi = person("崔", "一郎")
    assert choi.notes == "" and choi.phone == "" and choi.email == "" and choi.postal_code == ""
    assert choi.birth_date == dt.date(1989, 1, 8)
    assert choi.unit == federation.a  # the import's unit, listed to be placed

    jung = Person.objects.get(given_name_kanji="美子")
    assert jung.family_name_kanji == "<b>鄭</b>"  # markup kept as text, escaped when shown
    assert (jung.birth_date, jung.birth_precision) == (dt.date(1960, 5, 1), "month")

    # B's territory is not officer A's: placed in A and listed.
    kang = person("姜", "次郎")
    assert kang.birth_date == dt.date(2019, 5, 1) and kang.unit == federation.a
    assert ("郵便番号", "unplaced") in found[by_name["姜 次郎"]]

    long_row = next(i for i, r in enumerate(rows) if r[0].startswith("尹")) + 2
    assert found[long_row] == [("氏名", "too_long")]
    seo = person("徐", "花子")
    assert len(seo.notes) == 5000

    assert job.counts["created"] == 6
    assert job.counts["rejected"] == 3
    created = AuditEvent.objects.filter(action="create", object_type="people.person")
    assert created.count() == 6
    assert AuditEvent.objects.filter(action="import", object_id=str(job.pk)).count() == 1


def test_the_same_rows_again_create_nothing_and_a_changed_cell_updates_that_field(
    federation: Federation,
) -> None:
    rows = [list(r) for r in ROWS[:3]] + [list(ROWS[6]), list(ROWS[8])]
    first = run(csv_bytes(rows, "utf-8"), federation.a, actor=federation.officer_a)
    assert first.counts["created"] == 4
    people = Person.objects.count()
    homes = Household.objects.count()

    again = run(csv_bytes(rows, "cp932"), federation.a, actor=federation.officer_a)
    assert again.counts.get("created", 0) == 0 and again.counts["unchanged"] == 4
    reordered = run(csv_bytes(rows[::-1], "utf-8"), federation.a, actor=federation.officer_a)
    assert reordered.counts.get("created", 0) == 0 and reordered.counts["unchanged"] == 4
    assert (Person.objects.count(), Household.objects.count()) == (people, homes)

    rows[1][7] = "080-3333-4444"  # one cell changed: Lee's mobile
    events = AuditEvent.objects.count()
    changed = run(
        csv_bytes(rows, "utf-8"), federation.a, actor=federation.officer_a, on_duplicate="update"
    )
    assert changed.counts["updated"] == 1 and changed.counts["unchanged"] == 3
    lee = person("李", "英子")
    assert lee.mobile == "+818033334444" and lee.version == 2
    update = AuditEvent.objects.filter(seq__gt=events, action="update").get()
    assert (update.object_id, update.fields) == (str(lee.pk), ["mobile"])
    assert Person.objects.count() == people

    # With the default policy the registry's record is kept and the row reported.
    rows[1][7] = "080-5555-6666"
    skipped = run(csv_bytes(rows, "utf-8"), federation.a, actor=federation.officer_a)
    assert skipped.counts["skipped"] == 1
    assert person("李", "英子").mobile == "+818033334444"
    issue = ImportIssue.objects.get(job=skipped, code="skipped")
    assert issue.object_id == lee.pk and issue.params["fields"] == ["mobile"]


def test_duplicates_within_the_file_follow_the_policy(federation: Federation) -> None:
    rows = [list(ROWS[0]), list(ROWS[0]), list(ROWS[0])]
    rows[2][8] = "other@example.com"  # the same person with another e-mail
    skipped = run(csv_bytes(rows, "utf-8"), federation.a, actor=federation.officer_a)
    assert skipped.counts["created"] == 1 and skipped.counts["skipped"] == 2
    assert Person.objects.filter(family_name_kanji="金", given_name_kanji="英洙").count() == 1

    rows = [list(ROWS[1]), list(ROWS[1])]
    rows[1][8] = "lee@example.com"
    merged = run(
        csv_bytes(rows, "utf-8"), federation.a, actor=federation.officer_a, on_duplicate="update"
    )
    assert merged.counts["created"] == 1 and merged.counts["merged"] == 1
    assert person("李", "英子").email == "lee@example.com"


def test_ask_holds_a_possible_duplicate_for_a_person(federation: Federation) -> None:
    run(csv_bytes([list(ROWS[0])], "utf-8"), federation.a, actor=federation.officer_a)
    row = list(ROWS[0])
    row[7] = "090-9999-8888"
    held = run(
        csv_bytes([row], "utf-8"), federation.a, actor=federation.officer_a, on_duplicate="ask"
    )
    assert held.counts["held"] == 1
    issue = ImportIssue.objects.get(job=held, code="held")
    assert issue.values is not None and issue.values["mobile"] == "+819099998888"
    assert person("金", "英洙").mobile == "+819012345678"


def test_an_explicit_household_column_wins_over_the_address(federation: Federation) -> None:
    header = ["姓", "名", "生年月日", "郵便番号", "住所", "世帯番号", "続柄", "会員区分"]
    rows = [
        ["金", "一", "1950-01-01", "544-0001", "大阪市生野区新今里1-1", "H1", "世帯主", "会員"],
        ["金", "二", "1952-01-01", "544-0001", "大阪市生野区新今里9-9", "H1", "妻", "賛助会員"],
        ["金", "三", "1980-01-01", "544-0001", "大阪市生野区新今里1-1", "H2", "本人", ""],
    ]
    job = run(csv_bytes(rows, "utf-8", header), federation.a, actor=federation.officer_a)
    assert job.counts["created"] == 3 and job.counts["households_created"] == 2
    one, two, three = (person("金", g) for g in "一二三")
    home = HouseholdMember.objects.get(person=one).household_id
    assert HouseholdMember.objects.get(person=two).household_id == home
    assert HouseholdMember.objects.get(person=three).household_id != home
    assert HouseholdMember.objects.get(person=two).relation == "spouse"
    assert Membership.objects.get(person=one).status == "member"
    assert Membership.objects.get(person=two).status == "supporter"
    assert Membership.objects.get(person=one).body == federation.fed
    assert not Membership.objects.filter(person=three).exists()


def test_a_household_column_without_addresses_makes_households_the_branch_places(
    federation: Federation,
) -> None:
    """Rows with a household number and a postal code but no address share a household with no
    address, placed by the postal code's territory; a row with neither is flagged."""
    header = ["姓", "名", "生年月日", "郵便番号", "世帯番号"]
    rows = [
        ["朴", "一", "1950-01-01", "544-0001", "H1"],
        ["朴", "二", "1952-01-01", "544-0001", "H1"],
        ["朴", "三", "1980-01-01", "", ""],
    ]
    job = run(csv_bytes(rows, "utf-8", header), federation.a, actor=federation.officer_a)
    assert job.counts["created"] == 3 and job.counts["households_created"] == 1
    one, two, three = (person("朴", g) for g in "一二三")
    home = HouseholdMember.objects.get(person=one).household
    assert HouseholdMember.objects.get(person=two).household == home
    assert home.address == "" and home.postal_code == "5440001"
    assert not HouseholdMember.objects.filter(person=three).exists()
    assert job.issues.filter(row=4, code="no_address").exists()


def test_dry_run_writes_nothing_but_reports_everything(federation: Federation) -> None:
    people = Person.objects.count()
    job = run(csv_bytes(ROWS, "utf-8"), federation.a, actor=federation.officer_a, dry_run=True)
    assert Person.objects.count() == people
    assert job.counts["created"] == 6 and job.counts["rejected"] == 3
    assert ImportIssue.objects.filter(job=job, code="date_not_in_era").exists()


def test_an_officer_cannot_import_into_another_branch_nor_learn_of_its_people(
    federation: Federation,
) -> None:
    from branchwork.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.create_import(
            actor=federation.officer_a,
            kind="people",
            filename="x.csv",
            data=csv_bytes([list(ROWS[0])], "utf-8"),
            unit=federation.b,
        )
    # B's person, written in A's file: not matched against B's record, nor named.
    header = ["姓", "名", "姓(ハングル)", "名(ハングル)"]
    rows = [[f"金{MARK_B}", "民洙", f"김{MARK_B}", "민수"]]
    job = run(csv_bytes(rows, "utf-8", header), federation.a, actor=federation.officer_a)
    assert job.counts["created"] == 1
    for issue in ImportIssue.objects.filter(job=job):
        assert issue.object_id != federation.person_b.pk
    assert Person.objects.filter(family_name_kanji=f"金{MARK_B}").count() == 2


def test_the_command_line_imports_and_reports(federation: Federation, tmp_path: Any) -> None:
    path = tmp_path / "branch.csv"
    path.write_bytes(csv_bytes(ROWS[:2], "cp932"))
    report = tmp_path / "report.csv"
    out = io.StringIO()
    call_command("import", "people", str(path), "--unit", "A", "--report", str(report), stdout=out)
    assert Person.objects.filter(family_name_kanji__in=["金", "李"]).count() == 3  # + fixture's
    text = report.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Row,Column")
    call_command("import", "people", str(path), "--unit", "A", "--dry-run", stdout=out)
    assert ImportJob.objects.latest("id").counts["unchanged"] == 2


def test_the_audit_chain_holds_after_an_import(federation: Federation) -> None:
    from branchwork.access import audit

    job = run(csv_bytes(ROWS, "utf-8"), federation.a, actor=federation.officer_a)
    assert job.counts["created"] == 6
    assert audit.verify_chain() == (True, None)


def test_a_registry_number_outside_the_importers_units_is_unknown(federation: Federation) -> None:
    header = ["登録番号", "氏名", "携帯"]
    rows = [[str(federation.person_b.pk), "金 民洙", "090-1111-2222"]]
    job = run(csv_bytes(rows, "utf-8", header), federation.a, actor=federation.officer_a)
    issue = ImportIssue.objects.get(job=job)
    assert (issue.code, issue.level) == ("id_unknown", "rejected")
    federation.person_b.refresh_from_db()
    assert federation.person_b.mobile == ""
    assert MARK_B not in str(issue.params)


def test_a_later_row_of_a_registry_person_updates_that_person(federation: Federation) -> None:
    run(csv_bytes([list(ROWS[0])], "utf-8"), federation.a, actor=federation.officer_a)
    again, changed = list(ROWS[0]), list(ROWS[0])
    changed[7] = "090-7777-6666"
    job = run(
        csv_bytes([again, changed], "utf-8"),
        federation.a,
        actor=federation.officer_a,
        on_duplicate="update",
    )
    assert job.counts["unchanged"] == 1 and job.counts["updated"] == 1
    assert person("金", "英洙").mobile == "+819077776666"


def test_an_edit_made_while_the_file_is_imported_wins(federation: Federation) -> None:
    from branchwork.people.services import update_person

    run(csv_bytes([list(ROWS[0])], "utf-8"), federation.a, actor=federation.officer_a)
    kim = person("金", "英洙")
    row = list(ROWS[0])
    row[7] = "090-7777-6666"
    job = services.create_import(
        actor=federation.officer_a,
        kind="people",
        filename="p.csv",
        data=csv_bytes([row], "utf-8"),
        unit=federation.a,
        on_duplicate="ask",
    )

    def meanwhile(*_args: Any) -> str:  # an officer edits the record as the import runs
        update_person(actor=federation.officer_a, person=kim, version=kim.version, notes="x")
        return "update"

    services.run(job, ask=meanwhile)
    job.refresh_from_db()
    assert job.counts["skipped"] == 1
    assert ImportIssue.objects.get(job=job, code="changed_meanwhile").object_id == kim.pk
    kim.refresh_from_db()
    assert (kim.mobile, kim.notes) == ("+819012345678", "x")


@pytest.mark.parametrize("processes", [1, 2])
def test_a_large_file_is_matched_as_it_is_read_with_the_same_outcomes(
    federation: Federation, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    """Files longer than SCAN_FROM rows read the registry first and match each row as it is
    normalised (from PARALLEL_FROM rows, the later half normalised by a forked process);
    people are written a chunk at a time. Every path decides every row alike."""
    from branchwork.imports import people_import
    from branchwork.imports.report import issue_text

    monkeypatch.setattr(people_import, "SCAN_FROM", 0)
    monkeypatch.setattr(people_import, "WRITE_CHUNK", 2)
    if processes == 2:
        if not people_import._may_fork():
            pytest.skip("forking a helper needs Linux, one thread and two CPUs")
        monkeypatch.setattr(people_import, "PARALLEL_FROM", 0)
        forked = []

        class Helper(people_import._Helper):
            def close(self) -> None:
                if self.pid is not None:
                    forked.append((self.split, self.finished))
                super().close()

        monkeypatch.setattr(people_import, "_Helper", Helper)
    rows = [list(r) for r in ROWS[:3]] + [list(ROWS[6]), list(ROWS[8])]
    first = run(csv_bytes(rows, "utf-8"), federation.a, actor=federation.officer_a)
    assert first.counts["created"] == 4 and first.counts["households_created"] == 3
    kim, lee = person("金", "英洙"), person("李", "英子")
    assert HouseholdMember.objects.get(person=kim).household_id == (
        HouseholdMember.objects.get(person=lee).household_id
    )

    again = run(csv_bytes(rows[::-1], "cp932"), federation.a, actor=federation.officer_a)
    assert again.counts.get("created", 0) == 0 and again.counts["unchanged"] == 4
    unchanged = ImportIssue.objects.get(job=again, code="unchanged", object_id=kim.pk)
    assert f"#{kim.pk}" in issue_text(unchanged)

    # A changed cell, the same person twice in the file, and a registry person's later row.
    rows[1][7] = "080-3333-4444"
    twice = list(ROWS[0])
    twice[8] = "kim2@example.com"
    new = ["河 正宇", "ハ ジョンウ", "男", "1970-01-01", "544-0001", "大阪市生野区新今里7-7"]
    new += ["", "", "", ""]
    new_again = list(new)
    new_again[6] = "06-6711-9999"
    changed = run(
        csv_bytes([*rows, twice, new, new_again], "utf-8"),
        federation.a,
        actor=federation.officer_a,
        on_duplicate="update",
    )
    assert changed.counts["updated"] == 2 and changed.counts["unchanged"] == 3
    assert changed.counts["created"] == 1 and changed.counts["merged"] == 1
    assert person("李", "英子").mobile == "+818033334444"
    assert person("金", "英洙").email == "kim2@example.com"
    assert person("河", "正宇").phone == "+81667119999"
    if processes == 2:
        # Each large import had a helper take its later rows, and each helper finished.
        assert len(forked) == 3 and all(split > 0 and done for split, done in forked)


def test_a_helper_that_dies_fails_the_import_and_writes_nothing(
    federation: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from branchwork.imports import people_import

    if not people_import._may_fork():
        pytest.skip("forking a helper needs Linux, one thread and two CPUs")
    monkeypatch.setattr(people_import, "SCAN_FROM", 0)
    monkeypatch.setattr(people_import, "PARALLEL_FROM", 0)
    monkeypatch.setattr(people_import, "_normalise_rest", lambda *_a: os._exit(9))
    before = Person.objects.count()
    job = services.create_import(
        actor=federation.officer_a,
        kind="people",
        filename="p.csv",
        data=csv_bytes([list(r) for r in ROWS[:2]] * 3, "utf-8"),
        unit=federation.a,
    )
    with pytest.raises(RuntimeError, match="stopped"):
        services.run(job)
    job.refresh_from_db()
    assert job.status == "failed" and "nothing was written" in job.error
    assert Person.objects.count() == before


def test_a_packed_row_unpacks_to_the_same_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """New rows are held packed between matching and writing, and the helper sends its rows
    packed: every kind of value comes back equal, in a process that has not met its shape."""
    from branchwork.imports import people_import

    values = {
        "given_name_kanji": "英洙",
        "family_name_kanji": "金",
        "birth_date": dt.date(1926, 12, 25),
        "birth_precision": "day",
        "deceased_date": dt.date(2020, 2, 29),
        "languages": ["ko", "ja"],
        "sex": "m",
        "email": "kim@example.com",
        "address": "大阪市生野区桃谷3-3-3",
    }
    packed = people_import.pack_values(values)
    monkeypatch.setattr(people_import, "_SHAPES", {})
    monkeypatch.setattr(people_import, "_SHAPE_OF_BITS", {})
    again = people_import.unpack_values(packed)
    assert again == values and again is not values
    assert people_import.unpack_values(people_import.pack_values({"email": "a@b.jp"})) == {
        "email": "a@b.jp"
    }
    assert len(packed) < 250
    # The write stage makes the person's record straight from the packed row: the same values
    # in PERSON_FIELDS order, the defaults where the row has none, and the row's own fields.
    monkeypatch.setattr(people_import, "_SLOTS", {})
    defaults = [f"default {name}" for name in people_import.PERSON_FIELDS]
    record, fields = people_import.unpack_record(packed, defaults)
    assert set(fields) == set(values)
    fields_in_order = zip(people_import.PERSON_FIELDS, defaults, strict=True)
    assert record == [values.get(name, default) for name, default in fields_in_order]
    assert defaults == [f"default {name}" for name in people_import.PERSON_FIELDS]  # untouched
