"""The congress in session: the agenda, the speakers list (points of order first), motions with
amendments (to a paragraph, amendments to amendments), the workflow and the resolutions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from branchwork.congress import proceedings
from branchwork.congress.models import ItemState, Motion, MotionState, SpeechKind
from branchwork.core.errors import PermissionDeniedError

from .conftest import Hall

pytestmark = pytest.mark.django_db


def test_the_agenda_has_one_item_under_way(hall: Hall) -> None:
    central = hall.f.central
    first = proceedings.add_item(actor=central, congress=hall.congress, title="開会")
    second = proceedings.add_item(
        actor=central, congress=hall.congress, title="活動報告", planned_minutes=45
    )
    assert (first.position, second.position) == (1, 2)
    with pytest.raises(ValidationError, match="title"):
        proceedings.add_item(actor=central, congress=hall.congress, title=" ")
    with pytest.raises(PermissionDeniedError):
        proceedings.add_item(actor=hall.f.officer_a, congress=hall.congress, title="x")
    proceedings.open_item(actor=central, item=first)
    proceedings.open_item(actor=central, item=second)
    first.refresh_from_db()
    hall.congress.refresh_from_db()
    assert first.state == ItemState.DONE and first.ended_at is not None
    assert hall.congress.current_item == second
    proceedings.close_item(actor=central, item=second)
    hall.congress.refresh_from_db()
    assert hall.congress.current_item is None


def test_points_of_order_go_first_and_a_delegate_asks_once(hall: Hall) -> None:
    central = hall.f.central
    a, b, c, d = hall.seat(hall.f.a, 4)
    (away,) = hall.seat(hall.f.a, 1, check_in=False)
    with pytest.raises(ValidationError, match="No agenda item is under way"):
        proceedings.ask_to_speak(delegate=a)
    item = proceedings.open_item(
        actor=central,
        item=proceedings.add_item(actor=central, congress=hall.congress, title="討論"),
    )
    proceedings.ask_to_speak(delegate=a)
    proceedings.ask_to_speak(delegate=b)
    proceedings.ask_to_speak(delegate=c, kind=SpeechKind.POINT_OF_ORDER)
    proceedings.ask_to_speak(delegate=d, kind=SpeechKind.POINT_OF_ORDER)
    with pytest.raises(ValidationError, match="already on the speakers list"):
        proceedings.ask_to_speak(delegate=a)
    with pytest.raises(ValidationError, match="checked in"):
        proceedings.ask_to_speak(delegate=away)
    order = [s.delegate for s in proceedings.waiting(item)]
    assert order == [c, d, a, b]
    first = proceedings.waiting(item)[0]
    proceedings.give_floor(actor=central, speaker=first)
    second = proceedings.waiting(item)[1]
    proceedings.give_floor(actor=central, speaker=second)
    first.refresh_from_db()
    assert first.ended_at is not None  # the floor moved on
    assert [s.delegate for s in proceedings.waiting(item)] == [d, a, b]
    # A request not yet called can be withdrawn by its delegate, not by another.
    b_request = proceedings.waiting(item)[-1]
    with pytest.raises(ValidationError):
        proceedings.withdraw_request(delegate=a, speaker=b_request)
    proceedings.withdraw_request(delegate=b, speaker=b_request)
    assert [s.delegate for s in proceedings.waiting(item)] == [d, a]
    with pytest.raises(PermissionDeniedError):
        proceedings.give_floor(actor=hall.f.officer_a, speaker=proceedings.waiting(item)[1])


def _motion(hall: Hall, text: str = "第一段。\n\n第二段。\n\n第三段。") -> Motion:
    return proceedings.submit_motion(
        actor=hall.f.officer_a, congress=hall.congress, unit=hall.f.a, title="教育支援", text=text
    )


def test_amendments_name_an_existing_paragraph(hall: Hall) -> None:
    motion = _motion(hall)
    assert motion.number == "M1" and len(motion.paragraphs) == 3
    (delegate,) = hall.seat(hall.f.a, 1)
    for bad in (0, 4, None):
        with pytest.raises(ValidationError, match="does not exist"):
            proceedings.submit_motion(
                congress=hall.congress,
                delegate=delegate,
                title="修正",
                text="新しい段。",
                amends=motion,
                paragraph=bad,
            )
    amendment = proceedings.submit_motion(
        congress=hall.congress,
        delegate=delegate,
        title="修正",
        text="改めた第二段。",
        amends=motion,
        paragraph=2,
    )
    assert amendment.number == "M1-A1"
    sub = proceedings.submit_motion(
        congress=hall.congress,
        delegate=delegate,
        title="修正の修正",
        text="さらに改めた第二段。",
        amends=amendment,
        paragraph=1,
    )
    assert sub.number == "M1-A1-A1"
    assert Motion.objects.count() == 3


def test_motions_are_refused_from_outside(hall: Hall) -> None:
    with pytest.raises(PermissionDeniedError):
        proceedings.submit_motion(
            actor=hall.f.officer_b, congress=hall.congress, unit=hall.f.a, title="t", text="x"
        )
    with pytest.raises(ValidationError, match="text"):
        proceedings.submit_motion(
            actor=hall.f.officer_a, congress=hall.congress, unit=hall.f.a, title="t", text=" "
        )
    (unconfirmed,) = hall.seat(hall.f.a, 1, check_in=False)
    unconfirmed.credential = "nominated"
    with pytest.raises(ValidationError, match="confirmed delegates"):
        proceedings.submit_motion(congress=hall.congress, delegate=unconfirmed, title="t", text="x")


def _adopt(hall: Hall, motion: Motion) -> Motion:
    for state in ("admitted", "debated", "voted", "adopted"):
        motion = proceedings.move_motion(actor=hall.f.central, motion=motion, state=state)
    return motion


def test_the_workflow_and_the_resolutions(hall: Hall) -> None:
    motion = _motion(hall)
    with pytest.raises(ValidationError, match="cannot become"):
        proceedings.move_motion(actor=hall.f.central, motion=motion, state="adopted")
    with pytest.raises(PermissionDeniedError):
        proceedings.move_motion(actor=hall.f.officer_a, motion=motion, state="admitted")
    kept = proceedings.submit_motion(
        actor=hall.f.central,
        congress=hall.congress,
        title="修正",
        text="改めた第二段。",
        amends=motion,
        paragraph=2,
    )
    refined = proceedings.submit_motion(
        actor=hall.f.central,
        congress=hall.congress,
        title="修正の修正",
        text="さらに改めた第二段。",
        amends=kept,
        paragraph=1,
    )
    dropped = proceedings.submit_motion(
        actor=hall.f.central,
        congress=hall.congress,
        title="否決される修正",
        text="別の第三段。",
        amends=motion,
        paragraph=3,
    )
    _adopt(hall, refined)
    _adopt(hall, kept)
    proceedings.move_motion(actor=hall.f.central, motion=dropped, state="rejected")
    with pytest.raises(ValidationError, match="already decided"):
        proceedings.submit_motion(
            actor=hall.f.central,
            congress=hall.congress,
            title="x",
            text="y",
            amends=dropped,
            paragraph=1,
        )
    assert proceedings.resolutions(hall.congress) == []  # the motion itself is not adopted yet
    motion = _adopt(hall, motion)
    assert motion.state == MotionState.ADOPTED and motion.decided_at is not None
    (resolution,) = proceedings.resolutions(hall.congress)
    assert resolution.paragraphs == ["第一段。", "さらに改めた第二段。", "第三段。"]
    # A congress may set its own workflow: here a motion may be adopted straight away.
    hall.congress.motion_workflow = {"submitted": ["adopted"]}
    hall.congress.save()
    quick = _motion(hall, "一段だけ。")
    proceedings.move_motion(actor=hall.f.central, motion=quick, state="adopted")
    assert [r.motion.number for r in proceedings.resolutions(hall.congress)] == ["M1", "M2"]
