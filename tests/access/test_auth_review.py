"""Authentication review: protections that had no test of their own.

A form POST without its CSRF token is refused; the second-factor check and password resets are
rate-limited; invitation links and voting passes are kept only as hashes; settings.py chooses
argon2; a changed password ends the user's other sessions."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from branchwork.access.models import Invitation, Role
from branchwork.access.services import invite
from tests.conftest import Federation, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts() -> Any:
    cache.clear()
    yield
    cache.clear()


def test_a_form_post_without_its_csrf_token_is_refused(federation: Federation) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(federation.officer_a)
    response = client.post(reverse("access:logout"))
    assert response.status_code == 403
    assert client.get(reverse("access:account")).status_code == 200  # still signed in


def test_the_second_factor_check_is_rate_limited(federation: Federation) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(federation.central)
    assert TOTPDevice.objects.filter(user=federation.central, confirmed=True).exists()
    url = reverse("access:two-factor-verify")
    for _ in range(10):
        assert client.post(url, {"otp_token": "000000"}).status_code == 200
    assert client.post(url, {"otp_token": "000000"}).status_code == 429


def test_password_resets_are_rate_limited_per_address() -> None:
    client = Client()
    url = reverse("access:password-reset")
    for _ in range(5):
        assert client.post(url, {"email": "someone@example.org"}).status_code == 302
    assert client.post(url, {"email": "someone@example.org"}).status_code == 429


def test_invitation_links_are_kept_only_as_hashes(federation: Federation) -> None:
    invitation, raw = invite(
        actor=federation.central,
        email="new@example.org",
        role=Role.objects.get(code="officer"),
        unit=federation.a,
    )
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert raw not in str(stored)
    assert stored["token_hash"] == hashlib.sha256(raw.encode()).hexdigest()


def test_voting_passes_are_kept_only_as_hashes(federation: Federation) -> None:
    from branchwork.congress.models import Delegate
    from tests.conftest import checked_in_delegate

    delegate, voting_pass = checked_in_delegate(federation)
    stored = Delegate.objects.filter(pk=delegate.pk).values().get()
    assert voting_pass not in str(stored)
    assert stored["pass_hash"] == hashlib.sha256(voting_pass.encode()).hexdigest()


def test_settings_choose_argon2() -> None:
    import importlib

    module = importlib.import_module("branchwork.settings")
    assert module.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_changed_password_ends_the_other_sessions(federation: Federation) -> None:
    here = signed_in(federation.officer_a)
    elsewhere = signed_in(federation.officer_a)
    assert elsewhere.get(reverse("access:account")).status_code == 200
    response = here.post(
        reverse("access:password-change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": "a new and long enough phrase 42",
            "new_password2": "a new and long enough phrase 42",
        },
    )
    assert response.status_code == 302
    assert here.get(reverse("access:account")).status_code == 200
    gone = elsewhere.get(reverse("access:account"))
    assert gone.status_code == 302 and reverse("access:login") in gone["Location"]


def test_weak_passwords_are_refused(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    for weak in ("password123", "12345678901", "short"):
        response = client.post(
            reverse("access:password-change"),
            {
                "old_password": "correct horse battery staple",
                "new_password1": weak,
                "new_password2": weak,
            },
        )
        assert response.status_code == 200, weak  # the form again, with the reason
        assert 'class="error"' in response.content.decode(), weak


@pytest.mark.parametrize(
    ("role", "permission"),
    [("treasurer", "money"), ("registrar", "sensitive"), ("case_worker", "cases")],
)
def test_money_sensitive_or_cases_grants_alone_need_the_second_factor(
    federation: Federation, role: str, permission: str
) -> None:
    from tests.conftest import make_user

    granted = Role.objects.get(code=role)
    assert permission in granted.permissions and "admin" not in granted.permissions
    user = make_user(f"{role}-new", role, federation.a, second_factor=False)
    client = Client()
    client.force_login(user)
    response = client.get(reverse("org:unit", args=["A"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("access:two-factor-setup")
