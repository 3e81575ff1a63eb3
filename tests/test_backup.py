"""Backup and restore (core.backup): the round trip, and the refusals that protect the data.

The restore replaces the database's content, so these tests run outside a test transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import closing
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from branchwork.access.models import AuditEvent, AuditHead, User
from branchwork.core.backup import (
    BackupError,
    backup,
    manifest_path,
    read_manifest,
    restore,
    verify,
)
from branchwork.org import services as org_services
from branchwork.org.demo import build_demo
from branchwork.org.models import TerritoryArea, Unit, UnitKind
from branchwork.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin() -> User:
    """The small demo, plus a few audited changes so the audit chain has events to check."""
    build_demo(size="small", seed=1)
    user = User.objects.create_superuser("backup-admin", "backup@example.org", "x" * 20)
    for n, unit in enumerate(Unit.objects.filter(kind=UnitKind.BRANCH).order_by("code")[:3]):
        org_services.add_territory(actor=user, unit=unit, kind="postal", value=f"000{n}")
    return user


def counts() -> dict[str, int]:
    return {
        "org_unit": Unit.objects.count(),
        "org_territoryarea": TerritoryArea.objects.count(),
        "people_person": Person.objects.count(),
        "access_auditevent": AuditEvent.objects.count(),
    }


def extra_person() -> Person:
    return Person.objects.create(
        unit=Unit.objects.get(code="FED"), family_name_latin="Extra", given_name_latin="Added"
    )


def test_backup_then_restore_brings_the_data_back(admin: User, tmp_path: Path) -> None:
    path = tmp_path / "branchwork.backup"
    before = counts()
    manifest = backup(path)

    data = json.loads(manifest_path(path).read_text())
    assert data["format"] == 1
    assert data["vendor"] == connection.vendor
    assert dt.datetime.fromisoformat(data["created_at"]).tzinfo is not None
    assert {name: data["tables"][name] for name in before} == before
    assert before["org_unit"] > 40 and before["access_auditevent"] >= 3
    head = AuditHead.objects.get(pk=1)
    assert data["audit_head"] == {"seq": head.seq, "digest": head.digest}
    assert read_manifest(path) == manifest
    assert verify(manifest) == []

    # Territory rows of some units go, a person and an audit event arrive.
    branches = Unit.objects.filter(kind=UnitKind.BRANCH).order_by("code")[:4]
    assert TerritoryArea.objects.filter(unit__in=branches).delete()[0] > 0
    extra_person()
    org_services.add_territory(
        actor=admin, unit=Unit.objects.get(code="FED"), kind="postal", value="0009"
    )
    problems = verify(manifest)
    assert any(p.startswith("table org_territoryarea has") for p in problems)
    assert any(p.startswith("table people_person has") for p in problems)
    assert any(p.startswith("audit head is at") for p in problems)

    assert restore(path) == manifest
    assert counts() == before
    assert verify(manifest) == []
    assert not Person.objects.filter(family_name_latin="Extra").exists()
    assert AuditHead.objects.get(pk=1).digest == manifest.audit_digest


def test_a_tampered_audit_chain_in_the_backup_fails_the_restore(
    admin: User, tmp_path: Path
) -> None:
    path = tmp_path / "tampered.backup"
    if connection.vendor == "sqlite":
        backup(path)
        with closing(sqlite3.connect(path)) as db:
            db.execute("UPDATE access_auditevent SET action = 'forged' WHERE seq = 2")
            db.commit()
    else:
        # A custom-format dump cannot be edited in place: forge the event in the database
        # (past the append-only queryset), so the dump carries the broken chain.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE access_auditevent SET action = 'forged' WHERE seq = 2")
        backup(path)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE access_auditevent SET action = 'create' WHERE seq = 2")
    extra_person()
    with pytest.raises(BackupError, match="audit chain broken at event 2"):
        restore(path)


def test_a_backup_of_the_other_vendor_is_refused(admin: User, tmp_path: Path) -> None:
    path = tmp_path / "other.backup"
    backup(path)
    mpath = manifest_path(path)
    data = json.loads(mpath.read_text())
    data["vendor"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    mpath.write_text(json.dumps(data))
    extra_person()
    with pytest.raises(BackupError, match="cannot be restored into this"):
        restore(path)
    assert Person.objects.filter(family_name_latin="Extra").exists()


def test_backup_refuses_to_overwrite_a_file(tmp_path: Path) -> None:
    path = tmp_path / "existing.backup"
    path.write_text("precious")
    with pytest.raises(BackupError, match="already exists"):
        backup(path)
    assert path.read_text() == "precious"
    assert not manifest_path(path).exists()
    manifest = backup(path, overwrite=True)
    assert read_manifest(path) == manifest
    assert path.stat().st_mode & 0o077 == 0  # personal data: the owner's only
    assert verify(manifest) == []


def test_a_backup_without_its_manifest_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lonely.backup"
    backup(path)
    manifest_path(path).unlink()
    with pytest.raises(BackupError, match="needs its manifest"):
        restore(path)


def test_the_commands(admin: User, tmp_path: Path) -> None:
    path = tmp_path / "cli.backup"
    out = StringIO()
    call_command("backup", str(path), stdout=out)
    manifest = read_manifest(path)
    assert f"backed up to {path}" in out.getvalue()
    assert f"{len(manifest.tables)} tables, {manifest.rows} rows" in out.getvalue()
    assert f"audit head {manifest.audit_seq}" in out.getvalue()
    assert "verified" in out.getvalue()
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(path), stdout=StringIO())

    extra_person()
    out = StringIO()
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path), stdout=out)
    assert "This would replace" in out.getvalue()
    assert Person.objects.filter(family_name_latin="Extra").exists()

    out = StringIO()
    call_command("restore", str(path), yes=True, stdout=out)
    assert "verified" in out.getvalue()
    assert not Person.objects.filter(family_name_latin="Extra").exists()
    assert verify(manifest) == []
