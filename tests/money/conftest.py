"""Money fixtures: treasurers (two in region R1, for four eyes; one in branch A; one in B),
a dues rate, a member in A, a school of R1 with an enrolled pupil, and an aid fund held by R1
with money received into it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from branchwork.education import services as school_services
from branchwork.education.models import School, school_year_of
from branchwork.money import services
from branchwork.money.models import Fund
from branchwork.org.models import UnitKind
from branchwork.people.models import Membership
from tests.conftest import MARK_B, Federation, make_person, make_unit, make_user


@dataclass
class Money:
    treasurer_a: Any
    treasurer_b: Any
    proposer: Any  # treasurer of R1
    approver: Any  # another treasurer of R1
    school: School
    pupil: Any
    fund: Fund
    year: int


@pytest.fixture
def money(federation: Federation) -> Money:
    year = school_year_of(timezone.localdate())
    proposer = make_user("treasurer-r1", "treasurer", federation.r1)
    approver = make_user("treasurer-r1b", "treasurer", federation.r1)
    treasurer_a = make_user("treasurer-a", "treasurer", federation.a)
    treasurer_b = make_user("treasurer-b", "treasurer", federation.b)
    for person in (federation.person_a, federation.person_b):
        Membership.objects.create(person=person, body=federation.fed, status="member")
    services.set_dues_rate(
        actor=federation.central,
        body=federation.fed,
        status="member",
        fiscal_year=year,
        amount=12000,
    )
    unit = make_unit(federation.r1, "S1", UnitKind.SCHOOL)
    school = school_services.set_level(actor=federation.central, unit=unit, level="high")
    pupil = make_person(federation.a, family="朴")
    school_services.enrol(actor=federation.officer_a, person=pupil, school=school, grade=1)
    fund = services.create_fund(
        actor=proposer,
        unit=federation.r1,
        name="教育援助費",
        source="本国",
        purpose="学校運営",
        fiscal_year=year,
        amount=1_000_000,
    )
    services.receive_into_fund(actor=proposer, fund=fund, amount=600_000)
    # Branch B's money carries the marker: a donation from a marked donor.
    services.record_donation(
        actor=treasurer_b,
        unit=federation.b,
        amount=5000,
        donor_name=f"{MARK_B} 商店",
        purpose=f"{MARK_B} 行事",
    )
    return Money(treasurer_a, treasurer_b, proposer, approver, school, pupil, fund, year)
