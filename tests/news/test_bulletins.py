"""Bulletins: who may write them, who reads them, the public news page and its Atom feed
(parsed with feedparser, field by field). A sibling branch's news for members or officers
appears nowhere outside it; its public news is public."""

from __future__ import annotations

import datetime as dt
from typing import Any

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from branchwork.core.errors import PermissionDeniedError
from branchwork.news import selectors, services
from branchwork.news.models import Bulletin
from tests.conftest import MARK_B, Federation, make_user, signed_in


def publish(federation: Federation, audience: str, **kw: Any) -> Bulletin:
    unit = kw.pop("unit", federation.b)
    actor = kw.pop("actor", federation.officer_b)
    texts = {
        "title_ja": kw.pop("title_ja", f"お知らせ {MARK_B} {audience}"),
        "description_ja": kw.pop("description_ja", f"本文 {MARK_B} {audience}"),
    }
    return services.publish_bulletin(actor=actor, unit=unit, audience=audience, **texts, **kw)


def test_who_reads_what(federation: Federation) -> None:
    public = publish(federation, "public")
    members = publish(federation, "members")
    officers = publish(federation, "officers")
    regional = publish(
        federation, "officers", unit=federation.r1, actor=federation.regional, title_ja="地方本部"
    )
    viewer_b = make_user("viewer-b", "viewer", federation.b)

    def seen(user: Any) -> set[int]:
        return set(selectors.visible_bulletins(user).values_list("pk", flat=True))

    # Branch B's officers read all three; the region's officers too (B is under R1).
    assert seen(federation.officer_b) >= {public.pk, members.pk, officers.pk, regional.pk}
    assert seen(federation.regional) >= {public.pk, members.pk, officers.pk}
    # A read-only helper of B reads the members' news, not the officers'; the region's
    # officers' news is for officers too.
    assert seen(viewer_b) == {public.pk, members.pk}
    # A sibling branch reads B's public news only; it reads its region's officers' news.
    assert seen(federation.officer_a) == {public.pk, regional.pk}


def test_scheduled_and_withdrawn_news_is_for_its_editors_only(federation: Federation) -> None:
    later = publish(federation, "public", published_at=timezone.now() + dt.timedelta(days=2))
    gone = publish(federation, "public")
    services.withdraw_bulletin(actor=federation.officer_b, bulletin=gone)
    assert not selectors.public_bulletins().filter(pk__in=[later.pk, gone.pk]).exists()
    assert not selectors.visible_bulletins(federation.officer_a).filter(pk__in=[later.pk, gone.pk])
    assert selectors.visible_bulletins(federation.officer_b).filter(pk=later.pk).exists()
    page = signed_in(federation.officer_b).get(reverse("news:unit-news", args=["B"]))
    assert "scheduled" in page.content.decode() or "予定" in page.content.decode()


def test_bad_bulletins_are_refused_with_a_reason(federation: Federation) -> None:
    with pytest.raises(ValidationError) as no_title:
        services.publish_bulletin(
            actor=federation.officer_b, unit=federation.b, audience="public", description_ja="x"
        )
    assert "title_ja" in no_title.value.message_dict
    with pytest.raises(ValidationError) as no_text:
        services.publish_bulletin(
            actor=federation.officer_b, unit=federation.b, audience="public", title_ko="제목"
        )
    assert "description_ko" in no_text.value.message_dict
    with pytest.raises(ValidationError):
        publish(federation, "everyone")
    with pytest.raises(ValidationError):
        publish(federation, "public", published_at=timezone.now() + dt.timedelta(days=400))
    with pytest.raises(PermissionDeniedError):
        publish(federation, "public", actor=federation.officer_a)
    with pytest.raises(PermissionDeniedError):
        publish(federation, "public", actor=make_user("viewer-b", "viewer", federation.b))
    assert not Bulletin.objects.exists()


def test_an_officer_writes_changes_and_withdraws_a_bulletin(federation: Federation) -> None:
    client = signed_in(federation.officer_b)
    url = reverse("news:bulletin-create", args=["B"])
    assert client.get(url).status_code == 200
    empty = client.post(url, {"audience": "members"})
    assert empty.status_code == 200 and not Bulletin.objects.exists()
    done = client.post(
        url,
        {"audience": "members", "title_ko": "소식", "description_ko": "본문", "title_ja": ""},
    )
    bulletin = Bulletin.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "news:bulletin", args=[bulletin.pk]
    )
    edit = reverse("news:bulletin-edit", args=[bulletin.pk])
    client.post(edit, {"audience": "public", "title_ko": "소식 2", "description_ko": "본문"})
    bulletin.refresh_from_db()
    assert bulletin.audience == "public" and bulletin.title_ko == "소식 2"
    # Another branch's officer cannot change it (and does not see its editing page).
    other = signed_in(federation.officer_a)
    assert other.get(edit).status_code == 403
    assert other.post(reverse("news:bulletin-withdraw", args=[bulletin.pk])).status_code == 403
    client.post(reverse("news:bulletin-withdraw", args=[bulletin.pk]))
    bulletin.refresh_from_db()
    assert bulletin.withdrawn_at is not None
    assert other.get(reverse("news:bulletin", args=[bulletin.pk])).status_code == 404


PRIVATE = "NWSPRIVATE"  # in the texts of B's news for members and officers


def test_sibling_news_pages_do_not_leak(federation: Federation) -> None:
    members = publish(federation, "members", title_ja=PRIVATE, description_ja=PRIVATE)
    officers = publish(federation, "officers", title_ja=PRIVATE, description_ja=PRIVATE)
    client = signed_in(federation.officer_a)
    for b in (members, officers):
        assert client.get(reverse("news:bulletin", args=[b.pk])).status_code == 404
        assert client.get(reverse("news:bulletin-edit", args=[b.pk])).status_code == 404
    assert client.get(reverse("news:unit-news", args=["B"])).status_code in (403, 404)
    own = client.get(reverse("news:unit-news", args=["A"])).content.decode()
    assert MARK_B not in own
    anonymous = Client()
    for url in (
        reverse("news:public-news", args=["B"]),
        reverse("news:public-news", args=["R1"]),
        reverse("news:atom", args=["B"]),
        reverse("news:atom", args=["FED"]),
    ):
        assert PRIVATE not in anonymous.get(url).content.decode()
    for b in (members, officers):
        assert anonymous.get(reverse("news:public-bulletin", args=["B", b.pk])).status_code == 404


def test_public_page_has_latest_items_and_more_from_the_unit(federation: Federation) -> None:
    now = timezone.now()
    items = [
        publish(
            federation,
            "public",
            title_ja=f"ニュース {i}",
            published_at=now - dt.timedelta(days=i),
        )
        for i in range(1, 14)
    ]
    publish(federation, "public", unit=federation.a, actor=federation.officer_a, title_ja="A 支部")
    client = Client()
    page = client.get(reverse("news:public-news", args=["R1"])).content.decode()
    # The region's page lists its branches' news, newest first, ten to a page.
    assert page.index("A 支部") < page.index("ニュース 1<") < page.index("ニュース 2<")
    assert "ニュース 9<" in page and "ニュース 10<" not in page
    second = client.get(reverse("news:public-news", args=["R1"]) + "?page=2").content.decode()
    assert "ニュース 10<" in second
    item = client.get(reverse("news:public-bulletin", args=["B", items[0].pk])).content.decode()
    assert "ニュース 1<" in item
    more = item.split('id="h-more"')[1]
    assert "ニュース 2<" in more and "A 支部" not in more  # more from this unit only
    assert more.count("<li>") == selectors.MORE_FROM_UNIT
    assert client.get(reverse("news:public-news", args=["NOPE"])).status_code == 404


def test_atom_feed_parses_field_by_field(federation: Federation) -> None:
    when = timezone.now().replace(microsecond=0) - dt.timedelta(hours=3)
    bulletin = services.publish_bulletin(
        actor=federation.officer_b,
        unit=federation.b,
        audience="public",
        published_at=when,
        title_ja="夏祭りのお知らせ",
        description_ja="八月に夏祭りを開きます。",
        title_ko="여름 축제 안내",
        description_ko="팔월에 여름 축제를 엽니다.",
    )
    publish(federation, "members", title_ja="会員向け")
    response = Client().get(reverse("news:atom", args=["R1"]) + "?lang=ko")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.language == "ko"
    assert feed.feed.link.endswith(reverse("news:public-news", args=["R1"]))
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    assert entry.title == "여름 축제 안내"
    assert entry.summary == "팔월에 여름 축제를 엽니다."
    assert entry.link.endswith(reverse("news:public-bulletin", args=["B", bulletin.pk]))
    published = dt.datetime(*entry.published_parsed[:6], tzinfo=dt.UTC)
    assert published == when.astimezone(dt.UTC)
    with translation.override("ko"):
        assert entry.author == bulletin.unit.name  # the unit's Korean name
    assert [t.term for t in entry.tags] == ["B"]
    japanese = feedparser.parse(Client().get(reverse("news:atom", args=["B"]) + "?lang=ja").content)
    assert japanese.entries[0].title == "夏祭りのお知らせ"


def test_feed_and_pages_take_a_fixed_number_of_queries(federation: Federation) -> None:
    def count(url: str, client: Client) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    publish(federation, "public")
    anonymous = Client()
    officer = signed_in(federation.officer_b)
    urls = [
        (reverse("news:atom", args=["R1"]), anonymous),
        (reverse("news:public-news", args=["R1"]), anonymous),
        (reverse("news:unit-news", args=["B"]), officer),
    ]
    before = [count(url, client) for url, client in urls]
    for i in range(12):
        publish(federation, "public", title_ja=f"追加 {i}")
        publish(federation, "officers", title_ja=f"役員 {i}")
    after = [count(url, client) for url, client in urls]
    assert after == before
