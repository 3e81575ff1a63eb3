"""The JSON API at /api/v1: django-ninja, bearer tokens, the same scoping as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from branchwork.access.services import user_for_api_token
from branchwork.core.errors import PermissionDeniedError

from .access import router as access_router
from .activities import router as activities_router
from .care import router as care_router
from .congress import router as congress_router
from .education import router as education_router
from .exports import router as exports_router
from .health import router as health_router
from .imports import router as imports_router
from .money import router as money_router
from .news import router as news_router
from .org import router as org_router
from .people import router as people_router
from .reference import router as reference_router


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_api_token(token)
        if user is None:
            return None
        request.user = user
        return user


api = NinjaAPI(
    title="Branchwork API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url=None,
)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = []
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            for message in messages:
                detail.append({"loc": ["body", field], "msg": message, "type": "value_error"})
    else:
        detail = [{"loc": ["body"], "msg": m, "type": "value_error"} for m in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDeniedError)
def on_permission_denied(request: HttpRequest, exc: PermissionDeniedError) -> HttpResponse:
    from django.utils.translation import gettext as _

    return api.create_response(
        request, {"detail": _("You do not have the permission for this.")}, status=403
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    from django.utils.translation import gettext as _

    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    from django.utils.translation import gettext as _

    return api.create_response(request, {"detail": _("A valid API token is required.")}, status=401)


api.add_router("/", org_router)
api.add_router("/", access_router)
api.add_router("/", reference_router)
api.add_router("/", people_router)
api.add_router("/", exports_router)
api.add_router("/", imports_router)
api.add_router("/", activities_router)
api.add_router("/", news_router)
api.add_router("/", care_router)
api.add_router("/", education_router)
api.add_router("/", congress_router)
api.add_router("/", money_router)
api.add_router("/", health_router)
