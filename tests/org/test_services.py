from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from branchwork.access.models import AuditEvent
from branchwork.org import services
from branchwork.org.models import PostType, Term, TerritoryArea, Unit, UnitKind, UnitStatus
from branchwork.people.models import Person
from tests.conftest import Federation, _system_admin, make_unit

pytestmark = pytest.mark.django_db


def test_subtree_is_a_path_prefix(federation: Federation) -> None:
    codes = set(federation.r1.subtree().values_list("code", flat=True))
    assert codes == {"R1", "A", "A1", "B", "B1"}
    assert [u.code for u in federation.b1.ancestors()] == ["FED", "R1", "B"]


def test_unit_cannot_become_its_own_descendant(federation: Federation) -> None:
    before = Unit.objects.get(pk=federation.r1.pk).path
    with pytest.raises(ValidationError) as exc:
        services.move_unit(actor=_system_admin(), unit=federation.r1, new_parent=federation.a)
    assert "parent" in exc.value.message_dict
    assert Unit.objects.get(pk=federation.r1.pk).path == before


def test_move_rewrites_the_whole_subtree(federation: Federation) -> None:
    services.move_unit(actor=_system_admin(), unit=federation.b, new_parent=federation.r2)
    b1 = Unit.objects.get(code="B1")
    r2 = Unit.objects.get(code="R2")
    assert b1.path.startswith(r2.path)
    assert b1.depth == 3
    assert set(r2.subtree().values_list("code", flat=True)) == {"R2", "B", "B1", "C"}


def test_kind_must_fit_the_parent(federation: Federation) -> None:
    with pytest.raises(ValidationError) as exc:
        make_unit(federation.a1, "X1", UnitKind.BRANCH)
    assert "kind" in exc.value.message_dict
    assert not Unit.objects.filter(code="X1").exists()


def test_territory_claimed_by_two_units_is_refused(federation: Federation) -> None:
    with pytest.raises(ValidationError) as exc:
        services.add_territory(
            actor=_system_admin(), unit=federation.c, kind="postal", value="５４３０"
        )  # full-width digits normalise to the same value
    assert "value" in exc.value.message_dict
    assert TerritoryArea.objects.filter(value="5430").count() == 1


@pytest.mark.parametrize(
    "kind,value",
    [("postal", "12a"), ("postal", "12345678"), ("municipality", "1310"), ("planet", "1")],
)
def test_bad_territory_values(federation: Federation, kind: str, value: str) -> None:
    with pytest.raises(ValidationError):
        services.add_territory(actor=_system_admin(), unit=federation.c, kind=kind, value=value)


def test_postal_code_finds_the_longest_prefix(federation: Federation) -> None:
    services.add_territory(actor=_system_admin(), unit=federation.c, kind="postal", value="54301")
    assert services.unit_for_postal_code("〒543-0101") == federation.c
    assert services.unit_for_postal_code("543-0200") == federation.b
    assert services.unit_for_postal_code("999-9999") is None


def test_term_cannot_end_before_it_starts(federation: Federation) -> None:
    chair = PostType.objects.get(code="chair")
    today = timezone.localdate()
    count = Term.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.appoint(
            actor=_system_admin(),
            unit=federation.a,
            post_type=chair,
            person=federation.person_a,
            start=today,
            end=today - dt.timedelta(days=1),
        )
    assert "end" in exc.value.message_dict
    assert Term.objects.count() == count


def test_merge_moves_everything_in_one_go(federation: Federation) -> None:
    day = timezone.localdate()
    services.merge_units(actor=_system_admin(), source=federation.b, target=federation.a, on=day)
    b = Unit.objects.get(code="B")
    a = Unit.objects.get(code="A")
    assert b.status == UnitStatus.MERGED and b.merged_into == a and b.status_date == day
    assert Unit.objects.get(code="B1").parent == a
    assert Unit.objects.get(code="B1").path.startswith(a.path)
    assert TerritoryArea.objects.get(value="5430").unit == a
    assert Person.objects.get(pk=federation.person_b.pk).unit == a
    moved = Term.objects.get(person=federation.person_b)
    assert moved.unit == a and moved.origin_unit == b and moved.end == day
    assert AuditEvent.objects.filter(action="merge", object_id=str(b.pk)).exists()


def test_merge_refuses_units_of_different_kinds(federation: Federation) -> None:
    with pytest.raises(ValidationError):
        services.merge_units(actor=_system_admin(), source=federation.b1, target=federation.a)
    assert Unit.objects.get(code="B1").status == UnitStatus.ACTIVE


def test_merge_is_atomic(federation: Federation, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure half-way leaves nothing written."""

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("branchwork.org.services.audit.record", boom)
    with pytest.raises(RuntimeError):
        services.merge_units(actor=_system_admin(), source=federation.b, target=federation.a)
    assert Unit.objects.get(code="B").status == UnitStatus.ACTIVE
    assert Unit.objects.get(code="B1").parent == federation.b
    assert TerritoryArea.objects.get(value="5430").unit == federation.b
