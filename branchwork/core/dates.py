"""Dates as people write them in Japanese records: western forms and the Japanese eras.

``parse_date`` reads a date of birth (or any past date) from a spreadsheet cell or a form:

* western: ``1975-03-02``, ``1975/3/2``, ``1975.3.2``, ``1975年3月2日``, ``19750302``;
* Japanese eras, by kanji or by their letter: ``昭和50年3月2日``, ``S50.3.2``, ``s50/3/2``,
  ``平成元年1月8日`` (元年: the first year), ``R1.5.1``;
* with the day or the month left out, for records that know no more: ``1975年3月``,
  ``昭和50年``, ``1975``.

Width does not matter (NFKC: ``１９７５／３／２`` is ``1975/3/2``) nor do spaces. The result is
the date and its precision (``day``, ``month`` or ``year``: ``people.DatePrecision``); an
incomplete date stands on the first day of its month or year, as the registry stores it.

A date that does not exist is refused with the reason: 2 February 31st, and era dates outside
their era (昭和64年 ended on 7 January 1989, so ``昭和64年2月1日`` does not exist; 平成 began the
next day). Five eras cover everyone alive; a table of them is shorter than a dependency, and
the refusals are ours to word.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    first: dt.date
    last: dt.date | None  # None: the era of today


ERAS = (
    Era("明治", "M", dt.date(1868, 10, 23), dt.date(1912, 7, 29)),
    Era("大正", "T", dt.date(1912, 7, 30), dt.date(1926, 12, 24)),
    Era("昭和", "S", dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("平成", "H", dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("令和", "R", dt.date(2019, 5, 1), None),
)
_BY_NAME = {era.name: era for era in ERAS} | {era.letter: era for era in ERAS}

_SEP = r"[-/.年月]"
_ERA = re.compile(
    rf"^(?P<era>{'|'.join(_BY_NAME)})(?P<year>元|\d{{1,2}})(?:{_SEP}(?P<month>\d{{1,2}})"
    rf"(?:{_SEP}(?P<day>\d{{1,2}}))?)?[年月日]?$"
)
_WESTERN = re.compile(
    rf"^(?P<year>\d{{4}})(?:{_SEP}(?P<month>\d{{1,2}})(?:{_SEP}(?P<day>\d{{1,2}}))?)?[年月日]?$"
)
_COMPACT = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$")


def parse_date(text: str) -> tuple[dt.date, str]:
    """The date written in ``text`` and its precision (``day``, ``month`` or ``year``).

    Raises ``ValidationError`` (its message translated) when the text is not a date or names a
    date that does not exist.

    >>> parse_date("昭和50年3月2日")
    (datetime.date(1975, 3, 2), 'day')
    >>> parse_date("Ｈ元．１")
    (datetime.date(1989, 1, 1), 'month')
    """
    cleaned = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    if not cleaned:
        raise ValidationError(_("Enter a date."), code="empty")
    era = None
    match = _COMPACT.match(cleaned) or _WESTERN.match(cleaned)
    if match is None:
        match = _ERA.match(cleaned)
        if match is None:
            raise ValidationError(
                _("“%(text)s” is not a date: write it as 1975-03-02 or 昭和50年3月2日."),
                code="invalid",
                params={"text": text.strip()},
            )
        era = _BY_NAME[match["era"]]
    year = 1 if match["year"] == "元" else int(match["year"])
    month = int(match["month"]) if match["month"] else None
    day = int(match["day"]) if match["day"] else None
    if era is not None:
        if year < 1:
            raise _not_in_era(text, era)
        year = era.first.year + year - 1
    precision = "day" if day else "month" if month else "year"
    try:
        first = dt.date(year, month or 1, day or 1)
    except ValueError:
        raise ValidationError(
            _("“%(text)s” does not exist in the calendar."),
            code="no_such_date",
            params={"text": text.strip()},
        ) from None
    if era is not None:
        # The period the text names must meet the era: a month or year in part of it will do.
        if precision == "day":
            last = first
        elif precision == "month":
            last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            last -= dt.timedelta(days=1)
        else:
            last = first.replace(month=12, day=31)
        if last < era.first or (era.last is not None and first > era.last):
            raise _not_in_era(text, era)
    return first, precision


def _not_in_era(text: str, era: Era) -> ValidationError:
    if era.last is None:
        span = _("from %(first)s") % {"first": era.first.isoformat()}
    else:
        span = _("from %(first)s to %(last)s") % {
            "first": era.first.isoformat(),
            "last": era.last.isoformat(),
        }
    return ValidationError(
        _("“%(text)s” is not in the %(era)s era (%(span)s)."),
        code="not_in_era",
        params={"text": text.strip(), "era": era.name, "span": span},
    )


__all__ = ["ERAS", "Era", "parse_date"]


def chosen_year(asked: str | None, this: int, back: int = 30) -> int:
    """A school or fiscal year asked for in a page's address (``?year=``): within ``back`` years
    before ``this`` and one after, else ``this``."""
    try:
        year = int(asked) if asked else this
    except ValueError:
        return this
    return year if this - back <= year <= this + 1 else this


def year_choices(this: int, chosen: int) -> list[int]:
    """The years a page offers to switch to: next year, this one, the two before, and the one
    shown; newest first."""
    return sorted({this + 1, this, this - 1, this - 2, chosen}, reverse=True)
