"""The data-subject pages of a person: everything held (page and download), erasure, history.

All three need the admin permission on the person's unit: a person outside the user's units is
a 404, a visible one without the permission a 403. See ``subject`` for what an export holds and
``history`` for why the history needs the admin permission too.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Model, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from branchwork.access.models import AuditEvent, User
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import submit
from branchwork.org.models import Term

from . import privacy
from .forms import EraseForm
from .history import events_about
from .models import (
    Consent,
    HouseholdMember,
    Membership,
    Person,
    PersonMerge,
    PersonSearchKey,
    PersonSensitive,
    Provision,
    Relationship,
)
from .selectors import get_person_for
from .subject import export_person

HISTORY_PAGE_SIZE = 50
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

SECTION_TITLES = {
    "person": gettext_lazy("Recorded data"),
    "unit": gettext_lazy("Unit"),
    "sensitive": gettext_lazy("Sensitive data"),
    "relationships": gettext_lazy("Family and relations"),
    "memberships": gettext_lazy("Memberships"),
    "households": gettext_lazy("Households"),
    "consents": gettext_lazy("Consents"),
    "provisions": gettext_lazy("Provisions to third parties"),
    "merged_from": gettext_lazy("Records merged into this one"),
    "officer_terms": gettext_lazy("Officer posts"),
    "user_account": gettext_lazy("User account"),
    "other": gettext_lazy("Other records"),
}
SECTION_MODELS: dict[str, type[Model]] = {
    "person": Person,
    "sensitive": PersonSensitive,
    "relationships": Relationship,
    "memberships": Membership,
    "households": HouseholdMember,
    "consents": Consent,
    "provisions": Provision,
    "merged_from": PersonMerge,
    "officer_terms": Term,
    "user_account": User,
}
# Keys of the export that are not model fields (or whose field label would mislead).
KEY_LABELS = {
    "id": gettext_lazy("number"),
    "code": gettext_lazy("code"),
    "name": gettext_lazy("name"),
    "outside_your_units": gettext_lazy("outside your units"),
    "included": gettext_lazy("included"),
    "values": gettext_lazy("values"),
    "withheld": gettext_lazy("withheld"),
    "reason": gettext_lazy("reason"),
    "relation": gettext_lazy("relation"),
    "recorded_on": gettext_lazy("recorded on the record of"),
    "other_person": gettext_lazy("the other person"),
    "created_at": gettext_lazy("recorded at"),
    "updated_at": gettext_lazy("last changed at"),
    "version": gettext_lazy("version"),
    "household_id": gettext_lazy("household number"),
    "addresses": gettext_lazy("addresses"),
    "from": gettext_lazy("from"),
    "to": gettext_lazy("to"),
    "postal_code": gettext_lazy("postal code"),
    "address": gettext_lazy("address"),
    "unit": gettext_lazy("unit"),
    "body": gettext_lazy("organisation"),
    "by": gettext_lazy("by"),
    "post": gettext_lazy("post"),
    "merged_id": gettext_lazy("merged person number"),
    "merged_at": gettext_lazy("merged at"),
    "last_login": gettext_lazy("last sign-in"),
    "permission": gettext_lazy("permission needed"),
    "audit_events": gettext_lazy("who read or changed the data"),
}
ACTION_LABELS = {
    "create": gettext_lazy("recorded"),
    "update": gettext_lazy("changed"),
    "read_sensitive": gettext_lazy("looked at the sensitive data"),
    "update_sensitive": gettext_lazy("changed the sensitive data"),
    "consent_given": gettext_lazy("recorded a consent"),
    "consent_withdrawn": gettext_lazy("withdrew a consent"),
    "join_household": gettext_lazy("recorded in a household"),
    "move": gettext_lazy("recorded a move"),
    "subject_export": gettext_lazy("exported everything held"),
    "erase_request": gettext_lazy("erased on request"),
    "erase_retention": gettext_lazy("erased by a retention rule"),
}


def _admin_or_403(request: HttpRequest, person: Person) -> HttpResponse | None:
    if scope_for(request.user).has("admin", person.unit):
        return None
    return render(request, "403.html", status=403)


def _model_field(model: type[Model] | None, key: str) -> Any:
    if model is None or key in ("id", "pk"):
        return None
    for name in (key, key.removesuffix("_id")):
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _label(key: str, model: type[Model] | None) -> str:
    """A key's words: ours first (model fields without a verbose name read poorly), then the
    model field's (the person's sensitive fields count as the person's), then the key."""
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    models = (model, PersonSensitive) if model is Person else (model,)
    for candidate in models:
        field = _model_field(candidate, key)
        if field is not None and hasattr(field, "verbose_name"):
            return str(field.verbose_name)
    return str(SECTION_TITLES.get(key, key))


def _moment(value: str) -> str:
    """An ISO date and time as the pages show times: local, to the minute."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        return value
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _text(value: Any, field: Any = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    choices = dict(getattr(field, "flatchoices", None) or ())
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)
    if isinstance(value, str) and ISO_MOMENT.match(value):
        return _moment(value)
    return str(choices.get(value, value))


def node(value: Any, model: type[Model] | None = None, key: str = "") -> dict[str, Any]:
    """The export's data as nested nodes a template renders: pairs, items or text."""
    if isinstance(value, dict):
        items = [{"label": _label(k, model), "node": node(v, model, k)} for k, v in value.items()]
        return {"kind": "pairs", "items": items}
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return {"kind": "items", "items": [node(v, model) for v in value]}
    if isinstance(value, list) and not value and not key:  # a section with nothing in it
        return {"kind": "items", "items": []}
    return {"kind": "text", "text": _text(value, _model_field(model, key))}


def _model_of(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def present(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The export's sections, titled, for the page (the audit events are shown as a table)."""
    sections = []
    for key, title in SECTION_TITLES.items():
        value = data.get(key)
        if key == "other":
            for object_type, rows in (value or {}).items():
                model = _model_of(object_type)
                name = model._meta.verbose_name_plural if model else object_type
                sections.append({"key": object_type, "title": name, "node": node(rows, model)})
            continue
        sections.append({"key": key, "title": title, "node": node(value, SECTION_MODELS.get(key))})
    return sections


def _event_rows(events: Any) -> list[dict[str, Any]]:
    rows = []
    for e in events:
        model = _model_of(e.object_type)
        if e.actor is not None:
            who = e.actor.get_full_name() or e.actor.username
        elif e.actor_id is not None:
            who = _("user #%(number)s") % {"number": e.actor_id}
        else:
            who = _("the system")
        rows.append(
            {
                "seq": e.seq,
                "at": e.at,
                "who": who,
                "action": str(ACTION_LABELS.get(e.action, e.action)),
                "record": f"{model._meta.verbose_name if model else e.object_type} #{e.object_id}",
                "fields": [_label(f, model) for f in e.fields],
            }
        )
    return rows


@login_required
@require_GET
@never_cache
def person_data(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held about the person, as a page to read or print."""
    person = get_person_for(request.user, pk)
    try:
        data = export_person(actor=request.user, person=person)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    events = AuditEvent.objects.filter(seq__in=[e["seq"] for e in data["audit_events"]])
    return render(
        request,
        "people/person_data.html",
        {
            "person": person,
            "data": data,
            "exported_at": _moment(data["exported_at"]),
            "sections": present(data),
            "events": _event_rows(events.select_related("actor").order_by("seq")),
        },
    )


@login_required
@require_GET
@never_cache
def person_data_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The same export as a JSON file to hand to the person."""
    person = get_person_for(request.user, pk)
    try:
        data = export_person(actor=request.user, person=person)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """GET explains what erasure removes and keeps; POST, with the number typed, erases."""
    person = get_person_for(request.user, pk)
    denied = _admin_or_403(request, person)
    if denied:
        return denied
    if person.erased_at is not None:
        return redirect("people:detail", pk=person.pk)
    form = EraseForm(request.POST or None, person=person)
    done = submit(
        request,
        form,
        lambda data: privacy.erase_person(actor=request.user, person=person, reason="request"),
        success=_("The person's data is erased."),
    )
    if done:
        return redirect("people:detail", pk=person.pk)
    either_way = Q(person=person) | Q(relative=person)
    counts = {
        "relationships": Relationship.objects.filter(either_way).count(),
        "consents": Consent.objects.filter(person=person).count(),
        "sensitive": PersonSensitive.objects.filter(person=person).exists(),
        "search_keys": PersonSearchKey.objects.filter(person=person).count(),
        "memberships": Membership.objects.filter(person=person).count(),
        "households": HouseholdMember.objects.filter(person=person).count(),
        "terms": Term.objects.filter(person=person).count(),
        "provisions": Provision.objects.filter(person=person).count(),
    }
    account = User.objects.filter(person=person).first()
    return render(
        request,
        "people/person_erase.html",
        {"person": person, "form": form, "counts": counts, "account": account},
    )


@login_required
@require_GET
def person_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit events about the person and its records, newest first (admin permission)."""
    person = get_person_for(request.user, pk)
    denied = _admin_or_403(request, person)
    if denied:
        return denied
    events = events_about(person).select_related("actor").order_by("-seq")
    page = Paginator(events, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/person_history.html",
        {"person": person, "page": page, "rows": _event_rows(page.object_list)},
    )
