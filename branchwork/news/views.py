"""Pages of news: a unit's bulletins for the association's users (and writing them), and the
public news page of a unit with its Atom feed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import submit
from branchwork.org.models import Unit
from branchwork.org.selectors import get_unit_for

from . import selectors, services
from .forms import BulletinForm
from .models import Bulletin

PAGE = 20


@login_required
@require_GET
def unit_news(request: HttpRequest, code: str) -> HttpResponse:
    """The news of a unit and of the units under it that the user may read, newest first;
    its editors also see what is scheduled and what was withdrawn."""
    unit = get_unit_for(request.user, code)
    bulletins = (
        selectors.visible_bulletins(request.user)
        .filter(unit__path__startswith=unit.path)
        .order_by("-published_at", "-pk")
    )
    return render(
        request,
        "news/unit_news.html",
        {
            "unit": unit,
            "page": Paginator(bulletins, PAGE).get_page(request.GET.get("page")),
            "may_edit": scope_for(request.user).has("edit", unit),
        },
    )


def _texts(data: dict[str, Any]) -> dict[str, str]:
    return {k: data.get(k) or "" for k in services.TEXT_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_create(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    if not scope_for(request.user).has("edit", unit):
        return render(request, "403.html", status=403)
    form = BulletinForm(request.POST or None, initial={"audience": "members"})

    def run(data: dict[str, Any]) -> Bulletin:
        return services.publish_bulletin(
            actor=request.user,
            unit=unit,
            audience=data["audience"],
            published_at=data.get("published_at"),
            **_texts(data),
        )

    done = submit(request, form, run, success=_("The bulletin is saved."))
    if done:
        return redirect("news:bulletin", pk=done.result.pk)
    return render(request, "news/bulletin_form.html", {"unit": unit, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.get_bulletin_for(request.user, pk)
    if not scope_for(request.user).has("edit", bulletin.unit):
        return render(request, "403.html", status=403)
    initial = {f: getattr(bulletin, f) for f in services.TEXT_FIELDS}
    initial.update(audience=bulletin.audience, published_at=bulletin.published_at)
    form = BulletinForm(request.POST or None, initial=initial)

    def run(data: dict[str, Any]) -> Bulletin:
        return services.update_bulletin(
            actor=request.user,
            bulletin=bulletin,
            audience=data["audience"],
            published_at=data.get("published_at"),
            **_texts(data),
        )

    done = submit(request, form, run, success=_("The bulletin is saved."))
    if done:
        return redirect("news:bulletin", pk=bulletin.pk)
    return render(
        request,
        "news/bulletin_form.html",
        {"unit": bulletin.unit, "form": form, "bulletin": bulletin},
    )


@login_required
@require_GET
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.get_bulletin_for(request.user, pk)
    return render(
        request,
        "news/bulletin_detail.html",
        {"bulletin": bulletin, "may_edit": scope_for(request.user).has("edit", bulletin.unit)},
    )


@login_required
@require_POST
def bulletin_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.get_bulletin_for(request.user, pk)
    try:
        services.withdraw_bulletin(actor=request.user, bulletin=bulletin)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    messages.success(request, _("The bulletin is withdrawn: it no longer appears anywhere."))
    return redirect("news:unit-news", code=bulletin.unit.code)


# --------------------------------------------------------------------------------------------
# The public door: a unit's public news, an item with more from its unit, and the Atom feed
# --------------------------------------------------------------------------------------------


def _public_unit(code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


@require_GET
def public_news(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's public news, its subtree's included, newest first."""
    unit = _public_unit(code)
    items = selectors.public_bulletins().filter(unit__path__startswith=unit.path)
    return render(
        request,
        "news/public_news.html",
        {
            "unit": unit,
            "page": Paginator(items, selectors.PUBLIC_PAGE).get_page(request.GET.get("page")),
        },
    )


@require_GET
def public_bulletin(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    unit = _public_unit(code)
    bulletin = selectors.public_bulletins().filter(unit__path__startswith=unit.path, pk=pk).first()
    if bulletin is None:
        raise Http404
    more = (
        selectors.public_bulletins()
        .filter(unit=bulletin.unit)
        .exclude(pk=bulletin.pk)[: selectors.MORE_FROM_UNIT]
    )
    return render(
        request,
        "news/public_bulletin.html",
        {"unit": unit, "bulletin": bulletin, "more": list(more)},
    )
