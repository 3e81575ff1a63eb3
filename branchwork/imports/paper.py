"""Printed lists ("paper"), as PDF: a branch roster, a household list and address labels.

Branch officers work from paper: these render a scoped selection (``imports.selection``, already
narrowed to the user's scope by the caller) in the reader's language (ko, ja or en), on A4.

Fonts: the vendored Noto Sans KR/JP (``static/fonts``: Fontsource cuts each family and weight
into ~120 woff2 slices by unicode range) are embedded, so Korean and Japanese print on any
machine. Handing WeasyPrint the slices themselves does not work: it decodes every
``@font-face`` it is given (496 rules, ~12 s), and it keys a PDF's fonts by family, weight
and style, so slices of one family print one another's glyphs. So each document gets its own
fonts, at most one per family and weight, made of exactly the glyphs it prints (see
``_fonts``). Decoded slices are cached on disk (``VAR_DIR/cache/paper-fonts``) and parsed ones
in memory. The URL fetcher serves those fonts and nothing else: a list reaches no file or URL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

import phonenumbers
from django.conf import settings
from django.db.models import Model, Prefetch, QuerySet, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from fontTools.fontBuilder import FontBuilder  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont, woff2  # type: ignore[import-untyped]
from fontTools.ttLib.tables._g_l_y_f import Glyph  # type: ignore[import-untyped]
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from branchwork.core.templatetags.branchwork import postal
from branchwork.org.models import Unit
from branchwork.people.models import (
    DatePrecision,
    Household,
    HouseholdMember,
    HouseholdRelation,
    Person,
)

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
KR, JP = "Noto Sans KR", "Noto Sans JP"
# Characters the page boxes add (page numbers "n / N") beside those of the document itself.
_GENERATED = "0123456789 /·"
_BOLD_TAGS = frozenset({"h1", "h2", "h3", "th", "strong"})


@dataclass(frozen=True)
class LabelLayout:
    """An A4 label sheet: a grid of labels, measured in millimetres from the sheet's corner."""

    name: Promise
    columns: int
    rows: int
    width: float
    height: float
    top: float
    left: float

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows


LABEL_LAYOUTS: dict[str, LabelLayout] = {
    # A-One 28181 / 72221 kind: the sheet's full width, 0.45 mm above and below.
    "21": LabelLayout(
        gettext_lazy("21 labels per A4 sheet (3 × 7, 70 × 42.3 mm)"), 3, 7, 70, 42.3, 0.45, 0
    ),
    # A-One 28315 / 72212 kind: margins on all four sides.
    "12": LabelLayout(
        gettext_lazy("12 labels per A4 sheet (2 × 6, 86.4 × 42.3 mm)"), 2, 6, 86.4, 42.3, 21.6, 18.6
    ),
}


# --- rows, in the reader's language ------------------------------------------------------------


@dataclass
class _PersonRow:
    number: int
    name: str
    reading: str
    other_name: str
    sex: str
    born: str
    age: str
    deceased: bool
    phones: list[str]
    postal_code: str = ""
    address: str = ""
    relation: str = ""


@dataclass
class _Group:
    unit: Unit
    rows: list[Any] = field(default_factory=list)


def _reading(person: Person) -> str:
    kana = f"{person.family_name_kana} {person.given_name_kana}".strip()
    return kana or f"{person.everyday_family_name_kana} {person.everyday_given_name_kana}".strip()


def _other_name(person: Person, lang: str, shown: str) -> str:
    """The name in the other script of the two a reader here knows (hangul and kanji)."""
    if lang == "ko":
        other = f"{person.family_name_kanji} {person.given_name_kanji}".strip()
    else:
        other = f"{person.family_name_hangul}{person.given_name_hangul}"
    return "" if other == shown.replace(" ", "") or other == shown else other


def _born(person: Person) -> str:
    day = person.birth_date
    if day is None:
        return ""
    if person.birth_precision == DatePrecision.YEAR:
        return _("year %(year)s") % {"year": day.year}
    if person.birth_precision == DatePrecision.MONTH:
        return formats.date_format(day, "YEAR_MONTH_FORMAT")
    return formats.date_format(day, "DATE_FORMAT")


def _age(person: Person, today: dt.date) -> str:
    """The age today; a range ("50–51") when the birth date is known to the month or year only
    and the birthday may or may not have passed."""
    born = person.birth_date
    if born is None or person.deceased_date is not None or born > today:
        return ""
    years = today.year - born.year
    if person.birth_precision == DatePrecision.YEAR or (
        person.birth_precision == DatePrecision.MONTH and today.month == born.month
    ):
        return f"{max(years - 1, 0)}–{years}"
    if person.birth_precision == DatePrecision.MONTH:
        return str(years - (today.month < born.month))
    return str(years - ((today.month, today.day) < (born.month, born.day)))


def _phone(number: str) -> str:
    """A stored E.164 number as people write it: domestic form for Japan, else international."""
    try:
        parsed = phonenumbers.parse(number, "JP")
    except phonenumbers.NumberParseException:
        return number
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 81
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(parsed, style))


def _person_row(number: int, person: Person, lang: str, today: dt.date) -> _PersonRow:
    name = person.display_name
    return _PersonRow(
        number=number,
        name=name,
        reading=_reading(person),
        other_name=_other_name(person, lang, name),
        sex=person.get_sex_display() if person.sex else "",
        born=_born(person),
        age=_age(person, today),
        deceased=person.deceased_date is not None,
        phones=[_phone(n) for n in (person.mobile, person.phone) if n],
    )


_RELATION_ORDER = {value: i for i, value in enumerate(HouseholdRelation.values)}


def _member_order(member: HouseholdMember) -> tuple[int, dt.date, int]:
    person = member.person
    return (_RELATION_ORDER.get(member.relation, 99), person.birth_date or dt.date.max, person.pk)


# --- loading: the caller's selection, with what the lists show, in a fixed number of queries ----

_M = TypeVar("_M", bound=Model)


def _load(items: Iterable[_M], *lookups: str | Prefetch[Any]) -> list[_M]:
    if isinstance(items, QuerySet):
        items = items.select_related("unit")
    loaded = list(items)
    prefetch_related_objects(loaded, "unit", *lookups)
    return loaded


def _current_members() -> Prefetch[Any]:
    """Who lives in the household now (erased records left out)."""
    members = HouseholdMember.objects.filter(
        until__isnull=True, person__erased_at__isnull=True
    ).select_related("person")
    return Prefetch("members", queryset=members, to_attr="paper_members")


def _grouped(items: Iterable[_M]) -> list[_Group]:
    """Items by unit, units in tree order, items in the order given."""
    groups: dict[int, _Group] = {}
    for item in items:
        unit: Unit = item.unit  # type: ignore[attr-defined]
        groups.setdefault(unit.pk, _Group(unit)).rows.append(item)
    return sorted(groups.values(), key=lambda g: g.unit.path)


# --- the three documents -----------------------------------------------------------------------


def roster_pdf(people: Iterable[Person], *, title: str, lang: str) -> bytes:
    """A roster of people, by unit: name (with kana reading and the name in the other script),
    sex, birth date and age, phones, address (the person's own, else their household's)."""
    links = HouseholdMember.objects.filter(until__isnull=True).select_related("household")
    loaded = _load(people, Prefetch("household_links", queryset=links, to_attr="paper_links"))
    with translation.override(lang):
        today = timezone.localdate()
        groups = _grouped(loaded)
        number = 0
        for group in groups:
            rows = []
            for person in group.rows:
                number += 1
                row = _person_row(number, person, lang, today)
                home = person.paper_links[0].household if person.paper_links else None
                if person.address or home is None:
                    row.postal_code, row.address = postal(person.postal_code), person.address
                else:
                    row.postal_code, row.address = postal(home.postal_code), home.address
                rows.append(row)
            group.rows = rows
        html = render_to_string(
            "imports/paper/roster.html",
            {**_page(title, lang, today), "groups": groups, "total": number},
        )
    return _pdf(html, lang)


def households_pdf(households: Iterable[Household], *, title: str, lang: str) -> bytes:
    """Households by unit: each one's postal code and address, then its current members, the
    head first, with their relation to the household, sex, birth date and age, phones."""
    loaded = _load(households, _current_members())
    with translation.override(lang):
        today = timezone.localdate()
        groups = _grouped(loaded)
        number = 0
        for group in groups:
            homes = []
            for household in group.rows:
                number += 1
                members = []
                for member in sorted(household.paper_members, key=_member_order):
                    row = _person_row(0, member.person, lang, today)
                    row.relation = member.get_relation_display()
                    members.append(row)
                homes.append(
                    {
                        "number": number,
                        "postal_code": postal(household.postal_code),
                        "address": household.address,
                        "members": members,
                    }
                )
            group.rows = homes
        html = render_to_string(
            "imports/paper/households.html",
            {**_page(title, lang, today), "groups": groups, "total": number},
        )
    return _pdf(html, lang)


def addressee(household: Household) -> tuple[Person | None, int]:
    """Whom a household's label is addressed to, and how many live there.

    One label per household, addressed to its head; without a recorded head, to its eldest
    member (unknown birth dates last, then the earliest record). When others live there too,
    the label says so ("%(name)s and family"; in Japanese 「…様 ご家族様」). Only current, living
    members count, so a household whose members have all left, died or been erased gets no
    label: there is nobody to address it to. ``household.paper_members`` must be loaded.
    """
    living = [m for m in household.paper_members if m.person.deceased_date is None]  # type: ignore[attr-defined]
    if not living:
        return None, 0
    head = min(
        living,
        key=lambda m: (
            m.relation != HouseholdRelation.HEAD,
            m.person.birth_date or dt.date.max,
            m.person.pk,
        ),
    )
    return head.person, len(living)


def labels_pdf(households: Iterable[Household], *, lang: str, layout: str = "21") -> bytes:
    """Address labels for a postal mailing on an A4 label sheet (``LABEL_LAYOUTS``), one per
    household, in the order given: 〒 postal code, the address (wrapped, smaller when long),
    then the addressee with the honorific of the reader's language (see ``addressee``)."""
    sheet = LABEL_LAYOUTS[layout]
    loaded = _load(households, _current_members())
    with translation.override(lang):
        labels: list[dict[str, Any]] = []
        for household in loaded:
            person, living = addressee(household)
            if person is None:
                continue
            name = person.display_name
            if living > 1:
                line = _("%(name)s and family") % {"name": name}
            else:
                line = pgettext("address label", "%(name)s") % {"name": name}
            slot = len(labels) % sheet.per_sheet
            labels.append(
                {
                    "postal_code": postal(household.postal_code),
                    "address": household.address,
                    "addressee": line,
                    "long": len(household.address) > (26 if sheet.width < 80 else 34),
                    "top": f"{sheet.top + (slot // sheet.columns) * sheet.height:.2f}",
                    "left": f"{sheet.left + (slot % sheet.columns) * sheet.width:.2f}",
                }
            )
        sheets = [labels[i : i + sheet.per_sheet] for i in range(0, len(labels), sheet.per_sheet)]
        html = render_to_string(
            "imports/paper/labels.html",
            {
                "lang": lang,
                "title": str(sheet.name),
                "sheets": sheets,
                "width": f"{sheet.width:.2f}",
                "height": f"{sheet.height:.2f}",
            },
        )
    return _pdf(html, lang)


def document_lang(request: Any) -> str:
    """The language a printed document is asked for (``?lang=ko|ja``), else the reader's; the
    documents are printed in Korean or Japanese."""
    lang = request.GET.get("lang") or (translation.get_language() or "ja")[:2]
    return lang if lang in ("ko", "ja") else "ja"


def render_pdf(template: str, context: dict[str, Any], *, title: str, lang: str) -> bytes:
    """Another app's printed page (extending imports/paper/base.html) as a PDF in ``lang``,
    with the fonts it needs embedded."""
    with translation.override(lang):
        page = _page(title, lang, timezone.localdate())
        html = render_to_string(template, {**page, **context})
    return _pdf(html, lang)


def _page(title: str, lang: str, today: dt.date) -> dict[str, Any]:
    return {"title": title, "lang": lang, "printed": formats.date_format(today, "DATE_FORMAT")}


# --- PDF and fonts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Face:
    family: str
    weight: int
    path: Path
    unicode_range: str


class _Text(HTMLParser):
    """The characters a document prints, and those of them it prints in bold."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.regular: set[str] = set(_GENERATED)
        self.bold: set[str] = set()
        self._bold = 0
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._bold += tag in _BOLD_TAGS
        self._hidden += tag in ("head", "style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._bold -= tag in _BOLD_TAGS and self._bold > 0
        self._hidden -= tag in ("head", "style", "title") and self._hidden > 0

    def handle_data(self, data: str) -> None:
        if not self._hidden:  # bold text is printed again in regular by the page headers
            self.regular.update(data)
            if self._bold:
                self.bold.update(data)


def _codepoints(unicode_range: str) -> Iterable[int]:
    for part in unicode_range.split(","):
        low, _dash, high = part.strip().upper().removeprefix("U+").partition("-")
        if "?" in low:
            low, high = low.replace("?", "0"), low.replace("?", "F")
        yield from range(int(low, 16), int(high or low, 16) + 1)


@lru_cache(maxsize=1)
def _font_index() -> tuple[list[_Face], dict[tuple[str, int], dict[int, int]]]:
    """The faces of fonts.css, and for each family and weight: codepoint → face."""
    css = (FONT_DIR / "fonts.css").read_text(encoding="utf-8")
    faces: list[_Face] = []
    index: dict[tuple[str, int], dict[int, int]] = {}
    for body in re.findall(r"@font-face\s*\{([^}]*)\}", css):
        rule = dict(re.findall(r"([\w-]+)\s*:\s*([^;]+);", body))
        src = re.search(r"url\(([^)]+)\)", rule.get("src", ""))
        if src is None:
            continue
        face = _Face(
            family=rule["font-family"].strip("'\" "),
            weight=int(rule.get("font-weight", "400")),
            path=(FONT_DIR / src[1].strip("'\"")).resolve(),
            unicode_range=rule.get("unicode-range", "U+0-10FFFF").strip(),
        )
        faces.append(face)
        cover = index.setdefault((face.family, face.weight), {})
        for codepoint in _codepoints(face.unicode_range):
            cover.setdefault(codepoint, len(faces) - 1)
    return faces, index


def _decoded(path: Path) -> bytes:
    """A woff2 slice as the OpenType font inside it. Decoding is slow in Python (~30 ms a
    slice), so the result is kept in ``VAR_DIR/cache/paper-fonts`` for every later process."""
    stat = path.stat()
    cached = Path(settings.VAR_DIR) / "cache" / "paper-fonts" / f"{path.stem}-{stat.st_size}.ttf"
    if cached.exists():
        return cached.read_bytes()
    out = BytesIO()
    with path.open("rb") as woff:
        woff2.decompress(woff, out)
    data = out.getvalue()
    with contextlib.suppress(OSError):  # a cache that cannot be written is no cache
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        os.replace(partial, cached)
    return data


@lru_cache(maxsize=300)
def _slice(path: Path) -> TTFont:
    """A slice, parsed (tables are read when first used); kept for the process's next lists."""
    return TTFont(BytesIO(_decoded(path)))


def _copy(glyf: Any, name: str) -> Glyph:
    """A glyph of a cached slice, as a glyph of its own (building a font changes its glyphs)."""
    glyph = Glyph(glyf[name].compile(glyf))
    glyph.expand(glyf)
    return glyph


def _merged_font(family: str, weight: int, faces: dict[int, set[int]]) -> bytes:
    """One font holding the glyphs of ``faces`` (face → its codepoints the document prints).

    The slices are cut from one font (same em, metrics, no composite glyphs, no hinting), so
    their glyphs and advances carry over as they are. One font per family and weight keeps
    the layout and the PDF light: WeasyPrint handles 4 fonts much faster than 70 slices.
    """
    all_faces, _index = _font_index()
    order, glyphs, metrics, cmap = [".notdef"], {}, {}, {}
    first: TTFont | None = None
    for i, codepoints in sorted(faces.items()):
        font = _slice(all_faces[i].path)
        first = first or font
        best, glyf, hmtx = font.getBestCmap(), font["glyf"], font["hmtx"]
        if ".notdef" not in glyphs:
            glyphs[".notdef"] = _copy(glyf, ".notdef")
            metrics[".notdef"] = hmtx[".notdef"]
        for codepoint in sorted(codepoints):
            name = best.get(codepoint)
            if name is None:
                continue
            new = f"u{codepoint:04X}"
            order.append(new)
            glyphs[new] = _copy(glyf, name)
            metrics[new] = hmtx[name]
            cmap[codepoint] = new
    assert first is not None
    os2, hhea = first["OS/2"], first["hhea"]
    builder = FontBuilder(first["head"].unitsPerEm, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(cmap)
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics(metrics)
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    names = {n.nameID: n.toUnicode() for n in first["name"].names if n.nameID in (0, 13, 14)}
    style = "Bold" if weight >= 700 else "Regular"
    builder.setupNameTable(
        {
            "familyName": family,
            "styleName": style,
            "psName": f"{family.replace(' ', '')}-{style}",
            "copyright": names.get(0, ""),
            "licenseDescription": names.get(13, ""),
            "licenseInfoURL": names.get(14, ""),
        }
    )
    bold = weight >= 700
    builder.font["head"].macStyle = 1 if bold else 0
    builder.setupOS2(
        usWeightClass=weight,
        fsType=os2.fsType,
        # USE_TYPO_METRICS kept; then BOLD or REGULAR
        fsSelection=(os2.fsSelection & 0x80) | (0x20 if bold else 0x40),
        sTypoAscender=os2.sTypoAscender,
        sTypoDescender=os2.sTypoDescender,
        sTypoLineGap=os2.sTypoLineGap,
        usWinAscent=os2.usWinAscent,
        usWinDescent=os2.usWinDescent,
        sxHeight=os2.sxHeight,
        sCapHeight=os2.sCapHeight,
    )
    builder.setupPost()
    out = BytesIO()
    builder.save(out)
    return out.getvalue()


_BUILDING = threading.Lock()  # parsed slices are shared by the process's threads


def _fonts(html: str, lang: str) -> tuple[str, dict[str, bytes]]:
    """The document's fonts: @font-face rules and the font behind each rule's URL.

    Each character the document prints goes to the first family of the reader's stack (KR
    first for Korean, JP first otherwise) that has it, in weight 700 if it stands in a bold
    element and 400 otherwise; a font per family and weight is then made of exactly those
    glyphs.
    """
    families = (KR, JP) if lang == "ko" else (JP, KR)
    text = _Text()
    text.feed(html)
    text.close()
    faces, index = _font_index()
    wanted: dict[tuple[str, int], dict[int, set[int]]] = {}
    for weight, chars in ((400, text.regular), (700, text.bold)):
        for char in chars:
            for family in families:
                found = index.get((family, weight), {}).get(ord(char))
                if found is not None:
                    wanted.setdefault((family, weight), {}).setdefault(found, set()).add(ord(char))
                    break
    for (family, weight), by_face in wanted.items():  # Pango may give a space to any font
        space = index[family, weight][0x20]
        by_face.setdefault(space, set()).add(0x20)
    rules, fonts = [], {}
    with _BUILDING:
        for (family, weight), by_face in sorted(wanted.items()):
            url = f"paper-font:{family.replace(' ', '-')}-{weight}"
            fonts[url] = _merged_font(family, weight, by_face)
            rules.append(
                f"@font-face {{ font-family: '{family}'; font-style: normal; "
                f"font-weight: {weight}; src: url({url}) format('truetype'); }}"
            )
    stack = ", ".join(f"'{family}'" for family in families)
    rules.append(f"html {{ font-family: {stack}, sans-serif; }}")
    rules.append(f"@page {{ font-family: {stack}, sans-serif; }}")  # the page's header, footer
    return "\n".join(rules), fonts


class _FontFetcher(URLFetcher):  # type: ignore[misc]
    """Serves the document's fonts; refuses every other URL (a list fetches nothing else)."""

    def __init__(self, fonts: dict[str, bytes]) -> None:
        super().__init__()
        self.fonts = fonts

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url in self.fonts:
            return URLFetcherResponse(url, body=self.fonts[url])
        raise ValueError(f"a printed list fetches nothing but its fonts: {url}")


def _pdf(html: str, lang: str) -> bytes:
    css, fonts = _fonts(html, lang)
    fetcher = _FontFetcher(fonts)
    font_config = FontConfiguration()
    stylesheet = CSS(string=css, font_config=font_config, url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet], font_config=font_config)
    return pdf
