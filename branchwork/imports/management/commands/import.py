"""``branchwork import people|units|territories|officers|grants FILE``: a spreadsheet into the
registry, with a progress bar, the report printed and kept with the job."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.prompt import Prompt
from rich.table import Table

from branchwork.core.errors import PermissionDeniedError
from branchwork.imports import services
from branchwork.imports.models import ImportIssue, ImportKind, OnDuplicate
from branchwork.imports.people_import import Row
from branchwork.imports.report import issue_text

STAGES = {
    "read": "Reading the file",
    "normalise": "Checking the rows",
    "match": "Looking for duplicates",
    "place": "Placing households",
    "write": "Writing to the registry",
}


class Command(BaseCommand):
    help = "Import people, units, territories, officers or grants from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument("--unit", default="", help="code of the unit the import is for")
        parser.add_argument("--user", default="", help="run with this user's permissions")
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        parser.add_argument("--on-duplicate", choices=OnDuplicate.values, default=OnDuplicate.SKIP)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="map a field to a column (its header or its number from 1)",
        )
        parser.add_argument("--report", type=Path, help="write the report to this CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        from branchwork.access.models import User
        from branchwork.org.models import Unit

        console = Console(stderr=True)
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no such user: {options['user']}")
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"no unit with the code {options['unit']}")
        try:
            job = services.create_import(
                actor=actor,
                kind=options["kind"],
                filename=path.name,
                data=path.read_bytes(),
                unit=unit,
                on_duplicate=options["on_duplicate"],
                dry_run=options["dry_run"],
            )
            if options["map"]:
                header = services.preview(job, limit=0).header
                mapping = dict(job.mapping)
                for item in options["map"]:
                    name, _sep, column = item.partition("=")
                    index = int(column) - 1 if column.isdigit() else _index(header, column)
                    mapping = {k: v for k, v in mapping.items() if v != index}
                    mapping[name] = index
                services.set_mapping(job, mapping)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except PermissionDeniedError as exc:
            raise CommandError(f"not allowed: {exc}") from None
        header = services.preview(job, limit=0).header
        console.print(f"{path.name}: {job.file_format.upper()} {job.encoding or ''}".rstrip())
        for name, index in sorted(job.mapping.items(), key=lambda kv: kv[1]):
            console.print(f"  {header[index]!r:>24} → {name}")
        interactive = options["on_duplicate"] == "ask" and sys.stdin.isatty()

        def ask(row: Row, other: dict[str, Any], points: int, reasons: list[str]) -> str | None:
            progress.stop()
            console.print(f"row {row.number}: {_brief(row.values)}")
            console.print(f"   may be #{other.get('id', '?')}: {_brief(other)} ({points}%)")
            answer = Prompt.ask(
                "[u]pdate, [n]ew person, [s]kip, [h]old", choices=["u", "n", "s", "h"], default="h"
            )
            progress.start()
            return {"u": "update", "n": "new", "s": "skip"}.get(answer)

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            bars: dict[str, Any] = {}

            def echo(stage: str, done: int, total: int) -> None:
                if stage not in bars:
                    for other in bars.values():
                        progress.update(other, completed=progress.tasks[other].total)
                    bars[stage] = progress.add_task(STAGES.get(stage, stage), total=total or 1)
                progress.update(bars[stage], completed=done, total=total or 1)

            try:
                result = services.run(job, echo=echo, ask=ask if interactive else None)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
        self._summary(job, result.counts)
        if options["report"]:
            from branchwork.imports.report import report_csv

            options["report"].write_bytes(report_csv(ImportIssue.objects.filter(job=job)))

    def _summary(self, job: Any, counts: dict[str, int]) -> None:
        table = Table(title=f"import #{job.pk}" + (" (dry run)" if job.dry_run else ""))
        table.add_column("")
        table.add_column("", justify="right")
        for key in (
            "rows",
            "created",
            "updated",
            "unchanged",
            "skipped",
            "merged",
            "held",
            "rejected",
            "flagged",
            "unplaced",
            "households_created",
            "households_joined",
        ):
            if counts.get(key):
                table.add_row(key.replace("_", " "), str(counts[key]))
        console = Console()
        console.print(table)
        issues = ImportIssue.objects.filter(job=job).exclude(level="decision")
        for issue in issues[:50]:
            console.print(f"row {issue.row} {issue.column}: {issue_text(issue)}")
        more = issues.count() - 50
        if more > 0:
            console.print(f"… and {more} more (branchwork import … --report FILE writes them all)")


def _index(header: list[str], title: str) -> int:
    try:
        return header.index(title)
    except ValueError:
        raise CommandError(f"no column {title!r} in the file") from None


def _brief(values: dict[str, Any]) -> str:
    names = [
        str(values.get(k) or "")
        for k in (
            "family_name_hangul",
            "given_name_hangul",
            "family_name_kanji",
            "given_name_kanji",
        )
    ]
    birth = values.get("birth_date")
    return " ".join(n for n in names if n) + (f" {birth}" if birth else "")
