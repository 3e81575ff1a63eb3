from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from branchwork.activities.forms import DateTimeInput

from .models import BulletinAudience
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
