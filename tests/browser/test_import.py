"""The import in a browser, on a phone: upload a CP932 file, see the columns read, check it,
import it while a real task worker runs it and the progress bar is polled, read the report."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_overflow, screenshot, sign_in, switch_language

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 800}


def _file(codes: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["氏名", "フリガナ", "性別", "生年月日", "郵便番号", "住所", "携帯"])
    writer.writerow(
        [
            "金 英洙",
            "キム ヨンス",
            "男",
            "昭和50年3月2日",
            f"〒{codes[0][:3]}-{codes[0][3:]}",
            "本町1-2-3",
            "090-1234-5678",
        ]
    )
    writer.writerow(["李 英子", "イ ヨンジャ", "女", "S52.4.1", codes[0], "本町1丁目2番3号", ""])
    writer.writerow(
        ["朴 春子", "パク チュンジャ", "女", "昭和64年2月1日", codes[-1], "本町5-5", ""]
    )
    return out.getvalue().encode("cp932")


def _worker() -> subprocess.Popen[bytes]:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url)
    command = [sys.executable, "-m", "branchwork.cli", "db_worker", "--no-reload"]
    command += ["--interval", "0.2", "--no-startup-delay"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_an_officer_imports_a_spreadsheet_on_a_phone(page: Page, demo: Any) -> None:
    from branchwork.people.models import Household, Person

    officer = next(login for login in demo.logins if login[0] == "branch-officer")
    unit_code = officer[3]
    codes = list(
        Household.objects.filter(unit__code=unit_code).values_list("postal_code", flat=True)[:2]
    )
    assert codes
    sign_in(page, "branch-officer")
    page.set_viewport_size(PHONE)
    page.goto(f"/imports/new/?unit={unit_code}")
    switch_language(page, "ja")
    with translation.override("ja"):
        checked, imported = _("Check: what the import would do"), _("What was imported")
        era = _("“%(text)s” is not in the %(era)s era (%(span)s).").split("%(era)s")[1][:4]
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "名簿.csv", "mimeType": "text/csv", "buffer": _file(codes)}],
    )
    with page.expect_navigation():
        page.click("form[enctype] button[type=submit]")
    # The preview: the columns as read, one of them changed by hand.
    expect(page.locator("table.preview")).to_contain_text("金 英洙")
    expect(page.locator("table.preview")).to_contain_text("昭和50年3月2日")
    assert page.locator("select[name=col3]").input_value() == "birth_date"
    assert page.locator("select[name=col6]").input_value() == "mobile"
    screenshot(page, "import-preview-360.png")

    worker = _worker()
    try:
        with page.expect_navigation():
            page.click("button[name=action][value=check]")
        expect(page.locator("h2", has_text=checked)).to_be_visible(timeout=30_000)
        expect(page.locator("table").last).to_contain_text("昭和64年2月1日")
        expect(page.locator("table").last).to_contain_text(era)
        assert not Person.objects.filter(given_name_kanji="英洙").exists()

        with page.expect_navigation():
            page.click("button[name=action][value=import]")
        expect(page.locator("h2", has_text=imported)).to_be_visible(timeout=30_000)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    kim = Person.objects.get(family_name_kanji="金", given_name_kanji="英洙")
    lee = Person.objects.get(family_name_kanji="李", given_name_kanji="英子")
    assert kim.unit.code.startswith(unit_code) and kim.mobile == "+819012345678"
    assert kim.household_links.get().household_id == lee.household_links.get().household_id
    no_horizontal_overflow(page, 360)
    screenshot(page, "import-report-360.png")
