from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branchwork.core.backup import BackupError, backup, check_backup, manifest_path


class Command(BaseCommand):
    help = (
        "Back up the whole database to FILE (SQLite: online backup; PostgreSQL: pg_dump "
        "custom format) and write FILE.manifest.json with row counts and the audit head."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the backup file to write")
        parser.add_argument(
            "--overwrite", action="store_true", help="replace FILE if it already exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            manifest = backup(path, overwrite=options["overwrite"])
            problems = check_backup(path, manifest)
        except BackupError as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        self.stdout.write(
            f"backed up to {path} ({manifest.vendor}): {len(manifest.tables)} tables, "
            f"{manifest.rows} rows, audit head {manifest.audit_seq}; "
            f"manifest {manifest_path(path)}"
        )
        if problems:
            raise CommandError("verification failed: " + "; ".join(problems))
        self.stdout.write("verified: the backup file matches its manifest")
