"""Reads of schools and enrolments, scoped.

An enrolment is seen by those who see the school (its staff and the units above it) and by
those who see the pupil (their branch and the units above it): so a branch sees which of its
children attend which school, and a school sees its own pupils, wherever they live.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from branchwork.access.scoping import scope_for
from branchwork.org.models import PATH_STEP, Unit, UnitKind

from .models import Enrolment, EnrolmentStatus, School, SchoolClass

BRANCH_DEPTH = 3  # federation, region, branch


def visible_schools(user: Any) -> QuerySet[School]:
    """Schools whose unit the user may view (their staff, and the units above them)."""
    return School.objects.filter(scope_for(user).q("view", "unit__path")).select_related("unit")


def get_school_for(user: Any, code: str) -> School:
    school = visible_schools(user).filter(unit__code=code).first()
    if school is None:
        raise Http404
    return school


def visible_enrolments(user: Any) -> QuerySet[Enrolment]:
    scope = scope_for(user)
    return Enrolment.objects.filter(
        scope.q("view", "school__unit__path") | scope.q("view", "person__unit__path")
    ).select_related("person", "school__unit", "school_class")


def roster(user: Any, school: School, year: int) -> QuerySet[Enrolment]:
    """The school's pupils in a school year, by grade and class."""
    return (
        visible_enrolments(user)
        .filter(school=school, school_year=year)
        .order_by("grade", "school_class__name", "person__family_name_kana", "person__pk")
    )


def grade_counts(user: Any, school: School, year: int) -> list[dict[str, Any]]:
    """Pupils enrolled per grade (one grouped query)."""
    rows = (
        roster(user, school, year)
        .filter(status=EnrolmentStatus.ENROLLED)
        .values("grade")
        .annotate(pupils=Count("pk"))
        .order_by("grade")
    )
    return [dict(row) for row in rows]


def origins(user: Any, school: School, year: int) -> list[dict[str, Any]]:
    """Where a school's pupils live: enrolled pupils per branch (one grouped query)."""
    width = BRANCH_DEPTH * PATH_STEP
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in roster(user, school, year)
        .filter(status=EnrolmentStatus.ENROLLED)
        .annotate(branch=Substr("person__unit__path", 1, width))
        .values("branch")
        .annotate(pupils=Count("pk"))
        .order_by("-pupils", "branch")
    ]
    units = {u.path: u for u in Unit.objects.filter(path__in=[r["branch"] for r in rows])}
    for row in rows:
        row["unit"] = units.get(row["branch"])
    return rows


def pupils_of_unit(user: Any, unit: Unit, year: int) -> QuerySet[Enrolment]:
    """The children of a unit's territory at school in a school year."""
    return (
        visible_enrolments(user)
        .filter(person__unit__path__startswith=unit.path, school_year=year)
        .order_by("school__unit__code", "grade", "person__family_name_kana", "person__pk")
    )


def schools_of_unit(user: Any, unit: Unit, year: int) -> list[dict[str, Any]]:
    """Per school, how many of the unit's children are enrolled there."""
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in pupils_of_unit(user, unit, year)
        .filter(status=EnrolmentStatus.ENROLLED)
        .values("school")
        .annotate(pupils=Count("pk"))
        .order_by("-pupils")
    ]
    schools = {
        s.pk: s
        for s in School.objects.filter(pk__in=[r["school"] for r in rows]).select_related("unit")
    }
    for row in rows:
        row["school"] = schools[row["school"]]
    return rows


def classes(school: School, year: int) -> QuerySet[SchoolClass]:
    return school.classes.filter(school_year=year).annotate(
        pupils=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED))
    )


def enrolments_of(user: Any, person: Any) -> QuerySet[Enrolment]:
    return visible_enrolments(user).filter(person=person).order_by("-school_year", "pk")


def schools_to_choose() -> QuerySet[School]:
    """Every school, for choosing one to enrol at (a school's name and level are not personal
    data; who attends is)."""
    return School.objects.filter(unit__kind=UnitKind.SCHOOL).select_related("unit")
