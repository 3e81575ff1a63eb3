"""Activities: the contact log (visits, calls and messages with households and people), and
events with their registrations and attendance.

A contact belongs to a household, and to one of its people when it was with someone in
particular (a contact with a person who has no household names only the person). It is read
through the household's or the person's unit, so it follows them when they move: the branch
that looks after a family now sees what was said to it before.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from branchwork.org.models import ReferenceList

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


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


class EventKind(ReferenceList):
    """What kind of activity an event is (cultural evening, language class …)."""

    class Meta(ReferenceList.Meta):
        verbose_name = _("kind of event")
        verbose_name_plural = _("kinds of event")


class Audience(models.TextChoices):
    MEMBERS = "members", _("members")
    RESIDENTS = "residents", _("all residents")
    PUBLIC = "public", _("the public")


class PartnerOrganisation(models.Model):
    """A body of the wider society the unit works with (a ward office, a school, a citizens'
    group), with the person to contact there."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="partners"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    notes = models.CharField(_("notes"), max_length=1000, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class PartnerContact(models.Model):
    """Someone to reach at a partner organisation (beyond its main contact person)."""

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role there"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact at a partner")
        verbose_name_plural = _("contacts at partners")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class LocalisedTitleMixin(models.Model):
    title_ko = models.CharField(_("title (Korean)"), max_length=200, blank=True)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_ko = models.TextField(_("description (Korean)"), max_length=5000, blank=True)
    description_ja = models.TextField(_("description (Japanese)"), max_length=5000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=5000, blank=True)

    class Meta:
        abstract = True

    def _localised(self, field: str) -> str:
        lang = (translation.get_language() or "ja")[:2]
        value: str = (
            getattr(self, f"{field}_{lang}", "")
            or getattr(self, f"{field}_ja")
            or getattr(self, f"{field}_ko")
            or getattr(self, f"{field}_en")
        )
        return value

    @property
    def title(self) -> str:
        return self._localised("title")

    @property
    def description(self) -> str:
        return self._localised("description")


class EventSeries(LocalisedTitleMixin):
    """A recurring class or meeting: its sessions are events of the series."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.ForeignKey(EventKind, verbose_name=_("kind"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("series of events")
        verbose_name_plural = _("series of events")

    def __str__(self) -> str:
        return f"series #{self.pk}"


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    CANCELLED = "cancelled", _("cancelled")


class Event(LocalisedTitleMixin):
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.ForeignKey(EventKind, verbose_name=_("kind"), on_delete=models.PROTECT)
    series = models.ForeignKey(
        EventSeries,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    audience = models.CharField(
        _("open to"), max_length=10, choices=Audience.choices, default=Audience.MEMBERS
    )
    partners = models.ManyToManyField(
        PartnerOrganisation,
        verbose_name=_("partner organisations"),
        blank=True,
        related_name="events",
    )
    status = models.CharField(
        max_length=10, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    # Names the public registration link (only events open to the public have one in use).
    public_key = models.CharField(max_length=32, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0), name="event_has_places"
            ),
        ]
        indexes = [models.Index(fields=["unit", "starts_at"], name="event_unit_start")]

    def __str__(self) -> str:
        return f"event #{self.pk}"


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("registered")
    WAITING = "waiting", _("on the waiting list")
    CANCELLED = "cancelled", _("cancelled")


class RegistrationRole(models.TextChoices):
    PARTICIPANT = "participant", _("taking part")
    HELPER = "helper", _("helping")
    ORGANISER = "organiser", _("organising")


class Registration(models.Model):
    """A person's place at an event, or on its waiting list; ``code`` is what their QR code
    carries, checked against the event at the door. Someone who registered from the public
    link and is not in the registry is a guest, with a name and a way to reach them."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    guest_name = models.CharField(_("name"), max_length=200, blank=True)
    guest_contact = models.CharField(_("e-mail or phone"), max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED
    )
    code = models.CharField(max_length=32, unique=True)
    # What the person does at the event: the participation ladder counts helping and organising.
    role = models.CharField(
        _("role"),
        max_length=12,
        choices=RegistrationRole.choices,
        default=RegistrationRole.PARTICIPANT,
    )
    walk_in = models.BooleanField(_("walk-in"), default=False)
    attended_at = models.DateTimeField(_("attended"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(guest_name=""),
                name="registration_of_someone",
            ),
            models.UniqueConstraint(
                fields=["event", "person"],
                condition=Q(person__isnull=False) & ~Q(status="cancelled"),
                name="registration_once_per_person",
            ),
        ]
        indexes = [models.Index(fields=["event", "status"], name="registration_event_status")]

    def __str__(self) -> str:
        return f"registration #{self.pk}"


class CalendarKey(models.Model):
    """The secret in a user's calendar feed addresses (a calendar application cannot sign
    in). Making a new one retires the old, and every address made with it stops working."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_keys"
    )
    key = models.CharField(max_length=48, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar key")
        verbose_name_plural = _("calendar keys")

    def __str__(self) -> str:
        return f"calendar key #{self.pk}"
