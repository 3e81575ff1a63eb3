"""Pagination that never counts more rows than it needs to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator[Any]):
    """A paginator whose count stops at a cap: over half a million people, an exact count on
    every page of a list costs more than the page itself and tells an officer nothing more.

    ``cap``: count at most ``cap`` rows (``COUNT`` over a ``LIMIT``); ``capped`` is true when
    there are more. ``known``: the caller already knows the count and whether there are more
    (a search that fetched its ids). The pages cover the counted rows only.
    """

    def __init__(
        self,
        object_list: Sequence[Any] | Any,
        per_page: int,
        *,
        cap: int | None = None,
        known: tuple[int, bool] | None = None,
    ) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap
        self.known = known

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        if self.known is not None:
            return self.known
        if self.cap is None:
            return super().count, False
        rows: Any = self.object_list  # a queryset, when capped
        n = rows[: self.cap + 1].count()
        return min(n, self.cap), n > self.cap

    @cached_property
    def count(self) -> int:
        return self._counted[0]

    @property
    def capped(self) -> bool:
        """True when there are more rows than were counted."""
        return self._counted[1]


class InOrder(Sequence[Any]):
    """Rows known by their ids, in that order, read from ``rows`` (a queryset) a page at a time:
    what a paginator pages through when the ids were found and ordered by a cheaper query
    (a search's ids, put in name order, fetched 25 at a time)."""

    def __init__(self, rows: Any, ids: Sequence[Any]) -> None:
        self.rows = rows
        self.ids = list(ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            return self.rows.get(pk=self.ids[index])
        wanted = self.ids[index]
        found = self.rows.in_bulk(wanted)
        return [found[pk] for pk in wanted if pk in found]
