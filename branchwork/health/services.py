"""Changing the score's weights: the federation's administrators only, every change kept."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit

from .models import Weights
from .scoring import BY_CODE


@transaction.atomic
def set_weights(*, actor: Any, weights: dict[str, Any], note: str = "") -> Weights:
    root = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None or not scope_for(actor).has("admin", root):
        raise PermissionDeniedError("admin")
    clean: dict[str, float] = {}
    for code in BY_CODE:
        raw = weights.get(code, 0)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise invalid(code, _("A weight is a number from 0 to 10.")) from None
        if not 0 <= value <= 10:
            raise invalid(code, _("A weight is a number from 0 to 10."))
        clean[code] = value
    unknown = set(weights) - set(BY_CODE)
    if unknown:
        raise invalid("weights", _("Unknown indicator: %(code)s.") % {"code": sorted(unknown)[0]})
    if not any(clean.values()):
        raise invalid("weights", _("At least one indicator must weigh something."))
    row = Weights.objects.create(weights=clean, note=(note or "").strip()[:200], created_by=actor)
    audit.record(actor=actor, action="update", obj=row, unit_id=root.pk, fields=["weights"])
    return row
