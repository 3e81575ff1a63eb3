"""``branchwork newsletters``: list the sends that are running or stopped; ``--resume-stalled``
hands the stopped ones back to the task worker (for cron or the scheduler: a worker killed
mid-send leaves its newsletter "sending", and nobody would otherwise finish it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from branchwork.news import sending
from branchwork.news.models import Newsletter, NewsletterStatus
from branchwork.news.selectors import delivery_counts


class Command(BaseCommand):
    help = "List newsletters being sent or stopped; resume the stopped ones with --resume-stalled."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--resume-stalled",
            action="store_true",
            help="Hand every stopped send back to the worker (the rest of it, never twice).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["resume_stalled"]:
            resumed = sending.resume_stalled()
            self.stdout.write(
                _("Resumed: %(list)s") % {"list": ", ".join(map(str, resumed))}
                if resumed
                else _("No send is stopped.")
            )
        running = Newsletter.objects.filter(
            status__in=[
                NewsletterStatus.QUEUED,
                NewsletterStatus.SENDING,
                NewsletterStatus.STOPPED,
            ]
        ).order_by("pk")
        for newsletter in running:
            counts = delivery_counts(newsletter)
            self.stdout.write(
                f"#{newsletter.pk} {newsletter.status}"
                + (" (stalled)" if newsletter.is_stalled() else "")
                + " "
                + " ".join(f"{k}={v}" for k, v in counts.items() if v)
            )
