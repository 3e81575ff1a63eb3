"""What each kind of import reads, and how its columns are recognised from their headers.

Headers are matched after folding (NFKC, lower case, no spaces or brackets), against the names
branches use in Japanese, Korean and English. The detected mapping is only a proposal: the
preview shows it and a person can change it before the import runs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    name: str  # the field it fills
    label: Promise  # shown in the mapping
    aliases: tuple[str, ...]


_FOLD = re.compile(r"[\s()（）\[\]【】「」・_\-‐－:：/／.。,、]+")


def fold(header: str) -> str:
    folded = _FOLD.sub("", unicodedata.normalize("NFKC", header or "").lower())
    # Dropping a separator can bring a combining mark to a letter (ｶ ﾞ): compose them.
    return unicodedata.normalize("NFKC", folded)


PEOPLE: tuple[Column, ...] = (
    Column(
        "id", _("Registry number"), ("id", "branchworkid", "登録番号", "등록번호", "personnumber")
    ),
    Column(
        "name_hangul",
        _("Name (hangul)"),
        (
            "성명한글",
            "한글성명",
            "한글이름",
            "namehangul",
            "氏名ハングル",
            "ハングル氏名",
            "ハングル名",
        ),
    ),
    Column(
        "family_name_hangul",
        _("Family name (hangul)"),
        ("성한글", "한글성", "familynamehangul", "surnamehangul", "姓ハングル"),
    ),
    Column(
        "given_name_hangul", _("Given name (hangul)"), ("이름한글", "givennamehangul", "名ハングル")
    ),
    Column("name", _("Name (any script)"), ("氏名", "名前", "성명", "이름", "name", "fullname")),
    Column(
        "family_name",
        _("Family name (any script)"),
        ("姓", "氏", "名字", "苗字", "성", "familyname", "surname", "lastname"),
    ),
    Column("given_name", _("Given name (any script)"), ("名", "givenname", "firstname")),
    Column(
        "name_kanji", _("Name (kanji)"), ("本名", "氏名漢字", "本名漢字", "성명한자", "namekanji")
    ),
    Column("family_name_kanji", _("Family name (kanji)"), ("姓漢字", "성한자", "familynamekanji")),
    Column("given_name_kanji", _("Given name (kanji)"), ("名漢字", "이름한자", "givennamekanji")),
    Column(
        "name_kana",
        _("Name (kana reading)"),
        (
            "フリガナ",
            "ふりがな",
            "カナ",
            "氏名カナ",
            "氏名フリガナ",
            "よみがな",
            "読み",
            "가나",
            "후리가나",
            "namekana",
            "reading",
            "kana",
        ),
    ),
    Column(
        "family_name_kana",
        _("Family name (kana reading)"),
        ("セイ", "姓カナ", "姓フリガナ", "フリガナ姓", "성가나", "familynamekana"),
    ),
    Column(
        "given_name_kana",
        _("Given name (kana reading)"),
        ("メイ", "名カナ", "名フリガナ", "フリガナ名", "이름가나", "givennamekana"),
    ),
    Column(
        "everyday_name",
        _("Everyday name"),
        ("通名", "通称", "通称名", "통명", "통칭", "everydayname"),
    ),
    Column(
        "everyday_family_name",
        _("Everyday family name"),
        ("通名姓", "통명성", "everydayfamilyname"),
    ),
    Column(
        "everyday_given_name", _("Everyday given name"), ("通名名", "통명이름", "everydaygivenname")
    ),
    Column(
        "everyday_name_kana",
        _("Everyday name (reading)"),
        ("通名カナ", "通名フリガナ", "통명가나", "everydaynamekana", "everydaynamereading"),
    ),
    Column(
        "name_latin",
        _("Name (romanised)"),
        (
            "ローマ字",
            "ローマ字氏名",
            "英字氏名",
            "영문",
            "영문이름",
            "영문성명",
            "namelatin",
            "romanisedname",
            "romanizedname",
            "englishname",
        ),
    ),
    Column(
        "family_name_latin",
        _("Family name (romanised)"),
        ("姓ローマ字", "영문성", "familynamelatin", "familynameromanised"),
    ),
    Column(
        "given_name_latin",
        _("Given name (romanised)"),
        ("名ローマ字", "영문이름2", "givennamelatin", "givennameromanised"),
    ),
    Column("sex", _("Sex"), ("性別", "성별", "sex", "gender")),
    Column(
        "birth_date",
        _("Birth date"),
        ("生年月日", "誕生日", "생년월일", "생일", "birthdate", "dateofbirth", "birthday", "dob"),
    ),
    Column("generation", _("Generation"), ("世代", "세대", "generation")),
    Column("languages", _("Languages"), ("言語", "使用言語", "언어", "languages", "language")),
    Column("occupation", _("Occupation"), ("職業", "직업", "occupation")),
    Column(
        "family_business",
        _("Family business"),
        ("家業", "事業", "屋号", "가업", "사업", "familybusiness", "business"),
    ),
    Column(
        "phone",
        _("Phone"),
        ("電話", "電話番号", "自宅電話", "tel", "전화", "전화번호", "phone", "telephone"),
    ),
    Column(
        "mobile",
        _("Mobile phone"),
        (
            "携帯",
            "携帯電話",
            "携帯番号",
            "휴대폰",
            "휴대전화",
            "핸드폰",
            "mobile",
            "mobilephone",
            "cell",
        ),
    ),
    Column(
        "email",
        _("E-mail"),
        ("メール", "メールアドレス", "eメール", "email", "e-mail", "mail", "이메일", "메일"),
    ),
    Column(
        "postal_code",
        _("Postal code"),
        ("郵便番号", "〒", "우편번호", "postalcode", "zip", "zipcode", "postcode"),
    ),
    Column("address", _("Address"), ("住所", "주소", "address")),
    Column("notes", _("Notes"), ("備考", "メモ", "비고", "메모", "notes", "remarks", "note")),
    Column(
        "household",
        _("Household"),
        ("世帯", "世帯番号", "世帯id", "가구", "가구번호", "household", "householdid"),
    ),
    Column(
        "relation",
        _("Relation to the household"),
        ("続柄", "관계", "가구관계", "relation", "relationship"),
    ),
    Column(
        "membership",
        _("Membership"),
        ("会員区分", "会員", "회원", "회원구분", "membership", "memberstatus", "member"),
    ),
    Column("joined", _("Joined"), ("入会日", "入会年月日", "가입일", "joined", "joindate")),
)

CATALOGUES: dict[str, tuple[Column, ...]] = {"people": PEOPLE}


def register(kind: str, columns: tuple[Column, ...]) -> None:
    CATALOGUES[kind] = columns


def catalogue(kind: str) -> tuple[Column, ...]:
    return CATALOGUES[kind]


def detect(kind: str, header: list[str]) -> dict[str, int]:
    """The proposed mapping {field: column index} for a header row: each field at most once,
    each column at most once, the first column to match a field taking it."""
    by_alias: dict[str, str] = {}
    for column in catalogue(kind):
        for alias in (column.name, *column.aliases):
            by_alias.setdefault(fold(alias), column.name)
    mapping: dict[str, int] = {}
    for index, title in enumerate(header):
        name = by_alias.get(fold(title))
        if name is not None and name not in mapping:
            mapping[name] = index
    return mapping


def clean_mapping(kind: str, mapping: dict[str, int], width: int) -> dict[str, int]:
    """A mapping as a person edited it, with unknown fields and impossible columns left out."""
    known = {c.name for c in catalogue(kind)}
    out: dict[str, int] = {}
    used: set[int] = set()
    for name, index in mapping.items():
        if name in known and isinstance(index, int) and 0 <= index < width and index not in used:
            out[name] = index
            used.add(index)
    return out
