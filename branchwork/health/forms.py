from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branchwork.people.forms import DateInput

from .metrics import METRICS

GOAL_SLOTS = 3


class PlanForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    review_on = forms.DateField(label=_("review on"), widget=DateInput)
    helpers: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("helpers"),
        queryset=None,  # set below: users of the units above
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Officers of the units above who will help."),
    )

    def __init__(self, *args: Any, helpers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["helpers"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = helpers
        choices = [("", "—"), *[(m.code, m.label) for m in METRICS]]
        for n in range(1, GOAL_SLOTS + 1):
            self.fields[f"goal_{n}_metric"] = forms.ChoiceField(
                label=_("goal %(n)s: metric") % {"n": n}, choices=choices, required=n == 1
            )
            self.fields[f"goal_{n}_target"] = forms.FloatField(
                label=_("goal %(n)s: target (a share in per cent)") % {"n": n}, required=n == 1
            )
            self.fields[f"goal_{n}_deadline"] = forms.DateField(
                label=_("goal %(n)s: deadline") % {"n": n}, required=n == 1, widget=DateInput
            )

    def goals(self) -> list[tuple[str, Any, Any]]:
        data = self.cleaned_data
        return [
            (data[f"goal_{n}_metric"], data[f"goal_{n}_target"], data[f"goal_{n}_deadline"])
            for n in range(1, GOAL_SLOTS + 1)
            if data.get(f"goal_{n}_metric")
            and data.get(f"goal_{n}_target") is not None
            and data.get(f"goal_{n}_deadline")
        ]


class VisitForm(forms.Form):
    on = forms.DateField(label=_("date"), widget=DateInput, required=False)
    note = forms.CharField(
        label=_("note"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtendForm(forms.Form):
    review_on = forms.DateField(label=_("new review date"), widget=DateInput)
    reason = forms.CharField(label=_("reason"), max_length=500)


class WeightsForm(forms.Form):
    """One weight (0–10) per indicator of the score, and why they change."""

    note = forms.CharField(label=_("why the weights change"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .scoring import INDICATORS

        super().__init__(*args, **kwargs)
        for indicator in INDICATORS:
            self.fields[indicator.code] = forms.FloatField(
                label=str(indicator.label), min_value=0, max_value=10
            )
        self.order_fields([i.code for i in INDICATORS] + ["note"])
