"""Imports over the API: upload, detected mapping, dry run, import, report; scoped."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from branchwork.imports import services
from branchwork.imports.models import ImportJob
from branchwork.people.models import Person
from tests.api.test_api import api_for
from tests.conftest import MARK_B, Federation
from tests.imports.test_people_import import ROWS, csv_bytes


def test_upload_check_import_and_report(federation: Federation) -> None:
    client = api_for(federation.officer_a)
    data = csv_bytes([list(r) for r in ROWS[:3]], "cp932")
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("people.csv", data), "unit": "A", "start": "true"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["encoding"] == "cp932" and body["status"] == "queued" and body["dry_run"]
    assert body["mapping"]["birth_date"] == 3
    services.run(ImportJob.objects.get(pk=body["id"]))
    status = client.get(f"/api/v1/imports/{body['id']}").json()
    assert status["status"] == "done" and status["counts"]["created"] == 2
    issues = client.get(f"/api/v1/imports/{body['id']}/issues?level=rejected").json()
    assert issues["count"] == 1 and issues["items"][0]["code"] == "date_not_in_era"
    assert issues["items"][0]["row"] == 4 and "昭和64年2月1日" in issues["items"][0]["message"]
    assert not Person.objects.filter(given_name_kanji="英洙").exists()

    started = client.post(
        f"/api/v1/imports/{body['id']}/start", {"dry_run": False}, content_type="application/json"
    )
    assert started.status_code == 200 and started.json()["status"] == "queued"
    services.run(ImportJob.objects.get(pk=body["id"]))
    assert Person.objects.filter(given_name_kanji="英洙").count() == 1


def test_imports_are_scoped(federation: Federation) -> None:
    data = csv_bytes([list(ROWS[0])], "utf-8")
    other_unit = api_for(federation.officer_a).post(
        "/api/v1/imports", {"file": SimpleUploadedFile("p.csv", data), "unit": "B"}
    )
    assert other_unit.status_code == 404
    assert MARK_B not in other_unit.content.decode()
    mine = api_for(federation.officer_a).post(
        "/api/v1/imports", {"file": SimpleUploadedFile("p.csv", data), "unit": "A"}
    )
    job = mine.json()["id"]
    other = api_for(federation.officer_b)
    assert other.get(f"/api/v1/imports/{job}").status_code == 404
    assert other.get(f"/api/v1/imports/{job}/issues").status_code == 404
    started = other.post(f"/api/v1/imports/{job}/start", {}, content_type="application/json")
    assert started.status_code == 404
