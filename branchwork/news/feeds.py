"""The Atom feed of a unit's public news (its subtree's included)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from branchwork.org.models import Unit

from . import selectors
from .models import Bulletin

LANGS = ("ko", "ja", "en")


class UnitNewsFeed(Feed[Bulletin, Unit]):
    feed_type = Atom1Feed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        lang = request.GET.get("lang", "")
        with translation.override(lang if lang in LANGS else translation.get_language()):
            response = super().__call__(request, *args, **kwargs)
            response["Cache-Control"] = "public, max-age=300"
            return response

    def get_object(self, request: HttpRequest, code: str) -> Unit:
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise Http404
        return unit

    def title(self, obj: Unit) -> str:
        return _("News of %(unit)s") % {"unit": obj.name}

    def subtitle(self, obj: Unit) -> str:
        return _("Public news of %(unit)s and its units") % {"unit": obj.name}

    def link(self, obj: Unit) -> str:
        return reverse("news:public-news", args=[obj.code])

    def items(self, obj: Unit) -> QuerySet[Bulletin]:
        return selectors.public_bulletins().filter(unit__path__startswith=obj.path)[
            : selectors.FEED_ITEMS
        ]

    def item_title(self, item: Bulletin) -> str:
        return item.title

    def item_description(self, item: Bulletin) -> str:
        return item.description

    def item_link(self, item: Bulletin) -> str:
        return reverse("news:public-bulletin", args=[item.unit.code, item.pk])

    def item_pubdate(self, item: Bulletin) -> dt.datetime:
        return item.published_at

    def item_updateddate(self, item: Bulletin) -> dt.datetime:
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item: Bulletin) -> str:
        return item.unit.name

    def item_categories(self, item: Bulletin) -> list[str]:
        return [item.unit.code]
