"""Korean names across scripts: hangul, its romanised spellings and kana readings, hanja.

The registry holds a name in whichever scripts an officer wrote down: 김민수, 金民洙,
キム・ミンス, "Kim Min-soo". To tell whether two records name the same person, each form is
brought into a *phonetic key* (:func:`phonetic`): a folded Latin spelling in which the usual
variations vanish, so that all of these give ``"kiminso"``:

* hangul is romanised (Revised Romanization, syllable by syllable; :func:`romanise`), and
  also read as pronounced (순희 → 수니, which is how kana often writes it; :func:`pronounced`);
* kana is romanised, reading the ム, ク, ル, プ that close a Korean syllable as the consonant
  alone (キム → "kim", パク → "pak"; :func:`kana_to_latin`);
* hanja are read through :mod:`branchwork.core.hanja` (only when every character is known);
* the Latin result is folded (:func:`fold`): voiced and unvoiced consonants meet (g/k, d/t,
  b/p, j/ch), r meets l, and the vowels that romanisations spell differently (eo, o, u, oo,
  eu; ee and i; ae and e) meet.

The other direction serves the search index, whose keys are in the script of the stored form:
:func:`latin_spellings` and :func:`kana_readings` give the likely spellings of a hangul name,
and :func:`hangul_from_spelling` reads a Latin or kana given name back into hangul using the
syllables that names are made of. :func:`surnames_of` gives the hangul surnames any written
form of a family name may stand for.

Pure functions, no Django; the tables are small and built once.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable

from .hanja import GIVEN_READINGS, SURNAME_READINGS, SURNAMES_READ_IN_JAPANESE
from .text import SURNAME_ROMANISATIONS, normalise, romanisation_keys

__all__ = [
    "fold",
    "hangul_from_spelling",
    "hanja_readings",
    "is_hangul",
    "kana_readings",
    "kana_to_latin",
    "latin_spellings",
    "phonetic",
    "pronounced",
    "romanise",
    "surnames_of",
]

_BASE = 0xAC00
_LAST = 0xD7A3


def _seq(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


# Revised Romanization of each initial, medial and final (by index in the Unicode order).
_RR_INITIAL = _seq("g|kk|n|d|tt|r|m|b|pp|s|ss||j|jj|ch|k|t|p|h")
_RR_MEDIAL = _seq("a|ae|ya|yae|eo|e|yeo|ye|o|wa|wae|oe|yo|u|wo|we|wi|yu|eu|ui|i")
_RR_FINAL = _seq("|k|k|k|n|n|n|t|l|k|m|l|l|l|p|l|m|p|p|t|t|ng|t|t|k|t|p|t")

# Other spellings in everyday use, besides the Revised Romanization.
_INITIAL_VARIANTS = {0: ("g", "k"), 3: ("d", "t"), 5: ("r", "l"), 7: ("b", "p"), 12: ("j", "ch")}
_MEDIAL_VARIANTS = {
    4: ("eo", "u", "o"),  # ㅓ: 성 Seong/Sung/Song
    6: ("yeo", "yu", "yo"),  # ㅕ: 경 Gyeong/Kyung/Kyong
    11: ("oe", "oi"),  # ㅚ
    13: ("u", "oo"),  # ㅜ: 수 Su/Soo
    17: ("yu", "yoo"),  # ㅠ
    18: ("eu", "u"),  # ㅡ: 은 Eun/Un
    19: ("ui", "ee"),  # ㅢ: 희 Hui/Hee
    20: ("i", "ee"),  # ㅣ
}
_FINAL_VARIANTS = {1: ("k", "g"), 8: ("l", "r"), 17: ("p", "b")}

# Kana: the row of each initial (unvoiced first, then the voiced form used inside a name),
# the vowel of each medial, and the kana that closes a syllable for each final.
_KANA_ROW = {0: "kg", 1: "k", 2: "n", 3: "td", 4: "t", 5: "r", 6: "m", 7: "pb", 8: "p", 9: "s"}
_KANA_ROW |= {10: "s", 11: "", 12: "cj", 13: "c", 14: "c", 15: "k", 16: "t", 17: "p", 18: "h"}
_KANA_VOWEL = _seq("a|e|ya|ye|o|e|yo|ye|o|wa|we|we|yo|u|wo|we|wi|yu|u|i|i")
_KANA_FINAL = _seq(
    "|く|く|く|ん|ん|ん|っ|る|く|む|る|る|る|る|る|む|ぷ|ぷ|っ|っ|ん|っ|っ|く|っ|ぷ|っ"
)
_KANA_PLAIN = {  # a i u e o of each row
    "": "あいうえお",
    "k": "かきくけこ",
    "g": "がぎぐげご",
    "s": "さしすせそ",
    "n": "なにぬねの",
    "h": "はひふへほ",
    "m": "まみむめも",
    "r": "らりるれろ",
    "p": "ぱぴぷぺぽ",
    "b": "ばびぶべぼ",
}
_KANA_SPECIAL = {
    "t": {"a": "た", "i": "てぃ", "u": "とぅ", "e": "て", "o": "と"},
    "d": {"a": "だ", "i": "でぃ", "u": "どぅ", "e": "で", "o": "ど"},
    "c": {"a": "ちゃ", "i": "ち", "u": "ちゅ", "e": "ちぇ", "o": "ちょ"},
    "j": {"a": "じゃ", "i": "じ", "u": "じゅ", "e": "じぇ", "o": "じょ"},
}
# A final moved onto the next syllable when that starts with a vowel (연음): final → initial.
_LIAISON = {1: 0, 2: 1, 4: 2, 7: 3, 8: 5, 16: 6, 17: 7, 19: 9, 20: 10, 22: 12, 23: 14}
_LIAISON |= {24: 15, 25: 16, 26: 17}


def is_hangul(ch: str) -> bool:
    return _BASE <= ord(ch) <= _LAST


def _split(ch: str) -> tuple[int, int, int]:
    code = ord(ch) - _BASE
    return code // 588, (code % 588) // 28, code % 28


def _join(initial: int, medial: int, final: int) -> str:
    return chr(_BASE + (initial * 21 + medial) * 28 + final)


def pronounced(hangul: str) -> str:
    """The name as it sounds: a final consonant moves onto a following vowel (순옥 → 수녹),
    and ㅎ after ㄴ, ㄹ or ㅁ falls silent (순희 → 수니). Kana readings are written this way."""
    chars = list(normalise(hangul))
    for i in range(len(chars) - 1):
        a, b = chars[i], chars[i + 1]
        if not (is_hangul(a) and is_hangul(b)):
            continue
        ai, am, af = _split(a)
        bi, bm, bf = _split(b)
        if (
            bi == 11 and af in _LIAISON or bi == 18 and af in (4, 8, 16)
        ):  # next syllable starts with a vowel
            chars[i], chars[i + 1] = _join(ai, am, 0), _join(_LIAISON[af], bm, bf)
    return "".join(chars)


def romanise(hangul: str) -> str:
    """Revised Romanization, syllable by syllable, without the sound changes between them."""
    out = []
    for ch in normalise(hangul):
        if is_hangul(ch):
            i, m, f = _split(ch)
            out.append(_RR_INITIAL[i] + _RR_MEDIAL[m] + _RR_FINAL[f])
        else:
            out.append(ch)
    return "".join(out)


def _syllable_spellings(ch: str) -> list[str]:
    i, m, f = _split(ch)
    initials = list(_INITIAL_VARIANTS.get(i, (_RR_INITIAL[i],)))
    if i == 9 and _RR_MEDIAL[m].startswith(("i", "y")):
        initials.append("sh")  # 신 Shin
    medials = list(_MEDIAL_VARIANTS.get(m, (_RR_MEDIAL[m],)))
    if i == 11 and m == 13:
        medials.append("woo")  # 우 Woo
    if m == 6 and f == 21:
        medials.append("you")  # 영 Young
    finals = _FINAL_VARIANTS.get(f, (_RR_FINAL[f],))
    return ["".join(p) for p in itertools.product(initials, medials, finals)]


# The spelling most people in the diaspora give their names (Kyung, Jung, Soo, Hee, Young):
# the variant of each medial (영 alone is "Young"), and k for an initial ㄱ.
_POPULAR_MEDIAL = {4: "u", 6: "yu", 13: "oo", 19: "ee"}


def _popular(ch: str) -> str:
    i, m, f = _split(ch)
    initial = "k" if i == 0 else _RR_INITIAL[i]
    medial = "you" if (i, m, f) == (11, 6, 21) else _POPULAR_MEDIAL.get(m, _RR_MEDIAL[m])
    return initial + medial + _RR_FINAL[f]


def latin_spellings(hangul: str, limit: int = 24) -> list[str]:
    """Likely Latin spellings of a hangul name: the Revised Romanization, the popular spelling
    (경수 → "gyeongsu", "kyungsoo"), then other mixtures of the usual variants."""
    key = normalise(hangul)
    if not key:
        return []
    parts = [_syllable_spellings(ch) if is_hangul(ch) else [ch] for ch in key]
    found = [
        romanise(key),
        "".join(_popular(ch) if is_hangul(ch) else ch for ch in key),
        *("".join(combo) for combo in itertools.islice(itertools.product(*parts), limit)),
    ]
    return list(dict.fromkeys(found))[:limit]


def _kana_syllable(initial: int, medial: int, final: int, voiced: bool) -> str:
    rows = _KANA_ROW[initial]
    row = rows[1] if voiced and len(rows) > 1 else rows[:1]
    vowel = _KANA_VOWEL[medial]
    if row in _KANA_SPECIAL:
        table = _KANA_SPECIAL[row]
        core = table.get(vowel[-1], table["a"]) if row in "cj" else table.get(vowel, "")
        if not core:  # t/d with y- or w- vowels: rare in names, spell them plainly
            core = table.get(vowel[-1], "")
    elif vowel in ("a", "i", "u", "e", "o"):
        core = _KANA_PLAIN[row]["aiueo".index(vowel)]
    elif vowel[0] == "y":
        if row == "":
            core = {"ya": "や", "yu": "ゆ", "yo": "よ", "ye": "いぇ"}[vowel]
        elif row == "s" and vowel != "ye":
            core = {"ya": "しゃ", "yu": "しゅ", "yo": "しょ"}[vowel]
        else:
            small = {"ya": "ゃ", "yu": "ゅ", "yo": "ょ", "ye": "ぇ"}[vowel]
            core = _KANA_PLAIN[row][1] + small
    else:  # w- vowels
        if row == "":
            core = {"wa": "わ", "wi": "うぃ", "we": "うぇ", "wo": "うぉ"}[vowel]
        elif row == "s":
            core = _KANA_PLAIN["s"]["aiueo".index(vowel[1])]
        else:
            small = {"wa": "ぁ", "wi": "ぃ", "we": "ぇ", "wo": "ぉ"}[vowel]
            core = _KANA_PLAIN[row][2] + small
    return core + _KANA_FINAL[final]


def kana_readings(hangul: str, limit: int = 8) -> list[str]:
    """Likely kana readings (in hiragana) of a hangul name: as written and as pronounced, with
    the voiced consonant inside the name first (민자 → みんじゃ, then みんちゃ)."""
    out: list[str] = []
    for form in dict.fromkeys((normalise(hangul), pronounced(hangul))):
        if not form or not all(is_hangul(ch) for ch in form):
            continue
        options = []
        for pos, ch in enumerate(form):
            i, m, f = _split(ch)
            voiced_first = pos > 0
            options.append(
                list(
                    dict.fromkeys(
                        (
                            _kana_syllable(i, m, f, voiced_first),
                            _kana_syllable(i, m, f, not voiced_first),
                        )
                    )
                )
            )
        for combo in itertools.islice(itertools.product(*options), limit):
            reading = "".join(combo)
            if reading not in out:
                out.append(reading)
    return out[:limit]


# Hiragana → Latin, Hepburn-like; two-kana sounds are handled by the small kana that follow.
_KANA_LATIN = dict(
    zip(
        "あいうえおかきくけこがぎぐげごさしすせそざじずぜぞたちつてとだぢづでどなにぬねの"
        "はひふへほばびぶべぼぱぴぷぺぽまみむめもやゆよらりるれろわゐゑをんゔ",
        [
            "a",
            "i",
            "u",
            "e",
            "o",
            "ka",
            "ki",
            "ku",
            "ke",
            "ko",
            "ga",
            "gi",
            "gu",
            "ge",
            "go",
            "sa",
            "shi",
            "su",
            "se",
            "so",
            "za",
            "ji",
            "zu",
            "ze",
            "zo",
            "ta",
            "chi",
            "tsu",
            "te",
            "to",
            "da",
            "ji",
            "zu",
            "de",
            "do",
            "na",
            "ni",
            "nu",
            "ne",
            "no",
            "ha",
            "hi",
            "hu",
            "he",
            "ho",
            "ba",
            "bi",
            "bu",
            "be",
            "bo",
            "pa",
            "pi",
            "pu",
            "pe",
            "po",
            "ma",
            "mi",
            "mu",
            "me",
            "mo",
            "ya",
            "yu",
            "yo",
            "ra",
            "ri",
            "ru",
            "re",
            "ro",
            "wa",
            "i",
            "e",
            "o",
            "n",
            "vu",
        ],
        strict=True,
    )
)
_SMALL_Y = {"ゃ": "a", "ゅ": "u", "ょ": "o"}
_SMALL_VOWEL = {"ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o"}
_CODA = frozenset("むくるぷつ")  # kana that close a Korean syllable: キム, パク, チョル


def kana_to_latin(kana: str) -> str:
    """Romanise a kana reading of a Korean name (キム・ミンス → "kimminsu")."""
    pieces: list[tuple[str, str]] = []
    for ch in normalise(kana):
        if ch in _SMALL_Y and pieces:
            prev = pieces[-1][0]
            stem = prev[:-1] if prev.endswith("i") else prev
            glide = "" if stem.endswith(("sh", "ch", "j")) else "y"
            pieces[-1] = (stem + glide + _SMALL_Y[ch], pieces[-1][1])
        elif ch in _SMALL_VOWEL and pieces:
            prev = pieces[-1][0]
            if prev in ("u", "hu", "ku", "gu") or (prev.endswith("u") and len(prev) == 2):
                stem = prev[:-1] + "w" if prev != "u" else "w"
            else:
                stem = prev[:-1]
            pieces[-1] = (stem + _SMALL_VOWEL[ch], pieces[-1][1])
        elif ch in _KANA_LATIN:
            pieces.append((_KANA_LATIN[ch], ch))
        elif ch.isascii() and ch.isalpha():
            pieces.append((ch, ch))
        # っ, ー and anything else carry no sound of their own here.
    out = []
    for n, (latin, ch) in enumerate(pieces):
        following = pieces[n + 1][0] if n + 1 < len(pieces) else ""
        if ch in _CODA and n > 0 and (not following or following[0] not in "aiueo"):
            latin = "l" if ch == "る" else latin[:-1]
        out.append(latin)
    return "".join(out)


_FOLD_R = re.compile(r"r(?=[^aeiouyw])")
_FOLD_CONSONANTS = re.compile(r"tch|ch|sh|ts|ng|ph|kh|th|j|g|d|b|r|f|v|z|q")
_CONSONANTS = {"tch": "c", "ch": "c", "sh": "s", "ts": "c", "ng": "n", "ph": "p", "kh": "k"}
_CONSONANTS |= {"th": "t", "j": "c", "g": "k", "d": "t", "b": "p", "r": "l", "f": "p"}
_CONSONANTS |= {"v": "p", "z": "s", "q": "k"}
_FOLD_H = re.compile(r"h(?![aeiouyw])")
_FOLD_VOWELS = re.compile(r"yeo|yae|wae|eo|eu|oo|ou|ee|ae|ai|oe|oi|ui|wo|we|wi|u")
_VOWELS = {"yeo": "yo", "yae": "ye", "wae": "e", "eo": "o", "eu": "o", "oo": "o", "ou": "o"}
_VOWELS |= {"ee": "i", "ae": "e", "ai": "e", "oe": "e", "oi": "e", "ui": "i", "wo": "o"}
_VOWELS |= {"we": "e", "wi": "i", "u": "o"}
_FOLD_DOUBLES = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=65536)
def fold(latin: str) -> str:
    """Fold a Latin spelling so that the romanisations of one Korean name meet.

    >>> fold("Kim Min-soo") == fold("Gim Minsu") == fold("kimminsu")
    True
    >>> fold("Choi") == fold("Choe") == fold("che")
    True
    """
    text = "".join(ch for ch in normalise(latin) if "a" <= ch <= "z")
    text = _FOLD_R.sub("", text)  # the r of "Park"
    text = _FOLD_CONSONANTS.sub(lambda m: _CONSONANTS[m.group()], text)
    text = _FOLD_H.sub("", text)  # the h of "Oh", "Ahn"
    text = _FOLD_VOWELS.sub(lambda m: _VOWELS[m.group()], text)
    return _FOLD_DOUBLES.sub(r"\1", text)


def hanja_readings(kanji: str, *, surname: bool, limit: int = 8) -> list[str]:
    """The hangul readings of a hanja name (a surname, or a given name), when every character
    is known; otherwise none."""
    key = normalise(kanji)
    if not key:
        return []
    if surname:
        return list(SURNAME_READINGS.get(key, ()))
    options = []
    for ch in key:
        readings = GIVEN_READINGS.get(ch)
        if not readings:
            return []
        options.append(readings)
    return ["".join(combo) for combo in itertools.islice(itertools.product(*options), limit)]


def _script(text: str) -> str:
    if any(is_hangul(ch) for ch in text):
        return "hangul"
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        return "kana"
    if any("a" <= ch <= "z" for ch in text):
        return "latin"
    return "kanji"


def phonetic(text: str, *, surname: bool = False) -> set[str]:
    """The phonetic keys of one written name part, in whatever script (see the module doc)."""
    key = normalise(text)
    if not key:
        return set()
    script = _script(key)
    if script == "hangul":
        return {fold(romanise(key)), fold(romanise(pronounced(key)))}
    if script == "kana":
        return {fold(kana_to_latin(key))}
    if script == "latin":
        return {fold(key)}
    out: set[str] = set()
    for reading in hanja_readings(key, surname=surname):
        out |= phonetic(reading)
    return out


@functools.lru_cache(maxsize=1)
def _syllable_index() -> dict[str, frozenset[str]]:
    """Spelling (Latin or hiragana) → the name syllables it may write."""
    syllables: set[str] = set()
    for readings in (*GIVEN_READINGS.values(), *SURNAME_READINGS.values()):
        syllables.update(ch for reading in readings for ch in reading)
    syllables.update(ch for surname in SURNAME_ROMANISATIONS for ch in surname)
    syllables.update("늘다슬람래누별솔빛샘봄결아름보")  # native Korean names: 하늘, 다은 …
    index: dict[str, set[str]] = {}
    for ch in syllables:
        for spelling in (*_syllable_spellings(ch), *kana_readings(ch)):
            index.setdefault(spelling, set()).add(ch)
    return {spelling: frozenset(chars) for spelling, chars in index.items()}


def hangul_from_spelling(text: str, limit: int = 8) -> list[str]:
    """Read a romanised or kana given name back into hangul ("minsoo", みんす → 민수), using the
    syllables of names; at most ``limit`` readings, and none when the spelling does not parse."""
    key = normalise(text)
    script = _script(key)
    if script not in ("latin", "kana") or len(key) > 24:
        return []
    index = _syllable_index()
    longest = 7

    @functools.cache
    def parse(start: int) -> tuple[str, ...]:
        if start == len(key):
            return ("",)
        found: list[str] = []
        for end in range(min(len(key), start + longest), start, -1):
            for syllable in sorted(index.get(key[start:end], ())):
                for rest in parse(end):
                    found.append(syllable + rest)
                    if len(found) >= limit:
                        return tuple(found)
        return tuple(found)

    return list(parse(0))


@functools.lru_cache(maxsize=1)
def _surnames_by_kana() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for surname in SURNAME_ROMANISATIONS:
        for reading in kana_readings(surname):
            index.setdefault(reading, set()).add(surname)
    for kana, surnames in SURNAMES_READ_IN_JAPANESE.items():
        index.setdefault(kana, set()).update(surnames)
    index.setdefault("り", set()).add("이")  # リ: the North Korean reading of 李
    return {kana: frozenset(surnames) for kana, surnames in index.items()}


def surnames_of(text: str) -> frozenset[str]:
    """The hangul surnames a family name written in any script may stand for.

    >>> all("이" in surnames_of(form) for form in ("Rhee", "Yi", "李", "イ", "リ"))
    True
    """
    key = normalise(text)
    if not key:
        return frozenset()
    script = _script(key)
    if script == "hangul":
        return frozenset({key})
    if script == "latin":
        return frozenset(k for k in romanisation_keys(key) if k != key)
    if script == "kana":
        found = set(_surnames_by_kana().get(key, ()))
        found.update(k for k in romanisation_keys(kana_to_latin(key)) if is_hangul(k[0]))
        return frozenset(found)
    readings: Iterable[str] = SURNAME_READINGS.get(key, ())
    return frozenset(readings)
