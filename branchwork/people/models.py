"""People. The foundation keeps only the name forms; the registry extends this model in place."""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Full date")
    MONTH = "month", _("Year and month")
    YEAR = "year", _("Year only")


class Generation(models.IntegerChoices):
    FIRST = 1, _("1st generation")
    SECOND = 2, _("2nd generation")
    THIRD = 3, _("3rd generation")
    FOURTH = 4, _("4th generation or later")


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
    everyday_family_name_kana = models.CharField(
        _("everyday family name (reading)"), max_length=60, blank=True
    )
    everyday_given_name_kana = models.CharField(
        _("everyday given name (reading)"), max_length=60, blank=True
    )
    family_name_latin = models.CharField(_("family name (romanised)"), max_length=60, blank=True)
    given_name_latin = models.CharField(_("given name (romanised)"), max_length=60, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    # A birth date known only to the month or the year is stored as its first day, with the
    # precision beside it, so sorting and age arithmetic still work.
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_precision = models.CharField(
        _("birth date precision"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    generation = models.PositiveSmallIntegerField(
        _("generation in the country"), choices=Generation.choices, null=True, blank=True
    )
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    family_business = models.CharField(_("family business"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)  # E.164
    mobile = models.CharField(_("mobile phone"), max_length=20, blank=True)  # E.164
    email = models.EmailField(_("e-mail"), blank=True)
    postal_code = models.CharField(_("postal code"), max_length=7, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    deceased_date = models.DateField(_("date of death"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Derived from the name forms by people.search (" 김 김민수 민수 …") and written with the
    # search keys: a search checks each person it considers against their own row.
    search_text = models.TextField(default="", blank=True, editable=False)
    # Erased at the person's request or by a retention rule: the row stays (counts, relations'
    # other ends), every personal field is blank.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)  # optimistic locking
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["family_name_kana", "given_name_kana", "id"]
        indexes = [
            # The people list's order: its first page is read off the index, not sorted.
            models.Index(fields=["family_name_kana", "given_name_kana", "id"], name="person_order"),
            models.Index(fields=["phone"]),
            models.Index(fields=["mobile"]),
            models.Index(fields=["email"]),
        ]

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
        if self.erased_at is not None:
            return str(_("Erased person #%(number)s") % {"number": self.pk})
        return f"#{self.pk}"


class PersonSensitive(models.Model):
    """The most sensitive fields, apart: shown and edited only with the sensitive permission,
    every read audited. Kept in their own table so no generic query or form reaches them."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="sensitive"
    )
    nationality = models.CharField(_("nationality"), max_length=60, blank=True)
    residency_status = models.CharField(_("residency status"), max_length=100, blank=True)
    health_notes = models.TextField(_("health notes"), blank=True)

    class Meta:
        verbose_name = _("sensitive data")
        verbose_name_plural = _("sensitive data")

    def __str__(self) -> str:
        return f"sensitive data of #{self.person_id}"


class PersonSearchKey(models.Model):
    """The CJK-aware search index (see ``people.search``): a key per normalised name token
    ("t:김민수", "t:きむ", "t:kim"), whose ranges find every token starting with a search word,
    plus phone and e-mail keys. A plain indexed table, so it works the same on SQLite and
    PostgreSQL."""

    # A derived index, keyed by (person, key): rows are written person by person, so the primary
    # key grows at its end during bulk loads; the (key, person) lookup index is declared in Meta,
    # by name, so loads drop it and build it once. No database-level foreign key: rows go with
    # their person through the ORM's cascade, and a load does not pay a check per key.
    pk = models.CompositePrimaryKey("person", "key")
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="search_keys",
        db_index=False,
        db_constraint=False,
    )
    key = models.CharField(max_length=80)

    class Meta:
        indexes = [models.Index(fields=["key", "person"], name="search_key_lookup")]

    def __str__(self) -> str:
        return self.key


class RelationKind(models.TextChoices):
    PARENT = "parent", _("parent")
    SPOUSE = "spouse", _("spouse")
    SIBLING = "sibling", _("sibling")
    GUARDIAN = "guardian", _("guardian")


# How a relationship reads from the other side: A is parent of B ⇔ B is child of A.
INVERSE_LABELS = {
    RelationKind.PARENT: _("child"),
    RelationKind.SPOUSE: _("spouse"),
    RelationKind.SIBLING: _("sibling"),
    RelationKind.GUARDIAN: _("ward"),
}


class Relationship(models.Model):
    """``person`` is the ``kind`` of ``relative`` (e.g. the parent of). Stored once, shown both
    ways."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relatives_of")
    kind = models.CharField(_("relationship"), max_length=20, choices=RelationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "relative", "kind"], name="relationship_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("relative")), name="relationship_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.relative_id}"


class MembershipStatus(models.TextChoices):
    MEMBER = "member", _("Member")
    SUPPORTER = "supporter", _("Supporter")
    FORMER = "former", _("Former member")


class Membership(models.Model):
    """Membership of the association (its federation unit) or of an affiliated body."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    body = models.ForeignKey(
        "org.Unit",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    status = models.CharField(_("status"), max_length=20, choices=MembershipStatus.choices)
    joined = models.DateField(_("joined"), null=True, blank=True)
    left = models.DateField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-joined"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left__isnull=True)
                | models.Q(joined__isnull=True)
                | models.Q(left__gte=models.F("joined")),
                name="membership_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.status} {self.body_id}"


class Household(models.Model):
    """People living at one address. Its unit comes from the territories by postal code, unless
    an officer placed it by hand (``unit_override``), which moving house then respects."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="households"
    )
    unit_override = models.BooleanField(_("placed by hand"), default=False)
    postal_code = models.CharField(_("postal code"), max_length=7, blank=True)
    address = models.CharField(_("address"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"household #{self.pk}"


class HouseholdRelation(models.TextChoices):
    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    PARENT = "parent", _("parent")
    SIBLING = "sibling", _("sibling")
    GRANDCHILD = "grandchild", _("grandchild")
    OTHER = "other", _("other")


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="household_links")
    relation = models.CharField(
        _("relation to the household"), max_length=20, choices=HouseholdRelation.choices
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(until__isnull=True),
                name="one_current_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.household_id}"


class HouseholdMove(models.Model):
    """History: where a household lived before a move, and which unit it belonged to."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="moves")
    moved_on = models.DateField(_("moved on"))
    from_postal_code = models.CharField(max_length=7, blank=True)
    from_address = models.CharField(max_length=300, blank=True)
    from_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-moved_on", "-id"]

    def __str__(self) -> str:
        return f"move of {self.household_id} on {self.moved_on}"


class ConsentKind(models.TextChoices):
    CONTACT = "contact", _("may be contacted")
    PHOTOS = "photos", _("may appear in photos")
    NEWSLETTER = "newsletter", _("may receive newsletters")
    SHARE = "share", _("may be shared with a named partner")


class Consent(models.Model):
    """A consent, with where and when it was given; withdrawing keeps the record."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent"), max_length=20, choices=ConsentKind.choices)
    partner = models.CharField(_("partner organisation"), max_length=200, blank=True)
    given_on = models.DateField(_("given on"))
    source = models.CharField(_("where it was given"), max_length=200)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["withdrawn_on", "-given_on"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_on is None


class PersonMerge(models.Model):
    """A person merged into another: the old number leads to the one kept."""

    merged_id = models.PositiveIntegerField(unique=True)
    into = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merged_from")
    merged_at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        "access.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.into_id}"


class RetentionKind(models.TextChoices):
    FORMER_MEMBER = "former_member", _("former members, counted from when they left")
    NON_MEMBER = "non_member", _("residents who were never members, counted from the last change")
    DECEASED = "deceased", _("deceased people, counted from the date of death")


class RetentionRule(models.Model):
    """How long a kind of record is kept. The purge lists what a rule would erase before it does;
    erasing keeps the row (and so the counts) and removes the personal data."""

    kind = models.CharField(
        _("kind of record"), max_length=20, choices=RetentionKind.choices, unique=True
    )
    years = models.PositiveSmallIntegerField(_("kept for (years)"))
    active = models.BooleanField(_("in force"), default=True)
    note = models.CharField(_("reason"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(condition=models.Q(years__gte=1), name="retention_years_min"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.years}"


class ProvisionKind(models.TextChoices):
    EXPORT = "export", _("export")
    REFERRAL = "referral", _("referral")
    OTHER = "other", _("other")


class ProvisionBasis(models.TextChoices):
    CONSENT = "consent", _("the person's consent")
    LAW = "law", _("required by law")
    VITAL = "vital", _("to protect life, body or property")
    OTHER = "other", _("other")


class Provision(models.Model):
    """A provision of personal data to a third party: who received what, when, on what basis.
    Kept for every export or referral, as Japan's personal-information law expects."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="provisions"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ProvisionKind.choices)
    recipient = models.CharField(_("recipient"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=300)
    items = models.JSONField(_("data provided"), default=list)
    basis = models.CharField(_("basis"), max_length=20, choices=ProvisionBasis.choices)
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.SET_NULL, related_name="provisions"
    )
    provided_on = models.DateField(_("provided on"))
    by = models.ForeignKey(
        "access.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("provision to a third party")
        verbose_name_plural = _("provisions to third parties")
        ordering = ["-provided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.recipient}"
