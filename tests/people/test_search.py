"""Search semantics and planning: a word finds the start of any name token; the plan that
starts from the key index and the plan that goes through the people in scope agree; a list
of matches stops at its limit and says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
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


def in_name_order(ids: list[int]) -> list[int]:
    names = Person.objects.filter(pk__in=ids).values_list("pk", *search_module.LIST_ORDER)
    order = {pk: (*rest, pk) for pk, *rest in names}
    return sorted(ids, key=order.__getitem__)


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
    parts = {"김", "민수", "きむ", "みんす", "kim", "minsu"}
    wholes = {("김", "민수"), ("きむ", "みんす"), ("kim", "minsu")}
    assert set(kim.search_text.split()) == parts | {f + g for f, g in wholes}
    keys = set(PersonSearchKey.objects.filter(person=kim).values_list("key", flat=True))
    # Whole names are keyed apart, family and given name split by a space.
    assert keys == {f"t:{t}" for t in parts} | {f"w:{f} {g}" for f, g in wholes}


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


def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every scope wide and every word common: the plans for the whole registry, forced
    on a small one."""
    search_module._COUNTS.clear()
    search_module._SCOPES.clear()
    monkeypatch.setattr(search_module, "DRIVE_LIMIT", -1)
    monkeypatch.setattr(search_module, "SCOPE_LIMIT", -1)


def _spy(monkeypatch: pytest.MonkeyPatch, name: str) -> list[Any]:
    calls: list[Any] = []
    real = getattr(search_module, name)
    monkeypatch.setattr(search_module, name, lambda *a: calls.append(a) or real(*a))
    return calls


@pytest.fixture
def namesakes(federation: Federation, kim: Person) -> None:
    add(
        federation,
        family_name_hangul="김",
        given_name_hangul="철수",
        family_name_latin="Kim",
        family_name_kana="キム",
        given_name_kana="チョルス",
    )
    add(federation, family_name_hangul="이", given_name_hangul="민수", family_name_latin="Lee")
    add(federation, family_name_hangul="민", given_name_hangul="김수", family_name_latin="Min")
    add(federation, family_name_hangul="김", given_name_hangul="민수", family_name_kana="アン")


@pytest.mark.parametrize("query", ["김", "민수", "김 민수", "kim minsu", "Lee", "nobody"])
def test_the_plans_over_a_wide_scope_find_the_same_people(
    federation: Federation, namesakes: None, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Common words over a wide scope walk the key index in SQL (or, for several words on
    PostgreSQL, hash their keys); forced here on a small registry."""
    people = visible_people(federation.officer_a).filter(erased_at__isnull=True)
    expected = set(search(people, query).values_list("pk", flat=True))
    _wide(monkeypatch)
    streamed, hashed = _spy(monkeypatch, "_streamed_ids"), _spy(monkeypatch, "_hashed_ids")
    ids, more = search_ids(people, query, 100)
    assert streamed or hashed
    assert set(ids) == expected and not more
    assert ids == in_name_order(ids)
    # Out of scope stays out: officer B sees none of branch A's people.
    theirs = visible_people(federation.officer_b).filter(erased_at__isnull=True)
    other, _more = search_ids(theirs, query, 100)
    assert not set(other) & expected


@pytest.mark.postgres_only
@pytest.mark.parametrize("query", ["김 민수", "민 김", "kim minsu", "Lee 민", "철수 이"])
def test_hashed_words_find_the_same_people(
    federation: Federation, namesakes: None, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several common words on PostgreSQL: their keys are hashed and joined, then the people
    read. The people found are those search() finds, in scope only."""
    people = visible_people(federation.officer_a).filter(erased_at__isnull=True)
    expected = set(search(people, query).values_list("pk", flat=True))
    _wide(monkeypatch)
    hashed = _spy(monkeypatch, "_hashed_ids")
    ids, more = search_ids(people, query, 100)
    assert hashed and set(ids) == expected and not more
    assert ids == in_name_order(ids)
    with connection.cursor() as cur:  # the planner settings were for that statement only
        cur.execute("SHOW enable_nestloop")
        assert cur.fetchone()[0] == "on"
    theirs = visible_people(federation.officer_b).filter(erased_at__isnull=True)
    other, _more = search_ids(theirs, query, 100)
    assert not set(other) & expected
    # Asked for fewer than match, it says there are more.
    if len(expected) > 1:
        some, more = search_ids(people, query, 1)
        assert len(some) == 1 and set(some) <= expected and more


def test_a_name_typed_whole_fills_the_list_from_whole_names_first(
    federation: Federation, namesakes: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two common words whose whole-name keys alone fill the list: only those are read."""
    for i in range(3):
        add(federation, family_name_hangul="김", given_name_hangul=f"민{i}")
    people = visible_people(federation.officer_a).filter(erased_at__isnull=True)
    expected = set(search(people, "김 민").values_list("pk", flat=True))
    _wide(monkeypatch)
    streamed, hashed = _spy(monkeypatch, "_streamed_ids"), _spy(monkeypatch, "_hashed_ids")
    ids, more = search_ids(people, "김 민", 2)
    assert len(ids) == 2 and set(ids) <= expected and more
    assert not hashed and streamed[0][2] == ("w:김 민", "w:민 김")


def test_the_streamed_plan_over_a_scope_of_nobody(
    federation: Federation, kim: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    search_module._COUNTS.clear()
    search_module._SCOPES.clear()
    _wide(monkeypatch)
    nobody = Person.objects.filter(pk__in=[])
    words = search_module._words("김")
    assert search_module._streamed_ids(nobody, words, words[0].starts, 10) == ([], False)


def test_found_people_are_listed_in_name_order_a_page_at_a_time(federation: Federation) -> None:
    for kana in ("ミン", "キム", "パク"):
        add(federation, family_name_hangul="윤", given_name_hangul="다", family_name_kana=kana)
    people = visible_people(federation.officer_a).filter(erased_at__isnull=True)
    found, more = views.found_people(people, "윤")
    assert len(found) == 3 and not more
    assert [p.family_name_kana for p in found[0:3]] == ["キム", "パク", "ミン"]
    assert found[1].family_name_kana == "パク" and found[1:2] == [found[1]]


@pytest.mark.parametrize("query", ["김", "김 민수", "nobody"])
def test_going_through_a_large_scope_by_the_unit_index_finds_the_same_people(
    federation: Federation, namesakes: None, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over a scope of more than UNIT_INDEX_FROM people, PostgreSQL is told to read them by the
    unit index for that statement; the people found do not change, and the setting is gone
    after it."""
    people = visible_people(federation.regional).filter(erased_at__isnull=True)
    expected = set(search(people, query).values_list("pk", flat=True))
    search_module._SCOPES.clear()
    monkeypatch.setattr(search_module, "UNIT_INDEX_FROM", -1)
    ids, more = search_ids(people, query, 100)
    assert set(ids) == expected and not more
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW enable_seqscan")
            assert cur.fetchone()[0] == "on"
