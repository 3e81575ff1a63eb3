from typing import Any

from django.apps import AppConfig


def _record_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .audit import record

    record(actor=user, action="sign_in", object_type="access.user", object_id=user.pk)


def _record_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .audit import record

    if user is not None:
        record(actor=user, action="sign_out", object_type="access.user", object_id=user.pk)


class Config(AppConfig):
    name = "branchwork.access"
    label = "access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from . import client  # noqa: F401 (registers the check of TRUSTED_PROXIES)
        from .middleware import stamp_sign_in

        # Django's own sign-in hooks: the audit log records who signed in and out, and when.
        user_logged_in.connect(_record_sign_in, dispatch_uid="branchwork-audit-sign-in")
        user_logged_out.connect(_record_sign_out, dispatch_uid="branchwork-audit-sign-out")
        # A sign-in's absolute lifetime (SESSION_ABSOLUTE_AGE) counts from here.
        user_logged_in.connect(stamp_sign_in, dispatch_uid="branchwork-session-sign-in-time")
