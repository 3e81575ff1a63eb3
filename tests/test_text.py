"""Name normalisation and search keys (branchwork.core.text): pure functions, no database."""

from __future__ import annotations

import doctest
import unicodedata

import jaconv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from branchwork.core import text
from branchwork.core.text import (
    KANJI_VARIANTS,
    SURNAME_ROMANISATIONS,
    bigrams,
    defuse_formula,
    is_cjk,
    name_keys,
    normalise,
    query_keys,
    romanisation_keys,
)

# --------------------------------------------------------------------------------------------
# normalise
# --------------------------------------------------------------------------------------------


def test_kana_width_and_script_fold_together() -> None:
    assert normalise("ｷﾑ") == normalise("キム") == normalise("きむ") == "きむ"


def test_half_width_voiced_kana_recompose() -> None:
    assert normalise("ｷﾞｮﾝｽ") == normalise("ギョンス") == "ぎょんす"
    assert normalise("ﾊﾟｸ") == "ぱく"


def test_ideographic_space_is_removed() -> None:
    assert normalise("金　民洙") == normalise("金民洙") == "金民洙"
    assert normalise(" 김 민수\t\n") == "김민수"


def test_full_width_ascii_and_case() -> None:
    assert normalise("ＫＩＭ") == normalise("Kim") == "kim"
    assert normalise("Ｌｅｅ１２") == "lee12"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("キム・ミンス", "きむみんす"),
        ("ｷﾑ･ﾐﾝｽ", "きむみんす"),
        ("Min-soo", "minsoo"),
        ("Min‐soo", "minsoo"),  # U+2010 hyphen
        ("Ch'oe", "choe"),
        ("Ch’oe", "choe"),
        ("Kim, Min.", "kimmin"),
        ("金、民。", "金民"),
        ("Kim\u200bMin", "kimmin"),  # zero-width space
        ("葛\U000e0100城", "葛城"),  # ideographic variation selector
    ],
)
def test_separators_are_removed(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_long_vowel_mark_is_kept() -> None:
    assert normalise("ユーリ") == "ゆーり"
    assert normalise("ﾕｰﾘ") == "ゆーり"
    assert normalise("ゆうり") != normalise("ユーリ")


def test_kanji_variants() -> None:
    assert normalise("裴") == normalise("裵") == "裵"
    assert normalise("曹") == normalise("曺") == "曺"
    assert normalise("権") == normalise("權")
    assert normalise("辺") == normalise("邉") == normalise("邊")
    for unchanged in ("崔", "姜", "鄭", "柳"):
        assert normalise(unchanged) == unchanged
    assert normalise("\uf9c9") == "柳"  # compatibility ideograph, folded by NFKC


def test_kanji_variant_table_is_consistent() -> None:
    for variant, chosen in KANJI_VARIANTS.items():
        assert unicodedata.normalize("NFKC", variant) == variant
        assert chosen not in KANJI_VARIANTS  # one step reaches the chosen form
        assert normalise(chosen) == chosen


def test_hangul_jamo_compose() -> None:
    assert normalise("\u1100\u1175\u11b7") == "김"
    assert normalise("\u1100 \u1175\u11b7") == "김"


def test_empty_and_blank() -> None:
    assert normalise("") == ""
    assert normalise(" 　・-") == ""


# --------------------------------------------------------------------------------------------
# is_cjk
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ch",
    ["김", "ㄱ", "\u1100", "金", "\u3400", "\uf9c9", "\U00020000", "々", "き", "キ", "ｷ", "ー"],
)
def test_is_cjk_true(ch: str) -> None:
    assert is_cjk(ch)


@pytest.mark.parametrize("ch", ["a", "Z", "1", " ", "\u3000", "・", "･", "-", "é", "Ж", "、"])
def test_is_cjk_false(ch: str) -> None:
    assert not is_cjk(ch)


def test_is_cjk_needs_one_character() -> None:
    with pytest.raises(TypeError):
        is_cjk("김민")


# --------------------------------------------------------------------------------------------
# bigrams
# --------------------------------------------------------------------------------------------


def test_bigrams_examples() -> None:
    assert bigrams("김민수") == ["김민", "민수"]
    assert bigrams("李") == ["李"]
    assert bigrams("金民") == ["金民"]
    assert bigrams("") == []
    assert bigrams(" 　") == []


def test_bigrams_normalise_first_and_deduplicate() -> None:
    assert bigrams("ｷﾑ ﾐﾝｽ") == ["きむ", "むみ", "みん", "んす"]
    assert bigrams("ままま") == ["まま"]
    assert bigrams("abab") == ["ab", "ba"]


# --------------------------------------------------------------------------------------------
# Surnames and romanisation
# --------------------------------------------------------------------------------------------


def test_surname_table_shape() -> None:
    for hangul, spellings in SURNAME_ROMANISATIONS.items():
        assert hangul and all(0xAC00 <= ord(ch) <= 0xD7A3 for ch in hangul), hangul
        assert normalise(hangul) == hangul
        assert spellings, hangul
        assert len(set(spellings)) == len(spellings), hangul
        for spelling in spellings:
            assert spelling.isascii() and spelling.isalpha(), spelling
            assert normalise(spelling) == spelling, spelling


@pytest.mark.parametrize("latin", ["Kim", "GIM", "kim", "Ｋｉｍ", " kim "])
def test_kim(latin: str) -> None:
    assert "김" in romanisation_keys(latin)


@pytest.mark.parametrize("latin", ["Lee", "Yi", "Rhee", "Ri", "I", "LEE"])
def test_lee(latin: str) -> None:
    keys = romanisation_keys(latin)
    assert "이" in keys
    assert normalise(latin) in keys


def test_romanisation_keys_exact() -> None:
    assert romanisation_keys("Lee") == {"lee", "이"}
    assert romanisation_keys("jung") == {"jung", "정"}
    assert romanisation_keys("yu") == {"yu", "유", "류"}
    assert romanisation_keys("Chun") == {"chun", "전", "천"}
    assert romanisation_keys("Ch'oe") == {"choe", "최"}


def test_compound_surnames() -> None:
    assert "선우" in romanisation_keys("Sun Woo")
    assert "선우" in romanisation_keys("sun-woo")
    assert "남궁" in romanisation_keys("NAMGUNG")
    assert "황보" in romanisation_keys("Hwangbo")


def test_romanisation_keys_unknown_and_blank() -> None:
    assert romanisation_keys("Smith") == {"smith"}
    assert romanisation_keys("ＳＭＩＴＨ") == {"smith"}
    assert romanisation_keys("") == set()
    assert romanisation_keys("  ") == set()


def test_name_keys_full() -> None:
    keys = name_keys(
        hangul="이",
        kanji="李",
        kana="イ",
        everyday="李 ",
        everyday_kana="ﾘ",
        latin="Rhee",
    )
    assert keys == {"이", "李", "い", "り", "rhee"}


def test_name_keys_latin_only_reaches_hangul() -> None:
    assert name_keys(latin="Rhee") == {"rhee", "이"}
    # ...so a search for "Lee" (alternatives lee | 이) finds it.
    assert query_keys("Lee")[0] & name_keys(latin="Rhee")


def test_name_keys_given_name() -> None:
    assert name_keys(hangul="민수", kanji="民洙", kana="ミンス", latin="Min-soo") == {
        "민수",
        "民洙",
        "みんす",
        "minsoo",
    }


def test_name_keys_blank() -> None:
    assert name_keys() == set()
    assert name_keys(hangul=" ", kanji="　", kana="・") == set()


def test_name_keys_kana_meets_katakana_search() -> None:
    keys = name_keys(kana="キム")
    assert query_keys("ｷﾑ") == [{"きむ"}]
    assert query_keys("きむ")[0] <= keys


# --------------------------------------------------------------------------------------------
# query_keys
# --------------------------------------------------------------------------------------------


def test_query_keys_examples() -> None:
    assert query_keys("Lee 민수") == [{"lee", "이"}, {"민수"}]
    assert query_keys("金　民洙") == [{"金"}, {"民洙"}]
    assert query_keys("yu") == [{"yu", "유", "류"}]
    assert query_keys("ｷﾑ") == [{"きむ"}]
    assert query_keys("Smith") == [{"smith"}]


def test_query_keys_blank_and_separator_terms() -> None:
    assert query_keys("") == []
    assert query_keys("  　 ") == []
    assert query_keys("Kim ・ -") == [{"kim", "김"}]


def test_query_keys_mixed_term_is_not_romanised() -> None:
    assert query_keys("kim1") == [{"kim1"}]
    assert query_keys("kim민") == [{"kim민"}]


def test_query_matches_person_written_differently() -> None:
    person = name_keys(hangul="최", kanji="崔", kana="チェ", latin="Choi")
    for typed in ("Choe", "CHOI", "chwe", "최", "崔", "ﾁｪ", "ちぇ"):
        (alternatives,) = query_keys(typed)
        assert alternatives & person, typed


# --------------------------------------------------------------------------------------------
# defuse_formula
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("＝SUM(A1)", "'＝SUM(A1)"),
        ("金民洙", "金民洙"),
        ("a=b", "a=b"),
        ("", ""),
        (" =1", " =1"),
    ],
)
def test_defuse_formula(value: str, expected: str) -> None:
    assert defuse_formula(value) == expected


# --------------------------------------------------------------------------------------------
# Docstring examples
# --------------------------------------------------------------------------------------------


def test_docstring_examples() -> None:
    result = doctest.testmod(text)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

KATAKANA = [chr(cp) for cp in range(0x30A1, 0x30FB)] + ["ー"]
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
KANJI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
KANA = st.sampled_from([chr(cp) for cp in range(0x3041, 0x3097)] + KATAKANA)
CJK_NAME = st.lists(st.one_of(HANGUL, KANJI, KANA), min_size=1, max_size=8)
SPACES = st.text(alphabet=" \u3000", max_size=3)


@settings(deadline=None, derandomize=True)
@given(st.text(alphabet=KATAKANA))
def test_katakana_hiragana_half_width_agree(katakana: str) -> None:
    hiragana = jaconv.kata2hira(katakana)
    half_width = jaconv.z2h(katakana, kana=True, ascii=False, digit=False)
    assert normalise(katakana) == normalise(hiragana) == normalise(half_width)


@settings(deadline=None, derandomize=True)
@given(CJK_NAME, st.data())
def test_spaces_inside_cjk_name_do_not_matter(chars: list[str], data: st.DataObject) -> None:
    spaced = "".join(ch + data.draw(SPACES) for ch in chars)
    spaced = data.draw(SPACES) + spaced
    assert normalise(spaced) == normalise("".join(chars))


@settings(deadline=None, derandomize=True)
@given(st.text())
def test_normalise_is_idempotent(value: str) -> None:
    once = normalise(value)
    assert normalise(once) == once


@settings(deadline=None, derandomize=True)
@given(st.text())
def test_normalised_keys_have_no_whitespace(value: str) -> None:
    assert not any(ch.isspace() for ch in normalise(value))


@settings(deadline=None, derandomize=True)
@given(st.text(min_size=2))
def test_bigrams_are_substrings(value: str) -> None:
    key = normalise(value)
    grams = bigrams(key)
    if len(key) >= 2:
        assert len(grams) <= len(key) - 1
        assert all(len(gram) == 2 and gram in key for gram in grams)
    assert len(set(grams)) == len(grams)


@settings(deadline=None, derandomize=True)
@given(st.text())
def test_query_keys_terms_are_normalised(value: str) -> None:
    for alternatives in query_keys(value):
        assert alternatives
        assert all(key and normalise(key) == key for key in alternatives)


@settings(deadline=None, derandomize=True)
@given(st.text())
def test_defuse_formula_only_prefixes(value: str) -> None:
    result = defuse_formula(value)
    assert result in (value, "'" + value)
    assert not result.startswith(("=", "+", "-", "@", "\t", "\r"))
