"""Cases: opening, the workflow, escalation, referral, and who may see them (the cases
permission on the owning unit or above, the case worker, and only the people named on a
restricted case). Every read is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from branchwork.access.models import AuditEvent
from branchwork.activities.partners import create_partner
from branchwork.care import selectors, services
from branchwork.care.models import Case, CaseCategory
from branchwork.core.errors import PermissionDeniedError
from tests.conftest import MARK_B, Federation, make_user

TODAY = timezone.localdate()


@pytest.fixture
def workers(federation: Federation) -> dict[str, object]:
    return {
        "a": make_user("worker-a", "case_worker", federation.a),
        "a2": make_user("worker-a2", "case_worker", federation.a),
        "b": make_user("worker-b", "case_worker", federation.b),
        "r1": make_user("worker-r1", "case_worker", federation.r1),
    }


def open_b(federation: Federation, workers: dict[str, object], **kw: object) -> Case:
    return services.open_case(
        actor=workers["b"],
        unit=federation.b,
        person=federation.person_b,
        category=CaseCategory.objects.get(code="discrimination"),
        subject=kw.pop("subject", f"{MARK_B} ヘイト被害"),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def seen(user: object) -> set[int]:
    return set(selectors.visible_cases(user).values_list("pk", flat=True))


def test_who_sees_a_case(federation: Federation, workers: dict[str, object]) -> None:
    case = open_b(federation, workers, assigned_to=workers["b"])
    assert seen(workers["b"]) == {case.pk}
    assert seen(workers["r1"]) == {case.pk}  # the cases permission above the owning unit
    assert seen(federation.central) == {case.pk}  # the federation's administrator has it too
    # No cases permission, or on a sibling branch: nothing.
    for user in (federation.officer_b, federation.regional, federation.officer_a, workers["a"]):
        assert seen(user) == set()


def test_a_restricted_case_is_for_its_worker_and_those_named(
    federation: Federation, workers: dict[str, object]
) -> None:
    other_b = make_user("worker-b2", "case_worker", federation.b)
    case = open_b(federation, workers, assigned_to=other_b, restricted=True)
    assert seen(other_b) == {case.pk}
    assert seen(workers["b"]) == {case.pk}  # opened it: named on it
    for user in (workers["r1"], federation.central):
        assert seen(user) == set()  # the cases permission is not enough
    services.set_restricted(actor=other_b, case=case, restricted=True, named=(workers["r1"],))
    assert seen(workers["r1"]) == {case.pk} and seen(workers["b"]) == set()
    with pytest.raises(PermissionDeniedError):
        services.add_note(actor=workers["b"], case=case, text="x")


def test_the_workflow_and_closing(federation: Federation, workers: dict[str, object]) -> None:
    case = open_b(federation, workers, priority="urgent")
    assert case.due_on == TODAY + dt.timedelta(days=2)
    with pytest.raises(ValidationError):
        services.change_status(actor=workers["b"], case=case, status="in_progress")
    services.change_status(actor=workers["b"], case=case, status="assessed")
    services.change_status(actor=workers["b"], case=case, status="in_progress")
    services.change_status(actor=workers["b"], case=case, status="resolved")
    with pytest.raises(ValidationError) as no_outcome:
        services.change_status(actor=workers["b"], case=case, status="closed")
    assert "outcome" in no_outcome.value.message_dict
    services.change_status(
        actor=workers["b"], case=case, status="closed", outcome="弁護士につないだ"
    )
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    assert [n.kind for n in case.notes.all()] == ["status"] * 4
    with pytest.raises(ValidationError):
        services.change_status(actor=workers["b"], case=case, status="in_progress")


def test_escalation_climbs_and_stops_at_the_federation(
    federation: Federation, workers: dict[str, object]
) -> None:
    case = open_b(federation, workers, assigned_to=workers["b"], note="最初の相談")
    services.escalate(actor=workers["b"], case=case, note="地方本部へ")
    case.refresh_from_db()
    assert case.unit == federation.r1 and case.notes.count() == 2
    # The branch's worker stays its worker until the region assigns another.
    assert seen(workers["b"]) == {case.pk}
    services.assign(actor=workers["r1"], case=case, worker=workers["r1"])
    assert seen(workers["b"]) == set()
    services.escalate(actor=workers["r1"], case=case)
    case.refresh_from_db()
    assert case.unit == federation.fed
    with pytest.raises(ValidationError):
        services.escalate(actor=federation.central, case=case)


def test_bad_input_is_refused_and_nothing_is_written(
    federation: Federation, workers: dict[str, object]
) -> None:
    with pytest.raises(ValidationError) as no_subject:
        open_b(federation, workers, subject=" ")
    assert "subject" in no_subject.value.message_dict
    with pytest.raises(ValidationError):
        open_b(federation, workers, due_on=TODAY - dt.timedelta(days=1))
    with pytest.raises(ValidationError):  # a worker without the cases permission there
        open_b(federation, workers, assigned_to=workers["a"])
    with pytest.raises(PermissionDeniedError):
        services.open_case(
            actor=federation.officer_b,  # no cases permission
            unit=federation.b,
            person=federation.person_b,
            category=CaseCategory.objects.get(code="health"),
            subject="x",
        )
    with pytest.raises(ValidationError):  # someone of another branch
        services.open_case(
            actor=workers["b"],
            unit=federation.b,
            person=federation.person_a,
            category=CaseCategory.objects.get(code="health"),
            subject="x",
        )
    assert not Case.objects.exists()


def test_referral_and_the_audit_of_reads(
    federation: Federation, workers: dict[str, object]
) -> None:
    partner = create_partner(actor=federation.officer_b, unit=federation.b, name="弁護士会")
    case = open_b(federation, workers)
    services.change_status(actor=workers["b"], case=case, status="assessed")
    services.refer(actor=workers["b"], case=case, partner=partner)
    case.refresh_from_db()
    assert case.status == "referred" and case.referred_to == partner
    before = AuditEvent.objects.filter(action="read").count()
    services.read_case(actor=workers["r1"], case=case)
    read = AuditEvent.objects.filter(action="read").order_by("-pk").first()
    assert read is not None and AuditEvent.objects.filter(action="read").count() == before + 1
    assert read.actor_id == workers["r1"].pk  # type: ignore[attr-defined]


def test_overdue_roll_up(federation: Federation, workers: dict[str, object]) -> None:
    late = open_b(federation, workers)
    Case.objects.filter(pk=late.pk).update(due_on=TODAY - dt.timedelta(days=3))
    open_b(federation, workers)
    rows = {
        path: (n, late_n)
        for path, n, late_n in selectors.overdue_by_unit(workers["r1"], federation.r1)
    }
    assert rows == {federation.b.path: (2, 1)}
    assert selectors.overdue_by_unit(workers["a"], federation.r1) == []


def test_a_persons_data_export_keeps_the_cases_rules(
    federation: Federation, workers: dict[str, object]
) -> None:
    from branchwork.people.subject import export_person

    admin_b = make_user("admin-b", "administrator", federation.b)
    open_b(federation, workers, subject=f"{MARK_B} 公開")
    open_b(federation, workers, subject=f"{MARK_B} 制限", restricted=True)
    cases = export_person(actor=admin_b, person=federation.person_b)["other"]["care.case"]
    assert sorted(str(c.get("subject", "withheld")) for c in cases) == [
        f"{MARK_B} 公開",
        "withheld",
    ]
    unit_admin = make_user("unit-admin-b", "unit_admin", federation.b)  # no cases permission
    hidden = export_person(actor=unit_admin, person=federation.person_b)["other"]["care.case"]
    assert hidden == {"withheld": 2, "permission": "cases"}
