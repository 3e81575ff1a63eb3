"""Merging two records of one person: values, every relation, collisions, permissions, bad
input, the audit trail, the merge page and the merged number's redirect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from branchwork.access.models import AuditEvent, User
from branchwork.activities.models import Contact, Registration
from branchwork.care.models import Case, CaseCategory, HelpOffer
from branchwork.congress.models import Candidate, Congress, Delegate, Election
from branchwork.core.errors import PermissionDeniedError
from branchwork.education.models import Enrolment, School
from branchwork.money import ledger
from branchwork.money.models import (
    Account,
    Allocation,
    AllocationItem,
    Donation,
    DuesPayment,
    Fund,
    Transaction,
)
from branchwork.news.models import Delivery, Newsletter
from branchwork.org.models import PostType, Term, UnitKind
from branchwork.people import services
from branchwork.people.merge import MERGE_FIELDS, merge_people, person_links
from branchwork.people.models import (
    Consent,
    Household,
    HouseholdMember,
    Membership,
    Person,
    PersonMerge,
    PersonSearchKey,
    PersonSensitive,
    Provision,
    Relationship,
)
from branchwork.people.privacy import erase_person
from branchwork.people.search import search
from branchwork.people.selectors import visible_people
from tests.conftest import MARK_B, Federation, make_unit, make_user, signed_in

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 1)


def add(fed: Federation, unit: Any = None, **values: Any) -> Person:
    return services.create_person(actor=fed.central, unit=unit or fed.a, **values)


@pytest.fixture
def pair(federation: Federation) -> tuple[Person, Person]:
    keep = add(
        federation,
        family_name_hangul="김",
        given_name_hangul="민수",
        occupation="farmer",
        mobile="090-1111-2222",
    )
    other = add(
        federation,
        federation.a1,
        family_name_latin="Kim",
        given_name_latin="Minsu",
        occupation="teacher",
        email="minsu@example.jp",
        birth_date=dt.date(1950, 1, 1),
        birth_precision="year",
    )
    return keep, other


def test_merge_takes_the_chosen_values_and_leaves_a_trail(
    federation: Federation, pair: tuple[Person, Person]
) -> None:
    keep, other = pair
    other_pk, version = other.pk, keep.version
    consent = services.give_consent(
        actor=federation.central, person=other, kind="photos", given_on=TODAY, source="form"
    )
    kept = merge_people(
        actor=federation.admin_a,
        keep=keep,
        merge=other,
        choices={
            "occupation": "merge",
            "email": "merge",
            "birth_date": "merge",
            "family_name_latin": "merge",
            "given_name_latin": "merge",
            "mobile": "keep",
        },
    )
    assert (kept.occupation, kept.email, kept.mobile) == (
        "teacher",
        "minsu@example.jp",
        keep.mobile,
    )
    assert (kept.birth_date, kept.birth_precision) == (dt.date(1950, 1, 1), "year")
    assert kept.family_name_hangul == "김" and kept.unit_id == federation.a.pk
    assert kept.version == version + 1
    assert not Person.objects.filter(pk=other_pk).exists()
    assert PersonMerge.objects.get(merged_id=other_pk).into_id == keep.pk
    assert Consent.objects.get(pk=consent.pk).person_id == keep.pk
    # Reindexed: found by the romanised name it took over.
    assert keep.pk in search(visible_people(federation.admin_a), "Kim Minsu").values_list(
        "pk", flat=True
    )
    events = AuditEvent.objects.filter(action="merge").order_by("seq")
    assert [(e.object_id, e.actor_id) for e in events] == [
        (str(keep.pk), federation.admin_a.pk),
        (str(other_pk), federation.admin_a.pk),
    ]
    taken = ["birth_date", "birth_precision", "email", "family_name_latin", "given_name_latin"]
    assert all(e.fields == sorted([*taken, "occupation"]) for e in events)
    assert not any("teacher" in str(e.fields) for e in events)  # names, never values


def _event(fed: Federation) -> Any:
    from django.utils import timezone

    from branchwork.activities.models import Event, EventKind

    starts = timezone.now() + dt.timedelta(days=1)
    return Event.objects.create(
        unit=fed.a,
        kind=EventKind.objects.get(code="meeting"),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        title_ja="会議",
        public_key="merge-test",
    )


def _ledger_tx(unit: Any) -> Transaction:
    return ledger.post(
        actor=None,
        unit=unit,
        kind="dues",
        lines=[(ledger.account(unit, "cash"), 1000), (ledger.account(unit, "dues"), -1000)],
    )


def _congress(fed: Federation) -> Congress:
    congress, _ = Congress.objects.get_or_create(
        host=fed.fed,
        kind="congress",
        number=1,
        defaults={"title": "大会", "starts_on": TODAY, "ends_on": TODAY, "quota_cutoff": TODAY},
    )
    return congress


def _make_rows(
    fed: Federation, merged: Person, keep: Person, third: Person
) -> dict[tuple[str, str], Callable[[], models.Model]]:
    """One row per (model, foreign key to Person), pointing at the merged record."""
    chair = PostType.objects.get(code="chair")
    home = Household.objects.create(unit=fed.a, address="生野区桃谷1-1-1")

    def user() -> User:
        linked = make_user("linked-to-merged")
        linked.person = merged
        linked.save(update_fields=["person"])
        return linked

    return {
        ("access.user", "person"): user,
        ("org.term", "person"): lambda: Term.objects.create(
            unit=fed.a, origin_unit=fed.a, post_type=chair, person=merged, start=TODAY
        ),
        ("people.personsensitive", "person"): lambda: PersonSensitive.objects.create(
            person=merged, nationality="韓国"
        ),
        ("people.personsearchkey", "person"): lambda: PersonSearchKey.objects.create(
            person=merged, key="b:zz"
        ),
        ("people.relationship", "person"): lambda: Relationship.objects.create(
            person=merged, relative=third, kind="parent"
        ),
        ("people.relationship", "relative"): lambda: Relationship.objects.create(
            person=third, relative=merged, kind="sibling"
        ),
        ("people.membership", "person"): lambda: Membership.objects.create(
            person=merged, body=fed.fed, status="member"
        ),
        ("people.householdmember", "person"): lambda: HouseholdMember.objects.create(
            household=home, person=merged, relation="head", since=TODAY
        ),
        ("people.consent", "person"): lambda: Consent.objects.create(
            person=merged, kind="contact", given_on=TODAY, source="form"
        ),
        ("people.personmerge", "into"): lambda: PersonMerge.objects.create(
            merged_id=10**8, into=merged
        ),
        ("activities.contact", "person"): lambda: Contact.objects.create(
            household=home, person=merged, contacted_on=TODAY, channel="visit"
        ),
        ("activities.registration", "person"): lambda: Registration.objects.create(
            event=_event(fed), person=merged, code="merge-test"
        ),
        ("care.case", "person"): lambda: Case.objects.create(
            unit=fed.a,
            person=merged,
            category=CaseCategory.objects.get(code="health"),
            subject="通院の付き添い",
            due_on=TODAY,
        ),
        ("care.helpoffer", "person"): lambda: HelpOffer.objects.create(
            person=merged, kinds=["visiting"]
        ),
        ("money.duespayment", "person"): lambda: DuesPayment.objects.create(
            person=merged,
            unit=fed.a,
            fiscal_year=2026,
            amount=1000,
            received_on=TODAY,
            transaction=_ledger_tx(fed.a),
        ),
        ("money.donation", "donor"): lambda: Donation.objects.create(
            unit=fed.a,
            donor=merged,
            received_on=TODAY,
            amount=1000,
            receipt_year=TODAY.year,
            receipt_number=99,
            transaction=_ledger_tx(fed.a),
        ),
        ("money.allocationitem", "person"): lambda: AllocationItem.objects.create(
            allocation=Allocation.objects.create(
                fund=Fund.objects.create(
                    unit=fed.a,
                    name="基金",
                    source="寄付",
                    purpose="",
                    fiscal_year=2026,
                    amount=10**6,
                    account=Account.objects.create(unit=fed.a, kind="fund", code="fund-merge"),
                ),
                title="奨学金",
                proposed_by=make_user("proposer-merge"),
            ),
            kind="stipend",
            person=merged,
            amount=1000,
        ),
        ("congress.delegate", "person"): lambda: Delegate.objects.create(
            congress=_congress(fed),
            unit=fed.a,
            person=merged,
            role="delegate",
            badge_code="MERGE00001",
        ),
        ("congress.candidate", "person"): lambda: Candidate.objects.create(
            election=Election.objects.create(congress=_congress(fed), title="議長"),
            person=merged,
        ),
        ("education.enrolment", "person"): lambda: Enrolment.objects.create(
            person=merged,
            school=School.objects.create(
                unit=make_unit(fed.r1, "S-merge", UnitKind.SCHOOL), level="elementary"
            ),
            school_year=2026,
            grade=1,
            since=TODAY,
        ),
        ("news.delivery", "person"): lambda: Delivery.objects.create(
            newsletter=Newsletter.objects.create(unit=fed.a, title_ja="便り"),
            person=merged,
            email="merged@example.jp",
            language="ja",
            token="merge-test",
        ),
        ("people.provision", "person"): lambda: Provision.objects.create(
            person=merged,
            unit=fed.a,
            kind="export",
            recipient="partner",
            purpose="event",
            basis="consent",
            provided_on=TODAY,
        ),
    }


def test_every_relation_of_a_person_is_carried_over(
    federation: Federation, pair: tuple[Person, Person]
) -> None:
    """Throwaway check that the generic re-pointing reaches every model related to Person. A
    model added later fails the first assertion until a row of it is made here, and so checked."""
    keep, merged = pair
    third = add(federation, family_name_hangul="박", given_name_hangul="영호")
    makers = _make_rows(federation, merged, keep, third)
    links = {(model._meta.label_lower, fk.name): (model, fk) for model, fk in person_links()}
    assert set(links) == set(makers), "a relation of Person has no row in this test"
    assert {rel.related_model._meta.label_lower for rel in Person._meta.related_objects} == {
        label for label, _ in makers
    }
    rows = {key: make() for key, make in makers.items()}
    merge_people(actor=federation.central, keep=keep, merge=merged, choices={})
    for key, row in rows.items():
        model, fk = links[key]
        if model is PersonSearchKey:  # derived data: rewritten for the kept person
            assert PersonSearchKey.objects.filter(person=keep).exists()
            continue
        if model is PersonSensitive:  # one per person: the kept one, its blanks filled
            assert PersonSensitive.objects.get(person=keep).nationality == "韓国"
            continue
        row.refresh_from_db()
        assert getattr(row, fk.attname) == keep.pk, key


def test_collisions_are_dropped_and_self_relations_deleted(federation: Federation) -> None:
    keep, other = (
        add(federation, family_name_hangul="이", given_name_hangul=n) for n in ("순자", "숙자")
    )
    child = add(federation, family_name_hangul="이", given_name_hangul="영호")
    Relationship.objects.create(person=keep, relative=child, kind="parent")
    Relationship.objects.create(person=other, relative=child, kind="parent")  # the same tie
    Relationship.objects.create(person=other, relative=keep, kind="spouse")  # becomes self
    old_home = Household.objects.create(unit=federation.a, address="old")
    home, other_home = (Household.objects.create(unit=federation.a, address=a) for a in "xy")
    HouseholdMember.objects.create(household=home, person=keep, relation="head", since=TODAY)
    HouseholdMember.objects.create(household=other_home, person=other, relation="head", since=TODAY)
    HouseholdMember.objects.create(
        household=old_home,
        person=other,
        relation="child",
        since=dt.date(1960, 1, 1),
        until=dt.date(1980, 1, 1),
    )
    PersonSensitive.objects.create(person=keep, residency_status="permanent")
    PersonSensitive.objects.create(person=other, nationality="韓国", residency_status="special")
    keep_user, other_user = make_user("keep-user"), make_user("other-user")
    User.objects.filter(pk=keep_user.pk).update(person=keep)
    User.objects.filter(pk=other_user.pk).update(person=other)

    merge_people(actor=federation.central, keep=keep, merge=other, choices={})

    assert list(Relationship.objects.values_list("person", "relative", "kind")) == [
        (keep.pk, child.pk, "parent")
    ]
    links = HouseholdMember.objects.filter(person=keep)
    assert links.filter(until__isnull=True).get().household_id == home.pk
    assert links.filter(household=old_home).exists()  # history moves over
    sensitive = PersonSensitive.objects.get(person=keep)
    assert (sensitive.nationality, sensitive.residency_status) == ("韓国", "permanent")
    assert PersonSensitive.objects.count() == 1
    assert User.objects.get(pk=keep_user.pk).person_id == keep.pk
    assert User.objects.get(pk=other_user.pk).person_id is None  # the account stays, unlinked
    assert AuditEvent.objects.filter(action="merge").first().fields == ["nationality"]  # type: ignore[union-attr]


def test_a_chain_of_merges_leads_to_the_last_kept(federation: Federation) -> None:
    a, b, c = (add(federation, family_name_hangul="정", given_name_hangul="철수") for _ in range(3))
    a_pk = a.pk
    merge_people(actor=federation.central, keep=b, merge=a, choices={})
    merge_people(actor=federation.central, keep=c, merge=b, choices={})
    assert PersonMerge.objects.get(merged_id=a_pk).into_id == c.pk
    response = signed_in(federation.officer_a).get(reverse("people:detail", args=[a_pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "people:detail", args=[c.pk]
    )


def test_merging_needs_admin_on_both_units(
    federation: Federation, pair: tuple[Person, Person]
) -> None:
    keep, other = pair
    for actor in (federation.officer_a, federation.regional, federation.officer_b):
        with pytest.raises(PermissionDeniedError):
            merge_people(actor=actor, keep=keep, merge=other, choices={})
    in_b = add(federation, federation.b, family_name_hangul="김", given_name_hangul="민수")
    for first, second in ((keep, in_b), (in_b, keep)):
        with pytest.raises(PermissionDeniedError):
            merge_people(actor=federation.admin_a, keep=first, merge=second, choices={})
    assert Person.objects.filter(pk__in=[keep.pk, other.pk, in_b.pk]).count() == 3
    assert not AuditEvent.objects.filter(action="merge").exists()


def test_bad_merges_are_refused(federation: Federation, pair: tuple[Person, Person]) -> None:
    keep, other = pair
    cases: list[tuple[Person, Person, dict[str, str], str]] = [
        (keep, keep, {}, "cannot be merged with themself"),
        (keep, other, {"nationality": "merge"}, "Unknown field"),
        (keep, other, {"occupation": "both"}, "Choose, for each field"),
    ]
    for first, second, choices, message in cases:
        with pytest.raises(ValidationError, match=message):
            merge_people(actor=federation.central, keep=first, merge=second, choices=choices)
    with pytest.raises(ValidationError, match="changed one of these records"):
        merge_people(
            actor=federation.central,
            keep=keep,
            merge=other,
            choices={},
            versions=(keep.version, other.version - 1),
        )
    erase_person(actor=federation.central, person=other)
    for first, second in ((keep, other), (other, keep)):
        with pytest.raises(ValidationError, match="erased person cannot be merged"):
            merge_people(actor=federation.central, keep=first, merge=second, choices={})
    assert Person.objects.filter(pk__in=[keep.pk, other.pk]).count() == 2
    assert not PersonMerge.objects.exists()


# --- the pages -------------------------------------------------------------------------------


def test_merge_page_compares_side_by_side_and_merges(
    federation: Federation, pair: tuple[Person, Person]
) -> None:
    keep, other = pair
    client = signed_in(federation.admin_a)
    url = reverse("people:merge", args=[keep.pk]) + f"?with={other.pk}"
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    # Every field is shown; the ones that differ get a choice, blanks default to the other.
    differing = ["unit", "occupation", "email", "birth_date", "family_name_hangul"]
    differing += ["given_name_hangul", "family_name_latin", "given_name_latin", "mobile"]
    assert body.count('data-testid="choice"') == len(differing)
    assert body.count('data-testid="same"') == len(MERGE_FIELDS) - len(differing)
    assert 'name="occupation" value="keep" id="id_occupation_0" required checked' in body
    assert 'name="email" value="merge" id="id_email_1" required checked' in body
    assert "teacher" in body and "farmer" in body and "1950" in body
    choices = dict.fromkeys(differing, "keep") | {"occupation": "merge"}
    form = {"with": other.pk, "keep_version": keep.version, "merge_version": other.version}
    unconfirmed = client.post(url, form | choices)
    assert unconfirmed.status_code == 200 and Person.objects.filter(pk=other.pk).exists()
    done = client.post(url, form | choices | {"confirm": "on"})
    assert done.status_code == 302 and done["Location"] == reverse("people:detail", args=[keep.pk])
    keep.refresh_from_db()
    assert keep.occupation == "teacher" and not Person.objects.filter(pk=other.pk).exists()
    moved = client.get(reverse("people:detail", args=[other.pk]))
    assert moved.status_code == 302 and moved["Location"] == reverse(
        "people:detail", args=[keep.pk]
    )
    # A user who may not see the kept person learns nothing from the old number.
    assert signed_in(federation.officer_b).get(moved["Location"]).status_code == 404
    assert (
        signed_in(federation.officer_b).get(reverse("people:detail", args=[other.pk])).status_code
        == 404
    )


def test_merge_page_access(federation: Federation, pair: tuple[Person, Person]) -> None:
    keep, other = pair
    url = reverse("people:merge", args=[keep.pk]) + f"?with={other.pk}"
    assert signed_in(federation.officer_a).get(url).status_code == 403  # edit is not enough
    assert signed_in(federation.regional).get(url).status_code == 403
    assert signed_in(federation.officer_b).get(url).status_code == 404  # not in B's units
    assert signed_in(federation.admin_a).put(url).status_code == 405
    assert signed_in(federation.central).get(url).status_code == 200
    detail = reverse("people:detail", args=[keep.pk])
    assert "Merge with…" in signed_in(federation.admin_a).get(detail).content.decode()
    assert "Merge with…" not in signed_in(federation.officer_a).get(detail).content.decode()


def test_a_person_of_a_sibling_branch_is_never_offered_nor_mergeable(
    federation: Federation,
) -> None:
    person_a, person_b = federation.person_a, federation.person_b
    client = signed_in(federation.admin_a)
    pick = client.get(reverse("people:merge", args=[person_a.pk]))
    assert pick.status_code == 200 and MARK_B not in pick.content.decode()
    for with_ in (person_b.pk,):
        url = reverse("people:merge", args=[person_a.pk]) + f"?with={with_}"
        for response in (client.get(url), client.post(url, {"with": with_, "confirm": "on"})):
            assert response.status_code == 404
            assert MARK_B not in response.content.decode()
    assert client.get(reverse("people:merge", args=[person_b.pk])).status_code == 404
    assert Person.objects.filter(pk=person_b.pk).exists()


def test_pick_page_offers_duplicates_with_a_merge_link(federation: Federation) -> None:
    keep = add(federation, family_name_hangul="최", given_name_hangul="정희", mobile="09012345678")
    twin = add(
        federation,
        federation.a1,
        family_name_kanji="崔",
        given_name_kanji="貞姫",
        family_name_kana="チェ",
        given_name_kana="チョンヒ",
        mobile="+81 90-1234-5678",
    )
    client = signed_in(federation.admin_a)
    body = client.get(reverse("people:merge", args=[keep.pk])).content.decode()
    assert f"{reverse('people:merge', args=[keep.pk])}?with={twin.pk}" in body
    assert "Merge with…" in body and "same phone" in body
    itself = client.get(reverse("people:merge", args=[keep.pk]) + f"?with={keep.pk}")
    assert itself.status_code == 200 and "cannot be merged with themself" in itself.content.decode()
    erase_person(actor=federation.central, person=twin)
    erased = client.get(reverse("people:merge", args=[keep.pk]) + f"?with={twin.pk}")
    assert "An erased person cannot be merged" in erased.content.decode()
    assert 'name="confirm"' not in erased.content.decode()


def test_pick_page_query_count_does_not_grow(
    federation: Federation,
    django_assert_num_queries: Any,
) -> None:
    keep = add(federation, family_name_hangul="최", given_name_hangul="정희")
    client = signed_in(federation.admin_a)
    url = reverse("people:merge", args=[keep.pk])
    client.get(url)
    # session, user, its second factor (an administrator's grant needs one), grants (scope),
    # the person with its unit, the pool of candidates (one query through the search index)
    with django_assert_num_queries(6):
        client.get(url)
    for i in range(5):
        add(federation, family_name_hangul="최", given_name_hangul="정희", notes=str(i))
    with django_assert_num_queries(6):
        assert client.get(url).content.decode().count('data-testid="duplicate"') == 5
