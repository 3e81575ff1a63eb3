"""Support plans: opened by a unit above for a unit under it, goals followed from the
snapshots, visits logged by helpers, the review moved with a reason, closed only when the
goals are met; a sibling branch sees none of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from branchwork.core.errors import PermissionDeniedError
from branchwork.health import plans
from branchwork.health.models import Snapshot, SupportPlan
from tests.conftest import MARK_B, Federation, make_user, signed_in

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
SOON = TODAY + dt.timedelta(days=60)


def snapshot(unit: object, metric: str, value: float) -> None:
    Snapshot.objects.update_or_create(
        unit=unit,
        month=TODAY.replace(day=1),
        metric=metric,
        defaults={"value": value, "numerator": int(value), "denominator": None},
    )


def test_a_plan_from_opening_to_closing(federation: Federation) -> None:
    helper = make_user("helper-r1", "officer", federation.r1)
    snapshot(federation.a, "contacted", 0.2)
    snapshot(federation.a, "overdue_cases", 3)
    # The branch itself cannot open one for itself; the region can.
    assert not plans.may_open(federation.officer_a, federation.a)
    with pytest.raises(PermissionDeniedError):
        plans.open_plan(
            actor=federation.officer_a,
            unit=federation.a,
            title="x",
            review_on=SOON,
            goals=[("contacted", 50, SOON)],
        )
    plan = plans.open_plan(
        actor=federation.regional,
        unit=federation.a,
        title="A支部の立て直し",
        review_on=SOON,
        goals=[("contacted", 50, SOON), ("overdue_cases", 0, SOON)],
        helpers=[helper],
    )
    got = [(p.goal.metric, p.current, p.met) for p in plans.progress(plan)]
    assert got == [("contacted", 20.0, False), ("overdue_cases", 3.0, False)]
    with pytest.raises(ValidationError, match="Not every goal is met"):
        plans.close(actor=federation.regional, plan=plan)
    plans.log_visit(actor=helper, plan=plan, note="支部会議に参加した")
    with pytest.raises(PermissionDeniedError):  # A's own officer is neither helper nor above
        plans.log_visit(actor=federation.officer_a, plan=plan, note="x")
    with pytest.raises(ValidationError):
        plans.extend(actor=federation.regional, plan=plan, review_on=SOON, reason="まだ")
    plans.extend(
        actor=federation.regional,
        plan=plan,
        review_on=SOON + dt.timedelta(days=30),
        reason="訪問を続ける",
    )
    snapshot(federation.a, "contacted", 0.55)
    snapshot(federation.a, "overdue_cases", 0)
    assert all(p.met for p in plans.progress(plan))
    plans.close(actor=federation.regional, plan=plan)
    plan.refresh_from_db()
    assert plan.status == "closed"
    assert [e.kind for e in plan.events.order_by("pk")] == ["visit", "extended", "closed"]


def test_bad_plans_are_refused(federation: Federation) -> None:
    outsider = make_user("officer-c", "officer", federation.c)
    for goals, review in (
        ([], SOON),
        ([("magic", 1, SOON)], SOON),
        ([("contacted", 150, SOON)], SOON),  # a share is at most 100 per cent
        ([("contacted", 50, TODAY - dt.timedelta(days=1))], SOON),
        ([("contacted", 50, SOON)], TODAY - dt.timedelta(days=1)),
    ):
        with pytest.raises(ValidationError):
            plans.open_plan(
                actor=federation.regional,
                unit=federation.a,
                title="t",
                review_on=review,
                goals=goals,
            )
    with pytest.raises(ValidationError, match="Helpers come from"):
        plans.open_plan(
            actor=federation.regional,
            unit=federation.a,
            title="t",
            review_on=SOON,
            goals=[("contacted", 50, SOON)],
            helpers=[outsider],
        )
    assert not SupportPlan.objects.exists()


def test_the_pages_and_a_sibling(federation: Federation) -> None:
    helper = make_user("helper-r1", "officer", federation.r1)
    regional = signed_in(federation.regional)
    form = regional.get(reverse("health:plan-new", args=["B"]))
    assert form.status_code == 200 and "helper-r1" in form.content.decode()
    response = regional.post(
        reverse("health:plan-new", args=["B"]),
        {
            "title": f"{MARK_B} 支援",
            "review_on": SOON.isoformat(),
            "helpers": [helper.pk],
            "goal_1_metric": "contacted",
            "goal_1_target": "50",
            "goal_1_deadline": SOON.isoformat(),
        },
    )
    plan = SupportPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "health:plan", args=[plan.pk]
    )
    page = signed_in(helper).get(reverse("health:plan", args=[plan.pk]))
    assert page.status_code == 200 and 'value="visit"' in page.content.decode()
    signed_in(helper).post(
        reverse("health:plan", args=[plan.pk]), {"form": "visit", "visit-note": "会議に参加"}
    )
    assert plan.events.count() == 1
    # Branch A sees nothing of B's plan; B's own officer sees it but cannot open one.
    officer_a = signed_in(federation.officer_a)
    assert officer_a.get(reverse("health:plan", args=[plan.pk])).status_code == 404
    assert officer_a.get(reverse("health:unit-plans", args=["B"])).status_code == 404
    assert MARK_B not in officer_a.get(reverse("health:unit-plans", args=["A"])).content.decode()
    officer_b = signed_in(federation.officer_b)
    assert officer_b.get(reverse("health:plan", args=[plan.pk])).status_code == 200
    assert officer_b.get(reverse("health:plan-new", args=["B"])).status_code == 403


def test_plans_over_the_api(federation: Federation) -> None:
    from branchwork.access.services import create_api_token

    make_user("helper-r1", "officer", federation.r1)

    def auth(user: object) -> dict[str, str]:
        token = create_api_token(user=user, name="t", days=1)[1]  # type: ignore[arg-type]
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    client = signed_in(federation.officer_a)
    made = client.post(
        "/api/v1/units/B/plans",
        {
            "title": f"{MARK_B} 支援",
            "review_on": SOON.isoformat(),
            "helpers": ["helper-r1"],
            "goals": [{"metric": "contacted", "target": 50, "deadline": SOON.isoformat()}],
        },
        content_type="application/json",
        **auth(federation.regional),
    )
    assert made.status_code == 201, made.content
    plan = made.json()
    assert plan["helpers"] == ["helper-r1"] and plan["goals"][0]["met"] is False
    visit = client.post(
        f"/api/v1/plans/{plan['id']}/visits",
        {"note": "訪問"},
        content_type="application/json",
        **auth(federation.regional),
    )
    assert visit.status_code == 201 and visit.json()["events"][0]["kind"] == "visit"
    closing = client.post(f"/api/v1/plans/{plan['id']}/close", **auth(federation.regional))
    assert closing.status_code == 422
    mine = auth(federation.officer_a)
    assert client.get(f"/api/v1/plans/{plan['id']}", **mine).status_code == 404
    assert client.get("/api/v1/units/B/plans", **mine).status_code == 404
    assert MARK_B not in client.get("/api/v1/units/A/plans", **mine).content.decode()
