from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from branchwork.core.backup import BackupError, current_state, read_manifest, restore


class Command(BaseCommand):
    help = (
        "Replace the whole database with the backup FILE, then verify row counts and the "
        "audit chain against FILE.manifest.json. Needs --yes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a file written by `branchwork backup`")
        parser.add_argument(
            "--yes", action="store_true", help="really replace the database's content"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            manifest = read_manifest(path)
            if not options["yes"]:
                counts, seq, _ = current_state()
                self.stdout.write(
                    f"This would replace the {connection.vendor} database "
                    f"{connection.settings_dict['NAME']} ({len(counts)} tables, "
                    f"{sum(counts.values())} rows, audit head {seq}) with {path} "
                    f"({manifest.vendor}, made {manifest.created_at}: {len(manifest.tables)} "
                    f"tables, {manifest.rows} rows, audit head {manifest.audit_seq})."
                )
                raise CommandError("nothing restored: run again with --yes to replace it")
            restore(path)
        except BackupError as exc:
            raise CommandError(f"restore failed: {exc}") from exc
        self.stdout.write(
            f"restored {path}: {len(manifest.tables)} tables, {manifest.rows} rows, "
            f"audit head {manifest.audit_seq}"
        )
        self.stdout.write("verified: row counts, audit head and audit chain match the manifest")
