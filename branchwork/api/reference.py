"""Reference data: the roles that can be granted and the configurable officer post types."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from branchwork.access.models import Role
from branchwork.org import services
from branchwork.org.models import PostType

from .schemas import PostTypeIn, PostTypeOut, RoleOut

router = Router(tags=["reference"])


@router.get("/roles", response=list[RoleOut])
def list_roles(request: HttpRequest) -> list[Role]:
    return list(Role.objects.order_by("code"))


@router.get("/post-types", response=list[PostTypeOut])
def list_post_types(request: HttpRequest) -> list[PostType]:
    return list(PostType.objects.order_by("order", "code"))


@router.post("/post-types", response={201: PostTypeOut})
def create_post_type(request: HttpRequest, payload: PostTypeIn) -> Status[PostType]:
    post_type = services.create_post_type(actor=request.user, **payload.dict())
    return Status(201, post_type)


__all__ = ["router"]
