"""Browser tests: the sign-in flow, languages, drilling down the tree, 360 px screenshots,
accessibility (axe-core) and keyboard use. They run in the PostgreSQL pass only.

Screenshots are written to docs/screenshots/ (unit-ko-360.png, unit-ja-360.png,
my-work-ko-360.png).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    AXE_PATH,
    PageProblems,
    describe,
    html_lang,
    no_horizontal_overflow,
    path_of,
    run_axe,
    screenshot,
    serious,
    sign_in,
    switch_language,
    totp_for,
    web_fonts_loaded,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 800}


def test_sign_in_with_second_factor_switch_to_korean_and_drill_down(page: Page, demo: Any) -> None:
    from branchwork.org.demo import DEMO_PASSWORD
    from branchwork.org.models import Unit

    # Password, then the TOTP code, then "My work".
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "central-admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
    assert path_of(page) == "/accounts/two-factor/verify/"
    page.fill("input[name=otp_token]", totp_for("central-admin"))
    with page.expect_navigation():
        page.click("form:has(input[name=otp_token]) button[type=submit]")
    assert path_of(page) == "/"
    expect(page.locator("main h1")).to_be_visible()
    assert page.locator("nav a[href='/units/']").count() == 1

    # Korean, through the switcher in the header; it stays while navigating.
    switch_language(page, "ko")
    assert path_of(page) == "/"
    expect(page.locator("form.langs button[value=ko]")).to_have_attribute("aria-current", "true")

    names = {
        u.code: u.name_ko for u in Unit.objects.filter(code__in=["FED", "R01", "B0101", "G010101"])
    }

    # Units → the federation (the only root) → region → branch → group, by clicking links.
    with page.expect_navigation():
        page.click("header nav a[href='/units/']")
    assert path_of(page) == "/units/FED/"
    expect(page.locator("main h1")).to_have_text(names["FED"])
    assert html_lang(page) == "ko"

    for code in ("R01", "B0101", "G010101"):
        with page.expect_navigation():
            page.click(f"[data-testid=child-{code}]")
        assert path_of(page) == f"/units/{code}/"
        expect(page.locator("main h1")).to_have_text(names[code])
        assert html_lang(page) == "ko"

    # The group has its officer(s).
    expect(page.locator("[data-testid=officer]").first).to_be_visible()
    assert page.locator("[data-testid=officer]").count() >= 1

    # The breadcrumb leads back: federation › region › branch › (this group).
    crumbs = page.locator("nav.crumbs")
    links = crumbs.locator("a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "/units/FED/",
        "/units/R01/",
        "/units/B0101/",
    ]
    assert [t.strip() for t in links.all_inner_texts()] == [
        names["FED"],
        names["R01"],
        names["B0101"],
    ]
    expect(crumbs.locator("[aria-current=page]")).to_have_text(names["G010101"])

    # Back up to the branch by the breadcrumb: its officers are listed too.
    with page.expect_navigation():
        crumbs.locator("a[href='/units/B0101/']").click()
    assert path_of(page) == "/units/B0101/"
    assert page.locator("[data-testid=officer]").count() >= 3
    crumbs = page.locator("nav.crumbs")
    assert crumbs.locator("a").count() == 2
    expect(crumbs.locator("[aria-current=page]")).to_have_text(names["B0101"])
    assert html_lang(page) == "ko"


def test_screenshots_at_360_px_in_korean_and_japanese(page: Page, demo: Any) -> None:
    sign_in(page, "central-admin")
    page.set_viewport_size(PHONE)

    switch_language(page, "ko")
    no_horizontal_overflow(page, PHONE["width"])
    assert "Noto Sans KR" in web_fonts_loaded(page)  # the bundled font, not a system fallback
    screenshot(page, "my-work-ko-360.png")

    page.goto("/units/B0101/")
    assert html_lang(page) == "ko"
    assert page.locator("[data-testid=officer]").count() >= 3
    no_horizontal_overflow(page, PHONE["width"])
    screenshot(page, "unit-ko-360.png")

    switch_language(page, "ja")
    assert path_of(page) == "/units/B0101/"
    no_horizontal_overflow(page, PHONE["width"])
    assert "Noto Sans JP" in web_fonts_loaded(page)
    screenshot(page, "unit-ja-360.png")

    # The other main pages fit a phone too.
    for url in ("/units/FED/", "/units/FED/access/", "/units/G010101/"):
        page.goto(url)
        no_horizontal_overflow(page, PHONE["width"])


def _waiting_allocation_url() -> str:
    from branchwork.money.models import Allocation

    allocation = Allocation.objects.filter(status="proposed").order_by("pk").first()
    assert allocation is not None, "the demo has an allocation waiting for approval"
    return f"/money/allocations/{allocation.pk}/"


def test_no_serious_accessibility_violations(page: Page, demo: Any) -> None:
    from branchwork.org.demo import DEMO_PASSWORD

    found: list[str] = []

    def check(where: str) -> None:
        bad = serious(run_axe(page))
        if bad:
            found.append(describe(where, bad))

    page.goto("/accounts/login/")
    check("login")
    page.fill("input[name=username]", "central-admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
    assert path_of(page) == "/accounts/two-factor/verify/"
    check("two-factor verify")
    page.fill("input[name=otp_token]", totp_for("central-admin"))
    with page.expect_navigation():
        page.click("form:has(input[name=otp_token]) button[type=submit]")
    assert path_of(page) == "/"
    check("my work")
    for where, url in (
        ("federation unit", "/units/FED/"),
        ("branch unit", "/units/B0101/"),
        ("access", "/units/FED/access/"),
        ("people search", "/people/?q=Kim"),
        ("record a person", "/people/new/?unit=B0101"),
        ("my account", "/accounts/"),
        ("school", "/schools/S001/"),
        ("children at school", "/units/B0101/pupils/"),
        ("money", "/units/R01/money/"),
        ("dues", "/units/FED/money/dues/"),
        ("donations", "/units/R01/money/donations/"),
        ("money reports", "/money/reports/"),
        ("health", "/units/R01/health/"),
        ("allocation", _waiting_allocation_url()),
    ):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        check(where)
    # And once in Korean and Japanese (lang attributes, fonts, longer labels).
    switch_language(page, "ko")
    check("access (ko)")
    page.goto("/units/B0101/")
    switch_language(page, "ja")
    check("branch unit (ja)")

    assert not found, "serious or critical axe-core violations:\n" + "\n".join(found)


def test_login_page_keyboard_order(page: Page) -> None:
    page.goto("/accounts/login/")

    def focused() -> str:
        return str(
            page.evaluate(
                """() => { const e = document.activeElement;
                  if (!e || e === document.body) return 'body';
                  if (e.classList.contains('skip')) return 'skip';
                  if (e.name) return e.tagName.toLowerCase() + ':' + e.name + (e.value && e.tagName === 'BUTTON' ? '=' + e.value : '');
                  return e.tagName.toLowerCase() + ':' + (e.getAttribute('href') || e.type || ''); }"""
            )
        )

    # The user name field has autofocus. Walk one whole round with Tab: past the last element
    # focus leaves the document (the body is active), then starts again from its beginning.
    expect(page.locator("input[name=username]")).to_be_focused()
    cycle = [focused()]
    for _ in range(40):
        page.keyboard.press("Tab")
        current = focused()
        if current == cycle[0]:
            break
        cycle.append(current)
    assert "body" in cycle, f"Tab never left the document: {cycle}"
    wrap = cycle.index("body")
    order = cycle[wrap + 1 :] + cycle[:wrap]  # the document's tab order, from its start
    assert order[0] == "skip", f"the skip link is not the first focusable element: {order}"
    i = order.index("input:username")
    assert order[i : i + 3] == ["input:username", "input:password", "button:submit"], order
    assert order.index("input:username") > order.index("button:language=en"), order

    # The skip link shows when focused and moves focus to the main content.
    for _ in range(len(cycle)):
        if focused() == "skip":
            break
        page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("input[name=username]")).to_be_focused()


def test_chosen_language_is_remembered(page: Page) -> None:
    page.goto("/accounts/login/")
    assert html_lang(page) == "en"  # from the browser's Accept-Language
    switch_language(page, "ja")
    assert path_of(page) == "/accounts/login/"
    # A fresh load of another page, in the same browser: still Japanese.
    page.goto("/accounts/password-reset/")
    assert html_lang(page) == "ja"
    expect(page.locator("form.langs button[value=ja]")).to_have_attribute("aria-current", "true")
    page.goto("/accounts/login/")
    assert html_lang(page) == "ja"


def test_the_page_fixture_notices_csp_violations(page: Page, page_problems: PageProblems) -> None:
    """The guard itself: an inline script is refused by the CSP, and the fixture sees it."""
    page.goto("/accounts/login/")
    with pytest.raises(Exception, match="Content Security Policy"):
        page.add_script_tag(path=str(AXE_PATH))  # injected inline, so refused

    # The securitypolicyviolation event (and maybe a console message) arrive asynchronously.
    def event_seen() -> bool:
        return any(v.startswith("{") and "script-src" in v for v in page_problems.csp)

    for _ in range(100):
        if event_seen():
            break
        page.wait_for_timeout(20)
    assert event_seen(), page_problems.summary()
    page.wait_for_timeout(200)  # let a console report of the same refusal arrive too
    assert page.evaluate("typeof window.axe") == "undefined"
    page_problems.csp.clear()  # expected here; any other problem still fails the test


def test_live_search_finds_people_by_any_form(page: Page, demo: Any) -> None:
    """Typing in the search box refreshes the results in place (htmx), on a phone."""
    from branchwork.people.models import Person

    sign_in(page, "regional-officer")
    page.set_viewport_size(PHONE)
    person = Person.objects.filter(unit__code__startswith="B01").exclude(family_name_latin="")
    target = person.first()
    assert target is not None
    page.goto("/people/")
    query = target.family_name_hangul + target.given_name_hangul
    with page.expect_response(lambda r: "/people/?" in r.url and "q=" in r.url):
        page.fill("input[name=q]", query)
    page.wait_for_url(re.compile(r"/people/\?.*q="))
    expect(page.locator("[data-testid=person]").first).to_be_visible()
    names = page.locator("[data-testid=person]").all_inner_texts()
    assert any(
        target.given_name_latin in n
        or target.given_name_hangul in n
        or target.given_name_kanji in n
        for n in names
    ), names
    # The search is in the address too, so it survives a reload and can be shared.
    no_horizontal_overflow(page, 360)
    screenshot(page, f"people-search-{html_lang(page)}-360.png")
