"""Registry writes and search: validation, optimistic locking, sensitive fields, CJK search."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from branchwork.access.models import AuditEvent
from branchwork.core.errors import PermissionDeniedError
from branchwork.people import services
from branchwork.people.models import Person
from branchwork.people.search import search
from branchwork.people.selectors import visible_people
from tests.conftest import Federation

pytestmark = pytest.mark.django_db


def add(fed: Federation, **values: object) -> Person:
    return services.create_person(actor=fed.officer_a, unit=fed.a, **values)


def find(fed: Federation, query: str, user: object = None) -> set[int]:
    return set(search(visible_people(user or fed.officer_a), query).values_list("pk", flat=True))


@pytest.fixture
def lee(federation: Federation) -> Person:
    return add(
        federation,
        family_name_hangul="이",
        given_name_hangul="순자",
        family_name_kanji="李",
        given_name_kanji="順子",
        family_name_kana="イ",
        given_name_kana="スンジャ",
        everyday_family_name="岩本",
        everyday_given_name="順子",
        everyday_family_name_kana="いわもと",
        family_name_latin="Lee",
        given_name_latin="Sunja",
        mobile="090-1234-5678",
        email="Sunja@Example.org",
        postal_code="〒543-0001",
    )


def test_values_are_normalised(lee: Person) -> None:
    assert lee.mobile == "+819012345678"
    assert lee.email == "sunja@example.org"
    assert lee.postal_code == "5430001"


@pytest.mark.parametrize(
    "query",
    [
        "이순자",
        "이 순자",
        "순자",
        "李順子",
        "李　順子",
        "順子",
        "いわもと",
        "イワモト",
        "ｲﾜﾓﾄ",
        "岩本",
        "Lee",
        "YI",
        "Rhee",
        "ri sunja",
        "sunja",
        "SUNJ",
        "スンジャ",
        "すんじゃ",
        "090-1234-5678",
        "09012345678",
        "+81 90 1234 5678",
        "sunja@example.org",
    ],
)
def test_search_finds_every_form(federation: Federation, lee: Person, query: str) -> None:
    assert lee.pk in find(federation, query)


def test_two_character_names_and_namesakes(federation: Federation) -> None:
    kim = add(
        federation,
        family_name_hangul="김",
        given_name_hangul="민수",
        family_name_kanji="金",
        given_name_kanji="民洙",
    )
    park = add(federation, family_name_hangul="박", given_name_hangul="민수")
    assert find(federation, "민수") >= {kim.pk, park.pk}
    assert kim.pk in find(federation, "金民")
    assert find(federation, "Kim 민수") & {kim.pk, park.pk} == {kim.pk}
    assert find(federation, "Gim") & {kim.pk, park.pk} == {kim.pk}
    assert find(federation, "Pak") & {kim.pk, park.pk} == {park.pk}
    assert find(federation, "최") & {kim.pk, park.pk} == set()


def test_search_is_scoped(federation: Federation, lee: Person) -> None:
    assert lee.pk not in find(federation, "Lee", user=federation.officer_b)
    assert lee.pk in find(federation, "Lee", user=federation.regional)


@pytest.mark.parametrize(
    "field,value",
    [
        ("mobile", "12345"),
        ("phone", "abc"),
        ("email", "not-an-email"),
        ("postal_code", "123"),
        ("postal_code", "0000000"),
        ("birth_date", dt.date(2999, 1, 1)),
    ],
)
def test_bad_input_names_the_field(federation: Federation, field: str, value: object) -> None:
    count = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        add(federation, family_name_hangul="김", **{field: value})
    assert field in exc.value.message_dict
    assert Person.objects.count() == count


def test_a_name_of_spaces_only_is_refused(federation: Federation) -> None:
    with pytest.raises(ValidationError) as exc:
        add(federation, family_name_hangul="   ", given_name_kanji="\u3000")
    assert "family_name_hangul" in exc.value.message_dict


def test_markup_and_formulas_are_stored_verbatim(federation: Federation) -> None:
    p = add(federation, family_name_latin="<b>x</b>", notes='=HYPERLINK("http://x")')
    p.refresh_from_db()
    assert p.family_name_latin == "<b>x</b>" and p.notes.startswith("=HYPERLINK")


def test_birth_date_precision(federation: Federation) -> None:
    p = add(
        federation, family_name_hangul="김", birth_date=dt.date(1950, 7, 19), birth_precision="year"
    )
    assert p.birth_date == dt.date(1950, 1, 1)


def test_concurrent_edits_conflict_instead_of_losing_data(
    federation: Federation, lee: Person
) -> None:
    first = Person.objects.get(pk=lee.pk)
    second = Person.objects.get(pk=lee.pk)
    services.update_person(
        actor=federation.officer_a, person=first, version=first.version, occupation="teacher"
    )
    with pytest.raises(services.EditConflict) as exc:
        services.update_person(
            actor=federation.regional, person=second, version=second.version, occupation="baker"
        )
    assert exc.value.current.occupation == "teacher"
    assert Person.objects.get(pk=lee.pk).occupation == "teacher"


def test_edits_reindex_and_are_audited(federation: Federation, lee: Person) -> None:
    services.update_person(
        actor=federation.officer_a,
        person=lee,
        version=lee.version,
        family_name_latin="Yi",
        given_name_hangul="영희",
    )
    assert lee.pk in find(federation, "영희")
    assert lee.pk not in find(federation, "순자")
    event = AuditEvent.objects.filter(action="update", object_id=str(lee.pk)).latest("seq")
    assert set(event.fields) == {"family_name_latin", "given_name_hangul"}


def test_sensitive_fields_need_the_sensitive_permission(
    federation: Federation, lee: Person
) -> None:
    with pytest.raises(PermissionDeniedError):
        services.read_sensitive(actor=federation.officer_a, person=lee)
    services.update_sensitive(actor=federation.central, person=lee, residency_status="特別永住者")
    record = services.read_sensitive(actor=federation.central, person=lee)
    assert record is not None and record.residency_status == "特別永住者"
    reads = AuditEvent.objects.filter(action="read_sensitive", object_id=str(lee.pk))
    assert reads.count() == 1 and reads.get().actor_id == federation.central.pk
    assert "特別永住者" not in str(list(AuditEvent.objects.values()))
