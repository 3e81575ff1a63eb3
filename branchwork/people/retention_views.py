"""Retention pages: the rules (administrators at the root), a scoped preview, the purge.

Who may come here: the rules and the purge are federation-wide, so they need the
administration permission at the root unit; a user who sees the root without it gets 403,
anyone else 404. The preview is open to administrators of any unit, and counts only the units
they see.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from branchwork.access.scoping import scope_for
from branchwork.core.forms import submit

from . import retention
from .models import RetentionKind, RetentionRule
from .privacy_forms import PurgeConfirmForm, RetentionRuleForm


def _refuse(request: HttpRequest) -> HttpResponse:
    """403 for a user who sees the root unit, 404 (nothing to see here) for anyone else."""
    if retention.sees_a_root(request.user):
        return render(request, "403.html", status=403)
    raise Http404


@login_required
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    if not retention.is_root_admin(request.user):
        return _refuse(request)
    existing = {r.kind: r for r in RetentionRule.objects.all()}
    rows = [(kind, label, existing.get(kind)) for kind, label in RetentionKind.choices]
    return render(request, "people/retention_rules.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in RetentionKind.values:
        raise Http404
    if not retention.is_root_admin(request.user):
        return _refuse(request)
    rule = RetentionRule.objects.filter(kind=kind).first()
    initial = (
        {"years": rule.years, "active": rule.active, "note": rule.note}
        if rule
        else {"active": True}
    )
    form = RetentionRuleForm(request.POST or None, initial=initial)
    if submit(
        request,
        form,
        lambda data: retention.set_retention_rule(actor=request.user, kind=kind, **data),
        success=_("The retention rule is saved."),
    ):
        return redirect("people:retention")
    return render(
        request,
        "people/retention_form.html",
        {"form": form, "title": RetentionKind(kind).label, "rule": rule},
    )


@login_required
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).paths("admin") and not scope_for(request.user).superuser:
        return _refuse(request)
    items = retention.preview_for(request.user, retention.active_rules())
    return render(
        request,
        "people/retention_preview.html",
        {"items": items, "can_purge": retention.is_root_admin(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def purge(request: HttpRequest) -> HttpResponse:
    """GET: the list and a confirmation button. POST: erase, if the list is still the one that
    was confirmed; otherwise show the new list to confirm again."""
    if not retention.is_root_admin(request.user):
        return _refuse(request)
    rules_in_force = retention.active_rules()
    report = retention.plan_purge(rules_in_force)
    form = PurgeConfirmForm(request.POST or None, initial={"digest": report.digest})
    changed = False
    if request.method == "POST":
        confirmed = form.is_valid() and form.cleaned_data["digest"] == report.digest
        if confirmed and report.total:
            retention.execute_plan(actor=request.user, report=report, rules=rules_in_force)
            return render(request, "people/retention_report.html", {"report": report})
        changed = not confirmed
        form = PurgeConfirmForm(initial={"digest": report.digest})
    return render(
        request,
        "people/retention_purge.html",
        {"report": report, "form": form, "changed": changed},
    )
