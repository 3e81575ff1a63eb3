"""Properties of the materialised path under random trees and moves (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branchwork.org.models import PATH_STEP, Unit, UnitKind, path_segment
from branchwork.org.services import move_unit
from tests.conftest import _system_admin, make_unit


@given(st.integers(min_value=1, max_value=36**6 - 1), st.integers(min_value=1, max_value=36**6 - 1))
def test_path_segments_sort_like_ids_and_have_a_fixed_width(a: int, b: int) -> None:
    sa, sb = path_segment(a), path_segment(b)
    assert len(sa) == PATH_STEP and sa.endswith(".")
    assert (sa < sb) == (a < b)
    assert (sa == sb) == (a == b)


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 2)), min_size=1, max_size=6))
def test_moves_keep_every_path_consistent(moves: list[tuple[int, int]]) -> None:
    admin = _system_admin()
    fed = Unit.objects.filter(code="PF").first() or make_unit(None, "PF", UnitKind.FEDERATION)
    regions = [
        Unit.objects.filter(code=f"PR{i}").first() or make_unit(fed, f"PR{i}", UnitKind.REGION)
        for i in range(3)
    ]
    branches = [
        Unit.objects.filter(code=f"PB{i}").first()
        or make_unit(regions[i % 3], f"PB{i}", UnitKind.BRANCH)
        for i in range(6)
    ]
    for i, b in enumerate(branches):
        if not Unit.objects.filter(code=f"PG{i}").exists():
            make_unit(b, f"PG{i}", UnitKind.GROUP)
    for branch_index, region_index in moves:
        branch = Unit.objects.get(code=f"PB{branch_index}")
        region = Unit.objects.get(code=f"PR{region_index}")
        move_unit(actor=admin, unit=branch, new_parent=region)
    for unit in Unit.objects.select_related("parent"):
        expected = (unit.parent.path if unit.parent else "") + path_segment(unit.pk)
        assert unit.path == expected
        assert unit.depth == len(unit.path) // PATH_STEP - 1
        assert set(unit.subtree().values_list("pk", flat=True)) >= {unit.pk}
