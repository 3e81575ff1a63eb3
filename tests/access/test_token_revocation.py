"""API tokens do not outlive the password or the account: every way a password is set (the
own password page, a reset link, ``branchwork changepassword``, ``set_password`` anywhere)
revokes the user's tokens, each revocation audited; an inactive user's tokens and sessions
stop working."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from branchwork.access.models import ApiToken, AuditEvent, User
from branchwork.access.services import create_api_token, revoke_api_token
from tests.conftest import Federation, signed_in

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a new long passphrase 42"


@pytest.fixture(autouse=True)
def _fresh_counts() -> Any:
    cache.clear()
    yield
    cache.clear()


def works(raw: str) -> bool:
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/units")
    assert response.status_code in (200, 401)
    return response.status_code == 200


def tokens_of(user: User, n: int = 2) -> list[str]:
    raws = [create_api_token(user=user, name=f"t{i}", days=30)[1] for i in range(n)]
    assert all(works(raw) for raw in raws)
    return raws


def revocations(user: User) -> list[AuditEvent]:
    ids = [str(pk) for pk in ApiToken.objects.filter(user=user).values_list("pk", flat=True)]
    return list(
        AuditEvent.objects.filter(action="revoke", object_type="access.apitoken", object_id__in=ids)
    )


def test_changing_ones_own_password_revokes_ones_tokens(federation: Federation) -> None:
    user = federation.officer_a
    raws = tokens_of(user)
    already = create_api_token(user=user, name="old", days=30)[0]
    revoke_api_token(user=user, token=already)  # revoked earlier: not revoked or audited again
    other = tokens_of(federation.officer_b, 1)
    client = signed_in(user)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("access:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.status_code == 200
    assert "Your API tokens were revoked with the old password." in response.content.decode()
    assert not any(works(raw) for raw in raws)
    assert works(other[0])  # another user's token is untouched
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    events = revocations(user)
    assert len(events) == 3  # the two revoked now, and the one revoked by its owner before
    assert [e.actor_id for e in events].count(user.pk) == 1  # the owner's own, earlier
    assert all(e.fields == ["revoked_at"] for e in events)
    assert AuditEvent.objects.filter(
        action="password_changed", actor_id=user.pk, object_id=str(user.pk)
    ).exists()


def test_a_reset_by_e_mail_link_revokes_the_tokens(federation: Federation) -> None:
    user = federation.officer_a
    raws = tokens_of(user)
    client = Client()
    client.cookies["django_language"] = "en"
    client.post(reverse("access:password-reset"), {"email": user.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body)
    assert link is not None
    form = client.get(link.group(1), follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.status_code == 200
    assert "Your API tokens were revoked with the old password." in done.content.decode()
    assert not any(works(raw) for raw in raws)
    assert len(revocations(user)) == 2
    assert AuditEvent.objects.filter(
        action="password_reset", actor_id=user.pk, object_id=str(user.pk)
    ).exists()


def test_an_administrator_setting_the_password_revokes_the_tokens(
    federation: Federation, monkeypatch: Any
) -> None:
    """No page sets another user's password; the command line does (``branchwork
    changepassword``, Django's own command)."""
    user = federation.officer_a
    raws = tokens_of(user)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", user.username, stdout=io.StringIO())
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not any(works(raw) for raw in raws)
    assert len(revocations(user)) == 2


@pytest.mark.parametrize("how", ["set_password", "set_unusable_password"])
def test_any_new_password_saved_revokes_the_tokens(federation: Federation, how: str) -> None:
    user = User.objects.get(pk=federation.officer_a.pk)
    raws = tokens_of(user)
    getattr(user, how)(*([NEW_PASSWORD] if how == "set_password" else []))
    assert all(works(raw) for raw in raws)  # nothing until it is saved
    user.save(update_fields=["password"])
    assert not any(works(raw) for raw in raws)
    assert len(revocations(user)) == 2
    # Saving the user again, the password unchanged, revokes nothing more.
    fresh = tokens_of(user, 1)
    user.first_name = "Minsu"
    user.save()
    assert works(fresh[0])


def test_a_hash_upgrade_at_sign_in_is_not_a_new_password(
    federation: Federation, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = federation.officer_a
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    raws = tokens_of(user, 1)
    response = Client().post(
        reverse("access:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).password.startswith("argon2$")  # upgraded
    assert works(raws[0])
    assert revocations(user) == []


def test_deactivating_a_user_stops_their_tokens_and_sessions(federation: Federation) -> None:
    user = User.objects.get(pk=federation.officer_a.pk)
    raws = tokens_of(user)
    client = signed_in(user)
    assert client.get("/").status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not any(works(raw) for raw in raws)
    assert client.get("/").status_code == 302  # the session finds no user any more
    assert len(revocations(user)) == 2
    # Made active again, the user gets no old token back: they were revoked, not paused.
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert not any(works(raw) for raw in raws)


def test_an_inactive_users_token_is_refused_however_the_flag_was_set(
    federation: Federation,
) -> None:
    """Set without ``save()`` (an SQL update, a data migration), no revocation runs: the token
    is still refused at every use, and so is the session."""
    user = federation.officer_b
    raws = tokens_of(user, 1)
    client = signed_in(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert not works(raws[0])
    assert client.get("/").status_code == 302
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert works(raws[0])  # never revoked: the refusal came from the inactive account
