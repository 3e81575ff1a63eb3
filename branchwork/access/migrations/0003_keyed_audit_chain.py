"""Re-sign an existing audit chain with the keyed digest (access.audit).

Chains written before the chain was keyed used plain SHA-256. Each event is checked against
that old digest first, and only a chain that holds is re-signed: a chain already broken stays
broken at the same place (re-signing it would hide the break), and the rest is left as it was.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import migrations


def _body(e: Any, prev: str) -> str:
    return json.dumps(
        [
            prev,
            e.seq,
            e.at.isoformat(),
            e.actor_id,
            e.action,
            e.object_type,
            e.object_id,
            e.unit_id_ref,
            list(e.fields),
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    )


def resign(apps: Any, schema_editor: Any) -> None:
    from branchwork.access.audit import _sign

    Event = apps.get_model("access", "AuditEvent")
    Head = apps.get_model("access", "AuditHead")
    old_prev = new_prev = "0" * 64
    expected = 1
    batch: list[Any] = []
    for e in Event.objects.order_by("seq").iterator(chunk_size=2000):
        if e.seq != expected or e.prev_digest != old_prev:
            break
        old = hashlib.sha256(_body(e, old_prev).encode()).hexdigest()
        if e.digest != old:
            break
        old_prev = e.digest
        e.prev_digest = new_prev
        e.digest = new_prev = _sign(_body(e, new_prev))
        batch.append(e)
        expected += 1
        if len(batch) >= 2000:
            Event.objects.bulk_update(batch, ["prev_digest", "digest"])
            batch = []
    else:
        Event.objects.bulk_update(batch, ["prev_digest", "digest"])
        head = Head.objects.filter(pk=1).first()
        if head is not None and head.seq == expected - 1 and head.digest == old_prev:
            head.digest = new_prev
            head.save(update_fields=["digest"])
        return
    # The old chain breaks here: the events before it are re-signed, and this one and those
    # after it are left as they were, so verification still reports the break at this place.
    Event.objects.bulk_update(batch, ["prev_digest", "digest"])


class Migration(migrations.Migration):
    dependencies = [("access", "0002_initial")]

    operations = [migrations.RunPython(resign, migrations.RunPython.noop, elidable=True)]
