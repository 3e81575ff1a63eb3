"""Property (hypothesis): width, kana-type, case and spacing variants of a recorded name always
find the person, through the real search index in the database. (A space typed inside a name
part splits it into terms; a lone last character of a part is not a key of its own, so such
queries are not promised.)"""

from __future__ import annotations

import unicodedata

import jaconv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branchwork.people import services
from branchwork.people.models import Person
from branchwork.people.search import search
from branchwork.people.selectors import visible_people
from tests.conftest import Federation

pytestmark = pytest.mark.django_db

KATAKANA = [
    chr(c)
    for c in range(0x30A2, 0x30F3)
    if unicodedata.name(chr(c), "").startswith("KATAKANA LETTER")
    and "SMALL" not in unicodedata.name(chr(c))
]
HANGUL = [chr(c) for c in range(0xAC00, 0xAC00 + 11172, 97)]
KANJI = list("金李朴崔鄭姜趙尹張林韓呉徐申民洙英姫成浩貞淑哲智賢俊瑞恵善珍佑泰京美子順玉明")


def variants(draw: st.DrawFn, name: str) -> str:
    """The same name as an officer might type it: kana type, width, case."""
    out = name
    if draw(st.booleans()):
        out = jaconv.kata2hira(out)
    if draw(st.booleans()):
        out = jaconv.z2h(out, kana=True, ascii=True, digit=True)
    if draw(st.booleans()):
        out = out.upper() if draw(st.booleans()) else out.lower()
    return out


@st.composite
def typed_names(draw: st.DrawFn) -> tuple[dict[str, str], str]:
    script = draw(st.sampled_from(["kana", "hangul", "kanji", "latin"]))
    alphabet = {"kana": KATAKANA, "hangul": HANGUL, "kanji": KANJI}.get(script)
    if alphabet is None:
        family = draw(st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6)).title()
        given = draw(st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6)).title()
        fields = {"family_name_latin": family, "given_name_latin": given}
    else:
        family = "".join(draw(st.lists(st.sampled_from(alphabet), min_size=1, max_size=3)))
        given = "".join(draw(st.lists(st.sampled_from(alphabet), min_size=1, max_size=3)))
        fields = {f"family_name_{script}": family, f"given_name_{script}": given}
    # Between family and given name: nothing, a space, an ideographic space or a middle dot.
    sep = draw(st.sampled_from(["", " ", "\u3000", "・"]))
    whole = draw(st.sampled_from([family + sep + given, given, family]))
    return fields, variants(draw, whole)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(typed_names())
def test_a_variant_of_a_recorded_name_finds_the_person(
    federation: Federation, case: tuple[dict[str, str], str]
) -> None:
    fields, query = case
    person = services.create_person(actor=federation.officer_a, unit=federation.a, **fields)
    try:
        found = search(visible_people(federation.officer_a), query).filter(pk=person.pk)
        assert found.exists(), (fields, query)
    finally:
        Person.objects.filter(pk=person.pk).delete()
