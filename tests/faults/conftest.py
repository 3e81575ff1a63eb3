"""The migrated template the fault tests copy (made once per run), and a copy per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import Database, Template, copy_of, make_template


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    yield from make_template(tmp_path_factory.mktemp("faults-template"))


@pytest.fixture
def database(template: Template, tmp_path: Path) -> Iterator[Database]:
    with copy_of(template, tmp_path) as db:
        yield db
