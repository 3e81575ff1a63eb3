"""The case pages and API: opening and working a case, the roll-up, "My work", and the
confidentiality tests with planted markers (a sibling branch, a parent-unit officer without
the cases permission, a case worker not named on a restricted case)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from branchwork.access.models import AuditEvent
from branchwork.access.services import create_api_token
from branchwork.care import services
from branchwork.care.models import Case, CaseCategory
from tests.conftest import MARK_B, Federation, make_user, signed_in

SECRET = "CASESECRETZQ"


def api(user: Any) -> tuple[Client, dict[str, str]]:
    token = create_api_token(user=user, name="t", days=1)[1]
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_open_and_work_a_case_from_the_pages(federation: Federation) -> None:
    worker = make_user("worker-a", "case_worker", federation.a)
    client = signed_in(worker)
    url = reverse("care:case-create", args=["A"])
    assert client.get(url + f"?person={federation.person_a.pk}").status_code == 200
    empty = client.post(url, {"person": federation.person_a.pk, "priority": "normal"})
    assert empty.status_code == 200 and not Case.objects.exists()
    done = client.post(
        url,
        {
            "person": federation.person_a.pk,
            "category": CaseCategory.objects.get(code="elderly_care").pk,
            "subject": "独居高齢者の見守り",
            "priority": "high",
            "assigned_to": worker.pk,
            "note": "近所の方から連絡",
        },
    )
    case = Case.objects.get()
    assert done["Location"] == reverse("care:case", args=[case.pk])
    page = client.get(done["Location"]).content.decode()
    assert "独居高齢者の見守り" in page and "近所の方から連絡" in page
    assert AuditEvent.objects.filter(action="read", object_id=str(case.pk)).exists()
    client.post(reverse("care:case-action", args=[case.pk, "note"]), {"text": "訪問した"})
    client.post(reverse("care:case-action", args=[case.pk, "status"]), {"status": "assessed"})
    case.refresh_from_db()
    assert case.status == "assessed" and case.notes.count() == 3
    work = client.get(reverse("home:my-work")).content.decode()
    assert 'id="h-cases"' in work and "独居高齢者の見守り" in work
    listing = client.get(reverse("care:unit-cases", args=["A"])).content.decode()
    assert "独居高齢者の見守り" in listing
    client.post(reverse("care:case-action", args=[case.pk, "escalate"]), {"note": "上へ"})
    case.refresh_from_db()
    assert case.unit == federation.r1


def _plant(federation: Federation) -> tuple[Case, Case, Any]:
    worker_b = make_user("worker-b", "case_worker", federation.b)
    category = CaseCategory.objects.get(code="discrimination")
    open_case = services.open_case(
        actor=worker_b,
        unit=federation.b,
        person=federation.person_b,
        category=category,
        subject=f"{SECRET} {MARK_B} open",
        note=SECRET,
    )
    restricted = services.open_case(
        actor=worker_b,
        unit=federation.b,
        person=federation.person_b,
        category=category,
        subject=f"{SECRET} {MARK_B} restricted",
        restricted=True,
        assigned_to=worker_b,
    )
    return open_case, restricted, worker_b


def test_cases_do_not_leak(federation: Federation) -> None:
    open_case, restricted, _worker_b = _plant(federation)
    not_named = make_user("worker-r1", "case_worker", federation.r1)
    outsiders = {
        "sibling branch": make_user("worker-a", "case_worker", federation.a),
        "parent officer without cases": federation.regional,
        "branch officer without cases": federation.officer_b,
    }
    urls = ["A", "B", "R1"]
    for who, user in outsiders.items():
        client = signed_in(user)
        for case in (open_case, restricted):
            for name in ("care:case",):
                assert client.get(reverse(name, args=[case.pk])).status_code == 404, who
            for action in ("note", "status", "assign", "escalate", "refer"):
                response = client.post(
                    reverse("care:case-action", args=[case.pk, action]), {"text": "x"}
                )
                assert response.status_code == 404, (who, action)
        for code in urls:
            body = client.get(reverse("care:unit-cases", args=[code])).content.decode()
            assert SECRET not in body, (who, code)
        assert SECRET not in client.get(reverse("home:my-work")).content.decode()
        api_client, auth = api(user)
        assert SECRET not in api_client.get("/api/v1/cases?limit=100", **auth).content.decode()
        for case in (open_case, restricted):
            assert api_client.get(f"/api/v1/cases/{case.pk}", **auth).status_code == 404
    # The region's case worker sees the open case, not the restricted one.
    client = signed_in(not_named)
    assert client.get(reverse("care:case", args=[open_case.pk])).status_code == 200
    assert client.get(reverse("care:case", args=[restricted.pk])).status_code == 404
    listing = client.get(reverse("care:unit-cases", args=["R1"])).content.decode()
    assert "open" in listing and "restricted" not in listing.split('class="events"')[-1]
    roll_up = re.search(r'<tr data-unit="B">(.*?)</tr>', listing, re.S)
    assert roll_up is not None and ">1<" in roll_up.group(1)  # the restricted one not counted
    api_client, auth = api(not_named)
    listed = api_client.get("/api/v1/cases?limit=100", **auth).json()["items"]
    assert [c["id"] for c in listed] == [open_case.pk]
    reads = AuditEvent.objects.filter(action="read", actor=not_named).count()
    assert reads == 1  # the one allowed read of the page; refused reads are not reads


def test_cases_over_the_api(federation: Federation) -> None:
    worker = make_user("worker-a", "case_worker", federation.a)
    client, auth = api(worker)
    body = {
        "unit": "A",
        "person_id": federation.person_a.pk,
        "category": "legal_residency",
        "subject": "在留資格の更新",
    }
    made = client.post("/api/v1/cases", body, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    bad = client.post(
        "/api/v1/cases", {**body, "subject": " "}, content_type="application/json", **auth
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "subject"]
    client.post(
        f"/api/v1/cases/{pk}/notes", {"text": "書類を確認"}, content_type="application/json", **auth
    )
    moved = client.post(
        f"/api/v1/cases/{pk}/status",
        {"status": "closed"},
        content_type="application/json",
        **auth,
    )
    assert moved.status_code == 422  # needs an outcome
    detail = client.get(f"/api/v1/cases/{pk}", **auth).json()
    assert [n["text"] for n in detail["notes"]] == ["書類を確認"]
    assert AuditEvent.objects.filter(action="read", object_id=str(pk)).count() == 1
