"""Writes of schools, classes and enrolments: checked, audited, each in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit, UnitKind

from .models import (
    Enrolment,
    EnrolmentStatus,
    School,
    SchoolClass,
    SchoolLevel,
    school_year_of,
)


def _year(value: int | None) -> int:
    year = value if value is not None else school_year_of(timezone.localdate())
    this = school_year_of(timezone.localdate())
    if not this - 30 <= year <= this + 1:
        raise invalid(
            "school_year",
            _("Give a school year between %(a)s and %(b)s.") % {"a": this - 30, "b": this + 1},
        )
    return year


@transaction.atomic
def set_level(*, actor: Any, unit: Unit, level: str) -> School:
    """Record (or change) what level a school unit teaches."""
    if unit.kind != UnitKind.SCHOOL:
        raise invalid("unit", _("Only a unit of kind school is a school."))
    if not scope_for(actor).has("admin", unit):
        raise PermissionDeniedError("admin")
    if level not in SchoolLevel.values:
        raise invalid("level", _("Choose the school's level."))
    school, created = School.objects.get_or_create(unit=unit, defaults={"level": level})
    if not created and school.level != level:
        school.level = level
        school.save(update_fields=["level"])
    audit.record(
        actor=actor,
        action="create" if created else "update",
        obj=school,
        unit_id=unit.pk,
        fields=["level"],
    )
    return school


@transaction.atomic
def add_class(
    *, actor: Any, school: School, name: str, grade: int, school_year: int | None = None
) -> SchoolClass:
    if not scope_for(actor).has("edit", school.unit):
        raise PermissionDeniedError("edit")
    name = (name or "").strip()
    if not name:
        raise invalid("name", _("Give the class a name."))
    if grade not in school.grades:
        raise invalid(
            "grade",
            _("This school teaches grades %(first)s to %(last)s.")
            % {"first": school.grades[0], "last": school.grades[-1]},
        )
    year = _year(school_year)
    if SchoolClass.objects.filter(school=school, school_year=year, name=name).exists():
        raise invalid("name", _("The school already has a class of this name this year."))
    klass = SchoolClass.objects.create(school=school, school_year=year, grade=grade, name=name)
    audit.record(
        actor=actor,
        action="create",
        obj=klass,
        unit_id=school.unit_id,
        fields=["name", "grade", "school_year"],
    )
    return klass


def may_enrol(actor: Any, person: Any, school: School) -> bool:
    """An officer of the school, or of the pupil's unit, who can see the pupil."""
    scope = scope_for(actor)
    return scope.has("view", person.unit) and (
        scope.has("edit", school.unit) or scope.has("edit", person.unit)
    )


@transaction.atomic
def enrol(
    *,
    actor: Any,
    person: Any,
    school: School,
    grade: int,
    school_year: int | None = None,
    school_class: SchoolClass | None = None,
    since: dt.date | None = None,
) -> Enrolment:
    if not may_enrol(actor, person, school):
        raise PermissionDeniedError("edit")
    if person.erased_at is not None or person.deceased_date is not None:
        raise invalid("person", _("This person can no longer be enrolled."))
    year = _year(school_year)
    if grade not in school.grades:
        raise invalid(
            "grade",
            _("This school teaches grades %(first)s to %(last)s.")
            % {"first": school.grades[0], "last": school.grades[-1]},
        )
    if school_class is not None and (
        school_class.school_id != school.pk
        or school_class.school_year != year
        or school_class.grade != grade
    ):
        raise invalid("school_class", _("Choose a class of this school, year and grade."))
    if Enrolment.objects.filter(person=person, school=school, school_year=year).exists():
        raise invalid("person", _("This pupil is already enrolled at this school for this year."))
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                person=person,
                school=school,
                school_year=year,
                grade=grade,
                school_class=school_class,
                since=since or timezone.localdate(),
            )
    except IntegrityError:  # enrolled by someone else a moment ago
        raise invalid(
            "person", _("This pupil is already enrolled at this school for this year.")
        ) from None
    audit.record(
        actor=actor,
        action="create",
        obj=enrolment,
        unit_id=school.unit_id,
        fields=["person", "school", "school_year", "grade"],
    )
    return enrolment


@transaction.atomic
def leave(*, actor: Any, enrolment: Enrolment, on: dt.date | None = None) -> Enrolment:
    """The pupil left the school during the year (recorded by the school, or by the pupil's
    branch)."""
    if not (
        scope_for(actor).has("edit", enrolment.school.unit)
        or may_enrol(actor, enrolment.person, enrolment.school)
    ):
        raise PermissionDeniedError("edit")
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise invalid("status", _("This pupil is no longer enrolled."))
    on = on or timezone.localdate()
    if on < enrolment.since:
        raise invalid("left_on", _("A pupil cannot leave before enrolling."))
    enrolment.status = EnrolmentStatus.LEFT
    enrolment.left_on = on
    enrolment.save(update_fields=["status", "left_on"])
    audit.record(
        actor=actor,
        action="update",
        obj=enrolment,
        unit_id=enrolment.school.unit_id,
        fields=["status", "left_on"],
    )
    return enrolment


@transaction.atomic
def promote(*, actor: Any, school: School, from_year: int) -> int:
    """Carry a year's enrolled pupils into the next school year one grade up (those in the last
    grade complete); pupils already enrolled next year are left as they are. Returns how many
    enrolments were made."""
    if not scope_for(actor).has("edit", school.unit):
        raise PermissionDeniedError("edit")
    year = _year(from_year)
    last = school.grades[-1]
    current = Enrolment.objects.filter(
        school=school, school_year=year, status=EnrolmentStatus.ENROLLED
    )
    already = set(
        Enrolment.objects.filter(school=school, school_year=year + 1).values_list(
            "person_id", flat=True
        )
    )
    start = dt.date(year + 1, 4, 1)
    made = [
        Enrolment(
            person_id=e.person_id,
            school=school,
            school_year=year + 1,
            grade=e.grade + 1,
            since=start,
        )
        for e in current.filter(grade__lt=last).only("person_id", "grade")
        if e.person_id not in already
    ]
    Enrolment.objects.bulk_create(made, batch_size=2000)
    current.update(status=EnrolmentStatus.COMPLETED)
    audit.record(
        actor=actor, action="promote", obj=school, unit_id=school.unit_id, fields=["enrolments"]
    )
    return len(made)
