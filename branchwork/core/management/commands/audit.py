"""``branchwork audit verify``: check the audit log's hash chain from the first event to the head.

Exits 0 and prints "intact: N events", or exits non-zero naming the first broken link. Further
subcommands (an export of the log, say) go beside ``verify``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from branchwork.access.audit import ChainBreak, first_break
from branchwork.access.models import AuditEvent


def describe(broken: ChainBreak) -> str:
    """The first broken link, in words."""
    if broken.reason == "altered":
        return _("audit chain broken at event %(seq)s: the event was altered") % {"seq": broken.seq}
    if broken.reason == "truncated":
        return _(
            "audit chain broken at event %(seq)s: the chain ends before its recorded head "
            "(the newest events were deleted, or the head was altered)"
        ) % {"seq": broken.seq}
    return _(
        "audit chain broken at event %(seq)s: it is missing, or the event before it was replaced"
    ) % {"seq": broken.seq}


def verify(stdout: Any) -> None:
    broken = first_break()
    if broken is not None:
        raise CommandError(describe(broken))
    stdout.write(_("intact: %(count)s events") % {"count": AuditEvent.objects.count()})


class Command(BaseCommand):
    help = "Work with the audit log. `audit verify` checks its hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        sub.add_parser(
            "verify",
            help="check the hash chain from the first event to the head; exit 1 at a break",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            verify(self.stdout)
