"""A welfare sweep on a phone: a branch officer opens "My work", goes to their households to
reach, and records one tap per household (all right, not reached, needs help with a need
ticked); the sweep's coverage shows the two reached. Screenshot:
docs/screenshots/sweep-list-ja-360.png."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    describe,
    no_horizontal_overflow,
    run_axe,
    screenshot,
    serious,
    sign_in,
    switch_language,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 800}


def test_an_officer_works_through_sweep_targets_on_a_phone(page: Page, demo: Any) -> None:
    from branchwork.access.models import User
    from branchwork.care import sweeps
    from branchwork.care.models import SweepTarget
    from branchwork.org.models import Unit

    officer = User.objects.get(username="branch-officer")
    branch = Unit.objects.get(code="B0101")
    sweep = sweeps.start_sweep(actor=officer, unit=branch, title="春の安否確認")
    sweeps.assign_targets(actor=officer, sweep=sweep)
    assert sweeps.my_targets(officer, sweep).count() >= 3

    sign_in(page, "branch-officer")
    page.set_viewport_size(PHONE)
    switch_language(page, "ja")
    page.goto("/")
    with page.expect_navigation():
        page.click(f"a[href='/sweeps/{sweep.pk}/mine/']")
    cards = page.locator("li[data-target]")
    first, second, third = (cards.nth(i).get_attribute("data-target") for i in range(3))
    no_horizontal_overflow(page, PHONE["width"])
    bad = serious(run_axe(page))
    assert not bad, describe("sweep list", bad)
    screenshot(page, "sweep-list-ja-360.png")

    with page.expect_navigation():
        page.click(f"li[data-target='{first}'] button[value=ok]")
    with page.expect_navigation():
        page.click(f"li[data-target='{second}'] button[value=unreachable]")
    card = page.locator(f"li[data-target='{third}']")
    card.locator("summary").click()
    card.locator("input[name=needs]").first.check()
    card.locator("input[name=note]").fill("薬が足りない")
    with page.expect_navigation():
        card.locator("button[value=needs_help]").click()
    outcomes = dict(
        SweepTarget.objects.filter(pk__in=[first, second, third]).values_list("pk", "outcome")
    )
    assert outcomes == {int(first): "ok", int(second): "unreachable", int(third): "needs_help"}
    # The three are off the list (the unreachable one comes back in two days).
    for done in (first, second, third):
        expect(page.locator(f"li[data-target='{done}']")).to_have_count(0)

    page.goto(f"/sweeps/{sweep.pk}/")
    expect(page.locator("[data-testid=share]")).to_contain_text(re.compile(r"\b2\b"))
    no_horizontal_overflow(page, PHONE["width"])
