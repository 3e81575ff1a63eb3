"""Activities in the demo. The contact log: most households were visited, called or messaged
over the past year, a few long ago or never; some contacts ask for a follow-up, a handful of
them due now for the demo's officers (so their "My work" has something in it). Events: a few
per branch, past and coming, a weekly class in some, with registrations and attendance."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.utils import timezone

from branchwork.access.models import Grant
from branchwork.core.bulk import bulk_insert
from branchwork.people.models import Household, HouseholdMember

from .models import Contact, Registration

NOTES = (
    "体調を伺った。変わりなし",
    "文化公演の案内を渡した",
    "子どものウリマル教室について相談",
    "会費の件で連絡",
    "行事の手伝いを申し出てくれた",
    "お店が忙しく、また後日",
    "행사 안내를 전했다",
    "건강 상태를 여쭈었다. 별일 없음",
    "어머님 병원 동행 문의",
    "",
    "",
)
CHANNELS = ("visit", "call", "message", "meeting")
CHANNEL_WEIGHTS = (40, 35, 20, 5)
OFFICERS = ("group-leader", "branch-officer", "regional-officer")  # nearest first


def add_contact_demo(today: dt.date | None = None, rng: random.Random | None = None) -> int:
    """Contacts for the demo's households; how many were made."""
    today = today or timezone.localdate()
    rng = rng or random.Random(5)  # noqa: S311 (fictional demo data)
    officers: list[tuple[str, int]] = [
        (g.unit.path, g.user_id)
        for name in OFFICERS
        for g in Grant.objects.filter(user__username=name).select_related("unit")
    ]
    people: dict[int, list[int]] = defaultdict(list)
    current = HouseholdMember.objects.filter(until__isnull=True, person__erased_at__isnull=True)
    for household_id, person_id in current.values_list("household_id", "person_id"):
        people[household_id].append(person_id)
    homes = Household.objects.filter(~Q(address="")).values_list("pk", "unit__path").order_by("pk")
    rows = []
    for household_id, path in homes.iterator(chunk_size=5000):
        officer = next((user for where, user in officers if path.startswith(where)), None)
        draw = rng.random()
        count = 0 if draw < 0.15 else 1 if draw < 0.45 else rng.randint(2, 4)
        days = sorted((rng.randint(0, 540) for _ in range(count)), reverse=True)
        for i, ago in enumerate(days):
            on = today - dt.timedelta(days=ago)
            follow_up = done = None
            last = i == len(days) - 1
            if last and rng.random() < (0.6 if officer else 0.2):
                follow_up = max(on, today + dt.timedelta(days=rng.randint(-10, 21)))
            elif not last and rng.random() < 0.2:
                follow_up = on + dt.timedelta(days=rng.randint(7, 30))
                done = timezone.now() - dt.timedelta(days=max(0, ago - 14))
            members = people.get(household_id)
            with_person = rng.choice(members) if members and rng.random() < 0.5 else None
            rows.append(
                (
                    household_id,
                    with_person,
                    on,
                    rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
                    rng.choice(NOTES),
                    follow_up,
                    done,
                    officer,
                    timezone.now(),
                )
            )
    return bulk_insert(
        Contact,
        (
            "household",
            "person",
            "contacted_on",
            "channel",
            "note",
            "follow_up_on",
            "follow_up_done_at",
            "officer",
            "created_at",
        ),
        rows,
    )


EVENT_TITLES = {
    "cultural": ("가을 문화공연", "秋の文化公演", "Autumn cultural evening"),
    "sport": ("동포 운동회", "同胞運動会", "Community sports day"),
    "language_class": ("어린이 우리말 교실", "子どものウリマル教室", "Korean class for children"),
    "information": ("연금 설명회", "年金説明会", "Pensions information session"),
    "commemoration": ("창립 기념 모임", "創立記念の集い", "Founding anniversary gathering"),
    "friendship": ("지역 다문화 교류회", "地域の多文化交流会", "Neighbourhood friendship evening"),
    "meeting": ("분회장 회의", "分会長会議", "Group leaders' meeting"),
}


def add_event_demo(today: dt.date | None = None, rng: random.Random | None = None) -> int:
    """A few events per branch over the past and coming two months (a weekly class among
    them), with registrations of the branch's people and, for past events, who came."""
    import secrets

    from branchwork.org.models import Unit, UnitKind
    from branchwork.people.models import Person

    from .models import Event, EventKind, EventSeries

    today = today or timezone.localdate()
    rng = rng or random.Random(7)  # noqa: S311 (fictional demo data)
    kinds = {k.code: k for k in EventKind.objects.all()}
    now = timezone.now()
    branches = list(Unit.objects.filter(kind=UnitKind.BRANCH).order_by("pk"))
    people_of: dict[int, list[int]] = defaultdict(list)
    for unit_id, pk in Person.objects.filter(erased_at__isnull=True).values_list("unit_id", "pk"):
        people_of[unit_id].append(pk)
    units_under = defaultdict(list)
    for pk, path in Unit.objects.values_list("pk", "path"):
        for branch in branches:
            if path.startswith(branch.path):
                units_under[branch.pk].append(pk)
    events: list[Event] = []
    for branch in branches:
        for _n in range(rng.randint(2, 5)):
            code = rng.choice([c for c in EVENT_TITLES if c != "language_class"])
            day = today + dt.timedelta(days=rng.randint(-60, 60))
            events.append(_demo_event(branch, kinds[code], day, rng, now))
        if rng.random() < 0.5:  # a weekly class, ten sessions from a month ago
            ko, ja, en = EVENT_TITLES["language_class"]
            series = EventSeries.objects.create(
                unit=branch, kind=kinds["language_class"], title_ko=ko, title_ja=ja, title_en=en
            )
            first = today - dt.timedelta(days=28)
            for n in range(10):
                event = _demo_event(
                    branch, kinds["language_class"], first + dt.timedelta(weeks=n), rng, now
                )
                event.series = series
                events.append(event)
    for event in events:
        event.public_key = secrets.token_urlsafe(18)[:24]
    Event.objects.bulk_create(events, batch_size=1000)
    rows = []
    for event in events:
        pool = [p for u in units_under[event.unit_id] for p in people_of.get(u, [])]
        if not pool:
            continue
        chosen = rng.sample(pool, min(len(pool), rng.randint(5, event.capacity or 40)))
        for i, pk in enumerate(chosen):
            came = event.ends_at < now and rng.random() < 0.75
            # One organises and two help: the participation ladder has all its steps.
            role = "organiser" if i == 0 else "helper" if i < 3 else "participant"
            rows.append(
                (
                    event.pk,
                    pk,
                    "registered",
                    secrets.token_urlsafe(18)[:24],
                    False,
                    event.starts_at if came else None,
                    now,
                    "",
                    "",
                    role,
                )
            )
    bulk_insert(
        Registration,
        (
            "event",
            "person",
            "status",
            "code",
            "walk_in",
            "attended_at",
            "created_at",
            "guest_name",
            "guest_contact",
            "role",
        ),
        rows,
    )
    return len(events)


def _demo_event(unit: Any, kind: Any, day: dt.date, rng: random.Random, now: dt.datetime) -> Any:
    from .models import Event

    ko, ja, en = EVENT_TITLES[kind.code]
    hour = rng.choice((10, 13, 14, 18))
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return Event(
        unit=unit,
        kind=kind,
        title_ko=ko,
        title_ja=ja,
        title_en=en,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=rng.choice((1, 2, 3))),
        venue=rng.choice(("支部会館", "区民センター", "朝鮮初級学校 講堂", "公園")),
        capacity=rng.choice((None, 30, 50, 100)),
        audience="public" if kind.code == "friendship" else "members",
        created_at=now,
    )


PARTNERS = [
    ("区役所 多文化共生課", "行政", "多文化共生課 担当"),
    ("地域の日本語学校", "学校", "教頭"),
    ("市民団体 ともに生きる会", "市民団体", "事務局"),
    ("商店街振興組合", "商店街", "理事長"),
]


def add_partner_demo(rng: random.Random | None = None) -> int:
    """A partner or two for each region and for some branches, with a person to reach, and
    the branches' friendship events held with their own partner."""
    from branchwork.org.models import Unit, UnitKind

    from .models import Event, PartnerContact, PartnerOrganisation

    rng = rng or random.Random(13)  # noqa: S311 (fictional demo data)
    made: list[PartnerOrganisation] = []
    units = list(Unit.objects.filter(kind__in=[UnitKind.REGION, UnitKind.BRANCH]).order_by("pk"))
    for unit in units:
        if unit.kind == UnitKind.BRANCH and rng.random() < 0.5:
            continue
        for name, kind, role in rng.sample(PARTNERS, 2 if unit.kind == UnitKind.REGION else 1):
            made.append(
                PartnerOrganisation(
                    unit=unit,
                    name=name,
                    kind=kind,
                    contact_name=role,
                    phone=f"06-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                )
            )
    PartnerOrganisation.objects.bulk_create(made, batch_size=1000)
    PartnerContact.objects.bulk_create(
        [
            PartnerContact(
                partner=p, name=rng.choice(("佐藤", "鈴木", "高橋", "田中")), role="担当"
            )
            for p in made
            if rng.random() < 0.5
        ],
        batch_size=1000,
    )
    own = {p.unit_id: p for p in made}
    Through = Event.partners.through
    links = [
        Through(event_id=pk, partnerorganisation_id=own[unit_id].pk)
        for pk, unit_id in Event.objects.filter(kind__code="friendship").values_list(
            "pk", "unit_id"
        )
        if unit_id in own
    ]
    Through.objects.bulk_create(links, batch_size=1000)
    return len(made)
