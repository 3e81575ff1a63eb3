"""Schemathesis: generated requests to every API operation, checked against the OpenAPI schema.

Runs once, in the PostgreSQL pass. Requests go in-process through the WSGI application with an
administrator's token, so the checks reach every route: no 5xx, and every response whose
status the schema documents has the documented shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from branchwork.access.services import create_api_token
from tests.conftest import Federation

pytestmark = [pytest.mark.postgres_only]


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


@pytest.fixture
def admin_token(federation: Federation) -> str:
    return create_api_token(user=federation.central, name="schemathesis")[1]


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(
    case: Any, admin_token: str, keep_test_connection: None
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
