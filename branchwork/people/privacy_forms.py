"""Forms of the retention and provision pages: shapes and labels; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import DateInput
from .models import Consent, ConsentKind, ProvisionBasis, ProvisionKind
from .provisions import item_choices
from .retention import MAX_YEARS, NOTE_MAX


class RetentionRuleForm(forms.Form):
    years = forms.IntegerField(
        label=_("kept for (years)"),
        min_value=1,
        max_value=MAX_YEARS,
        error_messages={"min_value": _("A record is kept for at least one year.")},
    )
    active = forms.BooleanField(label=_("in force"), required=False)
    note = forms.CharField(
        label=_("reason"),
        max_length=NOTE_MAX,
        required=False,
        help_text=_("Why this period: the law, the association's rules, a decision."),
    )


class PurgeConfirmForm(forms.Form):
    """Carries the fingerprint of the list the administrator saw."""

    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ConsentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.partner} ({obj.given_on:%Y-%m-%d})"


class ProvisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ProvisionKind.choices)
    recipient = forms.CharField(label=_("recipient"), max_length=200)
    purpose = forms.CharField(label=_("purpose"), max_length=300)
    items = forms.MultipleChoiceField(
        label=_("data provided"), choices=item_choices, widget=forms.CheckboxSelectMultiple
    )
    basis = forms.ChoiceField(label=_("basis"), choices=ProvisionBasis.choices)
    consent = ConsentChoiceField(
        label=_("consent to share"),
        queryset=Consent.objects.none(),
        required=False,
        help_text=_("Needed when the basis is the person's consent: it must name the recipient."),
    )
    provided_on = forms.DateField(
        label=_("provided on"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty for today."),
    )

    def __init__(self, *args: Any, person_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].queryset = Consent.objects.filter(  # type: ignore[attr-defined]
            person_id=person_id, kind=ConsentKind.SHARE, withdrawn_on__isnull=True
        ).order_by("-given_on")


class ProvisionFilterForm(forms.Form):
    unit = forms.CharField(label=_("unit code"), max_length=40, required=False)
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("to"), required=False, widget=DateInput)
