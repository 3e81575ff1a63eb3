"""Pages of a congress in session: the agenda with its papers and speakers list, motions and
amendments, the resolutions, the minutes, and asking to speak from the delegate's phone.

What is said in the hall is public to the hall: the speakers list names delegates as the
projector does (a named door, see DESIGN.md). Everything else follows the congress's scoping:
whoever sees the congress reads its agenda and motions; its secretariat runs them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.scoping import scope_for
from branchwork.core.forms import perform, submit

from . import proceedings, selectors, services
from .forms import (
    AgendaItemForm,
    AmendmentForm,
    CandidateForm,
    DocumentForm,
    ElectionForm,
    MotionForm,
    WorkflowForm,
)
from .models import (
    AgendaDocument,
    AgendaItem,
    Congress,
    Election,
    ItemState,
    Motion,
    MotionState,
    Poll,
    PollState,
    Quota,
    Speaker,
    SpeechKind,
)
from .views import ballots_page, no_pass, phone_delegate


def _secretariat(request: HttpRequest, congress: Congress) -> bool:
    return scope_for(request.user).has("admin", congress.host)


@login_required
@require_http_methods(["GET", "POST"])
def agenda(request: HttpRequest, pk: int) -> HttpResponse:
    congress = selectors.get_congress_for(request.user, pk)
    secretariat = _secretariat(request, congress)
    form = AgendaItemForm(request.POST or None, prefix="item")
    if request.method == "POST":
        if not secretariat:
            return render(request, "403.html", status=403)
        done = submit(
            request,
            form,
            lambda d: proceedings.add_item(
                actor=request.user,
                congress=congress,
                title=d["title"],
                description=d.get("description") or "",
                planned_minutes=d["planned_minutes"],
            ),
            success=_("The item is on the agenda."),
        )
        if done:
            return redirect("congress:agenda", pk=congress.pk)
    items = list(
        AgendaItem.objects.filter(congress=congress)
        .prefetch_related("documents")
        .order_by("position", "pk")
    )
    current = next((i for i in items if i.state == ItemState.CURRENT), None)
    return render(
        request,
        "congress/agenda.html",
        {
            "congress": congress,
            "items": items,
            "current": current,
            "speakers": proceedings.waiting(current) if current else [],
            "form": form if secretariat else None,
            "document_form": DocumentForm() if secretariat else None,
            "secretariat": secretariat,
            "speaking_seconds": congress.speaking_seconds,
        },
    )


def _item_for(request: HttpRequest, pk: int) -> AgendaItem:
    item = AgendaItem.objects.select_related("congress__host").filter(pk=pk).first()
    if item is None or not _secretariat(request, item.congress):
        raise Http404
    return item


@login_required
@require_POST
def item_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    item = _item_for(request, pk)
    calls: dict[str, Any] = {
        "open": (proceedings.open_item, _("The item is under way.")),
        "close": (proceedings.close_item, _("The item is done.")),
    }
    if action not in calls:
        raise Http404
    call, message = calls[action]
    denied = perform(request, lambda: call(actor=request.user, item=item), success=message)
    selectors.forget_live(item.congress_id)
    return denied or redirect("congress:agenda", pk=item.congress_id)


@login_required
@require_POST
def item_document(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        denied = perform(
            request,
            lambda: proceedings.add_document(
                actor=request.user,
                item=item,
                name=upload.name,
                content_type=upload.content_type or "",
                data=upload.read(),
            ),
            success=_("The paper is attached."),
        )
        if denied:
            return denied
    else:
        from django.contrib import messages

        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    return redirect("congress:agenda", pk=item.congress_id)


@require_GET
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """A paper, for whoever sees the congress or a delegate's phone of that congress."""
    doc = AgendaDocument.objects.select_related("item__congress").filter(pk=pk).first()
    if doc is None:
        raise Http404
    congress = doc.item.congress
    allowed = selectors.visible_congresses(request.user).filter(pk=congress.pk).exists()
    if not allowed:
        allowed = phone_delegate(request, congress.pk) is not None
    if not allowed:
        raise Http404
    response = HttpResponse(bytes(doc.data), content_type=doc.content_type)
    response["Content-Disposition"] = f'inline; filename="document-{doc.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def speaker_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    speaker = Speaker.objects.select_related("item__congress__host").filter(pk=pk).first()
    if speaker is None or not _secretariat(request, speaker.item.congress):
        raise Http404
    calls: dict[str, Any] = {
        "start": (proceedings.give_floor, _("The speaker has the floor.")),
        "end": (proceedings.end_speech, _("The speech is over.")),
    }
    if action not in calls:
        raise Http404
    call, message = calls[action]
    denied = perform(request, lambda: call(actor=request.user, speaker=speaker), success=message)
    selectors.forget_live(speaker.item.congress_id)
    return denied or redirect("congress:agenda", pk=speaker.item.congress_id)


@require_POST
def ask_to_speak(request: HttpRequest, pk: int) -> HttpResponse:
    """From the delegate's phone: a speech or a point of order on the current item."""
    delegate = phone_delegate(request, pk)
    if delegate is None:
        return no_pass(request)
    kind = request.POST.get("kind", SpeechKind.SPEECH)
    try:
        proceedings.ask_to_speak(delegate=delegate, kind=kind)
    except ValidationError as exc:
        return ballots_page(request, delegate, error=exc.messages[0], status=409)
    selectors.forget_live(pk)
    return ballots_page(request, delegate, notice=_("You are on the speakers list."))


@require_POST
def phone_motion(request: HttpRequest, pk: int) -> HttpResponse:
    """A motion submitted by a delegate from their phone."""
    delegate = phone_delegate(request, pk)
    if delegate is None:
        return no_pass(request)
    try:
        motion = proceedings.submit_motion(
            congress=delegate.congress,
            delegate=delegate,
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
        )
    except ValidationError as exc:
        return ballots_page(request, delegate, error=" ".join(exc.messages), status=409)
    return ballots_page(
        request,
        delegate,
        notice=_("Your motion is submitted as %(number)s.") % {"number": motion.number},
    )


# --------------------------------------------------------------------------------------------
# Motions


def _submitting_units(request: HttpRequest, congress: Congress) -> list[tuple[str, str]]:
    scope = scope_for(request.user)
    return [
        (q.unit.code, q.unit.name)
        for q in Quota.objects.filter(congress=congress).select_related("unit")
        if scope.has("edit", q.unit)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def motions(request: HttpRequest, pk: int) -> HttpResponse:
    congress = selectors.get_congress_for(request.user, pk)
    units = _submitting_units(request, congress)
    form = MotionForm(request.POST or None, units=units, prefix="motion")
    if request.method == "POST" and request.POST.get("form") != "workflow":
        if not units:
            return render(request, "403.html", status=403)
        by_code = {q.unit.code: q.unit for q in Quota.objects.filter(congress=congress)}
        done = submit(
            request,
            form,
            lambda d: proceedings.submit_motion(
                actor=request.user,
                congress=congress,
                unit=by_code[d["unit"]],
                title=d["title"],
                text=d["text"],
                reason=d.get("reason") or "",
            ),
            success=_("The motion is submitted."),
        )
        if done:
            return redirect("congress:motion", pk=done.result.pk)
    secretariat = _secretariat(request, congress)
    workflow_form = WorkflowForm(
        request.POST if request.POST.get("form") == "workflow" else None,
        initial={"workflow": proceedings.workflow_text(congress.motion_workflow)},
    )
    if workflow_form.is_bound:
        if not secretariat:
            return render(request, "403.html", status=403)
        if submit(
            request,
            workflow_form,
            lambda d: proceedings.set_workflow(
                actor=request.user, congress=congress, text=d["workflow"]
            ),
            success=_("The workflow is saved."),
        ):
            return redirect("congress:motions", pk=congress.pk)
    rows = list(
        Motion.objects.filter(congress=congress, amends__isnull=True)
        .select_related("submitted_by_unit")
        .order_by("pk")
    )
    return render(
        request,
        "congress/motions.html",
        {
            "congress": congress,
            "motions": rows,
            "form": form if units else None,
            "workflow_form": workflow_form if secretariat else None,
            "states": MotionState.choices,
        },
    )


def _motion_for(request: HttpRequest, pk: int) -> Motion:
    motion = Motion.objects.select_related("congress__host", "amends").filter(pk=pk).first()
    if (
        motion is None
        or not selectors.visible_congresses(request.user).filter(pk=motion.congress_id).exists()
    ):
        raise Http404
    return motion


@login_required
@require_http_methods(["GET", "POST"])
def motion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    motion = _motion_for(request, pk)
    congress = motion.congress
    secretariat = _secretariat(request, congress)
    units = _submitting_units(request, congress)
    may_amend = secretariat or bool(units)
    form = AmendmentForm(request.POST or None, paragraphs=len(motion.paragraphs), prefix="amend")
    if request.method == "POST":
        if not may_amend:
            return render(request, "403.html", status=403)
        unit = None
        if not secretariat:
            unit = (
                Quota.objects.select_related("unit")
                .get(congress=congress, unit__code=units[0][0])
                .unit
            )
        done = submit(
            request,
            form,
            lambda d: proceedings.submit_motion(
                actor=request.user,
                congress=congress,
                unit=unit,
                title=d["title"],
                text=d["text"],
                amends=motion,
                paragraph=d["paragraph"],
            ),
            success=_("The amendment is submitted."),
        )
        if done:
            return redirect("congress:motion", pk=motion.pk)
    amendments = list(motion.amendments.order_by("pk"))
    return render(
        request,
        "congress/motion.html",
        {
            "congress": congress,
            "motion": motion,
            "paragraphs": list(enumerate(motion.paragraphs, start=1)),
            "amendments": amendments,
            "next_states": [
                (s, MotionState(s).label)
                for s in congress.motion_workflow.get(motion.state, [])
                if s in MotionState.values
            ]
            if secretariat
            else [],
            "polls": list(Poll.objects.filter(motion=motion).order_by("pk")),
            "form": form if may_amend and motion.state not in _DECIDED else None,
        },
    )


_DECIDED = (MotionState.ADOPTED, MotionState.REJECTED, MotionState.WITHDRAWN)


@login_required
@require_POST
def motion_state(request: HttpRequest, pk: int) -> HttpResponse:
    motion = _motion_for(request, pk)
    if not _secretariat(request, motion.congress):
        raise Http404
    state = request.POST.get("state", "")
    denied = perform(
        request,
        lambda: proceedings.move_motion(actor=request.user, motion=motion, state=state),
        success=_("The motion's state is recorded."),
    )
    return denied or redirect("congress:motion", pk=motion.pk)


@login_required
@require_POST
def motion_poll(request: HttpRequest, pk: int) -> HttpResponse:
    """A yes/no poll on the motion (named unless asked secret), ready for the chair to open."""
    motion = _motion_for(request, pk)
    if not _secretariat(request, motion.congress):
        raise Http404
    denied = perform(
        request,
        lambda: services.create_poll(
            actor=request.user,
            congress=motion.congress,
            title=f"{motion.number} {motion.title}",
            kind="yes_no",
            secret=request.POST.get("secret") == "1",
            weighted=request.POST.get("weighted") == "1",
            motion=motion,
            item=motion.item,
        ),
        success=_("The poll is ready to open."),
    )
    return denied or redirect("congress:polls", pk=motion.congress_id)


# --------------------------------------------------------------------------------------------
# Resolutions and minutes


@login_required
@require_GET
def resolutions(request: HttpRequest, pk: int) -> HttpResponse:
    congress = selectors.get_congress_for(request.user, pk)
    return render(
        request,
        "congress/resolutions.html",
        {"congress": congress, "resolutions": proceedings.resolutions(congress)},
    )


def _paper(request: HttpRequest, congress: Congress, kind: str) -> HttpResponse:
    from branchwork.imports.paper import document_lang, render_pdf

    lang = document_lang(request)
    with translation.override(lang):
        title = _("Resolutions") if kind == "resolutions" else _("Minutes")
    context: dict[str, Any] = {"congress": congress}
    if kind == "resolutions":
        context["resolutions"] = proceedings.resolutions(congress)
    else:
        context["items"] = minutes(congress)
    pdf = render_pdf(f"congress/pdf/{kind}.html", context, title=title, lang=lang)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-{congress.pk}.pdf"'
    return response


@login_required
@require_GET
def resolutions_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _paper(request, selectors.get_congress_for(request.user, pk), "resolutions")


@login_required
@require_GET
def minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _paper(request, selectors.get_congress_for(request.user, pk), "minutes")


def minutes(congress: Congress) -> list[dict[str, Any]]:
    """The record of each item: its times, who spoke, its motions and its polls' results."""
    items = list(
        AgendaItem.objects.filter(congress=congress)
        .prefetch_related("motions", "polls")
        .order_by("position", "pk")
    )
    spoken = (
        Speaker.objects.filter(item__congress=congress, started_at__isnull=False)
        .select_related("delegate__person", "delegate__unit")
        .order_by("started_at", "pk")
    )
    by_item: dict[int, list[Speaker]] = {}
    for s in spoken:
        by_item.setdefault(s.item_id, []).append(s)
    unplaced_polls = Poll.objects.filter(congress=congress, item__isnull=True)
    out = [
        {
            "item": item,
            "speakers": by_item.get(item.pk, []),
            "motions": list(item.motions.all()),
            "polls": [p for p in item.polls.all() if p.state in _COUNTED],
        }
        for item in items
    ]
    loose = [p for p in unplaced_polls.order_by("pk") if p.state in _COUNTED]
    if loose:
        out.append({"item": None, "speakers": [], "motions": [], "polls": loose})
    return out


_COUNTED = (PollState.CLOSED, PollState.PUBLISHED)


# --------------------------------------------------------------------------------------------
# Elections


@login_required
@require_http_methods(["GET", "POST"])
def elections(request: HttpRequest, pk: int) -> HttpResponse:
    """The posts to fill, their candidates and their ballots; run by the secretariat."""
    from branchwork.people.selectors import person_in_scope

    congress = selectors.get_congress_for(request.user, pk)
    secretariat = _secretariat(request, congress)
    form = ElectionForm(request.POST if request.POST.get("form") == "election" else None)
    candidate_form = CandidateForm(
        request.POST if request.POST.get("form") == "candidate" else None
    )
    if request.method == "POST":
        if not secretariat:
            return render(request, "403.html", status=403)
        if request.POST.get("form") == "election":
            done = submit(
                request,
                form,
                lambda d: proceedings.add_election(
                    actor=request.user, congress=congress, title=d["title"], seats=d["seats"]
                ),
                success=_("The election is set up."),
            )
        else:
            election = Election.objects.filter(
                congress=congress, pk=request.POST.get("election") or 0
            ).first()
            if election is None:
                raise Http404
            if request.POST.get("form") == "ballot":
                denied = perform(
                    request,
                    lambda: proceedings.prepare_ballot(actor=request.user, election=election),
                    success=_("The ballot is ready to open."),
                )
                return denied or redirect("congress:elections", pk=congress.pk)
            done = submit(
                request,
                candidate_form,
                lambda d: proceedings.add_candidate(
                    actor=request.user,
                    election=election,
                    person=person_in_scope(request.user, d["person"], "person"),
                ),
                success=_("The candidate is added."),
            )
        if done:
            return redirect("congress:elections", pk=congress.pk)
    rows = list(
        Election.objects.filter(congress=congress)
        .prefetch_related("candidates__person", "polls")
        .order_by("pk")
    )
    return render(
        request,
        "congress/elections.html",
        {
            "congress": congress,
            "elections": rows,
            "form": form if secretariat else None,
            "candidate_form": candidate_form if secretariat else None,
            "secretariat": secretariat,
        },
    )
