"""The ``branchwork`` command: demo generation and serving (web server + worker together)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from branchwork.access.models import User
from branchwork.org.demo import build_demo
from branchwork.org.models import Term, TerritoryArea, Unit, UnitKind
from branchwork.people.models import Person

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[str, str, str, str]]:
    return list(Unit.objects.order_by("code").values_list("code", "name_ja", "kind", "path"))


def test_demo_is_deterministic_for_a_seed() -> None:
    first = build_demo(size="small", seed=7)
    units = snapshot()
    terms = list(
        Term.objects.order_by("id").values_list("start", "end", "person__family_name_hangul")
    )
    assert first.units == len(units) > 40
    Term.objects.all().delete()
    from branchwork.access.models import Grant
    from branchwork.activities.models import Event, EventSeries
    from branchwork.imports.models import ImportJob
    from branchwork.org.models import Post
    from branchwork.people.models import Household, Person

    Event.objects.all().delete()
    EventSeries.objects.all().delete()
    from branchwork.care.models import Case, HelpOffer, Sweep

    Sweep.objects.all().delete()
    Case.objects.all().delete()
    HelpOffer.objects.all().delete()
    from tests.conftest import wipe_money

    wipe_money()
    from branchwork.congress.models import Congress, NamedVote, Participation

    Participation.objects.all().delete()
    NamedVote.objects.all().delete()
    Congress.objects.all().delete()
    from branchwork.education.models import Enrolment, School

    Enrolment.objects.all().delete()
    School.objects.all().delete()
    from branchwork.activities.models import PartnerOrganisation

    PartnerOrganisation.objects.all().delete()
    from branchwork.news.models import Bulletin, Newsletter

    Newsletter.objects.all().delete()
    Bulletin.objects.all().delete()
    ImportJob.objects.all().delete()
    Grant.objects.all().delete()
    User.objects.all().delete()
    Post.objects.all().delete()
    TerritoryArea.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()
    for depth in range(5, -1, -1):
        Unit.objects.filter(depth=depth).delete()
    build_demo(size="small", seed=7)
    assert [u[:3] for u in snapshot()] == [u[:3] for u in units]
    assert Person.objects.count() == first.people
    again = list(
        Term.objects.order_by("id").values_list("start", "end", "person__family_name_hangul")
    )
    assert again == terms


def test_demo_has_every_kind_of_unit_and_the_demo_logins(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("demo", size="small", seed=1)
    out = capsys.readouterr().out
    for username in (
        "central-admin",
        "regional-officer",
        "branch-officer",
        "group-leader",
        "case-worker",
        "school-officer",
        "regional-treasurer",
    ):
        assert username in out
        assert User.objects.filter(username=username).exists()
    assert "authenticator" in out  # the admin's second-factor key is printed
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert kinds == set(UnitKind.values)
    # Every branch has territory; officers have terms, some vacancies exist.
    assert not Unit.objects.filter(kind="branch", territory__isnull=True).exists()
    call_command("demo", size="small", seed=1)
    assert "already loaded" in capsys.readouterr().out


def test_demo_without_residents_builds_the_organisation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``bench/import.py`` loads its file into the organisation alone: no households, so the
    demos that need residents (the sweep) are left out instead of failing."""
    from branchwork.care.models import Sweep
    from branchwork.org import demo

    monkeypatch.setitem(
        demo.SIZES,
        "empty",
        demo.Size(regions=2, branches=2, groups=2, schools=1, households=0),
    )
    result = build_demo(size="empty", seed=5)
    assert result.units > 10
    assert not Sweep.objects.exists()
    assert Person.objects.count() == result.people


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_serve_runs_web_and_worker(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path}/serve.sqlite3",
        BRANCHWORK_VAR_DIR=str(tmp_path),
        BRANCHWORK_STATIC_ROOT=str(tmp_path / "static"),
    )
    cli = [sys.executable, "-m", "branchwork.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True)
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert body == "ok"
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/css/branchwork.css", timeout=5
        ) as r:  # noqa: S310
            assert r.status == 200
        children = subprocess.run(
            ["ps", "-o", "args=", "--ppid", str(proc.pid)], capture_output=True, text=True
        ).stdout
        assert "granian" in children and "db_worker" in children
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_migrate_installs_roles_and_post_types() -> None:
    from branchwork.access.models import Role
    from branchwork.org.models import PostType

    assert Role.objects.filter(code="administrator", can_admin=True, can_money=True).exists()
    assert set(PostType.objects.values_list("code", flat=True)) >= {"chair", "treasurer"}


def test_init_federation_creates_the_root_and_its_admin(capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management.base import CommandError

    from branchwork.access.scoping import scope_for

    call_command(
        "init_federation",
        code="ASSOC",
        name_ko="연합회",
        name_ja="連合会",
        name_en="Association",
        admin="alice",
        email="alice@example.org",
    )
    out = capsys.readouterr().out
    assert "/accounts/reset/" in out
    alice = User.objects.get(username="alice")
    assert not alice.has_usable_password()
    assert scope_for(alice).has("admin", Unit.objects.get(code="ASSOC"))
    with pytest.raises(CommandError):
        call_command(
            "init_federation", code="TWO", name_ko="x", name_ja="x", name_en="x", admin="bob"
        )


def test_demo_people_are_searchable() -> None:
    from branchwork.people.search import search

    build_demo(size="small", seed=3)
    officer = Person.objects.filter(family_name_latin="Kim").first()
    assert officer is not None
    assert officer in search(Person.objects.all(), "Gim")
    assert officer in search(
        Person.objects.all(), officer.family_name_hangul + officer.given_name_hangul
    )
