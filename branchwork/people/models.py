"""People. The foundation keeps only the name forms; the registry extends this model in place."""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Person(models.Model):
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="people"
    )
    family_name_hangul = models.CharField(_("family name (hangul)"), max_length=60, blank=True)
    given_name_hangul = models.CharField(_("given name (hangul)"), max_length=60, blank=True)
    family_name_kanji = models.CharField(_("family name (kanji/hanja)"), max_length=60, blank=True)
    given_name_kanji = models.CharField(_("given name (kanji/hanja)"), max_length=60, blank=True)
    family_name_kana = models.CharField(_("family name (kana reading)"), max_length=60, blank=True)
    given_name_kana = models.CharField(_("given name (kana reading)"), max_length=60, blank=True)
    everyday_family_name = models.CharField(_("everyday family name"), max_length=60, blank=True)
    everyday_given_name = models.CharField(_("everyday given name"), max_length=60, blank=True)
    family_name_latin = models.CharField(_("family name (romanised)"), max_length=60, blank=True)
    given_name_latin = models.CharField(_("given name (romanised)"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["family_name_kana", "given_name_kana", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the script the reader's language expects, falling back in order."""
        lang = (translation.get_language() or "ja")[:2]
        order = {
            "ko": ("hangul", "kanji", "everyday", "latin"),
            "ja": ("kanji", "everyday", "hangul", "latin"),
            "en": ("latin", "hangul", "kanji", "everyday"),
        }.get(lang, ("kanji", "hangul", "latin"))
        for script in order:
            if script == "everyday":
                family, given = self.everyday_family_name, self.everyday_given_name
            else:
                family = getattr(self, f"family_name_{script}")
                given = getattr(self, f"given_name_{script}")
            if family or given:
                sep = "" if script == "hangul" else " "
                return f"{family}{sep}{given}".strip()
        return f"#{self.pk}"
