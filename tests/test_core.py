from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from branchwork.core.templatetags.branchwork import postal
from branchwork.settings import database_from_url


def test_postal_code_display() -> None:
    assert postal("5430001") == "543-0001"
    assert postal("543") == "543"
    assert postal("") == ""


def test_database_urls() -> None:
    pg = database_from_url("postgres://u:p%40ss@db.example:6543/branch?sslmode=require")
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "branch",
        "u",
        "p@ss",
        "db.example",
        "6543",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    lite = database_from_url("sqlite:////tmp/x.sqlite3")
    assert lite["NAME"] == "/tmp/x.sqlite3"
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://x/y")
    with pytest.raises(ImproperlyConfigured):
        database_from_url("postgres://u@h:5432/")
