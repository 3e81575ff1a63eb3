"""Dates as Japanese records write them: western forms, the eras, width, and impossible dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from branchwork.core.dates import ERAS, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1975-03-02", (dt.date(1975, 3, 2), "day")),
        ("1975/3/2", (dt.date(1975, 3, 2), "day")),
        ("19750302", (dt.date(1975, 3, 2), "day")),
        ("１９７５年３月２日", (dt.date(1975, 3, 2), "day")),
        ("1975年3月", (dt.date(1975, 3, 1), "month")),
        ("1975", (dt.date(1975, 1, 1), "year")),
        ("昭和50年3月2日", (dt.date(1975, 3, 2), "day")),
        ("S50.3.2", (dt.date(1975, 3, 2), "day")),
        ("ｓ５０／３／２", (dt.date(1975, 3, 2), "day")),
        ("平成元年1月8日", (dt.date(1989, 1, 8), "day")),
        ("H1.1", (dt.date(1989, 1, 1), "month")),
        ("昭和64年", (dt.date(1989, 1, 1), "year")),
        ("令和元年5月1日", (dt.date(2019, 5, 1), "day")),
        ("R 6 . 11 . 23", (dt.date(2024, 11, 23), "day")),
        ("明治45年7月29日", (dt.date(1912, 7, 29), "day")),
        ("大正元年7月30日", (dt.date(1912, 7, 30), "day")),
    ],
)
def test_western_and_era_dates(text: str, expected: tuple[dt.date, str]) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("yesterday", "invalid"),
        ("1975-13-01", "no_such_date"),
        ("2023-02-29", "no_such_date"),
        ("昭和64年2月1日", "not_in_era"),  # Showa ended on 7 January 1989
        ("昭和64年2月", "not_in_era"),
        ("昭和65年", "not_in_era"),
        ("平成元年1月7日", "not_in_era"),  # Heisei began the next day
        ("令和元年4月30日", "not_in_era"),
        ("平成31年5月1日", "not_in_era"),
        ("S0.1.1", "not_in_era"),
        ("X50.3.2", "invalid"),
    ],
)
def test_dates_that_do_not_exist_are_refused_with_the_reason(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_date(text)
    assert refused.value.code == code


def test_the_refusal_is_in_the_users_language() -> None:
    with translation.override("ja"), pytest.raises(ValidationError) as refused:
        parse_date("昭和64年2月1日")
    message = refused.value.messages[0]
    assert "昭和64年2月1日" in message and "1989-01-07" in message
    with translation.override("en"), pytest.raises(ValidationError) as in_english:
        parse_date("昭和64年2月1日")
    assert in_english.value.messages[0] != message


def _era_text(day: dt.date, wide: bool, letter: bool) -> str:
    era = next(e for e in ERAS if e.first <= day and (e.last is None or day <= e.last))
    year = day.year - era.first.year + 1
    if letter:
        text = f"{era.letter}{year}.{day.month}.{day.day}"
    else:
        text = f"{era.name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789."}) if wide else text


@given(
    st.dates(min_value=ERAS[0].first, max_value=dt.date(2099, 12, 31)),
    st.booleans(),
    st.booleans(),
)
def test_every_day_written_in_its_era_reads_back(day: dt.date, wide: bool, letter: bool) -> None:
    assert parse_date(_era_text(day, wide, letter)) == (day, "day")


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_a_day_in_the_next_era_is_refused_in_the_one_before(day: dt.date) -> None:
    for before, after in zip(ERAS, ERAS[1:], strict=False):
        if after.first <= day and (after.last is None or day <= after.last):
            year = day.year - before.first.year + 1
            with pytest.raises(ValidationError):
                parse_date(f"{before.name}{year}年{day.month}月{day.day}日")
