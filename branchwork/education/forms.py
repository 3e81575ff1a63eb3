from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branchwork.people.forms import DateInput

from .models import SchoolClass, SchoolLevel
from .selectors import schools_to_choose


class EnrolForm(forms.Form):
    """Enrol a pupil: from the school's page (by the pupil's number) or from the pupil's page
    (choosing the school)."""

    person = forms.IntegerField(
        label=_("person number"), min_value=1, help_text=_("The number on the person's page.")
    )
    school: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("school"), queryset=schools_to_choose(), empty_label=None
    )
    school_year = forms.IntegerField(
        label=_("school year"),
        min_value=1900,
        max_value=2200,
        help_text=_("The year in which the school year starts (in April)."),
    )
    grade = forms.IntegerField(label=_("grade"), min_value=1, max_value=12)
    school_class: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("class"),
        queryset=SchoolClass.objects.none(),
        required=False,
        empty_label=_("no class yet"),
    )
    since = forms.DateField(label=_("since"), required=False, widget=DateInput)

    def __init__(self, *args: Any, school: Any = None, person: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if school is not None:
            del self.fields["school"]
            klass = self.fields["school_class"]
            assert isinstance(klass, forms.ModelChoiceField)
            klass.queryset = school.classes.all()
        else:
            del self.fields["school_class"]
        if person is not None:
            del self.fields["person"]


class ClassForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=40, help_text=_("For example 1-A."))
    grade = forms.IntegerField(label=_("grade"), min_value=1, max_value=12)
    school_year = forms.IntegerField(label=_("school year"), min_value=1900, max_value=2200)


class LevelForm(forms.Form):
    level = forms.ChoiceField(label=_("level"), choices=SchoolLevel.choices)
