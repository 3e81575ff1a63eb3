"""Small query helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import IntegerField, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL


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
