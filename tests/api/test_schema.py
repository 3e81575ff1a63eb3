"""Schemathesis: generated requests to every API operation, checked against the OpenAPI schema.

Runs once, in the PostgreSQL pass. Requests go in-process through the WSGI application with an
administrator's token, so the checks reach every route: no 5xx, and every response whose
status the schema documents has the documented shape.

The run is bounded and sized. Each operation gets the schema's explicit examples, the
deterministic coverage cases (boundary values and negative mutations) and up to
``FUZZ_EXAMPLES`` generated cases, a number chosen from the count of operations so that the
generated cases alone reach ``MIN_FUZZED_CASES``. Every case that passes its checks is counted,
and the last test of the module fails unless the count reached that target and every operation
of the schema took part.

About half the generated unit codes and person ids are replaced by ones that exist in the test's
federation, so that requests get past the lookup to the code behind it.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from branchwork.access.services import create_api_token
from tests.conftest import Federation

pytestmark = [pytest.mark.postgres_only]

MIN_FUZZED_CASES = 2000


@pytest.fixture
def keep_test_connection(db: None) -> Iterator[None]:
    """Like Django's test client: requests must not close the test's connection, which is
    inside the test transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _load_schema() -> Any:
    from branchwork.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = _load_schema()
OPERATIONS = frozenset(result.ok().label for result in schema.get_all_operations())
# A fifth over the even share, so that operations whose inputs run out early (hypothesis stops
# when it has nothing new to draw) cannot pull the total under the target.
FUZZ_EXAMPLES = math.ceil(MIN_FUZZED_CASES * 1.2 / len(OPERATIONS))

# (operation label, phase) -> cases that passed every check. Filled by the parametrised test,
# read by the last test of the module. Plain module state: the suite runs in one process.
passed_cases: Counter[tuple[str, str]] = Counter()

# Codes and ids that exist in the running test's federation, by parameter name; set by the
# ``admin_token`` fixture before any case is drawn. Without them nearly every generated unit
# code or person id is unknown, and the request ends in a 404 before the code behind it runs.
existing: dict[str, list[Any]] = {}


def _now_and_then_existing(values: Any) -> Any:
    """The generated parameters, each one named in ``existing`` replaced about half the time by
    a value that exists."""
    if not isinstance(values, dict) or not any(name in existing for name in values):
        return st.just(values)
    return st.fixed_dictionaries(
        {
            name: st.one_of(st.just(value), st.sampled_from(existing[name]))
            if name in existing
            else st.just(value)
            for name, value in values.items()
        }
    )


@schema.hook
def flatmap_path_parameters(ctx: Any, path_parameters: dict[str, Any] | None) -> Any:
    return _now_and_then_existing(path_parameters)


@schema.hook
def flatmap_query(ctx: Any, query: dict[str, Any] | None) -> Any:
    return _now_and_then_existing(query)


@pytest.fixture
def admin_token(federation: Federation) -> Iterator[str]:
    f = federation
    codes = [u.code for u in (f.fed, f.r1, f.r2, f.a, f.b, f.c, f.a1, f.b1)]
    existing.update(code=codes, unit=codes, under=codes, person_id=[f.person_a.pk, f.person_b.pk])
    yield create_api_token(user=f.central, name="schemathesis")[1]
    existing.clear()


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(
    case: Any, admin_token: str, keep_test_connection: None
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
    passed_cases[(case.operation.label, case.meta.phase.name.value)] += 1


def _admin_client(federation: Federation) -> Client:
    raw = create_api_token(user=federation.central, name="regression")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


# What the run found, kept as fixed cases: each was a 500 on PostgreSQL. A NUL character
# anywhere in the input (PostgreSQL text cannot hold one), and a fiscal year no date can have.
@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("get", "/api/v1/money/units/FED/statement?year=-339", None, "year"),
        ("get", "/api/v1/money/units/FED/dues?year=10000", None, "year"),
        ("get", "/api/v1/units/A%00", None, "code"),
        ("get", "/api/v1/people?q=Kim%00", None, "q"),
        ("put", "/api/v1/units/A/posts", {"post_type": "chair\x00", "seats": 1}, "post_type"),
        ("put", "/api/v1/people/{person}/sensitive", {"health_notes": "\x00"}, "health_notes"),
    ],
)
def test_what_the_run_found_is_refused_with_a_422(
    federation: Federation, method: str, path: str, body: Any, field: str
) -> None:
    client = _admin_client(federation)
    path = path.format(person=federation.person_a.pk)
    extra = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
    response = getattr(client, method)(path, **extra)
    assert response.status_code == 422
    assert field in [error["loc"][-1] for error in response.json()["detail"]]


def test_a_fiscal_year_in_range_still_answers(federation: Federation) -> None:
    client = _admin_client(federation)
    for report in ("statement", "dues"):
        response = client.get(f"/api/v1/money/units/FED/{report}?year=2024")
        assert response.status_code == 200, response.content


def test_the_run_reached_its_size() -> None:
    """Runs after the operations: it uses no database, and pytest-django puts the tests that
    use none after those that do (and it is the module's last test besides).

    Run without them (``-k``, a reordering plugin, parallel workers), it fails rather than
    passing on nothing counted.
    """
    seen = {label for label, _phase in passed_cases}
    missing = sorted(OPERATIONS - seen)
    assert not missing, f"{len(missing)} operations ran no passing case: {missing[:10]}"
    fuzzed = sum(n for (_label, phase), n in passed_cases.items() if phase == "fuzzing")
    total = sum(passed_cases.values())
    assert fuzzed >= MIN_FUZZED_CASES, (
        f"{fuzzed} generated cases over {len(OPERATIONS)} operations "
        f"({FUZZ_EXAMPLES} each at most), {total} in all; need {MIN_FUZZED_CASES}"
    )
    fewest = min(passed_cases[(label, "fuzzing")] for label in OPERATIONS)
    print(
        f"\nschemathesis: {len(OPERATIONS)} operations, {fuzzed} generated cases "
        f"(at least {fewest} per operation), {total} cases in all with the explicit examples "
        "and the coverage cases; all passed"
    )
