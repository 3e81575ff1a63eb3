"""Writes for delegated administration: grants, invitations and API tokens.

The rule of delegation: on a unit, an actor may grant only a role whose permissions it holds
itself there, and only if it holds ``admin`` there. Grants never reach a dissolved or merged
unit, and an invitation is checked again when it is accepted.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Term, Unit

from . import audit
from .models import ApiToken, Grant, Invitation, Role, User, hash_token
from .scoping import forget_scope, scope_for


def check_can_grant(*, actor: Any, role: Role, unit: Unit, field: str = "role") -> None:
    """Refuse a grant outside the actor's subtree or beyond its own permissions there."""
    scope = scope_for(actor)
    held = scope.permissions_on(unit)
    if "view" not in held:
        raise invalid(
            "unit",
            _("You can only grant roles on units within your own scope."),
            code="out_of_scope",
        )
    if "admin" not in held:
        raise invalid(
            "unit",
            _("You need the administration permission on this unit to grant roles."),
            code="not_admin",
        )
    missing = role.permissions - held
    if missing:
        raise invalid(
            field,
            _("You cannot grant a role with permissions you do not hold yourself."),
            code="beyond_own",
        )
    if not unit.is_active:
        raise invalid(
            "unit",
            _("Roles cannot be granted on a merged or dissolved unit."),
            code="inactive_unit",
        )


@transaction.atomic
def grant_role(
    *,
    actor: Any,
    user: User,
    role: Role,
    unit: Unit,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    term: Term | None = None,
) -> Grant:
    if actor is not None:
        check_can_grant(actor=actor, role=role, unit=unit)
    elif not unit.is_active:
        raise invalid(
            "unit",
            _("Roles cannot be granted on a merged or dissolved unit."),
            code="inactive_unit",
        )
    start = valid_from or timezone.localdate()
    if valid_until is not None and valid_until < start:
        raise invalid("valid_until", _("A grant cannot end before it starts."))
    if term is not None and term.unit_id != unit.pk:
        raise invalid("term", _("The officer term must belong to the same unit."))
    grant = Grant.objects.create(
        user=user,
        role=role,
        unit=unit,
        valid_from=start,
        valid_until=valid_until,
        term=term,
        granted_by=actor if actor is not None else None,
    )
    audit.record(
        actor=actor,
        action="grant",
        obj=grant,
        unit_id=unit.pk,
        fields=["user", "role", "unit", "valid_from", "valid_until", "term"],
    )
    forget_scope(user)
    return grant


@transaction.atomic
def revoke_grant(*, actor: Any, grant: Grant) -> Grant:
    scope = scope_for(actor)
    if not scope.has("admin", grant.unit):
        raise PermissionDeniedError("admin")
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor
        grant.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            actor=actor, action="revoke", obj=grant, unit_id=grant.unit_id, fields=["revoked_at"]
        )
    forget_scope(grant.user)
    return grant


def _invitation_url(raw: str) -> str:
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse("access:accept-invitation", args=[raw])


@transaction.atomic
def invite(
    *, actor: Any, email: str, role: Role, unit: Unit, valid_until: dt.date | None = None
) -> tuple[Invitation, str]:
    """Create an invitation and e-mail its single-use link once the transaction commits."""
    check_can_grant(actor=actor, role=role, unit=unit)
    if valid_until is not None and valid_until < timezone.localdate():
        raise invalid("valid_until", _("A grant cannot end before it starts."))
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email.strip().lower(),
        role=role,
        unit=unit,
        valid_until=valid_until,
        token_hash=hash_token(raw),
        invited_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    audit.record(
        actor=actor,
        action="invite",
        obj=invitation,
        unit_id=unit.pk,
        fields=["email", "role", "unit"],
    )
    url = _invitation_url(raw)
    unit_name = unit.name
    language = translation.get_language()

    def _send() -> None:
        with translation.override(language):
            send_mail(
                subject=_("Your invitation to Branchwork"),
                message=_(
                    "You have been invited to work in Branchwork for %(unit)s.\n\n"
                    "Open this link within %(days)d days to choose your password:\n%(url)s\n\n"
                    "The link works once. If you did not expect it, ignore this message."
                )
                % {"unit": unit_name, "days": settings.INVITATION_VALID_DAYS, "url": url},
                from_email=None,
                recipient_list=[invitation.email],
            )

    transaction.on_commit(_send)
    return invitation, raw


def find_invitation(raw: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("role", "unit", "invited_by")
        .filter(token_hash=hash_token(raw))
        .first()
    )
    if invitation is None:
        raise invalid("token", _("This invitation link is not valid."), code="unknown")
    if invitation.accepted_at is not None:
        raise invalid("token", _("This invitation link has already been used."), code="used")
    if invitation.expires_at <= timezone.now():
        raise invalid(
            "token", _("This invitation link has expired. Ask for a new one."), code="expired"
        )
    return invitation


@transaction.atomic
def accept_invitation(*, raw_token: str, username: str, password: str) -> User:
    """Use an invitation once: create the user and its grant, or refuse and write nothing."""
    found = find_invitation(raw_token)
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.accepted_at is not None:
        raise invalid("token", _("This invitation link has already been used."), code="used")
    # The inviter must still be allowed to give this role.
    check_can_grant(actor=invitation.invited_by, role=invitation.role, unit=invitation.unit)
    if User.objects.filter(username__iexact=username).exists():
        raise invalid("username", _("This user name is taken; choose another."))
    user = User(username=username, email=invitation.email)
    user.set_password(password)
    user.save()
    grant = Grant.objects.create(
        user=user,
        role=invitation.role,
        unit=invitation.unit,
        valid_from=timezone.localdate(),
        valid_until=invitation.valid_until,
        granted_by=invitation.invited_by,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        actor=user,
        action="accept",
        obj=invitation,
        unit_id=invitation.unit_id,
        fields=["accepted_at"],
    )
    audit.record(
        actor=invitation.invited_by,
        action="grant",
        obj=grant,
        unit_id=invitation.unit_id,
        fields=["user", "role", "unit"],
    )
    return user


API_TOKEN_PREFIX = "bw_"  # noqa: S105 (a prefix, not a secret)


@transaction.atomic
def create_api_token(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    if not name.strip():
        raise invalid("name", _("Give the token a name."))
    life = days if days is not None else settings.API_TOKEN_DEFAULT_DAYS
    if not 1 <= life <= 366:
        raise invalid("days", _("A token lives between 1 and 366 days."))
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=raw[:10],
        token_hash=hash_token(raw),
        expires_at=timezone.now() + dt.timedelta(days=life),
    )
    audit.record(actor=user, action="create", obj=token, fields=["name", "expires_at"])
    return token, raw


@transaction.atomic
def revoke_api_token(*, user: User, token: ApiToken) -> None:
    if token.user_id != user.pk:
        raise PermissionDeniedError("token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=user, action="revoke", obj=token, fields=["revoked_at"])


@transaction.atomic
def revoke_all_api_tokens(*, user: User, actor: Any) -> int:
    """Revoke every token of ``user`` not revoked yet, one audit event each; return how many.

    ``User.save`` calls it when the password is replaced or the account is deactivated, with
    no actor: the rule revokes them, and the event that set it off (``password_changed``,
    ``password_reset``) stands beside it with its actor."""
    now = timezone.now()
    tokens = list(ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="revoke", obj=token, fields=["revoked_at"])
    return len(tokens)


def user_for_api_token(raw: str) -> User | None:
    if not raw.startswith(API_TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    if needs_two_factor(token.user) and not _has_second_factor(token.user):
        return None  # grants that need a second factor, and none set up: no token works
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def _has_second_factor(user: Any) -> bool:
    from django_otp import devices_for_user

    return any(True for _ in devices_for_user(user, confirmed=True))


def needs_two_factor(user: Any) -> bool:
    """Whether the user's grants carry a permission that requires a verified second factor."""
    if getattr(user, "is_superuser", False):
        return True
    perms = scope_for(user).all_permissions()
    return any(p in perms for p in settings.TWO_FACTOR_PERMISSIONS)
