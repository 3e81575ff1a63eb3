"""The contact log in the demo: most households were visited, called or messaged over the past
year, a few long ago or never; some contacts ask for a follow-up, a handful of them due now
for the demo's officers (so their "My work" has something in it)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from branchwork.access.models import Grant
from branchwork.core.bulk import bulk_insert
from branchwork.people.models import Household, HouseholdMember

from .models import Contact

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
