"""Pages of news: a unit's bulletins for the association's users (and writing them), and the
public news page of a unit with its Atom feed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import perform, submit
from branchwork.org.models import Unit
from branchwork.org.selectors import get_unit_for

from . import selectors, sending, services
from .forms import BulletinForm, NewsletterForm
from .models import Bulletin, Newsletter

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


# --------------------------------------------------------------------------------------------
# Newsletters
# --------------------------------------------------------------------------------------------


def _affiliates(request: HttpRequest) -> QuerySet[Unit]:
    return (
        scope_for(request.user)
        .filter(
            Unit.objects.filter(kind__in=services.AFFILIATE_KINDS, status="active"),
            "view",
            path_field="path",
        )
        .order_by("path")
    )


def _newsletter_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = dict(_texts(data))
    fields.update({f: data.get(f) for f in services.SEGMENT_FIELDS})
    fields["membership"] = data.get("membership") or "any"
    return fields


@login_required
@require_GET
def unit_newsletters(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    newsletters = (
        selectors.visible_newsletters(request.user)
        .filter(unit__path__startswith=unit.path)
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "news/unit_newsletters.html",
        {
            "unit": unit,
            "page": Paginator(newsletters, PAGE).get_page(request.GET.get("page")),
            "may_edit": scope_for(request.user).has("edit", unit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def newsletter_create(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    if not scope_for(request.user).has("edit", unit):
        return render(request, "403.html", status=403)
    form = NewsletterForm(
        request.POST or None, initial={"membership": "any"}, affiliates=_affiliates(request)
    )

    def run(data: dict[str, Any]) -> Newsletter:
        return services.draft_newsletter(actor=request.user, unit=unit, **_newsletter_fields(data))

    done = submit(request, form, run, success=_("The newsletter is saved as a draft."))
    if done:
        return redirect("news:newsletter", pk=done.result.pk)
    return render(request, "news/newsletter_form.html", {"unit": unit, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def newsletter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = selectors.get_newsletter_for(request.user, pk)
    if not scope_for(request.user).has("edit", newsletter.unit):
        return render(request, "403.html", status=403)
    if newsletter.status != "draft":
        return redirect("news:newsletter", pk=pk)
    initial = {f: getattr(newsletter, f) for f in (*services.TEXT_FIELDS, *services.SEGMENT_FIELDS)}
    form = NewsletterForm(request.POST or None, initial=initial, affiliates=_affiliates(request))

    def run(data: dict[str, Any]) -> Newsletter:
        return services.update_newsletter(
            actor=request.user, newsletter=newsletter, **_newsletter_fields(data)
        )

    done = submit(request, form, run, success=_("The newsletter is saved as a draft."))
    if done:
        return redirect("news:newsletter", pk=pk)
    return render(
        request,
        "news/newsletter_form.html",
        {"unit": newsletter.unit, "form": form, "newsletter": newsletter},
    )


def _newsletter_context(request: HttpRequest, newsletter: Newsletter) -> dict[str, Any]:
    draft = newsletter.status == "draft"
    return {
        "newsletter": newsletter,
        "may_edit": scope_for(request.user).has("edit", newsletter.unit),
        "preview": sending.preview(request.user, newsletter) if draft else None,
        "counts": None if draft else selectors.delivery_counts(newsletter),
        "stalled": newsletter.status == "stopped" or newsletter.is_stalled(),
        "languages": sending.written_languages(newsletter),
    }


@login_required
@require_GET
def newsletter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = selectors.get_newsletter_for(request.user, pk)
    context = _newsletter_context(request, newsletter)
    context["unknown"] = selectors.unknown_deliveries(newsletter).order_by("pk")[:200]
    return render(request, "news/newsletter_detail.html", context)


@login_required
@require_GET
def newsletter_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The counts alone, asked for every few seconds while a send runs."""
    newsletter = selectors.get_newsletter_for(request.user, pk)
    return render(request, "news/_progress.html", _newsletter_context(request, newsletter))


@login_required
@require_POST
def newsletter_send(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = selectors.get_newsletter_for(request.user, pk)
    try:
        count = sending.queue(actor=request.user, newsletter=newsletter)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext(
                "The newsletter is being sent to %(count)s person.",
                "The newsletter is being sent to %(count)s people.",
                count,
            )
            % {"count": count},
        )
    return redirect("news:newsletter", pk=pk)


@login_required
@require_POST
def newsletter_resume(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = selectors.get_newsletter_for(request.user, pk)
    refused = perform(
        request,
        lambda: sending.resume(actor=request.user, newsletter=newsletter),
        success=_("The send goes on with those not yet sent."),
    )
    return refused or redirect("news:newsletter", pk=pk)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every newsletter. Opening it asks for a confirmation (a link checker that
    opens mail must not unsubscribe anyone); the button, or a mail program's one-click
    request (RFC 8058), withdraws the newsletter consent."""
    from .models import Delivery

    delivery = Delivery.objects.select_related("newsletter").filter(token=token).first()
    if delivery is None:
        raise Http404
    with translation.override(delivery.language):
        if request.method == "POST":
            sending.unsubscribe(token)
            return render(request, "news/unsubscribed.html", {"done": True})
        return render(request, "news/unsubscribed.html", {"done": False, "token": token})
