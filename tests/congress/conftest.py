"""Congress fixtures: the 1st congress of the federation (FED's administrators are its
secretariat), branches A, B and C sending delegates, with members counted on a cut-off date;
and helpers that seat confirmed, checked-in delegates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from branchwork.congress import services
from branchwork.congress.models import Congress, CongressKind, Credential, Delegate
from branchwork.org.models import Unit
from branchwork.people.models import Membership, Person
from tests.conftest import MARK_B, Federation, make_person, make_user

CUTOFF = dt.date(2026, 9, 30)


def add_members(unit: Unit, n: int, body: Unit, marker: str = "", **membership: Any) -> None:
    for _ in range(n):
        person = make_person(unit, marker=marker)
        Membership.objects.create(person=person, body=body, status="member", **membership)


@dataclass
class Hall:
    f: Federation
    congress: Congress
    door: Any  # checks delegates in (an officer of FED)

    def seat(
        self, unit: Unit, n: int = 1, *, check_in: bool = True, marker: str = ""
    ) -> list[Delegate]:
        """``n`` confirmed delegates of ``unit`` (checked in unless told otherwise)."""
        out = []
        for _ in range(n):
            person = make_person(
                unit, marker=marker or (MARK_B if unit.code.startswith("B") else "")
            )
            delegate = services.nominate(
                actor=self.f.central, congress=self.congress, unit=unit, person=person
            )
            services.set_credential(
                actor=self.f.central, delegate=delegate, credential=Credential.CONFIRMED
            )
            if check_in:
                services.check_in(actor=self.door, congress=self.congress, code=delegate.badge_code)
            delegate.refresh_from_db()
            out.append(delegate)
        return out


@pytest.fixture
def hall(federation: Federation) -> Hall:
    f = federation
    add_members(f.a, 7, f.fed, joined=dt.date(2020, 4, 1))
    add_members(f.b, 3, f.fed, marker=MARK_B)
    congress = services.create_congress(
        actor=f.central,
        host=f.fed,
        number=1,
        kind=CongressKind.CONGRESS,
        title="第1回大会",
        venue="東京",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=1),
        quota_base=1,
        quota_per_members=0,
        quota_alternates=1,
        quota_cutoff=CUTOFF,
        proxy_limit=2,
    )
    # Quotas large enough for the poll tests: each branch sends up to 70.
    congress.quota_base = 70
    congress.save()
    services.set_quotas(actor=f.central, congress=congress)
    return Hall(f=f, congress=congress, door=make_user("door", "officer", f.fed))


def person_count() -> int:
    return Person.objects.count()
