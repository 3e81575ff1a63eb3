"""Small query helpers shared by the apps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import CharField, Func, IntegerField, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone


class SubqueryCount(Subquery):
    """``(SELECT count(*) FROM (<subquery>))`` as an integer annotation: one query, no GROUP BY."""

    template = "(SELECT count(*) FROM (%(subquery)s) _sub)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet[Any], **extra: Any) -> None:
        super().__init__(queryset.order_by().values("pk"), **extra)


def pk_in(ids: Sequence[int], using: str = "default") -> Q:
    """``pk IN ids`` for a long list of ids. On PostgreSQL the ids go as one array parameter:
    psycopg takes milliseconds to split a statement with a thousand placeholders, more than
    PostgreSQL takes to read the thousand rows."""
    if connections[using].vendor == "postgresql":
        # One placeholder; the ids are a parameter.
        return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (list(ids),)))  # noqa: S611
    return Q(pk__in=ids)


class MonthOf(Func):
    """The month of a date or a date-time as text, ``YYYY-MM`` (a date-time in the current
    time zone). Django's ``TruncMonth`` is a Python function on SQLite, called once per row;
    this is the database's own string functions on both engines, so a grouped count over
    millions of rows stays in the database's C code.

    On SQLite the offset is the current zone's offset now (exact for zones without summer
    time, such as Japan's)."""

    output_field = CharField()
    arity = 1

    def __init__(self, expression: Any, *, is_datetime: bool = True) -> None:
        super().__init__(expression)
        self.is_datetime = is_datetime

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        if not self.is_datetime:
            return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 7)")
        offset = timezone.localtime().utcoffset() or dt.timedelta()
        minutes = int(offset.total_seconds() // 60)
        template = f"substr(datetime(%(expressions)s, '{minutes:+d} minutes'), 1, 7)"
        return self.as_sql(compiler, connection, template=template)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        if not self.is_datetime:
            return self.as_sql(compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM')")
        zone = timezone.get_current_timezone_name().replace("'", "")
        template = f"to_char(%(expressions)s AT TIME ZONE '{zone}', 'YYYY-MM')"
        return self.as_sql(compiler, connection, template=template)
