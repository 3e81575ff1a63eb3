"""Importing the organisation from spreadsheets: units, territories, officers' terms and grants.

``branchwork import units|territories|officers|grants FILE`` (or the import page) runs one of
the four importers below. Each reads the whole file first, then writes every valid row in one
transaction and reports the others, as the people import does:

* a row is **rejected** when it cannot be imported (an unknown unit, a bad code, a refusal of
  the rules); rows that depend on a rejected row (a unit whose parent row was rejected) are
  rejected with it;
* a row is **flagged** when it was imported but a value in it was left out (a bad phone);
* a **decision** line says what was done with a row that was already recorded: unchanged, or
  updated (the changed fields only, audited).

Importing the same file again changes nothing. A dry run writes nothing and reports all.

Scoping: a unit (parent unit, territory's unit, officer's unit, grant's unit) that the importer
may not work in is reported exactly as a unit that does not exist, and nothing of another
unit's records (names, labels, people) ever enters the report: only what the file itself says.
Everything happens inside the import's unit (``Options.unit``); without one (the system, or a
superuser) anywhere.

Units are written through the bulk path (ids reserved, materialised paths computed here as
``org.services.create_unit`` computes them), territories too; officers' terms and grants go
through ``org.services.appoint`` and ``access.services.grant_role`` one row at a time when a
user runs the import, so their rules (the delegation rule above all) decide, and their refusal
becomes the row's reason. Run by the system (the command line without ``--user``), which
those services do not take, officers' posts and terms are written through the bulk path with
the same checks and the same audit entries.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branchwork.access import audit
from branchwork.access import services as access_services
from branchwork.access.models import Grant, Role, User
from branchwork.access.scoping import Scope, scope_for
from branchwork.core.bulk import bulk_insert, reserve_ids
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org import services as org_services
from branchwork.org.models import (
    ALLOWED_PARENTS,
    Post,
    PostType,
    Term,
    TerritoryArea,
    TerritoryKind,
    Unit,
    UnitKind,
    UnitStatus,
    path_segment,
)
from branchwork.org.services import CODE_RE, UNIT_FIELDS
from branchwork.people.models import Person
from branchwork.people.selectors import visible_people

from . import cleaning, columns, report, services
from .cleaning import CellError
from .columns import Column
from .people_import import Issue, Options, Result
from .reading import MAX_CELL, Cell

PROGRESS_EVERY = 2_000
CHUNK = 5_000  # values in one ``IN (…)`` list

# --------------------------------------------------------------------------------------------
# The report's words for this module's codes (merged into report.MESSAGES below)
# --------------------------------------------------------------------------------------------

MESSAGES = {
    "formula_key": _("A formula, not a value: the row was not imported."),
    "code_invalid": _(
        "“%(text)s” is not a unit code: 1 to 40 letters, digits, hyphens or underscores."
    ),
    "code_twice": _("The code “%(code)s” is already in row %(row)s of the file."),
    "code_taken": _("This code is already used by another unit."),
    "kind_unknown": _("“%(text)s” is not a kind of unit."),
    "unit_name_missing": _("A new unit needs its name in Korean, Japanese and English."),
    "parent_required": _("Only a federation may stand without a parent unit."),
    "federation_not_allowed": _("Only the system administrator may add a federation."),
    "parent_unknown": _("No unit with the code “%(code)s” in your units or in this file."),
    "parent_rejected": _("Its parent unit (row %(row)s) was not imported, so neither is this one."),
    "parent_cycle": _("The parent codes of these rows go round in a circle."),
    "parent_outside": _("The parent unit “%(code)s” is outside the unit of this import."),
    "parent_not_admin": _("You need the administration permission on the parent unit “%(code)s”."),
    "parent_inactive": _("The parent unit “%(code)s” is no longer active (merged or dissolved)."),
    "kind_not_allowed": _("A unit of this kind cannot be placed under that parent unit."),
    "unit_unchanged": _("Already recorded (#%(id)s), unchanged."),
    "unit_updated": _("Already recorded (#%(id)s): updated %(columns)s."),
    "not_moved": _(
        "The file names another parent unit: the unit was not moved (moving units is done on "
        "the unit's page)."
    ),
    "kind_not_changed": _(
        "The unit is already recorded as another kind: an import does not change it."
    ),
    "unit_inactive": _("The unit “%(code)s” is no longer active (merged or dissolved)."),
    "unit_outside": _("The unit “%(code)s” is outside the unit of this import."),
    "territory_kind_unknown": _(
        "“%(text)s” is not a kind of territory (a postal code or a municipality)."
    ),
    "postal_prefix_invalid": _("“%(text)s” is not a postal-code prefix (1 to 7 digits)."),
    "municipality_invalid": _("“%(text)s” is not a municipality code (5 or 6 digits)."),
    "territory_claimed": _("This area already belongs to another unit."),
    "territory_claimed_by": _("This area already belongs to the unit “%(code)s”."),
    "territory_in_file": _("Row %(row)s of the file gives this area to another unit."),
    "territory_repeated": _("The same area as row %(row)s."),
    "territory_unchanged": _("Already recorded for this unit, unchanged."),
    "territory_updated": _("Already recorded for this unit: its label updated."),
    "post_unknown": _("“%(text)s” is not a kind of officer post."),
    "term_end_before_start": _("A term cannot end before it starts."),
    "post_added": _("The unit had no such post: it was added (seats: %(seats)s)."),
    "term_repeated": _("The same term as row %(row)s."),
    "term_unchanged": _("This term is already recorded (#%(id)s), unchanged."),
    "term_updated": _("This term is already recorded (#%(id)s): its end updated."),
    "not_allowed": _("You may not do this in this unit."),
    "user_unknown": _("No active user “%(text)s”."),
    "user_missing": _("Give the user's name or e-mail address."),
    "email_ambiguous": _(
        "Several users have the e-mail address “%(text)s”: give the user name instead."
    ),
    "role_unknown": _("“%(text)s” is not a role."),
    "grant_not_admin": _("You need the administration permission on this unit to grant roles."),
    "grant_beyond_own": _("You cannot grant a role with permissions you do not hold yourself."),
    "grant_end_before_start": _("A grant cannot end before it starts."),
    "grant_repeated": _("The same grant as row %(row)s."),
    "grant_unchanged": _("This user already has this role on this unit, unchanged."),
    "grant_updated": _("This user already has this role on this unit: its end updated."),
}
report.MESSAGES.update(MESSAGES)

# Refusals of the org and access services, by their ValidationError code, as report codes.
_REFUSALS = {
    "not_admin": "grant_not_admin",
    "beyond_own": "grant_beyond_own",
    "inactive_unit": "unit_inactive",
    "out_of_scope": "unknown_unit",
    "claimed": "territory_claimed",
}

# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------

_UNIT_CODE_ALIASES = ("組織コード", "組織", "支部コード", "조직코드", "조직", "unit", "unitcode")

UNIT_COLUMNS: tuple[Column, ...] = (
    Column("code", _("Code"), ("コード", "code", "코드", "unitcode", "組織コード", "조직코드")),
    Column(
        "parent",
        _("Parent unit"),
        (
            "上部組織",
            "上部組織コード",
            "上位組織",
            "上位組織コード",
            "親組織",
            "所属",
            "상위조직",
            "상위조직코드",
            "상급조직",
            "parent",
            "parentunit",
            "parentcode",
        ),
    ),
    Column("kind", _("Kind"), ("種別", "種類", "区分", "종류", "구분", "kind", "type", "unitkind")),
    Column(
        "name_ko",
        _("Name (Korean)"),
        (
            "名称(韓国語)",
            "韓国語名",
            "名称(朝鮮語)",
            "명칭(한국어)",
            "한국어명",
            "조직명",
            "namekorean",
            "nameko",
            "koreanname",
        ),
    ),
    Column(
        "name_ja",
        _("Name (Japanese)"),
        (
            "名称(日本語)",
            "日本語名",
            "名称",
            "組織名",
            "명칭(일본어)",
            "일본어명",
            "namejapanese",
            "nameja",
            "japanesename",
        ),
    ),
    Column(
        "name_en",
        _("Name (English)"),
        (
            "名称(英語)",
            "英語名",
            "명칭(영어)",
            "영어명",
            "영문명",
            "nameenglish",
            "nameen",
            "englishname",
            "name",
        ),
    ),
    Column(
        "postal_code",
        _("Postal code"),
        ("郵便番号", "〒", "우편번호", "postalcode", "zip", "zipcode", "postcode"),
    ),
    Column("address", _("Address"), ("住所", "所在地", "주소", "소재지", "address")),
    Column(
        "public_phone",
        _("Public phone"),
        (
            "電話",
            "電話番号",
            "公開電話番号",
            "tel",
            "전화",
            "전화번호",
            "공개전화번호",
            "phone",
            "telephone",
            "publicphone",
        ),
    ),
    Column(
        "public_email",
        _("Public e-mail"),
        (
            "メール",
            "メールアドレス",
            "公開メールアドレス",
            "eメール",
            "이메일",
            "메일",
            "공개이메일",
            "email",
            "e-mail",
            "mail",
            "publicemail",
        ),
    ),
)

TERRITORY_COLUMNS: tuple[Column, ...] = (
    Column("unit", _("Unit code"), (*_UNIT_CODE_ALIASES, "コード", "코드", "code")),
    Column("kind", _("Kind"), ("種別", "種類", "区分", "종류", "구분", "kind", "type")),
    Column(
        "value",
        _("Postal-code prefix or municipality code"),
        (
            "値",
            "郵便番号",
            "〒",
            "郵便番号の先頭桁",
            "市区町村コード",
            "값",
            "우편번호",
            "우편번호앞자리",
            "시구정촌코드",
            "value",
            "postalcode",
            "prefix",
            "zip",
            "municipality",
            "municipalitycode",
        ),
    ),
    Column(
        "label",
        _("Label"),
        ("ラベル", "表示名", "地域名", "地区名", "라벨", "표시이름", "지역명", "label", "area"),
    ),
)

OFFICER_COLUMNS: tuple[Column, ...] = (
    Column("unit", _("Unit code"), _UNIT_CODE_ALIASES),
    Column(
        "post",
        _("Post"),
        (
            "役職",
            "役職コード",
            "役職名",
            "직책",
            "직위",
            "직책코드",
            "post",
            "posttype",
            "position",
        ),
    ),
    Column(
        "person",
        _("Registry number"),
        (
            "人物番号",
            "登録番号",
            "名簿番号",
            "명부번호",
            "人物",
            "인물번호",
            "등록번호",
            "인물",
            "person",
            "personnumber",
            "personid",
            "id",
        ),
    ),
    Column(
        "start",
        _("Start"),
        ("開始日", "就任日", "任期開始", "시작일", "취임일", "start", "startdate", "from"),
    ),
    Column("end", _("End"), ("終了日", "退任日", "任期終了", "종료일", "퇴임일", "end", "enddate")),
    Column("note", _("Notes"), ("備考", "メモ", "비고", "메모", "note", "notes", "remarks")),
)

GRANT_COLUMNS: tuple[Column, ...] = (
    Column(
        "user",
        _("User name"),
        (
            "ユーザー",
            "ユーザー名",
            "ログイン名",
            "사용자",
            "사용자명",
            "사용자이름",
            "아이디",
            "user",
            "username",
            "login",
        ),
    ),
    Column(
        "email",
        _("E-mail"),
        ("メール", "メールアドレス", "eメール", "이메일", "메일", "email", "e-mail", "mail"),
    ),
    Column(
        "role",
        _("Role"),
        ("役割", "役割コード", "権限", "역할", "역할코드", "권한", "role", "rolecode"),
    ),
    Column("unit", _("Unit code"), _UNIT_CODE_ALIASES),
    Column(
        "valid_from",
        _("Valid from"),
        ("有効開始日", "開始日", "유효시작일", "시작일", "validfrom", "from", "start"),
    ),
    Column(
        "valid_until",
        _("Valid until"),
        (
            "有効終了日",
            "期限",
            "終了日",
            "유효종료일",
            "종료일",
            "기한",
            "validuntil",
            "until",
            "end",
            "expires",
        ),
    ),
)

# --------------------------------------------------------------------------------------------
# Values written in words: kinds of unit and of territory, in ja, ko and en
# --------------------------------------------------------------------------------------------

_UNIT_KIND_WORDS: dict[str, tuple[str, ...]] = {
    UnitKind.FEDERATION: ("連合会", "中央本部", "中央", "연합회", "중앙본부", "중앙"),
    UnitKind.REGION: ("本部", "地方本部", "県本部", "본부", "지방본부", "region"),
    UnitKind.BRANCH: ("支部", "지부", "branch"),
    UnitKind.GROUP: ("分会", "班", "분회", "반", "group"),
    UnitKind.WOMENS_UNION: ("女性同盟", "여성동맹", "womensunion", "women"),
    UnitKind.YOUTH_LEAGUE: ("青年同盟", "청년동맹", "youthleague", "youth"),
    UnitKind.BUSINESS_ASSOCIATION: ("商工会", "상공회", "businessassociation", "business"),
    UnitKind.SCHOOL: ("学校", "학교", "school"),
}
_TERRITORY_KIND_WORDS: dict[str, tuple[str, ...]] = {
    TerritoryKind.POSTAL_PREFIX: (
        "郵便番号",
        "郵便",
        "〒",
        "우편번호",
        "우편",
        "postal",
        "postalcode",
        "postcode",
        "zip",
    ),
    TerritoryKind.MUNICIPALITY: (
        "市区町村",
        "市区町村コード",
        "市町村",
        "자치체",
        "시구정촌",
        "municipality",
        "city",
    ),
}
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ーｰ－", "-"))


def _fold(value: str) -> str:
    return columns.fold(value).replace("'", "").replace("’", "")


def _words(choices: Any, extra: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Every way a value of ``choices`` is written: its code, its label in each language."""
    out: dict[str, str] = {}
    for value, words in extra.items():
        for word in (value, *words):
            out.setdefault(_fold(word), value)
    for value, label in choices.choices:
        for lang in ("en", "ja", "ko"):
            with translation.override(lang):
                out.setdefault(_fold(str(label)), value)
    return out


@lru_cache(maxsize=1)
def _unit_kinds() -> dict[str, str]:
    return _words(UnitKind, _UNIT_KIND_WORDS)


@lru_cache(maxsize=1)
def _territory_kinds() -> dict[str, str]:
    return _words(TerritoryKind, _TERRITORY_KIND_WORDS)


def _named(objects: Iterable[Any]) -> dict[str, Any]:
    """Objects with a code and names in three languages, by every one of them folded."""
    out: dict[str, Any] = {}
    for obj in objects:
        for word in (obj.code, obj.name_ko, obj.name_ja, obj.name_en):
            if word:
                out.setdefault(_fold(word), obj)
    return out


# --------------------------------------------------------------------------------------------
# What the importers share
# --------------------------------------------------------------------------------------------


class _Reject(Exception):
    def __init__(self, name: str, code: str, **params: Any) -> None:
        super().__init__(code)
        self.name, self.code, self.params = name, code, params


def _text(cell: Cell) -> str:
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return cleaning.text(cell)


def _date(name: str, cell: Cell) -> dt.date:
    if isinstance(cell, dt.date):
        return cell
    try:
        return cleaning.date(cell)[0]
    except CellError as error:
        raise _Reject(name, error.code, **error.params) from None


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _refusal(exc: ValidationError) -> tuple[str, dict[str, Any]]:
    """A service's refusal as a report code (in its own words when the code is not ours)."""
    errors = (
        [e for found in exc.error_dict.values() for e in found]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    for error in errors:
        code = _REFUSALS.get(str(error.code or ""))
        if code is not None:
            return code, {}
    return "invalid", {"message": " ".join(exc.messages)}


@dataclass
class _Row:
    number: int
    values: dict[str, Cell]
    outcome: str = ""  # created | updated | unchanged | rejected
    object_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


class _Import:
    catalogue: ClassVar[tuple[Column, ...]] = ()
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[frozenset[str]] = frozenset()  # bad values left out, the row flagged
    write_permission: ClassVar[str] = "edit"
    units: dict[str, Unit]

    def __init__(
        self, header: list[str], rows: list[list[Cell]], mapping: dict[str, int], options: Options
    ) -> None:
        self.header = header
        self.raw_rows = rows
        self.mapping = {k: v for k, v in mapping.items() if k in {c.name for c in self.catalogue}}
        self.options = options
        self.actor = options.actor
        self.scope: Scope | None = scope_for(self.actor) if self.actor is not None else None
        self.result = Result()
        self.rows: list[_Row] = []
        self._tick = time.perf_counter()

    # -- helpers -------------------------------------------------------------------------

    def title(self, name: str) -> str:
        index = self.mapping.get(name)
        return self.header[index] if index is not None and index < len(self.header) else ""

    def issue(
        self,
        target: _Row,
        level: str,
        reason: str,
        name: str = "",
        /,
        *,
        object_id: int | None = None,
        **params: Any,
    ) -> None:
        """A line of the report: the row, the column (its header) and the reason, as a code
        and parameters (``code``, ``row`` … are parameters here, named as the messages do)."""
        self.result.issues.append(
            Issue(target.number, self.title(name), level, reason, params, object_id)
        )

    def reject(self, target: _Row, reason: str, name: str = "", /, **params: Any) -> None:
        target.outcome = "rejected"
        self.issue(target, "rejected", reason, name, **params)

    def progress(self, stage: str, done: int, total: int, force: bool = False) -> None:
        if self.options.progress and (force or done % PROGRESS_EVERY == 0):
            self.options.progress(stage, done, total)

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.result.timings[stage] = self.result.timings.get(stage, 0.0) + now - self._tick
        self._tick = now

    def inside(self, unit: Unit) -> bool:
        top = self.options.unit
        return top is None or unit.path.startswith(top.path)

    def may(self, perm: str, unit: Unit) -> bool:
        """Whether the import may work in ``unit``: inside its unit, with ``perm`` there."""
        return self.inside(unit) and (self.scope is None or self.scope.has(perm, unit))

    def sees(self, unit: Unit) -> bool:
        return self.scope is None or self.scope.has("view", unit)

    def units_by_code(self, codes: Iterable[str], *fields: str) -> dict[str, Unit]:
        out: dict[str, Unit] = {}
        for chunk in _chunks(codes):
            for unit in Unit.objects.filter(code__in=chunk).only(
                "id", "code", "kind", "parent_id", "path", "depth", "status", *fields
            ):
                out[unit.code] = unit
        return out

    def work_unit(self, row: _Row, code: str, name: str = "unit") -> Unit | None:
        """The unit a row names, if the import may write there; else the row is rejected
        without telling a unit outside the importer's scope from one that does not exist."""
        unit = self.units.get(code)
        if unit is None or not self.sees(unit):
            self.reject(row, "unknown_unit", name, code=code)
            return None
        if not self.inside(unit):
            self.reject(row, "unit_outside", name, code=code)
            return None
        if not self.may(self.write_permission, unit):
            self.reject(row, "not_allowed", name)
            return None
        if unit.status != UnitStatus.ACTIVE:
            self.reject(row, "unit_inactive", name, code=code)
            return None
        return unit

    # -- the stages ----------------------------------------------------------------------

    def run(self) -> Result:
        missing = [
            c for c in self.catalogue if c.name in self.required and c.name not in self.mapping
        ]
        if missing:
            raise invalid(
                "mapping",
                gettext("These columns are needed and the file has none for them: %(fields)s.")
                % {"fields": ", ".join(str(c.label) for c in missing)},
            )
        total = len(self.raw_rows)
        self.progress("normalise", 0, total, force=True)
        for i, cells in enumerate(self.raw_rows):
            row = _Row(i + 2, {})
            self.rows.append(row)
            try:
                self.read(row, cells)
                self.normalise(row)
            except _Reject as rejected:
                self.reject(row, rejected.code, rejected.name, **rejected.params)
            self.progress("normalise", i + 1, total)
        self.lap("normalise")
        self.check()
        self.lap("check")
        if not self.options.dry_run:
            self.progress("write", 0, total, force=True)
            with transaction.atomic():
                self.write()
                audit.record(
                    actor=self.actor,
                    action="import",
                    object_type="imports.importjob",
                    object_id=self.options.job_id or "",
                    unit_id=self.options.unit.pk if self.options.unit else None,
                    fields=sorted(self.mapping),
                )
            self.progress("write", total, total, force=True)
            self.lap("write")
        self.count()
        return self.result

    def read(self, row: _Row, cells: Sequence[Cell]) -> None:
        """The row's mapped, non-empty cells; a formula in a key column rejects the row."""
        for name, index in self.mapping.items():
            cell = cells[index] if index < len(cells) else ""
            if isinstance(cell, str):
                if not cell.strip():
                    continue
                if len(cell) > MAX_CELL:
                    raise _Reject(name, "too_long", max=MAX_CELL)
                if cleaning.is_formula(cell):
                    if name in self.optional:
                        self.issue(row, "flagged", "formula", name)
                        continue
                    raise _Reject(name, "formula_key")
            row.values[name] = cell
        for name in self.required:
            if name not in row.values:
                raise _Reject(name, "required")

    def text(self, row: _Row, name: str, limit: int) -> str:
        """A text cell, width folded; too long rejects the row, or (optional) is left out."""
        cell = row.values.get(name)
        if cell is None:
            return ""
        value = _text(cell)
        if len(value) > limit:
            if name in self.optional:
                self.issue(row, "flagged", "too_long", name, max=limit)
                return ""
            raise _Reject(name, "too_long", max=limit)
        return value

    def normalise(self, row: _Row) -> None:
        raise NotImplementedError

    def check(self) -> None:
        raise NotImplementedError

    def write(self) -> None:
        raise NotImplementedError

    def count(self) -> None:
        counts: dict[str, int] = defaultdict(int)
        counts["rows"] = len(self.raw_rows)
        for row in self.rows:
            if row.outcome and row.outcome != "rejected":
                counts[row.outcome] += 1
        counts["rejected"] = len({i.row for i in self.result.issues if i.level == "rejected"})
        counts["flagged"] = len({i.row for i in self.result.issues if i.level == "flagged"})
        for key in ("created", "updated", "unchanged"):
            counts.setdefault(key, 0)
        self.result.counts = dict(counts)
        self.result.created_ids = [
            r.object_id for r in self.rows if r.outcome == "created" and r.object_id is not None
        ]

    def accepted(self) -> list[_Row]:
        return [r for r in self.rows if r.outcome != "rejected"]


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------


def _postal(raw: str) -> str:
    value = raw.replace("〒", "").translate(_DASHES).replace("-", "").replace(" ", "")
    if not value.isdigit() or len(value) != 7:
        raise CellError("postal_form", text=raw.strip())
    return value


def _same(name: str, current: str, value: str) -> bool:
    if name == "postal_code":
        return "".join(ch for ch in current if ch.isdigit()) == value
    if name == "public_email":
        return current.strip().lower() == value
    return current.strip() == value


class UnitImport(_Import):
    catalogue = UNIT_COLUMNS
    required = ("code",)
    optional = frozenset({"postal_code", "address", "public_phone", "public_email"})
    write_permission = "admin"

    def normalise(self, row: _Row) -> None:
        data = row.data
        code = self.text(row, "code", 200)
        if not CODE_RE.match(code):
            raise _Reject("code", "code_invalid", text=code)
        data["code"] = code
        parent = self.text(row, "parent", 200)
        data["parent"] = parent
        if "kind" in row.values:
            words = self.text(row, "kind", 200)
            kind = _unit_kinds().get(_fold(words))
            if kind is None:
                raise _Reject("kind", "kind_unknown", text=words)
            data["kind"] = kind
        values: dict[str, str] = {}
        for name in ("name_ko", "name_ja", "name_en"):
            if name in row.values:
                values[name] = self.text(row, name, 200)
        if "address" in row.values:
            address = self.text(row, "address", 300)
            if address:
                values["address"] = address
        for name, clean in (
            ("postal_code", _postal),
            ("public_phone", self._phone),
            ("public_email", cleaning.email),
        ):
            if name in row.values:
                try:
                    values[name] = clean(_text(row.values[name]))
                except CellError as error:
                    self.issue(row, "flagged", error.code, name, **error.params)
        data["values"] = values

    @staticmethod
    def _phone(raw: str) -> str:
        cleaning.phone(raw)  # checked; kept as written (a unit's public number is shown)
        if len(raw) > 30:
            raise CellError("too_long", max=30)
        return raw

    def check(self) -> None:
        rows = [r for r in self.rows if r.outcome != "rejected"]
        first: dict[str, _Row] = {}
        for row in rows:
            code = row.data["code"]
            if code in first:
                self.reject(row, "code_twice", "code", code=code, row=first[code].number)
            else:
                first[code] = row
        self.bad_codes = {
            r.data["code"]: r.number
            for r in self.rows
            if r.outcome == "rejected" and "code" in r.data and r.data["code"] not in first
        }
        rows = [r for r in rows if r.outcome != "rejected"]
        wanted = {r.data["code"] for r in rows} | {
            r.data["parent"] for r in rows if r.data["parent"]
        }
        self.units = self.units_by_code(wanted, *UNIT_FIELDS)
        parent_ids = {u.parent_id for u in self.units.values() if u.parent_id is not None}
        self.codes_of: dict[int, str] = {}
        for chunk in _chunks(parent_ids):
            self.codes_of.update(Unit.objects.filter(pk__in=chunk).values_list("pk", "code"))
        self.new: dict[str, _Row] = {}
        for row in rows:
            if row.data["code"] in self.units:
                self._existing(row, self.units[row.data["code"]])
            else:
                self.new[row.data["code"]] = row
        self.order: list[_Row] = []  # the new units, each after its parent
        settled: set[str] = set()
        for row in self.new.values():
            self._settle(row, settled)

    def _existing(self, row: _Row, unit: Unit) -> None:
        if not self.may("edit", unit):
            self.reject(row, "code_taken", "code")
            return
        data = row.data
        if data.get("kind") and data["kind"] != unit.kind:
            self.issue(row, "flagged", "kind_not_changed", "kind")
        parent_code = self.codes_of.get(unit.parent_id) if unit.parent_id else ""
        if data["parent"] and data["parent"] != parent_code:
            self.issue(row, "flagged", "not_moved", "parent")
        changes = {
            name: value
            for name, value in data["values"].items()
            if value and not _same(name, str(getattr(unit, name) or ""), value)
        }
        row.object_id = unit.pk
        data["changes"] = changes
        if changes:
            row.outcome = "updated"
            self.issue(
                row,
                "decision",
                "unit_updated",
                object_id=unit.pk,
                id=unit.pk,
                columns=", ".join(self.title(n) or n for n in changes),
            )
        else:
            row.outcome = "unchanged"
            self.issue(row, "decision", "unit_unchanged", object_id=unit.pk, id=unit.pk)

    def _settle(self, start: _Row, settled: set[str]) -> None:
        """Check ``start`` after its ancestors among the file's new units (iteratively: a file
        may chain thousands of rows), rejecting a chain whose parent codes form a circle."""
        chain: list[_Row] = []
        on_chain: dict[str, int] = {}
        current: _Row | None = start
        while current is not None:
            code = current.data["code"]
            if code in settled:
                break
            if code in on_chain:
                for row in chain[on_chain[code] :]:
                    self.reject(row, "parent_cycle", "parent")
                    settled.add(row.data["code"])
                chain = chain[: on_chain[code]]
                break
            on_chain[code] = len(chain)
            chain.append(current)
            current = self.new.get(current.data["parent"])
        for row in reversed(chain):
            self._check_new(row)
            settled.add(row.data["code"])

    def _check_new(self, row: _Row) -> None:
        data = row.data
        kind = data.get("kind")
        if not kind:
            self.reject(row, "required", "kind")
            return
        names = data["values"]
        if not all(names.get(n) for n in ("name_ko", "name_ja", "name_en")):
            missing = next(n for n in ("name_ko", "name_ja", "name_en") if not names.get(n))
            self.reject(row, "unit_name_missing", missing)
            return
        parent_code = data["parent"]
        if not parent_code:
            if kind != UnitKind.FEDERATION:
                self.reject(row, "parent_required", "parent")
            elif self.options.unit is not None or (
                self.scope is not None and not self.scope.superuser
            ):
                self.reject(row, "federation_not_allowed", "kind")
            else:
                data["depth"] = 0
                row.outcome = "created"
                self.order.append(row)
            return
        parent_row = self.new.get(parent_code)
        if parent_row is not None:
            if parent_row.outcome == "rejected":
                self.reject(row, "parent_rejected", "parent", row=parent_row.number)
                return
            parent_kind = parent_row.data["kind"]
            depth = parent_row.data["depth"] + 1
        else:
            parent = self.units.get(parent_code)
            if parent is None or not self.sees(parent):
                if parent_code in self.bad_codes:
                    self.reject(row, "parent_rejected", "parent", row=self.bad_codes[parent_code])
                else:
                    self.reject(row, "parent_unknown", "parent", code=parent_code)
                return
            if not self.inside(parent):
                self.reject(row, "parent_outside", "parent", code=parent_code)
                return
            if not self.may("admin", parent):
                self.reject(row, "parent_not_admin", "parent", code=parent_code)
                return
            if parent.status != UnitStatus.ACTIVE:
                self.reject(row, "parent_inactive", "parent", code=parent_code)
                return
            parent_kind = parent.kind
            depth = parent.depth + 1
        if parent_kind not in ALLOWED_PARENTS.get(kind, ()):
            self.reject(row, "kind_not_allowed", "kind")
            return
        data["depth"] = depth
        row.outcome = "created"
        self.order.append(row)

    def write(self) -> None:
        now = timezone.now()
        ids = reserve_ids(Unit, len(self.order))
        paths: dict[str, str] = {}
        records = []
        for row, pk in zip(self.order, ids, strict=True):
            data = row.data
            parent_code = data["parent"]
            if not parent_code:
                parent_id, parent_path = None, ""
            elif parent_code in self.new:
                parent_id = self.new[parent_code].object_id
                parent_path = paths[parent_code]
            else:
                parent = self.units[parent_code]
                parent_id, parent_path = parent.pk, parent.path
            path = parent_path + path_segment(pk)
            paths[data["code"]] = path
            row.object_id = pk
            values = data["values"]
            records.append(
                (
                    pk,
                    data["code"],
                    data["kind"],
                    parent_id,
                    path,
                    data["depth"],
                    UnitStatus.ACTIVE,
                    None,
                    None,
                    *(values.get(f, "") for f in UNIT_FIELDS),
                    now,
                )
            )
        bulk_insert(
            Unit,
            (
                "id",
                "code",
                "kind",
                "parent",
                "path",
                "depth",
                "status",
                "status_date",
                "merged_into",
                *UNIT_FIELDS,
                "created_at",
            ),
            records,
        )
        audit.record_many(
            actor=self.actor,
            action="create",
            object_type="org.unit",
            items=(
                (r.object_id or 0, r.object_id, ["code", "kind", "parent", *UNIT_FIELDS])
                for r in self.order
            ),
        )
        updated = [r for r in self.rows if r.outcome == "updated"]
        for row in updated:
            Unit.objects.filter(pk=row.object_id or 0).update(**row.data["changes"])
        audit.record_many(
            actor=self.actor,
            action="update",
            object_type="org.unit",
            items=((r.object_id or 0, r.object_id, list(r.data["changes"])) for r in updated),
        )


# --------------------------------------------------------------------------------------------
# Territories
# --------------------------------------------------------------------------------------------


class TerritoryImport(_Import):
    catalogue = TERRITORY_COLUMNS
    required = ("unit", "value")
    optional = frozenset({"label"})
    write_permission = "edit"  # as org.services.add_territory asks

    def normalise(self, row: _Row) -> None:
        data = row.data
        data["unit"] = self.text(row, "unit", 200)
        kind = TerritoryKind.POSTAL_PREFIX.value
        if "kind" in row.values:
            words = self.text(row, "kind", 200)
            found = _territory_kinds().get(_fold(words))
            if found is None:
                raise _Reject("kind", "territory_kind_unknown", text=words)
            kind = found
        raw = _text(row.values["value"])
        try:
            value = org_services.normalise_territory_value(
                kind, raw.translate(_DASHES).replace(" ", "")
            )
        except ValidationError:
            code = (
                "postal_prefix_invalid"
                if kind == TerritoryKind.POSTAL_PREFIX
                else "municipality_invalid"
            )
            raise _Reject("value", code, text=raw) from None
        data["kind"], data["value"] = kind, value
        data["label"] = self.text(row, "label", 200) if "label" in row.values else None

    def check(self) -> None:
        rows = self.accepted()
        self.units = self.units_by_code(r.data["unit"] for r in rows)
        claimed: dict[tuple[str, str], _Row] = {}
        for row in rows:
            unit = self.work_unit(row, row.data["unit"])
            if unit is None:
                continue
            row.data["unit_id"] = unit.pk
            key = (row.data["kind"], row.data["value"])
            earlier = claimed.get(key)
            if earlier is None:
                claimed[key] = row
            elif earlier.data["unit_id"] == unit.pk:
                row.outcome = "unchanged"
                self.issue(row, "decision", "territory_repeated", "value", row=earlier.number)
            else:
                self.reject(row, "territory_in_file", "value", row=earlier.number)
        existing: dict[tuple[str, str], tuple[int, int, str]] = {}
        by_kind: dict[str, list[str]] = defaultdict(list)
        for kind, value in claimed:
            by_kind[kind].append(value)
        for kind, values in by_kind.items():
            for chunk in _chunks(values):
                for pk, value, unit_id, label in TerritoryArea.objects.filter(
                    kind=kind, value__in=chunk
                ).values_list("pk", "value", "unit_id", "label"):
                    existing[(kind, value)] = (pk, unit_id, label)
        others = {
            unit_id
            for (key, (_pk, unit_id, _label)) in existing.items()
            if unit_id != claimed[key].data["unit_id"]
        }
        owners: dict[int, Unit] = {}
        for chunk in _chunks(others):
            owners.update(Unit.objects.filter(pk__in=chunk).only("id", "code", "path").in_bulk())
        for key, row in claimed.items():
            found = existing.get(key)
            if found is None:
                row.outcome = "created"
                continue
            pk, unit_id, label = found
            if unit_id != row.data["unit_id"]:
                owner = owners.get(unit_id)
                if owner is not None and self.sees(owner):
                    self.reject(row, "territory_claimed_by", "value", code=owner.code)
                else:  # not named: it may be outside the importer's scope
                    self.reject(row, "territory_claimed", "value")
                continue
            row.object_id = pk
            new_label = row.data["label"]
            if new_label and new_label != label:
                row.outcome = "updated"
                self.issue(row, "decision", "territory_updated", "label", object_id=pk)
            else:
                row.outcome = "unchanged"
                self.issue(row, "decision", "territory_unchanged", object_id=pk)

    def write(self) -> None:
        new = [r for r in self.rows if r.outcome == "created"]
        for row, pk in zip(new, reserve_ids(TerritoryArea, len(new)), strict=True):
            row.object_id = pk
        bulk_insert(
            TerritoryArea,
            ("id", "unit", "kind", "value", "label"),
            (
                (
                    r.object_id,
                    r.data["unit_id"],
                    r.data["kind"],
                    r.data["value"],
                    r.data["label"] or "",
                )
                for r in new
            ),
        )
        audit.record_many(
            actor=self.actor,
            action="create",
            object_type="org.territoryarea",
            items=((r.object_id or 0, r.data["unit_id"], ["kind", "value"]) for r in new),
        )
        updated = [r for r in self.rows if r.outcome == "updated"]
        for row in updated:
            TerritoryArea.objects.filter(pk=row.object_id or 0).update(label=row.data["label"])
        audit.record_many(
            actor=self.actor,
            action="update",
            object_type="org.territoryarea",
            items=((r.object_id or 0, r.data["unit_id"], ["label"]) for r in updated),
        )


# --------------------------------------------------------------------------------------------
# Officers
# --------------------------------------------------------------------------------------------


class OfficerImport(_Import):
    catalogue = OFFICER_COLUMNS
    required = ("unit", "post", "person", "start")
    optional = frozenset({"note"})
    write_permission = "edit"  # as org.services.appoint asks

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.post_types = _named(PostType.objects.all())

    def normalise(self, row: _Row) -> None:
        data = row.data
        data["unit"] = self.text(row, "unit", 200)
        words = self.text(row, "post", 200)
        post_type = self.post_types.get(_fold(words))
        if post_type is None:
            raise _Reject("post", "post_unknown", text=words)
        data["post_type"] = post_type
        raw = self.text(row, "person", 200)
        digits = raw.lstrip("#")
        if not digits.isdecimal():  # what int() reads (❶ is a digit, not a decimal)
            raise _Reject("person", "id_invalid", text=raw)
        data["person"] = int(digits)
        data["start"] = _date("start", row.values["start"])
        data["end"] = _date("end", row.values["end"]) if "end" in row.values else None
        if data["end"] is not None and data["end"] < data["start"]:
            raise _Reject("end", "term_end_before_start")
        data["note"] = self.text(row, "note", 200)

    def _people(self, ids: Iterable[int]) -> set[int]:
        people = (
            visible_people(self.actor) if self.actor is not None else Person.objects.all()
        ).filter(erased_at__isnull=True)
        out: set[int] = set()
        for chunk in _chunks(ids):
            out.update(people.filter(pk__in=chunk).values_list("pk", flat=True))
        return out

    def check(self) -> None:
        rows = self.accepted()
        self.units = self.units_by_code(r.data["unit"] for r in rows)
        visible = self._people(r.data["person"] for r in rows)
        ok: list[_Row] = []
        for row in rows:
            unit = self.work_unit(row, row.data["unit"])
            if unit is None:
                continue
            if row.data["person"] not in visible:
                self.reject(row, "id_unknown", "person", id=row.data["person"])
                continue
            row.data["unit_id"] = unit.pk
            ok.append(row)
        unit_ids = {r.data["unit_id"] for r in ok}
        self.posts: set[tuple[int, int]] = set()
        terms: dict[tuple[int, int, int, dt.date], tuple[int, dt.date | None]] = {}
        for chunk in _chunks(unit_ids):
            self.posts.update(
                Post.objects.filter(unit_id__in=chunk).values_list("unit_id", "post_type_id")
            )
            for pk, unit_id, pt, person, start, end in Term.objects.filter(
                unit_id__in=chunk
            ).values_list("pk", "unit_id", "post_type_id", "person_id", "start", "end"):
                terms[(unit_id, pt, person, start)] = (pk, end)
        seen: dict[tuple[int, int, int, dt.date], _Row] = {}
        today = timezone.localdate()
        holders: dict[tuple[int, int], set[int]] = defaultdict(set)
        self.new_posts: dict[tuple[int, int], _Row] = {}
        for row in ok:
            data = row.data
            key = (data["unit_id"], data["post_type"].pk, data["person"], data["start"])
            if key in seen:
                row.outcome = "unchanged"
                self.issue(row, "decision", "term_repeated", row=seen[key].number)
                continue
            seen[key] = row
            found = terms.get(key)
            if found is not None:
                pk, end = found
                row.object_id = pk
                if data["end"] is not None and data["end"] != end:
                    row.outcome = "updated"
                    self.issue(row, "decision", "term_updated", "end", object_id=pk, id=pk)
                else:
                    row.outcome = "unchanged"
                    self.issue(row, "decision", "term_unchanged", object_id=pk, id=pk)
                continue
            row.outcome = "created"
            post = (data["unit_id"], data["post_type"].pk)
            if post not in self.posts:
                self.new_posts.setdefault(post, row)
                if data["start"] <= today and (data["end"] is None or data["end"] >= today):
                    holders[post].add(data["person"])
        self.seats = {post: max(1, len(holders[post])) for post in self.new_posts}
        for post, row in self.new_posts.items():
            self.issue(row, "decision", "post_added", "post", seats=self.seats[post])

    def write(self) -> None:
        if self.actor is None:
            self._write_as_system()
            return
        units = Unit.objects.in_bulk({r.data["unit_id"] for r in self.rows if "unit_id" in r.data})
        for (unit_id, _pt), row in self.new_posts.items():
            org_services.set_post(
                actor=self.actor,
                unit=units[unit_id],
                post_type=row.data["post_type"],
                seats=self.seats[(unit_id, _pt)],
            )
        new = [r for r in self.rows if r.outcome == "created"]
        people = Person.objects.select_related("unit").in_bulk({r.data["person"] for r in new})
        for i, row in enumerate(new):
            data = row.data
            try:
                term = org_services.appoint(
                    actor=self.actor,
                    unit=units[data["unit_id"]],
                    post_type=data["post_type"],
                    person=people[data["person"]],
                    start=data["start"],
                    end=data["end"],
                    note=data["note"],
                )
            except ValidationError as exc:
                code, params = _refusal(exc)
                self.reject(row, code, **params)
                continue
            except PermissionDeniedError:
                self.reject(row, "not_allowed", "unit")
                continue
            row.object_id = term.pk
            self.progress("write", i + 1, len(new))
        for row in self.rows:
            if row.outcome == "updated":
                term = Term.objects.select_related("unit").get(pk=row.object_id or 0)
                org_services.end_term(actor=self.actor, term=term, end=row.data["end"])

    def _write_as_system(self) -> None:
        """The system's import: the checks above are appoint's and set_post's; the rows go
        through the bulk path with the audit entries those services write."""
        posts = list(self.new_posts)
        post_ids = reserve_ids(Post, len(posts))
        bulk_insert(
            Post,
            ("id", "unit", "post_type", "seats"),
            ((pk, u, pt, self.seats[(u, pt)]) for pk, (u, pt) in zip(post_ids, posts, strict=True)),
        )
        audit.record_many(
            actor=None,
            action="create",
            object_type="org.post",
            items=(
                (pk, u, ["post_type", "seats"])
                for pk, (u, _pt) in zip(post_ids, posts, strict=True)
            ),
        )
        new = [r for r in self.rows if r.outcome == "created"]
        for row, pk in zip(new, reserve_ids(Term, len(new)), strict=True):
            row.object_id = pk
        bulk_insert(
            Term,
            ("id", "unit", "origin_unit", "post_type", "person", "start", "end", "note"),
            (
                (
                    r.object_id,
                    r.data["unit_id"],
                    r.data["unit_id"],
                    r.data["post_type"].pk,
                    r.data["person"],
                    r.data["start"],
                    r.data["end"],
                    r.data["note"],
                )
                for r in new
            ),
        )
        audit.record_many(
            actor=None,
            action="create",
            object_type="org.term",
            items=(
                (r.object_id or 0, r.data["unit_id"], ["post_type", "person", "start", "end"])
                for r in new
            ),
        )
        updated = [r for r in self.rows if r.outcome == "updated"]
        for row in updated:
            Term.objects.filter(pk=row.object_id or 0).update(end=row.data["end"])
        audit.record_many(
            actor=None,
            action="update",
            object_type="org.term",
            items=((r.object_id or 0, r.data["unit_id"], ["end"]) for r in updated),
        )


# --------------------------------------------------------------------------------------------
# Grants
# --------------------------------------------------------------------------------------------


class GrantImport(_Import):
    catalogue = GRANT_COLUMNS
    required = ("role", "unit")
    write_permission = "admin"  # and the delegation rule, asked of access.services

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.roles = _named(Role.objects.all())

    def normalise(self, row: _Row) -> None:
        data = row.data
        who = self.text(row, "user", 200)
        email = self.text(row, "email", 254)
        if who and "@" not in who:
            data["username"], data["who"] = who, "user"
        elif who or email:
            data["email"] = (who or email).replace(" ", "").lower()
            data["who"] = "user" if who else "email"
        else:
            raise _Reject("user" if "user" in self.mapping else "email", "user_missing")
        words = self.text(row, "role", 200)
        role = self.roles.get(_fold(words))
        if role is None:
            raise _Reject("role", "role_unknown", text=words)
        data["role"] = role
        data["unit"] = self.text(row, "unit", 200)
        data["from"] = (
            _date("valid_from", row.values["valid_from"]) if "valid_from" in row.values else None
        )
        data["until"] = (
            _date("valid_until", row.values["valid_until"]) if "valid_until" in row.values else None
        )
        start = data["from"] or timezone.localdate()
        if data["until"] is not None and data["until"] < start:
            raise _Reject("valid_until", "grant_end_before_start")

    def _users(self, rows: list[_Row]) -> tuple[dict[str, User], dict[str, list[User]]]:
        active = User.objects.filter(is_active=True)
        by_name: dict[str, User] = {}
        for chunk in _chunks(r.data["username"] for r in rows if "username" in r.data):
            by_name.update((u.username, u) for u in active.filter(username__in=chunk))
        by_email: dict[str, list[User]] = defaultdict(list)
        for chunk in _chunks(r.data["email"] for r in rows if "email" in r.data):
            for user in active.annotate(lower_email=Lower("email")).filter(lower_email__in=chunk):
                by_email[user.email.lower()].append(user)
        return by_name, by_email

    def check(self) -> None:
        rows = self.accepted()
        self.units = self.units_by_code(r.data["unit"] for r in rows)
        by_name, by_email = self._users(rows)
        ok: list[_Row] = []
        for row in rows:
            data = row.data
            if "username" in data:
                user = by_name.get(data["username"])
                if user is None:
                    self.reject(row, "user_unknown", data["who"], text=data["username"])
                    continue
            else:
                matches = by_email.get(data["email"], [])
                if not matches:
                    self.reject(row, "user_unknown", data["who"], text=data["email"])
                    continue
                if len(matches) > 1:
                    self.reject(row, "email_ambiguous", data["who"], text=data["email"])
                    continue
                user = matches[0]
            unit = self.work_unit(row, data["unit"])
            if unit is None:
                continue
            if self.actor is not None:
                try:
                    access_services.check_can_grant(actor=self.actor, role=data["role"], unit=unit)
                except ValidationError as exc:
                    code, params = _refusal(exc)
                    self.reject(
                        row, code, "role" if code == "grant_beyond_own" else "unit", **params
                    )
                    continue
            data["user"], data["unit_obj"] = user, unit
            ok.append(row)
        existing: dict[tuple[int, int, int], tuple[int, dt.date | None]] = {}
        for chunk in _chunks(r.data["unit_obj"].pk for r in ok):
            for pk, user_id, role_id, unit_id, until in (
                Grant.objects.active()
                .filter(unit_id__in=chunk)
                .values_list("pk", "user_id", "role_id", "unit_id", "valid_until")
            ):
                existing.setdefault((user_id, role_id, unit_id), (pk, until))
        seen: dict[tuple[int, int, int], _Row] = {}
        for row in ok:
            data = row.data
            key = (data["user"].pk, data["role"].pk, data["unit_obj"].pk)
            if key in seen:
                row.outcome = "unchanged"
                self.issue(row, "decision", "grant_repeated", row=seen[key].number)
                continue
            seen[key] = row
            found = existing.get(key)
            if found is None:
                row.outcome = "created"
                continue
            pk, until = found
            row.object_id = pk
            if data["until"] is not None and data["until"] != until:
                row.outcome = "updated"
                self.issue(row, "decision", "grant_updated", "valid_until", object_id=pk)
            else:
                row.outcome = "unchanged"
                self.issue(row, "decision", "grant_unchanged", object_id=pk)

    def write(self) -> None:
        new = [r for r in self.rows if r.outcome == "created"]
        for i, row in enumerate(new):
            data = row.data
            try:
                grant = access_services.grant_role(
                    actor=self.actor,
                    user=data["user"],
                    role=data["role"],
                    unit=data["unit_obj"],
                    valid_from=data["from"],
                    valid_until=data["until"],
                )
            except ValidationError as exc:
                code, params = _refusal(exc)
                self.reject(row, code, "unit", **params)
                continue
            row.object_id = grant.pk
            self.progress("write", i + 1, len(new))
        for row in self.rows:
            if row.outcome == "updated":
                Grant.objects.filter(pk=row.object_id or 0).update(valid_until=row.data["until"])
                audit.record(
                    actor=self.actor,
                    action="update",
                    object_type="access.grant",
                    object_id=row.object_id or "",
                    unit_id=row.data["unit_obj"].pk,
                    fields=["valid_until"],
                )


# --------------------------------------------------------------------------------------------
# The importers and their registration
# --------------------------------------------------------------------------------------------


def import_units(
    header: list[str], rows: list[list[Cell]], mapping: dict[str, int], options: Options
) -> Result:
    return UnitImport(header, rows, mapping, options).run()


def import_territories(
    header: list[str], rows: list[list[Cell]], mapping: dict[str, int], options: Options
) -> Result:
    return TerritoryImport(header, rows, mapping, options).run()


def import_officers(
    header: list[str], rows: list[list[Cell]], mapping: dict[str, int], options: Options
) -> Result:
    return OfficerImport(header, rows, mapping, options).run()


def import_grants(
    header: list[str], rows: list[list[Cell]], mapping: dict[str, int], options: Options
) -> Result:
    return GrantImport(header, rows, mapping, options).run()


services.register("units", import_units)
services.register("territories", import_territories)
services.register("officers", import_officers)
services.register("grants", import_grants)
columns.register("units", UNIT_COLUMNS)
columns.register("territories", TERRITORY_COLUMNS)
columns.register("officers", OFFICER_COLUMNS)
columns.register("grants", GRANT_COLUMNS)
