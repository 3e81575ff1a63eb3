"""The congress in session: the agenda and its papers, the speakers list, motions with their
amendments and workflow, and the resolutions they make.

The secretariat (the host's administrators) keeps the agenda, gives the floor and moves motions
through the workflow. Delegates ask to speak from their phone. Motions are submitted by a
delegating unit's officers or by a delegate; an amendment replaces one paragraph of a motion or
of another amendment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid

from .models import (
    AgendaDocument,
    AgendaItem,
    Candidate,
    Congress,
    Delegate,
    Election,
    ItemState,
    Motion,
    MotionState,
    Quota,
    Speaker,
    SpeechKind,
    split_paragraphs,
)

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {"application/pdf", "image/png", "image/jpeg", "text/plain"}


def _secretariat(actor: Any, congress: Congress) -> None:
    if not scope_for(actor).has("admin", congress.host):
        raise PermissionDeniedError("admin")


# --------------------------------------------------------------------------------------------
# The agenda


@transaction.atomic
def add_item(
    *, actor: Any, congress: Congress, title: str, description: str = "", planned_minutes: int = 30
) -> AgendaItem:
    _secretariat(actor, congress)
    title = (title or "").strip()
    if not title:
        raise invalid("title", _("Give the item a title."))
    if not 1 <= planned_minutes <= 24 * 60:
        raise invalid("planned_minutes", _("Plan from 1 minute to 24 hours."))
    last = AgendaItem.objects.filter(congress=congress).aggregate(m=Max("position"))["m"] or 0
    item = AgendaItem.objects.create(
        congress=congress,
        position=last + 1,
        title=title[:200],
        description=description,
        planned_minutes=planned_minutes,
    )
    audit.record(actor=actor, action="create", obj=item, unit_id=congress.host_id)
    return item


@transaction.atomic
def open_item(*, actor: Any, item: AgendaItem) -> AgendaItem:
    """Make ``item`` the one under way; the item before it is done."""
    congress = Congress.objects.select_for_update().get(pk=item.congress_id)
    _secretariat(actor, congress)
    now = timezone.now()
    AgendaItem.objects.filter(congress=congress, state=ItemState.CURRENT).exclude(
        pk=item.pk
    ).update(state=ItemState.DONE, ended_at=now)
    item.state, item.started_at, item.ended_at = ItemState.CURRENT, item.started_at or now, None
    item.save(update_fields=["state", "started_at", "ended_at"])
    congress.current_item = item
    congress.save(update_fields=["current_item"])
    audit.record(actor=actor, action="open", obj=item, unit_id=congress.host_id)
    return item


@transaction.atomic
def close_item(*, actor: Any, item: AgendaItem) -> AgendaItem:
    congress = Congress.objects.select_for_update().get(pk=item.congress_id)
    _secretariat(actor, congress)
    now = timezone.now()
    item.state, item.ended_at = ItemState.DONE, now
    item.save(update_fields=["state", "ended_at"])
    Speaker.objects.filter(item=item, started_at__isnull=False, ended_at__isnull=True).update(
        ended_at=now
    )
    if congress.current_item_id == item.pk:
        congress.current_item = None
        congress.save(update_fields=["current_item"])
    audit.record(actor=actor, action="close", obj=item, unit_id=congress.host_id)
    return item


@transaction.atomic
def add_document(
    *, actor: Any, item: AgendaItem, name: str, content_type: str, data: bytes
) -> AgendaDocument:
    _secretariat(actor, item.congress)
    if content_type not in DOCUMENT_TYPES:
        raise invalid("file", _("Attach a PDF, a PNG or JPEG image, or a text file."))
    if not data:
        raise invalid("file", _("The file is empty."))
    if len(data) > DOCUMENT_MAX_BYTES:
        raise invalid("file", _("A paper may be at most 10 MB."))
    document = AgendaDocument.objects.create(
        item=item, name=(name or "document")[:200], content_type=content_type, data=data
    )
    audit.record(actor=actor, action="create", obj=document, unit_id=item.congress.host_id)
    return document


# --------------------------------------------------------------------------------------------
# The speakers list


def _current_item(congress_id: int) -> AgendaItem:
    item = AgendaItem.objects.filter(congress_id=congress_id, state=ItemState.CURRENT).first()
    if item is None:
        raise invalid("__all__", _("No agenda item is under way."))
    return item


@transaction.atomic
def ask_to_speak(*, delegate: Delegate, kind: str = SpeechKind.SPEECH) -> Speaker:
    """Put a checked-in delegate on the current item's list. A point of order goes before every
    speech still waiting, after the points of order already asked."""
    if kind not in SpeechKind.values:
        raise invalid("kind", _("Ask for a speech or a point of order."))
    if delegate.checked_in_at is None:
        raise invalid("__all__", _("Only delegates who have checked in may ask to speak."))
    item = _current_item(delegate.congress_id)
    AgendaItem.objects.select_for_update().filter(pk=item.pk).first()
    if Speaker.objects.filter(item=item, delegate=delegate, ended_at__isnull=True).exists():
        raise invalid("__all__", _("You are already on the speakers list."))
    if kind == SpeechKind.POINT_OF_ORDER:
        position = 0
    else:
        last = Speaker.objects.filter(item=item).aggregate(m=Max("position"))["m"] or 0
        position = last + 1
    return Speaker.objects.create(item=item, delegate=delegate, kind=kind, position=position)


@transaction.atomic
def withdraw_request(*, delegate: Delegate, speaker: Speaker) -> None:
    if speaker.delegate_id != delegate.pk or speaker.started_at is not None:
        raise invalid("__all__", _("This request can no longer be withdrawn."))
    speaker.delete()


@transaction.atomic
def give_floor(*, actor: Any, speaker: Speaker) -> Speaker:
    """The speaker starts (their time runs); whoever was speaking before stops."""
    _secretariat(actor, speaker.item.congress)
    now = timezone.now()
    Speaker.objects.filter(
        item=speaker.item, started_at__isnull=False, ended_at__isnull=True
    ).exclude(pk=speaker.pk).update(ended_at=now)
    if speaker.ended_at is not None:
        raise invalid("__all__", _("This speaker has already spoken."))
    speaker.started_at = speaker.started_at or now
    speaker.save(update_fields=["started_at"])
    return speaker


@transaction.atomic
def end_speech(*, actor: Any, speaker: Speaker) -> Speaker:
    _secretariat(actor, speaker.item.congress)
    speaker.ended_at = timezone.now()
    if speaker.started_at is None:  # struck from the list without speaking
        speaker.delete()
        return speaker
    speaker.save(update_fields=["ended_at"])
    return speaker


def waiting(item: AgendaItem) -> list[Speaker]:
    """The list as it will be called: points of order first, then speeches in order asked."""
    return list(
        Speaker.objects.filter(item=item, ended_at__isnull=True)
        .select_related("delegate__person", "delegate__unit")
        .order_by(F("started_at").desc(nulls_last=True), "position", "pk")
    )


# --------------------------------------------------------------------------------------------
# Motions and amendments


def _number(congress: Congress, amends: Motion | None) -> str:
    if amends is None:
        count = Motion.objects.filter(congress=congress, amends__isnull=True).count()
        return f"M{count + 1}"
    count = Motion.objects.filter(amends=amends).count()
    return f"{amends.number}-A{count + 1}"


@transaction.atomic
def submit_motion(
    *,
    congress: Congress,
    title: str,
    text: str,
    reason: str = "",
    actor: Any = None,
    unit: Any = None,
    delegate: Delegate | None = None,
    amends: Motion | None = None,
    paragraph: int | None = None,
) -> Motion:
    """A motion submitted by a delegating unit (its officers) or by a delegate; with ``amends``
    an amendment that replaces ``paragraph`` (numbered from 1) of that motion or amendment."""
    if delegate is not None:
        if delegate.congress_id != congress.pk or not delegate.entitled:
            raise invalid("__all__", _("Only confirmed delegates submit motions."))
    elif unit is not None:
        if not scope_for(actor).has("edit", unit):
            raise PermissionDeniedError("edit")
        if not Quota.objects.filter(congress=congress, unit=unit).exists():
            raise invalid("unit", _("This unit has no quota at this congress."))
    else:
        _secretariat(actor, congress)
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise invalid("title", _("Give the motion a title."))
    if not text:
        raise invalid("text", _("Write the motion's text."))
    if amends is not None:
        amends = Motion.objects.select_for_update().get(pk=amends.pk)
        if amends.congress_id != congress.pk:
            raise invalid("amends", _("The amended motion belongs to another congress."))
        if amends.state in (MotionState.ADOPTED, MotionState.REJECTED, MotionState.WITHDRAWN):
            raise invalid("amends", _("A motion already decided cannot be amended."))
        count = len(amends.paragraphs)
        if paragraph is None or not 1 <= paragraph <= count:
            raise invalid(
                "paragraph",
                _("Paragraph %(n)s does not exist: the text has %(count)s paragraphs.")
                % {"n": paragraph, "count": count},
            )
    elif paragraph is not None:
        raise invalid("paragraph", _("Only an amendment names a paragraph."))
    else:
        Congress.objects.select_for_update().filter(pk=congress.pk).first()
    motion = Motion.objects.create(
        congress=congress,
        number=_number(congress, amends),
        title=title[:200],
        text=text,
        reason=reason,
        amends=amends,
        paragraph=paragraph,
        submitted_by_unit=unit if delegate is None else delegate.unit,
        submitted_by_delegate=delegate,
    )
    audit.record(
        actor=actor,
        action="create",
        obj=motion,
        unit_id=motion.submitted_by_unit_id or congress.host_id,
    )
    return motion


@transaction.atomic
def move_motion(*, actor: Any, motion: Motion, state: str) -> Motion:
    """Move a motion along the congress's workflow."""
    congress = motion.congress
    _secretariat(actor, congress)
    motion = Motion.objects.select_for_update().get(pk=motion.pk)
    allowed = congress.motion_workflow.get(motion.state, [])
    if state not in allowed:
        raise invalid(
            "state",
            _("A motion that is %(now)s cannot become %(next)s.")
            % {
                "now": MotionState(motion.state).label,
                "next": MotionState(state).label if state in MotionState.values else state,
            },
        )
    motion.state = state
    if state in (MotionState.ADOPTED, MotionState.REJECTED, MotionState.REFERRED):
        motion.decided_at = timezone.now()
    motion.save(update_fields=["state", "decided_at"])
    audit.record(
        actor=actor, action="state", obj=motion, unit_id=congress.host_id, fields=["state"]
    )
    return motion


def parse_workflow(text: str) -> dict[str, list[str]]:
    """A workflow written one state per line, ``state: next, next`` (the states' codes)."""
    workflow: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        state, _sep, rest = line.partition(":")
        state = state.strip()
        nexts = [n.strip() for n in rest.split(",") if n.strip()]
        for code in (state, *nexts):
            if code not in MotionState.values:
                raise invalid(
                    "workflow",
                    _("Line %(n)s: %(code)s is not a state of a motion.")
                    % {"n": number, "code": code},
                )
        workflow[state] = nexts
    if MotionState.SUBMITTED not in workflow:
        raise invalid("workflow", _("The workflow must say where a submitted motion may go."))
    return workflow


def workflow_text(workflow: dict[str, list[str]]) -> str:
    return "\n".join(f"{state}: {', '.join(nexts)}" for state, nexts in workflow.items())


@transaction.atomic
def set_workflow(*, actor: Any, congress: Congress, text: str) -> Congress:
    _secretariat(actor, congress)
    congress.motion_workflow = parse_workflow(text)
    congress.save(update_fields=["motion_workflow"])
    audit.record(
        actor=actor,
        action="update",
        obj=congress,
        unit_id=congress.host_id,
        fields=["motion_workflow"],
    )
    return congress


def final_text(motion: Motion, adopted: dict[int, list[Motion]] | None = None) -> list[str]:
    """The motion's paragraphs with its adopted amendments applied (an amendment's own text
    first taking in the amendments adopted to it)."""
    if adopted is None:
        adopted = {}
        for a in Motion.objects.filter(
            congress_id=motion.congress_id, amends__isnull=False, state=MotionState.ADOPTED
        ).order_by("pk"):
            adopted.setdefault(a.amends_id or 0, []).append(a)
    paragraphs = split_paragraphs(motion.text)
    for amendment in adopted.get(motion.pk, []):
        assert amendment.paragraph is not None
        paragraphs[amendment.paragraph - 1] = "\n\n".join(final_text(amendment, adopted))
    return paragraphs


@dataclass(frozen=True)
class Resolution:
    motion: Motion
    paragraphs: list[str]


def resolutions(congress: Congress) -> list[Resolution]:
    """The adopted motions (not amendments) with their final text, in order of number."""
    adopted: dict[int, list[Motion]] = {}
    for a in Motion.objects.filter(
        congress=congress, amends__isnull=False, state=MotionState.ADOPTED
    ).order_by("pk"):
        adopted.setdefault(a.amends_id or 0, []).append(a)
    return [
        Resolution(m, final_text(m, adopted))
        for m in Motion.objects.filter(
            congress=congress, amends__isnull=True, state=MotionState.ADOPTED
        ).order_by("pk")
    ]


# --------------------------------------------------------------------------------------------
# Elections


@transaction.atomic
def add_election(
    *, actor: Any, congress: Congress, title: str, seats: int = 1, item: AgendaItem | None = None
) -> Election:
    _secretariat(actor, congress)
    title = (title or "").strip()
    if not title:
        raise invalid("title", _("Name the post to be filled."))
    if not 1 <= seats <= 500:
        raise invalid("seats", _("Fill from 1 to 500 seats."))
    election = Election.objects.create(congress=congress, title=title[:200], seats=seats, item=item)
    audit.record(actor=actor, action="create", obj=election, unit_id=congress.host_id)
    return election


@transaction.atomic
def add_candidate(*, actor: Any, election: Election, person: Any) -> Candidate:
    """A candidate for the post: a person of the host's registry, once; not after the ballot
    is prepared (its options are fixed then)."""
    congress = election.congress
    _secretariat(actor, congress)
    if not person.unit.path.startswith(congress.host.path):
        raise invalid("person", _("The candidate must belong to the congress's organisation."))
    if election.polls.exists():
        raise invalid("person", _("The ballot is already prepared: no candidate can be added."))
    if Candidate.objects.filter(election=election, person=person).exists():
        raise invalid("person", _("This person is already a candidate."))
    last = Candidate.objects.filter(election=election).aggregate(m=Max("position"))["m"]
    candidate = Candidate.objects.create(election=election, person=person, position=(last or 0) + 1)
    audit.record(
        actor=actor, action="candidate", obj=election, unit_id=congress.host_id, fields=["person"]
    )
    return candidate


def prepare_ballot(*, actor: Any, election: Election, secret: bool = True) -> Any:
    """The election's poll: choose up to as many candidates as there are seats (or none)."""
    from . import services

    count = election.candidates.count()
    if count < 1:
        raise invalid("__all__", _("Add the candidates first."))
    return services.create_poll(
        actor=actor,
        congress=election.congress,
        title=election.title,
        kind="choice",
        secret=secret,
        election=election,
        item=election.item,
        min_choices=0,
        max_choices=min(election.seats, count),
    )
