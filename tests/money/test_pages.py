"""Money pages: a treasurer works a unit's money, drafts and proposes an allocation, another
treasurer approves it from "My work", items are paid; receipts, award letters and statements
print in Korean and Japanese; reports download. Planted markers of branch B's money appear
nowhere for A's treasurer, for an officer without the money permission, or in the API."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from branchwork.access.models import AuditEvent
from branchwork.access.services import create_api_token
from branchwork.money import ledger, services
from branchwork.money.models import Allocation, Donation, ItemStatus, Transaction
from tests.conftest import MARK_B, Federation, signed_in
from tests.imports.test_paper import screenshot, text_of
from tests.money.conftest import Money

pytestmark = pytest.mark.django_db


def test_an_allocation_from_draft_to_payment(federation: Federation, money: Money) -> None:
    proposer = signed_in(money.proposer)
    response = proposer.post(
        reverse("money:fund", args=[money.fund.pk]),
        {"form": "allocation", "allocation-title": "前期 奨学金"},
    )
    allocation = Allocation.objects.get(title="前期 奨学金")
    url = reverse("money:allocation", args=[allocation.pk])
    assert response.status_code == 302 and response["Location"] == url
    proposer.post(url, {"action": "grant", "grant-school": "S1", "grant-amount": "200,000"})
    proposer.post(
        url,
        {
            "action": "stipend",
            "stipend-person": money.pupil.pk,
            "stipend-amount": "30000",
            "stipend-term": "前期",
        },
    )
    bad = proposer.post(url, {"action": "grant", "grant-school": "S1", "grant-amount": "-5"})
    assert "no signs" in bad.content.decode()
    assert allocation.items.count() == 2
    proposer.post(url, {"action": "propose"})
    allocation.refresh_from_db()
    assert allocation.status == "proposed"
    # The proposer cannot approve; the page says so, and their "My work" does not ask them.
    page = proposer.get(url).content.decode()
    assert "another treasurer approves" in page
    proposer.post(url, {"action": "approve"})
    allocation.refresh_from_db()
    assert allocation.status == "proposed"
    assert "h-approvals" not in proposer.get(reverse("home:my-work")).content.decode()
    approver = signed_in(money.approver)
    work = approver.get(reverse("home:my-work")).content.decode()
    assert "h-approvals" in work and "前期 奨学金" in work
    approver.post(url, {"action": "approve"})
    allocation.refresh_from_db()
    assert allocation.status == "approved" and allocation.decided_by == money.approver
    for item in allocation.items.all():
        proposer.post(url, {"action": "pay", "item": item.pk})
    assert set(allocation.items.values_list("status", flat=True)) == {ItemStatus.PAID}
    # Paid twice? The second press is refused and nothing more is booked.
    before = Transaction.objects.count()
    proposer.post(url, {"action": "pay", "item": allocation.items.first().pk})  # type: ignore[union-attr]
    assert Transaction.objects.count() == before
    assert ledger.balance(ledger.account(money.school.unit, "cash")) == 200_000
    regions = proposer.get(
        reverse("money:reports") + f"?year={money.year}&report=regions&format=csv"
    ).content.decode("utf-8-sig")
    assert "200000,30000,230000" in regions
    stipends = proposer.get(reverse("money:person-stipends", args=[money.pupil.pk]))
    assert stipends.status_code == 200 and "¥30,000" in stipends.content.decode()


def test_pdfs_print_korean_and_japanese(
    federation: Federation, money: Money, tmp_path: Path
) -> None:
    donation = services.record_donation(
        actor=money.treasurer_a,
        unit=federation.a,
        amount=30000,
        donor=federation.person_a,
        purpose="民族教育のために",
    )
    client = signed_in(money.treasurer_a)
    ja = client.get(reverse("money:receipt", args=[donation.pk]) + "?lang=ja")
    assert ja.status_code == 200 and ja["Content-Type"] == "application/pdf"
    text = text_of(ja.content, tmp_path)
    assert "民族教育のために" in text and "¥30,000" in text and donation.receipt_code in text
    assert "金民洙" in text.replace(" ", "")
    screenshot(ja.content, tmp_path, "money-receipt-ja")
    ko = client.get(reverse("money:receipt", args=[donation.pk]) + "?lang=ko")
    assert "김민수" in text_of(ko.content, tmp_path)
    allocation = services.create_allocation(actor=money.proposer, fund=money.fund, title="後期")
    item = services.add_stipend(
        actor=money.proposer, allocation=allocation, person=money.pupil, amount=40000, term="後期"
    )
    services.propose(actor=money.proposer, allocation=allocation)
    award_url = reverse("money:award", args=[item.pk])
    assert signed_in(money.proposer).get(award_url).status_code == 404  # not approved yet
    services.decide(actor=money.approver, allocation=allocation, approve=True)
    letter = signed_in(money.proposer).get(award_url + "?lang=ko")
    text = text_of(letter.content, tmp_path)
    assert "¥40,000" in text and "教育援助費" in text
    screenshot(letter.content, tmp_path, "money-award-ko")
    statement = client.get(reverse("money:unit-statement", args=["A"]) + "?format=pdf&lang=ja")
    assert "¥30,000" in text_of(statement.content, tmp_path)
    assert AuditEvent.objects.filter(action="print").count() == 4


def test_reports_and_downloads(federation: Federation, money: Money) -> None:
    services.record_dues(
        actor=money.treasurer_a, person=federation.person_a, fiscal_year=money.year, amount=12000
    )
    client = signed_in(money.proposer)  # treasurer of R1: A and B below
    page = client.get(reverse("money:unit-dues", args=["R1"]) + f"?year={money.year}")
    text = page.content.decode()
    assert page.status_code == 200 and "¥12,000" in text and "¥24,000" in text
    csv = client.get(reverse("money:unit-dues", args=["R1"]) + f"?year={money.year}&format=csv")
    assert csv.content.startswith(b"\xef\xbb\xbf") and b"12000" in csv.content
    xlsx = client.get(
        reverse("money:unit-arrears", args=["R1"]) + f"?year={money.year}&format=xlsx"
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert [r[0] for r in rows[1:]] == [federation.person_b.pk]  # A's member paid; B's did not
    reports = client.get(reverse("money:reports") + f"?year={money.year}")
    assert "教育援助費" in reports.content.decode()
    funds = client.get(reverse("money:reports") + f"?year={money.year}&report=funds&format=csv")
    assert "1000000" in funds.content.decode("utf-8-sig")
    statement = client.get(reverse("money:unit-statement", args=["R1"]) + f"?year={money.year}")
    assert "¥600,000" in statement.content.decode()
    assert AuditEvent.objects.filter(action="export", object_type="money.report").count() == 3


def test_planted_markers_of_b_money_stay_out_of_sight(federation: Federation, money: Money) -> None:
    donation_b = Donation.objects.get(unit=federation.b)
    tx_b = donation_b.transaction
    cash_b = ledger.account(federation.b, "cash")
    officer = signed_in(federation.officer_a)  # no money permission at all
    treasurer = signed_in(money.treasurer_a)
    for client in (officer, treasurer):
        for url in (
            reverse("money:unit", args=["B"]),
            reverse("money:unit-donations", args=["B"]),
            reverse("money:unit-dues", args=["B"]),
            reverse("money:unit-statement", args=["B"]) + "?format=csv",
            reverse("money:account", args=[cash_b.pk]),
            reverse("money:transaction", args=[tx_b.pk]),
            reverse("money:receipt", args=[donation_b.pk]),
            reverse("money:fund", args=[money.fund.pk]),  # held by R1
            reverse("money:person-stipends", args=[federation.person_b.pk]),
        ):
            assert client.get(url).status_code == 404, url
    assert officer.get(reverse("money:unit", args=["A"])).status_code == 404
    assert officer.get(reverse("money:reports")).status_code == 404
    for url in (
        reverse("money:unit", args=["A"]),
        reverse("money:unit-donations", args=["A"]),
        reverse("money:unit-dues", args=["A"]),
        reverse("money:unit-statement", args=["A"]),
        reverse("money:reports"),
        reverse("home:my-work"),
        reverse("org:unit", args=["A"]),
    ):
        response = treasurer.get(url)
        assert response.status_code == 200, url
        assert MARK_B not in response.content.decode(), url
    # R1's treasurer sees B's donation (B is below R1) — the marker is real.
    assert (
        MARK_B
        in signed_in(money.proposer)
        .get(reverse("money:unit-donations", args=["B"]))
        .content.decode()
    )
    # The API.
    token = create_api_token(user=money.treasurer_a, name="t", days=1)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for url in (
        "/api/v1/money/accounts",
        "/api/v1/money/transactions",
        "/api/v1/money/funds",
        "/api/v1/money/donations",
        f"/api/v1/money/units/A/statement?year={money.year}",
    ):
        response = treasurer.get(url, **auth)
        assert response.status_code == 200, (url, response.content)
        assert MARK_B not in response.content.decode(), url
    for url in (
        f"/api/v1/money/transactions/{tx_b.pk}",
        f"/api/v1/money/funds/{money.fund.pk}",
        f"/api/v1/money/units/B/statement?year={money.year}",
    ):
        assert treasurer.get(url, **auth).status_code == 404, url


def test_bad_input_on_the_pages_names_the_field(federation: Federation, money: Money) -> None:
    client = signed_in(money.treasurer_a)
    url = reverse("money:unit-donations", args=["A"])
    for amount in ("1.5", "-3000", "０"):
        response = client.post(url, {"donor_name": "匿名", "amount": amount})
        assert response.status_code == 200
        assert re.search(r'class="error"', response.content.decode())
    dues = client.post(
        reverse("money:unit-dues", args=["A"]),
        {"person": federation.person_b.pk, "fiscal_year": money.year, "amount": "12000"},
    )
    assert "No person with this number in your units." in dues.content.decode()
    assert Donation.objects.filter(unit=federation.a).count() == 0


def test_dues_rates_are_set_by_the_bodys_administrators(
    federation: Federation, money: Money
) -> None:
    url = reverse("money:unit-dues", args=["FED"]) + f"?year={money.year}"
    central = signed_in(federation.central)
    page = central.get(url).content.decode()
    assert "¥12,000" in page and 'value="rate"' in page
    central.post(
        url,
        {
            "action": "rate",
            "rate-status": "supporter",
            "rate-fiscal_year": money.year,
            "rate-amount": "6,000",
        },
    )
    assert "¥6,000" in central.get(url).content.decode()
    bad = central.post(
        url,
        {
            "action": "rate",
            "rate-status": "member",
            "rate-fiscal_year": money.year,
            "rate-amount": "-1",
        },
    )
    assert 'class="error"' in bad.content.decode()
    # A treasurer of a region sees no rate form on its own dues page and cannot post one.
    regional = signed_in(money.proposer)
    assert (
        'value="rate"' not in regional.get(reverse("money:unit-dues", args=["R1"])).content.decode()
    )
    refused = regional.post(
        reverse("money:unit-dues", args=["R1"]),
        {
            "action": "rate",
            "rate-status": "member",
            "rate-fiscal_year": money.year,
            "rate-amount": "1",
        },
    )
    assert refused.status_code == 403
