"""Demo schools: each school unit's level (from its name), this school year's classes and
pupils (about a third of the region's children of the school's ages), and its staff posts
(a principal and teachers, held by adults of the region)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from .models import (
    GRADES,
    Enrolment,
    School,
    SchoolClass,
    SchoolLevel,
    school_year_of,
)

LEVEL_BY_NAME = (
    ("Kindergarten", SchoolLevel.KINDERGARTEN),
    ("Elementary", SchoolLevel.ELEMENTARY),
    ("Middle", SchoolLevel.MIDDLE),
    ("High", SchoolLevel.HIGH),
    ("University", SchoolLevel.UNIVERSITY),
)
# The age on 1 April at which a level's first grade starts.
FIRST_AGE: dict[str, int] = {
    SchoolLevel.KINDERGARTEN: 3,
    SchoolLevel.ELEMENTARY: 6,
    SchoolLevel.MIDDLE: 12,
    SchoolLevel.HIGH: 15,
    SchoolLevel.UNIVERSITY: 18,
    SchoolLevel.SUPPLEMENTARY: 6,
}
SHARE = 0.33  # of the region's children of the ages taught
CLASS_SIZE = 30


def age_on_april_first(birth: dt.date, year: int) -> int:
    """Japanese schools count a child's grade from their age on 1 April of the school year."""
    return year - birth.year - (1 if (birth.month, birth.day) > (4, 1) else 0)


def add_school_demo(today: dt.date, rng: random.Random) -> int:
    from branchwork.org.models import Post, PostType, Term, Unit, UnitKind
    from branchwork.people.models import Person

    year = school_year_of(today)
    units = list(Unit.objects.filter(kind=UnitKind.SCHOOL).select_related("parent").order_by("pk"))
    schools: list[School] = []
    for unit in units:
        level: str = next(
            (lvl for word, lvl in LEVEL_BY_NAME if word in unit.name_en),
            SchoolLevel.SUPPLEMENTARY,
        )
        schools.append(School(unit=unit, level=level))
    School.objects.bulk_create(schools)
    # Which schools of each level a region has (the pupils of a level are shared out among them).
    by_region: dict[tuple[str, str], list[School]] = defaultdict(list)
    for school in schools:
        by_region[(school.unit.parent.path, school.level)].append(school)  # type: ignore[union-attr]
    youngest = dt.date(year - 18, 4, 2)
    children = (
        Person.objects.filter(
            birth_date__gt=youngest,
            erased_at__isnull=True,
            deceased_date__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", "birth_date", "unit__path")
    )
    width = len(units[0].parent.path) if units and units[0].parent else 0  # a region's path
    pupils: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for pk, birth, path in children.iterator(chunk_size=20_000):
        if birth is None:
            continue
        age = age_on_april_first(birth, year)
        for (region_path, level), options in by_region.items():
            if path[:width] != region_path:
                continue
            grade = age - FIRST_AGE[level] + 1
            first, last = GRADES[level]
            if first <= grade <= last and rng.random() < SHARE:
                school = rng.choice(options)
                pupils[school.pk][grade].append(pk)
    classes: list[SchoolClass] = []
    placed: list[tuple[int, int, int, int]] = []  # person, school, grade, class index
    for school in schools:
        for grade, people in sorted(pupils[school.pk].items()):
            count = max(1, -(-len(people) // CLASS_SIZE))
            start = len(classes)
            for n in range(count):
                name = f"{grade}-{'ABCDEFGH'[n]}" if count > 1 else f"{grade}"
                classes.append(SchoolClass(school=school, school_year=year, grade=grade, name=name))
            for i, person in enumerate(people):
                placed.append((person, school.pk, grade, start + i % count))
    SchoolClass.objects.bulk_create(classes, batch_size=2000)
    since = dt.date(year, 4, 1)
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                person_id=person,
                school_id=school_id,
                school_year=year,
                grade=grade,
                school_class=classes[index],
                since=since,
            )
            for person, school_id, grade, index in placed
        ],
        batch_size=5000,
    )
    # Staff: a principal and teachers, from the adults of the school's region.
    types = {p.code: p for p in PostType.objects.filter(code__in=["principal", "teacher"])}
    posts: list[Post] = []
    terms: list[Term] = []
    for school in schools:
        unit = school.unit
        teachers = min(6, max(2, len(pupils[school.pk])))
        posts += [
            Post(unit=unit, post_type=types["principal"], seats=1),
            Post(unit=unit, post_type=types["teacher"], seats=teachers),
        ]
        adults = list(
            Person.objects.filter(
                unit__path__startswith=unit.parent.path,  # type: ignore[union-attr]
                birth_date__lte=dt.date(year - 25, 4, 1),
                birth_date__gt=dt.date(year - 65, 4, 1),
                erased_at__isnull=True,
                deceased_date__isnull=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:200]
        )
        for code, n in (("principal", 1), ("teacher", teachers)):
            for person in rng.sample(adults, min(n, len(adults))):
                began = today - dt.timedelta(days=rng.randint(60, 8 * 365))
                terms.append(
                    Term(
                        unit=unit,
                        origin_unit=unit,
                        post_type=types[code],
                        person_id=person,
                        start=began,
                    )
                )
    Post.objects.bulk_create(posts, batch_size=1000)
    Term.objects.bulk_create(terms, batch_size=1000)
    return len(placed)
