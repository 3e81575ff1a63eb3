"""Delegated administration: invitations and grants stay within the granter's subtree and powers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchwork.access.models import Grant, Invitation, Role, User
from branchwork.access.services import create_api_token, invite
from branchwork.org import services as org_services
from tests.conftest import Federation, _system_admin, make_user, signed_in

pytestmark = pytest.mark.django_db


def _grant_form(client: Client, unit: str, username: str, role: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("access:unit-access", args=[unit]),
        {
            "form": "grant",
            "grant-username": username,
            "grant-role": Role.objects.get(code=role).pk,
        },
    )


def test_unit_admin_grants_within_its_subtree(federation: Federation) -> None:
    make_user("newbie")
    client = signed_in(federation.admin_a)
    response = _grant_form(client, "A1", "newbie", "officer")
    assert response.status_code == 302
    grant = Grant.objects.get(user__username="newbie")
    assert grant.unit == federation.a1 and grant.granted_by == federation.admin_a
    assert (
        signed_in(User.objects.get(username="newbie"))
        .get(reverse("org:unit", args=["A1"]))
        .status_code
        == 200
    )


def test_unit_admin_cannot_grant_outside_its_subtree(federation: Federation) -> None:
    make_user("newbie")
    client = signed_in(federation.admin_a)
    assert client.get(reverse("access:unit-access", args=["B"])).status_code == 404
    assert _grant_form(client, "B", "newbie", "officer").status_code == 404
    assert not Grant.objects.filter(user__username="newbie").exists()


def test_unit_admin_cannot_grant_beyond_its_own_permissions(federation: Federation) -> None:
    make_user("newbie")
    client = signed_in(federation.admin_a)
    response = _grant_form(client, "A", "newbie", "administrator")
    assert response.status_code == 200
    assert "permissions you do not hold yourself" in response.content.decode()
    assert not Grant.objects.filter(user__username="newbie").exists()


def test_officer_without_admin_cannot_open_the_access_page(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    assert client.get(reverse("access:unit-access", args=["A"])).status_code == 403


def test_no_grant_on_a_dissolved_unit(federation: Federation) -> None:
    org_services.dissolve_unit(actor=_system_admin(), unit=federation.a1)
    make_user("newbie")
    _t, raw = create_api_token(user=federation.admin_a, name="t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api.post(
        "/api/v1/grants",
        {"username": "newbie", "role": "officer", "unit": "A1"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "unit"]
    assert "merged or dissolved" in response.json()["detail"][0]["msg"]
    assert not Grant.objects.filter(user__username="newbie").exists()


def test_api_refuses_grants_beyond_scope_or_powers(federation: Federation) -> None:
    make_user("newbie")
    _t, raw = create_api_token(user=federation.admin_a, name="t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    outside = api.post(
        "/api/v1/grants",
        {"username": "newbie", "role": "officer", "unit": "B"},
        content_type="application/json",
    )
    assert outside.status_code == 422 and outside.json()["detail"][0]["loc"] == ["body", "unit"]
    beyond = api.post(
        "/api/v1/grants",
        {"username": "newbie", "role": "administrator", "unit": "A"},
        content_type="application/json",
    )
    assert beyond.status_code == 422 and beyond.json()["detail"][0]["loc"] == ["body", "role"]
    ok = api.post(
        "/api/v1/grants",
        {"username": "newbie", "role": "officer", "unit": "A"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    assert Grant.objects.filter(user__username="newbie").count() == 1


def test_invitation_is_single_use(
    federation: Federation, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(federation.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("access:unit-access", args=["A"]),
            {
                "form": "invite",
                "invite-email": "new.officer@example.org",
                "invite-role": Role.objects.get(code="officer").pk,
            },
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    path = re.search(r"https?://[^/]+(/accounts/invitation/\S+/)", mail.outbox[0].body).group(1)  # type: ignore[union-attr]
    visitor = Client()
    assert visitor.get(path).status_code == 200
    accepted = visitor.post(
        path,
        {
            "username": "new-officer",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert accepted.status_code == 302
    user = User.objects.get(username="new-officer")
    assert Grant.objects.get(user=user).unit == federation.a
    assert visitor.get(reverse("org:unit", args=["A"])).status_code == 200
    again = Client().post(
        path,
        {
            "username": "someone-else",
            "password1": "a long passphrase 43",
            "password2": "a long passphrase 43",
        },
    )
    assert again.status_code == 404
    assert "already been used" in again.content.decode()
    assert not User.objects.filter(username="someone-else").exists()


def test_expired_invitation_is_refused(federation: Federation) -> None:
    invitation, raw = invite(
        actor=federation.admin_a,
        email="late@example.org",
        role=Role.objects.get(code="officer"),
        unit=federation.a,
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = Client().get(reverse("access:accept-invitation", args=[raw]))
    assert response.status_code == 404 and "expired" in response.content.decode()


def test_invitation_checked_again_when_accepted(federation: Federation) -> None:
    """If the inviter lost its admin grant meanwhile, the invitation grants nothing."""
    invitation, raw = invite(
        actor=federation.admin_a,
        email="x@example.org",
        role=Role.objects.get(code="officer"),
        unit=federation.a,
    )
    Grant.objects.filter(user=federation.admin_a).update(revoked_at=timezone.now())
    response = Client().post(
        reverse("access:accept-invitation", args=[raw]),
        {
            "username": "x-user",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="x-user").exists()
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


def test_revoking_a_grant_ends_access(federation: Federation) -> None:
    client = signed_in(federation.admin_a)
    target = make_user("temp", "officer", federation.a1)
    grant = Grant.objects.get(user=target)
    assert client.post(reverse("access:revoke-grant", args=["A", grant.pk])).status_code == 302
    assert signed_in(target).get(reverse("org:unit", args=["A1"])).status_code == 404
    # A sibling's admin cannot even find the grant.
    b_admin = make_user("admin-b", "unit_admin", federation.b)
    other = Grant.objects.get(user=federation.officer_a)
    assert (
        signed_in(b_admin).post(reverse("access:revoke-grant", args=["B", other.pk])).status_code
        == 404
    )
    assert Grant.objects.get(pk=other.pk).revoked_at is None


def test_grant_tied_to_a_term_ends_with_it(federation: Federation) -> None:
    from branchwork.org.models import Term
    from branchwork.org.services import end_term

    make_user("chair-a")
    term = Term.objects.get(person=federation.person_a)
    client = signed_in(federation.admin_a)
    page = client.get(reverse("access:unit-access", args=["A"])).content.decode()
    assert f'value="{term.pk}"' in page
    response = client.post(
        reverse("access:unit-access", args=["A"]),
        {
            "form": "grant",
            "grant-username": "chair-a",
            "grant-term": term.pk,
            "grant-role": Role.objects.get(code="officer").pk,
        },
    )
    assert response.status_code == 302
    assert Grant.objects.get(user__username="chair-a").term == term
    chair = User.objects.get(username="chair-a")
    assert signed_in(chair).get(reverse("org:unit", args=["A"])).status_code == 200
    end_term(actor=_system_admin(), term=term, end=timezone.localdate() - dt.timedelta(days=1))
    assert signed_in(chair).get(reverse("org:unit", args=["A"])).status_code == 404


def test_ui_refuses_a_grant_on_a_dissolved_unit(federation: Federation) -> None:
    org_services.dissolve_unit(actor=_system_admin(), unit=federation.a1)
    make_user("newbie")
    response = _grant_form(signed_in(federation.admin_a), "A1", "newbie", "officer")
    assert response.status_code == 200
    assert "merged or dissolved" in response.content.decode()
    assert not Grant.objects.filter(user__username="newbie").exists()
