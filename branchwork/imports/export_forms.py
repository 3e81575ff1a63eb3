"""The export page's form: its shape depends on what is exported (columns, formats, label
sheet); the service ``exports.start_export`` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from branchwork.people.models import MembershipStatus, ProvisionBasis

from .export_columns import KINDS, columns_for
from .exports import EXPORT_BASES, label_layouts
from .models import ExportFormat, ExportKind

# The service's own words, so the page says why (its form checks first).
RECIPIENT_MISSING = _("Name who receives the data: every export of people's data is recorded.")
PURPOSE_MISSING = _("Say what the data is for: every export of people's data is recorded.")


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to export"), choices=ExportKind.choices)
    members = forms.ChoiceField(
        label=_("Who"),
        required=False,
        choices=[("", _("Everyone in the selection")), *MembershipStatus.choices],
    )
    columns = forms.MultipleChoiceField(
        label=_("Columns"), required=False, widget=forms.CheckboxSelectMultiple
    )
    file_format = forms.ChoiceField(label=_("File format"))
    layout = forms.ChoiceField(label=_("Label sheet"), required=False)
    language = forms.ChoiceField(label=_("Language of the file"), choices=settings.LANGUAGES)
    recipient = forms.CharField(
        label=_("recipient"),
        max_length=200,
        required=False,
        help_text=_("Who receives the file: a person, a unit or an outside body."),
    )
    purpose = forms.CharField(
        label=_("purpose"),
        max_length=300,
        required=False,
        help_text=_("What the data will be used for."),
    )
    basis = forms.ChoiceField(
        label=_("basis"),
        choices=[(b.value, b.label) for b in EXPORT_BASES],
        initial=ProvisionBasis.OTHER,
    )
    unit = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)
    q = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, user: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spec = KINDS[kind]
        self.spec = spec
        catalogue = columns_for(kind, user)
        columns = self.fields["columns"]
        columns.choices = [(c.name, c.label) for c in catalogue]  # type: ignore[attr-defined]
        columns.initial = [c.name for c in catalogue if c.default]
        formats = [(f, ExportFormat(f).label) for f in spec.formats]
        self.fields["file_format"].choices = formats  # type: ignore[attr-defined]
        self.fields["file_format"].initial = formats[0][0]
        if kind == ExportKind.LABELS:
            from . import paper

            layouts = label_layouts()
            self.fields["layout"].choices = [  # type: ignore[attr-defined]
                (k, paper.LABEL_LAYOUTS[k].name) for k in layouts
            ]
            self.fields["layout"].initial = layouts[0] if layouts else ""
        else:
            del self.fields["layout"]
        if not spec.columns:
            del self.fields["columns"]
        if not spec.people_data:
            del self.fields["basis"]
            self.fields["recipient"].help_text = ""
        else:
            for name, message in (("recipient", RECIPIENT_MISSING), ("purpose", PURPOSE_MISSING)):
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = message
