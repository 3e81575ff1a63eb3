"""Demo money: dues rates for this fiscal year and the last, this year's dues paid by about
half the members (written in bulk: a transaction, two entries and the payment each), a few
donations per region with their receipts, and the regional treasurer's aid fund for the
region's schools: money received, one allocation approved by the central administrator and
partly paid, and one proposed and waiting on the administrator's "My work"."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.utils import timezone


def add_money_demo(today: dt.date, rng: random.Random) -> int:
    from branchwork.access.models import User
    from branchwork.education.models import Enrolment, EnrolmentStatus
    from branchwork.org.models import Unit, UnitKind
    from branchwork.people.models import Membership

    from . import ledger, services
    from .models import (
        DuesPayment,
        DuesRate,
        Entry,
        ReceiptCounter,
        Transaction,
        TransactionKind,
    )

    year = services.fiscal_year_of(today)
    fed = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
    if fed is None:
        return 0
    for fy in (year - 1, year):
        DuesRate.objects.create(body=fed, status="member", fiscal_year=fy, amount=12000)
        DuesRate.objects.create(body=fed, status="supporter", fiscal_year=fy, amount=6000)
    # Dues: about half the members paid this year's, to their branch, since April.
    branches = {u.path: u for u in Unit.objects.filter(kind=UnitKind.BRANCH)}
    width = len(next(iter(branches))) if branches else 0
    members = (
        Membership.objects.filter(body=fed, status__in=["member", "supporter"], left__isnull=True)
        .order_by("pk")
        .values_list("person_id", "status", "person__unit__path")
    )
    first, _last = services.fiscal_year_bounds(year)
    days = max(1, (today - first).days)
    paying: list[tuple[int, int, Unit, dt.date]] = []
    for person_id, status, path in members.iterator(chunk_size=20_000):
        branch = branches.get(path[:width])
        if branch is None or rng.random() >= 0.5:
            continue
        amount = 12000 if status == "member" else 6000
        paying.append((person_id, amount, branch, first + dt.timedelta(days=rng.randrange(days))))
    accounts = {}
    for branch in {b.pk: b for _p, _a, b, _d in paying}.values():
        accounts[branch.pk] = (ledger.account(branch, "cash"), ledger.account(branch, "dues"))
    now = timezone.now()
    for start in range(0, len(paying), 5000):
        chunk = paying[start : start + 5000]
        txs = Transaction.objects.bulk_create(
            [
                Transaction(
                    unit=b,
                    kind=TransactionKind.DUES,
                    booked_on=d,
                    memo=f"dues {year}",
                    created_at=now,
                )
                for _p, _a, b, d in chunk
            ]
        )
        Entry.objects.bulk_create(
            [
                Entry(transaction=tx, account=accounts[b.pk][side], amount=a if side == 0 else -a)
                for tx, (_p, a, b, _d) in zip(txs, chunk, strict=True)
                for side in (0, 1)
            ]
        )
        DuesPayment.objects.bulk_create(
            [
                DuesPayment(
                    person_id=p, unit=b, fiscal_year=year, amount=a, received_on=d, transaction=tx
                )
                for tx, (p, a, b, d) in zip(txs, chunk, strict=True)
            ]
        )
    # Donations: a few per region, with receipt numbers in sequence.
    from .models import Donation

    donors = ("㈱金山商店", "朴 英子", "李 正男", "在日同胞の会", "匿名")
    purposes = ("民族教育のために", "支部会館の修繕", "夏祭り", "災害見舞い")
    numbers: dict[tuple[int, int], int] = defaultdict(int)
    for region in Unit.objects.filter(kind=UnitKind.REGION).order_by("pk"):
        for _n in range(rng.randint(1, 3)):
            day = today - dt.timedelta(days=rng.randint(0, 200))
            amount = rng.choice((5000, 10000, 30000, 50000, 100000))
            tx = ledger.post(
                actor=None,
                unit=region,
                kind=TransactionKind.DONATION,
                booked_on=day,
                lines=[
                    (ledger.account(region, "cash"), amount),
                    (ledger.account(region, "donations"), -amount),
                ],
                memo="",
            )
            numbers[(region.pk, day.year)] += 1
            Donation.objects.create(
                unit=region,
                donor_name=rng.choice(donors),
                purpose=rng.choice(purposes),
                received_on=day,
                amount=amount,
                receipt_year=day.year,
                receipt_number=numbers[(region.pk, day.year)],
                transaction=tx,
            )
    ReceiptCounter.objects.bulk_create(
        [ReceiptCounter(unit_id=u, year=y, last=n) for (u, y), n in numbers.items()]
    )
    # The regional treasurer's aid fund for the region's schools.
    treasurer = User.objects.filter(username="regional-treasurer").first()
    admin = User.objects.filter(username="central-admin").first()
    grant = treasurer.grants.select_related("unit").first() if treasurer is not None else None
    if treasurer is None or admin is None or grant is None:
        return len(paying)
    region = grant.unit
    pupils = Enrolment.objects.filter(
        school__unit__path__startswith=region.path,
        school_year=year,
        status=EnrolmentStatus.ENROLLED,
    ).count()
    per_pupil = 50_000
    promised = max(10_000_000, pupils * per_pupil * 2)
    fund = services.create_fund(
        actor=treasurer,
        unit=region,
        name=f"{year}年度 民族教育援助費",
        source="教育援助基金",
        purpose="学校運営と奨学金",
        fiscal_year=year,
        amount=promised,
        restrictions="学校運営費と奨学金に限る。",
    )
    services.receive_into_fund(
        actor=treasurer,
        fund=fund,
        amount=promised * 3 // 4,
        received_on=first + dt.timedelta(days=10),
    )
    spring = services.create_allocation(actor=treasurer, fund=fund, title="前期 学校運営費・奨学金")
    services.grants_per_pupil(actor=treasurer, allocation=spring, per_pupil=per_pupil // 2)
    scholars = list(
        Enrolment.objects.filter(
            school__unit__path__startswith=region.path,
            school_year=year,
            status=EnrolmentStatus.ENROLLED,
            grade__gte=1,
        )
        .order_by("pk")
        .values_list("person", flat=True)
    )
    from branchwork.people.models import Person

    chosen = [p for p in scholars if rng.random() < 0.1][:200]
    for person in Person.objects.filter(pk__in=chosen).select_related("unit"):
        services.add_stipend(
            actor=treasurer, allocation=spring, person=person, amount=30_000, term="前期"
        )
    if spring.items.exists():
        services.propose(actor=treasurer, allocation=spring)
        services.decide(actor=admin, allocation=spring, approve=True)
        for item in spring.items.order_by("pk"):
            if rng.random() < 0.7:
                services.pay(actor=treasurer, item=item)
    autumn = services.create_allocation(actor=treasurer, fund=fund, title="後期 学校運営費")
    services.grants_per_pupil(actor=treasurer, allocation=autumn, per_pupil=per_pupil // 2)
    if autumn.items.exists():
        services.propose(actor=treasurer, allocation=autumn)
    return len(paying)
