"""Mutual aid: people offer help, a case (or a need written down) is matched to the nearest
offers, and the match is recorded on the case's timeline.

An offer is personal data of the person offering: it is seen by those who may see the person
(the view permission on the person's unit). *Nearby* is read from the unit tree and the postal
code: an offer of the case's own unit first, then of its parent's other units, and so on up;
within a level, offers whose area or person's postal code shares the case's postal district
(the first three digits) come first, then those of the kind asked for.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import PATH_STEP
from branchwork.people.models import Person
from branchwork.people.services import refuse_if_erased

from .models import Case, CaseNote, HelpKind, HelpMatch, HelpOffer, NoteKind
from .services import may_work

MATCH_LIMIT = 20


def visible_offers(user: Any) -> QuerySet[HelpOffer]:
    return (
        HelpOffer.objects.filter(scope_for(user).q("view", "person__unit__path"))
        .filter(person__erased_at__isnull=True)
        .select_related("person__unit")
    )


@transaction.atomic
def offer_help(
    *,
    actor: Any,
    person: Person,
    kinds: list[str],
    description: str = "",
    area: str = "",
    availability: str = "",
) -> HelpOffer:
    if not scope_for(actor).has("edit", person.unit):
        raise PermissionDeniedError("edit")
    refuse_if_erased(person, "person")
    kinds = sorted(set(kinds))
    if not kinds:
        raise invalid("kinds", _("Choose what help is offered."))
    if any(k not in HelpKind.values for k in kinds):
        raise invalid("kinds", _("Choose what help is offered."))
    offer = HelpOffer.objects.create(
        person=person,
        kinds=kinds,
        description=description.strip()[:300],
        area=area.strip()[:100],
        availability=availability.strip()[:200],
    )
    audit.record(
        actor=actor,
        action="create",
        obj=offer,
        unit_id=person.unit_id,
        fields=["kinds"]
        + [f for f in ("description", "area", "availability") if getattr(offer, f)],
    )
    return offer


def _postal_district(case: Case) -> str:
    code = ""
    if case.household is not None:
        code = case.household.postal_code
    if not code and case.person is not None:
        code = case.person.postal_code
    return code[:3]


def nearby_offers(user: Any, case: Case, kind: str = "") -> list[HelpOffer]:
    """The active offers the user may see, nearest the case first (see the module's note);
    each carries ``distance`` (0: the case's own unit, 1: its parent's subtree, …)."""
    district = _postal_district(case)
    found = visible_offers(user).filter(active=True).order_by("pk")
    if case.person_id is not None:  # nobody is offered to help themselves
        found = found.exclude(person_id=case.person_id)
    offers = list(found[:2000])

    def distance(offer: HelpOffer) -> int:
        path, unit_path = offer.person.unit.path, case.unit.path
        shared = 0
        while (
            shared + PATH_STEP <= min(len(path), len(unit_path))
            and path[: shared + PATH_STEP] == unit_path[: shared + PATH_STEP]
        ):
            shared += PATH_STEP
        return (len(unit_path) - shared) // PATH_STEP

    def local(offer: HelpOffer) -> bool:
        return bool(district) and (
            offer.person.postal_code.startswith(district) or offer.area.startswith(district)
        )

    for offer in offers:
        offer.distance = distance(offer)  # type: ignore[attr-defined]
    ranked = sorted(
        offers,
        key=lambda o: (
            o.distance,  # type: ignore[attr-defined]
            not local(o),
            bool(kind) and kind not in o.kinds,
            o.pk,
        ),
    )
    if kind:
        ranked = [o for o in ranked if kind in o.kinds]
    return ranked[:MATCH_LIMIT]


@transaction.atomic
def match(
    *, actor: Any, offer: HelpOffer, case: Case | None = None, need: str = "", note: str = ""
) -> HelpMatch:
    """Record that ``offer`` is to help with ``case`` (or with a need written down)."""
    if not visible_offers(actor).filter(pk=offer.pk).exists():
        raise invalid("offer", _("No offer of help with this number in your units."))
    if case is not None and not may_work(actor, case):
        raise PermissionDeniedError("cases")
    need = need.strip()
    if case is None and not need:
        raise invalid("need", _("Say what help is needed."))
    if not offer.active:
        raise invalid("offer", _("This offer is no longer active."))
    found = HelpMatch.objects.create(
        offer=offer,
        case=case,
        need=need[:300],
        note=note.strip()[:500],
        matched_by=actor if getattr(actor, "pk", None) else None,
    )
    if case is not None:
        CaseNote.objects.create(
            case=case,
            kind=NoteKind.NOTE,
            text=_("Matched with an offer of help: %(who)s (%(what)s)")
            % {"who": offer.person.display_name, "what": ", ".join(offer.kind_labels())},
            author=actor if getattr(actor, "pk", None) else None,
        )
    audit.record(
        actor=actor,
        action="create",
        obj=found,
        unit_id=case.unit_id if case is not None else offer.person.unit_id,
        fields=["offer"] + (["case"] if case else ["need"]),
    )
    return found
