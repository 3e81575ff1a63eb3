from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchwork.people.forms import DateInput

from .models import (
    NOTE_MAX,
    Audience,
    ContactChannel,
    EventKind,
    PartnerOrganisation,
    RegistrationRole,
)
from .selectors import DEFAULT_QUIET_DAYS


class ContactForm(forms.Form):
    """A contact with a household: the person, when it was with one of its people, is chosen
    among the household's current members."""

    contacted_on = forms.DateField(label=_("date"), widget=DateInput)
    channel = forms.ChoiceField(
        label=_("how"), choices=ContactChannel.choices, widget=forms.RadioSelect
    )
    person = forms.TypedChoiceField(
        label=_("with"), coerce=int, required=False, empty_value=None, choices=()
    )
    note = forms.CharField(
        label=_("note"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you talked about, in a few words. Keep personal details to a case."),
    )
    follow_up_on = forms.DateField(
        label=_("follow up on"),
        required=False,
        widget=DateInput,
        help_text=_("When someone should be in touch again; it appears on your “My work”."),
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"contacted_on": timezone.localdate(), "channel": "visit"})
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("the household"))] + [(str(pk), name) for pk, name in members]


class QuietForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("not contacted for"),
        coerce=int,
        choices=[(d, _("%(days)s days") % {"days": d}) for d in (30, 60, 90, 180, 365)],
        initial=DEFAULT_QUIET_DAYS,
        required=False,
        empty_value=None,
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class EventForm(forms.Form):
    kind = forms.ModelChoiceField(
        label=_("kind"), queryset=EventKind.objects.filter(active=True), empty_label=None
    )
    title_ja = forms.CharField(label=_("title (Japanese)"), max_length=200, required=False)
    title_ko = forms.CharField(label=_("title (Korean)"), max_length=200, required=False)
    title_en = forms.CharField(label=_("title (English)"), max_length=200, required=False)
    starts_at = forms.DateTimeField(label=_("starts"), widget=DateTimeInput)
    ends_at = forms.DateTimeField(label=_("ends"), widget=DateTimeInput)
    venue = forms.CharField(label=_("venue"), max_length=300, required=False)
    capacity = forms.IntegerField(
        label=_("places"),
        required=False,
        min_value=1,
        help_text=_("Leave empty for no limit; beyond it, people go on a waiting list."),
    )
    audience = forms.ChoiceField(label=_("open to"), choices=Audience.choices)
    description_ja = forms.CharField(
        label=_("description (Japanese)"), required=False, widget=forms.Textarea({"rows": 3})
    )
    description_ko = forms.CharField(
        label=_("description (Korean)"), required=False, widget=forms.Textarea({"rows": 3})
    )
    sessions = forms.IntegerField(
        label=_("sessions"),
        min_value=1,
        max_value=60,
        initial=1,
        required=False,
        help_text=_("For a class that meets regularly: how many sessions (each a separate date)."),
    )
    every_days = forms.IntegerField(
        label=_("days between sessions"),
        min_value=1,
        max_value=31,
        initial=7,
        required=False,
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("partner organisations"),
        queryset=PartnerOrganisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a joint event: the organisations it is held with."),
    )

    def __init__(self, *args: Any, partners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partners"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        if partners is None or not partners.exists():
            del self.fields["partners"]
        else:
            field.queryset = partners


class RegisterForm(forms.Form):
    person = forms.IntegerField(
        label=_("person number"),
        min_value=1,
        help_text=_("The number on the person's page."),
    )
    role = forms.ChoiceField(
        label=_("role"),
        choices=RegistrationRole.choices,
        initial=RegistrationRole.PARTICIPANT,
        required=False,
        help_text=_("Helping and organising count on the participation ladder."),
    )


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("code"),
        max_length=64,
        help_text=_("Scan the QR code, or type the code printed under it."),
        widget=forms.TextInput({"autocomplete": "off", "autofocus": True}),
    )


class GuestForm(forms.Form):
    name = forms.CharField(label=_("your name"), max_length=200)
    contact = forms.CharField(
        label=_("e-mail or phone"),
        max_length=200,
        help_text=_("Only to reach you about this event."),
    )


class WalkInForm(forms.Form):
    walk_in = forms.IntegerField(
        label=_("person number"),
        min_value=1,
        help_text=_("Someone who came without registering: added and marked present."),
    )


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    kind = forms.CharField(
        label=_("kind"),
        max_length=100,
        required=False,
        help_text=_("A ward office, a school, a citizens' group …"),
    )
    contact_name = forms.CharField(label=_("contact person"), max_length=200, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    notes = forms.CharField(
        label=_("notes"), max_length=1000, required=False, widget=forms.Textarea({"rows": 3})
    )
    active = forms.BooleanField(label=_("active"), required=False, initial=True)


class PartnerContactForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    role = forms.CharField(label=_("role there"), max_length=100, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
