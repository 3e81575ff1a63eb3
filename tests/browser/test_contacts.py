"""The contact log on a phone: a branch officer finds a quiet household, records a visit with
a follow-up, sees it on "My work" and marks it done. Screenshot: docs/screenshots/
contacts-ja-360.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    describe,
    no_horizontal_overflow,
    path_of,
    run_axe,
    screenshot,
    serious,
    sign_in,
    switch_language,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 800}


def test_an_officer_records_a_visit_and_follows_it_up_on_a_phone(page: Page, demo: Any) -> None:
    from django.utils import timezone

    from branchwork.activities.models import Contact

    sign_in(page, "branch-officer")
    page.set_viewport_size(PHONE)
    switch_language(page, "ja")
    page.goto("/units/B0101/")
    with page.expect_navigation():
        page.click("a[href='/units/B0101/quiet/']")
    assert path_of(page) == "/units/B0101/quiet/"
    no_horizontal_overflow(page, PHONE["width"])
    bad = serious(run_axe(page))
    assert not bad, describe("quiet households", bad)
    first = page.locator("table tbody tr a").first
    with page.expect_navigation():
        first.click()
    household_id = int(path_of(page).strip("/").split("/")[1])
    before = Contact.objects.filter(household_id=household_id).count()

    today = timezone.localdate().isoformat()
    page.check("input[name=channel][value=visit]")
    page.fill("textarea[name=note]", "訪問して近況を伺った")
    page.fill("input[name=follow_up_on]", today)
    no_horizontal_overflow(page, PHONE["width"])
    bad = serious(run_axe(page))
    assert not bad, describe("record a contact", bad)
    with page.expect_navigation():
        page.click("form:has(textarea[name=note]) button[type=submit]")
    expect(page.locator("ul.log li").first).to_contain_text("訪問して近況を伺った")
    assert Contact.objects.filter(household_id=household_id).count() == before + 1
    screenshot(page, "contacts-ja-360.png")

    page.goto("/")
    item = page.locator("section:has(#h-follow) li", has_text="訪問して近況を伺った")
    expect(item).to_have_count(1)
    with page.expect_navigation():
        item.locator("button[type=submit]").click()
    assert path_of(page) == "/"
    expect(
        page.locator("section:has(#h-follow) li", has_text="訪問して近況を伺った")
    ).to_have_count(0)
    contact = Contact.objects.get(household_id=household_id, note="訪問して近況を伺った")
    assert contact.follow_up_done_at is not None
