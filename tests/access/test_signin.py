from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from branchwork.access.models import User
from tests.conftest import Federation, make_user, totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def sign_in(client: Client, username: str, password: str = PASSWORD, ip: str = "10.9.8.7"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("access:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_passwords_are_hashed_with_argon2(db: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create_user("h", password=PASSWORD)
    assert user.password.startswith("argon2$")


def test_officer_signs_in_without_a_second_factor(federation: Federation) -> None:
    client = Client()
    response = sign_in(client, "officer-a")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_lockout_after_repeated_failures(federation: Federation) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "officer-a", "wrong").status_code == 200
    locked = sign_in(client, "officer-a", "wrong")
    assert locked.status_code == 429
    # Even the right password is refused while locked.
    assert sign_in(client, "officer-a").status_code == 429
    assert "_auth_user_id" not in client.session


def test_rate_limit_per_address(federation: Federation, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SIGNIN_RATE_LIMIT = (3, 300)
    client = Client()
    for name in ("u1", "u2", "u3"):
        assert sign_in(client, name, "x", ip="10.1.1.1").status_code == 200
    assert sign_in(client, "u4", "x", ip="10.1.1.1").status_code == 429
    assert sign_in(client, "officer-a", ip="10.1.1.2").status_code == 302


def test_admin_must_set_up_a_second_factor(federation: Federation) -> None:
    TOTPDevice.objects.filter(user=federation.central).delete()  # not set up yet
    client = Client()
    assert sign_in(client, "central").status_code == 302
    response = client.get(reverse("org:unit", args=["FED"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("access:two-factor-setup")
    page = client.get(reverse("access:two-factor-setup")).content.decode()
    assert "data:image/svg+xml" in page
    device = TOTPDevice.objects.get(user=federation.central, confirmed=False)
    from django_otp.oath import totp

    wrong = client.post(reverse("access:two-factor-setup"), {"otp_token": "000000"})
    assert "not right" in wrong.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # failures slow the next try down
    device.throttle_reset()
    code = f"{totp(device.bin_key):06d}"
    done = client.post(reverse("access:two-factor-setup"), {"otp_token": code})
    assert done["Location"] == reverse("access:recovery-codes")
    codes = re.findall(
        r"<code>([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})</code>",
        client.get(reverse("access:recovery-codes")).content.decode(),
    )
    assert len(codes) == 10
    assert client.get(reverse("org:unit", args=["FED"])).status_code == 200

    # Next sign-in: a recovery code works once.
    other = Client()
    sign_in(other, "central")
    assert other.get("/")["Location"] == reverse("access:two-factor-verify")
    assert (
        other.post(reverse("access:two-factor-verify"), {"otp_token": codes[0]}).status_code == 302
    )
    assert other.get("/").status_code == 200
    third = Client()
    sign_in(third, "central")
    again = third.post(reverse("access:two-factor-verify"), {"otp_token": codes[0]})
    assert again.status_code == 200 and "not right" in again.content.decode()


def test_admin_signs_in_with_a_totp_code(federation: Federation) -> None:
    # The fixture's administrator has set up their authenticator app.
    client = Client()
    sign_in(client, "central")
    assert client.get("/")["Location"] == reverse("access:two-factor-verify")
    response = client.post(
        reverse("access:two-factor-verify"), {"otp_token": totp_code(federation.central)}
    )
    assert response.status_code == 302
    assert client.get(reverse("org:unit", args=["FED"])).status_code == 200


def test_sessions_expire(federation: Federation) -> None:
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    client = Client()
    sign_in(client, "officer-a")
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get("/").status_code == 302


def test_password_reset_link_works_once(federation: Federation) -> None:
    client = Client()
    client.post(reverse("access:password-reset"), {"email": "officer-a@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)  # type: ignore[union-attr]
    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url,
        {"new_password1": "a new long passphrase 42", "new_password2": "a new long passphrase 42"},
    )
    assert done.status_code == 302
    reused = Client().get(link, follow=True)
    assert "not valid any more" in reused.content.decode()
    assert sign_in(Client(), "officer-a", "a new long passphrase 42").status_code == 302


def test_security_headers(federation: Federation) -> None:
    response = Client().get(reverse("access:login"))
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.content.decode()  # no inline scripts
    assert 'style="' not in response.content.decode()  # no inline styles


def test_production_settings_are_strict(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "from django.conf import settings as s; import django; django.setup(); "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)"
    )
    env = {
        "BRANCHWORK_ENV": "production",
        "BRANCHWORK_SECRET_KEY": "k" * 50,
        "BRANCHWORK_ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "DJANGO_SETTINGS_MODULE": "branchwork.settings",
        "BRANCHWORK_VAR_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(out[0]) >= 31536000 and out[1:] == ["True", "True", "False"]
    env.pop("BRANCHWORK_SECRET_KEY")
    failed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert failed.returncode != 0 and "BRANCHWORK_SECRET_KEY" in failed.stderr


def test_logout_needs_post(federation: Federation) -> None:
    client = Client()
    sign_in(client, "officer-a")
    assert client.get(reverse("access:logout")).status_code == 405
    assert client.post(reverse("access:logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_user_without_grants_sees_an_empty_state(db: None) -> None:
    make_user("nobody")
    client = Client()
    sign_in(client, "nobody")
    page = client.get("/").content.decode()
    assert "no role on any unit" in page


def test_second_factor_does_not_redirect_off_site(federation: Federation) -> None:
    # The fixture's administrator has set up their authenticator app.
    client = Client()
    sign_in(client, "central")
    url = reverse("access:two-factor-verify") + "?next=https://evil.example/steal"
    response = client.post(url, {"otp_token": totp_code(federation.central)})
    assert response.status_code == 302 and response["Location"] == "/"


def test_api_page_size_is_capped(federation: Federation) -> None:
    from branchwork.access.services import create_api_token

    raw = create_api_token(user=federation.central, name="t")[1]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/units?limit=100000")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_account_page_and_password_change(federation: Federation) -> None:
    client = Client()
    sign_in(client, "officer-a")
    page = client.get(reverse("access:account")).content.decode()
    assert "officer-a" in page and reverse("org:unit", args=["A"]) in page
    wrong = client.post(
        reverse("access:password-change"),
        {
            "old_password": "nope",
            "new_password1": "another long passphrase 7",
            "new_password2": "another long passphrase 7",
        },
    )
    assert wrong.status_code == 200
    ok = client.post(
        reverse("access:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another long passphrase 7",
            "new_password2": "another long passphrase 7",
        },
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # the session survives its own password change
    assert sign_in(Client(), "officer-a", "another long passphrase 7").status_code == 302
    assert Client().get(reverse("access:account")).status_code == 302
    assert client.post(reverse("access:account")).status_code == 405


def test_a_used_session_slides_without_a_write_on_every_page(federation: Federation) -> None:
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    sign_in(client, "officer-a")
    key = client.session.session_key
    client.get("/")
    first = Session.objects.get(session_key=key).expire_date
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert not any("django_session" in q["sql"] and "UPDATE" in q["sql"] for q in queries)
    assert Session.objects.get(session_key=key).expire_date == first
    # Once the last refresh is older than SESSION_REFRESH_SECONDS, the next page slides it.
    session = client.session
    session["_refreshed"] = int(session["_refreshed"]) - settings.SESSION_REFRESH_SECONDS - 1
    session.save()
    earlier = first - dt.timedelta(hours=1)
    Session.objects.filter(session_key=key).update(expire_date=earlier)
    assert client.get("/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date >= first
