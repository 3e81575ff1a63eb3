"""Is this person already recorded? Scores how likely two records name the same person.

A record's name is compared part by part (family, given) across the scripts it is written in:
the same script directly (hangul jamo by jamo, so one wrong vowel costs little), different
scripts through phonetic keys (:mod:`branchwork.core.korean`: 김민수 = "Kim Min-soo" =
キム・ミンス = 金民洙), and family names through the hangul surnames they stand for (Lee, Yi,
Rhee, 李 and イ are all 이). When both records have the hangul form of a part, that decides:
it is what the other forms are readings of. A phonetic match counts less than a written one,
and a partial one much less, because romanisation and kana lose distinctions (순 and 선 both
become "son"). The given name carries the identity; the family name, shared by a household
and by a fifth of the registry, only confirms or weakens it.

The name gives the base score (0–100). The birth date moves it: the same date, or one agreeing
at the coarser precision (a year-only date agrees with any date in that year), raises it; two
different known dates are strong evidence of namesakes, a slip of the pen (day and month
swapped) weaker. A different sex lowers it. Shared phone, e-mail or address raise it only when
the names already agree (a household shares them, so they cannot make a match alone);
contact details that both records have and that differ lower it, the mobile and e-mail more
than the address and landline, which change with a move.

:func:`candidates` first asks the registry's search (the CJK-aware key index of
:mod:`branchwork.people.search`) for the few people whose whole name matches the values in any
script the values can be read in, or who share a phone or e-mail, and scores only those: it
never reads every person.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from branchwork.core.korean import (
    hangul_from_spelling,
    hanja_readings,
    kana_readings,
    latin_spellings,
    phonetic,
    surnames_of,
)
from branchwork.core.text import SURNAME_ROMANISATIONS, normalise

from . import search
from .models import DatePrecision, Person

THRESHOLD = 80  # scores from here on are shown as possible duplicates
POOL = 50  # at most this many people are fetched from the index and scored
MAX_FORMS = 3  # readings of a name part per script that are searched for
MAX_QUERIES = 16
PHONETIC_WEIGHT = 0.9  # a phonetic match counts this much of a written one

# (script, family field, given field)
SCRIPTS = (
    ("hangul", "family_name_hangul", "given_name_hangul"),
    ("kanji", "family_name_kanji", "given_name_kanji"),
    ("kana", "family_name_kana", "given_name_kana"),
    ("everyday", "everyday_family_name", "everyday_given_name"),
    ("everyday_kana", "everyday_family_name_kana", "everyday_given_name_kana"),
    ("latin", "family_name_latin", "given_name_latin"),
)
# Korean forms, whose readings can be compared across scripts (the everyday name is Japanese).
PHONETIC_SCRIPTS = ("hangul", "kanji", "kana", "latin")
# Strip the address words that people write or leave out: 3丁目5番12号 = 3-5-12.
ADDRESS_WORDS = ("丁目", "番地", "番", "号")


@dataclass(frozen=True)
class Part:
    """One part of a name (family or given) in every form a record has."""

    written: dict[str, str] = field(default_factory=dict)  # script → normalised form
    phonetic: frozenset[str] = frozenset()
    surnames: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.written)


@dataclass(frozen=True)
class Record:
    """What the scorer compares, from a saved person or from form/API values."""

    pk: int | None
    family: Part
    given: Part
    sex: str
    birth: dt.date | None
    precision: str
    phones: frozenset[str]
    email: str
    postal_code: str
    address: str


class Candidate(NamedTuple):
    person: Person
    score: int
    reasons: list[str]


def _part(values: Mapping[str, Any], index: int) -> Part:
    written: dict[str, str] = {}
    keys: set[str] = set()
    surnames: set[str] = set()
    for script, *fields in SCRIPTS:
        raw = str(values.get(fields[index]) or "")
        form = normalise(raw)
        if not form:
            continue
        # Hangul is compared jamo by jamo: 민수 and 민소 differ in one letter, not one syllable.
        written[script] = unicodedata.normalize("NFD", form) if script == "hangul" else form
        if script in PHONETIC_SCRIPTS:
            keys |= phonetic(raw, surname=index == 0)
            if index == 0:
                surnames |= surnames_of(raw)
    return Part(written=written, phonetic=frozenset(keys), surnames=frozenset(surnames))


def _digits(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if ch.isdigit())


def _address(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    for word in ADDRESS_WORDS:
        text = text.replace(word, "")
    return normalise(text)


def record(source: Person | Mapping[str, Any]) -> Record:
    if isinstance(source, Person):
        values: Mapping[str, Any] = {
            f.attname: getattr(source, f.attname) for f in source._meta.concrete_fields
        }
        pk = source.pk
    else:
        values, pk = source, None
    phones = set()
    for name in ("phone", "mobile"):
        digits = _digits(str(values.get(name) or ""))
        if len(digits) >= 8:
            phones.add(digits)
    return Record(
        pk=pk,
        family=_part(values, 0),
        given=_part(values, 1),
        sex=str(values.get("sex") or ""),
        birth=values.get("birth_date"),
        precision=str(values.get("birth_precision") or DatePrecision.DAY),
        phones=frozenset(phones),
        email=str(values.get("email") or "").strip().lower(),
        postal_code=_digits(str(values.get("postal_code") or "")),
        address=_address(str(values.get("address") or "")),
    )


def _ratio(a: str, b: str) -> float:
    return float(fuzz.ratio(a, b)) / 100


def part_similarity(a: Part, b: Part, *, family: bool = False) -> float | None:
    """How alike two name parts are (0–1), or None when nothing in them is comparable."""
    if family and a.surnames & b.surnames:
        return 1.0
    written = [_ratio(a.written[s], b.written[s]) for s in a.written if s in b.written]
    if "hangul" in a.written and "hangul" in b.written:
        return max(written)
    sounds = [_ratio(x, y) for x in a.phonetic for y in b.phonetic]
    if not written and not sounds:
        return None
    # Phonetic keys are coarse (vowels and voicing folded), so a partial agreement between
    # them says less than the same agreement between written forms: it is squared.
    return max([*written, *(PHONETIC_WEIGHT * s * s for s in sounds)])


_ORDER: dict[str, int] = {DatePrecision.DAY: 0, DatePrecision.MONTH: 1, DatePrecision.YEAR: 2}


def _near(a: dt.date, b: dt.date) -> bool:
    """Dates one slip of the pen apart: the day, or day and month swapped, or one digit."""
    if a.year == b.year and (a.month == b.month or (a.month, a.day) == (b.day, b.month)):
        return True
    x, y = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    if sum(p != q for p, q in zip(x, y, strict=True)) == 1:
        return True
    swaps = [x[:i] + x[i + 1] + x[i] + x[i + 2 :] for i in range(len(x) - 1)]
    return y in swaps


def birth_evidence(a: Record, b: Record) -> tuple[int, str]:
    """Points for the birth dates, and the reason shown when they agree."""
    if a.birth is None or b.birth is None:
        return 0, ""
    coarse = max(_ORDER.get(a.precision, 0), _ORDER.get(b.precision, 0))
    same_year = a.birth.year == b.birth.year
    same_month = same_year and a.birth.month == b.birth.month
    if coarse == 0 and a.birth == b.birth:
        return 20, _("same birth date")
    if (coarse == 1 and same_month) or (coarse == 2 and same_year):
        return 8, _("birth date agrees")
    if coarse == 0 and _near(a.birth, b.birth):
        return -15, ""
    if coarse == 1 and same_year:
        return -15, ""
    return -45, ""


def _is_mobile(number: str) -> bool:
    national = number[2:] if number.startswith("81") else number.lstrip("0")
    return national.startswith(("70", "80", "90"))


def contact_evidence(a: Record, b: Record) -> tuple[int, list[str]]:
    """Points for shared contact details (a household shares them, so callers count these only
    when the names agree), and the reasons shown."""
    points, reasons = 0, list[str]()
    if {p[-8:] for p in a.phones} & {p[-8:] for p in b.phones}:
        points, reasons = points + 15, [*reasons, _("same phone")]
    if a.email and a.email == b.email:
        points, reasons = points + 15, [*reasons, _("same e-mail")]
    if _same_address(a, b):
        points, reasons = points + 10, [*reasons, _("same address")]
    if a.postal_code and a.postal_code == b.postal_code and not (a.address and b.address):
        # The same area; when both addresses are known, they alone say whether it is one home.
        points, reasons = points + 5, [*reasons, _("same postal code")]
    return min(points, 30), reasons


def _same_address(a: Record, b: Record) -> bool:
    short, long = sorted((a.address, b.address), key=len)
    return bool(short) and (
        short == long or (len(short) >= 6 and long.endswith(short)) or _ratio(short, long) >= 0.92
    )


def conflict_evidence(a: Record, b: Record) -> int:
    """Points against: contact details that both records have and that differ. People keep a
    mobile number and an e-mail address for years, so two different ones speak against one
    person; a home address and its landline change with every move, so they count less."""
    points = 0
    a_mobiles = {p[-8:] for p in a.phones if _is_mobile(p)}
    b_mobiles = {p[-8:] for p in b.phones if _is_mobile(p)}
    if a_mobiles and b_mobiles and not a_mobiles & b_mobiles:
        points -= 15
    a_lines = {p[-8:] for p in a.phones if not _is_mobile(p)}
    b_lines = {p[-8:] for p in b.phones if not _is_mobile(p)}
    if a_lines and b_lines and not a_lines & b_lines:
        points -= 5
    if a.email and b.email and a.email != b.email:
        points -= 10
    if a.address and b.address and not _same_address(a, b):
        points -= 8
    return max(points, -25)


def score(
    a: Person | Mapping[str, Any] | Record, b: Person | Mapping[str, Any] | Record
) -> tuple[int, list[str]]:
    """How likely ``a`` and ``b`` are one person (0–100), with the reasons that speak for it."""
    ra = a if isinstance(a, Record) else record(a)
    rb = b if isinstance(b, Record) else record(b)
    family = part_similarity(ra.family, rb.family, family=True)
    given = part_similarity(ra.given, rb.given)
    reasons: list[str] = []
    if family is None and given is None:
        name, base = None, 50.0  # nothing comparable: the other facts must decide
    else:
        if given is None:
            name = 0.6 * (family or 0.0)
        elif family is None:
            name = 0.9 * given
        else:
            # Few surnames cover most people (and every member of a household): the given
            # name carries the identity, the family name only confirms or weakens it.
            name = given * (0.8 + 0.2 * family)
        if name < 0.7:
            return 0, []
        base = 100 * name
        reasons.append(_("same name") if name >= 0.97 else _("similar name"))
    points, birth_reason = birth_evidence(ra, rb)
    if birth_reason:
        reasons.append(birth_reason)
    if ra.sex and rb.sex and ra.sex != rb.sex:
        points -= 40
    if name is None or name >= 0.85:
        contact_points, contact_reasons = contact_evidence(ra, rb)
        points += contact_points
        reasons += contact_reasons
    points += conflict_evidence(ra, rb)
    return max(0, min(100, round(base + points))), reasons


# --------------------------------------------------------------------------------------------
# Fetching candidates through the search index
# --------------------------------------------------------------------------------------------


def _forms(values: Mapping[str, Any], index: int) -> dict[str, list[str]]:
    """The forms a name part may be stored in, by script, including readings across scripts
    (the hangul of a hanja or romanised name, the kana and romanisations of a hangul one)."""
    forms: dict[str, list[str]] = {"hangul": [], "kana": [], "latin": [], "other": []}
    hangul: list[str] = []

    def add(script: str, *found: str) -> None:
        forms[script].extend(f for f in found if f and f not in forms[script])

    for script, *fields in SCRIPTS:
        raw = normalise(str(values.get(fields[index]) or ""))
        if not raw:
            continue
        bucket = {"hangul": "hangul", "kana": "kana", "everyday_kana": "kana", "latin": "latin"}
        add(bucket.get(script, "other"), raw)
        if script == "hangul":
            hangul.append(raw)
        elif script == "kanji":
            hangul += hanja_readings(raw, surname=index == 0)
        elif script in ("kana", "latin"):
            found = surnames_of(raw) if index == 0 else hangul_from_spelling(raw, limit=2)
            hangul += sorted(found)
    for form in dict.fromkeys(hangul):
        add("hangul", form)
        add("kana", *kana_readings(form, limit=2))
        if index == 0 and form in SURNAME_ROMANISATIONS:
            if not forms["latin"]:  # search() reads a surname spelling as all of them
                add("latin", SURNAME_ROMANISATIONS[form][0])
        else:
            add("latin", *latin_spellings(form, limit=2))
    return forms


def name_queries(values: Mapping[str, Any]) -> list[str]:
    """Search-box queries that find the possible duplicates of these values by name: the whole
    name in each script it can be read in. A family name alone is never a query: a common
    surname would fetch a fifth of the registry."""
    family, given = _forms(values, 0), _forms(values, 1)
    queries: list[str] = []
    for script, givens in given.items():
        for g in givens[:MAX_FORMS]:
            # One Latin surname is enough: search() reads it as all its romanisations.
            families = family[script][: 1 if script == "latin" else MAX_FORMS] or [""]
            for f in families:
                # Hangul and kana as one word (its bigrams span the join); Latin with a space,
                # so that the surname term matches every romanisation of it.
                query = f"{f} {g}" if script == "latin" else f"{f}{g}"
                if query.strip() not in queries:
                    queries.append(query.strip())
    return queries[:MAX_QUERIES]


def _pool(values: Mapping[str, Any], people_qs: QuerySet[Person]) -> QuerySet[Person] | None:
    cond = Q()
    found = False
    for query in name_queries(values):
        cond |= Q(pk__in=search.search(Person.objects.all(), query).values("pk"))
        found = True
    for name in ("phone", "mobile", "email"):
        term = unicodedata.normalize("NFKC", str(values.get(name) or "")).strip()
        contact = search.contact_q("".join(term.split())) if term else None
        if contact is not None:
            cond |= contact
            found = True
    if not found:
        return None
    pool = people_qs.filter(cond, erased_at__isnull=True)
    birth = values.get("birth_date")
    if isinstance(birth, dt.date):  # when more than the pool match, the likeliest first
        pool = pool.annotate(
            near=Case(
                When(birth_date=birth, then=Value(0)),
                When(birth_date__year=birth.year, then=Value(1)),
                default=Value(2),
            )
        ).order_by("near", "pk")
    else:
        pool = pool.order_by("pk")
    return pool


def candidates(
    person_or_values: Person | Mapping[str, Any],
    people_qs: QuerySet[Person],
    limit: int = 5,
    threshold: int = THRESHOLD,
) -> list[Candidate]:
    """People in ``people_qs`` (already scoped to what the user may see) who may be the same
    person as ``person_or_values``, best first: one query through the search index for a small
    pool (never every person), then scoring."""
    if isinstance(person_or_values, Person):
        values: Mapping[str, Any] = {
            f.attname: getattr(person_or_values, f.attname)
            for f in person_or_values._meta.concrete_fields
        }
        own_pk = person_or_values.pk
    else:
        values, own_pk = person_or_values, None
    pool = _pool(values, people_qs)
    if pool is None:
        return []
    if own_pk is not None:
        pool = pool.exclude(pk=own_pk)
    mine = record(values)
    found = []
    for other in pool[:POOL]:
        points, reasons = score(mine, record(other))
        if points >= threshold:
            found.append(Candidate(other, points, reasons))
    found.sort(key=lambda c: (-c.score, c.person.pk))
    return found[:limit]


def candidates_for_new(people_qs: QuerySet[Person], values: Mapping[str, Any]) -> list[Candidate]:
    """Candidates for a person about to be recorded. The values are checked and normalised as
    :func:`services.create_person` would (raising its field errors), so that phones and postal
    codes compare in the form they are stored in."""
    from .services import _clean

    return candidates(_clean(dict(values)), people_qs)


def describe(found: Iterable[Candidate]) -> list[dict[str, Any]]:
    """Candidates as plain data for the API: ids, names, scores, reasons."""
    return [
        {
            "id": c.person.pk,
            "display_name": c.person.display_name,
            "score": c.score,
            "reasons": c.reasons,
        }
        for c in found
    ]


__all__ = [
    "THRESHOLD",
    "Candidate",
    "candidates",
    "candidates_for_new",
    "describe",
    "name_queries",
    "record",
    "score",
]
