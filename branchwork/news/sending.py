"""Newsletters: the segment, queueing a send, and the send itself (in the task worker).

**Segment.** The people under the newsletter's unit (its subtree), alive and not erased,
narrowed by membership, age band, participation level and affiliated body. Only those of them
with an e-mail address and a newsletter consent in force receive it.

**At most once.** Queueing writes one delivery per recipient (``pending``). The sender claims
a small group of pending deliveries by marking them ``sending`` in a committed transaction,
and only then hands each message to the SMTP server; each is marked ``sent`` (or bounced,
failed) right after. A run that finds deliveries still ``sending`` knows an earlier run was
interrupted with them in hand: it marks them ``unknown`` (reported on the newsletter's page,
for a person to check) and never sends them again. Two runs of the same newsletter cannot
claim the same delivery: the claim is a conditional update.

**Bounces.** A recipient the SMTP server refuses is ``bounced``; the sender reads the refusal
as it happens. A sender refused, a message refused or a lost connection before the server
answered are ``failed`` (not sent) or ``unknown`` (the server may have it) as the SMTP
exchange tells; after a lost connection the sender reconnects once, and stops the send when
it cannot (the rest stay ``pending`` and can be resumed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import smtplib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core import faults
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import UnitKind
from branchwork.people.models import Consent, ConsentKind, Membership, MembershipStatus, Person
from branchwork.people.selectors import visible_people

from .models import (
    Delivery,
    DeliveryStatus,
    MembershipFilter,
    Newsletter,
    NewsletterStatus,
)

log = logging.getLogger(__name__)

LANGS = ("ko", "ja", "en")
CLAIM = 10  # deliveries claimed at once: at most this many become "unknown" after a crash
BATCH = 500  # deliveries read at once
QUEUE_BATCH = 2000


# --------------------------------------------------------------------------------------------
# The segment
# --------------------------------------------------------------------------------------------


def _birth_bounds(
    age_min: int | None, age_max: int | None, today: dt.date
) -> tuple[dt.date | None, dt.date | None]:
    """Birth dates of people aged ``age_min`` to ``age_max`` (inclusive) on ``today``."""

    def years_ago(years: int) -> dt.date:
        try:
            return today.replace(year=today.year - years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - years, day=28)

    latest = years_ago(age_min) if age_min is not None else None
    earliest = years_ago(age_max + 1) + dt.timedelta(days=1) if age_max is not None else None
    return earliest, latest


def segment(people: QuerySet[Person], newsletter: Newsletter) -> QuerySet[Person]:
    """``people`` (scoped by the caller) narrowed to the newsletter's segment."""
    today = timezone.localdate()
    chosen = people.filter(
        unit__path__startswith=newsletter.unit.path,
        erased_at__isnull=True,
        deceased_date__isnull=True,
    )
    current = Membership.objects.filter(person=OuterRef("pk"), left__isnull=True)
    association = current.filter(status=MembershipStatus.MEMBER, body__kind=UnitKind.FEDERATION)
    if newsletter.membership == MembershipFilter.MEMBERS:
        chosen = chosen.filter(Exists(association))
    elif newsletter.membership == MembershipFilter.NON_MEMBERS:
        chosen = chosen.exclude(Exists(association))
    if newsletter.affiliate_id is not None:
        chosen = chosen.filter(
            Exists(
                current.filter(
                    body_id=newsletter.affiliate_id,
                    status__in=[MembershipStatus.MEMBER, MembershipStatus.SUPPORTER],
                )
            )
        )
    if newsletter.age_min is not None or newsletter.age_max is not None:
        earliest, latest = _birth_bounds(newsletter.age_min, newsletter.age_max, today)
        if latest is not None:
            chosen = chosen.filter(birth_date__lte=latest)
        if earliest is not None:
            chosen = chosen.filter(birth_date__gte=earliest)
    if newsletter.min_level:
        from branchwork.activities import ladder

        chosen = ladder.with_level(chosen).filter(level__gte=newsletter.min_level)
    return chosen


def consented() -> Exists:
    return Exists(
        Consent.objects.filter(
            person=OuterRef("pk"), kind=ConsentKind.NEWSLETTER, withdrawn_on__isnull=True
        )
    )


def recipients(people: QuerySet[Person]) -> QuerySet[Person]:
    """Those of ``people`` who may receive a newsletter: an address and consent in force."""
    return people.exclude(email="").filter(consented())


def preview(actor: Any, newsletter: Newsletter) -> dict[str, int]:
    """The segment's size and how many of it would receive the newsletter."""
    people = segment(visible_people(actor), newsletter)
    return {"segment": people.count(), "recipients": recipients(people).count()}


def language_for(spoken: Iterable[str] | None, written: list[str]) -> str:
    """The first language the person speaks that the newsletter is written in; otherwise the
    newsletter's first language (Japanese, Korean, English, in that order)."""
    for lang in spoken or ():
        if lang in written:
            return lang
    return written[0]


def written_languages(newsletter: Newsletter) -> list[str]:
    order = ("ja", "ko", "en")
    return [
        lang
        for lang in order
        if getattr(newsletter, f"title_{lang}").strip()
        and getattr(newsletter, f"description_{lang}").strip()
    ]


# --------------------------------------------------------------------------------------------
# Queueing
# --------------------------------------------------------------------------------------------


@transaction.atomic
def queue(*, actor: Any, newsletter: Newsletter) -> int:
    """Fix the recipients (one delivery each) and hand the send to the task worker. Returns
    the number of recipients. A newsletter is queued once."""
    newsletter = Newsletter.objects.select_for_update(of=("self",)).get(pk=newsletter.pk)
    if not scope_for(actor).has("edit", newsletter.unit):
        raise PermissionDeniedError("edit")
    if newsletter.status != NewsletterStatus.DRAFT:
        raise invalid("status", _("This newsletter has already been sent or is being sent."))
    written = written_languages(newsletter)
    if not written:
        raise invalid("title_ja", _("Write the subject and the text in at least one language."))
    rows = recipients(segment(visible_people(actor), newsletter)).values_list(
        "pk", "email", "languages"
    )
    deliveries = [
        Delivery(
            newsletter=newsletter,
            person_id=pk,
            email=email,
            language=language_for(spoken, written),
            token=secrets.token_urlsafe(16)[:22],
        )
        for pk, email, spoken in rows.iterator(chunk_size=QUEUE_BATCH)
    ]
    if not deliveries:
        raise invalid(
            "segment",
            _(
                "Nobody in this segment may receive newsletters (an e-mail address and "
                "consent are needed). Widen the segment or record consents first."
            ),
        )
    Delivery.objects.bulk_create(deliveries, batch_size=QUEUE_BATCH)
    now = timezone.now()
    newsletter.status = NewsletterStatus.QUEUED
    newsletter.queued_at = now
    newsletter.heartbeat_at = now
    newsletter.save(update_fields=["status", "queued_at", "heartbeat_at"])
    audit.record(
        actor=actor,
        action="send",
        obj=newsletter,
        unit_id=newsletter.unit_id,
        fields=["status"],
    )
    pk = newsletter.pk
    transaction.on_commit(lambda: _enqueue(pk))
    return len(deliveries)


def resume_stalled() -> list[int]:
    """Resume every send that has stopped (for a scheduler or cron: a worker killed mid-send
    leaves its newsletter "sending" with an old heartbeat; an unreachable mail server leaves
    it "stopped"). Runs as the system."""
    resumed = []
    for newsletter in Newsletter.objects.filter(
        status__in=[NewsletterStatus.QUEUED, NewsletterStatus.SENDING, NewsletterStatus.STOPPED]
    ):
        if newsletter.status == NewsletterStatus.STOPPED or newsletter.is_stalled():
            with transaction.atomic():
                updated = Newsletter.objects.filter(
                    pk=newsletter.pk,
                    status=newsletter.status,
                    heartbeat_at=newsletter.heartbeat_at,
                ).update(status=NewsletterStatus.QUEUED, heartbeat_at=timezone.now())
                if updated:
                    audit.record(
                        actor=None,
                        action="resume",
                        obj=newsletter,
                        unit_id=newsletter.unit_id,
                        fields=["status"],
                    )
                    pk = newsletter.pk
                    transaction.on_commit(lambda pk=pk: _enqueue(pk))  # type: ignore[misc]
                    resumed.append(pk)
    return resumed


def _enqueue(pk: int) -> None:
    from .tasks import send_newsletter

    faults.point("newsletter-before-enqueue")  # queued and committed, no task written yet
    send_newsletter.enqueue(pk)


@transaction.atomic
def resume(*, actor: Any, newsletter: Newsletter) -> None:
    """Start a stopped send again: what was in hand when it stopped becomes unknown (never
    sent twice), what was never tried is sent."""
    newsletter = Newsletter.objects.select_for_update(of=("self",)).get(pk=newsletter.pk)
    if not scope_for(actor).has("edit", newsletter.unit):
        raise PermissionDeniedError("edit")
    if not (newsletter.status == NewsletterStatus.STOPPED or newsletter.is_stalled()):
        raise invalid("status", _("This send is not stopped."))
    newsletter.status = NewsletterStatus.QUEUED
    newsletter.heartbeat_at = timezone.now()
    newsletter.save(update_fields=["status", "heartbeat_at"])
    audit.record(
        actor=actor, action="resume", obj=newsletter, unit_id=newsletter.unit_id, fields=["status"]
    )
    pk = newsletter.pk
    transaction.on_commit(lambda: _enqueue(pk))


# --------------------------------------------------------------------------------------------
# Sending (in the worker)
# --------------------------------------------------------------------------------------------


def unsubscribe_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("news:unsubscribe", args=[token])


LINK = "branchwork-unsubscribe-link"  # stands for each recipient's link in the rendered text


class Composer:
    """Renders the newsletter once per language (the unsubscribe link left as a placeholder)
    and makes each recipient's message from it: the templates are not rendered again for every
    one of fifty thousand people."""

    def __init__(self, newsletter: Newsletter) -> None:
        self.newsletter = newsletter
        self.rendered: dict[str, tuple[str, str, str]] = {}
        self.link = unsubscribe_url(LINK)  # each recipient's token replaces the placeholder

    def _render(self, language: str) -> tuple[str, str, str]:
        if language not in self.rendered:
            with translation.override(language):
                context = {
                    "newsletter": self.newsletter,
                    "subject": self.newsletter.title,
                    "text": self.newsletter.description,
                    "unit": self.newsletter.unit.name,
                    "unsubscribe": self.link,
                }
                self.rendered[language] = (
                    self.newsletter.title,
                    render_to_string("news/mail/newsletter.txt", context),
                    render_to_string("news/mail/newsletter.html", context),
                )
        return self.rendered[language]

    def message(self, delivery: Delivery, connection: Any) -> EmailMultiAlternatives:
        subject, body, html = self._render(delivery.language)
        link = self.link.replace(LINK, delivery.token)
        message = EmailMultiAlternatives(
            subject=subject,
            body=body.replace(self.link, link),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.email],
            connection=connection,
            headers={
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Content-Language": delivery.language,
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(html.replace(self.link, link), "text/html")
        return message


class _Stop(Exception):
    """The SMTP server cannot be reached: the send stops, the rest stays pending."""


def _record(outcomes: list[tuple[int, str, str]]) -> None:
    """Write what became of a claimed group, in one transaction. Until it commits, the group
    stays "sending": a crash before it makes the group unknown, never sent again."""
    by_outcome: dict[tuple[str, str], list[int]] = {}
    for pk, status, error in outcomes:
        by_outcome.setdefault((status, error[:200]), []).append(pk)
    now = timezone.now()
    with transaction.atomic():
        for (status, error), pks in by_outcome.items():
            values: dict[str, Any] = {"status": status, "error": error}
            if status == DeliveryStatus.SENT:
                values["sent_at"] = now
            Delivery.objects.filter(pk__in=pks, status=DeliveryStatus.SENDING).update(**values)


def _send_one(connection: Any, message: EmailMultiAlternatives) -> tuple[str, str]:
    """Hand one message to the server: (status, error). Reconnects once after a dropped
    connection; a second failure stops the send."""
    try:
        connection.send_messages([message])
        return DeliveryStatus.SENT, ""
    except smtplib.SMTPRecipientsRefused as exc:
        code = next(iter(exc.recipients.values()))[0] if exc.recipients else ""
        return DeliveryStatus.BOUNCED, f"refused {code}"
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        return DeliveryStatus.FAILED, f"{type(exc).__name__} {exc.smtp_code}"
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
        # The server may or may not have the message: never send it again.
        log.warning("newsletter: connection lost (%s)", type(exc).__name__)
        with contextlib.suppress(Exception):  # already broken
            connection.close()
        try:
            connection.open()
        except OSError as again:
            raise _Stop(type(again).__name__) from again
        return DeliveryStatus.UNKNOWN, type(exc).__name__


def run(newsletter_id: int) -> dict[str, int]:
    """Send a queued newsletter to its pending deliveries (the task's body). Returns the
    delivery counts."""
    from .selectors import delivery_counts

    started = Newsletter.objects.filter(
        pk=newsletter_id,
        status__in=[NewsletterStatus.QUEUED, NewsletterStatus.SENDING],
    ).update(status=NewsletterStatus.SENDING, heartbeat_at=timezone.now())
    newsletter = Newsletter.objects.select_related("unit").get(pk=newsletter_id)
    if not started:
        return delivery_counts(newsletter)
    # What an interrupted run had in hand may have gone: unknown, never sent again.
    Delivery.objects.filter(newsletter=newsletter, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.UNKNOWN, error="interrupted"
    )
    connection = get_connection(fail_silently=False)
    status = NewsletterStatus.SENT
    try:
        connection.open()
        _send_pending(newsletter, connection)
    except (_Stop, OSError, smtplib.SMTPException) as exc:
        log.warning("newsletter %s stopped: %s", newsletter_id, exc)
        status = NewsletterStatus.STOPPED
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    Newsletter.objects.filter(pk=newsletter_id, status=NewsletterStatus.SENDING).update(
        status=status,
        finished_at=timezone.now() if status == NewsletterStatus.SENT else None,
        heartbeat_at=timezone.now(),
    )
    return delivery_counts(newsletter)


def _send_pending(newsletter: Newsletter, connection: Any) -> None:
    pending = Delivery.objects.filter(newsletter=newsletter, status=DeliveryStatus.PENDING)
    composer = Composer(newsletter)
    run_key = secrets.token_hex(8)  # names this run's claims
    while True:
        ids = list(pending.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        for start in range(0, len(ids), CLAIM):
            group = ids[start : start + CLAIM]
            # The claim: committed before any of the group is handed to the server. Another
            # run's claim on the same rows fails the status condition, so none is sent twice.
            with transaction.atomic():
                Delivery.objects.filter(pk__in=group, status=DeliveryStatus.PENDING).update(
                    status=DeliveryStatus.SENDING, attempted_at=timezone.now(), claim=run_key
                )
                claimed = list(
                    Delivery.objects.filter(
                        pk__in=group, status=DeliveryStatus.SENDING, claim=run_key
                    )
                    .annotate(consent=consented_of_delivery())
                    .order_by("pk")
                )
            outcomes: list[tuple[int, str, str]] = []
            try:
                for delivery in claimed:
                    if not delivery.consent or not delivery.email:
                        outcomes.append((delivery.pk, DeliveryStatus.SKIPPED, "no consent"))
                        continue
                    status, error = _send_one(connection, composer.message(delivery, connection))
                    faults.point("newsletter-after-send")  # handed over, not yet recorded
                    outcomes.append((delivery.pk, status, error))
            finally:
                # A stop mid-group records what is known; the rest of the group stays
                # "sending" and so becomes unknown.
                _record(outcomes)
        Newsletter.objects.filter(pk=newsletter.pk).update(heartbeat_at=timezone.now())


def consented_of_delivery() -> Exists:
    return Exists(
        Consent.objects.filter(
            person=OuterRef("person_id"),
            kind=ConsentKind.NEWSLETTER,
            withdrawn_on__isnull=True,
        )
    )


# --------------------------------------------------------------------------------------------
# Unsubscribing
# --------------------------------------------------------------------------------------------


@transaction.atomic
def unsubscribe(token: str) -> Delivery | None:
    """The recipient of a delivery withdraws their newsletter consent (from the link in the
    mail, or the one-click header). Idempotent; None for an unknown token."""
    delivery = Delivery.objects.select_related("person").filter(token=token).first()
    if delivery is None:
        return None
    today = timezone.localdate()
    withdrawn = Consent.objects.filter(
        person_id=delivery.person_id,
        kind=ConsentKind.NEWSLETTER,
        withdrawn_on__isnull=True,
    ).update(withdrawn_on=today)
    if withdrawn:
        audit.record(
            actor=None,
            action="unsubscribe",
            object_type="people.person",
            object_id=delivery.person_id,
            unit_id=delivery.person.unit_id,
            fields=["consent"],
        )
    return delivery
