"""Require a verified second factor from users whose grants carry sensitive, money or admin;
slide a signed-in session's expiry without writing it on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .services import needs_two_factor

OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/favicon.ico")
# Under /accounts/, what reaches beyond the sign-in itself needs the second factor too: an API
# token made with the password alone would carry the user's grants past the second factor.
GUARDED_PREFIXES = ("/accounts/tokens/",)


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and (
                not request.path.startswith(OPEN_PREFIXES)
                or request.path.startswith(GUARDED_PREFIXES)
            )
            and not getattr(user, "is_verified", lambda: False)()
            and needs_two_factor(user)
        ):
            from django_otp import devices_for_user

            if any(True for _ in devices_for_user(user, confirmed=True)):
                return redirect("access:two-factor-verify")
            return redirect("access:two-factor-setup")
        return self.get_response(request)


class SlidingSessionMiddleware:
    """Keep a signed-in session alive while it is used, writing it at most every few minutes.

    Saving the session on every request (``SESSION_SAVE_EVERY_REQUEST``) slides the expiry
    too, but costs a database write per page, which on SQLite waits behind any other writer.
    Here the session is marked changed only when its last refresh is older than
    ``SESSION_REFRESH_SECONDS``, so the expiry slides to within that many seconds of the last
    request and a page that writes nothing else reads only.
    """

    KEY = "_refreshed"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and "_auth_user_id" in session:
            now = int(time.time())
            every = int(getattr(settings, "SESSION_REFRESH_SECONDS", 300))
            if now - int(session.get(self.KEY, 0)) >= every:
                session[self.KEY] = now
        return response
