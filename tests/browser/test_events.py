"""An event from start to door on a phone: a branch officer makes an event, registers two
people, checks one in with the payload of their QR code, and sees the count. Screenshot:
docs/screenshots/check-in-ko-360.png."""

from __future__ import annotations

import datetime as dt
import re
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


def test_make_an_event_register_two_and_check_one_in_by_qr(page: Page, demo: Any) -> None:
    import segno
    from django.utils import timezone

    from branchwork.activities.models import Event, Registration
    from branchwork.org.models import Unit
    from branchwork.people.models import Person

    sign_in(page, "branch-officer")
    page.set_viewport_size(PHONE)
    switch_language(page, "ko")
    page.goto("/units/B0101/events/new/")
    starts = timezone.localtime() + dt.timedelta(days=2)
    page.fill("input[name=title_ko]", "시월 마당극 공연")
    page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", (starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=capacity]", "50")
    no_horizontal_overflow(page, PHONE["width"])
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    event = Event.objects.get(title_ko="시월 마당극 공연")
    assert path_of(page) == f"/events/{event.pk}/"

    branch = Unit.objects.get(code="B0101")
    two = list(Person.objects.filter(unit__path__startswith=branch.path).order_by("pk")[:2])
    for person in two:
        page.fill("input[name=person]", str(person.pk))
        with page.expect_navigation():
            page.click("form:has(input[name=person]) button[type=submit]")
    expect(page.locator("[data-testid=counts]")).to_contain_text("2")
    bad = serious(run_axe(page))
    assert not bad, describe("event", bad)

    # The QR code on the first registration carries its code: decode what the page serves
    # by making the same symbol from the stored code, and scan that payload at the door.
    first = Registration.objects.get(event=event, person=two[0])
    svg = page.request.get(f"/events/{event.pk}/registrations/{first.pk}/qr.svg").text()
    assert (
        svg.startswith("<svg")
        and segno.make(first.code, error="m").svg_inline(scale=6, dark="#111") == svg
    )
    page.goto(f"/events/{event.pk}/check-in/")
    page.fill("input[name=code]", first.code)
    with page.expect_navigation():
        page.click("form:has(input[name=code]) button[type=submit]")
    counts = page.locator("[data-testid=counts]")
    expect(counts).to_have_text(re.compile(r"^\D*2\D+0\D+1\D*$"))  # 2 registered, 1 present
    no_horizontal_overflow(page, PHONE["width"])
    bad = serious(run_axe(page))
    assert not bad, describe("check-in", bad)
    screenshot(page, "check-in-ko-360.png")
    first.refresh_from_db()
    assert first.attended_at is not None
