"""Users, roles, grants on units, invitations, API tokens and the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    pass

PERMISSIONS = ("view", "edit", "sensitive", "cases", "money", "admin")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class User(AbstractUser):
    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_disabled = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; and when the password was replaced or the account is inactive, revoke the
        user's API tokens (audited), whoever did it and through whichever door: the own
        password page, a reset link, ``branchwork changepassword``, the shell.

        Django's ``set_password()`` leaves the new password in ``_password`` until the save,
        and a hash upgrade at sign-in clears it first: it marks a new password exactly, as
        Django's own ``password_changed()`` hook reads it. Sessions need nothing here: the
        password change ends them through the session hash, and an inactive user's session
        finds no user (``ModelBackend.user_can_authenticate``).
        """
        replaced = getattr(self, "_password", None) is not None or getattr(
            self, "_password_disabled", False
        )
        ends_tokens = replaced or not self.is_active
        if self._state.adding or not ends_tokens:  # a new user has no tokens yet
            super().save(*args, **kwargs)
            return
        from .services import revoke_all_api_tokens

        with transaction.atomic():
            super().save(*args, **kwargs)
            revoke_all_api_tokens(user=self, actor=None)
        self._password_disabled = False


class Role(models.Model):
    """A named set of permissions. Roles are configurable; the demo loads the usual ones."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=100)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    can_view = models.BooleanField(_("view"), default=True)
    can_edit = models.BooleanField(_("edit"), default=False)
    can_sensitive = models.BooleanField(_("sensitive data"), default=False)
    can_cases = models.BooleanField(_("cases"), default=False)
    can_money = models.BooleanField(_("money"), default=False)
    can_admin = models.BooleanField(_("administration"), default=False)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from django.utils import translation

        lang = (translation.get_language() or "ja")[:2]
        value: str = getattr(self, f"name_{lang}", "") or self.name_en
        return value

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(p for p in PERMISSIONS if getattr(self, f"can_{p}"))


class GrantQuerySet(models.QuerySet["Grant"]):
    def active(self, on: dt.date | None = None) -> GrantQuerySet:
        """Grants in force on a day: not revoked, within dates, term running, unit active."""
        day = on or timezone.localdate()
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            Q(term__isnull=True) | Q(term__end__isnull=True) | Q(term__end__gte=day),
            revoked_at__isnull=True,
            valid_from__lte=day,
            unit__status="active",
        )


class Grant(models.Model):
    """A role given to a user on a unit; it covers the unit's whole subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="grants")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="grants")
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    term = models.ForeignKey(
        "org.Term",
        verbose_name=_("officer term"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="grants_given"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="grants_revoked"
    )

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["unit__path", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="grant_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role.code}@{self.unit_id}"


class Invitation(models.Model):
    """A single-use e-mailed link that creates a user and gives it a grant."""

    email = models.EmailField(_("e-mail"))
    role = models.ForeignKey(Role, on_delete=models.PROTECT)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="invitations")
    valid_until = models.DateField(_("grant valid until"), null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations_sent")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations_accepted"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.unit_id}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; it expires and can be revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("the audit log is append-only")


class AuditEvent(models.Model):
    """One line of the append-only, hash-chained audit log.

    It records who did what to which object and which fields, never the values, so erasing a
    person keeps the chain intact. ``digest`` covers this line and the previous digest.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    unit_id_ref = models.BigIntegerField(null=True, blank=True)
    fields = models.JSONField(default=list, blank=True)
    prev_digest = models.CharField(max_length=64)
    # Not unique in the database: a keyed hash of the line and the digest before it cannot
    # repeat, and the chain walk checks every one. A unique index on 64 random characters cost
    # two random B-tree insertions per event (the second for LIKE queries nobody makes), a
    # third of the database's work in a bulk import.
    digest = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("the audit log is append-only")


class AuditHead(models.Model):
    """A single row locked while appending, so two writers never fork the chain."""

    seq = models.BigIntegerField(default=0)
    digest = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head {self.seq}"
