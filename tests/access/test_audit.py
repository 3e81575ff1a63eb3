"""``branchwork audit verify``: an intact chain, and each kind of tampering it must catch.

Tampering goes straight to SQL, past the append-only model, as an attacker with the database
file would. (The append-only guards themselves are tested in tests/org/test_views.py; a
tampered chain inside a backup in tests/test_backup.py.)
"""

from __future__ import annotations

from io import StringIO

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
