"""Importing people from a branch's spreadsheet: read, normalise, match, place, write.

The stages, each timed for ``bench/import.py``:

* **normalise**: every mapped cell through :mod:`branchwork.imports.cleaning`. A row whose
  name is missing, or whose name, birth date or address cannot be read, is rejected; a bad
  phone, e-mail, postal code, sex or language is left out and the row flagged.
* **match**: a row is the same person as one before it in the file, or as a person in the
  registry, when their names (every form, normalised) and birth date are equal; a row that
  shares a whole name and birth date, a phone or an e-mail with someone scores as the
  registry's duplicate rules say (:func:`branchwork.people.duplicates.score`). The registry
  is read once, never per row: a small file reads the people in the importer's scope born on
  its dates (or without a birth date) or sharing a name, phone or e-mail with it; a large one
  reads everyone in scope first and matches each row as soon as it is normalised, so that a
  row already in the registry holds no values while the rest of the file is read.
* **place**: a new row's household is the file's household column when it has one, else its
  address (the postal code and the address normalised): spouses with different family names
  at one address are one household. A household already in the registry at that address is
  joined. A new household goes to the unit whose territory holds its postal code, within the
  import's unit; a row no territory (of the importer's units) holds is placed in the import's
  unit and listed for a person to place.
* **write**: one transaction through the bulk path (``core.bulk``): households, people,
  household members, memberships, search keys and an audit event per person. Killing the
  process before it commits leaves nothing; importing the same rows again matches every row
  and writes nothing; a row in which a cell changed updates that field (``update`` policy),
  audited.

Duplicates follow the chosen policy: ``skip`` keeps the registry's record, ``update`` writes the
row's non-empty values that differ into it (only for a certain match: a weaker one is held), and
``ask`` holds the row for a person to decide (the CLI asks at the terminal).
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
import os
import pickle
import queue
import re
import resource
import signal
import sys
import threading
import time
import unicodedata
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from rapidfuzz import fuzz

from branchwork.access import audit
from branchwork.access.models import AuditEvent
from branchwork.access.scoping import Scope, scope_for
from branchwork.core import faults
from branchwork.core.bulk import (
    background_writer,
    bulk_insert,
    bulk_insert_fanout,
    bulk_loading,
    db_value,
    gc_paused,
    reserve_ids,
)
from branchwork.core.db import pk_in
from branchwork.core.text import normalise
from branchwork.org.models import PATH_STEP, TerritoryArea, TerritoryKind, Unit, UnitStatus
from branchwork.people import duplicates, search
from branchwork.people.models import (
    Household,
    HouseholdMember,
    Membership,
    Person,
    PersonSearchKey,
)
from branchwork.people.services import NAME_FIELDS, PERSON_FIELDS

from . import cleaning
from .cleaning import CellError, Place
from .reading import MAX_CELL, Cell

Progress = Callable[[str, int, int], None]
# Asked about a held row: (row, the registry's or the file's record, score, reasons) → one of
# "update", "new", "skip"; None holds it.
Asker = Callable[["Row", dict[str, Any], int, list[str]], str | None]

STRONG = 95  # a score from here on is a certain match (as equal names and birth date are)
SMALL_FILE = 500
SCAN_FROM = 5_000  # files longer than this read every person in scope instead of their keys  # files up to this size also ask the registry's full duplicate search
PROGRESS_EVERY = 2_000
FIRST_LOAD = 50_000  # new people from which an import into a smaller registry loads in bulk
# Files from this many rows are normalised by two processes (the second forked for the later
# half of the file) while this one matches: a processor more for the longest stage.
PARALLEL_FROM = 100_000
WRITE_CHUNK = 5_000  # people written at a time: bounds the memory the write stage takes

_MAX_LENGTH = {
    f.name: f.max_length
    for f in Person._meta.concrete_fields
    if getattr(f, "max_length", None) and f.name in PERSON_FIELDS
}
_PERSON_COLUMNS = (
    "id",
    "unit",
    *PERSON_FIELDS,
    "search_text",
    "erased_at",
    "version",
    "created_at",
    "updated_at",
)
# What matching reads of each person in scope (the duplicate rules' fields), and the file's
# own fields besides, to tell which of them changed.
_REGISTRY_FIELDS = (
    *NAME_FIELDS,
    "birth_date",
    "birth_precision",
    "sex",
    "phone",
    "mobile",
    "email",
    "postal_code",
    "address",
)
# A person's fields in PERSON_FIELDS order, read by name (the search index) and as a row.
_Record = namedtuple("_Record", PERSON_FIELDS)  # type: ignore[misc]
_BIRTH_AT = PERSON_FIELDS.index("birth_date")
_DEATH_AT = PERSON_FIELDS.index("deceased_date")
_LANGUAGES_AT = PERSON_FIELDS.index("languages")
# Fields whose unreadable value rejects the row (the person could not be recognised again);
# other bad values are left out and the row flagged.
_IDENTITY = frozenset({*NAME_FIELDS, "birth_date", "address", "id", "household"})
_SCRIPT_FIELDS = {
    "hangul": ("family_name_hangul", "given_name_hangul"),
    "kanji": ("family_name_kanji", "given_name_kanji"),
    "kana": ("family_name_kana", "given_name_kana"),
    "latin": ("family_name_latin", "given_name_latin"),
}


_NO_PARAMS: dict[str, Any] = {}  # shared, never changed
_PACKED: dict[str, Any] = {}  # a packed row's values (shared, never changed)


@dataclass(slots=True)
class Issue:
    row: int
    column: str
    level: str  # rejected | flagged | decision
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    object_id: int | None = None
    values: dict[str, Any] | None = None


@dataclass(slots=True)
class _Home:
    """A household the import's new rows join: one of the registry's (``existing``) or one it
    makes."""

    id: int | None
    unit: int | None
    placed: bool  # by its territory (else the import's unit, to be placed by hand)
    postal_code: str
    address: str
    members: int = 0  # the file's rows that join it
    existing: bool = False
    headed: bool = False  # a new household whose head the write has named


@dataclass(slots=True)
class Row:
    number: int  # as the spreadsheet numbers it: the header is row 1
    values: dict[str, Any]  # person fields, only those the row gives (or packed: see below)
    packed: bytes = b""  # its values packed (see pack_values)
    blocks: tuple[int, ...] = ()  # hashes of its duplicate blocks, when the helper made them
    household: str = ""
    home_key: str = ""  # its household among the file's rows (see household_key)
    relation: str = ""
    membership: str = ""
    joined: dt.date | None = None
    person_id: int | None = None  # the file's registry-number column
    place: Place | None = None
    outcome: str = ""  # new | unchanged | updated | skipped | held | merged | rejected
    match: int | None = None  # the registry's person (or, for "merged", the file's row index)
    changes: Sequence[str] = ()
    ident: int = 0  # hash of identity(values): rows and the registry are told apart by it
    unit_id: int | None = None  # where a new row is placed
    home: _Home | None = None  # its household (shared by the rows that join it)


class _Timed:
    """An iterator that keeps the time spent getting its items."""

    def __init__(self, items: Iterator[Sequence[Cell]]) -> None:
        self.items = items
        self.seconds = 0.0

    def __iter__(self) -> _Timed:
        return self

    def __next__(self) -> Sequence[Cell]:
        started = time.perf_counter()
        try:
            return next(self.items)
        finally:
            self.seconds += time.perf_counter() - started


@dataclass
class Result:
    counts: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    created_ids: list[int] = field(default_factory=list)
    finished: bool = False  # the job's report and status written (see Options.finish)
    helper_private_mib: float = 0.0  # the memory of the process that helped normalise
    # This process's peak resident size until that helper left (with the helper's memory, the
    # most the two took at once while both ran; see bench/import.py).
    peak_with_helper_mib: float = 0.0


@dataclass
class Options:
    actor: Any = None
    unit: Unit | None = None
    on_duplicate: str = "skip"
    dry_run: bool = False
    progress: Progress | None = None
    ask: Asker | None = None
    job_id: int | None = None
    # Called inside the import's transaction, just before it commits (or after a dry run):
    # the job's report and status are written with the rows or not at all.
    finish: Callable[[Result], None] | None = None


# --------------------------------------------------------------------------------------------
# Normalise
# --------------------------------------------------------------------------------------------

_NAME_ROUTES = {
    "name": None,
    "family_name": 0,
    "given_name": 1,
}
_FULL_NAMES = {
    "name_hangul": ("hangul", "family_name_hangul", "given_name_hangul"),
    "name_kanji": ("kanji", "family_name_kanji", "given_name_kanji"),
    "name_kana": ("kana", "family_name_kana", "given_name_kana"),
    "name_latin": ("latin", "family_name_latin", "given_name_latin"),
    "everyday_name": ("kanji", "everyday_family_name", "everyday_given_name"),
    "everyday_name_kana": ("kana", "everyday_family_name_kana", "everyday_given_name_kana"),
}
_KANA_FIELDS = frozenset(
    {
        "family_name_kana",
        "given_name_kana",
        "everyday_family_name_kana",
        "everyday_given_name_kana",
    }
)


class _Reject(Exception):
    def __init__(self, column: str, code: str, **params: Any) -> None:
        super().__init__(code)
        self.column, self.code, self.params = column, code, params


def _fields_filled(mapping: dict[str, int]) -> set[str]:
    """The person fields the mapped columns can fill."""
    out = set(mapping)
    for name in mapping:
        if name in _FULL_NAMES:
            out |= set(_FULL_NAMES[name][1:])
        if name in _NAME_ROUTES:
            out |= set(NAME_FIELDS)
    if "birth_date" in out:
        out.add("birth_precision")
    return out


def _cell_text(cell: Cell) -> str:
    return cell.isoformat() if isinstance(cell, dt.date) else cell


class Normaliser:
    """Normalises the rows of one file: what a row needs from the mapping and the header is
    worked out once, not per row."""

    def __init__(self, mapping: dict[str, int], header: list[str]) -> None:
        self.columns = [
            (name, index, header[index] if index < len(header) else "", _CLEANERS.get(name))
            for name, index in sorted(mapping.items(), key=lambda kv: kv[1])
        ]
        self.titles = {name: title for name, _index, title, _clean in self.columns}
        # The column a field's value came from, for a refusal that names it.
        self.source: dict[str, str] = {}
        for name, _index, title, _clean in self.columns:
            for filled in _fields_filled({name: 0}):
                self.source.setdefault(filled, title)
        self.today = timezone.localdate()

    def title(self, name: str) -> str:
        return self.titles.get(name, "")

    def row(self, number: int, cells: Sequence[Cell]) -> tuple[Row | None, list[Issue]]:
        """One row's values as the registry stores them, with what was wrong in it."""
        issues: list[Issue] = []
        row = Row(number=number, values={})
        values = row.values
        width = len(cells)
        try:
            for name, index, title, cleaner in self.columns:
                if cleaner is None:
                    continue
                cell = cells[index] if index < width else ""
                if cell.__class__ is str:
                    if not cell or cell.isspace():
                        continue
                    if len(cell) > MAX_CELL:
                        raise _Reject(title, "too_long", max=MAX_CELL)
                    if cell[0] in "=+-@" and cleaning.is_formula(cell):
                        self._flag(issues, number, name, title, CellError("formula"))
                        continue
                try:
                    cleaner(row, name, cell)
                except CellError as error:
                    self._flag(issues, number, name, title, error)
            for name, value in values.items():
                limit = _MAX_LENGTH.get(name)
                if limit and value.__class__ is str and len(value) > limit:
                    raise _Reject(self.source.get(name, ""), "too_long", max=limit)
            if not any(values.get(n) for n in NAME_FIELDS):
                raise _Reject("", "name_missing")
            birth = values.get("birth_date")
            if birth is not None and birth > self.today:
                raise _Reject(self.title("birth_date"), "date_future", text=birth.isoformat())
        except _Reject as rejected:
            issues.append(
                Issue(number, rejected.column, "rejected", rejected.code, rejected.params)
            )
            return None, issues
        if "address" in values:
            place = row.place
            values["address"], warning = cleaning.address(values["address"], place)
            if warning and place is not None:
                issues.append(
                    Issue(
                        number,
                        self.title("address"),
                        "flagged",
                        warning,
                        {"prefecture": place.prefecture},
                    )
                )
        row.ident = hash(identity(values))
        row.home_key = household_key(row.household, values)
        return row, issues

    @staticmethod
    def _flag(issues: list[Issue], number: int, name: str, title: str, error: CellError) -> None:
        if name in _IDENTITY:
            raise _Reject(title, error.code, **error.params)
        issues.append(Issue(number, title, "flagged", error.code, error.params))


def normalise_row(
    number: int, cells: Sequence[Cell], mapping: dict[str, int], header: list[str]
) -> tuple[Row | None, list[Issue]]:
    """One row on its own (tests, previews): see :class:`Normaliser`."""
    return Normaliser(mapping, header).row(number, cells)


@lru_cache(maxsize=50_000)
def _name_cell(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    """The name fields a name column's cell fills: (field, value) pairs. Names repeat (a
    family name, a common full name), so each distinct cell is worked out once."""
    value = cleaning.text(raw)
    if name in _FULL_NAMES:
        script, family_field, given_field = _FULL_NAMES[name]
    else:
        script = cleaning.script_of(value)
        family_field, given_field = _fields_for(script)
    if script == "kana":
        value = cleaning.kana(value)
    # Interned: the many rows that share a family or a given name share one string (Python
    # lets an interned string go once nothing refers to it).
    part = _NAME_ROUTES.get(name)
    if part is not None:
        return (((family_field, given_field)[part], sys.intern(value.replace(" ", ""))),)
    family, given = cleaning.split_name(value, script)
    if given:
        return ((family_field, sys.intern(family)), (given_field, sys.intern(given)))
    return ((family_field, sys.intern(family)),)


def _date_cell(row: Row, name: str, cell: Cell) -> None:
    if isinstance(cell, dt.date):
        day, precision = cell, "day"
    else:
        day, precision = cleaning.date(cell)
    if name == "joined":
        row.joined = day
    else:
        row.values["birth_date"], row.values["birth_precision"] = day, precision


def _names(row: Row, name: str, cell: Cell) -> None:
    row.values.update(_name_cell(name, _cell_text(cell)))


def _postal(row: Row, name: str, cell: Cell) -> None:
    row.place = cleaning.postal_code(_cell_text(cell))
    row.values["postal_code"] = row.place.code


def _relation(row: Row, name: str, cell: Cell) -> None:
    try:
        row.relation = cleaning.relation(_cell_text(cell))
    except CellError:
        row.relation = "other"
        raise


def _person_id(row: Row, name: str, cell: Cell) -> None:
    raw = _cell_text(cell)
    digits = cleaning.text(raw).lstrip("#")
    if not digits.isdecimal():  # what int() reads (❶ is a digit, not a decimal)
        raise CellError("id_invalid", text=raw.strip())
    row.person_id = int(digits)


def _value(clean: Callable[[str], Any]) -> Callable[[Row, str, Cell], None]:
    def fill(row: Row, name: str, cell: Cell) -> None:
        row.values[name] = clean(_cell_text(cell))

    return fill


def _attribute(attr: str, clean: Callable[[str], Any]) -> Callable[[Row, str, Cell], None]:
    def fill(row: Row, name: str, cell: Cell) -> None:
        setattr(row, attr, clean(_cell_text(cell)))

    return fill


def _squeezed(raw: str) -> str:
    return cleaning.text(raw).replace(" ", "")


_CLEANERS: dict[str, Callable[[Row, str, Cell], None]] = {
    "birth_date": _date_cell,
    "joined": _date_cell,
    **dict.fromkeys((*_NAME_ROUTES, *_FULL_NAMES), _names),
    **dict.fromkeys(NAME_FIELDS, _value(_squeezed)),
    **dict.fromkeys(_KANA_FIELDS, _value(cleaning.kana)),
    "phone": _value(cleaning.phone),
    "mobile": _value(cleaning.phone),
    "email": _value(cleaning.email),
    "postal_code": _postal,
    "address": _value(cleaning.text),
    "notes": _value(cleaning.multiline),
    "occupation": _value(cleaning.text),
    "family_business": _value(cleaning.text),
    "sex": _value(cleaning.sex),
    "generation": _value(cleaning.generation),
    "languages": _value(cleaning.languages),
    "household": _attribute("household", cleaning.text),
    "relation": _relation,
    "membership": _attribute("membership", cleaning.membership),
    "id": _person_id,
}


def _fields_for(script: str) -> tuple[str, str]:
    return _SCRIPT_FIELDS.get(script, _SCRIPT_FIELDS["kanji"])


_WHOLE_FIELDS = (
    *((script, fields[0], fields[1]) for script, fields in _SCRIPT_FIELDS.items()),
    ("everyday", "everyday_family_name", "everyday_given_name"),
)


def identity(values: dict[str, Any]) -> tuple[str, ...]:
    """What makes two records the same person without doubt: every name form, normalised, and
    the birth date with its precision."""
    birth = values.get("birth_date")
    return (
        *(normalise(v) if (v := values.get(name)) else "" for name in NAME_FIELDS),
        f"{birth.isoformat()}/{values.get('birth_precision') or 'day'}" if birth else "",
    )


def whole_names(values: dict[str, Any]) -> set[tuple[str, str, str]]:
    """The (script, family, given) forms a record has, normalised: where duplicates meet."""
    out = set()
    for script, family_field, given_field in _WHOLE_FIELDS:
        family = values.get(family_field)
        if family:
            given = values.get(given_field)
            if given:
                out.add((script, normalise(family), normalise(given)))
    return out


_GIVEN_FIELDS = tuple((fields[0], fields[1]) for fields in _SCRIPT_FIELDS.values())
GIVEN_GATE = 40  # given names (0–100 alike) below which a shared contact is not scored


def _given_names_meet(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """False when, in some script both records write, their given names are far apart."""
    for _family, given in _GIVEN_FIELDS:
        x, y = a.get(given), b.get(given)
        if x and y:
            return fuzz.ratio(normalise(x), normalise(y)) >= GIVEN_GATE
    return True


def _blocks(values: dict[str, Any]) -> set[tuple[Any, ...]]:
    birth = values.get("birth_date")
    keys: set[tuple[Any, ...]] = {("n", *w, birth) for w in whole_names(values)}
    for name in ("phone", "mobile"):
        if values.get(name):
            keys.add(("p", values[name]))
    if values.get("email"):
        keys.add(("e", values["email"]))
    return keys


# --------------------------------------------------------------------------------------------
# Normalising in two processes
# --------------------------------------------------------------------------------------------

_PERSON_DATES = frozenset(
    name for name in PERSON_FIELDS if type(Person._meta.get_field(name)) is models.DateField
)
_FIELD_BITS = {name: 1 << at for at, name in enumerate(PERSON_FIELDS)}
# A row's keys (in the order it has them) → (the bits of its fields, their canonical order, the
# places of dates in that order). Rows come in few shapes; both processes make the same.
_SHAPES: dict[tuple[str, ...], tuple[int, tuple[str, ...], tuple[int, ...]]] = {}
_SHAPE_OF_BITS: dict[int, tuple[int, tuple[str, ...], tuple[int, ...]]] = {}


def _shape(names: tuple[str, ...]) -> tuple[int, tuple[str, ...], tuple[int, ...]]:
    shape = _SHAPES.get(names)
    if shape is None:
        bits = sum(_FIELD_BITS[name] for name in set(names))
        order = tuple(name for name in PERSON_FIELDS if bits & _FIELD_BITS[name])
        dates = tuple(at for at, name in enumerate(order) if name in _PERSON_DATES)
        shape = _SHAPES[names] = _SHAPE_OF_BITS[bits] = (bits, order, dates)
    return shape


def pack_values(values: dict[str, Any]) -> bytes:
    """A row's person values as one ``marshal`` string: the values in PERSON_FIELDS order,
    dates as day numbers, and the bits of the fields it has. About 250 bytes where the
    dictionary and its strings take 700: every new row is held this way from its matching to
    its write, and the helper sends its rows so. Interned names are interned again when
    unpacked, so they stay shared."""
    bits, order, dates = _shape(tuple(values))
    items = [values[name] for name in order]
    for at in dates:
        items[at] = items[at].toordinal()
    items.append(bits)
    return marshal.dumps(items)


def unpack_values(packed: bytes) -> dict[str, Any]:
    items = marshal.loads(packed)  # noqa: S302 (made by pack_values, in this import)
    bits = items.pop()
    shape = _SHAPE_OF_BITS.get(bits)
    if shape is None:  # packed by the helper, in a shape this process has not met
        shape = _shape(tuple(name for name in PERSON_FIELDS if bits & _FIELD_BITS[name]))
    _bits, order, dates = shape
    for at in dates:
        items[at] = dt.date.fromordinal(items[at])
    return dict(zip(order, items, strict=True))


_SLOTS: dict[int, tuple[int, ...]] = {}  # a shape's bits → where its values go in a record


def unpack_record(packed: bytes, defaults: Sequence[Any]) -> tuple[list[Any], tuple[str, ...]]:
    """A packed row's person values as a list in PERSON_FIELDS order (``defaults`` where the
    row has none), and the names of the fields it has: what the write stage needs, made
    without the dictionary :func:`unpack_values` makes."""
    items = marshal.loads(packed)  # noqa: S302 (made by pack_values, in this import)
    bits = items.pop()
    shape = _SHAPE_OF_BITS.get(bits)
    if shape is None:
        shape = _shape(tuple(name for name in PERSON_FIELDS if bits & _FIELD_BITS[name]))
    _bits, order, dates = shape
    for at in dates:
        items[at] = dt.date.fromordinal(items[at])
    slots = _SLOTS.get(bits)
    if slots is None:
        slots = _SLOTS[bits] = tuple(PERSON_FIELDS.index(name) for name in order)
    record = list(defaults)
    for slot, value in zip(slots, items, strict=True):
        record[slot] = value
    return record, order


def _may_fork() -> bool:
    """Whether this process may fork a helper: on Linux, with no other thread running (a lock
    another thread holds at the fork would stay held in the child), on more than one CPU."""
    return (
        sys.platform == "linux"
        and threading.active_count() == 1
        and len(os.sched_getaffinity(0)) > 1
    )


class _Helper:
    """A forked process that normalises the file's later rows while this one normalises and
    matches the first ``split`` (see :meth:`rows`).

    The child has its own copy of the reader (the fork copies it), skips the first rows and
    normalises the others, sending them a batch at a time through a pipe; it never touches the
    database (its connection is the parent's) and leaves with ``os._exit``. Nothing of it
    reaches the disk. If it fails or dies, so does the import, before anything is written.
    Forked before the registry is read, it shares none of it (pages this process changes
    after the fork are copied for it)."""

    def __init__(
        self, reading: Iterator[Sequence[Cell]], normaliser: Normaliser, split: int
    ) -> None:
        self.reading, self.normaliser, self.split = reading, normaliser, split
        self.private_mib = 0.0  # the child's own memory when it finished
        receive, send = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(receive)
            code = 1
            try:
                _normalise_rest(reading, normaliser, split, send)
                code = 0
            finally:
                os._exit(code)
        os.close(send)
        self.pid: int | None = pid
        self.finished = False
        self.peak_while_alive_mib = 0.0  # this process's peak until the child left
        self.frames = _frames(receive, self._child_left)

    def _child_left(self) -> None:
        self.peak_while_alive_mib = _peak_rss_mib()

    def rows(self) -> Iterator[tuple[int, Row | None, list[Issue]]]:
        """Every row of the file in order, as (rows read, row, issues)."""
        normaliser = self.normaliser
        for i, cells in enumerate(self.reading):
            yield (i + 1, *normaliser.row(i + 2, cells))
            if i + 1 >= self.split:
                break
        while True:
            frame = self.frames.get()
            if frame is None:
                raise RuntimeError("the process normalising the file's later rows stopped")
            kind, payload = pickle.loads(frame)  # noqa: S301 (our own child's rows)
            if kind == "error":
                raise RuntimeError(f"normalising the file's later rows failed: {payload}")
            if kind == "end":
                self.finished, self.private_mib = True, payload
                self.frames.get()  # the pipe closing: the child has left
                break
            for read, sent, issues in payload:
                if sent is None:
                    yield read, None, issues
                    continue
                (number, packed, ident, blocks, household, home_key) = sent[:6]
                relation, membership, joined, pid = sent[6:]
                row = Row(
                    number=number,
                    values=_PACKED,
                    packed=packed,
                    blocks=blocks,
                    household=household,
                    home_key=home_key,
                    relation=relation,
                    membership=membership,
                    joined=joined,
                    person_id=pid,
                    ident=ident,
                )
                yield read, row, issues
        self.close()

    def close(self) -> None:
        """The child reaped (stopped first if it has not finished)."""
        if self.pid is None:
            return
        if not self.finished:
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.pid = None


def _private_mib() -> float:
    """This process's own memory (not shared with its parent), from /proc, in MiB."""
    total = 0
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1])
    except OSError:
        return 0.0
    return total / 1024


def _peak_rss_mib() -> float:
    """This process's highest resident size so far (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _normalise_rest(
    reading: Iterator[Sequence[Cell]], normaliser: Normaliser, split: int, fd: int
) -> None:
    """In the child: the rows after ``split``, sent a batch at a time."""
    cleaning.reopen_postal_data()
    with os.fdopen(fd, "wb", buffering=1 << 20) as out:

        def send(message: tuple[str, Any]) -> None:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            out.write(len(data).to_bytes(8, "little"))
            out.write(data)

        try:
            batch: list[tuple[int, tuple[Any, ...] | None, list[Issue]]] = []
            for i, cells in enumerate(reading):
                if i < split:
                    continue
                row, issues = normaliser.row(i + 2, cells)
                sent = None
                if row is not None:  # packed, its blocks found: the parent does less
                    values = row.values
                    sent = (
                        row.number,
                        pack_values(values),
                        row.ident,
                        tuple({hash(b) for b in _blocks(values)}),
                        row.household,
                        row.home_key,
                        row.relation,
                        row.membership,
                        row.joined,
                        row.person_id,
                    )
                batch.append((i + 1, sent, issues))
                if len(batch) == 2000:
                    send(("rows", batch))
                    batch = []
            send(("rows", batch))
            send(("end", _private_mib()))
        except Exception as error:  # noqa: BLE001 (told to the parent, which fails)
            send(("error", f"{type(error).__name__}: {error}"))


def _frames(fd: int, closed: Callable[[], None]) -> queue.Queue[bytes | None]:
    """The child's messages, read from the pipe by a thread as they come (the child never
    waits for this process to be ready for them); None once the pipe is closed (``closed``
    is called then: the child has left)."""
    frames: queue.Queue[bytes | None] = queue.Queue()

    def pump() -> None:
        with os.fdopen(fd, "rb", buffering=1 << 20) as source:
            while True:
                head = source.read(8)
                size = int.from_bytes(head, "little") if len(head) == 8 else -1
                data = source.read(size) if size >= 0 else b""
                if size < 0 or len(data) < size:
                    closed()
                    frames.put(None)
                    return
                frames.put(data)

    threading.Thread(target=pump, name="import-rows", daemon=True).start()
    return frames


# --------------------------------------------------------------------------------------------
# The import
# --------------------------------------------------------------------------------------------


# Stands in the rows for every unchanged row (nothing more is done with them).
_UNCHANGED = Row(number=0, values={}, outcome="unchanged")


class PeopleImport:
    def __init__(
        self,
        header: list[str],
        rows: Iterable[Sequence[Cell]],
        mapping: dict[str, int],
        options: Options,
        total: int,
    ) -> None:
        self.header = header
        self.raw_rows = rows
        self.mapping = mapping
        self.options = options
        self.total = total
        self.scope: Scope | None = scope_for(options.actor) if options.actor is not None else None
        self.result = Result()
        self.rows: list[Row] = []
        self.registry: dict[int, bytes] = {}  # pk → values (in _columns order), packed
        self._registry_ident: dict[int, int] = {}  # hash of an identity → pk
        self._columns: tuple[str, ...] = ()
        self._dates_at: tuple[int, ...] = ()  # the date columns' places (packed as day numbers)
        # Matching's own (see _match_setup), and the households new rows join (see _place).
        self._by_ident: dict[int, int] = {}
        self._by_block: dict[int, int] = {}
        self._registry_blocks: dict[int, list[int]] | None = None
        self._small = False
        self.homes: dict[str, _Home] = {}  # key → household (new or registry)
        self._records: dict[tuple[str, int], duplicates.Record] = {}
        self._fields = _fields_filled(mapping)
        self._home_keys: dict[str, str] = {}  # one string for the rows of a household
        self._tick = time.perf_counter()

    # -- helpers --------------------------------------------------------------------------

    def _progress(self, stage: str, done: int, total: int, force: bool = False) -> None:
        if self.options.progress and (force or done % PROGRESS_EVERY == 0):
            self.options.progress(stage, done, total)

    def _time(self, stage: str) -> None:
        now = time.perf_counter()
        self.result.timings[stage] = self.result.timings.get(stage, 0.0) + now - self._tick
        self._tick = now

    def _issue(self, row: Row, level: str, code: str, **kw: Any) -> None:
        self.result.issues.append(Issue(row.number, kw.pop("column", ""), level, code, **kw))

    def _visible(self, perm: str = "view") -> Any:
        people = Person.objects.filter(erased_at__isnull=True)
        return self.scope.filter(people, perm) if self.scope is not None else people

    # -- stages ---------------------------------------------------------------------------

    def run(self) -> Result:
        # Every row stays in memory until written: the cyclic collector, which would walk
        # them all again and again, waits (reference counting still frees what is let go).
        with gc_paused():
            if self.total > SCAN_FROM:
                # A large file: the registry first, then each row matched as it is read (a
                # helper forked before the registry is read normalises the later rows).
                reading = _Timed(iter(self.raw_rows))
                normaliser = Normaliser(self.mapping, self.header)
                helper = None
                if self.total >= PARALLEL_FROM and _may_fork():
                    helper = _Helper(reading, normaliser, self.total // 2)
                try:
                    self._read_registry(scan=True)
                    self._time("match")
                    self._match_setup(small=False)
                    self._normalise(reading, normaliser, helper)
                finally:
                    if helper is not None:
                        helper.close()
                        self.result.helper_private_mib = helper.private_mib
                        self.result.peak_with_helper_mib = (
                            helper.peak_while_alive_mib or _peak_rss_mib()
                        )
            else:
                self._normalise()
                self._match()
            self._matched_all()
            self._place()
            if not self.options.dry_run:
                self._write()
            self._count()
            # Let go of the rows before the collector comes back: it would walk them all
            # once more (two seconds for 500,000 rows) only to find them in use.
            self.rows, self.registry, self._records, self.homes = [], {}, {}, {}
            self._registry_ident, self._by_ident, self._by_block = {}, {}, {}
        return self.result

    def _normalise(
        self,
        reading: _Timed | None = None,
        normaliser: Normaliser | None = None,
        helper: _Helper | None = None,
    ) -> None:
        """Every row normalised. Given the reader (the registry read already), each row is
        matched as soon as it is, its matching timed apart; given a helper, it normalises the
        later rows."""
        stage = "normalise"
        self._progress(stage, 0, self.total, force=True)
        match = reading is not None
        if normaliser is None:
            normaliser = Normaliser(self.mapping, self.header)
        if reading is None:
            reading = _Timed(iter(self.raw_rows))
        read = 0
        matching = 0.0
        clock = time.perf_counter
        normalised: Iterator[tuple[int, Row | None, list[Issue]]]
        if helper is not None:
            normalised = helper.rows()
        else:
            normalised = ((i + 1, *normaliser.row(i + 2, cells)) for i, cells in enumerate(reading))
        for read, row, issues in normalised:
            if issues:
                self.result.issues += issues
            if row is not None:
                self.rows.append(row)
                if match:
                    started = clock()
                    self._match_row(len(self.rows) - 1, row)
                    matching += clock() - started
            if read % PROGRESS_EVERY == 0:
                self._progress(stage, read, max(self.total, read))
        self.total = read  # the estimate the progress bar had, made exact
        # Decoding and splitting the file happen as its rows are read: their time is the
        # decode stage's, not the normalising's.
        self.result.timings["decode"] = self.result.timings.get("decode", 0.0) + reading.seconds
        self._tick += reading.seconds
        if match:
            self.result.timings["match"] = self.result.timings.get("match", 0.0) + matching
            self._tick += matching
        self._time(stage)

    def _match(self) -> None:
        stage = "match"
        rows = self.rows
        self._progress(stage, 0, len(rows), force=True)
        self._read_registry(scan=len(rows) > SCAN_FROM)
        self._match_setup(small=len(rows) <= SMALL_FILE)
        for i, row in enumerate(rows):
            if i % PROGRESS_EVERY == 0:
                self._progress(stage, i, len(rows))
            self._match_row(i, row)
        self._progress(stage, len(rows), len(rows), force=True)
        self._time(stage)

    def _matched_all(self) -> None:
        """Every row matched: what matching kept goes, before the write needs its memory. Of
        the registry only the people rows update are kept (their version is checked)."""
        self._by_ident, self._by_block, self._registry_ident = {}, {}, {}
        self._registry_blocks = None
        self._records = {}
        updated = {row.match for row in self.rows if row.outcome == "updated"}
        self.registry = {pk: self.registry[pk] for pk in updated if pk in self.registry}

    def _match_setup(self, small: bool) -> None:
        # Keyed by hashes, not the tuples themselves (a file of 500,000 rows keeps these in
        # memory); a hit on an identity is confirmed on the values, a hit on a block only
        # brings a candidate to score.
        self._by_ident = {}
        self._by_block = {}
        self._registry_blocks = None  # made when needed
        self._small = small  # a small file also asks the registry's full duplicate search

    def _match_row(self, i: int, row: Row) -> None:
        """Row ``i`` against the rows before it and the registry. An unchanged row is not kept:
        one shared record stands for all of them (a re-import of 500,000 people keeps none)."""
        self._match_one(i, row)
        row.blocks = ()
        if row.outcome == "unchanged":
            self.rows[i] = _UNCHANGED
        elif row.outcome == "new":
            row.home_key = self._home_keys.setdefault(row.home_key, row.home_key)
            if not row.packed:
                self._pack_row(row)
            row.values = _PACKED  # (a row that arrived packed was unpacked, not changed)
        else:
            row.packed = b""

    @staticmethod
    def _pack_row(row: Row, values: dict[str, Any] | None = None) -> None:
        row.packed = pack_values(row.values if values is None else values)
        row.values = _PACKED

    @staticmethod
    def _row_values(row: Row) -> dict[str, Any]:
        """A row's values (a packed row's unpacked: a new dictionary each time)."""
        return row.values if row.values is not _PACKED else unpack_values(row.packed)

    def _needs_values(self, row: Row, blocks: Iterable[int]) -> bool:
        """Whether matching a row that arrived packed looks at its values: only when it meets
        someone (most new rows of a first import meet no one, and stay packed)."""
        if row.person_id is not None or self._small:
            return True
        if row.ident in self._by_ident or row.ident in self._registry_ident:
            return True
        by_block, registry_blocks = self._by_block, self._registry_block_index()
        return any(b in by_block or b in registry_blocks for b in blocks)

    def _registry_block_index(self) -> dict[int, list[int]]:
        """The registry's people by the hashes of their blocks (made when first needed)."""
        if self._registry_blocks is None:
            self._registry_blocks = defaultdict(list)
            for pk in self.registry:
                for key in _blocks(self._known(pk)):
                    self._registry_blocks[hash(key)].append(pk)
        return self._registry_blocks

    def _match_one(self, i: int, row: Row) -> None:
        rows, values = self.rows, row.values
        by_ident, by_block = self._by_ident, self._by_block
        blocks = row.blocks or {hash(b) for b in _blocks(values)}
        if values is _PACKED and self._needs_values(row, blocks):
            values = row.values = unpack_values(row.packed)
        # 1. The registry number the file gives.
        if row.person_id is not None:
            if row.person_id in self.registry:
                self._matched(row, row.person_id, STRONG, [])
            else:
                self._issue(
                    row,
                    "rejected",
                    "id_unknown",
                    column=self._title("id"),
                    params={"id": row.person_id},
                )
                row.outcome = "rejected"
            return
        # 2. The same person earlier in the file.
        first = by_ident.get(row.ident)
        if first is not None and identity(self._row_values(rows[first])) != identity(values):
            first = None
        if first is not None:
            self._same_in_file(row, first, 100, [])
            return
        same = self._registry_ident.get(row.ident)
        known = self._known(same) if same is not None else None
        if known is not None and identity(known) != identity(values):
            same = None
        if same is not None:
            # Matched without doubt: a later row like this one meets the same person through
            # the registry, so this row needs no place among the file's identities or blocks.
            self._matched(row, same, 100, [], known)
            return
        for j in sorted({by_block[b] for b in blocks if b in by_block}):
            points, reasons = self._score(("f", i), values, ("f", j), self._row_values(rows[j]))
            if points >= duplicates.THRESHOLD:
                self._same_in_file(row, j, points, reasons)
                return
        by_ident[row.ident] = i
        for b in blocks:
            by_block.setdefault(b, i)
        # 3. The registry.
        registry_blocks = self._registry_block_index()
        best: tuple[int, int, list[str]] | None = None
        for pk in sorted({p for b in blocks for p in registry_blocks.get(b, ())}):
            points, reasons = self._score(("f", i), values, ("r", pk), self._known(pk))
            if points >= duplicates.THRESHOLD and (best is None or points > best[1]):
                best = (pk, points, reasons)
        if best is None and self._small:
            found = duplicates.candidates(values, self._visible(), limit=1)
            if found:
                candidate = found[0]
                known = _values_of(candidate.person)
                self.registry[candidate.person.pk] = self._pack(
                    tuple(known.get(c) for c in self._columns)
                )
                best = (candidate.person.pk, candidate.score, candidate.reasons)
        if best is not None:
            self._matched(row, *best)
        else:
            row.outcome = "new"

    def _score(
        self, a_key: tuple[str, int], a: dict[str, Any], b_key: tuple[str, int], b: dict[str, Any]
    ) -> tuple[int, list[str]]:
        """The registry's duplicate score of two records, each record's phonetic forms worked
        out once. Two records that share only a phone or an e-mail (a household's landline)
        and whose given names, in a script both have, have little in common are not scored:
        they are a family, not one person."""
        if not _given_names_meet(a, b):
            return 0, []
        records = self._records
        ra = records.get(a_key)
        if ra is None:
            ra = records[a_key] = duplicates.record(a)
        rb = records.get(b_key)
        if rb is None:
            rb = records[b_key] = duplicates.record(b)
        return duplicates.score(ra, rb)

    def _title(self, name: str) -> str:
        index = self.mapping.get(name)
        return self.header[index] if index is not None and index < len(self.header) else ""

    def _known(self, pk: int) -> dict[str, Any]:
        """A registry person's values by name (see :meth:`_pack`)."""
        values = marshal.loads(self.registry[pk])  # noqa: S302 (packed by _pack)
        for at in self._dates_at:
            if values[at] is not None:
                values[at] = dt.date.fromordinal(values[at])
        return dict(zip(self._columns, values, strict=True))

    def _pack(self, person: Sequence[Any]) -> bytes:
        """A registry person's values as one ``marshal`` string, dates as day numbers: about
        270 bytes where the tuple and its objects take 1,100 (a re-import of 500,000 people
        holds them all while it matches). Unpacking one takes a microsecond."""
        values = list(person)
        for at in self._dates_at:
            if values[at] is not None:
                values[at] = values[at].toordinal()
        return marshal.dumps(values)

    def _read_registry(self, scan: bool) -> None:
        """The people in scope a row of the file may be: born on a date the file has (or with
        no birth date), sharing a name (when the row has no birth date), a phone or an e-mail
        with it, or given by number. A large file reads everyone in scope in one scan, which
        costs less than looking its keys up; a small one looks up its keys first."""
        rows = self.rows
        columns: tuple[str, ...] = ("id", "unit_id", "version", *_REGISTRY_FIELDS)
        extra = tuple(f for f in PERSON_FIELDS if f in self._fields and f not in columns)
        columns += extra
        self._columns = columns
        self._dates_at = tuple(
            i
            for i, name in enumerate(columns)
            if type(Person._meta.get_field(name)) is models.DateField
        )
        people = self._visible()
        if scan:
            found = people.values_list(*columns)
        else:
            dates = {r.values["birth_date"] for r in rows if r.values.get("birth_date")}
            ids = {r.person_id for r in rows if r.person_id is not None}
            keys = set()
            for r in rows:
                values = r.values
                for name in ("phone", "mobile"):
                    if values.get(name):
                        keys.add(f"p:{values[name][-8:]}")
                if values.get("email"):
                    keys.add(f"e:{values['email']}"[:80])
                if not values.get("birth_date"):
                    keys |= {search._whole_key(f, g) for _s, f, g in whole_names(values)}
            for chunk in _chunks(sorted(keys), 2000):
                ids |= set(
                    PersonSearchKey.objects.filter(key__in=chunk).values_list(
                        "person_id", flat=True
                    )
                )
            cond = Q(birth_date__isnull=True)
            if dates:
                cond |= Q(birth_date__in=sorted(dates))
            if ids:
                cond |= pk_in(sorted(ids))
            found = people.filter(cond).values_list(*columns)
        registry, by_ident, pack = self.registry, self._registry_ident, self._pack
        for person in found.iterator(chunk_size=5000):
            registry[person[0]] = pack(person)
            by_ident[hash(identity(dict(zip(columns, person, strict=True))))] = person[0]

    def _matched(
        self,
        row: Row,
        pk: int,
        points: int,
        reasons: list[str],
        known: dict[str, Any] | None = None,
    ) -> None:
        """A row that is a person already in the registry."""
        row.match = pk
        current = self._known(pk) if known is None else known
        changes = [
            name
            for name, value in row.values.items()
            if value != current.get(name)
            and value not in ("", None, [])
            and _differs(name, value, current.get(name))
        ]
        row.changes = changes
        params = {
            "id": pk,
            "score": points,
            "reasons": reasons,
            "fields": changes,
            "version": current.get("version"),
        }
        if not changes:
            row.outcome = "unchanged"
            # The person's number is the issue's object: no dictionary per unchanged row.
            self._issue(row, "decision", "unchanged", object_id=pk, params=_NO_PARAMS)
            row.values = {}  # nothing to write: a re-import holds no copy of the registry
            return
        certain = points >= STRONG
        policy = self.options.on_duplicate
        decision = None
        if policy == "ask" or not certain:
            # A possible match (not a certain one) is never decided by the policy alone: the
            # row is held for a person rather than skipped or written into someone else.
            decision = self._ask(row, current, points, reasons)
        elif policy == "update":
            decision = "update"
        else:
            decision = "skip"
        if decision == "update" and self._may_edit(current):
            row.outcome = "updated"
            self._issue(row, "decision", "updated", object_id=pk, params=params)
        elif decision == "update":
            row.outcome = "skipped"
            self._issue(row, "decision", "not_yours", object_id=pk, params=params)
        elif decision == "new":
            row.outcome, row.match = "new", None
            self._issue(row, "decision", "kept_apart", object_id=pk, params=params)
        elif decision == "skip":
            row.outcome = "skipped"
            self._issue(row, "decision", "skipped", object_id=pk, params=params)
        else:
            row.outcome = "held"
            self._issue(row, "decision", "held", object_id=pk, params=params, values=_jsonable(row))

    def _same_in_file(self, row: Row, first: int, points: int, reasons: list[str]) -> None:
        """A row that is the same person as an earlier row of the file."""
        earlier = self.rows[first]
        if earlier.match is not None and earlier.outcome not in ("", "new"):
            # The earlier row is a registry person's: this one is decided against that
            # person too, so what it adds is compared with (and written to) the record.
            self._matched(row, earlier.match, points, reasons)
            return
        target = earlier
        params = {"row": earlier.number, "score": points, "reasons": reasons}
        policy = self.options.on_duplicate
        certain = points >= STRONG
        decision = None
        if policy == "ask" or not certain:
            decision = self._ask(row, self._row_values(earlier), points, reasons)
        elif policy == "update":
            decision = "update"
        else:
            decision = "skip"
        if decision == "new":
            row.outcome = "new"
            self._issue(row, "decision", "kept_apart_in_file", params=params)
            return
        if decision == "update":
            current = self._row_values(target)
            merged = [
                k
                for k, v in row.values.items()
                if v not in ("", None, []) and _differs(k, v, current.get(k))
            ]
            current.update({k: row.values[k] for k in merged})
            if target.packed:
                self._pack_row(target, current)
            row.outcome = "merged"
            self._issue(row, "decision", "merged_in_file", params={**params, "fields": merged})
        elif decision == "skip":
            row.outcome = "skipped"
            self._issue(row, "decision", "skipped_in_file", params=params)
        else:
            row.outcome = "held"
            self._issue(row, "decision", "held_in_file", params=params, values=_jsonable(row))

    def _ask(self, row: Row, other: dict[str, Any], points: int, reasons: list[str]) -> str | None:
        if self.options.ask is None:
            return None
        return self.options.ask(row, other, points, reasons)

    def _may_edit(self, values: dict[str, Any]) -> bool:
        if self.scope is None:
            return True
        unit = self._units().get(values["unit_id"])
        return unit is not None and self.scope.has("edit", unit)

    # -- placing --------------------------------------------------------------------------

    def _units(self) -> dict[int, Unit]:
        if not hasattr(self, "_unit_cache"):
            self._unit_cache = {u.pk: u for u in Unit.objects.all()}
        return self._unit_cache

    def _territory(self) -> dict[str, int]:
        if not hasattr(self, "_territory_cache"):
            self._territory_cache = dict(
                TerritoryArea.objects.filter(
                    kind=TerritoryKind.POSTAL_PREFIX, unit__status=UnitStatus.ACTIVE
                ).values_list("value", "unit_id")
            )
        return self._territory_cache

    def _unit_for(self, code: str, cache: dict[str, Unit | None]) -> Unit | None:
        """The unit whose territory holds ``code`` (longest prefix), if the import may place
        people there: within its unit, and where the importer may edit."""
        if code in cache:
            return cache[code]
        territory, units = self._territory(), self._units()
        found = None
        for length in range(min(len(code), 7), 0, -1):
            pk = territory.get(code[:length])
            if pk is not None:
                found = units[pk]
                break
        unit = self.options.unit
        if found is not None and unit is not None and not found.path.startswith(unit.path):
            found = None
        if found is not None and self.scope is not None and not self.scope.has("edit", found):
            found = None
        cache[code] = found
        return found

    def _place(self) -> None:
        """Households for the new rows, and the unit of each. A row's household key was made as
        it was normalised; a household is made from its first row's postal code and address
        (the only rows unpacked here) before the registry's households at those postal codes
        are read."""
        stage = "place"
        new = [r for r in self.rows if r.outcome == "new"]
        homes: dict[str, _Home] = {}
        self.homes = homes
        for row in new:
            key = row.home_key
            if key:
                home = homes.get(key)
                if home is None:  # its first row says where it is
                    values = self._row_values(row)
                    postal_code, address = values.get("postal_code", ""), values.get("address", "")
                    home = homes[key] = _Home(None, None, False, postal_code, address)
                row.home = home
        self._home_keys = {}
        codes = sorted({h.postal_code for h in homes.values() if h.postal_code})
        registry_homes = self._registry_households(codes)
        units_cache: dict[str, Unit | None] = {}
        fallback = self.options.unit
        for key, home in homes.items():
            existing = registry_homes.get(key)
            if existing is not None:
                home.id, home.unit, home.placed = existing.id, existing.unit, True
                home.postal_code, home.address = existing.postal_code, existing.address
                home.existing = True
                continue
            unit = self._unit_for(home.postal_code, units_cache) if home.postal_code else None
            home.unit = unit.pk if unit else (fallback.pk if fallback else None)
            home.placed = unit is not None
        for row in new:
            home = row.home
            if home is not None:
                unit_id = home.unit
                if not home.placed and home.members == 0:
                    self._issue(
                        row,
                        "flagged",
                        "unplaced" if home.postal_code else "unplaced_no_postal",
                        column=self._title("postal_code"),
                        params={"postal_code": home.postal_code},
                    )
                home.members += 1
            else:
                unit_id = fallback.pk if fallback else None
                self._issue(row, "flagged", "no_address", column=self._title("address"))
            if unit_id is None:
                row.outcome = "rejected"
                self.result.issues.append(
                    Issue(row.number, self._title("postal_code"), "rejected", "no_unit")
                )
                continue
            row.unit_id = unit_id
        self._time(stage)

    def _registry_households(self, codes: list[str]) -> dict[str, _Home]:
        """Households already recorded at the file's postal codes, by their address key."""
        out: dict[str, _Home] = {}
        if not codes:
            return out
        households = Household.objects.all()
        if self.scope is not None:
            households = self.scope.filter(households, "edit", path_field="unit__path")
        for start in range(0, len(codes), 5000):
            chunk = codes[start : start + 5000]
            found = households.filter(postal_code__in=chunk).values_list(
                "id", "unit_id", "postal_code", "address"
            )
            for pk, unit_id, code, address in found:
                key = f"a:{code}:{address_key(address)}"
                out.setdefault(key, _Home(pk, unit_id, True, code, address, existing=True))
        return out

    # -- writing --------------------------------------------------------------------------

    def _write(self) -> None:
        stage = "write"
        new = [r for r in self.rows if r.outcome == "new" and r.unit_id is not None]
        updates = [r for r in self.rows if r.outcome == "updated"]
        self._progress(stage, 0, len(new) + len(updates), force=True)
        with transaction.atomic():
            if len(new) >= FIRST_LOAD and len(new) >= Person.objects.count():
                # A first load (the registry at most as large as the file): the indexes are
                # set aside and built once after it, as the demo loads. Not for a live
                # registry: on PostgreSQL dropping an index locks its table until the commit.
                with bulk_loading(
                    Person,
                    PersonSearchKey,
                    HouseholdMember,
                    Household,
                    cache_mib=64,
                    appended=(PersonSearchKey,),  # written person by person, in id order
                ):
                    self._write_new(new)
            else:
                self._write_new(new)
            for i, row in enumerate(updates):
                self._write_update(row)
                self._progress(stage, len(new) + i + 1, len(new) + len(updates))
            audit.record(
                actor=self.options.actor,
                action="import",
                object_type="imports.importjob",
                object_id=self.options.job_id or "",
                unit_id=self.options.unit.pk if self.options.unit else None,
                fields=sorted(self.mapping),
            )
            self._count()
            if self.options.finish is not None:
                self.options.finish(self.result)  # the report and "done", with the rows
            faults.point("import-before-commit")
        self._progress(stage, len(new) + len(updates), len(new) + len(updates), force=True)
        self._time(stage)

    def _write_new(self, new: list[Row]) -> None:
        """Households, then people in chunks (their members, memberships, search keys and
        audit events with them): memory stays bounded by the chunk, not the file. Each chunk's
        rows are made here while a second thread writes the chunk before it (see
        :func:`~branchwork.core.bulk.background_writer`): every query this needs is made before
        that thread starts or after it ends."""
        if not new:
            return
        now = timezone.now()
        today = timezone.localdate()
        date = connection.ops.adapt_datefield_value
        stamp = db_value(Person, "created_at", now)
        homes = [h for h in self.homes.values() if h.id is None and h.members]
        home_ids = reserve_ids(Household, len(homes))
        for home, pk in zip(homes, home_ids, strict=True):
            home.id = pk
        person_ids = reserve_ids(Person, len(new))
        defaults: dict[str, Any] = {}
        for name in PERSON_FIELDS:
            model_field = Person._meta.get_field(name)
            assert isinstance(model_field, models.Field)
            defaults[name] = model_field.get_default()
        defaults["birth_precision"] = "day"
        defaults["languages"] = []
        default_record = [defaults[f] for f in PERSON_FIELDS]
        roots = self._roots()
        units = self._units()
        languages: dict[tuple[str, ...], str] = {}
        today_db = date(today)
        events = audit.Appender(
            actor=self.options.actor, action="create", object_type="people.person"
        )
        with background_writer() as writer:
            writer.submit(
                bulk_insert,
                Household,
                ("id", "unit", "unit_override", "postal_code", "address", "created_at"),
                [(h.id, h.unit, False, h.postal_code, h.address[:300], stamp) for h in homes],
                prepared=True,
            )
            for start in range(0, len(new), WRITE_CHUNK):
                chunk = new[start : start + WRITE_CHUNK]
                ids = person_ids[start : start + WRITE_CHUNK]
                records = []
                given_fields = []
                for row, pk in zip(chunk, ids, strict=True):
                    if row.values is _PACKED:
                        made, fields = unpack_record(row.packed, default_record)
                    else:
                        fields = tuple(row.values)
                        made = [row.values.get(f, defaults[f]) for f in PERSON_FIELDS]
                    given_fields.append(fields)
                    records.append((pk, row, _Record._make(made)))
                entries = [search.index_entries(record) for _pk, _row, record in records]
                rows = []
                for (pk, row, record), (_keys, text) in zip(records, entries, strict=True):
                    langs: tuple[str, ...] = tuple(record[_LANGUAGES_AT])
                    if langs not in languages:
                        languages[langs] = json.dumps(list(langs))
                    values: list[Any] = list(record)
                    values[_BIRTH_AT] = date(values[_BIRTH_AT])
                    values[_DEATH_AT] = date(values[_DEATH_AT])
                    values[_LANGUAGES_AT] = languages[langs]
                    rows.append((pk, row.unit_id, *values, text, None, 1, stamp, stamp))
                writer.submit(bulk_insert, Person, _PERSON_COLUMNS, rows, prepared=True)
                members = []
                memberships = []
                for pk, row, _record in records:
                    household = row.home
                    if household is not None:
                        relation = row.relation
                        if not relation:
                            relation = "other" if household.existing or household.headed else "head"
                        household.headed = True
                        members.append((household.id, pk, relation, today_db, None))
                    if row.membership and row.unit_id is not None:
                        body = roots.get(units[row.unit_id].path[:PATH_STEP])
                        if body is not None:
                            left = today if row.membership == "former" else None
                            joined = row.joined
                            if left is not None and joined is not None and joined > left:
                                joined = None
                            memberships.append((pk, body, row.membership, date(joined), date(left)))
                writer.submit(
                    bulk_insert,
                    HouseholdMember,
                    ("household", "person", "relation", "since", "until"),
                    members,
                    prepared=True,
                )
                writer.submit(
                    bulk_insert,
                    Membership,
                    ("person", "body", "status", "joined", "left"),
                    memberships,
                    prepared=True,
                )
                writer.submit(
                    bulk_insert_fanout,
                    PersonSearchKey,
                    ("person", "key"),
                    [(pk, keys) for (pk, _r, _x), (keys, _t) in zip(records, entries, strict=True)],
                )
                writer.submit(
                    bulk_insert,
                    AuditEvent,
                    audit.EVENT_COLUMNS,
                    events.rows(
                        (pk, row.unit_id, fields)
                        for (pk, row, _r), fields in zip(records, given_fields, strict=True)
                    ),
                    prepared=True,
                )
                for pk, row, _r in records:
                    row.match = pk
                    row.values, row.packed = _PACKED, b""  # handed over to the writer
                del records, entries, rows, given_fields
                self._progress("write", start + len(chunk), len(new), force=True)
        events.close()
        self.result.created_ids = person_ids

    def _roots(self) -> dict[str, int]:
        return {
            u.path: u.pk
            for u in self._units().values()
            if u.parent_id is None and u.kind == "federation"
        }

    def _write_update(self, row: Row) -> None:
        """Write a row's changed fields to its person, if the record is still as it was read:
        an edit made meanwhile, or an erasure, wins and the row says so."""
        assert row.match is not None
        changes = {name: row.values[name] for name in row.changes}
        if "birth_date" in changes and "birth_precision" in row.values:
            changes["birth_precision"] = row.values["birth_precision"]
        version = self._known(row.match)["version"]
        updated = Person.objects.filter(
            pk=row.match, version=version, erased_at__isnull=True
        ).update(version=F("version") + 1, updated_at=timezone.now(), **changes)
        if not updated:
            row.outcome = "skipped"
            self._issue(
                row, "decision", "changed_meanwhile", object_id=row.match, params={"id": row.match}
            )
            return
        person = Person.objects.get(pk=row.match)
        search.reindex([person])
        audit.record(
            actor=self.options.actor,
            action="update",
            obj=person,
            unit_id=person.unit_id,
            fields=row.changes,
        )

    def _count(self) -> None:
        counts: dict[str, int] = defaultdict(int)
        counts["rows"] = self.total
        counts["rejected"] = len({i.row for i in self.result.issues if i.level == "rejected"})
        for row in self.rows:
            if row.outcome == "new" and row.unit_id is not None:
                counts["created"] += 1
            elif row.outcome and row.outcome not in ("rejected", "new"):
                counts[row.outcome] += 1
        counts["flagged"] = len({i.row for i in self.result.issues if i.level == "flagged"})
        homes = [h for h in self.homes.values() if h.members]
        counts["households_created"] = sum(1 for h in homes if not h.existing)
        counts["households_joined"] = sum(1 for h in homes if h.existing)
        counts["unplaced"] = len({i.row for i in self.result.issues if i.code in _UNPLACED})
        self.result.counts = dict(counts)


def household_key(household: str, values: dict[str, Any]) -> str:
    """How the rows of one household are told apart: the file's household column if it has
    one, else the postal code and the address's key ("" for a row with neither)."""
    if household:
        return "h:" + household
    address = values.get("address")
    if address:
        return f"a:{values.get('postal_code', '')}:{address_key(address)}"
    return ""


@lru_cache(maxsize=20_000)
def address_key(address: str) -> str:
    """An address as households are told apart: width folded, spaces dropped, and 丁目, 番地,
    番, 号 and every kind of dash written as one hyphen, so 3丁目5番12号 is 3-5-12 and
    5丁目2-13 stays apart from 5丁目21-3 (the digit groups keep their separators). A
    household's members share it, so each is worked out once."""
    text = unicodedata.normalize("NFKC", address)
    text = _ADDRESS_JOINS.sub("-", text)
    text = _ADDRESS_SPACES.sub("", text)
    return _HYPHENS.sub("-", text).strip("-").lower()


_ADDRESS_JOINS = re.compile(r"丁目|番地|番|号|[‐‑‒–—―−ｰ－-]|(?<=\d)ー(?=\d)")
_ADDRESS_SPACES = re.compile(r"\s+")
_HYPHENS = re.compile(r"-{2,}")


_UNPLACED = ("unplaced", "unplaced_no_postal", "no_address")


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _differs(name: str, value: Any, current: Any) -> bool:
    if name == "languages":
        return sorted(value or []) != sorted(current or [])
    if isinstance(value, str):
        return (
            normalise(value) != normalise(str(current or ""))
            if name in NAME_FIELDS
            else value != (current or "")
        )
    return bool(value != current)


def _values_of(person: Person) -> dict[str, Any]:
    values = {name: getattr(person, name) for name in PERSON_FIELDS}
    values["id"], values["unit_id"], values["version"] = person.pk, person.unit_id, person.version
    return values


def _jsonable(row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.values.items():
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    out["_household"] = row.household
    out["_relation"] = row.relation
    out["_membership"] = row.membership
    out["_joined"] = row.joined.isoformat() if row.joined else None
    loaded: dict[str, Any] = json.loads(json.dumps(out))
    return loaded
