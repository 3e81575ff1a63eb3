"""The import pages: upload, the detected columns, a dry run, the import, progress and report;
another officer's import is not found."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branchwork.imports import services
from branchwork.imports.models import ImportJob
from branchwork.people.models import Person
from tests.conftest import MARK_B, Federation, signed_in
from tests.imports.test_people_import import ROWS, csv_bytes


def _upload(client, unit: str = "A") -> ImportJob:  # type: ignore[no-untyped-def]
    data = csv_bytes([list(r) for r in ROWS[:3]], "cp932")
    response = client.post(
        reverse("imports:new"),
        {
            "file": SimpleUploadedFile("名簿.csv", data, content_type="text/csv"),
            "kind": "people",
            "unit": unit,
            "on_duplicate": "skip",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("id")


def test_upload_preview_check_and_import(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    job = _upload(client)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    # The preview: the header, the first rows, each column's detected field selected.
    assert "金 英洙" in page and "生年月日" in page
    assert '<option value="birth_date" selected>' in page
    assert '<option value="name" selected>' in page

    # A dry run with one column left out by the person.
    form = {f"col{i}": name for name, i in job.mapping.items() if name != "email"}
    form.update(action="check", on_duplicate="skip")
    assert client.post(reverse("imports:start", args=[job.pk]), form).status_code == 302
    job.refresh_from_db()
    assert job.status == "queued" and job.dry_run and "email" not in job.mapping
    progress = client.get(reverse("imports:progress", args=[job.pk]))
    assert 'hx-trigger="every 1s"' in progress.content.decode()
    services.run(job)  # what the worker does
    done = client.get(reverse("imports:progress", args=[job.pk]))
    assert done["HX-Refresh"] == "true"
    report = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "is not in the 昭和 era" in report
    assert not Person.objects.filter(family_name_kanji="金", given_name_kanji="英洙").exists()

    form["action"] = "import"
    assert client.post(reverse("imports:start", args=[job.pk]), form).status_code == 302
    services.run(ImportJob.objects.get(pk=job.pk))
    kim = Person.objects.get(family_name_kanji="金", given_name_kanji="英洙")
    assert kim.email == ""  # the column was left out
    csv_report = client.get(reverse("imports:report", args=[job.pk]))
    text = csv_report.content.decode("utf-8-sig")
    assert text.startswith("Row,Column") and "昭和64年2月1日" in text
    # Run once: it cannot be started again.
    again = client.post(reverse("imports:start", args=[job.pk]), form)
    assert again.status_code == 400


def test_the_report_speaks_the_readers_language(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    job = _upload(client)
    services.enqueue(job, dry_run=True)
    services.run(ImportJob.objects.get(pk=job.pk))
    client.cookies["django_language"] = "ko"
    page = client.get(reverse("imports:detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="ko")
    assert "昭和64年2月1日" in page.content.decode()
    assert "is not in the" not in page.content.decode()


def test_another_officers_import_is_not_found(federation: Federation) -> None:
    job = _upload(signed_in(federation.officer_a))
    other = signed_in(federation.officer_b)
    for name in ("detail", "progress", "report"):
        assert other.get(reverse(f"imports:{name}", args=[job.pk])).status_code == 404
    assert other.post(reverse("imports:start", args=[job.pk]), {}).status_code == 404
    listed = signed_in(federation.officer_a).get(reverse("imports:list")).content.decode()
    assert "名簿.csv" in listed
    assert "名簿.csv" not in other.get(reverse("imports:list")).content.decode()


def test_an_officer_cannot_upload_into_a_unit_outside_their_scope(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    response = client.post(
        reverse("imports:new"),
        {
            "file": SimpleUploadedFile("x.csv", csv_bytes([list(ROWS[0])], "utf-8")),
            "kind": "people",
            "unit": "B",
            "on_duplicate": "skip",
        },
    )
    assert response.status_code == 200  # the form again, with the unit refused
    assert MARK_B not in response.content.decode()
    assert not ImportJob.objects.exists()


def test_held_rows_are_decided_one_by_one(federation: Federation) -> None:
    from branchwork.access.models import AuditEvent
    from branchwork.imports.models import ImportIssue
    from branchwork.people.models import HouseholdMember

    client = signed_in(federation.officer_a)
    first = _upload(client)
    services.enqueue(first, dry_run=False)
    services.run(ImportJob.objects.get(pk=first.pk))
    kim = Person.objects.get(family_name_kanji="金", given_name_kanji="英洙")

    rows = [list(ROWS[0]), list(ROWS[1])]
    rows[0][7] = "090-2222-3333"  # Kim's mobile changed
    rows[1][0], rows[1][3] = "李 英子", "S52.4.2"  # Lee with another birth date: possible
    data = csv_bytes(rows, "utf-8")
    job = services.create_import(
        actor=federation.officer_a,
        kind="people",
        filename="again.csv",
        data=data,
        unit=federation.a,
        on_duplicate="ask",
    )
    services.run(job)
    held = list(ImportIssue.objects.filter(job=job, code="held").order_by("row"))
    assert len(held) == 2 and held[0].object_id == kim.pk
    page = client.get(reverse("imports:detail", args=[job.pk]) + "?level=decision")
    assert reverse("imports:decide", args=[job.pk, held[0].pk]) in page.content.decode()

    url = reverse("imports:decide", args=[job.pk, held[0].pk])
    assert client.post(url, {"decision": "update"}).status_code == 302
    kim.refresh_from_db()
    assert kim.mobile == "+819022223333"
    assert AuditEvent.objects.filter(action="update", object_id=str(kim.pk)).exists()
    # Decided once: a second decision is refused, nothing changes.
    client.post(url, {"decision": "new"})
    assert Person.objects.filter(given_name_kanji="英洙").count() == 1

    # Another officer cannot decide it.
    other = signed_in(federation.officer_b)
    assert other.post(url, {"decision": "skip"}).status_code == 404

    # Lee: held against the registry (a day apart), recorded apart as decided.
    people = Person.objects.count()
    new_url = reverse("imports:decide", args=[job.pk, held[1].pk])
    assert client.post(new_url, {"decision": "new"}).status_code == 302
    assert Person.objects.count() == people + 1
    newest = Person.objects.latest("id")
    assert HouseholdMember.objects.filter(person=newest, until__isnull=True).exists()


def test_the_import_pages_refuse_the_wrong_method(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    job = _upload(client)
    assert client.get(reverse("imports:start", args=[job.pk])).status_code == 405
    assert client.post(reverse("imports:progress", args=[job.pk])).status_code == 405
    issue_url = reverse("imports:decide", args=[job.pk, 1])
    assert client.get(issue_url).status_code == 405


def test_the_report_page_reads_a_fixed_number_of_queries(federation: Federation) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(federation.officer_a)

    def report_queries(rows: int) -> int:
        data = csv_bytes([list(ROWS[3])] * rows, "utf-8")  # every row rejected (era date)
        job = services.create_import(
            actor=federation.officer_a,
            kind="people",
            filename="x.csv",
            data=data,
            unit=federation.a,
            dry_run=True,
        )
        services.run(job)
        url = reverse("imports:detail", args=[job.pk])
        client.get(url)  # warm the session and scope
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert report_queries(3) == report_queries(40)
