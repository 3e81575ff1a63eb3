"""Export and erasure over the API: the same service, the same scoping, 403/404/422."""

from __future__ import annotations

import pytest

from branchwork.access.models import AuditEvent
from branchwork.people import services
from branchwork.people.models import Person, PersonSearchKey
from tests.api.test_people_api import api_for
from tests.conftest import MARK_B, Federation, make_user

pytestmark = pytest.mark.django_db


def test_export_over_the_api(federation: Federation) -> None:
    person = federation.person_a
    url = f"/api/v1/people/{person.pk}/export"
    response = api_for(federation.admin_a).get(url)
    assert response.status_code == 200
    data = response.json()
    assert data["person"]["id"] == person.pk and data["unit"]["code"] == "A"
    assert data["sensitive"]["included"] is False
    assert data["audit_events"][-1]["action"] == "subject_export"
    assert AuditEvent.objects.filter(action="subject_export", object_id=str(person.pk)).count() == 1
    assert api_for(federation.officer_a).get(url).status_code == 403
    assert api_for(federation.regional).get(url).status_code == 403
    sibling = api_for(federation.officer_b).get(url)
    assert sibling.status_code == 404 and MARK_B not in sibling.content.decode()
    assert api_for(federation.admin_a).post(url).status_code == 405


def test_export_over_the_api_carries_no_marker_of_a_sibling(federation: Federation) -> None:
    services.relate(
        actor=federation.regional,
        person=federation.person_a,
        relative=federation.person_b,
        kind="sibling",
    )
    body = api_for(federation.admin_a).get(f"/api/v1/people/{federation.person_a.pk}/export")
    assert body.status_code == 200 and MARK_B not in body.content.decode()
    assert body.json()["relationships"][0]["other_person"] == {"outside_your_units": True}


def test_erase_over_the_api(federation: Federation) -> None:
    person = services.create_person(
        actor=federation.officer_a,
        unit=federation.a,
        family_name_latin="Oh",
        email="oh@example.org",
    )
    url = f"/api/v1/people/{person.pk}/erase"
    admin = api_for(federation.admin_a)
    wrong = admin.post(url, {"confirm_person_id": person.pk + 1}, content_type="application/json")
    assert wrong.status_code == 422 and "confirm_person_id" in wrong.content.decode()
    assert Person.objects.get(pk=person.pk).erased_at is None
    confirm = {"confirm_person_id": person.pk}
    assert (
        api_for(federation.officer_a)
        .post(url, confirm, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        api_for(federation.officer_b)
        .post(url, confirm, content_type="application/json")
        .status_code
        == 404
    )
    done = admin.post(url, confirm, content_type="application/json")
    assert done.status_code == 200
    body = done.json()
    assert body["erased_at"] is not None and body["family_name_latin"] == ""
    assert body["email"] == "" and body["display_name"] == f"Erased person #{person.pk}"
    assert not PersonSearchKey.objects.filter(person=person).exists()
    again = admin.post(url, confirm, content_type="application/json")  # nothing more to do
    assert again.status_code == 200
    assert AuditEvent.objects.filter(action="erase_request", object_id=str(person.pk)).count() == 1
    assert api_for(federation.admin_a).get(url).status_code == 405


def test_erase_needs_the_admin_permission_not_only_sensitive(federation: Federation) -> None:
    registrar = make_user("registrar-a", "registrar", federation.a)  # view, edit, sensitive
    person = federation.person_a
    response = api_for(registrar).post(
        f"/api/v1/people/{person.pk}/erase",
        {"confirm_person_id": person.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Person.objects.get(pk=person.pk).erased_at is None
