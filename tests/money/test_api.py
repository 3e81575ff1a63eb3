"""Money over the API: four eyes, payment once, bad input as 422 with nothing written."""

from __future__ import annotations

import pytest

from branchwork.access.services import create_api_token
from branchwork.money.models import Entry, Transaction
from tests.conftest import Federation, signed_in
from tests.money.conftest import Money

pytestmark = pytest.mark.django_db


def auth(user: object) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user, name='t', days=1)[1]}"}  # type: ignore[arg-type]


def test_an_allocation_through_the_api(federation: Federation, money: Money) -> None:
    proposer, approver = auth(money.proposer), auth(money.approver)
    client = signed_in(federation.officer_a)  # any client: the token decides who calls
    made = client.post(
        f"/api/v1/money/funds/{money.fund.pk}/allocations",
        {"title": "API"},
        content_type="application/json",
        **proposer,
    )
    assert made.status_code == 201, made.content
    allocation = made.json()["id"]
    for payload in (
        {"kind": "grant", "school": "S1", "amount": 100_000},
        {"kind": "stipend", "person_id": money.pupil.pk, "amount": 20_000, "term": "前期"},
    ):
        added = client.post(
            f"/api/v1/money/allocations/{allocation}/items",
            payload,
            content_type="application/json",
            **proposer,
        )
        assert added.status_code == 201, added.content
    bad = client.post(
        f"/api/v1/money/allocations/{allocation}/items",
        {"kind": "grant", "school": "S1", "amount": -1},
        content_type="application/json",
        **proposer,
    )
    assert bad.status_code == 422
    client.post(f"/api/v1/money/allocations/{allocation}/propose", **proposer)
    own = client.post(
        f"/api/v1/money/allocations/{allocation}/decision",
        {"approve": True},
        content_type="application/json",
        **proposer,
    )
    assert own.status_code == 422 and "another treasurer" in own.content.decode()
    ok = client.post(
        f"/api/v1/money/allocations/{allocation}/decision",
        {"approve": True},
        content_type="application/json",
        **approver,
    )
    assert ok.json()["status"] == "approved"
    items = ok.json()["items"]
    before = Transaction.objects.count()
    for item in items:
        paid = client.post(f"/api/v1/money/items/{item['id']}/pay", **proposer)
        assert paid.json()["status"] == "paid"
    again = client.post(f"/api/v1/money/items/{items[0]['id']}/pay", **proposer)
    assert again.status_code == 422
    assert Transaction.objects.count() == before + 2
    # A branch treasurer neither sees nor pays R1's items.
    other = client.post(f"/api/v1/money/items/{items[0]['id']}/pay", **auth(money.treasurer_a))
    assert other.status_code == 404
    tx = Transaction.objects.order_by("-pk").first()
    assert tx is not None
    shown = client.get(f"/api/v1/money/transactions/{tx.pk}", **proposer).json()
    assert sum(e["amount"] for e in shown["entries"]) == 0
    report = client.get(f"/api/v1/money/units/R1/dues?year={money.year}", **proposer).json()
    assert {r["branch"] for r in report} == {"A", "B"}


def test_dues_and_donations_through_the_api(federation: Federation, money: Money) -> None:
    client = signed_in(federation.officer_a)
    treasurer = auth(money.treasurer_a)
    before = Entry.objects.count()
    refused = client.post(
        "/api/v1/money/dues",
        {"person_id": federation.person_b.pk, "fiscal_year": money.year, "amount": 12000},
        content_type="application/json",
        **treasurer,
    )
    assert refused.status_code == 422
    assert Entry.objects.count() == before
    paid = client.post(
        "/api/v1/money/dues",
        {"person_id": federation.person_a.pk, "fiscal_year": money.year, "amount": 12000},
        content_type="application/json",
        **treasurer,
    )
    assert paid.status_code == 201, paid.content
    gift = client.post(
        "/api/v1/money/donations",
        {"unit": "A", "amount": 5000, "donor_name": "匿名"},
        content_type="application/json",
        **treasurer,
    )
    assert gift.json()["receipt"].startswith("A-")
    accounts = client.get("/api/v1/money/accounts?unit=A", **treasurer).json()["items"]
    assert {a["code"]: a["balance"] for a in accounts}["cash"] == 17000
