"""Demo news: bulletins of the federation, its regions and branches (public, for members and
for officers, one scheduled), newsletter consents for about half the people with an address,
a newsletter each region sent last month (its deliveries as they ended) and a draft in some
branches. Nothing is mailed: the demo's deliveries are history."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from django.utils import timezone

from branchwork.org.models import Unit, UnitKind
from branchwork.people.models import Consent, ConsentKind, Person

from .models import Bulletin, Delivery, Newsletter

BULLETINS = [
    # audience, ko, ja, en (title | text)
    (
        "public",
        ("가을 문화제 안내", "올해도 가을 문화제를 엽니다. 누구나 오실 수 있습니다."),
        ("秋の文化祭のご案内", "今年も秋の文化祭を開きます。どなたでもお越しください。"),
        ("Autumn cultural festival", "The autumn cultural festival is on again; all are welcome."),
    ),
    (
        "public",
        (
            "우리말 교실 수강생 모집",
            "어린이와 어른을 위한 우리말 교실의 새 학기 수강생을 모집합니다.",
        ),
        (
            "ウリマル教室 受講生募集",
            "子どもと大人のためのウリマル教室、新学期の受講生を募集します。",
        ),
        ("Korean classes: new term", "Korean classes for children and adults open a new term."),
    ),
    (
        "members",
        ("회비 납부 안내", "올해 회비 납부 기한은 12월 말입니다. 지부 사무실에서 받습니다."),
        ("会費納入のお願い", "今年度の会費の納入期限は12月末です。支部事務所で受け付けます。"),
        ("Dues for this year", "This year's dues are due by the end of December."),
    ),
    (
        "members",
        ("경로 잔치", "어르신들을 모시고 경로 잔치를 엽니다. 가족과 함께 오십시오."),
        ("敬老の集い", "高齢の方々をお迎えして敬老の集いを開きます。ご家族でどうぞ。"),
        ("Gathering for our elders", "A gathering to honour our elders; come with your family."),
    ),
    (
        "officers",
        ("간부 회의 일정", "다음 간부 회의는 첫째 주 토요일 오후 2시입니다."),
        ("役員会の日程", "次回の役員会は第1土曜日の午後2時からです。"),
        ("Officers' meeting", "The next officers' meeting is on the first Saturday, 2 pm."),
    ),
]

NEWSLETTER = (
    ("{unit} 소식", "이번 달의 행사와 소식을 전해 드립니다."),
    ("{unit}だより", "今月の行事とお知らせをお届けします。"),
    ("{unit} news", "This month's events and news."),
)


def _bulletin(unit: Unit, entry: tuple, when: dt.datetime) -> Bulletin:  # type: ignore[type-arg]
    audience, ko, ja, en = entry
    return Bulletin(
        unit=unit,
        audience=audience,
        published_at=when,
        title_ko=ko[0],
        description_ko=ko[1],
        title_ja=ja[0],
        description_ja=ja[1],
        title_en=en[0],
        description_en=en[1],
    )


def add_news_demo(today: dt.date | None = None, rng: random.Random | None = None) -> int:
    today = today or timezone.localdate()
    rng = rng or random.Random(11)  # noqa: S311 (fictional demo data)
    now = timezone.now()
    federation = Unit.objects.filter(kind=UnitKind.FEDERATION).order_by("pk").first()
    if federation is None:
        return 0
    regions = list(Unit.objects.filter(kind=UnitKind.REGION).order_by("pk"))
    branches = list(Unit.objects.filter(kind=UnitKind.BRANCH).order_by("pk"))
    bulletins = [
        _bulletin(federation, BULLETINS[i], now - dt.timedelta(days=3 + 9 * i)) for i in (0, 1, 2)
    ]
    for region in regions:
        for i in rng.sample(range(len(BULLETINS)), 2):
            bulletins.append(
                _bulletin(region, BULLETINS[i], now - dt.timedelta(days=rng.randint(1, 60)))
            )
    for branch in branches:
        for i in rng.sample(range(len(BULLETINS)), rng.randint(1, 3)):
            bulletins.append(
                _bulletin(branch, BULLETINS[i], now - dt.timedelta(days=rng.randint(0, 90)))
            )
    if branches:  # one waiting to appear: its editors see it "scheduled"
        bulletins.append(_bulletin(branches[0], BULLETINS[0], now + dt.timedelta(days=5)))
    Bulletin.objects.bulk_create(bulletins, batch_size=2000)

    # Newsletter consents, as given on membership forms and at events.
    addressed = list(
        Person.objects.filter(erased_at__isnull=True, deceased_date__isnull=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", "unit__path", "email", "languages")
    )
    chosen = [row for row in addressed if rng.random() < 0.55]
    Consent.objects.bulk_create(
        [
            Consent(
                person_id=pk,
                kind=ConsentKind.NEWSLETTER,
                given_on=today - dt.timedelta(days=rng.randint(30, 900)),
                source=rng.choice(("入会申込書", "支部総会", "文化祭の受付")),
            )
            for pk, _path, _email, _langs in chosen
        ],
        batch_size=5000,
    )
    # Each region's newsletter of last month, sent; a draft in some branches.
    sent_at = now - dt.timedelta(days=rng.randint(20, 35))
    deliveries: list[Delivery] = []
    for region in regions:
        newsletter = Newsletter.objects.create(
            unit=region,
            status="sent",
            queued_at=sent_at,
            finished_at=sent_at + dt.timedelta(minutes=4),
            heartbeat_at=sent_at + dt.timedelta(minutes=4),
            **_newsletter_texts(region),
        )
        Newsletter.objects.filter(pk=newsletter.pk).update(created_at=sent_at)
        for pk, path, email, langs in chosen:
            if not path.startswith(region.path):
                continue
            bounced = rng.random() < 0.02
            lang = next((x for x in langs or () if x in ("ko", "ja", "en")), "ja")
            deliveries.append(
                Delivery(
                    newsletter=newsletter,
                    person_id=pk,
                    email=email,
                    language=lang,
                    status="bounced" if bounced else "sent",
                    token=secrets.token_urlsafe(16)[:22],
                    attempted_at=sent_at,
                    sent_at=None if bounced else sent_at,
                    error="refused 550" if bounced else "",
                )
            )
    Delivery.objects.bulk_create(deliveries, batch_size=5000)
    for branch in branches[: max(1, len(branches) // 5)]:
        Newsletter.objects.create(unit=branch, **_newsletter_texts(branch))
    return len(bulletins)


def _newsletter_texts(unit: Unit) -> dict[str, str]:
    (ko_t, ko_d), (ja_t, ja_d), (en_t, en_d) = NEWSLETTER
    return {
        "title_ko": ko_t.format(unit=unit.name_ko),
        "description_ko": ko_d,
        "title_ja": ja_t.format(unit=unit.name_ja),
        "description_ja": ja_d,
        "title_en": en_t.format(unit=unit.name_en),
        "description_en": en_d,
    }
