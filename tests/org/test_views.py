"""Unit pages and forms: allowed, denied, wrong method, bad input, pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branchwork.access.models import AuditEvent
from branchwork.org.models import PostType, Term, TerritoryArea, Unit
from tests.conftest import Federation, make_unit, signed_in

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_unit_page_query_count_does_not_grow_with_units(federation: Federation) -> None:
    client = signed_in(federation.regional)
    url = reverse("org:unit", args=["R1"])
    client.get(url)
    before = queries_for(client, url)
    for i in range(15):
        branch = make_unit(federation.r1, f"N{i}", "branch")
        make_unit(branch, f"N{i}G", "group")
    assert queries_for(client, url) == before
    page = client.get(url).content.decode()
    assert page.count('data-testid="child-') == 17


def test_tree_index_and_children_fragment(federation: Federation) -> None:
    client = signed_in(federation.regional)
    response = client.get(reverse("org:index"))
    assert response.status_code == 302 and response["Location"] == reverse("org:unit", args=["R1"])
    fragment = client.get(reverse("org:children", args=["A"]), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body and 'data-testid="child-A1"' in body
    client.get(url := reverse("org:children", args=["R1"]))
    before = queries_for(client, url)
    for i in range(5):
        make_unit(federation.r1, f"M{i}", "branch")
    assert queries_for(client, url) == before


def test_unit_page_shows_counts_officers_and_territory(federation: Federation) -> None:
    page = signed_in(federation.regional).get(reverse("org:unit", args=["B"])).content.decode()
    assert "5430" in page  # territory
    assert 'data-testid="officer"' in page
    assert "Terms ending within 90 days" in page or "90" in page
    r1 = signed_in(federation.regional).get(reverse("org:unit", args=["R1"])).content.decode()
    assert "1 person" in r1 or "1 " in r1


def test_territory_form_refuses_a_claimed_area(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    response = client.post(
        reverse("org:territory-add", args=["A"]), {"kind": "postal", "value": "543-0"}
    )
    assert response.status_code == 200
    assert "already belongs to another unit" in response.content.decode()
    assert not TerritoryArea.objects.filter(unit=federation.a, value="5430").exists()
    ok = client.post(
        reverse("org:territory-add", args=["A"]), {"kind": "postal", "value": "５４４１"}
    )
    assert ok.status_code == 302
    assert TerritoryArea.objects.filter(unit=federation.a, value="5441").exists()


def test_appoint_form_refuses_a_term_ending_before_it_starts(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    count = Term.objects.count()
    response = client.post(
        reverse("org:appoint", args=["A"]),
        {
            "post_type": PostType.objects.get(code="chair").pk,
            "person": federation.person_a.pk,
            "start": "2026-05-01",
            "end": "2026-04-01",
        },
    )
    assert response.status_code == 200
    assert "cannot end before it starts" in response.content.decode()
    assert Term.objects.count() == count


def test_appoint_form_refuses_a_person_of_another_branch(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    response = client.post(
        reverse("org:appoint", args=["A"]),
        {
            "post_type": PostType.objects.get(code="chair").pk,
            "person": federation.person_b.pk,
            "start": "2026-05-01",
        },
    )
    assert "No person with this number" in response.content.decode()


def test_merge_form(federation: Federation) -> None:
    client = signed_in(federation.central)
    response = client.post(
        reverse("org:merge", args=["B"]), {"target": "A", "on": "2026-11-01", "confirm": "on"}
    )
    assert response.status_code == 302
    b = Unit.objects.get(code="B")
    assert b.status == "merged" and b.merged_into == federation.a
    history = client.get(reverse("org:unit", args=["B"])).content.decode()
    assert "Merged into" in history or reverse("org:unit", args=["A"]) in history
    survivor = client.get(reverse("org:unit", args=["A"])).content.decode()
    assert reverse("org:unit", args=["B"]) in survivor  # listed as merged into it


def test_cycle_refused_in_the_ui_service(federation: Federation) -> None:
    client = signed_in(federation.central)
    response = client.post(
        reverse("org:merge", args=["R1"]), {"target": "A", "on": "2026-11-01", "confirm": "on"}
    )
    assert response.status_code == 200
    assert Unit.objects.get(code="R1").status == "active"


def test_edit_needs_the_edit_permission(federation: Federation) -> None:
    from branchwork.access.models import Grant, Role

    Grant.objects.filter(user=federation.officer_a).update(role=Role.objects.get(code="viewer"))
    client = signed_in(federation.officer_a)
    assert client.get(reverse("org:edit", args=["A"])).status_code == 403
    assert (
        client.post(
            reverse("org:territory-add", args=["A"]), {"kind": "postal", "value": "1"}
        ).status_code
        == 403
    )


def test_edit_writes_an_audit_entry_without_values(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    response = client.post(
        reverse("org:edit", args=["A"]),
        {
            "name_ko": "새이름",
            "name_ja": "新名前",
            "name_en": "New name",
            "postal_code": "",
            "address": "secret street 1",
            "public_phone": "",
            "public_email": "",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="update", object_type="org.unit").latest("seq")
    assert set(event.fields) == {"name_ko", "name_ja", "name_en", "address"}
    assert "secret street" not in str(event.__dict__)
    from branchwork.access.audit import verify_chain

    assert verify_chain() == (True, None)


def test_audit_log_is_append_only(federation: Federation) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(action="x")


def test_my_work_lists_terms_ending_and_vacancies(federation: Federation) -> None:
    page = signed_in(federation.officer_a).get("/").content.decode()
    assert reverse("org:unit", args=["A"]) in page
    # the chair of A ends within 30 days (see conftest)
    assert "2026" in page or "20" in page


def test_ending_a_term_asks_for_the_last_day(federation: Federation) -> None:
    term = Term.objects.get(person=federation.person_a)
    url = reverse("org:term-end", args=["A", term.pk])
    client = signed_in(federation.officer_a)
    page = client.get(url)
    assert page.status_code == 200 and 'name="end"' in page.content.decode()
    too_early = client.post(url, {"end": str(term.start - dt.timedelta(days=1))})
    assert "cannot end before it starts" in too_early.content.decode()
    assert Term.objects.get(pk=term.pk).end == term.end
    day = term.start + dt.timedelta(days=10)
    assert client.post(url, {"end": str(day)}).status_code == 302
    assert Term.objects.get(pk=term.pk).end == day
    sibling = signed_in(federation.officer_b)
    assert sibling.get(url).status_code == 404
    assert sibling.get(reverse("org:term-end", args=["B", term.pk])).status_code == 404
    assert client.delete(url).status_code == 405


def test_move_form_refuses_a_cycle_and_moves_otherwise(federation: Federation) -> None:
    client = signed_in(federation.central)
    url = reverse("org:move", args=["R1"])
    cycle = client.post(url, {"parent": "A1"})
    assert cycle.status_code == 200
    assert "under itself or one of its own sub-units" in cycle.content.decode()
    assert Unit.objects.get(code="R1").parent == federation.fed
    ok = client.post(reverse("org:move", args=["B"]), {"parent": "R2"})
    assert ok.status_code == 302
    assert Unit.objects.get(code="B1").path.startswith(Unit.objects.get(code="R2").path)
    # An admin of A cannot move A under a region it does not administer.
    admin_a = signed_in(federation.admin_a)
    refused = admin_a.post(reverse("org:move", args=["A"]), {"parent": "R2"})
    assert "No unit with this code" in refused.content.decode()
    assert signed_in(federation.officer_a).get(reverse("org:move", args=["A"])).status_code == 403
    assert signed_in(federation.officer_b).get(reverse("org:move", args=["A"])).status_code == 404
