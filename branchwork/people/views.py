"""Registry pages: search, a person, create and edit. Everything through the scoping."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.ratelimit import search_allowed
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import apply_errors, submit
from branchwork.core.paging import CappedPaginator, InOrder
from branchwork.org.selectors import get_unit_for, root_units, unit_in_scope

from . import duplicates, services
from .forms import (
    ConsentForm,
    HouseholdForm,
    MembershipForm,
    MoveHouseholdForm,
    PersonForm,
    RelationshipForm,
    SearchForm,
    SensitiveForm,
)
from .households import current_household
from .merge import merged_into
from .models import Person
from .search import LIST_ORDER, search_ids
from .selectors import (
    get_household_for,
    get_person_for,
    person_in_scope,
    relations_of,
    visible_people,
)

PAGE_SIZE = 25
RESULT_LIMIT = 1000  # people a search lists at most (the first found, in name order)
LIST_LIMIT = 10_000  # people the unsearched list counts exactly


NAME_ORDER = (*LIST_ORDER, "id")


def found_people(people: QuerySet[Person], query: str) -> tuple[InOrder, bool]:
    """The people a search lists, in name order, read a page at a time; and whether more
    people match. A one-word search can match a fifth of the registry: the list takes the first
    RESULT_LIMIT people found and says when there are more."""
    ids, more = search_ids(people, query, RESULT_LIMIT)  # in the list's order
    return InOrder(Person.objects.select_related("unit"), ids), more


@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.data.get("q", "").strip()[:100]
    people = visible_people(request.user).filter(erased_at__isnull=True)  # erased: not listed
    unit = None
    if request.GET.get("unit"):
        unit = get_unit_for(request.user, request.GET["unit"])
        people = people.filter(unit__path__startswith=unit.path)
    if query and not search_allowed(request.user):
        # htmx swaps in only successful answers: the live results get the message as a 200.
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "people/_too_many_searches.html")
        return render(request, "people/too_many_searches.html", status=429)
    if query:
        found, more = found_people(people, query)
        paginator = CappedPaginator(found, PAGE_SIZE, known=(len(found), more))
    else:
        paginator = CappedPaginator(people.order_by(*NAME_ORDER), PAGE_SIZE, cap=LIST_LIMIT)
    page = paginator.get_page(request.GET.get("page"))
    template = "people/_results.html" if request.htmx else "people/person_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page": page, "query": query, "unit": unit})


def _unit_for_new_person(request: HttpRequest) -> Any:
    code = request.GET.get("unit") or request.POST.get("unit")
    if code:
        return get_unit_for(request.user, code)
    roots = root_units(request.user)
    if not roots:
        raise Http404
    return roots[0]


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    unit = _unit_for_new_person(request)
    if not scope_for(request.user).has("edit", unit):
        return render(request, "403.html", status=403)
    form = PersonForm(request.POST or None)
    found: list[Any] = []  # possible duplicates, shown until "a different person" is ticked

    def run(data: dict[str, Any]) -> object:
        values = {k: v for k, v in data.items() if k != "version"}
        if not request.POST.get("confirm_new"):
            found[:] = duplicates.candidates_for_new(visible_people(request.user), values)
            if found:
                raise ValidationError(_("This person may already be recorded: see above."))
        return services.create_person(actor=request.user, unit=unit, **values)

    done = submit(request, form, run, success=_("The person is recorded."))
    if done:
        return redirect("people:detail", pk=done.result.pk)
    return render(
        request, "people/person_form.html", {"form": form, "unit": unit, "duplicates": found}
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        person = get_person_for(request.user, pk)
    except Http404:  # a merged number leads to the person it was merged into
        kept = merged_into(request.user, pk)
        if kept is None:
            raise
        return redirect("people:detail", pk=kept.pk)
    scope = scope_for(request.user)
    perms = scope.permissions_on(person.unit)
    if person.erased_at is not None:  # nothing left to edit or to show on request
        perms = perms - {"edit", "sensitive"}
    sensitive = None
    shown = False
    if request.method == "POST" and request.POST.get("action") == "show-sensitive":
        try:
            sensitive = services.read_sensitive(actor=request.user, person=person)
            shown = True
        except PermissionDeniedError:
            return render(request, "403.html", status=403)
    elif request.method == "POST":
        return HttpResponse(status=400)
    from branchwork.activities.ladder import LEVEL_NAMES, level_of
    from branchwork.education.selectors import enrolments_of

    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "perms": perms,
            "sensitive": sensitive,
            "sensitive_shown": shown,
            "relations": relations_of(request.user, person),
            "household_link": current_household(person),
            "consents": person.consents.all(),
            "memberships": _memberships_shown(scope, person),
            "level": LEVEL_NAMES[level_of(person)],
            "enrolments": enrolments_of(request.user, person),
        },
    )


def _memberships_shown(scope: Any, person: Person) -> list[Any]:
    """The person's memberships; a body outside the reader's units (an affiliated body of a
    sibling branch) is not named."""
    out = list(person.memberships.select_related("body").order_by("-joined"))
    for membership in out:
        body = membership.body
        visible = scope.has("view", body) or scope.is_above_scope(body)
        setattr(membership, "body_visible", visible)  # noqa: B010 - read by the template
    return out


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request.user, pk)
    if not scope_for(request.user).has("edit", person.unit):
        return render(request, "403.html", status=403)
    if person.erased_at is not None:
        messages.error(
            request, _("This person's data was erased; the record can no longer be changed.")
        )
        return redirect("people:detail", pk=person.pk)
    form = PersonForm(
        request.POST or None,
        instance=person if request.method == "GET" else None,
        initial={
            "version": person.version,
            "phone": person.phone,
            "mobile": person.mobile,
            "postal_code": person.postal_code,
        },
    )
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.update_person(
                actor=request.user,
                person=person,
                version=form.cleaned_data["version"] or 0,
                **values,
            )
        except services.EditConflict as conflict:
            return render(
                request,
                "people/conflict.html",
                {
                    "person": conflict.current,
                    "mine": values,
                    "fields": [
                        (form[f].label, values.get(f), getattr(conflict.current, f))
                        for f in conflict.changed_fields
                    ],
                },
                status=409,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The person is saved."))
            return redirect("people:detail", pk=person.pk)
    return render(
        request, "people/person_form.html", {"form": form, "person": person, "unit": person.unit}
    )


@login_required
@require_http_methods(["GET", "POST"])
def sensitive_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request.user, pk)
    if not scope_for(request.user).has("sensitive", person.unit):
        return render(request, "403.html", status=403)
    if request.method == "POST":
        form = SensitiveForm(request.POST)
        if form.is_valid():
            services.update_sensitive(actor=request.user, person=person, **form.cleaned_data)
            messages.success(request, _("The sensitive data is saved."))
            return redirect("people:detail", pk=person.pk)
    else:
        record = services.read_sensitive(actor=request.user, person=person)
        form = SensitiveForm(
            initial={f: getattr(record, f) for f in services.SENSITIVE_FIELDS} if record else None
        )
    return render(request, "people/sensitive_form.html", {"form": form, "person": person})


def _person_form(
    request: HttpRequest, pk: int, form: Any, title: str, success: str, run: Any
) -> HttpResponse:
    """A small form on one person: edit permission, validation, the service, or the errors."""
    person = get_person_for(request.user, pk)
    if not scope_for(request.user).has("edit", person.unit):
        return render(request, "403.html", status=403)
    if submit(request, form, lambda data: run(person, data), success=success):
        return redirect("people:detail", pk=person.pk)
    return render(
        request, "people/small_form.html", {"form": form, "person": person, "title": title}
    )


@login_required
@require_http_methods(["GET", "POST"])
def relationship_add(request: HttpRequest, pk: int) -> HttpResponse:
    def run(person: Any, data: dict[str, Any]) -> object:
        relative = person_in_scope(request.user, data["relative"], "relative")
        return services.relate(
            actor=request.user, person=person, relative=relative, kind=data["kind"]
        )

    return _person_form(
        request,
        pk,
        RelationshipForm(request.POST or None),
        _("Add a relationship"),
        _("The relationship is recorded."),
        run,
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    from django.db.models import Q

    from branchwork.org.models import Unit

    form = MembershipForm(request.POST or None)
    # The association itself, and the affiliated bodies within the user's units.
    form.fields["body"].queryset = (  # type: ignore[attr-defined]
        Unit.objects.filter(kind__in=services.MEMBERSHIP_BODY_KINDS, status="active")
        .filter(scope_for(request.user).q("view", "path") | Q(kind="federation"))
        .order_by("path")
    )
    return _person_form(
        request,
        pk,
        form,
        _("Add a membership"),
        _("The membership is recorded."),
        lambda person, data: services.add_membership(actor=request.user, person=person, **data),
    )


@login_required
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from branchwork.activities.selectors import last_contacted

    household = get_household_for(request.user, pk)
    members = household.members.select_related("person").order_by("until", "since")
    return render(
        request,
        "people/household.html",
        {
            "household": household,
            "members": members,
            "moves": household.moves.select_related("from_unit", "to_unit"),
            "perms": scope_for(request.user).permissions_on(household.unit),
            "last_contacted": last_contacted(household),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest, pk: int) -> HttpResponse:
    from . import households

    def run(person: Any, data: dict[str, Any]) -> object:
        unit = None
        if data["unit"]:
            unit = unit_in_scope(request.user, data["unit"], "unit")
        home = households.create_household(
            actor=request.user, address=data["address"], postal_code=data["postal_code"], unit=unit
        )
        return households.add_member(
            actor=request.user, household=home, person=person, relation=data["relation"]
        )

    return _person_form(
        request,
        pk,
        HouseholdForm(request.POST or None),
        _("Record the household"),
        _("The household is recorded."),
        run,
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_move(request: HttpRequest, pk: int) -> HttpResponse:
    from . import households

    household = get_household_for(request.user, pk)
    if not scope_for(request.user).has("edit", household.unit):
        return render(request, "403.html", status=403)
    form = MoveHouseholdForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: households.move_household(actor=request.user, household=household, **data),
        success=_("The move is recorded."),
    ):
        return redirect("people:household", pk=household.pk)
    return render(request, "people/household_move.html", {"form": form, "household": household})


@login_required
@require_http_methods(["GET", "POST"])
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form(
        request,
        pk,
        ConsentForm(request.POST or None),
        _("Record a consent"),
        _("The consent is recorded."),
        lambda person, data: services.give_consent(actor=request.user, person=person, **data),
    )


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    person = get_person_for(request.user, pk)
    consent = person.consents.filter(pk=consent_pk).select_related("person__unit").first()
    if consent is None:
        raise Http404
    try:
        services.withdraw_consent(actor=request.user, consent=consent)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    messages.success(request, _("The consent is withdrawn."))
    return redirect("people:detail", pk=person.pk)
