"""The fast bulk-write path writes exactly what it is given, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from branchwork.core.bulk import bulk_insert, reserve_ids
from branchwork.people.models import Person
from tests.conftest import Federation

pytestmark = pytest.mark.django_db

FIELDS = tuple(f.name for f in Person._meta.concrete_fields)


def row(unit_id: int, pk: int | None = None, **names: object) -> tuple[object, ...]:
    """Every column of a person, as bulk_insert takes them (instance defaults, then names)."""
    template = Person(
        pk=pk, unit_id=unit_id, created_at=timezone.now(), updated_at=timezone.now(), **names
    )
    return tuple(getattr(template, f.attname) for f in Person._meta.concrete_fields)


def test_bulk_insert_with_reserved_ids(federation: Federation) -> None:
    before = Person.objects.count()
    with transaction.atomic():
        ids = reserve_ids(Person, 1500)
        rows = (
            row(
                federation.a.pk,
                pk,
                family_name_hangul="박",
                given_name_hangul=f"{i}",
                languages=["ko", "ja"],
            )
            for i, pk in enumerate(ids)
        )
        assert bulk_insert(Person, FIELDS, rows, batch_size=400) == 1500
    assert Person.objects.count() == before + 1500
    assert len(set(ids)) == 1500
    assert Person.objects.get(pk=ids[7]).given_name_hangul == "7"
    assert Person.objects.get(pk=ids[7]).languages == ["ko", "ja"]
    # The ORM keeps working after explicit ids: no collision with the next automatic id.
    fresh = Person.objects.create(unit=federation.a, family_name_hangul="최")
    assert fresh.pk not in ids


def test_bulk_insert_is_all_or_nothing(federation: Federation) -> None:
    from django.db import IntegrityError

    before = Person.objects.count()
    good = row(federation.a.pk, family_name_hangul="김")[1:]
    bad = tuple(None if f == "unit" else v for f, v in zip(FIELDS[1:], good, strict=True))
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(Person, FIELDS[1:], [good, good, good, bad], batch_size=2)
    assert Person.objects.count() == before
