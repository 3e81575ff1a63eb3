"""An API token cannot carry grants past the second factor: the token page asks for it, and a
token of a user whose grants need it works only once a second factor is set up."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from branchwork.access.services import create_api_token
from tests.conftest import Federation, make_user

pytestmark = pytest.mark.django_db


def test_the_token_page_needs_the_second_factor(federation: Federation) -> None:
    admin = make_user("admin-no-device", "administrator", federation.fed, second_factor=False)
    client = Client()
    client.force_login(admin)  # the password alone
    response = client.get(reverse("access:api-tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("access:two-factor-setup"))
    made = client.post(reverse("access:api-tokens"), {"name": "bypass", "days": 30})
    assert made.status_code == 302 and admin.api_tokens.count() == 0
    # The account page itself stays open (it is where the second factor is set up).
    assert client.get(reverse("access:account")).status_code in (200, 302)


def test_a_token_without_a_second_factor_set_up_is_refused(federation: Federation) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = make_user("admin-token", "administrator", federation.fed, second_factor=False)
    raw = create_api_token(user=admin, name="old", days=30)[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert Client().get("/api/v1/units", **headers).status_code == 401
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    assert Client().get("/api/v1/units", **headers).status_code == 200
    # An officer's grants need no second factor: their token works as before.
    officer = create_api_token(user=federation.officer_a, name="t", days=1)[1]
    assert Client().get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {officer}").status_code == 200
