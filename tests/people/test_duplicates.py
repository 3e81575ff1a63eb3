"""The duplicate warning: the scorer on labelled pairs, across scripts and birth-date precision;
candidates through the search index and the scoping; the create page and the API."""

from __future__ import annotations

import datetime as dt
import doctest
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from branchwork.people import services
from branchwork.people.duplicates import (
    THRESHOLD,
    candidates,
    candidates_for_new,
    part_similarity,
    record,
    score,
)
from branchwork.people.models import Person
from branchwork.people.selectors import visible_people
from tests.api.test_people_api import api_for
from tests.conftest import MARK_B, Federation, signed_in

PAIRS = Path(__file__).with_name("duplicate_pairs.json")


def values(raw: dict[str, Any]) -> dict[str, Any]:
    out = dict(raw)
    if out.get("birth_date"):
        out["birth_date"] = dt.date.fromisoformat(out["birth_date"])
    return out


def test_precision_and_recall_on_the_labelled_pairs(capsys: pytest.CaptureFixture[str]) -> None:
    pairs = json.loads(PAIRS.read_text(encoding="utf-8"))
    assert len(pairs) >= 200
    assert set(Counter(p["kind"] for p in pairs)) == {
        "duplicate",
        "namesake",
        "household",
        "similar_name",
    }
    outcome: Counter[tuple[bool, bool]] = Counter()
    missed: Counter[str] = Counter()
    for pair in pairs:
        flagged = score(values(pair["a"]), values(pair["b"]))[0] >= THRESHOLD
        outcome[(pair["same"], flagged)] += 1
        if flagged != pair["same"]:
            missed[pair["kind"]] += 1
    tp, fp, fn = outcome[(True, True)], outcome[(False, True)], outcome[(True, False)]
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    with capsys.disabled():
        print(
            f"\nduplicate scorer on {len(pairs)} labelled pairs: precision {precision:.3f}, "
            f"recall {recall:.3f} (true {tp}, false {fp}, missed {fn}; wrong by kind {dict(missed)})"
        )
    assert precision >= 0.9
    assert recall >= 0.9


@pytest.mark.django_db
def test_duplicates_are_fetched_through_the_index(
    federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end: the first record of every pair is in the registry; the second finds its
    duplicate through ``candidates`` (index, pool, scoring), not just through ``score``."""
    pairs = json.loads(PAIRS.read_text(encoding="utf-8"))
    stored: dict[int, int] = {}
    for pair in pairs:
        person = services.create_person(
            actor=federation.central, unit=federation.a, **values(pair["a"])
        )
        stored[pair["id"]] = person.pk
    people = visible_people(federation.central)
    found = flagged = 0
    duplicates = [p for p in pairs if p["same"]]
    for pair in duplicates:
        second = values(pair["b"])
        hits = [c.person.pk for c in candidates_for_new(people, second)]
        found += stored[pair["id"]] in hits
        flagged += score(values(pair["a"]), second)[0] >= THRESHOLD
    with capsys.disabled():
        print(
            f"\nduplicates found through the index: {found} of {len(duplicates)} "
            f"({found / len(duplicates):.3f}); scored above the threshold: {flagged}"
        )
    assert found / len(duplicates) >= 0.9


def test_the_examples_in_the_korean_module_hold() -> None:
    from branchwork.core import korean

    assert doctest.testmod(korean).failed == 0


NAME_FORMS = [
    {"family_name_hangul": "김", "given_name_hangul": "민수"},
    {"family_name_latin": "Kim", "given_name_latin": "Minsu"},
    {"family_name_latin": "Gim", "given_name_latin": "Min-soo"},
    {"family_name_kana": "キム", "given_name_kana": "ミンス"},
    {"family_name_kana": "ｷﾑ", "given_name_kana": "ﾐﾝｽ"},
    {"family_name_kanji": "金", "given_name_kanji": "民洙"},
    {"family_name_latin": "ＫＩＭ", "given_name_latin": "ＭＩＮＳＯＯ"},
]


@pytest.mark.parametrize("i", range(len(NAME_FORMS)))
def test_one_name_in_every_script_compares_equal(i: int) -> None:
    for other in NAME_FORMS:
        points, reasons = score(NAME_FORMS[i], other)
        assert points >= THRESHOLD, (NAME_FORMS[i], other, points)
        assert reasons[0] in ("same name", "similar name")
    assert score(NAME_FORMS[i], {"family_name_hangul": "김", "given_name_hangul": "민호"})[0] < (
        THRESHOLD
    )


@pytest.mark.parametrize(
    ("hangul", "spellings"),
    [
        ("김", ["Kim", "Gim", "キム", "金"]),
        ("이", ["Lee", "Yi", "Rhee", "Ri", "イ", "リ", "李"]),
        ("박", ["Park", "Bak", "Pak", "パク", "朴"]),
        ("최", ["Choi", "Choe", "チェ", "崔"]),
        ("정", ["Jung", "Jeong", "Chung", "チョン", "鄭"]),
    ],
)
def test_surname_spellings_meet(hangul: str, spellings: list[str]) -> None:
    mine = record({"family_name_hangul": hangul})
    for spelling in spellings:
        field = "family_name_kana" if spelling[0] >= "\u3040" else "family_name_latin"
        if "\u4e00" <= spelling[0] <= "\u9fff":
            field = "family_name_kanji"
        theirs = record({field: spelling})
        assert part_similarity(mine.family, theirs.family, family=True) == 1.0, spelling


def person(**extra: Any) -> dict[str, Any]:
    return {"family_name_hangul": "이", "given_name_hangul": "순자"} | extra


def test_birth_dates_respect_their_precision() -> None:
    day = person(birth_date=dt.date(1950, 3, 2))
    year = person(birth_date=dt.date(1950, 1, 1), birth_precision="year")
    month = person(birth_date=dt.date(1950, 3, 1), birth_precision="month")
    with translation.override("en"):
        assert "same birth date" in score(day, day)[1]
        assert "birth date agrees" in score(day, year)[1]
        assert "birth date agrees" in score(day, month)[1]
    assert score(day, year)[0] >= THRESHOLD and score(day, month)[0] >= THRESHOLD
    # Two different known dates: namesakes, however alike the rest.
    other = person(birth_date=dt.date(1961, 7, 20))
    assert score(day, other)[0] < THRESHOLD
    assert score(person(birth_date=dt.date(1951, 1, 1), birth_precision="year"), day)[0] < (
        THRESHOLD
    )
    # A slip of the pen (day and month swapped) weighs less than a different date.
    swapped = person(birth_date=dt.date(1950, 2, 3), mobile="090-1234-5678")
    assert score(person(birth_date=dt.date(1950, 3, 2), mobile="09012345678"), swapped)[0] >= (
        THRESHOLD
    )


def test_a_household_shares_contacts_but_is_not_one_person() -> None:
    home = {"phone": "06-6712-3456", "postal_code": "5440034", "address": "生野区桃谷3-5-12"}
    father = {"family_name_hangul": "김", "given_name_hangul": "민수"} | home
    son = {"family_name_hangul": "김", "given_name_hangul": "영호"} | home
    assert score(father, son)[0] < THRESHOLD
    same = father | {"phone": "+81 6 6712 3456", "address": "生野区桃谷3丁目5番12号"}
    with translation.override("en"):
        points, reasons = score(father, same)
    assert points == 100
    assert reasons == ["same name", "same phone", "same address"]


@pytest.mark.django_db
def test_candidates_take_one_query_through_the_index(federation: Federation) -> None:
    actor = federation.officer_a
    target = services.create_person(
        actor=actor,
        unit=federation.a,
        family_name_kanji="李",
        given_name_kanji="順子",
        family_name_kana="イ",
        given_name_kana="スンジャ",
        birth_date=dt.date(1937, 9, 11),
    )
    for i in range(30):  # the same surname: not fetched, not scored
        services.create_person(
            actor=actor, unit=federation.a, family_name_hangul="이", given_name_hangul=f"영{i}"
        )
    people = visible_people(actor)
    mine = {
        "family_name_hangul": "이",
        "given_name_hangul": "순자",
        "birth_date": dt.date(1937, 9, 11),
    }
    with CaptureQueriesContext(connection) as queries:
        found = candidates(mine, people)
    # one query: the pool of people whose whole name (in any script) or contact matches
    assert len(queries) == 1
    assert "personsearchkey" in queries[0]["sql"].lower()
    assert [c.person.pk for c in found] == [target.pk]
    with translation.override("en"):
        assert candidates(mine, people)[0].reasons == ["similar name", "same birth date"]
    # A person does not find themself.
    assert candidates(target, people) == []


@pytest.mark.django_db
def test_candidates_stay_in_scope(federation: Federation) -> None:
    twin = {
        "family_name_hangul": f"박{MARK_B}",
        "given_name_hangul": "민",
        "family_name_latin": f"Park{MARK_B}",
        "mobile": "090-5555-1234",
    }
    in_b = services.create_person(actor=federation.officer_b, unit=federation.b, **twin)
    assert candidates_for_new(visible_people(federation.officer_a), twin) == []
    assert [c.person.pk for c in candidates_for_new(visible_people(federation.regional), twin)] == [
        in_b.pk
    ]
    # The fixture's person in B has person A's name apart from the marker: never offered to A.
    values_b = {f: getattr(federation.person_b, f) for f in services.NAME_FIELDS}
    found = candidates(values_b, visible_people(federation.officer_a))
    assert federation.person_b.pk not in [c.person.pk for c in found]


FORM = {
    "family_name_hangul": "최",
    "given_name_hangul": "정희",
    "birth_date": "1941-05-17",
    "birth_precision": "day",
    "mobile": "090-2222-3333",
}


@pytest.mark.django_db
def test_create_page_warns_of_duplicates_until_confirmed(federation: Federation) -> None:
    existing = services.create_person(
        actor=federation.officer_a,
        unit=federation.a1,
        family_name_kanji="崔",
        given_name_kanji="貞姫",
        family_name_kana="チェ",
        given_name_kana="チョンヒ",
        birth_date=dt.date(1941, 5, 17),
    )
    services.create_person(  # the same person recorded in B: not A's to see
        actor=federation.officer_b,
        unit=federation.b,
        family_name_hangul="최",
        given_name_hangul="정희",
        family_name_latin=f"Choi{MARK_B}",
        birth_date=dt.date(1941, 5, 17),
    )
    client = signed_in(federation.officer_a)
    url = reverse("people:create") + "?unit=A"
    count = Person.objects.count()
    warned = client.post(url, FORM)
    body = warned.content.decode()
    assert warned.status_code == 200 and Person.objects.count() == count
    assert "may already be recorded" in body and "Possible duplicates" in body
    assert body.count('data-testid="duplicate"') == 1
    assert f'href="{reverse("people:detail", args=[existing.pk])}"' in body
    assert 'name="confirm_new"' in body and "same birth date" in body
    assert MARK_B not in body
    saved = client.post(url, FORM | {"confirm_new": "1"})
    assert saved.status_code == 302 and Person.objects.count() == count + 1


@pytest.mark.django_db
def test_api_create_answers_409_with_the_candidates(federation: Federation) -> None:
    existing = services.create_person(
        actor=federation.officer_a,
        unit=federation.a,
        family_name_latin="Choe",
        given_name_latin="Jeong-hui",
        mobile="090-2222-3333",
    )
    services.create_person(
        actor=federation.officer_b,
        unit=federation.b,
        family_name_hangul="최",
        given_name_hangul="정희",
        notes=MARK_B,
        mobile="090-2222-3333",
    )
    client = api_for(federation.officer_a)
    payload = {"unit": "A", **FORM}
    conflict = client.post("/api/v1/people", payload, content_type="application/json")
    assert conflict.status_code == 409
    body = conflict.json()
    assert [c["id"] for c in body["candidates"]] == [existing.pk]
    assert body["candidates"][0]["score"] >= THRESHOLD
    assert "same phone" in body["candidates"][0]["reasons"]
    assert MARK_B not in conflict.content.decode()
    created = client.post(
        "/api/v1/people", payload | {"confirm_new": True}, content_type="application/json"
    )
    assert created.status_code == 201 and "confirm_new" not in created.json()
    # Outside the user's units: refused before any candidate is named.
    outside = api_for(federation.officer_b).post(
        "/api/v1/people", payload, content_type="application/json"
    )
    assert outside.status_code == 422 and "candidates" not in outside.json()
