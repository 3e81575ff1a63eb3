"""The unit tree: units with a materialised path, territories, officer posts and terms."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models.query import QuerySet

PATH_STEP = 7  # one path segment: the unit's id in base 36, zero-padded ("000004k.")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def path_segment(pk: int) -> str:
    out = ""
    n = pk
    while n:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
    return out.rjust(PATH_STEP - 1, "0") + "."


class UnitKind(models.TextChoices):
    FEDERATION = "federation", _("Federation")
    REGION = "region", _("Regional headquarters")
    BRANCH = "branch", _("Branch")
    GROUP = "group", _("Group")
    WOMENS_UNION = "womens_union", _("Women's union")
    YOUTH_LEAGUE = "youth_league", _("Youth league")
    BUSINESS_ASSOCIATION = "business_association", _("Business association")
    SCHOOL = "school", _("School")


# Which kinds may sit under which. Affiliated bodies and schools attach where they work.
ALLOWED_PARENTS: dict[str, tuple[str, ...]] = {
    UnitKind.FEDERATION: (),
    UnitKind.REGION: (UnitKind.FEDERATION,),
    UnitKind.BRANCH: (UnitKind.REGION,),
    UnitKind.GROUP: (UnitKind.BRANCH,),
    UnitKind.WOMENS_UNION: (UnitKind.FEDERATION, UnitKind.REGION, UnitKind.BRANCH),
    UnitKind.YOUTH_LEAGUE: (UnitKind.FEDERATION, UnitKind.REGION, UnitKind.BRANCH),
    UnitKind.BUSINESS_ASSOCIATION: (UnitKind.FEDERATION, UnitKind.REGION, UnitKind.BRANCH),
    UnitKind.SCHOOL: (UnitKind.FEDERATION, UnitKind.REGION, UnitKind.BRANCH),
}


class UnitStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged")
    DISSOLVED = "dissolved", _("Dissolved")


class LocalisedNameMixin(models.Model):
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        lang = (translation.get_language() or "ja")[:2]
        value: str = getattr(self, f"name_{lang}", "") or self.name_ja or self.name_en
        return value


class ReferenceList(LocalisedNameMixin):
    """An entry of a list the federation's administrators keep (kinds of event, case
    categories …): a code, its names in three languages, its place in the list, and whether
    it is still offered. Seeded with the usual entries; retired entries stay for old rows."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.code


def install_list(model: Any, rows: Any) -> None:
    """Add the seeded entries ``(code, ko, ja, en)`` that are missing (the model may be a
    migration's historical one); existing entries keep their names, order and state."""
    for order, (code, ko, ja, en) in enumerate(rows):
        model.objects.get_or_create(
            code=code, defaults={"name_ko": ko, "name_ja": ja, "name_en": en, "order": order}
        )


class Unit(LocalisedNameMixin):
    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path: the ancestors' segments then this unit's own. Everything under a unit
    # is one indexed prefix query (PostgreSQL gets a varchar_pattern_ops index from db_index).
    path = models.CharField(max_length=255, unique=True, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=UnitStatus.choices, default=UnitStatus.ACTIVE
    )
    status_date = models.DateField(_("status date"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_units",
    )
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    public_phone = models.CharField(_("public phone"), max_length=30, blank=True)
    public_email = models.EmailField(_("public e-mail"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active") | Q(status_date__isnull=False),
                name="unit_inactive_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="unit_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_active(self) -> bool:
        return self.status == UnitStatus.ACTIVE

    def ancestor_paths(self) -> list[str]:
        return [self.path[: i * PATH_STEP] for i in range(1, self.depth + 1)]

    def ancestors(self) -> QuerySet[Unit]:
        return Unit.objects.filter(path__in=self.ancestor_paths()).order_by("depth")

    def subtree(self) -> QuerySet[Unit]:
        return Unit.objects.filter(path__startswith=self.path)


class TerritoryKind(models.TextChoices):
    POSTAL_PREFIX = "postal", _("Postal-code prefix")
    MUNICIPALITY = "municipality", _("Municipality code")


class TerritoryArea(models.Model):
    """A postal-code prefix or a municipality code that belongs to one unit.

    Exact duplicates are refused (a territory claimed by two units); overlapping prefixes are
    allowed and the longest one wins, so a branch can hand one district to another.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="territory")
    kind = models.CharField(_("kind"), max_length=20, choices=TerritoryKind.choices)
    value = models.CharField(_("value"), max_length=8)
    label = models.CharField(_("label"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("territory area")
        verbose_name_plural = _("territory areas")
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="territory_claimed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class PostType(LocalisedNameMixin):
    """A kind of officer post (chair, treasurer, …): configurable per federation."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("post type")
        verbose_name_plural = _("post types")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """A post a unit has, with how many people may hold it at once."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="posts")
    post_type = models.ForeignKey(PostType, on_delete=models.PROTECT, related_name="posts")
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["post_type__order"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "post_type"], name="post_once_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.post_type}"


class TermQuerySet(models.QuerySet["Term"]):
    def current(self, on: dt.date | None = None) -> TermQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(end__isnull=True) | Q(end__gte=day), start__lte=day)


class Term(models.Model):
    """A person holding a post for a period. ``origin_unit`` never changes, even on a merger."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="terms")
    origin_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="original_terms", editable=False
    )
    post_type = models.ForeignKey(PostType, on_delete=models.PROTECT, related_name="terms")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="terms")
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["post_type__order", "-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="term_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["unit", "end"])]

    def __str__(self) -> str:
        return f"{self.post_type} {self.start}–{self.end or ''}"

    def is_current(self, on: dt.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.start <= day and (self.end is None or self.end >= day)
