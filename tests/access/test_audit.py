"""``branchwork audit verify``: an intact chain, and each kind of tampering it must catch.

Tampering goes straight to SQL, past the append-only model, as an attacker with the database
file would. (The append-only guards themselves are tested in tests/org/test_views.py; a
tampered chain inside a backup in tests/test_backup.py.)
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from branchwork.access.models import AuditEvent
from branchwork.cli import main
from tests.conftest import Federation

pytestmark = pytest.mark.django_db


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def seqs() -> list[int]:
    return list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))


def sql(statement: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def test_an_intact_chain_is_reported_with_its_length(federation: Federation) -> None:
    assert verify().strip() == f"intact: {AuditEvent.objects.count()} events"
    old = StringIO()
    call_command("audit_verify", stdout=old)  # the older name still works
    assert old.getvalue() == verify()


def test_an_altered_event_is_reported(federation: Federation) -> None:
    target = seqs()[2]
    sql("UPDATE access_auditevent SET object_id = %s WHERE seq = %s", "424242", target)
    with pytest.raises(CommandError, match=rf"broken at event {target}: the event was altered"):
        verify()


def test_an_event_deleted_from_the_middle_is_reported(federation: Federation) -> None:
    all_seqs = seqs()
    assert len(all_seqs) >= 3
    sql("DELETE FROM access_auditevent WHERE seq = %s", all_seqs[1])
    with pytest.raises(CommandError, match=rf"broken at event {all_seqs[1]}: it is missing"):
        verify()


def test_deleting_the_newest_events_is_reported(federation: Federation) -> None:
    all_seqs = seqs()
    sql("DELETE FROM access_auditevent WHERE seq >= %s", all_seqs[-2])
    with pytest.raises(CommandError, match=rf"broken at event {all_seqs[-2]}: .*newest events"):
        verify()


def test_the_command_line_exits_non_zero_on_a_break(
    federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("audit", "verify")
    assert "intact:" in capsys.readouterr().out
    sql("UPDATE access_auditevent SET action = 'forged' WHERE seq = %s", seqs()[0])
    # The real command line last: Django closes every connection when a command line ends.
    with pytest.raises(SystemExit) as exit_info:
        main(["branchwork", "audit", "verify"])
    assert exit_info.value.code != 0
    assert "broken at event 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as no_subcommand:
        main(["branchwork", "audit"])
    assert no_subcommand.value.code != 0


def _rewrite_with(sign: Callable[[str], str], start: int) -> None:
    """What a database administrator would do: change an event, then recompute the digest of
    it and of every event after it, and move the head."""
    from branchwork.access.audit import _body
    from branchwork.access.models import AuditHead

    sql("UPDATE access_auditevent SET object_id = %s WHERE seq = %s", "424242", start)
    events = list(AuditEvent.objects.order_by("seq"))
    prev = "0" * 64
    for e in events:
        if e.seq >= start:
            digest = sign(
                _body(
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
            )
            sql(
                "UPDATE access_auditevent SET prev_digest = %s, digest = %s WHERE seq = %s",
                prev,
                digest,
                e.seq,
            )
            prev = digest
        else:
            prev = e.digest
    AuditHead.objects.filter(pk=1).update(digest=prev)


def test_a_chain_rewritten_without_the_key_is_reported(federation: Federation) -> None:
    target = seqs()[2]
    _rewrite_with(lambda body: hashlib.sha256(body.encode()).hexdigest(), target)
    with pytest.raises(CommandError, match=rf"broken at event {target}: the event was altered"):
        verify()


def test_a_chain_rewritten_with_another_key_is_reported(federation: Federation) -> None:
    from branchwork.access.audit import _sign

    target = seqs()[2]
    _rewrite_with(lambda body: _sign(body, "a key guessed by someone"), target)
    with pytest.raises(CommandError, match=rf"broken at event {target}: the event was altered"):
        verify()


def test_the_key_signs_the_chain_and_a_rotated_key_still_verifies(
    federation: Federation, settings: Any
) -> None:
    """The control: rewritten with the real key, the chain holds (so the tests above fail for
    want of the key, not for the rewriting). After a rotation, the old key, kept in
    SECRET_KEY_FALLBACKS, verifies the events it signed."""
    from branchwork.access.audit import _sign

    _rewrite_with(_sign, seqs()[2])
    assert verify().startswith("intact")
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a new key after a rotation, long enough to be a real one"
    with pytest.raises(CommandError, match="the event was altered"):
        verify()
    settings.SECRET_KEY_FALLBACKS = [old]
    assert verify().startswith("intact")


def test_the_upgrade_re_signs_an_intact_plain_chain_and_keeps_a_break(
    federation: Federation,
) -> None:
    """Chains written before the chain was keyed: the migration re-signs one that holds, and
    leaves a broken one broken at the same event."""
    from django.db.migrations.loader import MigrationLoader

    from branchwork.access.migrations import __name__ as package

    # The models as the migration sees them (historical: past the live append-only guards).
    historical = (
        MigrationLoader(connection).project_state(("access", "0003_keyed_audit_chain")).apps
    )

    migration = importlib.import_module(f"{package}.0003_keyed_audit_chain")
    plain: Callable[[str], str] = lambda body: hashlib.sha256(body.encode()).hexdigest()  # noqa: E731
    _rewrite_with(plain, seqs()[0])  # the whole chain, as the old code wrote it
    sql("UPDATE access_auditevent SET object_id = %s WHERE seq = %s", str(seqs()[0]), seqs()[0])
    _rewrite_with(plain, seqs()[0])
    with pytest.raises(CommandError):
        verify()
    migration.resign(historical, None)
    assert verify().startswith("intact")

    _rewrite_with(plain, seqs()[0])
    target = seqs()[3]
    sql("UPDATE access_auditevent SET object_id = %s WHERE seq = %s", "424242", target)
    migration.resign(historical, None)
    with pytest.raises(CommandError, match=rf"broken at event {target}"):
        verify()
