"""Require a verified second factor from users whose grants carry sensitive, money or admin;
slide a signed-in session's expiry without writing it on every request; end a sign-in once it
is older than ``SESSION_ABSOLUTE_AGE``, however often it is used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _

from .services import needs_two_factor

SIGNED_IN_AT = "_signed_in_at"  # session key: when the sign-in began (seconds since the epoch)


def _now() -> int:
    return int(timezone.now().timestamp())


def stamp_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On ``user_logged_in``: the sign-in's absolute lifetime starts now."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SIGNED_IN_AT] = _now()


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

    What slides: a sign-in, and a congress phone's binding to its delegate
    (``SESSION_DEVICE_KEYS``), which otherwise would end ``SESSION_COOKIE_AGE`` after the pass
    was scanned, in the middle of a long congress day.
    """

    KEY = "_refreshed"

    @staticmethod
    def slides(session: Any) -> bool:
        return "_auth_user_id" in session or any(
            key in session for key in settings.SESSION_DEVICE_KEYS
        )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and self.slides(session):
            now = _now()
            every = int(getattr(settings, "SESSION_REFRESH_SECONDS", 300))
            if now - int(session.get(self.KEY, 0)) >= every:
                session[self.KEY] = now
        return response


class SessionLifetimeMiddleware:
    """Sign the user out once their sign-in is older than ``SESSION_ABSOLUTE_AGE``.

    The sign-in time is written at sign-in (``stamp_sign_in``); a session from before this
    rule gets it on its next request. Signing out flushes the session, but the keys that belong
    to the device (``SESSION_DEVICE_KEYS``: a congress phone's binding) are put back. The
    request then goes on as anyone's would: a page that needs a sign-in sends to the sign-in
    page (and back), while a delegate's phone still votes and a public page still shows.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and "_auth_user_id" in session:
            began = session.get(SIGNED_IN_AT)
            if not isinstance(began, int):
                session[SIGNED_IN_AT] = _now()
            elif _now() - began >= settings.SESSION_ABSOLUTE_AGE:
                self.sign_out(request)
                if request.headers.get("HX-Request") == "true":
                    # A fragment's request: the whole page goes to the sign-in.
                    from django_htmx.http import HttpResponseClientRedirect

                    return HttpResponseClientRedirect(resolve_url(settings.LOGIN_URL))
        return self.get_response(request)

    @staticmethod
    def sign_out(request: HttpRequest) -> None:
        kept = {k: request.session[k] for k in settings.SESSION_DEVICE_KEYS if k in request.session}
        logout(request)  # audited as a sign-out (access.apps)
        for key, value in kept.items():
            request.session[key] = value
        messages.info(
            request,
            _("You were signed in for a long time, so you were signed out. Please sign in again."),
        )
