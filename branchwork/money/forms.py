from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branchwork.people.forms import DateInput


class AmountField(forms.CharField):
    """An amount as typed (digits, perhaps with thousands commas): the service checks it, so
    a fraction or a sign gets the ledger's own message."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("amount (yen)"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})


class DuesForm(forms.Form):
    person = forms.IntegerField(
        label=_("person number"), min_value=1, help_text=_("The number on the member's page.")
    )
    fiscal_year = forms.IntegerField(label=_("fiscal year"), min_value=1900, max_value=2200)
    amount = AmountField()
    received_on = forms.DateField(label=_("received on"), required=False, widget=DateInput)


class DonationForm(forms.Form):
    donor = forms.IntegerField(
        label=_("donor's person number"),
        min_value=1,
        required=False,
        help_text=_("If the donor is in the registry."),
    )
    donor_name = forms.CharField(
        label=_("donor's name"),
        max_length=200,
        required=False,
        help_text=_("For a donor who is not in the registry."),
    )
    purpose = forms.CharField(label=_("purpose"), max_length=200, required=False)
    amount = AmountField()
    received_on = forms.DateField(label=_("received on"), required=False, widget=DateInput)
    receipt_number = forms.IntegerField(
        label=_("receipt number"),
        min_value=1,
        required=False,
        help_text=_("Only for a receipt already written by hand; otherwise the next number."),
    )


class TransferForm(forms.Form):
    to_unit = forms.CharField(label=_("to unit (code)"), max_length=40)
    amount = AmountField()
    memo = forms.CharField(label=_("memo"), max_length=200, required=False)


class FundForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    source = forms.CharField(label=_("source"), max_length=200)
    purpose = forms.CharField(label=_("purpose"), max_length=300, required=False)
    fiscal_year = forms.IntegerField(label=_("fiscal year"), min_value=1900, max_value=2200)
    amount = AmountField(label=_("amount promised (yen)"))
    restrictions = forms.CharField(
        label=_("restrictions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReceiveForm(forms.Form):
    amount = AmountField()
    received_on = forms.DateField(label=_("received on"), required=False, widget=DateInput)
    memo = forms.CharField(label=_("memo"), max_length=200, required=False)


class AllocationForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)


class GrantForm(forms.Form):
    school = forms.CharField(label=_("school (code)"), max_length=40)
    amount = AmountField()
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class StipendForm(forms.Form):
    person = forms.IntegerField(label=_("pupil's person number"), min_value=1)
    amount = AmountField()
    term = forms.CharField(label=_("term"), max_length=100, required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class PerPupilForm(forms.Form):
    per_pupil = AmountField(label=_("amount per pupil (yen)"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300)


class RateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("membership"),
        choices=[("member", _("Member")), ("supporter", _("Supporter"))],
    )
    fiscal_year = forms.IntegerField(label=_("fiscal year"), min_value=1900, max_value=2200)
    amount = AmountField(label=_("dues for the year (yen)"))
