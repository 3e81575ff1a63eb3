"""Grants and invitations over the API: delegated administration within one's own subtree."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.access import services
from branchwork.access.models import Grant, Role, User
from branchwork.access.scoping import scope_for
from branchwork.core.errors import invalid
from branchwork.org import selectors
from branchwork.org.models import Term

from .schemas import GrantIn, GrantOut, InvitationIn, InvitationOut

router = Router(tags=["grants"])


def _role(code: str) -> Role:
    role = Role.objects.filter(code=code).first()
    if role is None:
        raise invalid("role", _("Unknown role."))
    return role


def _unit_or_422(user: object, code: str):  # type: ignore[no-untyped-def]
    try:
        return selectors.get_unit_for(user, code)
    except Http404:
        raise invalid(
            "unit",
            _("You can only grant roles on units within your own scope."),
            code="out_of_scope",
        ) from None


@router.get("/grants", response=list[GrantOut])
@paginate(LimitOffsetPagination)
def list_grants(request: HttpRequest, unit: str | None = None):  # type: ignore[no-untyped-def]
    qs = scope_for(request.user).filter(Grant.objects.active(), "admin", path_field="unit__path")
    if unit:
        qs = qs.filter(unit__path__startswith=selectors.get_unit_for(request.user, unit).path)
    return qs.select_related("user", "role", "unit").order_by("unit__path", "id")


@router.post("/grants", response={201: GrantOut})
def create_grant(request: HttpRequest, payload: GrantIn) -> Status[Grant]:
    unit = _unit_or_422(request.user, payload.unit)
    role = _role(payload.role)
    grantee = User.objects.filter(username=payload.username, is_active=True).first()
    if grantee is None:
        raise invalid("username", _("No active user has this user name."))
    term = None
    if payload.term_id is not None:
        term = Term.objects.filter(pk=payload.term_id, unit=unit).first()
        if term is None:
            raise invalid("term_id", _("The officer term must belong to the same unit."))
    grant = services.grant_role(
        actor=request.user,
        user=grantee,
        role=role,
        unit=unit,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        term=term,
    )
    return Status(201, grant)


@router.post("/grants/{grant_id}/revoke", response=GrantOut)
def revoke_grant(request: HttpRequest, grant_id: int) -> Grant:
    grant = (
        scope_for(request.user)
        .filter(Grant.objects.all(), "admin", path_field="unit__path")
        .select_related("user", "role", "unit")
        .filter(pk=grant_id)
        .first()
    )
    if grant is None:
        raise Http404
    services.revoke_grant(actor=request.user, grant=grant)
    return grant


@router.post("/invitations", response={201: InvitationOut}, tags=["grants"])
def create_invitation(request: HttpRequest, payload: InvitationIn) -> Status[dict[str, object]]:
    from django.core.validators import validate_email

    try:
        validate_email(payload.email)
    except Exception:
        raise invalid("email", _("Enter a valid e-mail address.")) from None
    unit = _unit_or_422(request.user, payload.unit)
    invitation, _raw = services.invite(
        actor=request.user,
        email=payload.email,
        role=_role(payload.role),
        unit=unit,
        valid_until=payload.valid_until,
    )
    return Status(
        201,
        {
            "id": invitation.pk,
            "email": invitation.email,
            "role": invitation.role.code,
            "unit": unit.code,
            "expires_at": invitation.expires_at,
        },
    )
