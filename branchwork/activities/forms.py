from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchwork.people.forms import DateInput

from .models import NOTE_MAX, ContactChannel
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
