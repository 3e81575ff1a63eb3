"""Newsletters, delivered to a real SMTP server on loopback (aiosmtpd): the segment, each
person's language, consent, the unsubscribe header and link, bounces, an empty segment, a run
interrupted with messages in hand, and the scoping of every page and route."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchwork.access.services import create_api_token
from branchwork.core.errors import PermissionDeniedError
from branchwork.news import selectors, sending, services
from branchwork.news.models import Delivery, Newsletter
from branchwork.org.models import UnitKind
from branchwork.people.models import Consent, Membership, Person
from tests.conftest import MARK_B, Federation, make_person, make_unit, signed_in
from tests.news.smtp import Keeper, start

TODAY = timezone.localdate()


@pytest.fixture
def smtp(settings: Any) -> Iterator[Keeper]:
    controller, keeper = start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = "https://branchwork.example"
    try:
        yield keeper
    finally:
        controller.stop()


def person(
    unit: Any,
    email: str,
    *,
    consent: bool = True,
    languages: list[str] | None = None,
    born: dt.date | None = None,
    marker: str = "",
) -> Person:
    p = make_person(unit, marker=marker)
    Person.objects.filter(pk=p.pk).update(email=email, languages=languages or [], birth_date=born)
    if consent:
        Consent.objects.create(person=p, kind="newsletter", given_on=TODAY, source="form")
    p.refresh_from_db()
    return p


def draft(federation: Federation, **kw: Any) -> Newsletter:
    texts = {
        "title_ja": "支部だより 8月号",
        "description_ja": "夏祭りのお知らせです。",
        "title_ko": "지부 소식 8월호",
        "description_ko": "여름 축제 안내입니다.",
    }
    texts.update(kw.pop("texts", {}))
    return services.draft_newsletter(
        actor=kw.pop("actor", federation.officer_a),
        unit=kw.pop("unit", federation.a),
        **texts,
        **kw,
    )


def test_sent_in_each_language_with_consent_only(federation: Federation, smtp: Keeper) -> None:
    korean = person(federation.a, "ko@example.jp", languages=["ko", "ja"])
    japanese = person(federation.a1, "ja@example.jp", languages=["ja"])
    english = person(federation.a, "en@example.jp", languages=["en"])  # not written: Japanese
    person(federation.a, "no-consent@example.jp", consent=False)
    withdrawn = person(federation.a, "withdrawn@example.jp")
    Consent.objects.filter(person=withdrawn).update(withdrawn_on=TODAY)
    person(federation.a, "")  # consent, but no address
    person(federation.b, "b@example.jp", marker=MARK_B)  # another branch
    newsletter = draft(federation)
    assert sending.preview(federation.officer_a, newsletter) == {
        "segment": 7,
        "recipients": 3,
    }  # with the fixture's chair
    assert sending.queue(actor=federation.officer_a, newsletter=newsletter) == 3
    counts = sending.run(newsletter.pk)
    assert counts["sent"] == 3 and counts["total"] == 3
    newsletter.refresh_from_db()
    assert newsletter.status == "sent" and newsletter.finished_at is not None
    received = {tos[0]: message for tos, message in smtp.messages}
    assert set(received) == {"ko@example.jp", "ja@example.jp", "en@example.jp"}
    assert received["ko@example.jp"]["Subject"] == "지부 소식 8월호"
    assert received["ko@example.jp"]["Content-Language"] == "ko"
    assert received["ja@example.jp"]["Subject"] == "支部だより 8月号"
    assert received["en@example.jp"]["Subject"] == "支部だより 8月号"
    for to, message in received.items():
        delivery = Delivery.objects.get(email=to)
        link = f"https://branchwork.example/u/{delivery.token}/"
        assert message["List-Unsubscribe"] == f"<{link}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        assert text is not None and html is not None
        assert link in text.get_content() and f'href="{link}"' in html.get_content()
    body = received["ko@example.jp"].get_body(("plain",))
    assert body is not None and "여름 축제 안내입니다." in body.get_content()
    assert Delivery.objects.get(person=korean).language == "ko"
    assert Delivery.objects.get(person=japanese).sent_at is not None
    assert Delivery.objects.get(person=english).language == "ja"
    # Running again (a duplicate task) sends nothing more.
    sending.run(newsletter.pk)
    assert len(smtp.messages) == 3


def test_the_segment_filters(federation: Federation, smtp: Keeper) -> None:
    young = person(federation.a, "young@example.jp", born=TODAY.replace(year=TODAY.year - 25))
    person(federation.a, "old@example.jp", born=TODAY.replace(year=TODAY.year - 70))
    thirty = person(  # thirty tomorrow: still 29 today
        federation.a,
        "twenty-nine@example.jp",
        born=(TODAY + dt.timedelta(days=1)).replace(year=TODAY.year - 30),
    )
    member = person(federation.a, "member@example.jp")
    Membership.objects.create(person=member, body=federation.fed, status="member")
    Membership.objects.create(person=young, body=federation.fed, status="former")
    youth = make_unit(federation.a, "YA", UnitKind.YOUTH_LEAGUE)
    Membership.objects.create(person=thirty, body=youth, status="member")

    def who(**segment: Any) -> set[str]:
        newsletter = draft(federation, **segment)
        people = sending.recipients(sending.segment(Person.objects.all(), newsletter)).values_list(
            "email", flat=True
        )
        return set(people)

    assert who(age_min=20, age_max=29) == {"young@example.jp", "twenty-nine@example.jp"}
    assert who(membership="members") == {"member@example.jp"}
    assert "member@example.jp" not in who(membership="non_members")
    assert who(affiliate=youth) == {"twenty-nine@example.jp"}
    assert who(min_level=4) == set()  # nobody with an address holds a post


def test_bounces_are_counted_and_the_rest_is_sent(federation: Federation, smtp: Keeper) -> None:
    person(federation.a, "bounce-me@example.jp")
    person(federation.a, "fine@example.jp")
    newsletter = draft(federation)
    sending.queue(actor=federation.officer_a, newsletter=newsletter)
    counts = sending.run(newsletter.pk)
    assert (counts["sent"], counts["bounced"]) == (1, 1)
    assert smtp.recipients() == ["fine@example.jp"]
    bounced = Delivery.objects.get(status="bounced")
    assert bounced.email == "bounce-me@example.jp" and "550" in bounced.error
    page = signed_in(federation.officer_a).get(reverse("news:newsletter", args=[newsletter.pk]))
    assert re.search(r'data-testid="bounced">1<', page.content.decode())


def test_an_interrupted_run_never_mails_twice(federation: Federation, smtp: Keeper) -> None:
    for i in range(25):
        person(federation.a, f"p{i}@example.jp")
    newsletter = draft(federation)
    sending.queue(actor=federation.officer_a, newsletter=newsletter)
    # As a worker killed with three messages in hand leaves it: claimed, not recorded.
    in_hand = list(Delivery.objects.order_by("pk").values_list("pk", flat=True)[:3])
    Delivery.objects.filter(pk__in=in_hand).update(status="sending", attempted_at=timezone.now())
    Newsletter.objects.filter(pk=newsletter.pk).update(status="sending")
    counts = sending.run(newsletter.pk)
    assert (counts["sent"], counts["unknown"]) == (22, 3)
    unknown = set(Delivery.objects.filter(pk__in=in_hand).values_list("email", flat=True))
    assert not unknown & set(smtp.recipients())
    assert len(smtp.recipients()) == len(set(smtp.recipients())) == 22
    page = signed_in(federation.officer_a).get(reverse("news:newsletter", args=[newsletter.pk]))
    assert page.content.decode().count('href="/people/') >= 3  # listed to be checked


def test_empty_segment_and_other_bad_input(federation: Federation, smtp: Keeper) -> None:
    person(federation.a, "nobody-consents@example.jp", consent=False)
    newsletter = draft(federation)
    with pytest.raises(ValidationError) as empty:
        sending.queue(actor=federation.officer_a, newsletter=newsletter)
    assert "segment" in empty.value.message_dict
    newsletter.refresh_from_db()
    assert newsletter.status == "draft" and not Delivery.objects.exists()
    client = signed_in(federation.officer_a)
    response = client.post(reverse("news:newsletter-send", args=[newsletter.pk]), follow=True)
    assert "consent" in response.content.decode() or "同意" in response.content.decode()
    with pytest.raises(ValidationError):
        draft(federation, age_min=40, age_max=30)
    with pytest.raises(ValidationError):
        draft(federation, texts={"title_en": "News", "description_en": ""})
    with pytest.raises(ValidationError):
        draft(federation, affiliate=federation.b)  # a branch, not an affiliated body
    with pytest.raises(PermissionDeniedError):
        draft(federation, unit=federation.b)
    person(federation.a, "yes@example.jp")
    sending.queue(actor=federation.officer_a, newsletter=newsletter)
    with pytest.raises(ValidationError):  # queued once
        sending.queue(actor=federation.officer_a, newsletter=newsletter)
    with pytest.raises(ValidationError):  # a queued newsletter is not changed
        services.update_newsletter(
            actor=federation.officer_a, newsletter=newsletter, title_ja="x", description_ja="y"
        )


def test_the_unsubscribe_link(federation: Federation, smtp: Keeper) -> None:
    reader = person(federation.a, "reader@example.jp", languages=["ko"])
    newsletter = draft(federation)
    sending.queue(actor=federation.officer_a, newsletter=newsletter)
    sending.run(newsletter.pk)
    token = Delivery.objects.get().token
    client = Client(enforce_csrf_checks=True)
    url = reverse("news:unsubscribe", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and "<form" in page.content.decode()
    assert Consent.objects.get(person=reader).withdrawn_on is None  # opening is not enough
    # A mail program's one-click request (RFC 8058): a POST without a session or token.
    done = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200
    assert Consent.objects.get(person=reader).withdrawn_on == TODAY
    assert client.post(url).status_code == 200  # twice is harmless
    assert client.get(reverse("news:unsubscribe", args=["forged"])).status_code == 404
    again = draft(federation)
    with pytest.raises(ValidationError):  # nobody left who may receive it
        sending.queue(actor=federation.officer_a, newsletter=again)


def test_pages_and_routes_do_not_leak(federation: Federation, smtp: Keeper) -> None:
    person(federation.b, "b-person@example.jp", marker=MARK_B)
    person(federation.a, "a-person@example.jp")
    secret = services.draft_newsletter(
        actor=federation.officer_b,
        unit=federation.b,
        title_ja=f"{MARK_B} 便り",
        description_ja=MARK_B,
    )
    sending.queue(actor=federation.officer_b, newsletter=secret)
    # A's newsletter from the region reaches no one in B unless the sender may see B.
    mine = draft(federation)
    assert sending.queue(actor=federation.officer_a, newsletter=mine) == 1
    client = signed_in(federation.officer_a)
    for name in ("news:newsletter", "news:newsletter-edit", "news:newsletter-progress"):
        assert client.get(reverse(name, args=[secret.pk])).status_code == 404
    for name in ("news:newsletter-send", "news:newsletter-resume"):
        assert client.post(reverse(name, args=[secret.pk])).status_code == 404
    assert client.get(reverse("news:unit-newsletters", args=["B"])).status_code in (403, 404)
    assert MARK_B not in client.get(reverse("news:unit-newsletters", args=["A"])).content.decode()
    token = create_api_token(user=federation.officer_a, name="t", days=1)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    api = Client()
    listed = api.get("/api/v1/newsletters?limit=100", **auth)
    assert listed.status_code == 200 and MARK_B not in listed.content.decode()
    assert api.get(f"/api/v1/newsletters/{secret.pk}", **auth).status_code == 404
    assert api.post(f"/api/v1/newsletters/{secret.pk}/send", **auth).status_code == 404


def test_an_officer_drafts_previews_and_sends_from_the_pages(
    federation: Federation, smtp: Keeper, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    person(federation.a, "one@example.jp")
    person(federation.a, "two@example.jp", consent=False)
    client = signed_in(federation.officer_a)
    form = client.get(reverse("news:newsletter-create", args=["A"]))
    assert form.status_code == 200
    made = client.post(
        reverse("news:newsletter-create", args=["A"]),
        {"title_ja": "お知らせ", "description_ja": "本文", "membership": "any"},
    )
    newsletter = Newsletter.objects.get()
    assert made["Location"] == reverse("news:newsletter", args=[newsletter.pk])
    page = client.get(made["Location"]).content.decode()
    assert 'data-testid="preview"' in page and "2" in page and "1" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("news:newsletter-send", args=[newsletter.pk]))
    newsletter.refresh_from_db()
    assert newsletter.status == "sent" and smtp.recipients() == ["one@example.jp"]
    after = client.get(reverse("news:newsletter", args=[newsletter.pk])).content.decode()
    assert re.search(r'data-testid="sent">1<', after)
    assert selectors.delivery_counts(newsletter)["sent"] == 1
