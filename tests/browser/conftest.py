"""Browser fixtures: one headless Debian chromium per session, driven by Playwright's sync API.

Every test gets a fresh browser context and a ``page`` that records console errors, page errors
and Content-Security-Policy violations; the test fails at teardown if any were seen. Pages are
served by pytest-django's ``live_server`` (static files included), so the CSP headers are real.

Never run ``playwright install``: the browser is /usr/bin/chromium.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# The sync Playwright API runs an asyncio event loop in this thread; Django's ORM would refuse
# to run next to it without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).resolve().parent
AXE_PATH = HERE / "vendor" / "axe-4.14.1.min.js"
SCREENSHOTS = HERE.parent.parent / "docs" / "screenshots"
TIMEOUT_MS = 10_000

# Runs in every document before its own scripts; init scripts are not subject to the page's CSP.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__bwReportCsp(JSON.stringify({
    directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, sample: e.sample, page: document.location.href,
  }));
});
"""
CSP_WORDS = ("Content Security Policy", "Content-Security-Policy", "Refused to")


@dataclass
class PageProblems:
    console_errors: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = []
        for title, items in (
            ("CSP violations", self.csp),
            ("page errors", self.page_errors),
            ("console errors", self.console_errors),
        ):
            if items:
                lines.append(f"{title}:")
                lines.extend(f"  - {i}" for i in items)
        if any("/static/" in e and "404" in e for e in self.console_errors):
            lines.append(
                "hint: static files answer 404; the live server finds them through the staticfiles"
                " finders, so branchwork/static must be in settings.STATICFILES_DIRS"
            )
        return "\n".join(lines)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(
    browser: Browser,
    live_server: Any,
    transactional_db: Any,
    page_problems: PageProblems,
) -> Iterator[Page]:
    """A page in a fresh context (English browser, 1280×800) that must stay free of errors."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        extra_http_headers={"Accept-Language": "en-US,en;q=0.9"},
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)

    def report_csp(_source: Any, payload: str) -> None:
        page_problems.csp.append(payload)

    context.expose_binding("__bwReportCsp", report_csp)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()

    def on_console(msg: ConsoleMessage) -> None:
        text = msg.text
        if any(w in text for w in CSP_WORDS):
            page_problems.csp.append(f"console {msg.type}: {text}")
        elif msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            if where.endswith("/favicon.ico"):
                return  # chromium asks for one by itself; the app has none (not a page error)
            page_problems.console_errors.append(f"{text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: page_problems.page_errors.append(str(exc)))
    try:
        yield page
        # Let late events (fonts, violation reports) arrive before judging.
        if not page.is_closed():
            page.wait_for_timeout(50)
    finally:
        context.close()
    problems = page_problems.summary()
    assert not problems, f"the browser reported problems:\n{problems}"


@pytest.fixture
def demo(transactional_db: Any) -> Iterator[Any]:
    """The small demo federation (seed 1), built once for the test; the shared cache is cleared
    around it so sign-in rate limits counted by the live server do not leak into other tests."""
    from django.core.cache import cache

    from branchwork.org.demo import build_demo

    cache.clear()
    result = build_demo(size="small", seed=1)
    try:
        yield result
    finally:
        cache.clear()


# Helpers used by the tests -------------------------------------------------------------------


def totp_for(username: str) -> str:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:06d}"


def sign_in(page: Page, username: str, password: str | None = None) -> None:
    """Sign in through the real forms, with the TOTP second factor when one is asked for."""
    from branchwork.org.demo import DEMO_PASSWORD

    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
    if page.url.split("?")[0].endswith("/accounts/two-factor/verify/"):
        page.fill("input[name=otp_token]", totp_for(username))
        with page.expect_navigation():
            page.click("form:has(input[name=otp_token]) button[type=submit]")


def switch_language(page: Page, code: str) -> None:
    with page.expect_navigation():
        page.click(f"form.langs button[name=language][value={code}]")
    assert html_lang(page) == code


def html_lang(page: Page) -> str:
    return str(page.evaluate("document.documentElement.lang"))


def path_of(page: Page) -> str:
    from urllib.parse import urlsplit

    return urlsplit(page.url).path


_AXE_SOURCE: str | None = None


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the current document and return its violations.

    ``add_script_tag`` injects an inline <script>, which the CSP (script-src 'self') blocks, so
    the vendored file is evaluated through the DevTools protocol instead, which CSP does not see.
    """
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE_PATH.read_text(encoding="utf-8")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_AXE_SOURCE + "\n;undefined")
    page.evaluate("document.fonts.ready.then(() => true)")
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({
              target: n.target.join(' '), html: n.html.slice(0, 200),
              summary: (n.failureSummary || '').slice(0, 400),
            })),
          }));
        }"""
    )
    return list(result)


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def describe(where: str, violations: list[dict[str, Any]]) -> str:
    out = []
    for v in violations:
        out.append(f"[{where}] {v['impact']}: {v['id']}: {v['help']} ({v['helpUrl']})")
        for n in v["nodes"][:5]:
            out.append(f"    at {n['target']}: {n['html']}")
            if n["summary"]:
                out.append("      " + n["summary"].replace("\n", "\n      "))
        if len(v["nodes"]) > 5:
            out.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(out)


def no_horizontal_overflow(page: Page, width: int) -> None:
    sizes = page.evaluate(
        "({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth})"
    )
    if sizes["doc"] > width:
        wide = page.evaluate(
            """(w) => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > w + 0.5)
                 .slice(0, 10).map(e => e.tagName.toLowerCase()
                   + (e.className ? '.' + String(e.className).replace(/ +/g, '.') : '')
                   + ' right=' + Math.round(e.getBoundingClientRect().right))""",
            width,
        )
        raise AssertionError(
            f"page is {sizes['doc']} px wide at a {width} px viewport; too wide: {json.dumps(wide)}"
        )


def web_fonts_loaded(page: Page) -> set[str]:
    """The self-hosted font families that this document actually loaded (after fonts.ready)."""
    page.evaluate("document.fonts.ready.then(() => true)")
    families = page.evaluate(
        """[...document.fonts].filter(f => f.status === 'loaded')
             .map(f => f.family.replace(/["']/g, ''))"""
    )
    return set(families)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(path), full_page=True)
    return path
