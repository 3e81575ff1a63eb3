"""Polls: every voting rule (double vote, after close, not checked in, proxies, choices,
weights) and the secret ballot, read from the whole database during and after the poll."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models

from branchwork.access.models import AuditEvent
from branchwork.congress import services
from branchwork.congress.models import (
    Ballot,
    BallotChoice,
    Candidate,
    Credential,
    Delegate,
    DelegateRole,
    Election,
    NamedVote,
    Participation,
    Poll,
    PollKind,
    SealedBallot,
)
from tests.conftest import make_person

from .conftest import Hall

pytestmark = pytest.mark.django_db


def _yes_no(hall: Hall, **kw: Any) -> Poll:
    poll = services.create_poll(
        actor=hall.f.central,
        congress=hall.congress,
        title="議案第1号に賛成しますか",
        kind=PollKind.YES_NO,
        **kw,
    )
    return services.open_poll(actor=hall.f.central, poll=poll)


def _option(poll: Poll, code: str) -> int:
    return poll.options.get(code=code).pk


def test_a_named_poll_counts_each_delegate_once(hall: Hall) -> None:
    voters = hall.seat(hall.f.a, 5)
    poll = _yes_no(hall)
    for d, code in zip(voters, ["yes", "yes", "no", "abstain", "yes"], strict=True):
        services.cast_vote(voter=d, poll=poll, options=[_option(poll, code)])
    with pytest.raises(ValidationError, match="already been cast"):
        services.cast_vote(voter=voters[0], poll=poll, options=[_option(poll, "no")])
    poll = services.close_poll(actor=hall.f.central, poll=poll)
    by_code = {o["code"]: o["weight"] for o in poll.result["options"]}
    assert by_code == {"yes": 3, "no": 1, "abstain": 1}
    assert poll.result["carried"] is True
    assert poll.result["ballots"] == poll.result["voters"] == 5
    assert NamedVote.objects.filter(poll=poll).count() == 5
    with pytest.raises(ValidationError, match="not open"):
        services.cast_vote(
            voter=hall.seat(hall.f.a, 1)[0], poll=poll, options=[_option(poll, "no")]
        )


def test_only_checked_in_confirmed_delegates_vote(hall: Hall) -> None:
    (away,) = hall.seat(hall.f.a, 1, check_in=False)
    (present,) = hall.seat(hall.f.a, 1)
    poll = services.create_poll(
        actor=hall.f.central, congress=hall.congress, title="Q", kind=PollKind.YES_NO
    )
    with pytest.raises(ValidationError, match="not open"):
        services.cast_vote(voter=present, poll=poll, options=[_option(poll, "yes")])
    services.open_poll(actor=hall.f.central, poll=poll)
    with pytest.raises(ValidationError, match="checked in"):
        services.cast_vote(voter=away, poll=poll, options=[_option(poll, "yes")])
    alternate = services.nominate(
        actor=hall.f.central,
        congress=hall.congress,
        unit=hall.f.a,
        person=make_person(hall.f.a),
        role=DelegateRole.ALTERNATE,
    )
    services.set_credential(
        actor=hall.f.central, delegate=alternate, credential=Credential.CONFIRMED
    )
    services.check_in(actor=hall.door, congress=hall.congress, code=alternate.badge_code)
    alternate.refresh_from_db()
    with pytest.raises(ValidationError, match="confirmed delegates"):
        services.cast_vote(voter=alternate, poll=poll, options=[_option(poll, "yes")])
    services.set_credential(actor=hall.f.central, delegate=present, credential=Credential.REJECTED)
    present.refresh_from_db()
    with pytest.raises(ValidationError, match="confirmed delegates"):
        services.cast_vote(voter=present, poll=poll, options=[_option(poll, "yes")])
    assert not Participation.objects.exists()


def test_choices_must_be_the_polls_and_within_its_range(hall: Hall) -> None:
    (d,) = hall.seat(hall.f.a, 1)
    other = _yes_no(hall)
    poll = services.create_poll(
        actor=hall.f.central,
        congress=hall.congress,
        title="Where next year?",
        kind=PollKind.CHOICE,
        options=["Osaka", "Tokyo", "Kobe", "Nagoya"],
        min_choices=1,
        max_choices=2,
    )
    services.open_poll(actor=hall.f.central, poll=poll)
    ids = list(poll.options.values_list("pk", flat=True))
    for bad, message in (
        ([], "from 1 to 2"),
        (ids[:3], "from 1 to 2"),
        ([_option(other, "yes")], "poll's options"),
        (["x"], "poll's options"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.cast_vote(voter=d, poll=poll, options=bad)
    assert not Participation.objects.exists() and not Ballot.objects.exists()
    services.cast_vote(voter=d, poll=poll, options=[ids[0], ids[2]])
    with pytest.raises(ValidationError, match="at least two options"):
        services.create_poll(
            actor=hall.f.central,
            congress=hall.congress,
            title="Q",
            kind=PollKind.CHOICE,
            options=["x"],
        )
    with pytest.raises(ValidationError, match="choices"):
        services.create_poll(
            actor=hall.f.central,
            congress=hall.congress,
            title="Q",
            kind=PollKind.CHOICE,
            options=["x", "y"],
            max_choices=3,
        )


def test_a_proxy_casts_the_carried_vote_separately(hall: Hall) -> None:
    holder, giver, stranger = hall.seat(hall.f.a, 3)
    (absent,) = hall.seat(hall.f.c, 1, check_in=False)
    services.give_proxy(actor=hall.f.central, giver=giver, holder=holder)
    services.give_proxy(actor=hall.f.central, giver=absent, holder=holder)
    poll = _yes_no(hall, weighted=True)
    services.set_weight(actor=hall.f.central, delegate=absent, weight=4)
    absent.refresh_from_db()
    services.cast_vote(voter=holder, poll=poll, options=[_option(poll, "yes")])
    services.cast_vote(voter=holder, poll=poll, options=[_option(poll, "no")], for_delegate=absent)
    with pytest.raises(ValidationError, match="do not carry"):
        services.cast_vote(
            voter=stranger, poll=poll, options=[_option(poll, "no")], for_delegate=giver
        )
    # The giver, here in person, votes themselves; then the holder cannot vote for them again.
    services.cast_vote(voter=giver, poll=poll, options=[_option(poll, "abstain")])
    with pytest.raises(ValidationError, match="already been cast"):
        services.cast_vote(
            voter=holder, poll=poll, options=[_option(poll, "yes")], for_delegate=giver
        )
    cast = dict(Participation.objects.filter(poll=poll).values_list("delegate", "cast_by"))
    assert cast == {holder.pk: holder.pk, absent.pk: holder.pk, giver.pk: giver.pk}
    poll = services.close_poll(actor=hall.f.central, poll=poll)
    by_code = {o["code"]: o["weight"] for o in poll.result["options"]}
    assert by_code == {"yes": 1, "no": 4, "abstain": 1}
    assert poll.result["carried"] is False
    assert poll.result["weight"] == poll.result["voters_weight"] == 6


def test_weights_sum_only_in_a_weighted_poll(hall: Hall) -> None:
    voters = hall.seat(hall.f.a, 3)
    for d, w in zip(voters, (2, 3, 7), strict=True):
        services.set_weight(actor=hall.f.central, delegate=d, weight=w)
        d.refresh_from_db()
    weighted = _yes_no(hall, weighted=True)
    plain = _yes_no(hall)
    for poll in (weighted, plain):
        for d, code in zip(voters, ("yes", "yes", "no"), strict=True):
            services.cast_vote(voter=d, poll=poll, options=[_option(poll, code)])
    weighted = services.close_poll(actor=hall.f.central, poll=weighted)
    plain = services.close_poll(actor=hall.f.central, poll=plain)
    w = {o["code"]: o["weight"] for o in weighted.result["options"]}
    p = {o["code"]: o["weight"] for o in plain.result["options"]}
    assert (w["yes"], w["no"], weighted.result["carried"]) == (5, 7, False)
    assert (p["yes"], p["no"], plain.result["carried"]) == (2, 1, True)


def test_an_election_elects_the_most_voted_for_its_seats(hall: Hall) -> None:
    voters = hall.seat(hall.f.a, 4)
    election = Election.objects.create(congress=hall.congress, title="中央委員", seats=2)
    people = [make_person(hall.f.a, family=f) for f in ("김", "이", "박")]
    for i, p in enumerate(people):
        Candidate.objects.create(election=election, person=p, position=i)
    poll = services.create_poll(
        actor=hall.f.central,
        congress=hall.congress,
        title="中央委員選挙",
        kind=PollKind.CHOICE,
        election=election,
        secret=True,
        min_choices=0,
        max_choices=2,
    )
    services.open_poll(actor=hall.f.central, poll=poll)
    kim, lee, park = poll.options.values_list("pk", flat=True)
    for d, chosen in zip(voters, ([kim, lee], [kim], [park, kim], []), strict=True):
        services.cast_vote(voter=d, poll=poll, options=chosen)
    poll = services.close_poll(actor=hall.f.central, poll=poll)
    assert poll.result["elected"] == [kim, lee] or poll.result["elected"] == [kim, park]
    assert poll.result["ballots"] == 4  # the blank ballot is counted as cast
    assert {o["id"]: o["ballots"] for o in poll.result["options"]} == {kim: 3, lee: 1, park: 1}


def test_only_the_secretariat_runs_polls(hall: Hall) -> None:
    from branchwork.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.create_poll(
            actor=hall.f.regional, congress=hall.congress, title="Q", kind=PollKind.YES_NO
        )
    poll = _yes_no(hall)
    with pytest.raises(PermissionDeniedError):
        services.close_poll(actor=hall.f.regional, poll=poll)


# --------------------------------------------------------------------------------------------
# The secret ballot, read from the whole database


def _every_row() -> list[tuple[str, dict[str, Any]]]:
    """Every row of every table, as a database administrator would read them."""
    out: list[tuple[str, dict[str, Any]]] = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            names = [c[0] for c in cur.description]
            out += [(table, dict(zip(names, row, strict=True))) for row in cur.fetchall()]
    return out


def _text(value: Any) -> str:
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex() + bytes(value).decode("latin-1")
    return str(value)


def _relations_to_people(model: type[models.Model]) -> list[str]:
    people = {"congress.delegate", "people.person", "access.user"}
    return [
        f.name
        for f in model._meta.get_fields()
        if f.is_relation
        and f.concrete
        and f.related_model is not None
        and f.related_model._meta.label_lower in people
    ]


def _physical_order(table: str, poll: Poll) -> list[str]:
    """The ballots' receipts in the order the rows lie in the table."""
    order = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cur:
        cur.execute(f'SELECT receipt FROM "{table}" WHERE poll_id = %s ORDER BY {order}', [poll.pk])  # noqa: S608
        return [r[0] for r in cur.fetchall()]


def _rank_correlation(a: list[str], b: list[str]) -> float:
    rank = {v: i for i, v in enumerate(b)}
    xs = [rank[v] for v in a]
    n = len(xs)
    d2 = sum((i - x) ** 2 for i, x in enumerate(xs))
    return 1 - 6 * d2 / (n * (n * n - 1))


def test_a_secret_ballot_is_never_stored_with_its_voter(hall: Hall) -> None:
    n = 60
    voters = hall.seat(hall.f.a, n)
    poll = _yes_no(hall, secret=True, weighted=True)
    codes = ["yes", "no", "abstain"]
    rng = random.Random(5)
    cast: list[tuple[Delegate, str, str]] = []  # in voting order
    audit_before = AuditEvent.objects.count()
    for d in voters:
        code = rng.choice(codes)
        receipt = services.cast_vote(voter=d, poll=poll, options=[_option(poll, code)])
        cast.append((d, code, receipt))

    # The tables hold nothing that links a voter to a ballot: ballots have no relation to a
    # delegate, a person or a user, and no time.
    for model in (Ballot, BallotChoice, SealedBallot):
        assert _relations_to_people(model) == []
        assert not [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.DateTimeField | models.DateField)
        ]
    assert {f.name for f in Participation._meta.concrete_fields} == {
        "id",
        "poll",
        "delegate",
        "cast_by",
        "weight",
    }

    # While the poll is open: no ballot is written, the sealed ones hold no receipt, no choice
    # and no voter in the clear, and no two seal alike; no receipt is anywhere in the database.
    assert not Ballot.objects.filter(poll=poll).exists()
    sealed = [
        bytes(s) for s in SealedBallot.objects.filter(poll=poll).values_list("sealed", flat=True)
    ]
    assert len(sealed) == len(set(sealed)) == n
    rows = _every_row()
    dump = "\n".join(_text(v) for _t, row in rows for v in row.values())
    for _d, _code, receipt in cast:
        assert receipt not in dump
    for blob in sealed:
        assert b'"o"' not in blob and b"yes" not in blob
    # The audit log says the poll was opened, and nothing about any vote.
    assert AuditEvent.objects.count() == audit_before

    poll = services.close_poll(actor=hall.f.central, poll=poll)

    # After closing: the sealed ballots are gone, every ballot is counted once, each receipt
    # is published with its choice, and the count matches what was cast.
    assert not SealedBallot.objects.exists()
    published = dict(
        Ballot.objects.filter(poll=poll).values_list("receipt", "choices__option__code")
    )
    assert published == {receipt: code for _d, code, receipt in cast}
    by_code = {o["code"]: o["ballots"] for o in poll.result["options"]}
    assert by_code == {c: sum(1 for _d, code, _r in cast if code == c) for c in codes}

    # Row order does not follow the voting order: not the ballots', not their choices', nor
    # their ids'.
    voting_order = [receipt for _d, _c, receipt in cast]
    ballots = _physical_order("congress_ballot", poll)
    by_id = list(Ballot.objects.filter(poll=poll).order_by("id").values_list("receipt", flat=True))
    choices = list(
        BallotChoice.objects.filter(ballot__poll=poll)
        .order_by("pk")
        .values_list("ballot__receipt", flat=True)
    )
    for order in (ballots, by_id, choices):
        assert sorted(order) == sorted(voting_order)
        assert abs(_rank_correlation(order, voting_order)) < 0.6
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(DISTINCT xmin::text) FROM congress_ballot WHERE poll_id = %s",
                [poll.pk],
            )
            assert cur.fetchone()[0] == 1  # one transaction wrote them all

    # The audit log: the poll was created, opened and closed; no event names a ballot.
    events = list(
        AuditEvent.objects.filter(object_type__startswith="congress.").values_list(
            "object_type", "action"
        )
    )
    assert ("congress.poll", "close") in events
    assert not [
        e
        for e in events
        if e[0]
        in {
            "congress.ballot",
            "congress.sealedballot",
            "congress.participation",
            "congress.ballotchoice",
        }
    ]
    # Who voted is known (that is public to the chair); what each voted is not.
    assert Participation.objects.filter(poll=poll).count() == n
    assert not NamedVote.objects.filter(poll=poll).exists()


def test_a_sealed_ballot_opens_only_for_its_poll(hall: Hall) -> None:
    from cryptography.exceptions import InvalidTag

    from branchwork.congress.sealing import Sealer

    (d,) = hall.seat(hall.f.a, 1)
    first = _yes_no(hall, secret=True)
    second = _yes_no(hall, secret=True)
    services.cast_vote(voter=d, poll=first, options=[_option(first, "yes")])
    blob = bytes(SealedBallot.objects.get(poll=first).sealed)
    assert Sealer(first.seal_salt, first.pk).open(blob)["o"] == [_option(first, "yes")]
    with pytest.raises(InvalidTag):
        Sealer(second.seal_salt, second.pk).open(blob)
    with pytest.raises(InvalidTag):
        Sealer(first.seal_salt, second.pk).open(blob)
