"""What changes a congress: its quotas, delegates and credentials, proxies, check-in and the
voting passes, and polls (open, vote, close, publish).

Permissions: the host unit's administrators are the secretariat (quotas, credentials, proxies,
polls); officers who may edit the host check delegates in at the door; a unit's officers who
may edit it nominate its delegates. A vote is cast by a delegate's phone, bound to the delegate
by the one-time pass shown at check-in.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core import faults
from branchwork.core.bulk import bulk_insert
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit, UnitStatus

from .models import (
    YES_NO_LABELS,
    Ballot,
    BallotChoice,
    Congress,
    Credential,
    Delegate,
    DelegateRole,
    NamedVote,
    Participation,
    Poll,
    PollKind,
    PollOption,
    PollState,
    Proxy,
    Quota,
    SealedBallot,
)
from .sealing import Sealer, new_salt

# Badge and pass codes: no letters a tired eye confuses (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BADGE_LENGTH = 10
RECEIPT_LENGTH = 10


def _code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _require(actor: Any, perm: str, unit: Unit) -> None:
    if not scope_for(actor).has(perm, unit):
        raise PermissionDeniedError(perm)


# --------------------------------------------------------------------------------------------
# Congresses and quotas


@transaction.atomic
def create_congress(*, actor: Any, host: Unit, **fields: Any) -> Congress:
    _require(actor, "admin", host)
    congress = Congress(host=host, **fields)
    _check_rule(congress)
    congress.full_clean()
    congress.save()
    audit.record(actor=actor, action="create", obj=congress, unit_id=host.pk, fields=fields)
    return congress


def _check_rule(congress: Congress) -> None:
    if congress.quota_base < 1:
        raise invalid(
            "quota_base",
            _("Every unit must send at least one delegate: the base cannot be 0."),
        )
    if congress.ends_on < congress.starts_on:
        raise invalid("ends_on", _("The last day cannot come before the first."))


@dataclass(frozen=True)
class QuotaLine:
    unit: Unit
    members: int
    delegates: int
    alternates: int


def members_at_cutoff(congress: Congress, units: Sequence[Unit]) -> dict[int, int]:
    """Members of the association at the cut-off date, counted by delegating unit (its whole
    subtree) in SQL: one grouped query per depth of unit."""
    from branchwork.people.models import Membership

    day = congress.quota_cutoff
    in_force = (
        Q(status="member", body__kind="federation", person__erased_at__isnull=True)
        & (Q(joined__isnull=True) | Q(joined__lte=day))
        & (Q(left__isnull=True) | Q(left__gt=day))
        & (Q(person__deceased_date__isnull=True) | Q(person__deceased_date__gt=day))
    )
    by_path = {u.path: u.pk for u in units}
    counts: dict[int, int] = dict.fromkeys(by_path.values(), 0)
    for length in sorted({len(p) for p in by_path}):
        rows = (
            Membership.objects.filter(in_force, person__unit__path__startswith=congress.host.path)
            .annotate(owner=Substr("person__unit__path", 1, length))
            .values("owner")
            .annotate(n=Count("person", distinct=True, output_field=IntegerField()))
            .values_list("owner", "n")
        )
        for owner, n in rows:
            if owner in by_path and len(owner) == length:
                counts[by_path[owner]] = int(n)
    return counts


def quota_lines(congress: Congress) -> list[QuotaLine]:
    """The quota each delegating unit gets from the congress's rule (not stored)."""
    units = list(
        Unit.objects.filter(
            path__startswith=congress.host.path,
            kind=congress.delegating_kind,
            status=UnitStatus.ACTIVE,
        ).order_by("code")
    )
    members = members_at_cutoff(congress, units)
    per = congress.quota_per_members
    return [
        QuotaLine(
            unit=u,
            members=members[u.pk],
            delegates=congress.quota_base + (members[u.pk] // per if per else 0),
            alternates=congress.quota_alternates,
        )
        for u in units
    ]


@transaction.atomic
def set_quotas(*, actor: Any, congress: Congress) -> list[Quota]:
    """Work the quotas out from the rule and store them. Refused once a unit has nominated more
    delegates than its new quota allows."""
    _require(actor, "admin", congress.host)
    _check_rule(congress)
    lines = quota_lines(congress)
    if not lines:
        raise invalid(
            "delegating_kind", _("No unit of this kind under the host unit sends delegates.")
        )
    taken = dict(
        Delegate.objects.filter(congress=congress, role=DelegateRole.DELEGATE)
        .exclude(credential=Credential.REJECTED)
        .values("unit")
        .annotate(n=Count("pk"))
        .values_list("unit", "n")
    )
    for line in lines:
        if taken.get(line.unit.pk, 0) > line.delegates:
            raise invalid(
                "__all__",
                _("%(unit)s has already nominated more delegates than this rule gives it.")
                % {"unit": line.unit.name},
            )
    Quota.objects.filter(congress=congress).delete()
    quotas = Quota.objects.bulk_create(
        Quota(
            congress=congress,
            unit=line.unit,
            members=line.members,
            delegates=line.delegates,
            alternates=line.alternates,
        )
        for line in lines
    )
    audit.record(
        actor=actor, action="quotas", obj=congress, unit_id=congress.host_id, fields=["quotas"]
    )
    return quotas


# --------------------------------------------------------------------------------------------
# Delegates and credentials


@transaction.atomic
def nominate(
    *, actor: Any, congress: Congress, unit: Unit, person: Any, role: str = DelegateRole.DELEGATE
) -> Delegate:
    _require(actor, "edit", unit)
    if role not in DelegateRole.values:
        raise invalid("role", _("Choose delegate or alternate."))
    quota = Quota.objects.select_for_update().filter(congress=congress, unit=unit).first()
    if quota is None:
        raise invalid("unit", _("This unit has no quota at this congress."))
    if not person.unit.path.startswith(unit.path):
        raise invalid("person", _("The delegate must belong to the unit that sends them."))
    if Delegate.objects.filter(congress=congress, person=person).exists():
        raise invalid("person", _("This person is already nominated for this congress."))
    allowed = quota.delegates if role == DelegateRole.DELEGATE else quota.alternates
    taken = (
        Delegate.objects.filter(congress=congress, unit=unit, role=role)
        .exclude(credential=Credential.REJECTED)
        .count()
    )
    if taken >= allowed:
        raise invalid(
            "person",
            _("The quota is full: %(unit)s may send %(n)s (%(role)s).")
            % {"unit": unit.name, "n": allowed, "role": DelegateRole(role).label},
        )
    delegate = Delegate.objects.create(
        congress=congress,
        unit=unit,
        person=person,
        role=role,
        badge_code=_code(BADGE_LENGTH),
        nominated_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(actor=actor, action="nominate", obj=delegate, unit_id=unit.pk, fields=["role"])
    return delegate


@transaction.atomic
def withdraw(*, actor: Any, delegate: Delegate) -> None:
    _require(actor, "edit", delegate.unit)
    if delegate.checked_in_at is not None:
        raise invalid("__all__", _("A delegate who has checked in cannot be withdrawn."))
    audit.record(actor=actor, action="withdraw", obj=delegate, unit_id=delegate.unit_id)
    Proxy.objects.filter(Q(giver=delegate) | Q(holder=delegate)).delete()
    delegate.delete()


@transaction.atomic
def set_credential(*, actor: Any, delegate: Delegate, credential: str) -> Delegate:
    _require(actor, "admin", delegate.congress.host)
    if credential not in Credential.values:
        raise invalid("credential", _("Unknown decision."))
    delegate.credential = credential
    delegate.save(update_fields=["credential"])
    if credential != Credential.CONFIRMED:
        Proxy.objects.filter(Q(giver=delegate) | Q(holder=delegate)).delete()
    audit.record(
        actor=actor,
        action="credential",
        obj=delegate,
        unit_id=delegate.unit_id,
        fields=["credential"],
    )
    return delegate


@transaction.atomic
def set_weight(*, actor: Any, delegate: Delegate, weight: int) -> Delegate:
    _require(actor, "admin", delegate.congress.host)
    if not 1 <= weight <= 1000:
        raise invalid("weight", _("A vote weighs from 1 to 1,000."))
    delegate.weight = weight
    delegate.save(update_fields=["weight"])
    audit.record(
        actor=actor, action="update", obj=delegate, unit_id=delegate.unit_id, fields=["weight"]
    )
    return delegate


@transaction.atomic
def give_proxy(*, actor: Any, giver: Delegate, holder: Delegate) -> Proxy:
    """Record that ``holder`` carries ``giver``'s vote (the giver's written authority is kept
    by the secretariat). No chains: a giver carries nobody's vote and a holder has not given
    their own; a holder carries at most the congress's limit."""
    congress = giver.congress
    _require(actor, "admin", congress.host)
    if holder.congress_id != congress.pk:
        raise invalid("holder", _("Both delegates must be at the same congress."))
    if giver.pk == holder.pk:
        raise invalid("holder", _("A delegate cannot carry their own vote."))
    # Both delegates locked, so two proxies given at once cannot make a chain or pass the limit.
    list(Delegate.objects.select_for_update().filter(pk__in=[giver.pk, holder.pk]).order_by("pk"))
    for who, field in ((giver, "giver"), (holder, "holder")):
        if not who.entitled:
            raise invalid(field, _("%(name)s is not a confirmed delegate.") % {"name": who})
    if Proxy.objects.filter(giver=giver).exists():
        raise invalid("giver", _("%(name)s has already given their vote.") % {"name": giver})
    if Proxy.objects.filter(holder=giver).exists():
        raise invalid(
            "giver",
            _("%(name)s carries other delegates' votes and cannot pass them on.") % {"name": giver},
        )
    if Proxy.objects.filter(giver=holder).exists():
        raise invalid(
            "holder",
            _("%(name)s has given their own vote away and cannot carry another.")
            % {"name": holder},
        )
    if Proxy.objects.filter(holder=holder).count() >= congress.proxy_limit:
        raise invalid(
            "holder",
            _("%(name)s already carries %(n)s votes, the most this congress allows.")
            % {"name": holder, "n": congress.proxy_limit},
        )
    proxy = Proxy.objects.create(congress=congress, giver=giver, holder=holder)
    audit.record(actor=actor, action="proxy", obj=proxy, unit_id=giver.unit_id)
    return proxy


@transaction.atomic
def revoke_proxy(*, actor: Any, proxy: Proxy) -> None:
    _require(actor, "admin", proxy.congress.host)
    audit.record(actor=actor, action="delete", obj=proxy, unit_id=proxy.giver.unit_id)
    proxy.delete()


# --------------------------------------------------------------------------------------------
# Check-in and voting passes


@dataclass(frozen=True)
class CheckIn:
    delegate: Delegate
    voting_pass: str  # shown once, as a QR code for the delegate's phone


@transaction.atomic
def check_in(*, actor: Any, congress: Congress, code: str) -> CheckIn:
    """Check in the delegate whose badge carries ``code`` and issue their voting pass."""
    _require(actor, "edit", congress.host)
    code = "".join(code.split()).upper()
    delegate = (
        Delegate.objects.select_for_update()
        .select_related("person")
        .filter(congress=congress, badge_code=code)
        .first()
    )
    if delegate is None:
        raise invalid("code", _("No delegate of this congress has this badge."))
    if delegate.credential != Credential.CONFIRMED:
        raise invalid("code", _("This delegate's credentials are not confirmed."))
    if delegate.checked_in_at is not None:
        when = timezone.localtime(delegate.checked_in_at).strftime("%H:%M")
        raise invalid(
            "code",
            _("This badge was already checked in at %(time)s.") % {"time": when},
        )
    delegate.checked_in_at = timezone.now()
    voting_pass = _code(16)
    delegate.pass_hash = _hash(voting_pass)
    delegate.save(update_fields=["checked_in_at", "pass_hash"])
    audit.record(
        actor=actor,
        action="check_in",
        obj=delegate,
        unit_id=delegate.unit_id,
        fields=["checked_in_at"],
    )
    return CheckIn(delegate, voting_pass)


@transaction.atomic
def new_pass(*, actor: Any, delegate: Delegate) -> str:
    """A new voting pass (a lost or changed phone): the old pass and the old phone stop
    working."""
    _require(actor, "edit", delegate.congress.host)
    if delegate.checked_in_at is None:
        raise invalid("__all__", _("The delegate has not checked in."))
    voting_pass = _code(16)
    delegate.pass_hash = _hash(voting_pass)
    delegate.device_key = ""
    delegate.save(update_fields=["pass_hash", "device_key"])
    audit.record(actor=actor, action="new_pass", obj=delegate, unit_id=delegate.unit_id)
    return voting_pass


@transaction.atomic
def redeem_pass(code: str) -> tuple[Delegate, str]:
    """Bind a phone to the delegate whose pass this is; the pass works once. Returns the
    delegate and the device key the phone keeps in its session."""
    code = "".join(code.split()).upper()
    delegate = (
        Delegate.objects.select_for_update().filter(pass_hash=_hash(code)).first() if code else None
    )
    if delegate is None:
        raise invalid("code", _("This voting pass is not valid, or was already used."))
    key = secrets.token_hex(32)
    delegate.pass_hash = ""
    delegate.device_key = _hash(key)
    delegate.save(update_fields=["pass_hash", "device_key"])
    return delegate, key


def delegate_for_device(delegate_id: Any, key: Any) -> Delegate | None:
    """The delegate a phone's session is bound to (None when the binding was replaced)."""
    if not delegate_id or not key:
        return None
    # A plain lookup by key (no ordering, no joins): every vote of the hall passes here.
    return Delegate.objects.filter(pk=delegate_id, device_key=_hash(str(key))).order_by().first()


# --------------------------------------------------------------------------------------------
# Polls


@transaction.atomic
def create_poll(
    *,
    actor: Any,
    congress: Congress,
    title: str,
    kind: str,
    secret: bool = False,
    weighted: bool = False,
    options: Sequence[str] = (),
    min_choices: int = 1,
    max_choices: int = 1,
    motion: Any = None,
    election: Any = None,
    item: Any = None,
) -> Poll:
    _require(actor, "admin", congress.host)
    title = (title or "").strip()
    if not title:
        raise invalid("title", _("Write the question."))
    if kind not in PollKind.values:
        raise invalid("kind", _("Choose the kind of poll."))
    labels: list[tuple[str, str, Any]] = []
    if kind == PollKind.YES_NO:
        labels = [(code, code, None) for code in YES_NO_LABELS]
        min_choices = max_choices = 1
    elif election is not None:
        labels = [("", str(c.person), c) for c in election.candidates.select_related("person")]
    else:
        labels = [("", o.strip(), None) for o in options if o.strip()]
    if kind == PollKind.CHOICE and election is None and len(labels) < 2:
        raise invalid("options", _("Give at least two options."))
    if election is not None and not labels:
        raise invalid("options", _("Add the candidates first."))
    if not (0 <= min_choices <= max_choices and 1 <= max_choices <= max(1, len(labels))):
        raise invalid(
            "max_choices",
            _("Allow from %(min)s to at most %(n)s choices.") % {"min": 0, "n": len(labels)},
        )
    poll = Poll.objects.create(
        congress=congress,
        title=title[:300],
        kind=kind,
        secret=secret,
        weighted=weighted,
        min_choices=min_choices,
        max_choices=max_choices,
        motion=motion,
        election=election,
        item=item,
        seal_salt=new_salt(),
    )
    PollOption.objects.bulk_create(
        PollOption(poll=poll, position=i, label=label[:200], code=code, candidate=candidate)
        for i, (code, label, candidate) in enumerate(labels)
    )
    audit.record(actor=actor, action="create", obj=poll, unit_id=congress.host_id)
    return poll


@transaction.atomic
def open_poll(*, actor: Any, poll: Poll) -> Poll:
    _require(actor, "admin", poll.congress.host)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.state != PollState.DRAFT:
        raise invalid("__all__", _("Only a poll that has not been opened can be opened."))
    poll.state, poll.opened_at = PollState.OPEN, timezone.now()
    poll.save(update_fields=["state", "opened_at"])
    audit.record(actor=actor, action="open", obj=poll, unit_id=poll.congress.host_id)
    return poll


def _lock_poll_shared(poll_id: int) -> Poll:
    """The poll as it is now, read under a shared lock on PostgreSQL, so that closing (which
    takes the row for update) waits for the votes being cast and no vote lands after it.
    SQLite's writers are one at a time anyway. Raises ``Poll.DoesNotExist``."""
    suffix = " FOR SHARE" if connection.vendor == "postgresql" else ""
    table = Poll._meta.db_table
    rows = list(Poll.objects.raw(f'SELECT * FROM "{table}" WHERE id = %s{suffix}', [poll_id]))  # noqa: S608
    if not rows:
        raise Poll.DoesNotExist
    return rows[0]


def cast_vote(
    *,
    voter: Delegate,
    poll: Poll | int,
    options: Sequence[int | str],
    for_delegate: Delegate | None = None,
) -> str:
    """Cast ``voter``'s vote (or, as their proxy, ``for_delegate``'s) in the poll (an object or
    its number) and return the receipt code. Refused: a poll not open, a voter not checked in or
    not entitled, a vote carried without a proxy, a wrong number of choices, and a second vote
    (the unique constraint). A poll of another congress than the voter's is refused as a
    missing permission; an unknown poll raises ``Poll.DoesNotExist``."""
    subject = for_delegate or voter
    with transaction.atomic():
        poll = _lock_poll_shared(poll if isinstance(poll, int) else poll.pk)
        if voter.congress_id != poll.congress_id or subject.congress_id != poll.congress_id:
            raise PermissionDeniedError("vote")
        if poll.state != PollState.OPEN:
            raise invalid("__all__", _("This poll is not open."))
        faults.point("vote-after-state")
        if not voter.entitled:
            raise invalid("__all__", _("Only confirmed delegates vote."))
        if voter.checked_in_at is None:
            raise invalid("__all__", _("Only delegates who have checked in vote."))
        if subject.pk != voter.pk:
            if not Proxy.objects.filter(giver=subject, holder=voter).exists():
                raise invalid("__all__", _("You do not carry this delegate's vote."))
            if not subject.entitled:
                raise invalid("__all__", _("Only confirmed delegates vote."))
        chosen = _checked_options(poll, options)
        weight = subject.weight if poll.weighted else 1
        if not _participate(poll.pk, subject.pk, voter.pk, weight):
            raise invalid("__all__", _("This vote has already been cast."))
        receipt = _code(RECEIPT_LENGTH)
        if poll.secret:
            sealer = _sealer(bytes(poll.seal_salt), poll.pk)
            SealedBallot.objects.create(
                poll=poll, sealed=sealer.seal({"o": chosen, "w": weight, "r": receipt})
            )
        else:
            NamedVote.objects.create(poll=poll, delegate=subject, options=chosen, weight=weight)
            _write_ballots(poll, [(chosen, weight, receipt)])
    return receipt


def _participate(poll_id: int, delegate_id: int, cast_by_id: int, weight: int) -> bool:
    """Record the participation; False when the delegate's vote was already cast. One
    statement (``ON CONFLICT DO NOTHING`` on the unique constraint), no savepoint."""
    table = Participation._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f'INSERT INTO "{table}" (poll_id, delegate_id, cast_by_id, weight) '  # noqa: S608
            "VALUES (%s, %s, %s, %s) ON CONFLICT (poll_id, delegate_id) DO NOTHING",
            [poll_id, delegate_id, cast_by_id, weight],
        )
        return bool(cur.rowcount == 1)


@functools.lru_cache(maxsize=64)
def _sealer(salt: bytes, poll_id: int) -> Sealer:
    return Sealer(salt, poll_id)


@functools.lru_cache(maxsize=256)
def _option_ids(poll_id: int, salt: bytes) -> frozenset[int]:
    """A poll's options (they never change once the poll is made), read once per process. The
    poll's random salt is in the key, so a number used again (a restored database, a test's
    rolled-back poll) never finds another poll's options."""
    return frozenset(PollOption.objects.filter(poll_id=poll_id).values_list("pk", flat=True))


def _checked_options(poll: Poll, options: Sequence[Any]) -> list[int]:
    try:
        chosen = sorted({int(o) for o in options})
    except (TypeError, ValueError):
        raise invalid("options", _("Choose from the poll's options.")) from None
    valid = _option_ids(poll.pk, bytes(poll.seal_salt))
    if not set(chosen) <= valid:
        raise invalid("options", _("Choose from the poll's options."))
    if not poll.min_choices <= len(chosen) <= poll.max_choices:
        if poll.min_choices == poll.max_choices:
            message = _("Choose exactly %(n)s.") % {"n": poll.max_choices}
        else:
            message = _("Choose from %(min)s to %(max)s.") % {
                "min": poll.min_choices,
                "max": poll.max_choices,
            }
        raise invalid("options", message)
    return chosen


def _write_ballots(poll: Poll, ballots: list[tuple[list[int], int, str]]) -> None:
    """Write ballots in the order given (``COPY`` on PostgreSQL), with random ids."""
    prep = Ballot._meta.get_field("id").get_db_prep_save
    ids = [prep(uuid.uuid4(), connection) for _ in ballots]
    bulk_insert(
        Ballot,
        ("id", "poll", "weight", "receipt"),
        [(pk, poll.pk, w, r) for pk, (_o, w, r) in zip(ids, ballots, strict=True)],
        prepared=True,
    )
    bulk_insert(
        BallotChoice,
        ("ballot", "option"),
        [(pk, o) for pk, (options, _w, _r) in zip(ids, ballots, strict=True) for o in options],
        prepared=True,
    )


@transaction.atomic
def close_poll(*, actor: Any, poll: Poll) -> Poll:
    """Close the poll: no vote after this. A secret poll's sealed ballots are opened, shuffled
    and written as anonymous ballots in one batch, then deleted; the tally is taken in SQL."""
    _require(actor, "admin", poll.congress.host)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.state != PollState.OPEN:
        raise invalid("__all__", _("Only an open poll can be closed."))
    if poll.secret:
        sealer = Sealer(poll.seal_salt, poll.pk)
        opened = [
            sealer.open(bytes(s))
            for s in SealedBallot.objects.filter(poll=poll).values_list("sealed", flat=True)
        ]
        secrets.SystemRandom().shuffle(opened)
        _write_ballots(poll, [(b["o"], int(b["w"]), str(b["r"])) for b in opened])
        SealedBallot.objects.filter(poll=poll).delete()
    poll.state, poll.closed_at = PollState.CLOSED, timezone.now()
    poll.result = tally(poll)
    poll.save(update_fields=["state", "closed_at", "result"])
    audit.record(actor=actor, action="close", obj=poll, unit_id=poll.congress.host_id)
    return poll


@transaction.atomic
def publish_poll(*, actor: Any, poll: Poll) -> Poll:
    _require(actor, "admin", poll.congress.host)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.state != PollState.CLOSED:
        raise invalid("__all__", _("Only a closed poll's result can be published."))
    poll.state, poll.published_at = PollState.PUBLISHED, timezone.now()
    poll.save(update_fields=["state", "published_at"])
    audit.record(actor=actor, action="publish", obj=poll, unit_id=poll.congress.host_id)
    return poll


def tally(poll: Poll) -> dict[str, Any]:
    """The count, in SQL: per option the ballots and their weight, and the totals."""
    per_option = {
        row["option"]: (int(row["ballots"]), int(row["weight"] or 0))
        for row in BallotChoice.objects.filter(ballot__poll=poll)
        .values("option")
        .annotate(ballots=Count("ballot"), weight=Sum("ballot__weight"))
        .order_by()
    }
    totals = Ballot.objects.filter(poll=poll).aggregate(n=Count("id"), w=Sum("weight"))
    cast = Participation.objects.filter(poll=poll).aggregate(n=Count("id"), w=Sum("weight"))
    options: list[dict[str, Any]] = [
        {
            "id": o.pk,
            "label": o.display,
            "code": o.code,
            "ballots": per_option.get(o.pk, (0, 0))[0],
            "weight": per_option.get(o.pk, (0, 0))[1],
        }
        for o in PollOption.objects.filter(poll=poll)
    ]
    result: dict[str, Any] = {
        "options": options,
        "ballots": int(totals["n"] or 0),
        "weight": int(totals["w"] or 0),
        "voters": int(cast["n"] or 0),
        "voters_weight": int(cast["w"] or 0),
    }
    if poll.kind == PollKind.YES_NO:
        by_code = {o["code"]: o["weight"] for o in options}
        result["carried"] = by_code.get("yes", 0) > by_code.get("no", 0)
    elif poll.election_id is not None:
        seats = poll.election.seats if poll.election else 1
        ranked = sorted(options, key=lambda o: (-int(o["weight"]), int(o["id"])))
        result["elected"] = [o["id"] for o in ranked[:seats] if int(o["weight"]) > 0]
    return result


# --------------------------------------------------------------------------------------------
# Quorum


def quorum(congress: Congress) -> dict[str, int]:
    """Weight entitled to vote, and present: confirmed delegates checked in, or whose vote is
    carried by a delegate who is."""
    entitled = Delegate.objects.filter(
        congress=congress, role=DelegateRole.DELEGATE, credential=Credential.CONFIRMED
    )
    present = entitled.filter(
        Q(checked_in_at__isnull=False) | Q(proxy_given__holder__checked_in_at__isnull=False)
    )
    e = entitled.aggregate(n=Count("pk"), w=Sum("weight"))
    p = present.aggregate(n=Count("pk"), w=Sum("weight"))
    return {
        "entitled": int(e["n"] or 0),
        "entitled_weight": int(e["w"] or 0),
        "present": int(p["n"] or 0),
        "present_weight": int(p["w"] or 0),
    }
