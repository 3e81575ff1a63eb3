"""Demo cases: a few in most branches (some overdue, some escalated to the region, one
restricted), with their timelines; the ``case-worker`` login works those of its branch."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from .models import (
    DUE_AFTER,
    Case,
    CaseCategory,
    CaseNote,
    CaseStatus,
    HelpKind,
    HelpOffer,
    Priority,
)

SUBJECTS = {
    "livelihood": ("실직 후 생활비", "失業後の生活費", "Living costs after losing a job"),
    "family_business": ("가게 운영 자금", "店の運転資金", "Working capital for the shop"),
    "legal_residency": ("체류 자격 갱신", "在留資格の更新", "Renewing a residence status"),
    "discrimination": ("가게에 혐오 낙서", "店へのヘイト落書き", "Hate graffiti on the shop"),
    "health": ("통원 동행", "通院の付き添い", "Going with them to hospital"),
    "elderly_care": ("혼자 사는 어르신 돌봄", "独居高齢者の見守り", "Looking in on an elder alone"),
    "education": ("진학 상담", "進学相談", "Advice on the next school"),
}
NOTES = ("自宅を訪問し、話を聞いた。", "区役所の窓口に同行した。", "家族と電話で話した。")


def add_care_demo(today: dt.date | None = None, rng: random.Random | None = None) -> int:
    from branchwork.access.models import User
    from branchwork.org.models import Unit, UnitKind
    from branchwork.people.models import HouseholdMember

    today = today or timezone.localdate()
    rng = rng or random.Random(17)  # noqa: S311 (fictional demo data)
    categories = {c.code: c for c in CaseCategory.objects.all()}
    worker = User.objects.filter(username="case-worker").first()
    worker_unit = worker.grants.first().unit if worker is not None else None  # type: ignore[union-attr]
    branches = list(Unit.objects.filter(kind=UnitKind.BRANCH).order_by("pk"))
    people: dict[str, list[tuple[int, int]]] = {}
    for person_id, household_id, path in (
        HouseholdMember.objects.filter(until__isnull=True, person__erased_at__isnull=True)
        .order_by("pk")
        .values_list("person_id", "household_id", "household__unit__path")
        .iterator(chunk_size=20_000)
    ):
        people.setdefault(path[:21], []).append((person_id, household_id))
    cases: list[Case] = []
    for branch in branches:
        mine = worker_unit is not None and branch.pk == worker_unit.pk
        count = 6 if mine else rng.choice((0, 1, 1, 2, 3))
        pool = people.get(branch.path[:21]) or []
        for n in range(min(count, len(pool))):
            person_id, household_id = rng.choice(pool)
            code = rng.choice(list(SUBJECTS))
            priority = rng.choice(list(Priority))
            opened = today - dt.timedelta(days=rng.randint(1, 120))
            status = rng.choice(
                [CaseStatus.NEW, CaseStatus.ASSESSED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING]
                + [CaseStatus.CLOSED] * 2
            )
            escalate = branch.parent is not None and rng.random() < 0.1
            cases.append(
                Case(
                    unit=branch.parent if escalate and branch.parent else branch,
                    person_id=person_id,
                    household_id=household_id,
                    category=categories[code],
                    subject=SUBJECTS[code][1],
                    priority=priority,
                    due_on=opened + DUE_AFTER[priority],
                    status=status,
                    assigned_to=worker if mine and n < 5 else None,
                    restricted=mine and n == 5,
                    outcome="地域の支援につないだ。" if status == CaseStatus.CLOSED else "",
                    closed_at=timezone.now() if status == CaseStatus.CLOSED else None,
                )
            )
    Case.objects.bulk_create(cases, batch_size=2000)
    # Offers of help: a few people in each branch.
    kinds = [k for k, _label in HelpKind.choices]
    offers = [
        HelpOffer(
            person_id=rng.choice(pool)[0],
            kinds=sorted(set(rng.sample(kinds, rng.randint(1, 2)))),
            area=branch.name_ja[:40],
            availability=rng.choice(("平日の昼", "土日", "夕方以降", "")),
        )
        for branch in branches
        for pool in [people.get(branch.path[:21]) or []]
        if pool
        for _ in range(rng.randint(1, 4))
    ]
    HelpOffer.objects.bulk_create(offers, batch_size=2000)
    CaseNote.objects.bulk_create(
        [CaseNote(case=c, text=rng.choice(NOTES)) for c in cases for _ in range(rng.randint(0, 2))],
        batch_size=5000,
    )
    return len(cases)


def add_sweep_demo(rng: random.Random | None = None) -> int:
    """A sweep under way in the branch officer's branch, about half of it recorded."""
    from branchwork.access.models import User
    from branchwork.people.models import HouseholdMember

    from . import sweeps
    from .models import Outcome, SweepTarget

    rng = rng or random.Random(19)  # noqa: S311 (fictional demo data)
    officer = User.objects.filter(username="branch-officer").first()
    grant = officer.grants.select_related("unit").first() if officer is not None else None
    if officer is None or grant is None:
        return 0
    residents = HouseholdMember.objects.filter(
        household__unit__path__startswith=grant.unit.path, until__isnull=True
    )
    if not residents.exists():
        return 0  # a demo without residents (bench/import.py's template) has nothing to sweep
    sweep = sweeps.start_sweep(actor=officer, unit=grant.unit, title="台風後の安否確認")
    sweeps.assign_targets(actor=officer, sweep=sweep)
    outcomes = [Outcome.OK] * 6 + [Outcome.UNREACHABLE, Outcome.NEEDS_HELP]
    for target in (
        SweepTarget.objects.filter(sweep=sweep).select_related("assigned_to").order_by("pk")
    ):
        if rng.random() < 0.5 and target.assigned_to is not None:
            outcome = rng.choice(outcomes)
            sweeps.record_outcome(
                actor=target.assigned_to,
                target=target,
                outcome=outcome,
                needs=sweep.needs[:1] if outcome == Outcome.NEEDS_HELP else [],
            )
    return sweep.targets.count()
