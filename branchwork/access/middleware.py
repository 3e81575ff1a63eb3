"""Require a verified second factor from users whose grants carry sensitive, money or admin."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .services import needs_two_factor

OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/favicon.ico")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and not getattr(user, "is_verified", lambda: False)()
            and needs_two_factor(user)
        ):
            from django_otp import devices_for_user

            if any(True for _ in devices_for_user(user, confirmed=True)):
                return redirect("access:two-factor-verify")
            return redirect("access:two-factor-setup")
        return self.get_response(request)
