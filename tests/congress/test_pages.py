"""The congress's pages end to end (nominate, confirm, check in at the door, bind a phone, vote,
close, publish, the live status and the projector), and what another branch's officer cannot
reach."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchwork.congress import selectors, services
from branchwork.congress.models import CongressKind, Delegate, Participation, PollKind
from tests.conftest import MARK_B, make_person, signed_in

from .conftest import CUTOFF, Hall

pytestmark = pytest.mark.django_db


def _phone(hall: Hall, delegate: Delegate) -> Client:
    """A delegate's phone, bound through the pass shown at check-in."""
    door = signed_in(hall.door)
    response = door.post(
        reverse("congress:check-in", args=[hall.congress.pk]), {"code": delegate.badge_code}
    )
    assert response.status_code == 200
    url = re.search(r'id="pass-link">([^<]+)<', response.content.decode())
    assert url is not None
    phone = Client()
    assert phone.get(url.group(1)).status_code == 200
    response = phone.post(url.group(1))
    assert response.status_code == 302
    assert response["Location"] == reverse("congress:vote", args=[hall.congress.pk])
    # The pass works once.
    assert Client().post(url.group(1)).status_code == 400
    return phone


def test_a_delegate_is_nominated_confirmed_checked_in_and_votes(hall: Hall) -> None:
    f = hall.f
    officer = signed_in(f.officer_a)
    person = make_person(f.a)
    page = reverse("congress:detail", args=[hall.congress.pk])
    response = officer.post(
        page, {"nominate-unit": "A", "nominate-person": person.pk, "nominate-role": "delegate"}
    )
    assert response.status_code == 302
    delegate = Delegate.objects.get(person=person)
    # Another branch's person cannot be nominated by A's officer: not in their scope.
    response = officer.post(
        page, {"nominate-unit": "A", "nominate-person": f.person_b.pk, "nominate-role": "delegate"}
    )
    assert "No person with this number in your units." in response.content.decode()
    central = signed_in(f.central)
    central.post(reverse("congress:credential", args=[delegate.pk]), {"credential": "confirmed"})
    delegate.refresh_from_db()
    assert delegate.entitled
    phone = _phone(hall, delegate)
    poll = services.create_poll(
        actor=f.central, congress=hall.congress, title="予算案", kind=PollKind.YES_NO, secret=True
    )
    response = central.post(reverse("congress:poll-action", args=[poll.pk, "open"]))
    assert response.status_code == 302
    page = phone.get(reverse("congress:vote", args=[hall.congress.pk])).content.decode()
    assert "予算案" in page and "Secret ballot" in page
    yes = poll.options.get(code="yes").pk
    response = phone.post(reverse("congress:cast", args=[poll.pk]), {"option": yes})
    receipt = re.search(r'id="receipt">([A-Z0-9]+)<', response.content.decode())
    assert receipt is not None
    assert "Voted." in response.content.decode()
    response = phone.post(reverse("congress:cast", args=[poll.pk]), {"option": yes})
    assert response.status_code == 409
    assert "already been cast" in response.content.decode()
    # The chair sees the progress, closes, publishes; the receipt is in the published list.
    assert (
        "1 vote cast so far"
        in central.get(reverse("congress:poll", args=[poll.pk])).content.decode()
    )
    central.post(reverse("congress:poll-action", args=[poll.pk, "close"]))
    assert Client().get(reverse("congress:published", args=[poll.pk])).status_code == 404
    central.post(reverse("congress:poll-action", args=[poll.pk, "publish"]))
    published = Client().get(reverse("congress:published", args=[poll.pk])).content.decode()
    assert receipt.group(1) in published and "Yes" in published


def test_a_phone_without_a_pass_cannot_vote(hall: Hall) -> None:
    (delegate,) = hall.seat(hall.f.a, 1)
    poll = services.open_poll(
        actor=hall.f.central,
        poll=services.create_poll(
            actor=hall.f.central, congress=hall.congress, title="Q", kind=PollKind.YES_NO
        ),
    )
    stranger = Client()
    assert stranger.get(reverse("congress:vote", args=[hall.congress.pk])).status_code == 403
    response = stranger.post(
        reverse("congress:cast", args=[poll.pk]),
        {"option": poll.options.first().pk, "for": delegate.pk},  # type: ignore[union-attr]
    )
    assert response.status_code == 403
    # A signed-in officer is not a delegate's phone either.
    response = signed_in(hall.f.central).post(
        reverse("congress:cast", args=[poll.pk]),
        {"option": poll.options.first().pk},  # type: ignore[union-attr]
    )
    assert response.status_code == 403
    assert not Participation.objects.exists()


def test_a_phone_votes_only_in_its_own_congress(hall: Hall) -> None:
    delegate = services.nominate(
        actor=hall.f.central, congress=hall.congress, unit=hall.f.a, person=make_person(hall.f.a)
    )
    services.set_credential(actor=hall.f.central, delegate=delegate, credential="confirmed")
    phone = _phone(hall, delegate)
    other = services.create_congress(
        actor=hall.f.central,
        host=hall.f.fed,
        number=2,
        kind=CongressKind.CONFERENCE,
        title="other",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        quota_cutoff=CUTOFF,
    )
    poll = services.open_poll(
        actor=hall.f.central,
        poll=services.create_poll(
            actor=hall.f.central, congress=other, title="Q", kind=PollKind.YES_NO
        ),
    )
    assert phone.get(reverse("congress:vote", args=[other.pk])).status_code == 403
    response = phone.post(
        reverse("congress:cast", args=[poll.pk]), {"option": poll.options.first().pk}
    )  # type: ignore[union-attr]
    assert response.status_code == 403


def test_the_live_status_is_cached_and_answers_not_modified(
    hall: Hall, django_assert_max_num_queries: object
) -> None:
    voters = hall.seat(hall.f.a, 3)
    poll = services.open_poll(
        actor=hall.f.central,
        poll=services.create_poll(
            actor=hall.f.central, congress=hall.congress, title="Q", kind=PollKind.YES_NO
        ),
    )
    services.cast_vote(voter=voters[0], poll=poll, options=[poll.options.first().pk])  # type: ignore[union-attr]
    selectors.forget_live(hall.congress.pk)
    url = reverse("congress:live", args=[hall.congress.pk])
    client = Client()
    first = client.get(url)
    data = first.json()
    assert data["quorum"]["present"] == 3
    assert data["polls"][0]["voted"] == 1
    # Within a second, a thousand phones cost no query at all.
    with django_assert_max_num_queries(0):  # type: ignore[operator]
        for _ in range(50):
            again = client.get(url, headers={"If-None-Match": first["ETag"]})
            assert again.status_code == 304
    assert Client().get(reverse("congress:live", args=[999999])).status_code == 404
    page = Client().get(reverse("congress:projector", args=[hall.congress.pk])).content.decode()
    assert hall.congress.title in page and "projector.js" in page


def test_officers_of_a_branch_see_only_their_delegates_and_not_the_door(hall: Hall) -> None:
    f = hall.f
    hall.seat(f.b, 2, check_in=False, marker=MARK_B)
    (mine,) = hall.seat(f.a, 1, check_in=False)
    officer = signed_in(f.officer_a)
    page = officer.get(reverse("congress:detail", args=[hall.congress.pk])).content.decode()
    assert str(mine.person) in page
    assert MARK_B not in page.replace(f"{MARK_B}B 지부", "").replace(f"{MARK_B}B支部", "").replace(
        f"{MARK_B}B unit", ""
    )
    for name in ("check-in", "polls", "badges"):
        assert officer.get(reverse(f"congress:{name}", args=[hall.congress.pk])).status_code == 403
    poll = services.create_poll(
        actor=f.central, congress=hall.congress, title="Q", kind=PollKind.YES_NO
    )
    assert officer.get(reverse("congress:poll", args=[poll.pk])).status_code == 404
    assert officer.post(reverse("congress:poll-action", args=[poll.pk, "open"])).status_code == 404
    b_delegate = Delegate.objects.filter(unit=f.b).first()
    assert b_delegate is not None
    response = officer.post(
        reverse("congress:credential", args=[b_delegate.pk]), {"credential": "rejected"}
    )
    assert response.status_code == 404
    # A congress held by another region is not theirs to see.
    other = services.create_congress(
        actor=f.central,
        host=f.r2,
        number=1,
        kind=CongressKind.REGIONAL,
        title=f"{MARK_B} R2 conference",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=1),
        quota_cutoff=CUTOFF,
    )
    assert officer.get(reverse("congress:detail", args=[other.pk])).status_code == 404
    listing = officer.get(reverse("congress:list")).content.decode()
    assert hall.congress.title in listing and "R2 conference" not in listing


def test_badges_print_with_a_qr_code_for_each_confirmed_delegate(
    hall: Hall, tmp_path: object
) -> None:
    delegates = hall.seat(hall.f.a, 3, check_in=False)
    response = signed_in(hall.f.central).get(
        reverse("congress:badges", args=[hall.congress.pk]) + "?lang=ko"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    from pathlib import Path

    pdf = Path(str(tmp_path)) / "badges.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for d in delegates:
        assert d.badge_code in text
        assert d.person.family_name_hangul in text


def test_a_vote_costs_a_fixed_handful_of_queries(
    hall: Hall, django_assert_num_queries: object
) -> None:
    """The hall's hot path: session, the phone's delegate, the poll under its lock, the
    participation, the sealed ballot (and the transaction around them); nothing per option or
    per delegate of the congress."""
    first, second = hall.seat(hall.f.a, 2, check_in=False)
    phones = []
    for d in (first, second):
        services.set_credential(actor=hall.f.central, delegate=d, credential="confirmed")
        phones.append(_phone(hall, d))
    poll = services.open_poll(
        actor=hall.f.central,
        poll=services.create_poll(
            actor=hall.f.central,
            congress=hall.congress,
            title="Q",
            kind=PollKind.YES_NO,
            secret=True,
        ),
    )
    option = poll.options.get(code="yes").pk
    url = reverse("congress:cast", args=[poll.pk])
    json = {"Accept": "application/json"}
    assert phones[0].post(url, {"option": option}, headers=json).status_code == 200
    with django_assert_num_queries(7):  # type: ignore[operator]
        assert phones[1].post(url, {"option": option}, headers=json).status_code == 200
