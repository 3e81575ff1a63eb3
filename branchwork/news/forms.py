from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from branchwork.activities.forms import DateTimeInput
from branchwork.org.models import Unit

from .models import BulletinAudience, MembershipFilter
from .services import TEXT_MAX

LANGUAGES = (
    ("ja", _("title (Japanese)"), _("subject (Japanese)"), _("text (Japanese)")),
    ("ko", _("title (Korean)"), _("subject (Korean)"), _("text (Korean)")),
    ("en", _("title (English)"), _("subject (English)"), _("text (English)")),
)


class LocalisedTextForm(forms.Form):
    """A title (or a newsletter's subject) and a text in each of the three languages, the
    language at a time."""

    heading = "title"  # or "subject"
    texts_after = ""  # the field the texts follow (first when empty)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        texts: dict[str, forms.Field] = {}
        for lang, title, subject, text in LANGUAGES:
            texts[f"title_{lang}"] = forms.CharField(
                label=subject if self.heading == "subject" else title,
                max_length=200,
                required=False,
            )
            texts[f"description_{lang}"] = forms.CharField(
                label=text,
                max_length=TEXT_MAX,
                required=False,
                widget=forms.Textarea({"rows": 6}),
            )
        fields = list(self.fields.items())
        at = next((i for i, (name, _f) in enumerate(fields) if name == self.texts_after), -1)
        self.fields = dict(fields[: at + 1] + list(texts.items()) + fields[at + 1 :])


class BulletinForm(LocalisedTextForm):
    texts_after = "audience"

    audience = forms.ChoiceField(
        label=_("for"),
        choices=BulletinAudience.choices,
        help_text=_(
            "Public news appears on the unit's public news page and feed; news for members or "
            "officers only to the association's users of the units concerned."
        ),
    )
    published_at = forms.DateTimeField(
        label=_("publish at"),
        required=False,
        widget=DateTimeInput,
        help_text=_("Leave empty to publish now."),
    )


class NewsletterForm(LocalisedTextForm):
    heading = "subject"

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
