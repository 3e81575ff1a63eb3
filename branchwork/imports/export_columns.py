"""What an export can hold: per kind, its formats and a catalogue of columns, each with a label
in the reader's language, whether it is ticked by default, and the registry items it discloses
(what the provision of data records).

A column reads one object (a person, a household, a membership, a unit) and gives a cell: text,
a number, a date or nothing. Labels of the registry's own fields are the models' verbose names,
so the export speaks the same words as the forms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db.models import Choices
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from branchwork.access.scoping import Scope, scope_for
from branchwork.org.models import Unit
from branchwork.people.models import DatePrecision, Generation, Person, Sex
from branchwork.people.provisions import item_label
from branchwork.people.services import NAME_FIELDS, PERSON_FIELDS, SENSITIVE_FIELDS

from .models import ExportFormat, ExportKind

Cell = str | int | dt.date | None

# The name forms a display name is made of (the kana readings are columns of their own).
DISPLAY_NAME_ITEMS = tuple(f for f in NAME_FIELDS if "kana" not in f)
ADDRESS_ITEMS = ("postal_code", "address")

SPREADSHEET_FORMATS = (ExportFormat.CSV, ExportFormat.CSV_CP932, ExportFormat.XLSX)
PDF_FORMATS = (ExportFormat.PDF,)

# Kinds whose file carries people's data: each such export is a provision of data.
PEOPLE_DATA_KINDS = frozenset(
    {
        ExportKind.PEOPLE,
        ExportKind.HOUSEHOLDS,
        ExportKind.MEMBERSHIPS,
        ExportKind.ROSTER,
        ExportKind.HOUSEHOLD_LIST,
        ExportKind.LABELS,
    }
)

# What the printed lists disclose (their layout is fixed, so is the record).
PDF_ITEMS: dict[str, tuple[str, ...]] = {
    ExportKind.ROSTER: (*NAME_FIELDS, "phone", "mobile", "postal_code", "address"),
    ExportKind.HOUSEHOLD_LIST: (*NAME_FIELDS, *ADDRESS_ITEMS),
    ExportKind.LABELS: (*DISPLAY_NAME_ITEMS, *ADDRESS_ITEMS),
}


class RowContext:
    """What a column may need beyond its object: the exporting user's scope, asked once per
    unit (a few thousand at most) rather than once per row."""

    def __init__(self, scope: Scope, units: Iterable[Unit] = ()) -> None:
        self.scope = scope
        self._units = {u.pk: u for u in units}
        self._sensitive: dict[int, bool] = {}
        self._named: dict[int, bool] = {}

    def unit(self, pk: int) -> Unit:
        """A unit by id: from those loaded with the context (the selection's), else read."""
        unit = self._units.get(pk)
        if unit is None:
            unit = self._units[pk] = Unit.objects.get(pk=pk)
        return unit

    def may_read_sensitive(self, unit: Unit) -> bool:
        allowed = self._sensitive.get(unit.pk)
        if allowed is None:
            allowed = self._sensitive[unit.pk] = self.scope.has("sensitive", unit)
        return allowed

    def may_name(self, unit: Unit) -> bool:
        """A unit may be named if the user sees it, or it is above the user's units (whose
        name everyone below sees)."""
        allowed = self._named.get(unit.pk)
        if allowed is None:
            allowed = self._named[unit.pk] = self.scope.has(
                "view", unit
            ) or self.scope.is_above_scope(unit)
        return allowed


Getter = Callable[[Any, RowContext], Cell]


@dataclass(frozen=True)
class Column:
    name: str
    label: Any  # a lazy string: read in the export's language
    get: Getter
    default: bool = False
    items: tuple[str, ...] = ()  # registry items (provisions.ITEM_FIELDS) the column discloses
    sensitive: bool = False
    fields: tuple[str, ...] = ()  # what it reads of a person, so only that is loaded


@dataclass(frozen=True)
class KindSpec:
    kind: str
    formats: tuple[str, ...]
    columns: tuple[Column, ...] = field(default=())

    @property
    def people_data(self) -> bool:
        return self.kind in PEOPLE_DATA_KINDS


_item_label = lazy(item_label, str)


class PersonRow(SimpleNamespace):
    """A person as a people export reads it: the loaded fields only, as attributes, without a
    model instance (several times cheaper to make: the export makes one per person)."""

    @property
    def pk(self) -> int:
        return int(self.id)

    @property
    def display_name(self) -> str:
        # The model's own rule, on these attributes.
        return str(Person.display_name.fget(self))  # type: ignore[attr-defined]


def _birth(p: Any) -> Cell:
    born: dt.date | None = p.birth_date
    if born is None:
        return None
    if p.birth_precision == DatePrecision.YEAR:
        return f"{born:%Y}"
    if p.birth_precision == DatePrecision.MONTH:
        return f"{born:%Y-%m}"
    return born


def _sensitive(name: str) -> Getter:
    key = f"sensitive__{name}"

    def get(p: Any, ctx: RowContext) -> Cell:
        if not ctx.may_read_sensitive(ctx.unit(p.unit_id)):
            return None
        value: str | None = getattr(p, key)  # None when the person has no sensitive record
        return value

    return get


def _attr(name: str) -> Getter:
    return lambda obj, ctx: getattr(obj, name)


def _choice(choices: type[Choices]) -> Getter:
    labels = dict(choices.choices)
    name = {Sex: "sex", Generation: "generation"}[choices]
    return lambda p, c: str(labels.get(getattr(p, name), "")) if getattr(p, name) else ""


def _person_columns() -> tuple[Column, ...]:
    special: dict[str, Getter] = {
        "sex": _choice(Sex),
        "birth_date": lambda p, c: _birth(p),
        "generation": _choice(Generation),
        "languages": lambda p, c: ", ".join(str(x) for x in p.languages or []),
    }
    defaults = {
        "family_name_kana",
        "given_name_kana",
        "postal_code",
        "address",
        "phone",
        "mobile",
        "email",
    }
    cols = [
        Column("id", _("person number"), lambda p, c: p.pk, default=True),
        Column("unit", _("unit code"), lambda p, c: c.unit(p.unit_id).code, default=True),
        Column("unit_name", _("unit name"), lambda p, c: c.unit(p.unit_id).name),
        Column(
            "name",
            _("name"),
            lambda p, c: p.display_name,
            default=True,
            items=DISPLAY_NAME_ITEMS,
            fields=(*DISPLAY_NAME_ITEMS, "erased_at"),
        ),
    ]
    for name in PERSON_FIELDS:
        if name == "birth_precision":  # written into the birth date itself
            continue
        cols.append(
            Column(
                name,
                _item_label(name),
                special.get(name, _attr(name)),
                default=name in defaults,
                items=(name,),
                fields=(name, "birth_precision") if name == "birth_date" else (name,),
            )
        )
    for name in SENSITIVE_FIELDS:
        cols.append(
            Column(
                name,
                _item_label(name),
                _sensitive(name),
                items=(name,),
                sensitive=True,
                fields=(f"sensitive__{name}",),
            )
        )
    return tuple(cols)


def _names(members: list[Any]) -> str:
    return "; ".join(m.person.display_name for m in members)


def _head(members: list[Any]) -> str:
    return next((m.person.display_name for m in members if m.relation == "head"), "")


_household_columns = (
    Column("id", _("household number"), lambda h, c: h.pk, default=True),
    Column("unit", _("unit code"), lambda h, c: c.unit(h.unit_id).code, default=True),
    Column("unit_name", _("unit name"), lambda h, c: c.unit(h.unit_id).name),
    Column("postal_code", _item_label("postal_code"), _attr("postal_code"), True, ("postal_code",)),
    Column("address", _item_label("address"), _attr("address"), True, ("address",)),
    Column(
        "head",
        _("head of household"),
        lambda h, c: _head(h.current_members),
        True,
        DISPLAY_NAME_ITEMS,
    ),
    Column(
        "members",
        _("household members"),
        lambda h, c: _names(h.current_members),
        False,
        DISPLAY_NAME_ITEMS,
    ),
    Column(
        "member_count", _("number of household members"), lambda h, c: len(h.current_members), True
    ),
)


def _body_code(m: Any, ctx: RowContext) -> Cell:
    return m.body.code if ctx.may_name(m.body) else ""


def _body_name(m: Any, ctx: RowContext) -> Cell:
    return m.body.name if ctx.may_name(m.body) else ""


_membership_columns = (
    Column("person", _("person number"), lambda m, c: m.person_id, default=True),
    Column("name", _("name"), lambda m, c: m.person.display_name, True, DISPLAY_NAME_ITEMS),
    Column("unit", _("unit code"), lambda m, c: c.unit(m.person.unit_id).code, default=True),
    Column("body", _("organisation code"), _body_code),
    Column("body_name", _("organisation"), _body_name, default=True),
    Column("status", _("status"), lambda m, c: m.get_status_display(), default=True),
    Column("joined", _("joined"), _attr("joined"), default=True),
    Column("left", _("left"), _attr("left"), default=True),
)


def _unit_label(name: str) -> Any:
    return lazy(lambda: str(getattr(Unit._meta.get_field(name), "verbose_name", name)), str)()


def _parent(u: Unit, ctx: RowContext) -> Cell:
    return u.parent.code if u.parent is not None and ctx.may_name(u.parent) else ""


_unit_columns = (
    Column("code", _unit_label("code"), _attr("code"), default=True),
    Column("kind", _unit_label("kind"), lambda u, c: u.get_kind_display(), default=True),
    Column("name_ko", _unit_label("name_ko"), _attr("name_ko"), default=True),
    Column("name_ja", _unit_label("name_ja"), _attr("name_ja"), default=True),
    Column("name_en", _unit_label("name_en"), _attr("name_en"), default=True),
    Column("parent", _unit_label("parent"), _parent, default=True),
    Column("status", _unit_label("status"), lambda u, c: u.get_status_display(), default=True),
    Column("status_date", _unit_label("status_date"), _attr("status_date")),
    Column("postal_code", _unit_label("postal_code"), _attr("postal_code"), default=True),
    Column("address", _unit_label("address"), _attr("address"), default=True),
    Column("public_phone", _unit_label("public_phone"), _attr("public_phone"), default=True),
    Column("public_email", _unit_label("public_email"), _attr("public_email"), default=True),
)

KINDS: dict[str, KindSpec] = {
    ExportKind.PEOPLE: KindSpec(ExportKind.PEOPLE, SPREADSHEET_FORMATS, _person_columns()),
    ExportKind.HOUSEHOLDS: KindSpec(ExportKind.HOUSEHOLDS, SPREADSHEET_FORMATS, _household_columns),
    ExportKind.MEMBERSHIPS: KindSpec(
        ExportKind.MEMBERSHIPS, SPREADSHEET_FORMATS, _membership_columns
    ),
    ExportKind.UNITS: KindSpec(ExportKind.UNITS, SPREADSHEET_FORMATS, _unit_columns),
    ExportKind.ROSTER: KindSpec(ExportKind.ROSTER, PDF_FORMATS),
    ExportKind.HOUSEHOLD_LIST: KindSpec(ExportKind.HOUSEHOLD_LIST, PDF_FORMATS),
    ExportKind.LABELS: KindSpec(ExportKind.LABELS, PDF_FORMATS),
}


def columns_for(kind: str, user: Any) -> tuple[Column, ...]:
    """The columns the user may choose for ``kind``: the sensitive ones only for a user who
    holds the sensitive permission somewhere (the cells stay empty outside it)."""
    spec = KINDS.get(kind)
    if spec is None:
        return ()
    if "sensitive" in scope_for(user).all_permissions():
        return spec.columns
    return tuple(c for c in spec.columns if not c.sensitive)


# What a household or membership export reads of a person: the display name and the unit.
NAME_FIELDS_READ = ("id", "unit", *DISPLAY_NAME_ITEMS, "erased_at")


def person_fields(columns: list[Column]) -> list[str]:
    """The fields of a person the columns read: all a query loads (units come from the
    context's cache)."""
    needed = ["id", "unit_id"]
    for column in columns:
        needed.extend(column.fields)
    return list(dict.fromkeys(needed))


def default_columns(kind: str, user: Any) -> list[str]:
    return [c.name for c in columns_for(kind, user) if c.default]


def chosen(kind: str, names: list[str]) -> list[Column]:
    """The columns named, in the catalogue's order (names already checked)."""
    wanted = set(names)
    return [c for c in KINDS[kind].columns if c.name in wanted]


def disclosed_items(kind: str, names: list[str]) -> list[str]:
    """The registry items an export of these columns discloses, for its provision records."""
    if kind in PDF_ITEMS:
        items: tuple[str, ...] = PDF_ITEMS[kind]
    else:
        items = tuple(i for c in chosen(kind, names) for i in c.items)
    return list(dict.fromkeys(items))
