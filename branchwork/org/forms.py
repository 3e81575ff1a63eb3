from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import PostType, TerritoryKind, UnitKind


class DateInput(forms.DateInput):
    input_type = "date"


class UnitForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    name_ko = forms.CharField(label=_("Name (Korean)"), max_length=200)
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=8, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    public_phone = forms.CharField(label=_("Public phone"), max_length=30, required=False)
    public_email = forms.EmailField(label=_("Public e-mail"), required=False)


class TerritoryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TerritoryKind.choices)
    value = forms.CharField(label=_("Postal-code prefix or municipality code"), max_length=12)
    label = forms.CharField(label=_("Label"), max_length=200, required=False)


class PostForm(forms.Form):
    post_type = forms.ModelChoiceField(label=_("Post"), queryset=PostType.objects.all())
    seats = forms.IntegerField(label=_("Seats"), min_value=0, max_value=50, initial=1)


class AppointForm(forms.Form):
    post_type = forms.ModelChoiceField(label=_("Post"), queryset=PostType.objects.all())
    person = forms.IntegerField(label=_("Person number"), min_value=1)
    start = forms.DateField(label=_("Start"), widget=DateInput)
    end = forms.DateField(label=_("End"), required=False, widget=DateInput)


class EndTermForm(forms.Form):
    end = forms.DateField(
        label=_("Last day of the term"), widget=DateInput, initial=timezone.localdate
    )


class MoveForm(forms.Form):
    parent = forms.CharField(label=_("Code of the new parent unit"), max_length=40)


class MergeForm(forms.Form):
    target = forms.CharField(label=_("Code of the surviving unit"), max_length=40)
    on = forms.DateField(label=_("Date of the merger"), widget=DateInput)
    confirm = forms.BooleanField(
        label=_(
            "I understand that sub-units, territory, people and officers' history move to "
            "the surviving unit."
        ),
    )
