"""Leak tests with planted markers: nothing of branch B reaches an officer of sibling branch A."""

from __future__ import annotations

import datetime as dt
import re
from collections import deque

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchwork.access.models import Grant
from branchwork.access.services import create_api_token
from branchwork.org.models import Unit
from tests.conftest import MARK_B, Federation, make_user, signed_in

pytestmark = pytest.mark.django_db

B_PAGES = [
    ("org:unit", ["B"]),
    ("org:unit", ["B1"]),
    ("org:children", ["B"]),
    ("org:edit", ["B"]),
    ("org:territory-add", ["B"]),
    ("org:appoint", ["B"]),
    ("org:post-add", ["B"]),
    ("org:merge", ["B"]),
    ("org:create", ["B"]),
    ("access:unit-access", ["B"]),
]


def crawl(client: Client, start: str = "/", limit: int = 200) -> dict[str, str]:
    """Follow every same-site link and htmx GET from ``start``; return the bodies by URL."""
    seen: dict[str, str] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        body = response.content.decode()
        seen[url] = body
        for link in re.findall(r'(?:href|hx-get)="(/[^"#]*)"', body):
            if link.startswith(("/static/", "/i18n/")) or link in seen:
                continue
            queue.append(link)
    return seen


def test_sibling_pages_answer_404(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    for name, args in B_PAGES:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 404, (name, args)
        assert MARK_B not in response.content.decode()


def test_no_marker_of_b_anywhere_a_can_reach(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    pages = crawl(client)
    assert any("/units/A/" in url for url in pages)
    for url, body in pages.items():
        assert MARK_B not in body, url


def test_no_marker_of_b_in_the_api(federation: Federation) -> None:
    _token, raw = create_api_token(user=federation.officer_a, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    bodies = [
        client.get("/api/v1/units").content.decode(),
        client.get("/api/v1/units?limit=1000").content.decode(),
        client.get("/api/v1/units/R1").content.decode(),
        client.get("/api/v1/units/FED").content.decode(),
        client.get("/api/v1/units/A/terms").content.decode(),
        client.get("/api/v1/units/A/territory").content.decode(),
        client.get("/api/v1/grants").content.decode(),
    ]
    for body in bodies:
        assert MARK_B not in body
    for path in (
        "/api/v1/units/B",
        "/api/v1/units/B1",
        "/api/v1/units/B/terms",
        "/api/v1/units/B/territory",
        "/api/v1/units/B/posts",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert MARK_B not in response.content.decode()


def test_units_above_are_shown_only_as_a_card(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    page = client.get(reverse("org:unit", args=["R1"])).content.decode()
    assert "r1@example.org" in page  # public contact
    assert 'data-testid="child-' not in page  # no sub-units listed
    api = Client(
        HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=federation.officer_a, name='t')[1]}"
    )
    card = api.get("/api/v1/units/R1").json()
    assert card["full"] is False
    assert "address" not in card and "parent" not in card


def test_regional_officer_sees_both_branches(federation: Federation) -> None:
    client = signed_in(federation.regional)
    for code in ("A", "B", "A1", "B1"):
        response = client.get(reverse("org:unit", args=[code]))
        assert response.status_code == 200
    assert MARK_B in client.get(reverse("org:unit", args=["B"])).content.decode()
    assert client.get(reverse("org:unit", args=["C"])).status_code == 404


@pytest.mark.parametrize("how", ["expired", "revoked", "future", "term_ended", "unit_merged"])
def test_a_grant_not_in_force_sees_nothing(federation: Federation, how: str) -> None:
    from branchwork.org import services
    from branchwork.org.models import PostType, Term
    from tests.conftest import _system_admin

    today = timezone.localdate()
    user = make_user("lapsed")
    grant = Grant(
        user=user,
        role_id=federation.officer_b.grants.get().role_id,
        unit=federation.b,
        valid_from=today - dt.timedelta(days=30),
    )
    if how == "expired":
        grant.valid_until = today - dt.timedelta(days=1)
    elif how == "revoked":
        grant.revoked_at = timezone.now()
    elif how == "future":
        grant.valid_from = today + dt.timedelta(days=1)
    elif how == "term_ended":
        grant.term = Term.objects.create(
            unit=federation.b,
            origin_unit=federation.b,
            person=federation.person_b,
            post_type=PostType.objects.get(code="chair"),
            start=today - dt.timedelta(days=400),
            end=today - dt.timedelta(days=1),
        )
    grant.save()
    if how == "unit_merged":
        services.merge_units(actor=_system_admin(), source=federation.b, target=federation.a)
    client = signed_in(user)
    assert client.get(reverse("org:unit", args=["B"])).status_code == 404
    assert client.get(reverse("org:unit", args=["B1"])).status_code == 404
    pages = crawl(client)
    for url, body in pages.items():
        assert MARK_B not in body, url
    assert Unit.objects.filter(code="B").exists()


def test_a_grant_tied_to_a_running_term_is_in_force(federation: Federation) -> None:
    from branchwork.org.models import Term

    user = make_user("chair-b")
    term = Term.objects.get(person=federation.person_b)
    Grant.objects.create(
        user=user,
        role=federation.officer_b.grants.get().role,
        unit=federation.b,
        valid_from=timezone.localdate(),
        term=term,
    )
    assert signed_in(user).get(reverse("org:unit", args=["B"])).status_code == 200


def test_anonymous_is_sent_to_sign_in(federation: Federation) -> None:
    response = Client().get(reverse("org:unit", args=["A"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("access:login"))
    assert Client().get("/api/v1/units").status_code == 401
