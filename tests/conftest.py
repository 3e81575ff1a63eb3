"""Shared fixtures: a small federation with planted markers, and the three standard actors.

The tree::

    FED (federation)
    ├── R1 (region)                 ← regional officer
    │   ├── A (branch)              ← officer of A, admin of A
    │   │   └── A1 (group)
    │   └── B (branch)              ← officer of B; every B object carries a marker
    │       └── B1 (group)
    └── R2 (region)
        └── C (branch)
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from branchwork.access.models import Grant, Role, User
from branchwork.org import services as org_services
from branchwork.org.demo import ensure_reference_data
from branchwork.org.models import PostType, Unit, UnitKind
from branchwork.people.models import Person

IN_CI = os.environ.get("CI", "").lower() == "true"
MARK_B = "ZQXB"  # every text field of branch B's objects contains this (see leak tests)


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    from django.conf import settings

    on_pg = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "postgres_only" in item.keywords and not on_pg:
            item.add_marker(pytest.mark.skip(reason="runs in the PostgreSQL pass"))
        if "browser" in item.keywords:
            if not on_pg:
                item.add_marker(pytest.mark.skip(reason="browser tests run in the PostgreSQL pass"))
            elif not shutil.which("chromium") and not IN_CI:
                item.add_marker(pytest.mark.skip(reason="chromium is not installed"))


def make_unit(parent: Unit | None, code: str, kind: str, marker: str = "", **extra: Any) -> Unit:
    return org_services.create_unit(
        actor=None,
        parent=parent,
        code=code,
        kind=kind,
        name_ko=f"{marker}{code} 지부",
        name_ja=f"{marker}{code}支部",
        name_en=f"{marker}{code} unit",
        **extra,
    )


def make_person(unit: Unit, marker: str = "", family: str = "김") -> Person:
    from branchwork.people.search import reindex

    person = Person.objects.create(
        unit=unit,
        family_name_hangul=f"{family}{marker}",
        given_name_hangul="민수",
        family_name_kanji=f"金{marker}",
        given_name_kanji="民洙",
        family_name_latin=f"Kim{marker}",
        given_name_latin="Minsu",
    )
    reindex([person])
    return person


def make_user(
    username: str,
    role: str | None = None,
    unit: Unit | None = None,
    *,
    second_factor: bool = True,
    **grant: Any,
) -> User:
    """A user with a role on a unit. A role that needs a second factor comes with a confirmed
    TOTP device, as a real holder has set one up (``second_factor=False``: not yet)."""
    user = User.objects.create_user(
        username=username, email=f"{username}@example.org", password="correct horse battery staple"
    )
    if role and unit:
        chosen = Role.objects.get(code=role)
        Grant.objects.create(
            user=user,
            role=chosen,
            unit=unit,
            valid_from=grant.pop("valid_from", timezone.localdate()),
            **grant,
        )
        from django.conf import settings

        if second_factor and chosen.permissions & set(settings.TWO_FACTOR_PERMISSIONS):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


@dataclass
class Federation:
    fed: Unit
    r1: Unit
    r2: Unit
    a: Unit
    b: Unit
    c: Unit
    a1: Unit
    b1: Unit
    officer_a: User
    officer_b: User
    admin_a: User
    regional: User
    central: User
    person_a: Person
    person_b: Person


@pytest.fixture
def federation(db: Any) -> Federation:
    ensure_reference_data()
    fed = make_unit(None, "FED", UnitKind.FEDERATION, public_phone="03-1111-2222")
    r1 = make_unit(fed, "R1", UnitKind.REGION, public_email="r1@example.org")
    r2 = make_unit(fed, "R2", UnitKind.REGION)
    a = make_unit(r1, "A", UnitKind.BRANCH)
    b = make_unit(
        r1,
        "B",
        UnitKind.BRANCH,
        marker=MARK_B,
        address=f"{MARK_B} 3-1",
        public_email=f"{MARK_B.lower()}@example.org",
    )
    c = make_unit(r2, "C", UnitKind.BRANCH)
    a1 = make_unit(a, "A1", UnitKind.GROUP)
    b1 = make_unit(b, "B1", UnitKind.GROUP, marker=MARK_B)
    chair = PostType.objects.get(code="chair")
    person_a = make_person(a)
    person_b = make_person(b, marker=MARK_B)
    for unit, person in ((a, person_a), (b, person_b)):
        org_services.set_post(actor=_system_admin(), unit=unit, post_type=chair, seats=1)
        org_services.appoint(
            actor=_system_admin(),
            unit=unit,
            post_type=chair,
            person=person,
            start=timezone.localdate() - dt.timedelta(days=100),
            end=timezone.localdate() + dt.timedelta(days=30),
        )
    org_services.add_territory(
        actor=_system_admin(), unit=b, kind="postal", value="5430", label=f"{MARK_B} district"
    )
    org_services.add_territory(actor=_system_admin(), unit=a, kind="postal", value="5440")
    return Federation(
        fed=fed,
        r1=r1,
        r2=r2,
        a=a,
        b=b,
        c=c,
        a1=a1,
        b1=b1,
        officer_a=make_user("officer-a", "officer", a),
        officer_b=make_user("officer-b", "officer", b),
        admin_a=make_user("admin-a", "unit_admin", a),
        regional=make_user("regional", "officer", r1),
        central=make_user("central", "administrator", fed),
        person_a=person_a,
        person_b=person_b,
    )


def checked_in_delegate(f: Federation) -> tuple[Any, str]:
    """A congress of the federation with one confirmed delegate of branch A, checked in: the
    delegate, and the one-time voting pass the door showed them."""
    from branchwork.congress import services

    congress = services.create_congress(
        actor=f.central,
        host=f.fed,
        number=1,
        kind="congress",
        title="大会",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=1),
        quota_cutoff=timezone.localdate(),
    )
    services.set_quotas(actor=f.central, congress=congress)
    delegate = services.nominate(
        actor=f.central, congress=congress, unit=f.a, person=make_person(f.a)
    )
    services.set_credential(actor=f.central, delegate=delegate, credential="confirmed")
    done = services.check_in(actor=f.central, congress=congress, code=delegate.badge_code)
    return delegate, done.voting_pass


_SYSTEM: dict[str, User] = {}


def _system_admin() -> User:
    """A superuser that sets up fixtures through the same services the app uses."""
    user = User.objects.filter(username="system").first()
    if user is None:
        user = User.objects.create_superuser("system", "system@example.org", "x" * 20)
    return user


def verify_second_factor(client: Client, user: User) -> None:
    """Mark the client's session as verified with a confirmed TOTP device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    from branchwork.access.services import needs_two_factor

    if needs_two_factor(user):
        verify_second_factor(client, user)
    # As a sign-in through the form leaves it: the session's expiry just refreshed (see
    # access.middleware.SlidingSessionMiddleware), so a first page does not write it.
    import time

    session = client.session
    session["_refreshed"] = int(time.time())
    session.save()
    return client


@pytest.fixture
def as_user() -> Any:
    return signed_in


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Argon2 is the real hasher (see test_signin); tests that make many users use MD5."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Assertions read English messages; tests of the other languages ask for them explicitly.
    settings.LANGUAGE_CODE = "en"


def totp_code(user: User) -> str:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wipe_money() -> None:
    """Empty the money tables, ledger included (the application never deletes a ledger row and
    PostgreSQL refuses it row by row; TRUNCATE, the owner's tool, is what empties it)."""
    from django.db import connection

    tables = [
        "money_allocationitem",
        "money_allocation",
        "money_duespayment",
        "money_donation",
        "money_fund",
        "money_entry",
        "money_transaction",
        "money_account",
        "money_duesrate",
        "money_receiptcounter",
    ]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks left pending
            cur.execute("TRUNCATE " + ", ".join(tables) + " CASCADE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for table in tables:
                cur.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
