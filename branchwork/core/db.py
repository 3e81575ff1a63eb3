"""Small query helpers shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db.models import IntegerField, QuerySet, Subquery


class SubqueryCount(Subquery):
    """``(SELECT count(*) FROM (<subquery>))`` as an integer annotation: one query, no GROUP BY."""

    template = "(SELECT count(*) FROM (%(subquery)s) _sub)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet[Any], **extra: Any) -> None:
        super().__init__(queryset.order_by().values("pk"), **extra)
