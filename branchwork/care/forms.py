from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from branchwork.people.forms import DateInput

from .models import CaseCategory, CaseStatus, HelpKind, Priority
from .services import NOTE_MAX, OUTCOME_MAX, SUBJECT_MAX


class CaseForm(forms.Form):
    person = forms.IntegerField(
        label=_("person number"),
        min_value=1,
        required=False,
        help_text=_("The number on the person's page; or give the household's."),
    )
    household = forms.IntegerField(label=_("household number"), min_value=1, required=False)
    category = forms.ModelChoiceField(
        label=_("category"), queryset=CaseCategory.objects.filter(active=True), empty_label=None
    )
    subject = forms.CharField(label=_("subject"), max_length=SUBJECT_MAX)
    priority = forms.ChoiceField(label=_("priority"), choices=Priority.choices)
    due_on = forms.DateField(
        label=_("due"),
        required=False,
        widget=DateInput,
        help_text=_("Empty: from the priority (urgent 2 days, high 7, normal 30, low 90)."),
    )
    assigned_to: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("case worker"),
        queryset=CaseCategory.objects.none(),  # the unit's case workers, set below
        required=False,
        empty_label=_("nobody yet"),
    )
    restricted = forms.BooleanField(
        label=_("restricted: only the case worker and you"), required=False
    )
    note = forms.CharField(
        label=_("first note"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea({"rows": 4}),
    )

    def __init__(self, *args: Any, workers: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assigned_to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workers


class NoteForm(forms.Form):
    text = forms.CharField(label=_("note"), max_length=NOTE_MAX, widget=forms.Textarea({"rows": 3}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=CaseStatus.choices)
    outcome = forms.CharField(
        label=_("outcome"),
        max_length=OUTCOME_MAX,
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Needed to close the case."),
    )


class OfferForm(forms.Form):
    person = forms.IntegerField(
        label=_("person number"), min_value=1, help_text=_("The number on the person's page.")
    )
    kinds = forms.MultipleChoiceField(
        label=_("help offered"), choices=HelpKind.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("what exactly"), max_length=300, required=False)
    area = forms.CharField(
        label=_("area"),
        max_length=100,
        required=False,
        help_text=_("Where they can help: a ward, a town, or a postal code's first digits."),
    )
    availability = forms.CharField(label=_("when"), max_length=200, required=False)


class SweepForm(forms.Form):
    title = forms.CharField(
        label=_("title"), max_length=200, help_text=_("For example: epidemic check, spring.")
    )
    needs = forms.CharField(
        label=_("needs to ask about"),
        required=False,
        widget=forms.Textarea({"rows": 5}),
        help_text=_(
            "One per line: the checklist an officer ticks for a household that needs help."
        ),
    )
    retry_days = forms.IntegerField(
        label=_("try again after (days)"), min_value=1, max_value=14, initial=2
    )
