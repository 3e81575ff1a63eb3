"""The fast bulk-write path writes exactly what it is given, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from branchwork.core.bulk import bulk_insert, reserve_ids
from branchwork.people.models import Person
from tests.conftest import Federation

pytestmark = pytest.mark.django_db

FIELDS = (
    "id",
    "unit",
    "family_name_hangul",
    "given_name_hangul",
    "family_name_kanji",
    "given_name_kanji",
    "family_name_kana",
    "given_name_kana",
    "everyday_family_name",
    "everyday_given_name",
    "family_name_latin",
    "given_name_latin",
    "created_at",
)


def test_bulk_insert_with_reserved_ids(federation: Federation) -> None:
    now = timezone.now()
    before = Person.objects.count()
    with transaction.atomic():
        ids = reserve_ids(Person, 1500)
        rows = (
            (pk, federation.a.pk, "박", f"{i}", "朴", "", "パク", "", "", "", "Park", "", now)
            for i, pk in enumerate(ids)
        )
        assert bulk_insert(Person, FIELDS, rows, batch_size=400) == 1500
    assert Person.objects.count() == before + 1500
    assert len(set(ids)) == 1500
    assert Person.objects.get(pk=ids[7]).given_name_hangul == "7"
    # The ORM keeps working after explicit ids: no collision with the next automatic id.
    fresh = Person.objects.create(unit=federation.a, family_name_hangul="최")
    assert fresh.pk not in ids


def test_bulk_insert_is_all_or_nothing(federation: Federation) -> None:
    from django.db import IntegrityError

    now = timezone.now()
    before = Person.objects.count()
    good = (federation.a.pk, "김", "", "", "", "", "", "", "", "", "", now)
    bad = (None, "김", "", "", "", "", "", "", "", "", "", now)  # a person needs a unit
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(Person, FIELDS[1:], [good, good, good, bad], batch_size=2)
    assert Person.objects.count() == before
