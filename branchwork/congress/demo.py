"""Demo congresses: last year's congress, closed, with its resolution; and this year's, in
session: quotas from membership, two delegates and an alternate per branch (up to the quota)
with their credentials confirmed, half of them checked in, an agenda under way with speakers,
a motion with an amendment, and a published secret poll."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from branchwork.access.models import User
from branchwork.org.models import Unit, UnitKind
from branchwork.people.models import Person

from . import proceedings, services
from .models import CongressKind, CongressStatus, Credential, DelegateRole, PollKind, SpeechKind

PER_BRANCH = 2
BRANCHES = 12  # branches that send delegates in the demo (the japan size has hundreds)


def add_congress_demo(today: dt.date, rng: random.Random | None = None) -> int:
    rng = rng or random.Random(25)  # noqa: S311 (fictional demo data)
    admin = User.objects.filter(username="central-admin").first()
    fed = Unit.objects.filter(kind=UnitKind.FEDERATION).order_by("pk").first()
    if admin is None or fed is None:
        return 0
    past = services.create_congress(
        actor=admin,
        host=fed,
        number=24,
        kind=CongressKind.CONGRESS,
        title="第24回定期大会",
        venue="東京",
        starts_on=today - dt.timedelta(days=365),
        ends_on=today - dt.timedelta(days=364),
        quota_cutoff=today - dt.timedelta(days=400),
        status=CongressStatus.CLOSED,
    )
    old = proceedings.submit_motion(
        actor=admin,
        congress=past,
        title="次世代の育成",
        text="民族教育を支える。\n\n青年の活動を広げる。",
    )
    for state in ("admitted", "debated", "voted", "adopted"):
        proceedings.move_motion(actor=admin, motion=old, state=state)

    congress = services.create_congress(
        actor=admin,
        host=fed,
        number=25,
        kind=CongressKind.CONGRESS,
        title="第25回定期大会",
        venue="東京・文京区",
        starts_on=today,
        ends_on=today + dt.timedelta(days=1),
        quota_base=2,
        quota_per_members=200,
        quota_alternates=1,
        quota_cutoff=today - dt.timedelta(days=60),
        proxy_limit=1,
        status=CongressStatus.IN_SESSION,
    )
    quotas = services.set_quotas(actor=admin, congress=congress)
    seated: list[Any] = []
    for quota in sorted(quotas, key=lambda q: q.unit.code)[:BRANCHES]:
        people = list(
            Person.objects.filter(
                unit__path__startswith=quota.unit.path,
                erased_at__isnull=True,
                birth_date__isnull=False,
            ).order_by("pk")[: PER_BRANCH + 1]
        )
        chosen = [(p, DelegateRole.DELEGATE) for p in people[: min(PER_BRANCH, quota.delegates)]]
        chosen += [(p, DelegateRole.ALTERNATE) for p in people[PER_BRANCH : PER_BRANCH + 1]]
        for person, role in chosen:
            delegate = services.nominate(
                actor=admin, congress=congress, unit=quota.unit, person=person, role=role
            )
            services.set_credential(actor=admin, delegate=delegate, credential=Credential.CONFIRMED)
            if role == DelegateRole.DELEGATE:
                seated.append(delegate)
    present = [d for d in seated if rng.random() < 0.6]
    for d in present:
        services.check_in(actor=admin, congress=congress, code=d.badge_code)
        d.refresh_from_db()
    absent = [d for d in seated if d not in present]
    if absent and present:
        services.give_proxy(actor=admin, giver=absent[0], holder=present[0])

    opening = proceedings.add_item(
        actor=admin, congress=congress, title="開会・議長団選出", planned_minutes=20
    )
    report = proceedings.add_item(
        actor=admin, congress=congress, title="活動報告と方針", planned_minutes=90
    )
    proceedings.add_item(actor=admin, congress=congress, title="役員選挙", planned_minutes=60)
    proceedings.open_item(actor=admin, item=opening)
    proceedings.open_item(actor=admin, item=report)
    motion = proceedings.submit_motion(
        actor=admin,
        congress=congress,
        title="2027年度活動方針",
        text="支部と分会の活動を強める。\n\n同胞の暮らしと権利を守る。\n\n民族教育を支える。",
    )
    motion.item = report
    motion.save(update_fields=["item"])
    proceedings.move_motion(actor=admin, motion=motion, state="admitted")
    if present:
        proceedings.submit_motion(
            congress=congress,
            delegate=present[0],
            title="第3段の修正",
            text="民族教育と奨学金を支える。",
            amends=motion,
            paragraph=3,
        )
        for d in present[1:4]:
            proceedings.ask_to_speak(delegate=d)
        if len(present) > 4:
            proceedings.ask_to_speak(delegate=present[4], kind=SpeechKind.POINT_OF_ORDER)
        speaker = proceedings.waiting(report)[0]
        proceedings.give_floor(actor=admin, speaker=speaker)
        poll = services.create_poll(
            actor=admin,
            congress=congress,
            title="議長団の承認",
            kind=PollKind.YES_NO,
            secret=True,
            item=opening,
        )
        services.open_poll(actor=admin, poll=poll)
        yes, no, abstain = (poll.options.get(code=c).pk for c in ("yes", "no", "abstain"))
        for d in present:
            choice = rng.choices([yes, no, abstain], weights=[8, 1, 1])[0]
            services.cast_vote(voter=d, poll=poll, options=[choice])
        services.close_poll(actor=admin, poll=poll)
        services.publish_poll(actor=admin, poll=poll)
    return len(seated)
