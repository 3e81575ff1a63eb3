"""Schools and enrolments: a branch sees which of its children attend which school, a school
sees its pupils and where they live; a sibling branch and another region's school see nothing
of them (planted markers), and bad enrolments are refused with nothing written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from branchwork.access.models import AuditEvent
from branchwork.core.errors import PermissionDeniedError
from branchwork.education import selectors, services
from branchwork.education.models import Enrolment, EnrolmentStatus, School, school_year_of
from branchwork.org.models import Unit, UnitKind
from tests.conftest import MARK_B, Federation, make_person, make_unit, make_user, signed_in

pytestmark = pytest.mark.django_db
YEAR = school_year_of(timezone.localdate())


@dataclass
class Schools:
    s1: School  # under R1: pupils from A and B
    s2: School  # under R2
    teacher: object  # officer of S1
    other_teacher: object  # officer of S2


@pytest.fixture
def schools(federation: Federation) -> Schools:
    u1 = make_unit(federation.r1, "S1", UnitKind.SCHOOL)
    u2 = make_unit(federation.r2, "S2", UnitKind.SCHOOL, marker=MARK_B)
    s1 = services.set_level(actor=federation.central, unit=u1, level="elementary")
    s2 = services.set_level(actor=federation.central, unit=u2, level="high")
    return Schools(
        s1=s1,
        s2=s2,
        teacher=make_user("teacher-s1", "officer", u1),
        other_teacher=make_user("teacher-s2", "officer", u2),
    )


def test_a_branch_sees_its_children_and_a_school_its_pupils(
    federation: Federation, schools: Schools
) -> None:
    klass = services.add_class(actor=schools.teacher, school=schools.s1, name="2-A", grade=2)
    mine = services.enrol(
        actor=federation.officer_a,
        person=federation.person_a,
        school=schools.s1,
        grade=2,
        school_class=klass,
    )
    theirs = services.enrol(
        actor=federation.officer_b, person=federation.person_b, school=schools.s1, grade=3
    )
    # The school sees both pupils, and where they live.
    roster = list(selectors.roster(schools.teacher, schools.s1, YEAR))
    assert roster == [mine, theirs]
    origins = {
        r["unit"].code: r["pupils"] for r in selectors.origins(schools.teacher, schools.s1, YEAR)
    }
    assert origins == {"A": 1, "B": 1}
    # Branch A sees its own child at the school, not B's.
    assert list(selectors.pupils_of_unit(federation.officer_a, federation.a, YEAR)) == [mine]
    assert list(selectors.roster(federation.officer_a, schools.s1, YEAR)) == [mine]
    # Another region's school sees nothing of them.
    assert not selectors.visible_enrolments(schools.other_teacher).exists()
    # The pages.
    page = signed_in(schools.teacher).get(reverse("education:school", args=["S1"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert federation.person_a.display_name in text and "2-A" in text
    branch = signed_in(federation.officer_a).get(reverse("education:unit-pupils", args=["A"]))
    assert federation.person_a.display_name in branch.content.decode()
    assert MARK_B not in branch.content.decode()
    person = signed_in(federation.officer_a).get(
        reverse("people:detail", args=[federation.person_a.pk])
    )
    assert 'id="h-schools"' in person.content.decode()
    assert (
        AuditEvent.objects.filter(object_type="education.enrolment", action="create").count() == 2
    )


def test_planted_markers_stay_out_of_sight(federation: Federation, schools: Schools) -> None:
    """Branch B's child at S2 (R2's school, with a marked name): officer A, the teacher of S1
    and A's region see no trace of it in pages or the API; S2's own page is refused."""
    services.enrol(
        actor=federation.officer_b, person=federation.person_b, school=schools.s2, grade=1
    )
    services.enrol(
        actor=federation.officer_a, person=federation.person_a, school=schools.s1, grade=1
    )
    from branchwork.access.services import create_api_token

    for user in (federation.officer_a, schools.teacher):
        client = signed_in(user)
        pages = [reverse("education:schools")]
        if user == schools.teacher:
            pages.append(reverse("education:school", args=["S1"]))
        else:  # the branch sees its children, not the school's whole roll
            pages.append(reverse("education:unit-pupils", args=["A"]))
            pages.append(reverse("people:detail", args=[federation.person_a.pk]))
            assert client.get(reverse("education:school", args=["S1"])).status_code == 404
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            assert MARK_B not in response.content.decode(), url
        assert client.get(reverse("education:school", args=["S2"])).status_code == 404
        assert client.get(reverse("education:unit-pupils", args=["B"])).status_code == 404
        token = create_api_token(user=user, name="t", days=1)[1]
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        for url in (
            "/api/v1/schools",
            f"/api/v1/schools/S1/enrolments?year={YEAR}",
            f"/api/v1/units/R1/pupils?year={YEAR}",
        ):
            response = client.get(url, **auth)
            assert MARK_B not in response.content.decode(), url
        assert client.get("/api/v1/schools/S2", **auth).status_code == 404
        assert client.get(f"/api/v1/schools/S2/enrolments?year={YEAR}", **auth).status_code == 404
    # The teacher of S1 cannot open branch A's page of children either (no view on A).
    assert (
        signed_in(schools.teacher).get(reverse("education:unit-pupils", args=["A"])).status_code
        == 404
    )
    # The region above B sees B's child at R2's school through the pupil.
    regional = selectors.pupils_of_unit(federation.regional, federation.b, YEAR)
    assert [e.person_id for e in regional] == [federation.person_b.pk]


def test_bad_enrolments_are_refused_and_nothing_is_written(
    federation: Federation, schools: Schools
) -> None:
    cases = [
        {"grade": 7},  # an elementary school has grades 1 to 6
        {"grade": 1, "school_year": YEAR + 5},
    ]
    for extra in cases:
        with pytest.raises(ValidationError):
            services.enrol(
                actor=federation.officer_a, person=federation.person_a, school=schools.s1, **extra
            )
    other = services.add_class(actor=schools.teacher, school=schools.s1, name="1-A", grade=1)
    with pytest.raises(ValidationError):
        services.enrol(
            actor=federation.officer_a,
            person=federation.person_a,
            school=schools.s1,
            grade=2,
            school_class=other,
        )
    # Officer A may not enrol B's child, even at a school A sees nothing of.
    with pytest.raises(PermissionDeniedError):
        services.enrol(
            actor=federation.officer_a, person=federation.person_b, school=schools.s1, grade=1
        )
    # The same pupil twice in one year.
    services.enrol(
        actor=federation.officer_a, person=federation.person_a, school=schools.s1, grade=1
    )
    with pytest.raises(ValidationError):
        services.enrol(
            actor=federation.officer_a, person=federation.person_a, school=schools.s1, grade=1
        )
    assert Enrolment.objects.count() == 1
    # A class name used twice in a year; a non-school unit has no level.
    with pytest.raises(ValidationError):
        services.add_class(actor=schools.teacher, school=schools.s1, name="1-A", grade=1)
    with pytest.raises(ValidationError):
        services.set_level(actor=federation.central, unit=federation.a, level="high")
    # The form names the field.
    client = signed_in(schools.teacher)
    response = client.post(
        reverse("education:school", args=["S1"]),
        {
            "form": "enrol",
            "enrol-person": federation.person_b.pk,
            "enrol-school_year": YEAR,
            "enrol-grade": 1,
        },
    )
    assert response.status_code == 200
    assert "No person with this number in your units." in response.content.decode()


def test_leaving_and_the_next_year(federation: Federation, schools: Schools) -> None:
    child = make_person(federation.a)
    first = services.enrol(
        actor=federation.officer_a, person=federation.person_a, school=schools.s1, grade=1
    )
    last = services.enrol(actor=federation.officer_a, person=child, school=schools.s1, grade=6)
    made = services.promote(actor=schools.teacher, school=schools.s1, from_year=YEAR)
    assert made == 1  # the sixth-grader completes the school
    nxt = Enrolment.objects.get(school_year=YEAR + 1)
    assert (nxt.person_id, nxt.grade) == (federation.person_a.pk, 2)
    first.refresh_from_db()
    last.refresh_from_db()
    assert first.status == last.status == EnrolmentStatus.COMPLETED
    assert services.promote(actor=schools.teacher, school=schools.s1, from_year=YEAR) == 0
    services.leave(actor=schools.teacher, enrolment=nxt, on=nxt.since + dt.timedelta(days=30))
    nxt.refresh_from_db()
    assert nxt.status == EnrolmentStatus.LEFT and nxt.left_on is not None
    with pytest.raises(ValidationError):
        services.leave(actor=schools.teacher, enrolment=nxt)
    child_left = services.enrol(
        actor=federation.officer_a,
        person=make_person(federation.a),
        school=schools.s1,
        grade=3,
        school_year=YEAR + 1,
    )
    with pytest.raises(ValidationError):  # before the enrolment began
        services.leave(
            actor=schools.teacher, enrolment=child_left, on=child_left.since - dt.timedelta(days=1)
        )
    with pytest.raises(PermissionDeniedError):
        services.promote(actor=schools.other_teacher, school=schools.s1, from_year=YEAR)


def test_a_school_unit_without_a_level_asks_for_one(federation: Federation) -> None:
    unit = make_unit(federation.r1, "S9", UnitKind.SCHOOL)
    admin = make_user("admin-r1", "unit_admin", federation.r1)
    client = signed_in(admin)
    page = client.get(reverse("education:school", args=["S9"]))
    assert page.status_code == 200 and 'name="level"' in page.content.decode()
    client.post(reverse("education:school-level", args=["S9"]), {"level": "kindergarten"})
    assert School.objects.get(unit=unit).level == "kindergarten"
    assert client.get(reverse("education:school", args=["A"])).status_code == 404
    assert Unit.objects.filter(code="S9").exists()


def test_enrolling_from_the_pupils_page_and_the_api(
    federation: Federation, schools: Schools
) -> None:
    client = signed_in(federation.officer_a)
    response = client.post(
        reverse("education:person-enrol", args=[federation.person_a.pk]),
        {"school": schools.s1.pk, "school_year": YEAR, "grade": 4},
    )
    assert response.status_code == 302
    assert Enrolment.objects.get().grade == 4
    from branchwork.access.services import create_api_token

    token = create_api_token(user=federation.officer_a, name="t", days=1)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    child = make_person(federation.a1)
    made = client.post(
        "/api/v1/enrolments",
        {"person_id": child.pk, "school": "S1", "grade": 1},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201, made.content
    refused = client.post(
        "/api/v1/enrolments",
        {"person_id": federation.person_b.pk, "school": "S1", "grade": 1},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 422
    counts = client.get(f"/api/v1/units/A/pupils/by-school?year={YEAR}", **auth).json()
    assert counts == [{"school": "S1", "pupils": 2}]
