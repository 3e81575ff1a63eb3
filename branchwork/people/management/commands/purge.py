"""``branchwork purge``: list what the retention rules in force would erase; ``--apply`` erases.

The list always comes first, so what is erased is what was shown. Erasing keeps the rows (and
so the counts) and removes the personal data, through the same path as an erasure on request.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from branchwork.people import retention


class Command(BaseCommand):
    help = "List the people the retention rules in force would erase; erase them with --apply."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--apply", action="store_true", help="Erase the people listed (default: list only)."
        )
        parser.add_argument(
            "--verbose", action="store_true", help="List every person number with its unit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rules = retention.active_rules()
        if not rules:
            self.stdout.write(_("No retention rule is in force: nothing to do."))
            return
        report = retention.plan_purge(rules)
        self.write_listing(report, verbose=options["verbose"])
        if not options["apply"]:
            self.stdout.write(_("Nothing was erased. Run again with --apply to erase these."))
            return
        retention.execute_plan(actor=None, report=report, rules=rules)
        for entry in report.rules:
            self.stdout.write(
                _("%(kind)s: %(erased)d erased.") % {"kind": entry.kind, "erased": entry.erased}
            )
        self.stdout.write(_("Erased in all: %(count)d.") % {"count": report.erased})

    def write_listing(self, report: retention.PurgeReport, *, verbose: bool) -> None:
        self.stdout.write(
            _("Retention rules in force on %(day)s:") % {"day": report.today.isoformat()}
        )
        for entry in report.rules:
            self.stdout.write(
                _("%(kind)s (kept %(years)d years, before %(cutoff)s): %(count)d to erase")
                % {
                    "kind": entry.kind,
                    "years": entry.years,
                    "cutoff": entry.cutoff.isoformat(),
                    "count": entry.count,
                }
            )
            for code, count in entry.per_unit:
                self.stdout.write(f"  {code}: {count}")
            if verbose:
                for pk, code in entry.people:
                    self.stdout.write(f"    #{pk} {code}")
        self.stdout.write(_("To erase in all: %(count)d.") % {"count": report.total})
