from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from branchwork.core.templatetags.branchwork import postal
from branchwork.settings import database_from_url


def test_postal_code_display() -> None:
    assert postal("5430001") == "543-0001"
    assert postal("543") == "543"
    assert postal("") == ""


def test_database_urls() -> None:
    pg = database_from_url("postgres://u:p%40ss@db.example:6543/branch?sslmode=require")
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "branch",
        "u",
        "p@ss",
        "db.example",
        "6543",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    lite = database_from_url("sqlite:////tmp/x.sqlite3")
    assert lite["NAME"] == "/tmp/x.sqlite3"
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://x/y")
    with pytest.raises(ImproperlyConfigured):
        database_from_url("postgres://u@h:5432/")


def test_system_checks_name_misconfigurations(settings) -> None:  # type: ignore[no-untyped-def]
    from branchwork.core.checks import branchwork_settings

    assert branchwork_settings() == []
    settings.TWO_FACTOR_PERMISSIONS = ("money", "telepathy")
    assert [m.id for m in branchwork_settings()] == ["branchwork.E001"]
    settings.TWO_FACTOR_PERMISSIONS = ("money",)
    settings.PRODUCTION = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.SITE_URL = "http://example.org"
    ids = {m.id for m in branchwork_settings()}
    assert {"branchwork.W001", "branchwork.W002"} <= ids


@pytest.mark.django_db
def test_sign_in_and_out_are_audited() -> None:
    from django.test import Client

    from branchwork.access.models import AuditEvent, User

    user = User.objects.create_user("someone", password="correct horse battery staple")
    client = Client()
    client.post(
        "/accounts/login/", {"username": "someone", "password": "correct horse battery staple"}
    )
    client.post("/accounts/logout/")
    actions = list(AuditEvent.objects.filter(actor_id=user.pk).values_list("action", flat=True))
    assert actions == ["sign_in", "sign_out"]
