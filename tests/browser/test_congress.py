"""A congress in a browser: the door checks a delegate in from their badge's QR code, the
delegate's phone (a phone-sized page) takes the voting pass and votes, and the projector shows
the result once the chair has closed and published the poll.

Screenshots: docs/screenshots/congress-check-in.png, congress-vote.png, congress-projector.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    CHROMIUM_ARGS,  # noqa: F401 (the same browser as the other tests)
    TIMEOUT_MS,
    describe,
    run_axe,
    screenshot,
    serious,
    sign_in,
)

pytestmark = pytest.mark.browser


def test_check_in_vote_on_a_phone_and_see_the_result(
    page: Page, browser: Browser, live_server: Any, demo: Any
) -> None:
    import segno
    from django.urls import reverse

    from branchwork.access.models import User
    from branchwork.congress import services
    from branchwork.congress.models import Congress, Credential, DelegateRole, PollKind, Quota
    from branchwork.people.models import Person

    admin = User.objects.get(username="central-admin")
    congress = Congress.objects.get(number=25)
    quota = Quota.objects.filter(congress=congress).order_by("unit__code").last()
    assert quota is not None
    person = (
        Person.objects.filter(unit__path__startswith=quota.unit.path, delegacies__isnull=True)
        .order_by("pk")
        .first()
    )
    quota.delegates += 1
    quota.save()
    delegate = services.nominate(
        actor=admin, congress=congress, unit=quota.unit, person=person, role=DelegateRole.DELEGATE
    )
    services.set_credential(actor=admin, delegate=delegate, credential=Credential.CONFIRMED)
    poll = services.create_poll(
        actor=admin, congress=congress, title="予算案の承認", kind=PollKind.YES_NO, secret=True
    )
    services.open_poll(actor=admin, poll=poll)

    # The door: the badge's QR code holds the check-in address; the phone's camera opens it.
    badge_url = live_server.url + reverse(
        "congress:check-in-code", kwargs={"pk": congress.pk, "code": delegate.badge_code}
    )
    assert segno.make(badge_url, error="m").designator  # the badge encodes exactly this
    sign_in(page, "central-admin")
    page.goto(badge_url)
    expect(page.locator("input[name=code]")).to_have_value(delegate.badge_code)
    with page.expect_navigation():
        page.click("form button[type=submit]:has-text('Check in')")
    expect(page.locator("section.done h2")).to_contain_text("is checked in")
    expect(page.locator("section.done img")).to_be_visible()
    screenshot(page, "congress-check-in.png")
    pass_url = page.locator("#pass-link").get_attribute("href")
    assert pass_url

    # The delegate's phone.
    phone_context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        extra_http_headers={"Accept-Language": "en-US,en;q=0.9"},
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    phone_context.set_default_timeout(TIMEOUT_MS)
    phone = phone_context.new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        phone.goto(pass_url)
        with phone.expect_navigation():
            phone.click("text=Use this phone to vote")
        expect(phone.locator("h2:has-text('予算案の承認')")).to_be_visible()
        phone.locator("label:has-text('Yes') input").check()
        with phone.expect_navigation():
            phone.click("button:has-text('Cast the vote')")
        receipt = phone.locator("#receipt").inner_text()
        assert len(receipt) == 10
        expect(phone.locator("text=Voted.")).to_be_visible()
        bad = serious(run_axe(phone))
        assert not bad, describe("phone", bad)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the phone page scrolls sideways ({width}px)"
        screenshot(phone, "congress-vote.png")
    finally:
        phone_context.close()
    assert not errors, errors

    # The chair closes and publishes; the projector shows the result.
    page.goto(reverse("congress:poll", args=[poll.pk]))
    with page.expect_navigation():
        page.click("button:has-text('Close and count')")
    with page.expect_navigation():
        page.click("button:has-text('Publish the result')")
    page.goto(reverse("congress:projector", args=[congress.pk]))
    expect(page.locator("#polls h2").first).to_have_text("予算案の承認")
    expect(page.locator("#polls .verdict").first).to_have_text("Carried")
    expect(page.locator("#quorum")).to_contain_text("votes present")
    screenshot(page, "congress-projector.png")
    published = page.goto(reverse("congress:published", args=[poll.pk]))
    assert published is not None and receipt in published.text()
