"""Welfare sweeps: starting one over a subtree, assigning by branch and load, one tap per
outcome, a household recorded twice counted once, the retry of the unreachable, a case for
those who need help, coverage down the tree, the closing report, and no leak."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from branchwork.care import sweeps
from branchwork.care.models import Case, SweepTarget
from branchwork.core.errors import PermissionDeniedError
from branchwork.people.models import Household, HouseholdMember
from tests.conftest import MARK_B, Federation, make_person, make_unit, make_user, signed_in

TODAY = timezone.localdate()


def homes(unit: Any, n: int, marker: str = "") -> list[Household]:
    out = []
    for i in range(n):
        home = Household.objects.create(unit=unit, address=f"{marker}{unit.code}-{i}")
        HouseholdMember.objects.create(
            household=home, person=make_person(unit), relation="head", since=TODAY
        )
        out.append(home)
    return out


@pytest.fixture
def region(federation: Federation) -> dict[str, Any]:
    homes(federation.a, 5)
    homes(federation.a1, 2)
    homes(federation.b, 3, marker=MARK_B)
    empty = Household.objects.create(unit=federation.a, address="moved out")  # nobody lives here
    return {
        "officer_a2": make_user("officer-a2", "officer", federation.a),
        "empty": empty,
    }


def test_start_and_assign_by_branch_and_load(
    federation: Federation, region: dict[str, Any]
) -> None:
    sweep = sweeps.start_sweep(actor=federation.regional, unit=federation.r1, title="春の安否確認")
    targets = SweepTarget.objects.filter(sweep=sweep)
    assert targets.count() == 10  # A 5, A1 2, B 3; not the empty household
    assert not targets.filter(household=region["empty"]).exists()
    assert sweeps.assign_targets(actor=federation.regional, sweep=sweep) == 10
    loads = {
        u: targets.filter(assigned_to__username=u).count()
        for u in ("officer-a", "admin-a", "officer-a2", "officer-b", "regional")
    }
    # A's seven (its own and A1's, which has no officer) split evenly among A's three users
    # who may edit there; B's three to B's officer; none climb to the region.
    assert loads == {"officer-a": 3, "admin-a": 2, "officer-a2": 2, "officer-b": 3, "regional": 0}
    assert not targets.filter(unit=federation.b).exclude(assigned_to__username="officer-b").exists()


def test_one_tap_outcomes_and_no_double_count(
    federation: Federation, region: dict[str, Any]
) -> None:
    sweep = sweeps.start_sweep(actor=federation.regional, unit=federation.r1, title="地震後の確認")
    sweeps.assign_targets(actor=federation.regional, sweep=sweep)
    client = signed_in(federation.officer_a)
    page = client.get(reverse("care:my-list", args=[sweep.pk])).content.decode()
    mine = [int(t) for t in re.findall(r'data-target="(\d+)"', page)]
    assert len(mine) == 3
    client.post(reverse("care:sweep-record", args=[mine[0]]), {"outcome": "ok"})
    client.post(
        reverse("care:sweep-record", args=[mine[1]]),
        {"outcome": "needs_help", "needs": ["medicine", "not-on-the-list"], "note": "薬が切れた"},
    )
    client.post(reverse("care:sweep-record", args=[mine[2]]), {"outcome": "unreachable"})
    helped = SweepTarget.objects.get(pk=mine[1])
    assert helped.needs == ["medicine"] and helped.case is not None
    assert Case.objects.get(pk=helped.case_id).household == helped.household
    gone = SweepTarget.objects.get(pk=mine[2])
    assert gone.next_attempt_on is not None and gone.attempts == 1
    left = client.get(reverse("care:my-list", args=[sweep.pk])).content.decode()
    assert 'data-target="' not in left  # the unreachable one comes back in two days
    # A second officer of A records the household already reached: the first result stands.
    other = sweeps.record_outcome(
        actor=region["officer_a2"],
        target=SweepTarget.objects.get(pk=mine[0]),
        outcome="unreachable",
    )
    assert other[1] is False and other[0].outcome == "ok"
    rows = {r["unit"].code: r for r in sweeps.coverage(federation.regional, sweep, federation.r1)}
    assert (rows["A"]["total"], rows["A"]["reached"], rows["A"]["help"]) == (7, 2, 1)
    assert rows["A"]["unreachable"] == 1 and rows["B"]["reached"] == 0


def test_bad_input(federation: Federation, region: dict[str, Any]) -> None:
    empty_unit = make_unit(federation.c, "C9", "group")
    with pytest.raises(ValidationError):
        sweeps.start_sweep(actor=federation.central, unit=empty_unit, title="x")
    with pytest.raises(ValidationError):
        sweeps.start_sweep(actor=federation.regional, unit=federation.r1, title=" ")
    with pytest.raises(PermissionDeniedError):
        sweeps.start_sweep(actor=federation.officer_a, unit=federation.r1, title="x")
    sweep = sweeps.start_sweep(actor=federation.regional, unit=federation.r1, title="確認")
    theirs = SweepTarget.objects.filter(sweep=sweep, unit=federation.b).first()
    assert theirs is not None
    with pytest.raises(PermissionDeniedError):
        sweeps.record_outcome(actor=federation.officer_a, target=theirs, outcome="ok")
    client = signed_in(federation.officer_a)
    assert (
        client.post(reverse("care:sweep-record", args=[theirs.pk]), {"outcome": "ok"}).status_code
        == 404
    )
    sweeps.close_sweep(actor=federation.regional, sweep=sweep)
    mine = SweepTarget.objects.filter(sweep=sweep, unit=federation.a).first()
    assert mine is not None
    with pytest.raises(ValidationError):
        sweeps.record_outcome(actor=federation.officer_a, target=mine, outcome="ok")


def test_pages_coverage_report_and_no_leak(federation: Federation, region: dict[str, Any]) -> None:
    sweep = sweeps.start_sweep(actor=federation.regional, unit=federation.r1, title="安否確認")
    sweeps.assign_targets(actor=federation.regional, sweep=sweep)
    regional = signed_in(federation.regional)
    page = regional.get(reverse("care:sweep", args=[sweep.pk])).content.decode()
    assert 'data-testid="coverage"' in page and '<tr data-unit="B">' in page
    officer_a = signed_in(federation.officer_a)
    own = officer_a.get(reverse("care:sweep", args=[sweep.pk])).content.decode()
    assert MARK_B not in own and "My list" in own or "私の" in own or "my-list" in own
    assert MARK_B not in officer_a.get(reverse("care:my-list", args=[sweep.pk])).content.decode()
    sweeps.close_sweep(actor=federation.regional, sweep=sweep)
    report = regional.get(reverse("care:sweep", args=[sweep.pk])).content.decode()
    assert 'id="h-missed"' in report and MARK_B in report  # B's households, for the region
    theirs = officer_a.get(reverse("care:sweep", args=[sweep.pk])).content.decode()
    assert MARK_B not in theirs
    assert officer_a.get(reverse("care:unit-sweeps", args=["B"])).status_code in (403, 404)
    # A sweep of branch B is not seen by A at all.
    b_sweep = sweeps.start_sweep(
        actor=federation.officer_b, unit=federation.b, title=f"{MARK_B} 確認"
    )
    assert officer_a.get(reverse("care:sweep", args=[b_sweep.pk])).status_code == 404
    assert MARK_B not in officer_a.get(reverse("care:unit-sweeps", args=["A"])).content.decode()
    work = officer_a.get(reverse("home:my-work")).content.decode()
    assert MARK_B not in work


def test_sweeps_over_the_api(federation: Federation, region: dict[str, Any]) -> None:
    from django.test import Client

    from branchwork.access.services import create_api_token

    def auth(user: Any) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": "Bearer " + create_api_token(user=user, name="t", days=1)[1]}

    client = Client()
    made = client.post(
        "/api/v1/sweeps",
        {"unit": "R1", "title": "安否確認", "needs": ["薬"]},
        content_type="application/json",
        **auth(federation.regional),
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert client.post(f"/api/v1/sweeps/{pk}/assign", **auth(federation.regional)).json() == {
        "assigned": 10
    }
    mine = client.get(f"/api/v1/sweeps/{pk}/my-targets", **auth(federation.officer_b)).json()
    assert len(mine["items"]) == 3 and all(t["unit"] == "B" for t in mine["items"])
    first = mine["items"][0]["id"]
    done = client.post(
        f"/api/v1/sweep-targets/{first}/outcome",
        {"outcome": "needs_help", "needs": ["薬"]},
        content_type="application/json",
        **auth(federation.officer_b),
    ).json()
    assert done["recorded"] is True and done["case_id"] is not None
    refused = client.post(
        f"/api/v1/sweep-targets/{first}/outcome",
        {"outcome": "ok"},
        content_type="application/json",
        **auth(federation.officer_a),
    )
    assert refused.status_code == 404  # B's household is not on A's list nor in A's units
    rows = client.get(f"/api/v1/sweeps/{pk}/coverage", **auth(federation.regional)).json()
    b = next(r for r in rows if r["unit"] == "B")
    assert (b["total"], b["reached"], b["needs_help"]) == (3, 1, 1)
    a_rows = client.get(f"/api/v1/sweeps/{pk}/coverage", **auth(federation.officer_a)).json()
    assert {r["unit"] for r in a_rows} == {"A"}
    client.post(f"/api/v1/sweeps/{pk}/close", **auth(federation.regional))
    missed = client.get(
        f"/api/v1/sweeps/{pk}/never-reached?limit=100", **auth(federation.officer_a)
    )
    assert MARK_B not in missed.content.decode() and missed.json()["count"] == 7


def test_a_printed_list_and_its_ticks(
    federation: Federation, region: dict[str, Any], tmp_path: Any
) -> None:
    from tests.imports.test_paper import fonts_of, screenshot, text_of

    sweep = sweeps.start_sweep(actor=federation.regional, unit=federation.r1, title="安否確認")
    sweeps.assign_targets(actor=federation.regional, sweep=sweep)
    client = signed_in(federation.officer_b)
    client.cookies["django_language"] = "ja"
    pdf = client.get(reverse("care:sweep-sheet", args=[sweep.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = text_of(pdf.content, tmp_path)
    assert "安否確認" in text and f"{MARK_B}B-0" in text.replace(" ", "")
    assert all(row.split()[-5] == "yes" for row in fonts_of(pdf.content, tmp_path))
    screenshot(pdf.content, tmp_path, "sweep-sheet-ja")
    # A's officer prints only their own list: none of B's households.
    assert MARK_B not in text_of(
        signed_in(federation.officer_a).get(reverse("care:sweep-sheet", args=[sweep.pk])).content,
        tmp_path,
    )
    rows = sweeps.sheet_rows(federation.officer_b, sweep)
    url = reverse("care:sweep-ticks", args=[sweep.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"t1": "ok", "t2": "maybe"})
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()
    assert not SweepTarget.objects.filter(sweep=sweep).exclude(outcome="pending").exists()
    done = client.post(url, {"t1": "ok", "t3": "needs_help", "n3": ["food"]})
    assert done.status_code == 302
    outcomes = {n: SweepTarget.objects.get(pk=t.pk).outcome for n, t in rows}
    assert outcomes == {1: "ok", 2: "pending", 3: "needs_help"}
