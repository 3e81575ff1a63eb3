"""Schools and enrolments over the API, scoped as the pages are: a school's pupils to those who
see the school, a pupil's enrolments also to those who see the pupil."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.core.errors import invalid
from branchwork.education import selectors, services
from branchwork.education.models import Enrolment, School, SchoolClass
from branchwork.org.selectors import get_unit_for
from branchwork.people.selectors import person_in_scope

router = Router(tags=["education"])


class SchoolOut(Schema):
    code: str
    name: str
    level: str
    grades: list[int]

    @staticmethod
    def resolve_code(obj: School) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_name(obj: School) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_grades(obj: School) -> list[int]:
        return list(obj.grades)


class ClassOut(Schema):
    id: int
    name: str
    grade: int
    school_year: int


class EnrolmentOut(Schema):
    id: int
    person_id: int
    school: str
    school_year: int
    grade: int
    school_class: str | None
    status: str
    since: dt.date
    left_on: dt.date | None

    @staticmethod
    def resolve_school(obj: Enrolment) -> str:
        return obj.school.unit.code

    @staticmethod
    def resolve_school_class(obj: Enrolment) -> str | None:
        return obj.school_class.name if obj.school_class else None


class EnrolmentIn(Schema):
    person_id: int
    school: str
    grade: int = Field(ge=1, le=12)
    school_year: int | None = Field(None, ge=1900, le=2200)
    school_class_id: int | None = None
    since: dt.date | None = None


class ClassIn(Schema):
    name: str = Field(min_length=1, max_length=40)
    grade: int = Field(ge=1, le=12)
    school_year: int | None = Field(None, ge=1900, le=2200)


class CountOut(Schema):
    school: str
    pupils: int


@router.get("/schools", response=list[SchoolOut])
@paginate(LimitOffsetPagination)
def list_schools(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The schools the caller may see (their staff, and the units above them)."""
    return selectors.visible_schools(request.user).order_by("unit__code")


@router.get("/schools/{code}", response=SchoolOut)
def get_school(request: HttpRequest, code: str) -> School:
    return selectors.get_school_for(request.user, code)


@router.get("/schools/{code}/classes", response=list[ClassOut])
def list_classes(request: HttpRequest, code: str, year: int | None = None) -> list[SchoolClass]:
    school = selectors.get_school_for(request.user, code)
    classes = school.classes.all()
    if year is not None:
        classes = classes.filter(school_year=year)
    return list(classes)


@router.post("/schools/{code}/classes", response={201: ClassOut})
def add_class(request: HttpRequest, code: str, payload: ClassIn) -> Status[SchoolClass]:
    school = selectors.get_school_for(request.user, code)
    return Status(
        201,
        services.add_class(
            actor=request.user,
            school=school,
            name=payload.name,
            grade=payload.grade,
            school_year=payload.school_year,
        ),
    )


@router.get("/schools/{code}/enrolments", response=list[EnrolmentOut])
@paginate(LimitOffsetPagination)
def school_enrolments(  # type: ignore[no-untyped-def]
    request: HttpRequest, code: str, year: int
):
    """A school's pupils in a school year."""
    school = selectors.get_school_for(request.user, code)
    return selectors.roster(request.user, school, year)


@router.get("/units/{code}/pupils", response=list[EnrolmentOut])
@paginate(LimitOffsetPagination)
def unit_pupils(request: HttpRequest, code: str, year: int):  # type: ignore[no-untyped-def]
    """The children of a unit's territory at the association's schools in a school year."""
    return selectors.pupils_of_unit(request.user, get_unit_for(request.user, code), year)


@router.get("/units/{code}/pupils/by-school", response=list[CountOut])
def unit_pupils_by_school(request: HttpRequest, code: str, year: int) -> list[dict[str, object]]:
    rows = selectors.schools_of_unit(request.user, get_unit_for(request.user, code), year)
    return [{"school": r["school"].unit.code, "pupils": r["pupils"]} for r in rows]


@router.post("/enrolments", response={201: EnrolmentOut})
def enrol(request: HttpRequest, payload: EnrolmentIn) -> Status[Enrolment]:
    person = person_in_scope(request.user, payload.person_id, "person_id")
    school = selectors.schools_to_choose().filter(unit__code=payload.school).first()
    if school is None:
        raise invalid("school", _("No school with this code."))
    klass = None
    if payload.school_class_id is not None:
        klass = school.classes.filter(pk=payload.school_class_id).first()
        if klass is None:
            raise invalid("school_class_id", _("Choose a class of this school, year and grade."))
    return Status(
        201,
        services.enrol(
            actor=request.user,
            person=person,
            school=school,
            grade=payload.grade,
            school_year=payload.school_year,
            school_class=klass,
            since=payload.since,
        ),
    )


@router.post("/enrolments/{enrolment_id}/leave", response=EnrolmentOut)
def leave(request: HttpRequest, enrolment_id: int) -> Enrolment:
    enrolment = selectors.visible_enrolments(request.user).filter(pk=enrolment_id).first()
    if enrolment is None:
        from django.http import Http404

        raise Http404
    return services.leave(actor=request.user, enrolment=enrolment)
