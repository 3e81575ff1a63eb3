"""Branch health in a browser: the central administrator opens the federation's health page,
the map of the regions, clicks a region, reaches a flagged branch and opens a support plan for
it. Screenshots: docs/screenshots/health-map.png, health-region.png, health-plan.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import describe, run_axe, screenshot, serious, sign_in

pytestmark = pytest.mark.browser


def test_from_the_map_to_a_support_plan(page: Page, demo: Any) -> None:
    from django.utils import timezone

    from branchwork.health.models import Snapshot, SupportPlan
    from branchwork.org.models import Unit

    # B0102 of R01 scores low this month: it is flagged on its region's page.
    month = timezone.localdate().replace(day=1)
    branch = Unit.objects.get(code="B0102")
    Snapshot.objects.update_or_create(
        unit=branch, month=month, metric="score", defaults={"value": 20.0, "numerator": 0}
    )
    before = SupportPlan.objects.filter(unit=branch).count()

    sign_in(page, "central-admin")
    page.goto("/units/FED/health/")
    with page.expect_navigation():
        page.click("a[href='/health/map/']")
    expect(page.locator("svg.japan path")).to_have_count(47)
    bad = serious(run_axe(page))
    assert not bad, describe("map", bad)
    screenshot(page, "health-map.png")

    with page.expect_navigation():
        page.locator("a[data-unit='R01'] path").click()
    assert page.url.split("?")[0].endswith("/units/R01/health/")
    expect(page.locator("text=The score is below 40.").first).to_be_visible()
    screenshot(page, "health-region.png")

    with page.expect_navigation():
        page.click("a[href='/units/B0102/plans/']")
    with page.expect_navigation():
        page.click("a[href='/units/B0102/plans/new/']")
    later = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    page.fill("input[name=title]", "연락망 재건")
    page.fill("input[name=review_on]", later)
    page.select_option("select[name=goal_1_metric]", "contacted")
    page.fill("input[name=goal_1_target]", "60")
    page.fill("input[name=goal_1_deadline]", later)
    page.locator("input[name=helpers]").first.check()
    with page.expect_navigation():
        page.click("form button.primary")
    expect(page.locator("h1")).to_have_text("연락망 재건")
    assert SupportPlan.objects.filter(unit=branch).count() == before + 1
    bad = serious(run_axe(page))
    assert not bad, describe("plan", bad)
    screenshot(page, "health-plan.png")
