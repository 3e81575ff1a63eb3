"""The JSON API at /api/v1: django-ninja, bearer tokens, the same scoping as the pages."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy
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


def _texts(name: str, value: Any) -> Iterator[tuple[str, str]]:
    """Every string in a validated input, with the field it came in: the value itself, the
    keys and values of dicts, the items of lists, the fields of a schema (by their names)."""
    if isinstance(value, str):
        yield name, value
    elif hasattr(value, "model_dump"):
        for field, item in value.model_dump().items():
            yield from _texts(field, item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(name, key)
            yield from _texts(name, item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _texts(name, item)


def refuse_null_characters(view: Callable[..., Any]) -> Callable[..., Any]:
    """A NUL character in any path, query or body value is refused with a 422 naming the field,
    as Django's form fields refuse it: PostgreSQL cannot hold one in text, and the request would
    end in a 500 (found by tests/api/test_schema.py)."""
    # Django's own wording reads, in its Japanese catalogue, as "enter some characters".
    refuse = ProhibitNullCharactersValidator(
        message=gettext_lazy("The text holds a null character (U+0000), which cannot be stored.")
    )

    @functools.wraps(view)
    def checked(request: HttpRequest, **values: Any) -> Any:
        for name, value in values.items():
            for field, text in _texts(name, value):
                try:
                    refuse(text)
                except ValidationError as exc:
                    raise ValidationError({field: exc.messages}) from None
        return view(request, **values)

    return checked


# After validation: the inputs are parsed, and the caller authenticated, when it runs.
api.add_decorator(refuse_null_characters, mode="operation")


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
