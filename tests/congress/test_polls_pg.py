"""On PostgreSQL, with real concurrent transactions: closing waits for the votes being cast (so
no ballot is left behind), and two votes for one delegate cast at the same moment count once."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from branchwork.congress import services
from branchwork.congress.models import Participation, PollKind, SealedBallot

from .conftest import Hall

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_closing_waits_for_a_vote_in_flight(hall: Hall, monkeypatch: Any) -> None:
    (voter,) = hall.seat(hall.f.a, 1)
    poll = services.create_poll(
        actor=hall.f.central, congress=hall.congress, title="Q", kind=PollKind.YES_NO, secret=True
    )
    poll = services.open_poll(actor=hall.f.central, poll=poll)
    yes = poll.options.get(code="yes").pk
    reached, release = threading.Event(), threading.Event()

    def hold(name: str) -> None:
        # The vote has read that the poll is open and holds it until the test lets go.
        if name == "vote-after-state":
            reached.set()
            release.wait(timeout=10)

    from branchwork.core import faults

    monkeypatch.setattr(faults, "point", hold)
    results: dict[str, Any] = {}

    def vote() -> None:
        try:
            results["receipt"] = services.cast_vote(voter=voter, poll=poll, options=[yes])
        except ValidationError as exc:
            results["vote"] = exc.messages
        finally:
            connection.close()

    def close() -> None:
        try:
            results["closed"] = services.close_poll(actor=hall.f.central, poll=poll)
        finally:
            connection.close()

    voting = threading.Thread(target=vote)
    voting.start()
    assert reached.wait(timeout=10)
    closing = threading.Thread(target=close)
    closing.start()
    closing.join(timeout=1.5)
    blocked = closing.is_alive()  # the close waits on the vote's shared lock
    release.set()
    voting.join(timeout=10)
    closing.join(timeout=10)
    assert blocked
    assert "receipt" in results, results
    result = results["closed"].result
    assert result["ballots"] == result["voters"] == 1
    assert not SealedBallot.objects.exists()


def test_two_votes_for_one_delegate_at_once_count_once(hall: Hall) -> None:
    holder, giver = hall.seat(hall.f.a, 2)
    services.give_proxy(actor=hall.f.central, giver=giver, holder=holder)
    poll = services.open_poll(
        actor=hall.f.central,
        poll=services.create_poll(
            actor=hall.f.central, congress=hall.congress, title="Q", kind=PollKind.YES_NO
        ),
    )
    no = poll.options.get(code="no").pk
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def cast(voter: Any) -> None:
        try:
            barrier.wait(timeout=10)
            services.cast_vote(voter=voter, poll=poll, options=[no], for_delegate=giver)
            outcomes.append("cast")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(v,)) for v in (holder, giver)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(outcomes) == ["This vote has already been cast.", "cast"], outcomes
    assert Participation.objects.filter(poll=poll, delegate=giver).count() == 1
    with contextlib.suppress(Exception):
        connection.close()
