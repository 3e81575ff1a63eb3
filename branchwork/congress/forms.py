from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DelegateRole, PollKind


class NominateForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    person = forms.IntegerField(
        label=_("Person number"), min_value=1, help_text=_("The number on the person's page.")
    )
    role = forms.ChoiceField(label=_("Role"), choices=DelegateRole.choices)

    def __init__(self, *args: object, units: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].choices = units  # type: ignore[attr-defined]


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Badge code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class PollForm(forms.Form):
    title = forms.CharField(label=_("Question"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=PollKind.choices)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a choice: one option per line."),
    )
    min_choices = forms.IntegerField(label=_("Fewest choices"), min_value=0, initial=1)
    max_choices = forms.IntegerField(label=_("Most choices"), min_value=1, initial=1)
    secret = forms.BooleanField(label=_("Secret ballot"), required=False)
    weighted = forms.BooleanField(label=_("Weighted votes"), required=False)


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    planned_minutes = forms.IntegerField(
        label=_("Planned minutes"), min_value=1, max_value=24 * 60, initial=30
    )


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("Paper (PDF, image or text, at most 10 MB)"))


class MotionForm(forms.Form):
    unit = forms.ChoiceField(label=_("Submitted by"))
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Separate paragraphs with an empty line: amendments name a paragraph."),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: object, units: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].choices = units  # type: ignore[attr-defined]


class AmendmentForm(forms.Form):
    paragraph = forms.IntegerField(label=_("Paragraph"), min_value=1)
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("New text of the paragraph"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: object, paragraphs: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["paragraph"].help_text = _("From 1 to %(n)s.") % {"n": paragraphs}


class ElectionForm(forms.Form):
    title = forms.CharField(label=_("Post"), max_length=200)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500, initial=1)


class CandidateForm(forms.Form):
    person = forms.IntegerField(
        label=_("Person number"), min_value=1, help_text=_("The number on the person's page.")
    )


class WorkflowForm(forms.Form):
    workflow = forms.CharField(
        label=_("Workflow of motions"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One state per line: the state, a colon, then the states it may move to."),
    )
