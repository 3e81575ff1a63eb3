"""Search semantics and planning: a word finds the start of any name token; the plan that
starts from the key index and the plan that goes through the people in scope agree; a list
of matches stops at its limit and says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from branchwork.core.paging import CappedPaginator
from branchwork.people import search as search_module
from branchwork.people import services, views
from branchwork.people.models import Person, PersonSearchKey
from branchwork.people.privacy import erase_person
from branchwork.people.search import search, search_ids
from branchwork.people.selectors import visible_people
from tests.conftest import Federation

pytestmark = pytest.mark.django_db


def add(fed: Federation, **values: object) -> Person:
    return services.create_person(actor=fed.officer_a, unit=fed.a, **values)


def found(fed: Federation, query: str) -> set[int]:
    return set(search(visible_people(fed.officer_a), query).values_list("pk", flat=True))


@pytest.fixture
def kim(federation: Federation) -> Person:
    return add(
        federation,
        family_name_hangul="김",
        given_name_hangul="민수",
        family_name_kana="キム",
        given_name_kana="ミンス",
        family_name_latin="Kim",
        given_name_latin="Minsu",
    )


def test_keys_and_text_are_the_name_tokens(kim: Person) -> None:
    kim.refresh_from_db()
    tokens = {"김", "민수", "김민수", "きむ", "みんす", "きむみんす", "kim", "minsu", "kimminsu"}
    assert set(kim.search_text.split()) == tokens
    keys = set(PersonSearchKey.objects.filter(person=kim).values_list("key", flat=True))
    assert keys == {f"t:{t}" for t in tokens}


@pytest.mark.parametrize(
    "query",
    ["김", "김민", "김민수", "민", "민수", "김 민수", "キム", "ｷﾑﾐﾝｽ", "kimmin", "MINS", "Gim"],
)
def test_a_word_finds_the_start_of_any_token(
    federation: Federation, kim: Person, query: str
) -> None:
    assert kim.pk in found(federation, query)


@pytest.mark.parametrize("query", ["수", "んす", "insu", "김 철수", "Park"])
def test_a_word_inside_a_token_or_another_name_does_not(
    federation: Federation, kim: Person, query: str
) -> None:
    assert kim.pk not in found(federation, query)


@pytest.mark.parametrize(
    "query", ["김", "민수", "김 민수", "kim minsu", "Lee", "キム", "金", "김 Kim", "nobody"]
)
def test_both_plans_find_the_same_people(
    federation: Federation, kim: Person, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(federation, family_name_hangul="김", given_name_hangul="철수", family_name_kanji="金")
    add(federation, family_name_hangul="이", given_name_hangul="민수", family_name_latin="Lee")
    add(federation, family_name_hangul="박", given_name_hangul="민지")
    search_module._COUNTS.clear()
    monkeypatch.setattr(search_module, "DRIVE_LIMIT", 10**6)  # always from the key index
    from_index = found(federation, query)
    search_module._COUNTS.clear()
    monkeypatch.setattr(search_module, "DRIVE_LIMIT", -1)  # always through the people
    through_people = found(federation, query)
    assert from_index == through_people
    assert (kim.pk in from_index) == (
        query in {"김", "민수", "김 민수", "kim minsu", "キム", "김 Kim"}
    )


def test_search_ids_stop_at_the_limit(federation: Federation) -> None:
    people = [
        add(federation, family_name_hangul="최", given_name_hangul=f"가{i}") for i in range(5)
    ]
    ids, more = search_ids(visible_people(federation.officer_a), "최", 3)
    assert len(ids) == 3 and more and set(ids) <= {p.pk for p in people}
    ids, more = search_ids(visible_people(federation.officer_a), "최", 5)
    assert len(ids) == 5 and not more


def test_an_erased_person_keeps_no_search_text(federation: Federation, kim: Person) -> None:
    erase_person(actor=federation.admin_a, person=kim)
    kim.refresh_from_db()
    assert kim.search_text == ""
    assert kim.pk not in found(federation, "김민수")


def test_the_list_says_when_a_search_matches_more_than_it_shows(
    federation: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(4):
        add(federation, family_name_hangul="한", given_name_hangul=f"나{i}")
    monkeypatch.setattr(views, "RESULT_LIMIT", 3)
    client = Client()
    client.force_login(federation.officer_a)
    page = client.get("/people/", {"q": "한"}).content.decode()
    assert "More than 3 people match" in page
    assert page.count('data-testid="person"') == 3
    page = client.get("/people/", {"q": "한 나1"}).content.decode()
    assert "1 person found" in page


def test_capped_paginator_counts_up_to_its_cap(federation: Federation) -> None:
    for i in range(4):
        add(federation, family_name_hangul="윤", given_name_hangul=f"다{i}")
    people: Any = Person.objects.filter(family_name_hangul="윤").order_by("pk")
    capped = CappedPaginator(people, 2, cap=3)
    assert (capped.count, capped.capped, capped.num_pages) == (3, True, 2)
    whole = CappedPaginator(people, 2, cap=10)
    assert (whole.count, whole.capped) == (4, False)


@pytest.mark.parametrize("query", ["김", "민수", "김 민수", "kim minsu", "Lee", "nobody"])
def test_the_streamed_plan_finds_the_same_people(
    federation: Federation, kim: Person, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Common words over a wide scope walk the key index in SQL; forced here on a small one."""
    add(federation, family_name_hangul="김", given_name_hangul="철수", family_name_latin="Kim")
    add(federation, family_name_hangul="이", given_name_hangul="민수", family_name_latin="Lee")
    people = visible_people(federation.officer_a).filter(erased_at__isnull=True)
    expected = set(search(people, query).values_list("pk", flat=True))
    search_module._COUNTS.clear()
    search_module._SCOPES.clear()
    monkeypatch.setattr(search_module, "DRIVE_LIMIT", -1)
    monkeypatch.setattr(search_module, "SCOPE_LIMIT", -1)
    monkeypatch.setattr(search_module, "SCOPE_LIMITS", {})
    calls = []
    streamed = search_module._streamed_ids
    monkeypatch.setattr(search_module, "_streamed_ids", lambda *a: calls.append(a) or streamed(*a))
    ids, more = search_ids(people, query, 100)
    assert calls and set(ids) == expected and not more
    # Out of scope stays out: officer B sees none of branch A's people.
    theirs = visible_people(federation.officer_b).filter(erased_at__isnull=True)
    other, _more = search_ids(theirs, query, 100)
    assert not set(other) & expected


def test_the_streamed_plan_over_a_scope_of_nobody(
    federation: Federation, kim: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    search_module._COUNTS.clear()
    search_module._SCOPES.clear()
    monkeypatch.setattr(search_module, "DRIVE_LIMIT", -1)
    monkeypatch.setattr(search_module, "SCOPE_LIMIT", -1)
    monkeypatch.setattr(search_module, "SCOPE_LIMITS", {})
    nobody = Person.objects.filter(pk__in=[])
    assert search_module._streamed_ids(
        nobody, search_module._words("김"), search_module._words("김")[0], 10
    ) == ([], False)
