"""Append to the hash-chained audit log. Records ids, field names and actions, never values.

Each event's digest is an HMAC-SHA-256 over the event and its predecessor's digest, keyed from
``SECRET_KEY`` (which is not in the database or its backups). Someone who can write to the
database but does not hold the key cannot change an event and recompute the digests after it:
the chain then fails to verify. After a key rotation, events written under a key listed in
``SECRET_KEY_FALLBACKS`` still verify.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead

KEY_LABEL = b"branchwork audit chain v1"


@functools.lru_cache(maxsize=8)
def chain_mac(secret: str) -> hmac.HMAC:
    """The chain's HMAC, keyed from a secret key, ready to be copied for each event."""
    key = hashlib.sha256(KEY_LABEL + b"\0" + secret.encode()).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


def _sign(body: str, secret: str | None = None) -> str:
    mac = chain_mac(settings.SECRET_KEY if secret is None else secret).copy()
    mac.update(body.encode())
    return mac.hexdigest()


def _body(
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
    return json.dumps(
        [prev, seq, at, actor, action, object_type, object_id, unit_id, fields],
        separators=(",", ":"),
        ensure_ascii=True,
    )


def _digest(*event: Any) -> str:
    """The keyed digest of an event, given as :func:`_body` takes it."""
    return _sign(_body(*event))


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
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    for e in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if e.seq != expected_seq or e.prev_digest != prev:
            return ChainBreak(expected_seq, "missing")
        body = _body(
            prev,
            e.seq,
            e.at.isoformat(),
            e.actor_id,
            e.action,
            e.object_type,
            e.object_id,
            e.unit_id_ref,
            list(e.fields),
        )
        if not any(hmac.compare_digest(e.digest, _sign(body, key)) for key in keys):
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
    if text.isascii() and text.isalnum():  # ids: answered without a look at each character
        return True
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
        # (names, their JSON in the digest's body, their JSON as stored), by names and by the
        # tuples given.
        self.field_json: dict[Any, tuple[tuple[str, ...], str, str]] = {}

    def rows(
        self, items: Iterable[tuple[int | str, int | None, Iterable[str]]]
    ) -> list[tuple[Any, ...]]:
        """One row (in ``EVENT_COLUMNS`` order) per (object id, unit id, fields)."""
        seq, digest, fast, head_json = self.seq, self.digest, self.fast, self.head_json
        base = chain_mac(settings.SECRET_KEY)
        field_json = self.field_json
        rows = []
        for object_id, unit_id, fields in items:
            # Looked up by the fields as given when they are a tuple (a bulk load passes the
            # same few tuples again and again), else by their sorted names.
            try:
                names, body_fields, stored_fields = field_json[fields]
            except (KeyError, TypeError):
                names = tuple(sorted(set(fields)))
                entry = field_json.get(names)
                if entry is None:
                    listed = json.dumps(list(names), separators=(",", ":"))
                    entry = field_json[names] = (names, listed, json.dumps(list(names)))
                if isinstance(fields, tuple):
                    field_json[fields] = entry
                names, body_fields, stored_fields = entry
            seq += 1
            oid = str(object_id)
            if fast and _plain(oid) and (unit_id is None or isinstance(unit_id, int)):
                body = (
                    f'["{digest}",{seq},{head_json},"{oid}",'
                    f"{'null' if unit_id is None else unit_id},{body_fields}]"
                )
                mac = base.copy()
                mac.update(body.encode())
                new = mac.hexdigest()
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
