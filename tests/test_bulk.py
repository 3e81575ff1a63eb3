"""The fast bulk-write path writes exactly what it is given, on SQLite and PostgreSQL, and a
load with its indexes and keys set aside still refuses rows that break them."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from branchwork.core.bulk import (
    bulk_insert,
    bulk_insert_fanout,
    bulk_loading,
    gc_paused,
    reserve_ids,
    secondary_indexes,
)
from branchwork.people.models import (
    Household,
    HouseholdMember,
    Person,
    PersonSearchKey,
    Relationship,
)
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
    before = Person.objects.count()
    good = row(federation.a.pk, family_name_hangul="김")[1:]
    bad = tuple(None if f == "unit" else v for f, v in zip(FIELDS[1:], good, strict=True))
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(Person, FIELDS[1:], [good, good, good, bad], batch_size=2)
    assert Person.objects.count() == before


def _constraint_names(model: type[Any], kinds: str = "cfpu") -> set[str]:
    """PostgreSQL's constraints on the table, of these kinds (check, foreign, primary, unique)."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = ANY(%s)",
            [model._meta.db_table, list(kinds)],
        )
        return {row[0] for row in cur.fetchall()}


LOADED = (Person, HouseholdMember, Relationship, PersonSearchKey)


def test_bulk_loading_sets_indexes_aside_and_makes_them_again(federation: Federation) -> None:
    indexes = {m: secondary_indexes(m) for m in LOADED}
    constraints = {m: _constraint_names(m) for m in LOADED}
    assert indexes[Person] and indexes[HouseholdMember] and indexes[PersonSearchKey]
    with transaction.atomic():
        with bulk_loading(*LOADED):
            assert all(secondary_indexes(m) == [] for m in LOADED)
            if connection.vendor == "postgresql":  # the foreign keys and the free unique keys
                assert not any(
                    n.endswith("_fk_people_person_id") for n in _constraint_names(Person)
                )
                assert _constraint_names(Relationship, "fpu") == set()
                # A primary key other tables' foreign keys rely on stays.
                assert "people_person_pkey" in _constraint_names(Person)
                assert _constraint_names(PersonSearchKey) == set()
            ids = reserve_ids(Person, 2)
            bulk_insert(
                Person, FIELDS, [row(federation.a.pk, pk, family_name_hangul="민") for pk in ids]
            )
            bulk_insert(
                Relationship,
                ("person", "relative", "kind", "created_at"),
                [(ids[0], ids[1], "spouse", timezone.now())],
            )
        assert {m: secondary_indexes(m) for m in LOADED} == indexes
        assert {m: _constraint_names(m) for m in LOADED} == constraints
    # The rebuilt indexes serve the rows written while they were away.
    assert Relationship.objects.filter(person_id=ids[0], relative_id=ids[1]).exists()
    assert Person.objects.filter(unit=federation.a, pk__in=ids).count() == 2


def test_bulk_loading_fails_a_load_that_breaks_a_unique_index(federation: Federation) -> None:
    indexes = {m: secondary_indexes(m) for m in LOADED}
    person = Person.objects.create(unit=federation.a, family_name_hangul="박")
    household = Household.objects.create(unit=federation.a, postal_code="1000001")
    with pytest.raises(IntegrityError), transaction.atomic(), bulk_loading(*LOADED):
        # Two current households for one person: one_current_household forbids it.
        bulk_insert(
            HouseholdMember,
            ("household", "person", "relation", "since", "until"),
            [(household.pk, person.pk, "head", None, None)] * 2,
        )
    # Rolled back: the rows are gone and the indexes are all there again.
    assert not HouseholdMember.objects.filter(person=person).exists()
    assert {m: secondary_indexes(m) for m in LOADED} == indexes


@pytest.mark.postgres_only
def test_bulk_loading_fails_a_load_that_breaks_a_foreign_key(federation: Federation) -> None:
    constraints = _constraint_names(Relationship)
    person = Person.objects.create(unit=federation.a, family_name_hangul="최")
    with pytest.raises(IntegrityError), transaction.atomic(), bulk_loading(*LOADED):
        bulk_insert(
            Relationship,
            ("person", "relative", "kind", "created_at"),
            [(person.pk, 987654321, "sibling", timezone.now())],
        )
    assert _constraint_names(Relationship) == constraints


@pytest.mark.postgres_only
def test_an_appended_tables_primary_key_stays_and_checks_as_the_load_goes(
    federation: Federation,
) -> None:
    person = Person.objects.create(unit=federation.a, family_name_hangul="윤")
    PersonSearchKey.objects.filter(person=person).delete()
    with transaction.atomic(), bulk_loading(*LOADED, appended=(PersonSearchKey,)):
        assert _constraint_names(PersonSearchKey) == {"people_personsearchkey_pkey"}
        assert secondary_indexes(PersonSearchKey) == []  # the lookup index is set aside
        bulk_insert_fanout(PersonSearchKey, ("person", "key"), [(person.pk, ["t:윤"])])
        with pytest.raises(IntegrityError), transaction.atomic():  # refused at once
            bulk_insert_fanout(PersonSearchKey, ("person", "key"), [(person.pk, ["t:윤"])])
    assert list(PersonSearchKey.objects.filter(person=person).values_list("key", flat=True)) == [
        "t:윤"
    ]


@pytest.mark.django_db(transaction=True)
def test_bulk_loading_needs_a_transaction() -> None:
    with pytest.raises(RuntimeError), bulk_loading(Person):
        pass


def test_fanout_writes_every_item_verbatim(federation: Federation) -> None:
    people = [Person.objects.create(unit=federation.a, family_name_hangul=n) for n in "가나다"]
    odd = ['b:"q', "b:\\", "b:\t", "b:\n", "b:\r", "e:o'hara@example.org", "b:金"]
    groups = [(people[0].pk, {"b:가", "b:김민"}), (people[1].pk, set()), (people[2].pk, odd)]
    with transaction.atomic():
        PersonSearchKey.objects.filter(person__in=people).delete()
        assert bulk_insert_fanout(PersonSearchKey, ("person", "key"), groups) == 9
    stored = {
        pk: sorted(PersonSearchKey.objects.filter(person_id=pk).values_list("key", flat=True))
        for pk in (p.pk for p in people)
    }
    assert stored == {people[0].pk: ["b:가", "b:김민"], people[1].pk: [], people[2].pk: sorted(odd)}


def test_gc_paused_restores_the_collector(db: Any) -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError
    assert gc.isenabled()


def test_a_row_of_the_wrong_width_is_refused_whole(federation: Federation) -> None:
    from django.db import DatabaseError

    before = Person.objects.count()
    good = row(federation.a.pk, family_name_hangul="정")[1:]
    with pytest.raises((ValueError, DatabaseError)), transaction.atomic():
        bulk_insert(Person, FIELDS[1:], [good, good[:-1], good], batch_size=2)
    assert Person.objects.count() == before


def test_bulk_insert_writes_every_kind_of_value_verbatim(federation: Federation) -> None:
    """Text with COPY's special characters, NULL, integers, booleans, dates, times, JSON and a
    string subclass come back exactly as given (PostgreSQL formats most of them itself)."""
    import datetime as dt

    from django.utils.safestring import mark_safe

    odd = ["a\\b", "tab\there", "line\nbreak", "cr\rhere", "\\N", "金 김"]
    at = dt.datetime(2026, 11, 30, 17, 5, 9, 123456, tzinfo=dt.UTC)
    created = FIELDS.index("created_at")
    rows = []
    for i, text in enumerate(odd):
        values = list(
            row(
                federation.a.pk,
                family_name_hangul=text,
                given_name_hangul=mark_safe("<b>안</b>"),  # noqa: S308 (a str subclass)
                birth_date=dt.date(1931, 2, 28),
                generation=i,
                languages=["ko", text],
            )
        )
        values[created] = at
        rows.append(values)
    with transaction.atomic():
        ids = reserve_ids(Person, len(rows))
        for pk, values in zip(ids, rows, strict=True):
            values[0] = pk
        assert bulk_insert(Person, FIELDS, rows) == len(odd)
        homes = reserve_ids(Household, 2)
        bulk_insert(
            Household,
            ("id", "unit", "unit_override", "postal_code", "address", "created_at"),
            [
                (homes[0], federation.a.pk, True, "5300001", odd[1], at),
                (homes[1], federation.a.pk, False, "", "", at),
            ],
        )
    got = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    for i, (pk, text) in enumerate(zip(ids, odd, strict=True)):
        person = got[pk]
        assert person.family_name_hangul == text
        assert person.given_name_hangul == "<b>안</b>"
        assert person.birth_date == dt.date(1931, 2, 28)
        assert person.generation == i
        assert person.languages == ["ko", text]
        assert person.created_at == at
        assert person.everyday_family_name == ""  # the default, not NULL
        assert person.deceased_date is None
    stored = Household.objects.filter(pk__in=homes).order_by("pk")
    assert list(stored.values_list("unit_override", "address")) == [(True, odd[1]), (False, "")]


def test_reserved_ids_are_distinct_and_new(federation: Federation) -> None:
    with transaction.atomic():
        first = reserve_ids(Person, 3000)
        bulk_insert(Person, FIELDS, [(pk, *row(federation.a.pk)[1:]) for pk in first])
        fresh = Person.objects.create(unit=federation.a, family_name_hangul="오")
        second = reserve_ids(Person, 10)
    assert len(set(first)) == 3000 and first == sorted(first)
    assert fresh.pk not in first
    assert not set(first) & set(second) and fresh.pk not in second


def test_background_writer_writes_in_order_in_the_callers_transaction(
    federation: Federation,
) -> None:
    from branchwork.core.bulk import background_writer

    before = Person.objects.count()
    with transaction.atomic():
        ids = reserve_ids(Person, 3)
        with background_writer() as writer:
            for pk in ids:
                writer.submit(bulk_insert, Person, FIELDS, [row(federation.a.pk, pk)])
        # Written on the other thread, seen here: the same connection and transaction.
        assert Person.objects.filter(pk__in=ids).count() == 3
        transaction.set_rollback(True)
    assert Person.objects.count() == before  # and rolled back with it


def test_background_writer_raises_a_failed_write_in_the_caller(federation: Federation) -> None:
    from branchwork.core.bulk import background_writer

    before = Person.objects.count()
    good = row(federation.a.pk, family_name_hangul="한")
    bad = tuple(None if f == "unit" else v for f, v in zip(FIELDS, good, strict=True))
    with pytest.raises(IntegrityError), transaction.atomic(), background_writer() as writer:
        writer.submit(bulk_insert, Person, FIELDS[1:], [good[1:]])
        writer.submit(bulk_insert, Person, FIELDS[1:], [bad[1:]])
        writer.submit(bulk_insert, Person, FIELDS[1:], [good[1:]])
    assert Person.objects.count() == before


@pytest.mark.postgres_only
def test_a_value_of_the_wrong_type_fails_the_whole_copy(federation: Federation) -> None:
    """PostgreSQL takes the rows in COPY's binary format, made from each column's type: a
    prepared value of another type (a text id, a naive time) fails the COPY, and nothing of it
    stays."""
    import datetime as dt

    before = Person.objects.count()
    created = FIELDS.index("created_at")
    good = list(row(federation.a.pk, family_name_hangul="한"))
    text_unit = [*good[:1], str(federation.a.pk), *good[2:]]
    naive = list(good)
    naive[created] = dt.datetime(2026, 11, 30, 17, 5)  # noqa: DTZ001 (naive on purpose)
    for bad in (text_unit, naive):
        with pytest.raises(TypeError), transaction.atomic():
            ids = reserve_ids(Person, 3)
            bulk_insert(
                Person,
                FIELDS,
                [[pk, *values[1:]] for pk, values in zip(ids, [good, bad, good], strict=True)],
                prepared=True,
            )
    assert Person.objects.count() == before


@pytest.mark.postgres_only
def test_a_table_with_a_type_binary_copy_does_not_take_is_written_as_text(db: Any) -> None:
    """An address column (inet) is not sent in the binary format: the table's rows go as text,
    each value adapted by psycopg."""
    import datetime as dt

    from axes.models import AccessAttempt

    at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    fields = (
        "user_agent",
        "ip_address",
        "username",
        "http_accept",
        "path_info",
        "attempt_time",
        "get_data",
        "post_data",
        "failures_since_start",
    )
    with transaction.atomic():
        bulk_insert(AccessAttempt, fields, [("ua", "192.0.2.7", "kim", "*/*", "/", at, "", "", 2)])
    attempt = AccessAttempt.objects.get(username="kim")
    assert (attempt.ip_address, attempt.failures_since_start, attempt.attempt_time) == (
        "192.0.2.7",
        2,
        at,
    )
