"""Events: creating them (and series of sessions), registering people up to capacity and onto
the waiting list, checking in by code, walk-ins, and a paper sheet's ticks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from branchwork.access.models import AuditEvent
from branchwork.activities import services
from branchwork.activities.models import Event, EventKind, Registration
from branchwork.core.errors import PermissionDeniedError
from tests.conftest import Federation, make_person

NOW = timezone.now


def kind(code: str = "cultural") -> EventKind:
    return EventKind.objects.get(code=code)


def event(federation: Federation, **kw: Any) -> Event:
    starts = kw.pop("starts_at", NOW() + dt.timedelta(days=7))
    return services.create_event(
        actor=kw.pop("actor", federation.officer_a),
        unit=kw.pop("unit", federation.a),
        kind=kw.pop("kind", kind()),
        starts_at=starts,
        ends_at=kw.pop("ends_at", starts + dt.timedelta(hours=2)),
        title_ja=kw.pop("title_ja", "秋の文化公演"),
        **kw,
    )


def test_the_usual_kinds_of_event_are_there(db: Any) -> None:
    codes = set(EventKind.objects.values_list("code", flat=True))
    assert {"cultural", "sport", "language_class", "information", "commemoration"} <= codes
    assert {"friendship", "meeting"} <= codes
    assert EventKind.objects.get(code="language_class").name_ko == "우리말 교실"


def test_an_event_is_created_and_audited(federation: Federation) -> None:
    made = event(federation, capacity=30, venue="生野区民センター", title_ko="가을 문화공연")
    assert made.unit == federation.a and made.capacity == 30 and len(made.public_key) >= 20
    assert made.title_ko == "가을 문화공연"
    audited = AuditEvent.objects.get(object_type="activities.event", object_id=str(made.pk))
    assert "title_ja" in audited.fields and "秋" not in str(audited.fields)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"ends_at": NOW() + dt.timedelta(days=6)}, "ends_at"),  # before it starts
        ({"ends_at": NOW() + dt.timedelta(days=30)}, "ends_at"),  # three weeks long
        ({"title_ja": ""}, "title_ja"),
        ({"capacity": 0}, "capacity"),
        ({"audience": "everyone"}, "audience"),
    ],
)
def test_bad_events_are_refused_with_the_field_named(
    federation: Federation, kw: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        event(federation, **kw)
    assert field in caught.value.message_dict
    assert not Event.objects.exists()


def test_only_an_officer_of_the_unit_or_above_organises_its_events(
    federation: Federation,
) -> None:
    with pytest.raises(PermissionDeniedError):
        event(federation, unit=federation.b)
    event(federation, actor=federation.regional, unit=federation.r1)
    retired = kind("sport")
    retired.active = False
    retired.save()
    with pytest.raises(ValidationError):
        event(federation, kind=retired)


def test_a_weekly_class_is_a_series_of_sessions(federation: Federation) -> None:
    first = NOW() + dt.timedelta(days=3)
    series = services.create_series(
        actor=federation.officer_a,
        unit=federation.a,
        kind=kind("language_class"),
        first_starts_at=first,
        duration=dt.timedelta(minutes=90),
        sessions=10,
        title_ko="어린이 우리말 교실",
    )
    sessions = list(series.sessions.order_by("starts_at"))
    assert len(sessions) == 10 and sessions[0].starts_at == first
    assert sessions[9].starts_at == first + dt.timedelta(weeks=9)
    assert all(s.title_ko == "어린이 우리말 교실" for s in sessions)
    with pytest.raises(ValidationError):
        services.create_series(
            actor=federation.officer_a,
            unit=federation.a,
            kind=kind("language_class"),
            first_starts_at=first,
            duration=dt.timedelta(hours=1),
            sessions=61,
            title_ko="x",
        )


def test_at_capacity_people_wait_and_move_up_when_a_place_frees(federation: Federation) -> None:
    made = event(federation, capacity=2)
    people = [make_person(federation.a) for _ in range(3)]
    first, second, third = (
        services.register(actor=federation.officer_a, event=made, person=p) for p in people
    )
    assert [r.status for r in (first, second, third)] == ["registered", "registered", "waiting"]
    assert services.register(actor=federation.officer_a, event=made, person=people[0]) == first
    moved = services.cancel_registration(actor=federation.officer_a, registration=second)
    assert moved == third
    third.refresh_from_db()
    assert third.status == "registered"
    assert services.cancel_registration(actor=federation.officer_a, registration=second) is None


def test_an_officer_registers_only_people_of_their_units(federation: Federation) -> None:
    made = event(federation, actor=federation.regional, unit=federation.r1)
    with pytest.raises(PermissionDeniedError):
        services.register(actor=federation.officer_a, event=made, person=federation.person_b)
    services.register(actor=federation.officer_b, event=made, person=federation.person_b)


def test_check_in_by_code_refuses_other_events_and_forged_codes(federation: Federation) -> None:
    made, other = event(federation), event(federation, title_ja="別の行事")
    mine = services.register(actor=federation.officer_a, event=made, person=federation.person_a)
    theirs = services.register(
        actor=federation.officer_a, event=other, person=make_person(federation.a)
    )
    for code in (theirs.code, "forged-code", ""):
        with pytest.raises(ValidationError) as caught:
            services.check_in(actor=federation.officer_a, event=made, code=code)
        assert "code" in caught.value.message_dict
    assert not Registration.objects.filter(attended_at__isnull=False).exists()
    done = services.check_in(actor=federation.officer_a, event=made, code=mine.code)
    assert done.attended_at is not None
    again = services.check_in(actor=federation.officer_a, event=made, code=mine.code)
    assert again.attended_at == done.attended_at
    with pytest.raises(PermissionDeniedError):
        services.check_in(actor=federation.officer_b, event=made, code=mine.code)


def test_a_walk_in_is_added_and_present_even_when_the_event_is_full(
    federation: Federation,
) -> None:
    made = event(federation, capacity=1)
    services.register(actor=federation.officer_a, event=made, person=federation.person_a)
    came = services.walk_in(
        actor=federation.officer_a, event=made, person=make_person(federation.a)
    )
    assert came.walk_in and came.status == "registered" and came.attended_at is not None
    with pytest.raises(ValidationError):
        services.walk_in(actor=federation.officer_a, event=made, person=federation.person_b)


def test_a_paper_sheets_ticks_are_entered_in_one_go(federation: Federation) -> None:
    made = event(federation)
    regs = [
        services.register(actor=federation.officer_a, event=made, person=make_person(federation.a))
        for _ in range(3)
    ]
    assert (
        services.record_attendance(
            actor=federation.officer_a, event=made, present={regs[0].pk, regs[2].pk}
        )
        == 2
    )
    assert (
        services.record_attendance(actor=federation.officer_a, event=made, present={regs[1].pk})
        == 1
    )
    attended = set(
        made.registrations.filter(attended_at__isnull=False).values_list("pk", flat=True)
    )
    assert attended == {regs[1].pk}
    other = event(federation, title_ja="別")
    stray = services.register(actor=federation.officer_a, event=other, person=federation.person_a)
    with pytest.raises(ValidationError):
        services.record_attendance(actor=federation.officer_a, event=made, present={stray.pk})


def test_the_public_registers_only_for_public_events_still_to_come(
    federation: Federation,
) -> None:
    members_only = event(federation)
    with pytest.raises(ValidationError):
        services.register_guest(event=members_only, name="田中", contact="tanaka@example.jp")
    public = event(federation, audience="public", capacity=1)
    guest = services.register_guest(event=public, name="田中 花子", contact="tanaka@example.jp")
    assert guest.status == "registered" and guest.person is None
    late = services.register_guest(event=public, name="鈴木", contact="090-0000-0000")
    assert late.status == "waiting"
    with pytest.raises(ValidationError):
        services.register_guest(event=public, name=" ", contact="x@example.jp")
    over = event(
        federation,
        audience="public",
        starts_at=NOW() - dt.timedelta(hours=3),
        ends_at=NOW() - dt.timedelta(hours=1),
    )
    with pytest.raises(ValidationError):
        services.register_guest(event=over, name="佐藤", contact="sato@example.jp")


def test_officers_see_their_units_events_those_above_and_public_ones(
    federation: Federation,
) -> None:
    from branchwork.activities import selectors
    from tests.conftest import MARK_B

    ours = event(federation)
    regional = event(federation, actor=federation.regional, unit=federation.r1, title_ja="地方")
    b_private = event(federation, actor=federation.officer_b, unit=federation.b, title_ja=MARK_B)
    b_public = event(
        federation, actor=federation.officer_b, unit=federation.b, audience="public", title_ja="公"
    )
    seen = set(selectors.visible_events(federation.officer_a))
    assert {ours, regional, b_public} <= seen and b_private not in seen
    assert b_private in selectors.visible_events(federation.regional)
    assert list(selectors.public_events()) == [b_public]
    # At the region's event, A's officer sees A's people only; the region sees everyone.
    a_reg = services.register(
        actor=federation.officer_a, event=regional, person=federation.person_a
    )
    b_reg = services.register(
        actor=federation.officer_b, event=regional, person=federation.person_b
    )
    assert list(selectors.visible_registrations(federation.officer_a, regional)) == [a_reg]
    assert set(selectors.visible_registrations(federation.regional, regional)) == {a_reg, b_reg}
    services.check_in(actor=federation.regional, event=regional, code=b_reg.code)
    assert selectors.attendance_counts(regional) == {"registered": 2, "waiting": 0, "present": 1}
