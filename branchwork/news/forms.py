from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from branchwork.activities.forms import DateTimeInput
from branchwork.org.models import Unit

from .models import BulletinAudience, MembershipFilter
from .services import TEXT_MAX


class BulletinForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("for"),
        choices=BulletinAudience.choices,
        help_text=_(
            "Public news appears on the unit's public news page and feed; news for members or "
            "officers only to the association's users of the units concerned."
        ),
    )
    title_ja = forms.CharField(label=_("title (Japanese)"), max_length=200, required=False)
    description_ja = forms.CharField(
        label=_("text (Japanese)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea({"rows": 6}),
    )
    title_ko = forms.CharField(label=_("title (Korean)"), max_length=200, required=False)
    description_ko = forms.CharField(
        label=_("text (Korean)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea({"rows": 6}),
    )
    title_en = forms.CharField(label=_("title (English)"), max_length=200, required=False)
    description_en = forms.CharField(
        label=_("text (English)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea({"rows": 6}),
    )
    published_at = forms.DateTimeField(
        label=_("publish at"),
        required=False,
        widget=DateTimeInput,
        help_text=_("Leave empty to publish now."),
    )


class NewsletterForm(forms.Form):
    title_ja = forms.CharField(label=_("subject (Japanese)"), max_length=200, required=False)
    description_ja = forms.CharField(
        label=_("text (Japanese)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea({"rows": 8}),
    )
    title_ko = forms.CharField(label=_("subject (Korean)"), max_length=200, required=False)
    description_ko = forms.CharField(
        label=_("text (Korean)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea({"rows": 8}),
    )
    title_en = forms.CharField(label=_("subject (English)"), max_length=200, required=False)
    description_en = forms.CharField(
        label=_("text (English)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea({"rows": 8}),
    )
    membership = forms.ChoiceField(label=_("membership"), choices=MembershipFilter.choices)
    age_min = forms.IntegerField(label=_("aged from"), required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label=_("aged up to"), required=False, min_value=0, max_value=120)
    min_level = forms.TypedChoiceField(
        label=_("taking part at least at"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=(),
        help_text=_("A step of the participation ladder over the last twelve months."),
    )
    affiliate = forms.ModelChoiceField(
        label=_("members of the affiliated body"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("any"),
    )

    def __init__(self, *args: Any, affiliates: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from branchwork.activities.ladder import LEVELS

        level = self.fields["min_level"]
        assert isinstance(level, forms.TypedChoiceField)
        level.choices = [("", _("any"))] + [(str(v), n) for v, n in LEVELS if v]
        affiliate = self.fields["affiliate"]
        assert isinstance(affiliate, forms.ModelChoiceField)
        affiliate.queryset = affiliates
