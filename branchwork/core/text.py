"""Name normalisation and search keys for the registry.

Members' names come in several scripts: hangul, kanji/hanja, kana readings (katakana or
hiragana, full- or half-width), an everyday Japanese name and romanised forms.  The search
index stores *keys* derived from these forms, and the search box derives the same kind of keys
from what a user types, so that both sides meet:

* :func:`normalise` folds width, kana script, case, whitespace, separators and a few kanji
  variants, giving one comparable string.
* :func:`bigrams` cuts a normalised string into character bigrams.  Most Korean and Japanese
  names are two or three characters long, which is too short for a trigram index.
* :data:`SURNAME_ROMANISATIONS`, :func:`romanisation_keys`, :func:`name_keys` and
  :func:`query_keys` tie romanised Korean surnames ("Lee", "Yi", "Rhee") to the hangul surname
  (이), which is the canonical key for all of them.
* :func:`defuse_formula` protects spreadsheet exports from formula injection.

Everything here is pure (no database, no Django) and safe to call on any ``str``.
"""

from __future__ import annotations

import functools
import unicodedata

import jaconv

__all__ = [
    "KANJI_VARIANTS",
    "SURNAME_ROMANISATIONS",
    "bigrams",
    "defuse_formula",
    "is_cjk",
    "name_keys",
    "normalise",
    "query_keys",
    "romanisation_keys",
]

# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

#: Characters dropped from keys besides whitespace: middle dots, hyphens and dashes,
#: apostrophes, commas and full stops (ASCII, Japanese and typographic forms).  The katakana
#: long-vowel mark ``ー`` (U+30FC, also what half-width ``ｰ`` becomes) is part of a reading and
#: is deliberately *not* listed.
_SEPARATORS = frozenset(
    "\u00b7\u2027\u2219\u30fb\uff65"  # middle dots: · ‧ ∙ ・ ･
    "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"  # hyphens, dashes, minus
    "'`\u2018\u2019\u02bb\u02bc\uff07"  # apostrophes: ' ` ‘ ’ ʻ ʼ ＇
    ",\u3001\uff0c\uff64"  # commas: , 、 ， ､
    ".\u3002\uff0e\uff61"  # full stops: . 。 ． ｡
)

#: Kanji variants that NFKC leaves apart but that name the same Korean surname.  Each variant
#: maps to one chosen form; only the search key changes, never the stored name.  Kept small on
#: purpose: add a pair only when both spellings demonstrably denote the same name.
#:
#: * 裴 → 裵  (배, Bae: both forms are in everyday use)
#: * 曹 → 曺  (조, Cho: 曺 is the Korean form, 曹 the Chinese/Japanese one)
#: * 権 → 權  (권, Kwon: Japanese shinjitai of 權)
#: * 黄 → 黃  (황, Hwang: Japanese shinjitai of 黃)
#: * 辺, 邉 → 邊  (변, Byun: shinjitai and variant of 邊)
#:
#: 崔, 姜, 鄭 and 柳 have no such variant and stay as they are (the compatibility ideograph of
#: 柳, U+F9C9, is already folded by NFKC).
KANJI_VARIANTS: dict[str, str] = {
    "裴": "裵",
    "曹": "曺",
    "権": "權",
    "黄": "黃",
    "辺": "邊",
    "邉": "邊",
}
_KANJI_TABLE = str.maketrans(KANJI_VARIANTS)


def _is_ignorable(ch: str) -> bool:
    """Whitespace, separators, invisible format characters and variation selectors."""
    if ch.isspace() or ch in _SEPARATORS:
        return True
    cp = ord(ch)
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        # Variation selectors, including the ideographic variation sequences used to pick a
        # particular glyph of a kanji in Japanese names (e.g. 葛 + U+E0100).
        return True
    # Zero-width spaces/joiners, soft hyphens, byte order marks pasted from elsewhere.
    return unicodedata.category(ch) == "Cf"


def _normalise_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if not _is_ignorable(ch))
    # Dropping characters can bring combining marks or conjoining jamo together: recompose.
    text = unicodedata.normalize("NFKC", text)
    text = jaconv.kata2hira(text).lower()
    return text.translate(_KANJI_TABLE)


# Names repeat a great deal (a few hundred family names cover most people), so bulk indexing
# of a whole registry hits this cache far more often than it computes.
@functools.lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Fold a name (or a search term) into its comparable key.

    In order: NFKC (full-width ASCII → ASCII, half-width katakana → full-width, compatibility
    ideographs → unified ones, conjoining jamo → hangul syllables); drop whitespace (including
    the ideographic space U+3000), middle dots, hyphens, apostrophes, commas, full stops,
    invisible format characters and variation selectors; katakana → hiragana; lower case; fold
    the kanji variants of :data:`KANJI_VARIANTS`.  The long-vowel mark ``ー`` is kept.

    The result is a fixed point: ``normalise(normalise(s)) == normalise(s)`` for every ``s``.

    >>> normalise("ｷﾑ") == normalise("キム") == normalise("きむ") == "きむ"
    True
    >>> normalise("金　民洙")
    '金民洙'
    >>> normalise("Ｋｉｍ Min-soo")
    'kimminsoo'
    """
    result = _normalise_once(text)
    # One pass is enough for real names; a few exotic code points (e.g. ones whose lower case
    # or NFKC form is another foldable character) need another.  Bounded to stay total.
    for _ in range(4):
        again = _normalise_once(result)
        if again == result:
            break
        result = again
    return result


_CJK_RANGES: tuple[tuple[int, int], ...] = (
    # Hangul
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7A3),  # Hangul Syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo Extended-B
    (0xFFA0, 0xFFDC),  # Half-width hangul jamo
    # Ideographs
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x2FA1F),  # Extensions B-F, I and the Compatibility Ideographs Supplement
    (0x30000, 0x323AF),  # Extensions G and H
    # Kana
    (0x3040, 0x309F),  # Hiragana
    (0x30A0, 0x30FF),  # Katakana
    (0x31F0, 0x31FF),  # Katakana Phonetic Extensions
    (0xFF66, 0xFF9F),  # Half-width katakana
    (0x1B000, 0x1B16F),  # Kana Supplement, Extended-A and Small Kana Extension
)


def is_cjk(ch: str) -> bool:
    """Whether the single character ``ch`` is hangul, a CJK ideograph or kana.

    Covers hangul syllables and jamo (conjoining, compatibility, half-width and the extended
    blocks), CJK unified ideographs with all extensions (A to I), compatibility ideographs and
    their supplement, the ideographic iteration mark ``々``, ``〆`` and ``〇``, hiragana, katakana
    (full-width, half-width and the phonetic extensions, including the long-vowel mark ``ー``).
    The middle dots ``・``/``･`` are punctuation, not kana, and return ``False``.

    Raises :class:`TypeError` when ``ch`` is not exactly one character.
    """
    cp = ord(ch)
    if cp in (0x30FB, 0xFF65):  # katakana middle dot, full- and half-width
        return False
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def bigrams(text: str) -> list[str]:
    """Character bigrams of ``normalise(text)``, de-duplicated, in order of first appearance.

    A key of one or two characters gives ``[key]``, an empty key ``[]``.

    >>> bigrams("김민수")
    ['김민', '민수']
    >>> bigrams("李")
    ['李']
    """
    key = normalise(text)
    if len(key) <= 2:
        return [key] if key else []
    return list(dict.fromkeys(key[i : i + 2] for i in range(len(key) - 1)))


# --------------------------------------------------------------------------------------------
# Korean surnames
# --------------------------------------------------------------------------------------------

#: Common romanised spellings of Korean surnames, keyed by the hangul surname, which is the
#: canonical search key.  Spellings are lower case and already normalised (compound surnames
#: are written without a space or hyphen, so "Sun Woo" and "Sun-woo" both find 선우).  A
#: spelling may belong to several surnames ("yu": 유 and 류); searches then match all of them.
SURNAME_ROMANISATIONS: dict[str, tuple[str, ...]] = {
    "김": ("kim", "gim"),
    "이": ("lee", "yi", "rhee", "ri", "i"),
    "박": ("park", "bak", "pak"),
    "최": ("choi", "choe", "chwe"),
    "정": ("jung", "jeong", "chung", "chong", "jeung"),
    "강": ("kang", "gang"),
    "조": ("cho", "jo"),
    "윤": ("yoon", "yun"),
    "장": ("jang", "chang"),
    "임": ("lim", "im", "rim"),
    "한": ("han",),
    "오": ("oh", "o"),
    "서": ("seo", "suh", "so"),
    "신": ("shin", "sin"),
    "권": ("kwon", "gwon"),
    "황": ("hwang",),
    "안": ("ahn", "an"),
    "송": ("song",),
    "전": ("jeon", "jun", "chun", "chon"),
    "고": ("ko", "go", "koh"),
    "문": ("moon", "mun"),
    "양": ("yang", "ryang"),
    "손": ("son", "sohn"),
    "배": ("bae", "bai", "pae"),
    "백": ("baek", "paek", "paik"),
    "허": ("heo", "hur", "huh"),
    "남": ("nam",),
    "유": ("yoo", "yu", "ryu"),
    "노": ("noh", "no", "roh"),
    "하": ("ha",),
    "곽": ("kwak", "gwak"),
    "성": ("sung", "seong"),
    "차": ("cha",),
    "주": ("joo", "ju", "chu"),
    "우": ("woo", "u"),
    "구": ("koo", "ku", "gu"),
    "민": ("min",),
    "류": ("ryu", "yoo", "yu"),
    "나": ("na", "ra"),
    "진": ("jin", "chin"),
    "지": ("ji", "chi"),
    "엄": ("um", "eom"),
    "채": ("chae",),
    "원": ("won",),
    "천": ("cheon", "chun"),
    "방": ("bang", "pang"),
    "공": ("kong", "gong"),
    "현": ("hyun", "hyeon"),
    "함": ("ham",),
    "변": ("byun", "byeon", "pyun"),
    "염": ("yeom", "yum"),
    "여": ("yeo", "yuh"),
    "추": ("choo", "chu"),
    "도": ("do", "doh"),
    "소": ("so",),
    "석": ("seok", "suk"),
    "선": ("sun", "seon"),
    "설": ("seol", "sul"),
    "마": ("ma",),
    "길": ("gil", "kil"),
    "연": ("yeon", "yun"),
    "위": ("wi", "wee"),
    "표": ("pyo",),
    "명": ("myung", "myeong"),
    "기": ("ki", "gi"),
    "반": ("ban", "pan"),
    "왕": ("wang",),
    "금": ("keum", "geum", "kum"),
    "옥": ("ok",),
    "육": ("yook", "yuk"),
    "인": ("in",),
    "맹": ("maeng",),
    "제": ("je",),
    "모": ("mo",),
    "탁": ("tak",),
    "국": ("kook", "guk"),
    "어": ("eo", "uh"),
    "은": ("eun",),
    "편": ("pyun", "pyeon"),
    "용": ("yong",),
    "예": ("ye", "yeh"),
    "경": ("kyung", "gyeong"),
    "봉": ("bong",),
    "사": ("sa",),
    "부": ("boo", "bu"),
    "황보": ("hwangbo",),
    "남궁": ("namgung",),
    "선우": ("sunwoo", "seonu"),
    "제갈": ("jegal",),
    "독고": ("dokgo",),
}


def _spelling_index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for hangul, spellings in SURNAME_ROMANISATIONS.items():
        for spelling in spellings:
            index.setdefault(spelling, set()).add(hangul)
    return {spelling: frozenset(surnames) for spelling, surnames in index.items()}


#: Reverse of :data:`SURNAME_ROMANISATIONS`: spelling → the hangul surnames it may stand for.
_SURNAMES_BY_SPELLING = _spelling_index()


def _is_latin_word(key: str) -> bool:
    return bool(key) and key.isascii() and key.isalpha()


def romanisation_keys(latin: str) -> set[str]:
    """The search keys a romanised surname may stand for.

    Returns the normalised input itself plus every hangul surname of
    :data:`SURNAME_ROMANISATIONS` that lists it as a spelling.  Case, spaces, hyphens and
    apostrophes do not matter ("Ch'oe" finds 최, "Sun Woo" finds 선우).  Input that is no known
    spelling gives ``{normalise(latin)}``; blank input gives the empty set, since an empty key
    matches nothing.

    >>> sorted(romanisation_keys("RHEE"))
    ['rhee', '이']
    >>> sorted(romanisation_keys("yu"))
    ['yu', '류', '유']
    """
    key = normalise(latin)
    if not key:
        return set()
    return {key, *_SURNAMES_BY_SPELLING.get(key, frozenset())}


def name_keys(
    *,
    hangul: str = "",
    kanji: str = "",
    kana: str = "",
    everyday: str = "",
    everyday_kana: str = "",
    latin: str = "",
) -> set[str]:
    """Every whole-token key one part of a person's name (family or given) is findable by.

    Each non-blank form is normalised (so kana readings are stored as hiragana, and katakana or
    half-width searches meet them).  A hangul surname is its own canonical key, which is what
    :func:`query_keys` maps romanised spellings to: a person with family name 이 gets the key
    ``"이"`` and is found by "Lee", "Yi" or "Rhee".  A romanised form that is a known surname
    spelling also yields the hangul key, so a person recorded only as "Rhee" is found by "Lee".

    >>> sorted(name_keys(hangul="이", kanji="李", kana="イ", latin="Rhee"))
    ['rhee', 'い', '李', '이']
    """
    keys = {normalise(form) for form in (hangul, kanji, kana, everyday, everyday_kana)}
    if latin:
        keys |= romanisation_keys(latin)
    keys.discard("")
    return keys


def query_keys(query: str) -> list[set[str]]:
    """Split a search-box query into terms, each with the alternative keys it may match.

    Terms are separated by any whitespace (including U+3000).  A term's alternatives are its
    normalised form and, when that is a Latin word, the hangul surnames it may romanise.  The
    caller ANDs the terms and ORs the alternatives.  Terms that normalise to nothing (a lone
    "・" or "-") are dropped.

    >>> [sorted(alternatives) for alternatives in query_keys("Lee　ミンス")]
    [['lee', '이'], ['みんす']]
    """
    terms: list[set[str]] = []
    for term in query.split():
        key = normalise(term)
        if not key:
            continue
        alternatives = romanisation_keys(term) if _is_latin_word(key) else {key}
        terms.append(alternatives)
    return terms


# --------------------------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------------------------

#: Leading characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"),
#: plus their full-width forms, which Japanese-locale spreadsheets may also accept.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def defuse_formula(value: str) -> str:
    """Prefix a spreadsheet cell value with ``'`` when it would otherwise start a formula.

    >>> defuse_formula("=SUM(A1)")
    "'=SUM(A1)"
    >>> defuse_formula("金民洙")
    '金民洙'
    """
    if value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value
