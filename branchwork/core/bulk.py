"""The fast bulk-write path: ``COPY`` on PostgreSQL (in its binary format, each row made by
psycopg in C), many-row ``INSERT`` statements on SQLite, and :func:`bulk_loading` around a
large load (indexes and keys made once, after it).

On narrow rows the ORM's ``bulk_create`` runs at ~18k rows/s on these machines, raw
``executemany`` at ~190k and ``COPY`` at ~290k; on the 30-column person table ``make bench``
measures this path against ``bulk_create`` (docs/benchmarks.md). Demo generation and imports
write through here. It bypasses ``save()``, signals and ``auto_now``: callers pass every
column's value, and keep writing the audit entry for the operation as a whole.
"""

from __future__ import annotations

import functools
import gc
import json
import queue
import sqlite3
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


def column_names(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    out: list[str] = []
    for name in fields:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field), name
        out.append(str(field.column))
    return out


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve ``count`` primary keys for rows inserted with explicit ids (call in a transaction).

    PostgreSQL draws them from the table's sequence, so concurrent writers never collide; SQLite
    writes are serialised by its database lock, so the next ids after the current maximum are
    free until this transaction commits.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    assert model._meta.pk is not None
    pk = model._meta.pk.column
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # The sequence is looked up first: named by a constant, nextval() reads it ten
            # times faster than with the lookup made again for every id drawn. The drawn ids
            # come back as their first and last when they are consecutive (no other writer
            # drew from the sequence meanwhile), not one row per id.
            cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            sequence = cur.fetchone()[0]
            cur.execute(
                """
                SELECT min(v), max(v), CASE WHEN max(v) - min(v) + 1 = count(*) THEN NULL
                                            ELSE array_agg(v) END
                FROM (SELECT nextval(%s::regclass) AS v FROM generate_series(1, %s)) drawn
                """,
                [sequence, count],
            )
            low, high, scattered = cur.fetchone()
            return sorted(scattered) if scattered is not None else list(range(low, high + 1))
        cur.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608
        start = int(cur.fetchone()[0]) + 1
        return list(range(start, start + count))


# Values of these field types need the database's own form (JSON text or an adapter, dates as
# the backend stores them); other values pass through untouched, which keeps the path fast.
_PREPARED_TYPES = frozenset(
    {"JSONField", "DateTimeField", "DateField", "TimeField", "DecimalField", "UUIDField"}
)


def _prepared(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Iterable[Sequence[Any]]:
    preps: list[tuple[int, models.Field[Any, Any]]] = []
    for i, name in enumerate(fields):
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field), name
        if field.get_internal_type() in _PREPARED_TYPES:
            preps.append((i, field))
    if not preps:
        return rows
    conn = connections[DEFAULT_DB_ALIAS]  # resolved once, not per value
    # Bulk rows repeat their dates, times and small JSON values a lot (one created_at for a
    # whole load): each distinct value is converted once.
    caches: list[dict[Any, Any]] = [{} for _ in preps]

    width = len(fields)

    def convert(row: Sequence[Any]) -> list[Any]:
        if len(row) != width:
            raise ValueError(f"a row of {len(row)} values for {width} columns")
        out = list(row)
        for (i, field), cache in zip(preps, caches, strict=True):
            value = out[i]
            key = (
                json.dumps(value, sort_keys=True, default=str)
                if isinstance(value, (list, dict))
                else value
            )
            try:
                out[i] = cache[key]
            except KeyError:
                out[i] = cache[key] = field.get_db_prep_save(value, conn)
        return out

    return (convert(row) for row in rows)


def db_value(model: type[models.Model], name: str, value: Any) -> Any:
    """A value in the form the database stores for ``model.name`` (for ``prepared`` rows)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), name
    return field.get_db_prep_save(value, connections[DEFAULT_DB_ALIAS])


def bulk_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_size: int = 20_000,
    prepared: bool = False,
) -> int:
    """Insert rows (tuples in ``fields`` order) in one transaction; return how many.

    With ``prepared``, dates, times and JSON values are already in the database's own form
    (see :func:`db_value`) and are passed through unconverted.

    ``rows`` may be a generator, but it must not query the database while it is consumed: on
    PostgreSQL the COPY holds the connection, and a query from inside it would wait forever.
    """
    table = model._meta.db_table
    columns = column_names(model, fields)
    if not prepared:
        rows = _prepared(model, fields, rows)
    quoted = ", ".join(f'"{c}"' for c in columns)
    written = 0
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            raw = cur.cursor  # psycopg 3 cursor under Django's wrapper
            raw.adapters.register_dumper(None, _jsonb_dumper())  # this cursor's, by type only
            types = _column_types(raw, table, columns)
            binary = " (FORMAT BINARY)" if types is not None else ""
            # wrap_database_errors turns psycopg's errors into Django's (IntegrityError …).
            with (
                connection.wrap_database_errors,
                raw.copy(f'COPY "{table}" ({quoted}) FROM STDIN{binary}') as copy,
            ):
                if types is None:
                    for row in rows:
                        if len(row) != len(columns):
                            raise ValueError(
                                f"a row of {len(row)} values for {len(columns)} columns"
                            )
                        copy.write_row(row)
                        written += 1
                else:
                    written = _copy_binary(copy, rows, types)
            return written
        return _sqlite_statements(
            f'INSERT INTO "{table}" ({quoted}) VALUES {{values}}',  # noqa: S608
            len(columns),
            rows,
            batch_size,
        )
    return written


# Column types (as PostgreSQL names them) whose values COPY takes in its binary format, each
# value sent as psycopg's binary dumper for that type makes it. A table with any other type is
# written in the text format.
_BINARY_TYPES = frozenset(
    {
        "bigint",
        "integer",
        "smallint",
        "boolean",
        "text",
        "character varying",
        "character",
        "date",
        "timestamp with time zone",
        "time without time zone",
        "interval",
        "numeric",
        "double precision",
        "uuid",
        "bytea",
        "jsonb",
    }
)


def _column_types(cur: Any, table: str, columns: Sequence[str]) -> list[str] | None:
    """The PostgreSQL type of each column, or None when one of them is not in
    :data:`_BINARY_TYPES`."""
    cur.execute(
        "SELECT attname, atttypid::regtype::text FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    types = dict(cur.fetchall())
    named = [types[c] for c in columns]
    return named if all(t in _BINARY_TYPES for t in named) else None


@functools.cache
def _jsonb_dumper() -> type:
    """psycopg's dumper for jsonb in COPY's binary format, by type only (``set_types``): a
    version byte, then the JSON text. Prepared rows hold JSON text, which goes as it is; any
    other value (psycopg's ``Jsonb`` wrapper, a list, a dictionary) through ``json.dumps``."""
    from psycopg import postgres, pq
    from psycopg.adapt import Dumper

    class JsonbText(Dumper):
        format = pq.Format.BINARY
        oid = postgres.types["jsonb"].oid

        def dump(self, obj: Any) -> bytes:
            if isinstance(obj, str):
                return b"\x01" + obj.encode()
            value, dumps = getattr(obj, "obj", obj), getattr(obj, "dumps", None) or json.dumps
            return b"\x01" + dumps(value).encode()

    return JsonbText


def _copy_binary(copy: Any, rows: Iterable[Sequence[Any]], types: Sequence[str]) -> int:
    """Write rows into a COPY in its binary format; return how many.

    psycopg makes each row in C from the columns' types (about a sixth of the processor time of
    the text format made in Python, and less for the server to parse), so every value must be
    of its column's Python type: ``int`` for integer columns, ``str`` for text, ``date``,
    aware ``datetime``, ``bool``, ``Decimal``; JSON columns take JSON text or any value
    ``json.dumps`` takes. A value of another type (psycopg raises ``TypeError``) or a row of
    another width (``DataError``) fails the whole COPY; nothing is half-written.
    """
    copy.set_types(types)
    write = copy.write_row
    written = 0
    for row in rows:
        write(row)
        written += 1
    return written


def _sqlite_statements(
    template: str, width: int, rows: Iterable[Sequence[Any]], batch_size: int
) -> int:
    """Run ``template`` on SQLite with ``{values}`` replaced by a many-row ``VALUES`` list, as
    many rows a statement as SQLite takes parameters (or ``batch_size``); return the rows.

    One statement for a thousand rows rather than ``executemany``'s one per row: SQLite runs
    each statement without Python's interpreter lock, and a thread that gives the lock back
    once per row waits for it once per row while another thread computes (the demo generates
    in one). It is also a little faster on its own.
    """
    raw = connection.connection  # the sqlite3 connection, opened by the caller's cursor
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(batch_size, limit // width))
    row_sql = "(" + ",".join("?" * width) + ")"
    statements: dict[int, str] = {}

    def run(params: list[Any], n: int) -> None:
        sql = statements.get(n)
        if sql is None:
            sql = statements[n] = template.replace("{values}", ",".join([row_sql] * n))
        raw.execute(sql, params)

    written = 0
    params: list[Any] = []
    n = 0
    # wrap_database_errors turns sqlite3's errors into Django's (IntegrityError …).
    with connection.wrap_database_errors:
        for row in rows:
            if len(row) != width:
                raise ValueError(f"a row of {len(row)} values for {width} columns")
            params.extend(row)
            n += 1
            if n == per:
                run(params, n)
                written += n
                params = []
                n = 0
        if n:
            run(params, n)
            written += n
    return written


def _json_array(items: Collection[str]) -> str:
    """A JSON array of strings; joined directly when no item needs escaping (the usual case,
    and five times faster than ``json.dumps``)."""
    joined = '","'.join(items)
    if '"' in joined or "\\" in joined or not joined.isprintable():
        return json.dumps(list(items), ensure_ascii=False)
    return f'["{joined}"]' if items else "[]"


_COPY_SPECIAL = ("\\", "\t", "\n", "\r")


def _copy_text(item: str) -> str:
    """An item in COPY's text format (backslash escapes for its special characters)."""
    return item.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_fanout(
    table: str, owner_col: str, item_col: str, groups: Iterable[tuple[Any, Collection[str]]]
) -> int:
    """The PostgreSQL side of :func:`bulk_insert_fanout`: COPY text written a person at a time
    rather than a row at a time (``write_row`` costs more than the whole line it writes)."""
    written = 0
    buffer: list[str] = []
    with (
        transaction.atomic(),
        connection.cursor() as cur,
        connection.wrap_database_errors,
        cur.cursor.copy(f'COPY "{table}" ("{owner_col}", "{item_col}") FROM STDIN') as copy,
    ):
        for owner, items in groups:
            if not items:
                continue
            raw = "".join(items)
            # Only tabs, line ends and backslashes need escaping; the first three are not
            # printable, and one check of the whole costs less than one per character.
            if "\\" in raw or not raw.isprintable():
                items = [_copy_text(item) for item in items]
            head = f"{int(owner)}\t"
            buffer.append(head + ("\n" + head).join(items) + "\n")
            written += len(items)
            if len(buffer) >= 2000:
                copy.write("".join(buffer))
                buffer = []
        if buffer:
            copy.write("".join(buffer))
    return written


def bulk_insert_fanout(
    model: type[models.Model],
    fields: tuple[str, str],
    groups: Iterable[tuple[Any, Collection[str]]],
    *,
    batch_size: int = 20_000,
) -> int:
    """Insert one row ``(owner, item)`` per item of each ``(owner, items)`` (an integer owner,
    text items): the shape of a table of keys, such as a person's search keys. Returns the rows
    written.

    PostgreSQL takes the rows through ``COPY``, as text written a whole owner at a time. SQLite
    takes one row per owner (its items as a JSON array) and unfolds the items itself
    (``json_each``), which spares building and binding a row per item: on the search keys,
    about twenty per person, that is twice as fast.
    """
    table = model._meta.db_table
    owner_col, item_col = column_names(model, fields)
    if connection.vendor == "postgresql":
        return _copy_fanout(table, owner_col, item_col, groups)
    written = 0

    def rows() -> Iterator[tuple[Any, str]]:
        nonlocal written
        for owner, items in groups:
            if items:
                written += len(items)
                yield owner, _json_array(items)

    with transaction.atomic(), connection.cursor():
        _sqlite_statements(
            f'WITH v(o, a) AS (VALUES {{values}}) INSERT INTO "{table}" '  # noqa: S608
            f'("{owner_col}", "{item_col}") SELECT v.o, j.value FROM v, json_each(v.a) AS j',
            2,
            rows(),
            batch_size,
        )
    return written


def insert_objects(model: type[M], objs: Sequence[M]) -> list[M]:
    """Insert unsaved model instances through the fast path; they get their ids first.

    Every concrete column is written as it stands on the instance, except that ``auto_now`` /
    ``auto_now_add`` fields left empty get the current time. Returns the same instances.
    """
    if not objs:
        return []
    now = timezone.now()
    missing = [o for o in objs if o.pk is None]
    for obj, pk in zip(missing, reserve_ids(model, len(missing)), strict=True):
        obj.pk = pk
    fields = list(model._meta.concrete_fields)
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                if getattr(obj, f.attname) is None:
                    setattr(obj, f.attname, now)
    attnames = [f.attname for f in fields]
    bulk_insert(
        model, [f.name for f in fields], ([getattr(obj, a) for a in attnames] for obj in objs)
    )
    return list(objs)


def secondary_indexes(model: type[models.Model]) -> list[tuple[str, str]]:
    """The table's indexes that a load may drop and build again, as ``(name, create_sql)``.

    Read from the database itself, so indexes made by migrations outside ``Meta`` (a
    PostgreSQL operator class, a partial unique index) are covered too. Indexes that back a
    primary key or a unique constraint stay: they cannot be dropped on their own.
    """
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                """
                SELECT c.relname, pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = %s::regclass
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                ORDER BY c.relname
                """,
                [table],
            )
        else:
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                " AND sql IS NOT NULL ORDER BY name",
                [table],
            )
        return [(str(name), str(sql)) for name, sql in cur.fetchall()]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector around a load that builds many rows: every
    collection would walk all the rows still waiting to be written. Reference counting still
    frees them; the collector runs once at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def _constraints(model: type[models.Model]) -> list[tuple[str, str]]:
    """The table's constraints PostgreSQL can drop and add again around a load, as ``(name,
    definition)``: primary keys and unique constraints no foreign key relies on, then
    foreign keys (the order they are added back in)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
            WHERE c.conrelid = %s::regclass
              AND (c.contype = 'f' OR (c.contype IN ('p', 'u') AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint f
                    WHERE f.contype = 'f' AND f.conindid = c.conindid)))
            ORDER BY c.contype = 'f', c.conname
            """,
            [model._meta.db_table],
        )
        return [(str(name), str(definition)) for name, definition in cur.fetchall()]


def _run_deferred_checks(cur: Any) -> None:
    """Run the foreign-key checks PostgreSQL has queued in this transaction (it alters no table
    and builds no index on one with checks pending), then defer new ones again, as Django's
    constraints are declared."""
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cur.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def bulk_loading(
    *models_: type[models.Model],
    cache_mib: int = 256,
    sort_mib: int = 512,
    appended: Collection[type[models.Model]] = (),
) -> Iterator[None]:
    """Around a large load into these tables: what keeps their rows in order is set aside and
    made again after it, as ``pg_restore`` does. Their secondary indexes are dropped and built
    again; on PostgreSQL their foreign keys, and the primary keys and unique constraints no
    foreign key relies on, are dropped and added again too.

    One sorted build per index is several times faster than keeping each index up to date row
    by row, and PostgreSQL validates a foreign key added back with one join instead of a trigger
    per row. Each unique index, key and foreign key is checked when it is made again, so a load
    that breaks one fails. (On SQLite, foreign keys are checked per row unless the caller turns
    that off and checks once at the end, as ``loaddata`` and the demo do.)

    Use inside a transaction: if the load fails, rolling it back restores everything (DDL is
    transactional on SQLite and PostgreSQL). Memory for building the indexes is raised
    meanwhile: SQLite's page cache, in this process, to ``cache_mib``; PostgreSQL's
    ``maintenance_work_mem``, in the server, to ``sort_mib`` (the search keys of 500,000 people
    sort in memory rather than on disk). The tables
    are analysed at the end, so that queries are planned on their new sizes.

    The primary keys of the ``appended`` tables stay: a load that writes their rows in key
    order only ever grows the key at its end, which costs the server little while Python makes
    the next rows, and spares building the key whole afterwards while Python waits.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_loading() needs a transaction to roll back to on failure")
    qn = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    indexes = [index for model in models_ for index in secondary_indexes(model)]
    constraints = (
        [
            (model._meta.db_table, *c)
            for model in models_
            for c in _constraints(model)
            if not (model in appended and c[1].startswith("PRIMARY KEY"))
        ]
        if postgres
        else []
    )
    with connection.cursor() as cur:
        if postgres:
            _run_deferred_checks(cur)
            cur.execute("SHOW maintenance_work_mem")
            saved = cur.fetchone()[0]
            cur.execute(f"SET LOCAL maintenance_work_mem = '{int(sort_mib)}MB'")
        else:
            saved = cur.execute("PRAGMA cache_size").fetchone()[0]
            cur.execute(f"PRAGMA cache_size = -{int(cache_mib) * 1024}")  # page cache in KiB
        for table, name, _definition in reversed(constraints):  # foreign keys first
            cur.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        for name, _sql in indexes:
            cur.execute(f"DROP INDEX {qn(name)}")
    # No try/finally: on an error the caller's transaction rolls the drops back with the load.
    yield
    with connection.cursor() as cur:
        if postgres:
            _run_deferred_checks(cur)
        for table, name, definition in constraints:
            if not definition.startswith("FOREIGN KEY"):
                cur.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
        for _name, sql in indexes:
            cur.execute(sql)
        for table, name, definition in constraints:
            if definition.startswith("FOREIGN KEY"):
                cur.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
        # Fresh statistics, so the query planner knows the tables' new sizes (SQLite samples
        # each index rather than reading it whole, as its own PRAGMA optimize does).
        if not postgres:
            cur.execute("PRAGMA analysis_limit = 1000")
        for model in models_:
            cur.execute(f"ANALYZE {qn(model._meta.db_table)}")
        if postgres:
            cur.execute("SELECT set_config('maintenance_work_mem', %s, true)", [saved])
        else:
            cur.execute(f"PRAGMA cache_size = {int(saved)}")


_Write = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class BackgroundWriter:
    """Runs the writes handed to it, in order, on a thread of its own that shares the
    caller's database connection and transaction. See :func:`background_writer`."""

    def __init__(self, depth: int) -> None:
        self._queue: queue.Queue[_Write | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._cancelled = False
        self._wrapper = connections[DEFAULT_DB_ALIAS]
        self._thread = threading.Thread(target=self._work, name="bulk-writer", daemon=True)

    def submit(self, write: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Queue ``write(*args, **kwargs)`` (waits while the queue is full). Its arguments must not
        change after this, nor make a query when used: the writer holds the connection."""
        if self._error is not None:
            raise self._error
        self._queue.put((write, args, kwargs))

    def _work(self) -> None:
        connections[DEFAULT_DB_ALIAS] = self._wrapper  # this thread's connection is the caller's
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is None and not self._cancelled:  # else drained, not written
                write, args, kwargs = item
                try:
                    write(*args, **kwargs)
                except BaseException as error:  # noqa: BLE001 (raised again in the caller)
                    self._error = error


@contextmanager
def background_writer(depth: int = 12) -> Iterator[BackgroundWriter]:
    """Hand writes to a second thread while this one computes the next rows: the database
    (SQLite's engine without Python's interpreter lock, or the PostgreSQL server) works on
    one chunk while Python prepares the next, on a second processor. Use inside the writing
    transaction; the writes run in it, in the order submitted, on the same connection.

    Until the block ends this thread must not use the database (the writer has it). On
    leaving, every queued write is done (or, after a failure, dropped) and the first error
    is raised here, so the caller's transaction rolls everything back.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("background_writer() needs the caller's transaction")
    writer = BackgroundWriter(depth)
    wrapper = writer._wrapper
    wrapper.ensure_connection()
    wrapper.inc_thread_sharing()
    # The writer gives the interpreter lock back at each round trip to the database and waits
    # to have it again while this thread computes: by default up to 5 ms each time, which on
    # PostgreSQL adds up to more than the writing itself. Handed over sooner meanwhile.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0002)
    writer._thread.start()
    try:
        yield writer
    except BaseException:
        writer._cancelled = True  # the transaction fails: what is queued need not be written
        raise
    finally:
        writer._queue.put(None)
        writer._thread.join()
        sys.setswitchinterval(interval)
        wrapper.dec_thread_sharing()
    if writer._error is not None:
        raise writer._error
