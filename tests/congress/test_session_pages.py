"""The congress in session through its pages: agenda, papers, asking to speak from the phone,
motions and amendments, resolutions and minutes as PDF; and what an officer of a unit outside
the host cannot reach."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchwork.congress import proceedings, selectors, services
from branchwork.congress.models import AgendaDocument, CongressKind, Motion, MotionState
from tests.conftest import make_user, signed_in

from .conftest import CUTOFF, Hall
from .test_pages import _phone

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_agenda_papers_and_the_speakers_list(hall: Hall) -> None:
    central = signed_in(hall.f.central)
    agenda = reverse("congress:agenda", args=[hall.congress.pk])
    response = central.post(
        agenda, {"item-title": "活動報告", "item-planned_minutes": 40, "item-description": ""}
    )
    assert response.status_code == 302
    item = hall.congress.items.get()
    central.post(reverse("congress:item-action", args=[item.pk, "open"]))
    central.post(
        reverse("congress:item-document", args=[item.pk]),
        {"file": SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")},
    )
    paper = AgendaDocument.objects.get()
    bad = central.post(
        reverse("congress:item-document", args=[item.pk]),
        {"file": SimpleUploadedFile("x.html", b"<script>", content_type="text/html")},
        follow=True,
    )
    assert "Attach a PDF" in bad.content.decode()
    # An officer of a branch reads the agenda and its paper; nobody else gets the paper.
    officer = signed_in(hall.f.officer_a)
    assert "活動報告" in officer.get(agenda).content.decode()
    assert officer.get(reverse("congress:document", args=[paper.pk])).content == PDF
    assert Client().get(reverse("congress:document", args=[paper.pk])).status_code == 404
    # A delegate asks to speak from the phone, and a point of order goes first.
    first, second = hall.seat(hall.f.a, 2, check_in=False)
    for d in (first, second):
        services.set_credential(actor=hall.f.central, delegate=d, credential="confirmed")
    phone, other = _phone(hall, first), _phone(hall, second)
    page = phone.get(reverse("congress:vote", args=[hall.congress.pk])).content.decode()
    assert "活動報告" in page and "Ask to speak" in page and "report.pdf" in page
    assert phone.get(reverse("congress:document", args=[paper.pk])).content == PDF
    speak = reverse("congress:speak", args=[hall.congress.pk])
    assert "on the speakers list" in phone.post(speak, {"kind": "speech"}).content.decode()
    assert phone.post(speak, {"kind": "speech"}).status_code == 409
    other.post(speak, {"kind": "order"})
    listing = central.get(agenda).content.decode()
    assert listing.index(str(second.person)) < listing.index("Give the floor")
    speaker = proceedings.waiting(item)[0]
    assert speaker.delegate == second
    central.post(reverse("congress:speaker", args=[speaker.pk, "start"]))
    selectors.forget_live(hall.congress.pk)
    live = Client().get(reverse("congress:live", args=[hall.congress.pk])).json()
    assert live["item"]["title"].endswith("活動報告")
    assert live["speakers"][0]["started"] is not None
    # Only the secretariat runs the agenda and the floor.
    for url in (
        reverse("congress:item-action", args=[item.pk, "close"]),
        reverse("congress:speaker", args=[speaker.pk, "end"]),
    ):
        assert officer.post(url).status_code == 404
    assert officer.post(agenda, {"item-title": "x", "item-planned_minutes": 5}).status_code == 403


def test_motions_amendments_resolutions_and_minutes(hall: Hall, tmp_path: Path) -> None:
    officer = signed_in(hall.f.officer_a)
    central = signed_in(hall.f.central)
    motions = reverse("congress:motions", args=[hall.congress.pk])
    response = officer.post(
        motions,
        {
            "motion-unit": "A",
            "motion-title": "民族教育の支援",
            "motion-text": "学校を守る。\n\n奨学金を増やす。",
        },
    )
    assert response.status_code == 302
    motion = Motion.objects.get()
    page = reverse("congress:motion", args=[motion.pk])
    response = officer.post(
        page, {"amend-paragraph": 9, "amend-title": "修正", "amend-text": "新しい段。"}
    )
    assert "Paragraph 9 does not exist: the text has 2 paragraphs." in response.content.decode()
    officer.post(
        page,
        {"amend-paragraph": 2, "amend-title": "修正", "amend-text": "奨学金を倍にする。"},
    )
    amendment = Motion.objects.get(amends=motion)
    assert (
        officer.post(
            reverse("congress:motion-state", args=[motion.pk]), {"state": "admitted"}
        ).status_code
        == 404
    )
    for target in (amendment, motion):
        for state in ("admitted", "debated", "voted", "adopted"):
            central.post(reverse("congress:motion-state", args=[target.pk]), {"state": state})
    assert Motion.objects.get(pk=motion.pk).state == MotionState.ADOPTED
    resolutions = officer.get(reverse("congress:resolutions", args=[hall.congress.pk]))
    assert "奨学金を倍にする。" in resolutions.content.decode()
    assert "奨学金を増やす。" not in resolutions.content.decode()
    pdf = officer.get(reverse("congress:resolutions-pdf", args=[hall.congress.pk]) + "?lang=ja")
    assert "奨学金を倍にする" in _text(pdf.content, tmp_path)
    # The minutes: the item, who spoke, the motion and the poll's result.
    item = proceedings.add_item(actor=hall.f.central, congress=hall.congress, title="議案審議")
    motion.item = item
    motion.save()
    proceedings.open_item(actor=hall.f.central, item=item)
    (speaker,) = hall.seat(hall.f.a, 1)
    proceedings.give_floor(actor=hall.f.central, speaker=proceedings.ask_to_speak(delegate=speaker))
    poll = services.create_poll(
        actor=hall.f.central, congress=hall.congress, title="議案第1号", kind="yes_no", item=item
    )
    services.open_poll(actor=hall.f.central, poll=poll)
    services.cast_vote(voter=speaker, poll=poll, options=[poll.options.get(code="yes").pk])
    services.close_poll(actor=hall.f.central, poll=poll)
    minutes = _text(
        officer.get(reverse("congress:minutes-pdf", args=[hall.congress.pk]) + "?lang=ko").content,
        tmp_path,
    )
    for text in ("議案審議", "民族教育の支援", "議案第1号", speaker.person.family_name_hangul):
        assert text in minutes


def test_a_congress_of_another_region_is_closed_to_its_outsiders(hall: Hall) -> None:
    f = hall.f
    regional = services.create_congress(
        actor=f.central,
        host=f.r1,
        number=5,
        kind=CongressKind.REGIONAL,
        title="R1 conference",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=1),
        quota_cutoff=CUTOFF,
    )
    item = proceedings.add_item(actor=f.central, congress=regional, title="secret plans")
    paper = proceedings.add_document(
        actor=f.central, item=item, name="plans.pdf", content_type="application/pdf", data=PDF
    )
    motion = proceedings.submit_motion(
        actor=f.central, congress=regional, title="R1 motion", text="text"
    )
    officer_c = signed_in(make_user("officer-c", "officer", f.c))
    for url in (
        reverse("congress:agenda", args=[regional.pk]),
        reverse("congress:motions", args=[regional.pk]),
        reverse("congress:resolutions", args=[regional.pk]),
        reverse("congress:resolutions-pdf", args=[regional.pk]),
        reverse("congress:minutes-pdf", args=[regional.pk]),
        reverse("congress:document", args=[paper.pk]),
        reverse("congress:motion", args=[motion.pk]),
    ):
        assert officer_c.get(url).status_code == 404, url
    # A phone bound at the federation's congress cannot read the region's papers either.
    (d,) = hall.seat(f.a, 1, check_in=False)
    services.set_credential(actor=f.central, delegate=d, credential="confirmed")
    phone = _phone(hall, d)
    assert phone.get(reverse("congress:document", args=[paper.pk])).status_code == 404
    assert phone.post(reverse("congress:speak", args=[regional.pk])).status_code == 403


def test_an_election_from_setup_to_the_elected(hall: Hall) -> None:
    from branchwork.congress.models import Election, Poll
    from tests.conftest import make_person

    central = signed_in(hall.f.central)
    page = reverse("congress:elections", args=[hall.congress.pk])
    central.post(page, {"form": "election", "title": "中央委員", "seats": 2})
    election = Election.objects.get()
    people = [make_person(hall.f.a, family=f) for f in ("김", "이", "박")]
    for p in people:
        central.post(page, {"form": "candidate", "election": election.pk, "person": p.pk})
    again = central.post(
        page, {"form": "candidate", "election": election.pk, "person": people[0].pk}
    )
    assert "already a candidate" in again.content.decode()
    officer = signed_in(hall.f.officer_a)
    assert officer.post(page, {"form": "election", "title": "x", "seats": 1}).status_code == 403
    central.post(page, {"form": "ballot", "election": election.pk})
    poll = Poll.objects.get(election=election)
    assert (poll.secret, poll.min_choices, poll.max_choices) == (True, 0, 2)
    late = central.post(
        page, {"form": "candidate", "election": election.pk, "person": make_person(hall.f.a).pk}
    )
    assert "already prepared" in late.content.decode()
    voters = hall.seat(hall.f.a, 3)
    services.open_poll(actor=hall.f.central, poll=poll)
    kim, lee, park = poll.options.values_list("pk", flat=True)
    for d, chosen in zip(voters, ([kim, lee], [kim, park], [kim]), strict=True):
        services.cast_vote(voter=d, poll=poll, options=chosen)
    with pytest.raises(Exception, match="from 0 to 2"):
        services.cast_vote(voter=hall.seat(hall.f.a, 1)[0], poll=poll, options=[kim, lee, park])
    central.post(reverse("congress:poll-action", args=[poll.pk, "close"]))
    poll.refresh_from_db()
    assert poll.result["elected"][0] == kim and len(poll.result["elected"]) == 2
    shown = central.get(reverse("congress:poll", args=[poll.pk])).content.decode()
    assert shown.count("Elected") == 2


def test_a_delegate_submits_a_motion_from_the_phone(hall: Hall) -> None:
    (d,) = hall.seat(hall.f.a, 1, check_in=False)
    services.set_credential(actor=hall.f.central, delegate=d, credential="confirmed")
    phone = _phone(hall, d)
    url = reverse("congress:phone-motion", args=[hall.congress.pk])
    empty = phone.post(url, {"title": "休日の学校", "text": " "})
    assert empty.status_code == 409 and "Write the motion" in empty.content.decode()
    done = phone.post(url, {"title": "休日の学校", "text": "週末学校を開く。"})
    assert "Your motion is submitted as M1." in done.content.decode()
    motion = Motion.objects.get()
    assert motion.submitted_by_delegate == d and motion.submitted_by_unit == hall.f.a
    assert Client().post(url, {"title": "x", "text": "y"}).status_code == 403


def test_the_history_lists_past_congresses_with_their_resolutions(hall: Hall) -> None:
    past = services.create_congress(
        actor=hall.f.central,
        host=hall.f.fed,
        number=24,
        kind=CongressKind.CONGRESS,
        title="第24回定期大会",
        starts_on=dt.date(2025, 11, 1),
        ends_on=dt.date(2025, 11, 2),
        quota_cutoff=dt.date(2025, 9, 30),
    )
    adopted = proceedings.submit_motion(
        actor=hall.f.central, congress=past, title="次世代の育成", text="育てる。"
    )
    proceedings.submit_motion(actor=hall.f.central, congress=past, title="否決案", text="x")
    for state in ("admitted", "debated", "voted", "adopted"):
        proceedings.move_motion(actor=hall.f.central, motion=adopted, state=state)
    page = signed_in(hall.f.officer_a).get(reverse("congress:list")).content.decode()
    assert "第24回定期大会" in page and "M1 次世代の育成" in page and "否決案" not in page


def test_the_secretariat_sets_the_motion_workflow(hall: Hall) -> None:
    central = signed_in(hall.f.central)
    url = reverse("congress:motions", args=[hall.congress.pk])
    page = central.get(url).content.decode()
    assert "submitted: admitted, rejected, withdrawn" in page
    bad = central.post(url, {"form": "workflow", "workflow": "submitted: approved"})
    assert "Line 1: approved is not a state of a motion." in bad.content.decode()
    assert (
        central.post(url, {"form": "workflow", "workflow": "admitted: adopted"}).status_code == 200
    )  # refused: nothing says where a submitted motion goes
    hall.congress.refresh_from_db()
    assert hall.congress.motion_workflow["submitted"] == ["admitted", "rejected", "withdrawn"]
    done = central.post(
        url, {"form": "workflow", "workflow": "submitted: adopted, rejected\nadopted:\nrejected:"}
    )
    assert done.status_code == 302
    hall.congress.refresh_from_db()
    assert hall.congress.motion_workflow == {
        "submitted": ["adopted", "rejected"],
        "adopted": [],
        "rejected": [],
    }
    officer = signed_in(hall.f.officer_a)
    assert (
        officer.post(url, {"form": "workflow", "workflow": "submitted: adopted"}).status_code == 403
    )
