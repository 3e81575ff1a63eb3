"""Quotas from the rule on hand-built membership numbers, nominations up to them, credentials,
proxies (limit, no chains) and check-in (forged and reused badges, the one-time voting pass)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from branchwork.congress import services
from branchwork.congress.models import Credential, Delegate, DelegateRole, Proxy, Quota
from branchwork.core.errors import PermissionDeniedError
from branchwork.org.models import UnitKind
from tests.conftest import make_person, make_unit

from .conftest import CUTOFF, Hall, add_members

pytestmark = pytest.mark.django_db


def _rule(hall: Hall, base: int, per: int) -> dict[str, tuple[int, int]]:
    hall.congress.quota_base, hall.congress.quota_per_members = base, per
    hall.congress.save()
    return {
        line.unit.code: (line.members, line.delegates)
        for line in services.quota_lines(hall.congress)
    }


def test_quotas_count_members_at_the_cutoff_over_each_branch_subtree(hall: Hall) -> None:
    f = hall.f
    add_members(f.a1, 4, f.fed)  # in A's group: counted for A
    add_members(f.c, 2, f.fed, joined=CUTOFF + dt.timedelta(days=1))  # joined after the cut-off
    add_members(f.c, 1, f.fed, joined=dt.date(2010, 1, 1), left=dt.date(2026, 9, 1))  # left
    add_members(f.c, 1, f.fed, left=CUTOFF + dt.timedelta(days=3))  # left after: still counted
    add_members(f.c, 3, f.r2)  # a membership of another body is not the association's
    # A: 7 + 4 = 11, B: 3, C: 1
    assert _rule(hall, 1, 5) == {"A": (11, 3), "B": (3, 1), "C": (1, 1)}
    assert _rule(hall, 2, 0) == {"A": (11, 2), "B": (3, 2), "C": (1, 2)}
    assert _rule(hall, 1, 3) == {"A": (11, 4), "B": (3, 2), "C": (1, 1)}
    services.set_quotas(actor=f.central, congress=hall.congress)
    stored = dict(
        Quota.objects.filter(congress=hall.congress).values_list("unit__code", "delegates")
    )
    assert stored == {"A": 4, "B": 2, "C": 1}


def test_a_rule_giving_a_unit_no_delegate_is_refused(hall: Hall) -> None:
    hall.congress.quota_base = 0
    with pytest.raises(ValidationError, match="at least one delegate"):
        services.set_quotas(actor=hall.f.central, congress=hall.congress)
    assert Quota.objects.filter(congress=hall.congress, delegates=70).count() == 3


def test_a_rule_with_no_delegating_unit_is_refused(hall: Hall) -> None:
    hall.congress.delegating_kind = UnitKind.SCHOOL
    with pytest.raises(ValidationError, match="No unit of this kind"):
        services.set_quotas(actor=hall.f.central, congress=hall.congress)


def test_only_the_secretariat_sets_quotas(hall: Hall) -> None:
    with pytest.raises(PermissionDeniedError):
        services.set_quotas(actor=hall.f.officer_a, congress=hall.congress)


def test_nominations_stop_at_the_quota(hall: Hall) -> None:
    f = hall.f
    hall.congress.quota_base = 1
    services.set_quotas(actor=f.central, congress=hall.congress)
    first = services.nominate(
        actor=f.officer_a, congress=hall.congress, unit=f.a, person=make_person(f.a)
    )
    assert first.credential == Credential.NOMINATED and len(first.badge_code) == 10
    with pytest.raises(ValidationError, match="quota is full"):
        services.nominate(
            actor=f.officer_a, congress=hall.congress, unit=f.a, person=make_person(f.a)
        )
    alternate = services.nominate(
        actor=f.officer_a,
        congress=hall.congress,
        unit=f.a,
        person=make_person(f.a1),
        role=DelegateRole.ALTERNATE,
    )
    assert alternate.role == DelegateRole.ALTERNATE
    with pytest.raises(ValidationError, match="quota is full"):
        services.nominate(
            actor=f.officer_a,
            congress=hall.congress,
            unit=f.a,
            person=make_person(f.a),
            role=DelegateRole.ALTERNATE,
        )
    # A rejected nomination frees its place.
    services.set_credential(actor=f.central, delegate=first, credential=Credential.REJECTED)
    services.nominate(actor=f.officer_a, congress=hall.congress, unit=f.a, person=make_person(f.a))
    assert Delegate.objects.filter(congress=hall.congress, unit=f.a).count() == 3


def test_nominations_are_checked(hall: Hall) -> None:
    f = hall.f
    with pytest.raises(PermissionDeniedError):
        services.nominate(
            actor=f.officer_b, congress=hall.congress, unit=f.a, person=make_person(f.a)
        )
    with pytest.raises(ValidationError, match="belong to the unit"):
        services.nominate(actor=f.regional, congress=hall.congress, unit=f.a, person=f.person_b)
    services.nominate(actor=f.officer_a, congress=hall.congress, unit=f.a, person=f.person_a)
    with pytest.raises(ValidationError, match="already nominated"):
        services.nominate(actor=f.officer_a, congress=hall.congress, unit=f.a, person=f.person_a)
    d = make_unit(f.r2, "D", UnitKind.BRANCH)  # made after the quotas: none
    with pytest.raises(ValidationError, match="no quota"):
        services.nominate(actor=f.central, congress=hall.congress, unit=d, person=make_person(d))


def test_quotas_cannot_drop_under_nominations(hall: Hall) -> None:
    hall.seat(hall.f.a, 3, check_in=False)
    hall.congress.quota_base = 2
    with pytest.raises(ValidationError, match="already nominated more"):
        services.set_quotas(actor=hall.f.central, congress=hall.congress)
    assert Quota.objects.get(congress=hall.congress, unit=hall.f.a).delegates == 70


def test_proxies_have_a_limit_and_no_chains(hall: Hall) -> None:
    a, b, c, d, e = hall.seat(hall.f.a, 5)
    central = hall.f.central
    services.give_proxy(actor=central, giver=a, holder=b)
    services.give_proxy(actor=central, giver=c, holder=b)
    with pytest.raises(ValidationError, match="most this congress allows"):
        services.give_proxy(actor=central, giver=d, holder=b)  # limit 2
    with pytest.raises(ValidationError, match="cannot pass them on"):
        services.give_proxy(actor=central, giver=b, holder=e)  # A→B→E
    with pytest.raises(ValidationError, match="given their own vote away"):
        services.give_proxy(actor=central, giver=e, holder=a)  # E→A→B
    with pytest.raises(ValidationError, match="already given"):
        services.give_proxy(actor=central, giver=a, holder=e)
    with pytest.raises(ValidationError, match="their own vote"):
        services.give_proxy(actor=central, giver=d, holder=d)
    (unconfirmed,) = hall.seat(hall.f.c, 1, check_in=False)
    services.set_credential(actor=central, delegate=unconfirmed, credential=Credential.NOMINATED)
    unconfirmed.refresh_from_db()
    with pytest.raises(ValidationError, match="not a confirmed delegate"):
        services.give_proxy(actor=central, giver=unconfirmed, holder=e)
    with pytest.raises(PermissionDeniedError):
        services.give_proxy(actor=hall.f.officer_a, giver=d, holder=e)
    assert Proxy.objects.count() == 2


def test_check_in_refuses_forged_reused_and_unconfirmed_badges(hall: Hall) -> None:
    f = hall.f
    delegate = services.nominate(
        actor=f.officer_a, congress=hall.congress, unit=f.a, person=make_person(f.a)
    )
    with pytest.raises(ValidationError, match="not confirmed"):
        services.check_in(actor=hall.door, congress=hall.congress, code=delegate.badge_code)
    services.set_credential(actor=f.central, delegate=delegate, credential=Credential.CONFIRMED)
    with pytest.raises(ValidationError, match="No delegate of this congress"):
        services.check_in(actor=hall.door, congress=hall.congress, code="ABCDEFGHJK")
    done = services.check_in(
        actor=hall.door, congress=hall.congress, code=delegate.badge_code.lower()
    )
    assert done.delegate.checked_in_at is not None
    with pytest.raises(ValidationError, match="already checked in at"):
        services.check_in(actor=hall.door, congress=hall.congress, code=delegate.badge_code)
    with pytest.raises(PermissionDeniedError):
        services.check_in(actor=f.officer_a, congress=hall.congress, code=delegate.badge_code)
    # The pass binds one phone, once.
    bound, key = services.redeem_pass(done.voting_pass)
    assert bound.pk == delegate.pk
    assert services.delegate_for_device(delegate.pk, key) == delegate
    with pytest.raises(ValidationError, match="already used"):
        services.redeem_pass(done.voting_pass)
    # A new pass replaces the phone.
    again = services.new_pass(actor=hall.door, delegate=bound)
    assert services.delegate_for_device(delegate.pk, key) is None
    _bound, key2 = services.redeem_pass(again)
    assert services.delegate_for_device(delegate.pk, key2) == delegate


def test_quorum_counts_weight_present_and_carried(hall: Hall) -> None:
    a, b = hall.seat(hall.f.a, 2)
    c, d = hall.seat(hall.f.c, 2, check_in=False)
    services.set_weight(actor=hall.f.central, delegate=a, weight=3)
    services.set_weight(actor=hall.f.central, delegate=c, weight=5)
    services.give_proxy(actor=hall.f.central, giver=c, holder=b)  # C is carried by B, present
    assert services.quorum(hall.congress) == {
        "entitled": 4,
        "entitled_weight": 3 + 1 + 5 + 1,
        "present": 3,
        "present_weight": 3 + 1 + 5,
    }
