"""Append to the hash-chained audit log. Records ids, field names and actions, never values."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead


def _digest(
    prev: str,
    seq: int,
    at: str,
    actor: int | None,
    action: str,
    object_type: str,
    object_id: str,
    unit_id: int | None,
    fields: list[str],
) -> str:
    body = json.dumps(
        [prev, seq, at, actor, action, object_type, object_id, unit_id, fields],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    unit_id: int | None = None,
    fields: Iterable[str] = (),
) -> AuditEvent:
    """Append one event. Call inside the transaction of the change it records."""
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or obj.pk
    actor_id = getattr(actor, "pk", actor) if actor is not None else None
    names = sorted(set(fields))
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        seq = head.seq + 1
        at = timezone.now()
        digest = _digest(
            head.digest,
            seq,
            at.isoformat(),
            actor_id,
            action,
            object_type,
            str(object_id),
            unit_id,
            names,
        )
        event = AuditEvent(
            seq=seq,
            at=at,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            unit_id_ref=unit_id,
            fields=names,
            prev_digest=head.digest,
            digest=digest,
        )
        event.save()
        head.seq, head.digest = seq, digest
        head.save(update_fields=["seq", "digest"])
    return event


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the chain does not hold, and what is wrong there."""

    seq: int
    reason: str  # "missing" | "altered" | "truncated"


def first_break() -> ChainBreak | None:
    """Walk the chain from the first event; return its first break, or None if it is intact.

    ``missing``: an event (or more) is absent before ``seq``, or its predecessor was replaced;
    ``altered``: event ``seq`` no longer matches its digest; ``truncated``: the chain ends
    before the head (kept outside the events table), so the newest events were deleted.
    """
    prev = "0" * 64
    expected_seq = 1
    for e in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if e.seq != expected_seq or e.prev_digest != prev:
            return ChainBreak(expected_seq, "missing")
        if e.digest != _digest(
            prev,
            e.seq,
            e.at.isoformat(),
            e.actor_id,
            e.action,
            e.object_type,
            e.object_id,
            e.unit_id_ref,
            list(e.fields),
        ):
            return ChainBreak(e.seq, "altered")
        prev = e.digest
        expected_seq += 1
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_digest = (head.seq, head.digest) if head else (0, "0" * 64)
    if head_seq != expected_seq - 1 or head_digest != prev:
        return ChainBreak(expected_seq, "truncated")
    return None


def verify_chain() -> tuple[bool, int | None]:
    """(ok, seq of the first broken event); see ``first_break``."""
    broken = first_break()
    return (True, None) if broken is None else (False, broken.seq)


_PLAIN = frozenset(map(chr, range(0x20, 0x7F))) - {'"', "\\"}


def _plain(text: str) -> bool:
    """Whether JSON writes ``text`` as itself between quotes (printable ASCII, no escapes)."""
    return all(ch in _PLAIN for ch in text)


# The columns of an event, in the order :class:`Appender` makes its rows.
EVENT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "unit_id_ref",
    "fields",
    "prev_digest",
    "digest",
)


class Appender:
    """Many events of one action, chained as :func:`record` chains them: the chain's head is
    locked when this is made (call inside the writing transaction), :meth:`rows` makes the
    events' rows (no query: a bulk load may insert them from another thread), and
    :meth:`close` moves the head past them once they are written.

    The digest's JSON body is written directly when every text in it is plain ASCII (ids,
    field names, the action): the same bytes ``json.dumps`` makes, without its cost per row."""

    def __init__(self, *, actor: Any, action: str, object_type: str) -> None:
        from branchwork.core.bulk import db_value

        self.actor_id = getattr(actor, "pk", actor) if actor is not None else None
        self.action, self.object_type = action, object_type
        self.head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        self.seq, self.digest = self.head.seq, self.head.digest
        at = timezone.now()
        self.stamp = at.isoformat()
        self.at_db = db_value(AuditEvent, "at", at)
        self.fast = _plain(self.stamp) and _plain(action) and _plain(object_type)
        self.head_json = f'"{self.stamp}",{json.dumps(self.actor_id)},"{action}","{object_type}"'
        self.field_json: dict[tuple[str, ...], tuple[str, str]] = {}

    def rows(
        self, items: Iterable[tuple[int | str, int | None, Iterable[str]]]
    ) -> list[tuple[Any, ...]]:
        """One row (in ``EVENT_COLUMNS`` order) per (object id, unit id, fields)."""
        seq, digest, fast, head_json = self.seq, self.digest, self.fast, self.head_json
        field_json = self.field_json
        rows = []
        for object_id, unit_id, fields in items:
            names = tuple(sorted(set(fields)))
            if names not in field_json:
                listed = json.dumps(list(names), separators=(",", ":"))
                field_json[names] = (listed, json.dumps(list(names)))
            body_fields, stored_fields = field_json[names]
            seq += 1
            oid = str(object_id)
            if fast and _plain(oid) and (unit_id is None or isinstance(unit_id, int)):
                body = (
                    f'["{digest}",{seq},{head_json},"{oid}",'
                    f"{'null' if unit_id is None else unit_id},{body_fields}]"
                )
                new = hashlib.sha256(body.encode()).hexdigest()
            else:
                new = _digest(
                    digest,
                    seq,
                    self.stamp,
                    self.actor_id,
                    self.action,
                    self.object_type,
                    oid,
                    unit_id,
                    list(names),
                )
            rows.append(
                (
                    seq,
                    self.at_db,
                    self.actor_id,
                    self.action,
                    self.object_type,
                    oid,
                    unit_id,
                    stored_fields,
                    digest,
                    new,
                )
            )
            digest = new
        self.seq, self.digest = seq, digest
        return rows

    def close(self) -> None:
        """The head past every event made (call once they are written)."""
        self.head.seq, self.head.digest = self.seq, self.digest
        self.head.save(update_fields=["seq", "digest"])


def record_many(
    *,
    actor: Any,
    action: str,
    object_type: str,
    items: Iterable[tuple[int | str, int | None, Iterable[str]]],
) -> int:
    """Append one event per (object id, unit id, fields), chained as :func:`record` chains
    them, under one lock and through the bulk path: an import of many people records each
    person's creation without a statement per person. Call inside the writing transaction."""
    from branchwork.core.bulk import bulk_insert

    with transaction.atomic():
        appender = Appender(actor=actor, action=action, object_type=object_type)
        rows = appender.rows(items)
        bulk_insert(AuditEvent, EVENT_COLUMNS, rows, prepared=True)
        appender.close()
    return len(rows)
