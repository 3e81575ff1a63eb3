"""The merge page: pick the other record, compare the two side by side, choose, merge."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import submit

from . import duplicates
from .forms import LANGUAGE_CHOICES, MergeForm
from .merge import KEEP, MERGE, MERGE_FIELDS, merge_people, relation_counts
from .models import DatePrecision, Person
from .selectors import get_person_for, visible_people

EMPTY = "—"


@dataclass(frozen=True)
class Row:
    field: str
    label: str
    mine: str
    theirs: str
    differs: bool
    mine_blank: bool


def _shown(person: Person, field: str) -> str:
    value = getattr(person, field)
    if field == "unit":
        return str(person.unit.name)
    if field == "birth_date" and value is not None:
        if person.birth_precision == DatePrecision.YEAR:
            return str(value.year)
        if person.birth_precision == DatePrecision.MONTH:
            return f"{value.year}-{value.month:02d}"
    if value in (None, "", []):
        return EMPTY
    if field == "languages":
        names = dict(LANGUAGE_CHOICES)
        return ", ".join(str(names.get(code, code)) for code in value)
    display = getattr(person, f"get_{field}_display", None)
    if display is not None:
        return str(display())
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def compare(keep: Person, other: Person) -> list[Row]:
    """Every field of the two records, side by side."""
    rows = []
    for field in MERGE_FIELDS:
        label = str(Person._meta.get_field(field).verbose_name)  # type: ignore[union-attr]
        mine, theirs = getattr(keep, field), getattr(other, field)
        if field == "unit":
            mine, theirs = keep.unit_id, other.unit_id
        if field == "birth_date":
            mine, theirs = (mine, keep.birth_precision), (theirs, other.birth_precision)
        rows.append(
            Row(
                field=field,
                label=label,
                mine=_shown(keep, field),
                theirs=_shown(other, field),
                differs=mine != theirs,
                mine_blank=_shown(keep, field) == EMPTY,
            )
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def person_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """/people/<pk>/merge/?with=<other>: ``pk`` is kept, ``other`` merged into it. Without
    ``with``, the page offers the possible duplicates the user may merge, and a number box."""
    keep = get_person_for(request.user, pk)
    scope = scope_for(request.user)
    if not scope.has("admin", keep.unit):
        return render(request, "403.html", status=403)
    raw = (request.POST.get("with") or request.GET.get("with") or "").strip()
    if not raw.isdigit() or int(raw) == keep.pk:
        error = ""
        if raw:
            error = (
                _("A person cannot be merged with themself.")
                if raw.isdigit()
                else _("Give the other person's number.")
            )
        found = duplicates.candidates(keep, visible_people(request.user, "admin"))
        return render(
            request,
            "people/merge.html",
            {"person": keep, "candidates": found, "error": error, "picking": True},
            status=400 if error and request.method == "POST" else 200,
        )
    other = get_person_for(request.user, int(raw))
    if not scope.has("admin", other.unit):
        return render(request, "403.html", status=403)
    rows = compare(keep, other)
    differing = [row for row in rows if row.differs]
    form = MergeForm(
        request.POST or None,
        differing=[(r.field, r.label, r.mine, r.theirs) for r in differing],
        initial={
            "keep_version": keep.version,
            "merge_version": other.version,
            **{r.field: MERGE if r.mine_blank else KEEP for r in differing},
        },
    )

    def run(data: dict[str, Any]) -> Person:
        return merge_people(
            actor=request.user,
            keep=keep,
            merge=other,
            choices={name: data[name] for name in form.choice_names},
            versions=(data["keep_version"], data["merge_version"]),
        )

    try:
        done = submit(
            request,
            form,
            run,
            success=_("The records are merged. Number %(number)s now leads to this person.")
            % {"number": other.pk},
        )
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    if done:
        return redirect("people:detail", pk=keep.pk)
    return render(
        request,
        "people/merge.html",
        {
            "person": keep,
            "other": other,
            "rows": rows,
            "form": form,
            "lines": [(row, form[row.field] if row.differs else None) for row in rows],
            "relations": relation_counts(keep, other),
            "erased": keep.erased_at is not None or other.erased_at is not None,
        },
    )
