"""Pages of schools: the list, a school (its pupils by grade and class, where they come from,
its staff), a unit's children at school, and enrolling a pupil."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.scoping import scope_for
from branchwork.core.dates import chosen_year, year_choices
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import perform, submit
from branchwork.org.models import Term, UnitKind
from branchwork.org.selectors import get_unit_for
from branchwork.people.selectors import get_person_for, person_in_scope

from . import selectors, services
from .forms import ClassForm, EnrolForm, LevelForm
from .models import EnrolmentStatus, School, school_year_of

PAGE = 50


def _year(request: HttpRequest) -> int:
    return chosen_year(request.GET.get("year"), school_year_of(timezone.localdate()))


def _years(year: int) -> list[int]:
    return year_choices(school_year_of(timezone.localdate()), year)


@login_required
@require_GET
def school_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    schools = (
        selectors.visible_schools(request.user)
        .annotate(
            pupils=Count(
                "enrolments",
                filter=Q(
                    enrolments__school_year=year,
                    enrolments__status=EnrolmentStatus.ENROLLED,
                ),
            )
        )
        .order_by("unit__code")
    )
    return render(
        request,
        "education/schools.html",
        {"page": Paginator(schools, PAGE).get_page(request.GET.get("page")), "year": year},
    )


@login_required
@require_http_methods(["GET", "POST"])
def school_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    if unit.kind != UnitKind.SCHOOL:
        raise Http404
    school = School.objects.filter(unit=unit).select_related("unit").first()
    if school is None:  # a school unit whose level nobody has recorded yet
        return render(
            request,
            "education/school_new.html",
            {
                "unit": unit,
                "level_form": LevelForm() if scope_for(request.user).has("admin", unit) else None,
            },
        )
    year = _year(request)
    may_edit = scope_for(request.user).has("edit", school.unit)
    enrol_form = EnrolForm(
        request.POST if request.POST.get("form") == "enrol" else None,
        school=school,
        initial={"school_year": year},
        prefix="enrol",
    )
    class_form = ClassForm(
        request.POST if request.POST.get("form") == "class" else None,
        initial={"school_year": year},
        prefix="class",
    )
    if request.method == "POST":
        if not may_edit:
            return render(request, "403.html", status=403)
        try:
            if request.POST.get("form") == "enrol":
                done = submit(
                    request,
                    enrol_form,
                    lambda d: services.enrol(
                        actor=request.user,
                        person=person_in_scope(request.user, d["person"], "person"),
                        school=school,
                        grade=d["grade"],
                        school_year=d["school_year"],
                        school_class=d.get("school_class"),
                        since=d.get("since"),
                    ),
                    success=_("The pupil is enrolled."),
                )
            elif request.POST.get("form") == "class":
                done = submit(
                    request,
                    class_form,
                    lambda d: services.add_class(
                        actor=request.user,
                        school=school,
                        name=d["name"],
                        grade=d["grade"],
                        school_year=d["school_year"],
                    ),
                    success=_("The class is added."),
                )
            elif request.POST.get("form") == "promote":
                count = services.promote(actor=request.user, school=school, from_year=year)
                messages.success(
                    request,
                    _("%(count)s pupils are enrolled in the next school year.") % {"count": count},
                )
                return redirect(f"{request.path}?year={year + 1}")
            else:
                return HttpResponse(status=400)
        except PermissionDeniedError:
            return render(request, "403.html", status=403)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            done = None
        if done:
            return redirect(f"{request.path}?year={year}")
    roster = selectors.roster(request.user, school, year)
    return render(
        request,
        "education/school_detail.html",
        {
            "school": school,
            "unit": school.unit,
            "year": year,
            "years": _years(year),
            "grades": selectors.grade_counts(request.user, school, year),
            "classes": selectors.classes(school, year),
            "origins": selectors.origins(request.user, school, year),
            "page": Paginator(roster, PAGE).get_page(request.GET.get("page")),
            "staff": Term.objects.current()
            .filter(unit=school.unit)
            .select_related("person", "post_type")
            .order_by("post_type__order", "start"),
            "may_edit": may_edit,
            "enrol_form": enrol_form if may_edit else None,
            "class_form": class_form if may_edit else None,
            "level_form": LevelForm(initial={"level": school.level})
            if scope_for(request.user).has("admin", school.unit)
            else None,
        },
    )


@login_required
@require_POST
def school_level(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    form = LevelForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    try:
        services.set_level(actor=request.user, unit=unit, level=form.cleaned_data["level"])
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("org:unit", code=code)
    messages.success(request, _("The school's level is saved."))
    return redirect("education:school", code=code)


@login_required
@require_GET
def unit_pupils(request: HttpRequest, code: str) -> HttpResponse:
    """The children of a unit's territory at the association's schools."""
    unit = get_unit_for(request.user, code)
    year = _year(request)
    pupils = selectors.pupils_of_unit(request.user, unit, year)
    return render(
        request,
        "education/unit_pupils.html",
        {
            "unit": unit,
            "year": year,
            "years": _years(year),
            "schools": selectors.schools_of_unit(request.user, unit, year),
            "page": Paginator(pupils, PAGE).get_page(request.GET.get("page")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request.user, pk)
    form = EnrolForm(
        request.POST or None,
        person=person,
        initial={"school_year": school_year_of(timezone.localdate())},
    )

    def run(data: dict[str, Any]) -> Any:
        return services.enrol(
            actor=request.user,
            person=person,
            school=data["school"],
            grade=data["grade"],
            school_year=data["school_year"],
            since=data.get("since"),
        )

    try:
        done = submit(request, form, run, success=_("The pupil is enrolled."))
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    if done:
        return redirect("people:detail", pk=person.pk)
    return render(request, "education/enrol.html", {"person": person, "form": form})


@login_required
@require_POST
def enrolment_leave(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.visible_enrolments(request.user).filter(pk=pk).first()
    if enrolment is None:
        raise Http404
    refused = perform(
        request,
        lambda: services.leave(actor=request.user, enrolment=enrolment),
        success=_("The pupil is recorded as having left."),
    )
    if refused:
        return refused
    nxt = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    school: School = enrolment.school
    return redirect("education:school", code=school.unit.code)
