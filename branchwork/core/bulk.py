"""The fast bulk-write path: ``COPY`` on PostgreSQL, one ``executemany`` on SQLite.

On narrow rows the ORM's ``bulk_create`` runs at ~18k rows/s on these machines, raw
``executemany`` at ~190k and ``COPY`` at ~290k; on the 30-column person table ``make bench``
measures this path against ``bulk_create`` (docs/benchmarks.md). Demo generation and imports
write through here. It bypasses ``save()``, signals and ``auto_now``: callers pass every
column's value, and keep writing the audit entry for the operation as a whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
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
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return sorted(row[0] for row in cur.fetchall())
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

    def convert(row: Sequence[Any]) -> list[Any]:
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
            # wrap_database_errors turns psycopg's errors into Django's (IntegrityError …).
            with (
                connection.wrap_database_errors,
                raw.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy,
            ):
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(["%s"] * len(columns))})'  # noqa: S608
        chunk: list[Sequence[Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch_size:
                cur.executemany(sql, chunk)
                written += len(chunk)
                chunk = []
        if chunk:
            cur.executemany(sql, chunk)
            written += len(chunk)
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


@contextmanager
def deferred_indexes(
    model: type[models.Model], extra: Sequence[tuple[str, str]] = ()
) -> Iterator[None]:
    """Drop a table's ``Meta.indexes`` for a large load, and build them again after it (a sorted
    build is several times faster than keeping them up to date row by row).

    ``extra`` adds raw ``(drop_sql, create_sql)`` pairs for indexes made outside ``Meta``. Use
    inside a transaction: if the load fails, rolling it back restores the indexes too (DDL is
    transactional on SQLite and PostgreSQL). On SQLite the page cache is raised meanwhile.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("deferred_indexes() needs a transaction to roll back to on failure")
    # Index statements only, so the editor is used without its context (on SQLite that context
    # refuses to open inside a transaction, for the table rebuilds this never asks for).
    editor = connection.schema_editor(atomic=False)
    editor.deferred_sql = []  # normally set on entering the context
    indexes = list(model._meta.indexes)
    for index in indexes:
        editor.execute(index.remove_sql(model, editor))
    for drop, _create in extra:
        editor.execute(drop)
    cache_size = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cache_size = cur.execute("PRAGMA cache_size").fetchone()[0]
            cur.execute("PRAGMA cache_size = -262144")  # 256 MiB for the rebuild's sort
    # No try/finally: on an error the caller's transaction rolls the drops back with the load.
    yield
    for index in indexes:
        editor.execute(index.create_sql(model, editor))
    for _drop, create in extra:
        editor.execute(create)
    if cache_size is not None:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {int(cache_size)}")
