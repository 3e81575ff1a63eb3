"""Unit tree pages. Thin: they call selectors and services, which hold the rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.core.forms import apply_errors, submit
from branchwork.people.selectors import person_in_scope

from . import selectors, services
from .forms import (
    AppointForm,
    EndTermForm,
    MergeForm,
    MoveForm,
    PostForm,
    TerritoryForm,
    UnitForm,
)
from .models import Term, TerritoryArea, Unit


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


@login_required
@require_GET
def unit_index(request: HttpRequest) -> HttpResponse:
    roots = selectors.root_units(request.user)
    if len(roots) == 1:
        return redirect("org:unit", code=roots[0].code)
    return render(request, "org/unit_index.html", {"roots": roots})


@login_required
@require_GET
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    view = selectors.get_unit(request.user, code)
    unit = view.unit
    crumbs = selectors.breadcrumbs(unit)
    if not view.full:
        return render(request, "org/unit_card.html", {"unit": unit, "crumbs": crumbs})
    scope = scope_for(request.user)
    posts, ending = selectors.officers(unit)
    context = {
        "unit": unit,
        "crumbs": crumbs,
        "perms": view.permissions,
        "children": selectors.children_with_counts(scope, unit),
        "territory": selectors.territory(unit),
        "posts": posts,
        "ending": ending,
        "past_terms": selectors.past_terms(unit, limit=20),
        "merged_units": list(unit.merged_units.all().only("code", "name_ko", "name_ja", "name_en")),
    }
    return render(request, "org/unit_detail.html", context)


@login_required
@require_GET
def unit_children(request: HttpRequest, code: str) -> HttpResponse:
    """The sub-unit list of one unit, as an htmx fragment for expanding the tree in place."""
    unit = selectors.get_unit_for(request.user, code)
    children = selectors.children_with_counts(scope_for(request.user), unit)
    return render(request, "org/_children.html", {"unit": unit, "children": children})


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest, code: str) -> HttpResponse:
    parent = selectors.get_unit_for(request.user, code)
    if not scope_for(request.user).has("admin", parent):
        return _forbidden(request)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.create_unit(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The unit is created."))
            return redirect("org:unit", code=unit.code)
    return render(request, "org/unit_form.html", {"form": form, "parent": parent})


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.get_unit_for(request.user, code)
    if not scope_for(request.user).has("edit", unit):
        return _forbidden(request)
    form = UnitForm(
        request.POST or None,
        initial={f: getattr(unit, f) for f in ("code", "kind", *services.UNIT_FIELDS)},
    )
    form.fields["code"].disabled = True
    form.fields["kind"].disabled = True
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in services.UNIT_FIELDS}
        try:
            services.update_unit(actor=request.user, unit=unit, **values)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The unit is saved."))
            return redirect("org:unit", code=unit.code)
    return render(request, "org/unit_form.html", {"form": form, "unit": unit})


def _unit_form(
    request: HttpRequest,
    code: str,
    *,
    perm: str,
    form_class: type[forms.Form],
    title: str,
    success: str,
    run: Callable[[Unit, dict[str, Any]], object],
) -> HttpResponse:
    """A form on one unit: check the permission, validate, call the service, or show errors."""
    unit = selectors.get_unit_for(request.user, code)
    if not scope_for(request.user).has(perm, unit):
        return _forbidden(request)
    form = form_class(request.POST or None)
    if submit(request, form, lambda data: run(unit, data), success=success):
        return redirect("org:unit", code=unit.code)
    return render(request, "org/simple_form.html", {"form": form, "unit": unit, "title": title})


@login_required
@require_http_methods(["GET", "POST"])
def territory_add(request: HttpRequest, code: str) -> HttpResponse:
    return _unit_form(
        request,
        code,
        perm="edit",
        form_class=TerritoryForm,
        title=_("Add to the territory"),
        success=_("The area is added to the territory."),
        run=lambda unit, data: services.add_territory(actor=request.user, unit=unit, **data),
    )


@login_required
@require_POST
def territory_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    unit = selectors.get_unit_for(request.user, code)
    area = TerritoryArea.objects.filter(unit=unit, pk=pk).first()
    if area is None:
        raise Http404
    try:
        services.remove_territory(actor=request.user, area=area)
    except PermissionDeniedError:
        return _forbidden(request)
    messages.success(request, _("The area is removed from the territory."))
    return redirect("org:unit", code=unit.code)


@login_required
@require_http_methods(["GET", "POST"])
def post_add(request: HttpRequest, code: str) -> HttpResponse:
    return _unit_form(
        request,
        code,
        perm="edit",
        form_class=PostForm,
        title=_("Add or change a post"),
        success=_("The post is saved."),
        run=lambda unit, data: services.set_post(actor=request.user, unit=unit, **data),
    )


@login_required
@require_http_methods(["GET", "POST"])
def appoint(request: HttpRequest, code: str) -> HttpResponse:
    def run(unit: Unit, data: dict[str, Any]) -> object:
        person = person_in_scope(request.user, data["person"], "person")
        return services.appoint(
            actor=request.user,
            unit=unit,
            post_type=data["post_type"],
            person=person,
            start=data["start"],
            end=data["end"],
        )

    return _unit_form(
        request,
        code,
        perm="edit",
        form_class=AppointForm,
        title=_("Appoint an officer"),
        success=_("The officer is appointed."),
        run=run,
    )


@login_required
@require_http_methods(["GET", "POST"])
def term_end(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Ask for the last day of a term, then end it (a confirmation page, not a one-click button)."""
    unit = selectors.get_unit_for(request.user, code)
    term = (
        Term.objects.filter(unit=unit, pk=pk).select_related("unit", "person", "post_type").first()
    )
    if term is None:
        raise Http404
    return _unit_form(
        request,
        code,
        perm="edit",
        form_class=EndTermForm,
        title=_("End the term of %(name)s as %(post)s")
        % {"name": term.person.display_name, "post": term.post_type.name},
        success=_("The term is ended."),
        run=lambda _unit, data: services.end_term(actor=request.user, term=term, end=data["end"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, code: str) -> HttpResponse:
    def run(unit: Unit, data: dict[str, Any]) -> object:
        new_parent = selectors.unit_in_scope(request.user, data["parent"], "parent")
        try:
            return services.move_unit(actor=request.user, unit=unit, new_parent=new_parent)
        except PermissionDeniedError:
            raise invalid(
                "parent", _("You need the administration permission on both units.")
            ) from None

    return _unit_form(
        request,
        code,
        perm="admin",
        form_class=MoveForm,
        title=_("Move under another unit"),
        success=_("The unit is moved."),
        run=run,
    )


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.get_unit_for(request.user, code)
    if not scope_for(request.user).has("admin", unit):
        return _forbidden(request)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = selectors.unit_in_scope(request.user, data["target"], "target")
            services.merge_units(actor=request.user, source=unit, target=target, on=data["on"])
        except PermissionDeniedError:
            form.add_error("target", _("You need the administration permission on both units."))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The units are merged."))
            return redirect("org:unit", code=target.code)
    return render(
        request,
        "org/simple_form.html",
        {"form": form, "unit": unit, "title": _("Merge into another unit")},
    )
