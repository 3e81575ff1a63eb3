"""System checks with ids, so a misconfiguration is named at start-up (``branchwork check``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register()
def branchwork_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from branchwork.access.models import PERMISSIONS

    messages: list[CheckMessage] = []
    unknown = set(settings.TWO_FACTOR_PERMISSIONS) - set(PERMISSIONS)
    if unknown:
        messages.append(
            Error(
                f"TWO_FACTOR_PERMISSIONS names unknown permissions: {sorted(unknown)}",
                hint=f"Use some of {', '.join(PERMISSIONS)}.",
                id="branchwork.E001",
            )
        )
    if settings.PRODUCTION:
        if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
            messages.append(
                Warning(
                    "Production sends e-mail to the console: invitations and password resets are lost.",
                    hint="Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD).",
                    id="branchwork.W001",
                )
            )
        if not settings.SITE_URL.startswith("https://"):
            messages.append(
                Warning(
                    "BRANCHWORK_SITE_URL is not https: e-mailed links would send tokens in clear.",
                    hint="Set BRANCHWORK_SITE_URL=https://your.host",
                    id="branchwork.W002",
                )
            )
        if str(settings.DATABASES["default"]["ENGINE"]).endswith("sqlite3"):
            messages.append(
                Warning(
                    "Production runs on SQLite: fine on one machine, but not with several.",
                    hint="Set DATABASE_URL=postgres://…",
                    id="branchwork.W003",
                )
            )
    return messages
