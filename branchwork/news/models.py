"""News: bulletins a unit publishes (to the public, its members or its officers) and
newsletters it mails to a segment of its people.

A bulletin is read where it is published: on the unit's public news page and Atom feed when
it is public, on the pages of the units it concerns when it is for members or officers.

A newsletter is written once in up to three languages and sent to each recipient in their
language. Its deliveries are made when it is queued, one row per recipient, and each moves
``pending → sending → sent`` (or bounced, failed, skipped). A delivery is marked *sending* in
its own committed transaction before the message is handed to the SMTP server, so a crash
between the two leaves it *sending*: it is then reported as *unknown* and never sent again.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchwork.activities.models import LocalisedTitleMixin

# A send that has not reported progress for this long has stopped (its worker was killed).
STALE_AFTER = dt.timedelta(minutes=3)


class BulletinAudience(models.TextChoices):
    PUBLIC = "public", _("everyone (public)")
    MEMBERS = "members", _("members")
    OFFICERS = "officers", _("officers")


class Bulletin(LocalisedTitleMixin):
    """A news item of a unit, in up to three languages (``title_*`` and ``description_*``, the
    text). It appears from ``published_at`` until it is withdrawn."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    audience = models.CharField(
        _("for"), max_length=10, choices=BulletinAudience.choices, default="members"
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "published_at"], name="bulletin_unit_published"),
            models.Index(fields=["audience", "published_at"], name="bulletin_audience_published"),
        ]

    def __str__(self) -> str:
        return f"bulletin #{self.pk}"

    @property
    def is_published(self) -> bool:
        return self.withdrawn_at is None and self.published_at <= timezone.now()


class MembershipFilter(models.TextChoices):
    ANY = "any", _("everyone with consent")
    MEMBERS = "members", _("members only")
    NON_MEMBERS = "non_members", _("not members")


class NewsletterStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    QUEUED = "queued", _("waiting to be sent")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    STOPPED = "stopped", _("stopped before the end")


class Newsletter(LocalisedTitleMixin):
    """A mailing of a unit to a segment of the people under it: the subject is the title, the
    text the description. The segment is the unit's subtree with the filters below."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    membership = models.CharField(
        _("membership"), max_length=12, choices=MembershipFilter.choices, default="any"
    )
    age_min = models.PositiveSmallIntegerField(_("aged from"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("aged up to"), null=True, blank=True)
    min_level = models.PositiveSmallIntegerField(
        _("taking part at least at"), null=True, blank=True
    )
    affiliate = models.ForeignKey(
        "org.Unit",
        verbose_name=_("members of the affiliated body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=NewsletterStatus.choices, default="draft"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by the sending task after each batch: a send whose heartbeat is old has stopped
    # (its worker was killed) and may be resumed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_max__gte=models.F("age_min")),
                name="newsletter_age_band",
            ),
        ]

    def __str__(self) -> str:
        return f"newsletter #{self.pk}"

    def is_stalled(self, now: dt.datetime | None = None) -> bool:
        if self.status not in (NewsletterStatus.QUEUED, NewsletterStatus.SENDING):
            return False
        seen = self.heartbeat_at or self.queued_at
        return seen is not None and (now or timezone.now()) - seen > STALE_AFTER


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("not sent yet")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    BOUNCED = "bounced", _("refused by the mail server")
    FAILED = "failed", _("not sent (error)")
    SKIPPED = "skipped", _("not sent (consent withdrawn)")
    UNKNOWN = "unknown", _("unknown (interrupted)")


class Delivery(models.Model):
    """One recipient of a newsletter: the address and language chosen when it was queued, and
    where the message is. ``token`` is the recipient's unsubscribe key."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="deliveries")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="newsletter_deliveries"
    )
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=2)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default="pending")
    token = models.CharField(max_length=32, unique=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=16, blank=True)  # the run that took it in hand
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    # Erasing the person blanks the address; the facts (sent, when) stay for the counts.
    erase_with_person = ("email",)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "person"], name="delivery_once"),
        ]
        indexes = [models.Index(fields=["newsletter", "status"], name="delivery_status")]

    def __str__(self) -> str:
        return f"delivery #{self.pk}"
