"""Rate limits beyond sign-in: searching the registry (pages and API) and voting passes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from branchwork.access.services import create_api_token
from tests.conftest import Federation, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts() -> Any:
    cache.clear()
    yield
    cache.clear()


def test_searching_the_registry_is_limited_per_user(federation: Federation, settings: Any) -> None:
    settings.SEARCH_RATE_LIMIT = (3, 60)
    officer = signed_in(federation.officer_a)
    url = reverse("people:list")
    for _ in range(3):
        assert officer.get(url, {"q": "김"}).status_code == 200
    refused = officer.get(url, {"q": "김"})
    assert refused.status_code == 429
    assert "Too many searches" in refused.content.decode()
    live = officer.get(url, {"q": "김"}, headers={"HX-Request": "true"})
    assert "Too many searches" in live.content.decode()  # shown where the results go
    assert officer.get(url).status_code == 200  # the list without a search is not counted
    # Another officer has their own count; the API shares the officer's count.
    assert signed_in(federation.officer_b).get(url, {"q": "김"}).status_code == 200
    token = create_api_token(user=federation.officer_a, name="t", days=1)[1]
    api = Client().get("/api/v1/people", {"q": "김"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 429


def test_failed_voting_passes_are_limited_per_address(settings: Any, db: Any) -> None:
    from branchwork.congress import views

    client = Client()
    url = reverse("congress:pass", args=["WRONGPASS0000000"])
    for _ in range(views.PASS_FAILURES):
        assert client.post(url).status_code == 400
    assert client.post(url).status_code == 429


def test_a_count_is_one_statement_and_forgets_old_windows(
    db: Any, django_assert_num_queries: Any, monkeypatch: Any
) -> None:
    from branchwork.access import ratelimit
    from branchwork.access.ratelimit import counted
    from branchwork.core.models import RateCount

    now = 1_800_000_030.0  # the middle of a minute, held still: no window boundary in the test
    monkeypatch.setattr(ratelimit.time, "time", lambda: now)
    slot = int(now) // 60
    RateCount.objects.create(key="k", window=slot - 5, count=99)
    RateCount.objects.create(key="other", window=slot - 5, count=7)
    assert counted("k", 60) == 1  # a new window: the old one of this key is gone
    with django_assert_num_queries(1):
        assert counted("k", 60) == 2
    assert set(RateCount.objects.values_list("key", "window")) == {
        ("k", slot),
        ("other", slot - 5),
    }
