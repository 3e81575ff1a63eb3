"""Activities: the contact log (visits, calls and messages with households and people).

A contact belongs to a household, and to one of its people when it was with someone in
particular (a contact with a person who has no household names only the person). It is read
through the household's or the person's unit, so it follows them when they move: the branch
that looks after a family now sees what was said to it before.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

NOTE_MAX = 500  # a short note: what was talked about, not a case file


class ContactChannel(models.TextChoices):
    VISIT = "visit", _("visit")
    CALL = "call", _("phone call")
    MESSAGE = "message", _("message")
    MEETING = "meeting", _("met elsewhere")


class Contact(models.Model):
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    contacted_on = models.DateField(_("date"))
    channel = models.CharField(_("how"), max_length=10, choices=ContactChannel.choices)
    note = models.CharField(_("note"), max_length=NOTE_MAX, blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    follow_up_done_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Erasing the person blanks the note; the date and the channel stay, counted and unnamed.
    erase_with_person = ("note",)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-contacted_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False) | Q(person__isnull=False),
                name="contact_with_someone",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True)
                | Q(follow_up_on__gte=models.F("contacted_on")),
                name="contact_follow_up_after_it",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "-contacted_on"], name="contact_household_date"),
            models.Index(fields=["person", "-contacted_on"], name="contact_person_date"),
            models.Index(
                fields=["officer", "follow_up_on"],
                condition=Q(follow_up_on__isnull=False, follow_up_done_at__isnull=True),
                name="contact_open_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return f"contact #{self.pk}"

    @property
    def follow_up_open(self) -> bool:
        return self.follow_up_on is not None and self.follow_up_done_at is None
