"""Pages of a congress: the list and history, a congress (its quotas, the delegates of the
user's units, nominations), the secretariat's credentials, the door (check-in), the delegate's
phone (voting pass, polls), the chair's polls, the live status and the projector."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.ratelimit import hit, over_limit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import apply_errors, perform, submit
from branchwork.core.qr import data_uri, inline_svg
from branchwork.people.selectors import person_in_scope

from . import selectors, services
from .forms import CheckInForm, NominateForm, PollForm
from .models import (
    AgendaItem,
    Congress,
    Credential,
    Delegate,
    ItemState,
    Motion,
    MotionState,
    Participation,
    Poll,
    PollKind,
    PollState,
    Quota,
    Speaker,
)

PAGE = 100
SESSION_DELEGATE = "congress_delegate"
SESSION_KEY = "congress_device"
PASS_FAILURES = 60  # failed voting passes per minute from one address


def _may(request: HttpRequest, perm: str, congress: Congress) -> bool:
    return scope_for(request.user).has(perm, congress.host)


@login_required
@require_GET
def congress_list(request: HttpRequest) -> HttpResponse:
    congresses = selectors.visible_congresses(request.user).order_by("-starts_on", "-number")
    today = timezone.localdate()
    return render(
        request,
        "congress/list.html",
        {
            "upcoming": list(congresses.filter(ends_on__gte=today)),
            "past": Paginator(
                congresses.filter(ends_on__lt=today).prefetch_related(
                    Prefetch(
                        "motions",
                        queryset=Motion.objects.filter(
                            amends__isnull=True, state=MotionState.ADOPTED
                        ).order_by("pk"),
                        to_attr="resolutions",
                    )
                ),
                PAGE,
            ).get_page(request.GET.get("page")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def congress_detail(request: HttpRequest, pk: int) -> HttpResponse:
    congress = selectors.get_congress_for(request.user, pk)
    scope = scope_for(request.user)
    quotas = list(Quota.objects.filter(congress=congress).select_related("unit"))
    nominating = [(q.unit.code, q.unit.name) for q in quotas if scope.has("edit", q.unit)]
    by_code = {q.unit.code: q.unit for q in quotas}
    form = NominateForm(request.POST or None, units=nominating, prefix="nominate")
    if request.method == "POST":
        if not nominating:
            return render(request, "403.html", status=403)
        done = submit(
            request,
            form,
            lambda d: services.nominate(
                actor=request.user,
                congress=congress,
                unit=by_code[d["unit"]],
                person=person_in_scope(request.user, d["person"], "person"),
                role=d["role"],
            ),
            success=_("The delegate is nominated."),
        )
        if done:
            return redirect("congress:detail", pk=congress.pk)
    delegates = selectors.visible_delegates(request.user, congress)
    return render(
        request,
        "congress/detail.html",
        {
            "congress": congress,
            "quotas": quotas,
            "delegates": Paginator(delegates, PAGE).get_page(request.GET.get("page")),
            "form": form if nominating else None,
            "secretariat": _may(request, "admin", congress),
            "door": _may(request, "edit", congress),
            "quorum": services.quorum(congress),
        },
    )


@login_required
@require_POST
def set_quotas(request: HttpRequest, pk: int) -> HttpResponse:
    congress = selectors.get_congress_for(request.user, pk)
    denied = perform(
        request,
        lambda: services.set_quotas(actor=request.user, congress=congress),
        success=lambda quotas: _("Quotas worked out for %(n)s units.") % {"n": len(quotas)},
    )
    return denied or redirect("congress:detail", pk=congress.pk)


@login_required
@require_POST
def credential(request: HttpRequest, pk: int) -> HttpResponse:
    delegate = _delegate_for(request, pk, "admin")
    decision = request.POST.get("credential", "")
    denied = perform(
        request,
        lambda: services.set_credential(actor=request.user, delegate=delegate, credential=decision),
        success=_("The credentials are recorded."),
    )
    return denied or redirect("congress:detail", pk=delegate.congress_id)


def _delegate_for(request: HttpRequest, pk: int, perm: str) -> Delegate:
    delegate = Delegate.objects.select_related("congress__host", "unit").filter(pk=pk).first()
    if delegate is None or not scope_for(request.user).has(perm, delegate.congress.host):
        raise Http404
    return delegate


# --------------------------------------------------------------------------------------------
# The door


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, pk: int, code: str = "") -> HttpResponse:
    """The door: a badge's QR code opens this page with its code filled in (or staff type it);
    checking in shows the delegate's voting pass as a QR code for their phone."""
    congress = selectors.get_congress_for(request.user, pk)
    if not _may(request, "edit", congress):
        return render(request, "403.html", status=403)
    form = CheckInForm(request.POST or None, initial={"code": code})
    done = None
    if request.method == "POST" and form.is_valid():
        try:
            done = services.check_in(
                actor=request.user, congress=congress, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    pass_url = qr = None
    if done is not None:
        pass_url = request.build_absolute_uri(
            reverse("congress:pass", kwargs={"code": done.voting_pass})
        )
        qr = data_uri(pass_url)
        form = CheckInForm()
    return render(
        request,
        "congress/check_in.html",
        {
            "congress": congress,
            "form": form,
            "done": done,
            "pass_url": pass_url,
            "qr": qr,
            "quorum": services.quorum(congress),
        },
    )


@login_required
@require_GET
def badges(request: HttpRequest, pk: int) -> HttpResponse:
    """Badges to print: one card per confirmed delegate, with the QR code the door scans."""
    congress = selectors.get_congress_for(request.user, pk)
    if not _may(request, "admin", congress):
        return render(request, "403.html", status=403)
    from branchwork.imports.paper import document_lang, render_pdf

    cards = []
    for d in (
        Delegate.objects.filter(congress=congress, credential=Credential.CONFIRMED)
        .select_related("person", "unit")
        .order_by("unit__code", "pk")
    ):
        url = request.build_absolute_uri(
            reverse("congress:check-in-code", kwargs={"pk": congress.pk, "code": d.badge_code})
        )
        # Inline SVG: the printer fetches nothing but its fonts.
        cards.append({"delegate": d, "qr": mark_safe(inline_svg(url))})  # noqa: S308 (segno's SVG)
    lang = document_lang(request)
    with translation.override(lang):
        title = _("Badges")
    pdf = render_pdf(
        "congress/pdf/badges.html",
        {"congress": congress, "cards": cards},
        title=title,
        lang=lang,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="badges-{congress.pk}.pdf"'
    return response


# --------------------------------------------------------------------------------------------
# The delegate's phone


@require_http_methods(["GET", "POST"])
def voting_pass(request: HttpRequest, code: str) -> HttpResponse:
    """Scanned from the staff phone at the door: binds this phone to the delegate (once)."""
    if request.method == "POST":
        # A hall's phones share the venue's address: only failed passes are counted.
        failures = f"congress-pass:{request.META.get('REMOTE_ADDR', '')}"
        if over_limit(failures, limit=PASS_FAILURES, window=60):
            return render(
                request, "congress/pass.html", {"error": _("Too many tries.")}, status=429
            )
        try:
            delegate, key = services.redeem_pass(code)
        except ValidationError as exc:
            hit(failures, limit=PASS_FAILURES, window=60)
            return render(request, "congress/pass.html", {"error": exc.messages[0]}, status=400)
        request.session.cycle_key()
        request.session[SESSION_DELEGATE] = delegate.pk
        request.session[SESSION_KEY] = key
        return redirect("congress:vote", pk=delegate.congress_id)
    return render(request, "congress/pass.html", {"code": code})


def phone_delegate(request: HttpRequest, congress_id: int | None = None) -> Delegate | None:
    """The delegate this phone is bound to (by its voting pass), if any; with ``congress_id``,
    only a delegate of that congress."""
    delegate = services.delegate_for_device(
        request.session.get(SESSION_DELEGATE), request.session.get(SESSION_KEY)
    )
    if delegate is None or (congress_id is not None and delegate.congress_id != congress_id):
        return None
    return delegate


def ballots_page(
    request: HttpRequest,
    delegate: Delegate,
    *,
    receipt: str = "",
    error: str = "",
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    """The delegate's phone: a ballot per open poll for their own vote and each vote they carry.
    A receipt is shown in the answer to the vote that made it and kept nowhere: not in the
    session, the URL or a message (each of those would put it beside the voter)."""
    polls = list(
        Poll.objects.filter(congress_id=delegate.congress_id, state=PollState.OPEN)
        .prefetch_related("options")
        .order_by("pk")
    )
    carried = list(Delegate.objects.filter(proxy_given__holder=delegate).select_related("person"))
    cast = set(
        Participation.objects.filter(poll__in=polls, delegate__in=[delegate, *carried]).values_list(
            "poll_id", "delegate_id"
        )
    )
    item = AgendaItem.objects.filter(
        congress_id=delegate.congress_id, state=ItemState.CURRENT
    ).first()
    my_request = (
        Speaker.objects.filter(item=item, delegate=delegate, ended_at__isnull=True).first()
        if item
        else None
    )
    ballots = [
        {"poll": poll, "for": who, "done": (poll.pk, who.pk) in cast}
        for poll in polls
        for who in [delegate, *carried]
    ]
    return render(
        request,
        "congress/vote.html",
        {
            "delegate": delegate,
            "congress": delegate.congress,
            "person": delegate.person,
            "ballots": ballots,
            "receipt": receipt,
            "error": error,
            "notice": notice,
            "item": item,
            "documents": list(item.documents.only("pk", "name")) if item else [],
            "my_request": my_request,
        },
        status=status,
    )


def no_pass(request: HttpRequest) -> HttpResponse:
    return render(
        request, "congress/pass.html", {"error": _("Scan your voting pass first.")}, status=403
    )


@require_GET
def vote_page(request: HttpRequest, pk: int) -> HttpResponse:
    delegate = phone_delegate(request, pk)
    if delegate is None:
        return no_pass(request)
    return ballots_page(request, delegate)


@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Cast a vote from the delegate's phone. With ``Accept: application/json`` the answer is
    ``{"receipt": …}`` (or the refusal as text, status 409)."""
    delegate = phone_delegate(request)
    if delegate is None:
        return no_pass(request)
    for_delegate = None
    if request.POST.get("for") and str(request.POST["for"]) != str(delegate.pk):
        for_delegate = Delegate.objects.filter(
            pk=request.POST["for"], congress=delegate.congress_id
        ).first()
        if for_delegate is None:
            raise Http404
    as_json = request.headers.get("Accept") == "application/json"
    try:
        receipt = services.cast_vote(
            voter=delegate,
            poll=pk,
            options=request.POST.getlist("option"),
            for_delegate=for_delegate,
        )
    except Poll.DoesNotExist:
        raise Http404 from None
    except PermissionDeniedError:  # a poll of another congress than the phone's
        return no_pass(request)
    except ValidationError as exc:
        if as_json:
            return HttpResponse(exc.messages[0], status=409, content_type="text/plain")
        return ballots_page(request, delegate, error=exc.messages[0], status=409)
    if as_json:
        return HttpResponse(json.dumps({"receipt": receipt}), content_type="application/json")
    return ballots_page(request, delegate, receipt=receipt)


# --------------------------------------------------------------------------------------------
# The chair's polls


@login_required
@require_http_methods(["GET", "POST"])
def polls(request: HttpRequest, pk: int) -> HttpResponse:
    congress = selectors.get_congress_for(request.user, pk)
    if not _may(request, "admin", congress):
        return render(request, "403.html", status=403)
    form = PollForm(request.POST or None, initial={"kind": PollKind.YES_NO})
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: services.create_poll(
                actor=request.user,
                congress=congress,
                title=d["title"],
                kind=d["kind"],
                secret=d["secret"],
                weighted=d["weighted"],
                options=(d.get("options") or "").splitlines(),
                min_choices=d["min_choices"],
                max_choices=d["max_choices"],
            ),
            success=_("The poll is ready to open."),
        )
        if done:
            return redirect("congress:polls", pk=congress.pk)
    rows = list(Poll.objects.filter(congress=congress).order_by("-pk"))
    return render(
        request,
        "congress/polls.html",
        {"congress": congress, "polls": rows, "form": form, "quorum": services.quorum(congress)},
    )


@login_required
@require_POST
def poll_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    poll = selectors.get_poll_for(request.user, pk)
    run: dict[str, Any] = {
        "open": (services.open_poll, _("The poll is open.")),
        "close": (services.close_poll, _("The poll is closed and counted.")),
        "publish": (services.publish_poll, _("The result is published.")),
    }
    if action not in run:
        raise Http404
    call, message = run[action]
    denied = perform(request, lambda: call(actor=request.user, poll=poll), success=message)
    selectors.forget_live(poll.congress_id)
    return denied or redirect("congress:poll", pk=poll.pk)


@login_required
@require_GET
def poll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    poll = selectors.get_poll_for(request.user, pk)
    progress = poll.participations.count() if poll.state == PollState.OPEN else None
    receipts: list[Any] = []
    if poll.state in (PollState.CLOSED, PollState.PUBLISHED):
        receipts = list(poll.ballots.order_by("receipt").prefetch_related("choices__option"))
    return render(
        request,
        "congress/poll.html",
        {"poll": poll, "progress": progress, "receipts": receipts, "congress": poll.congress},
    )


@require_GET
def published_poll(request: HttpRequest, pk: int) -> HttpResponse:
    """A published result with every receipt and its choices, for each voter to check theirs
    (public, like the projector: it names nobody)."""
    poll = Poll.objects.filter(pk=pk, state=PollState.PUBLISHED).first()
    if poll is None:
        raise Http404
    receipts = list(poll.ballots.order_by("receipt").prefetch_related("choices__option"))
    return render(request, "congress/published.html", {"poll": poll, "receipts": receipts})


# --------------------------------------------------------------------------------------------
# Live status and projector (public: what the hall sees)


@require_GET
def live(request: HttpRequest, pk: int) -> HttpResponse:
    body, etag = selectors.live_status(pk)
    if body == b"{}":
        raise Http404
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def projector(request: HttpRequest, pk: int) -> HttpResponse:
    congress = Congress.objects.filter(pk=pk).first()
    if congress is None:
        raise Http404
    return render(request, "congress/projector.html", {"congress": congress})
