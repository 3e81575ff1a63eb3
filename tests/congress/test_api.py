"""Congresses over the API: the same rules and scoping as the pages; bad input as 422 with
nothing recorded; another branch's delegates and another region's congress out of reach."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from branchwork.access.services import create_api_token
from branchwork.congress.models import Congress, Delegate, Motion
from tests.conftest import MARK_B, make_person, make_user

from .conftest import CUTOFF, Hall

pytestmark = pytest.mark.django_db


def auth(user: object) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user, name='t', days=1)[1]}"}  # type: ignore[arg-type]


def call(method: str, url: str, who: dict[str, str], body: Any = None) -> Any:
    client = Client()
    return getattr(client, method)(
        f"/api/v1{url}", body or {}, content_type="application/json", **who
    )


def test_a_congress_through_the_api(hall: Hall) -> None:
    f = hall.f
    central, officer = auth(f.central), auth(f.officer_a)
    made = call(
        "post",
        "/congresses",
        central,
        {
            "host": "FED",
            "number": 2,
            "kind": "conference",
            "title": "第2回支部代表者会議",
            "starts_on": "2027-03-01",
            "ends_on": "2027-03-01",
            "quota_base": 0,
            "quota_cutoff": "2027-01-31",
        },
    )
    assert made.status_code == 422
    assert "at least one delegate" in made.content.decode()
    assert not Congress.objects.filter(number=2).exists()
    cid = hall.congress.pk
    quotas = call("get", f"/congresses/{cid}/quotas", officer).json()
    assert {q["unit"] for q in quotas} == {"A", "B", "C"}
    person = make_person(f.a)
    nominated = call(
        "post", f"/congresses/{cid}/delegates", officer, {"unit": "A", "person_id": person.pk}
    )
    assert nominated.status_code == 201, nominated.content
    refused = call(
        "post", f"/congresses/{cid}/delegates", officer, {"unit": "A", "person_id": f.person_b.pk}
    )
    assert refused.status_code == 422
    delegate_id = nominated.json()["id"]
    assert (
        call(
            "post", f"/delegates/{delegate_id}/credential", officer, {"credential": "confirmed"}
        ).status_code
        == 404
    )
    confirmed = call(
        "post", f"/delegates/{delegate_id}/credential", central, {"credential": "confirmed"}
    )
    assert confirmed.json()["credential"] == "confirmed"
    badge = Delegate.objects.get(pk=delegate_id).badge_code
    checked = call("post", f"/congresses/{cid}/check-in", auth(hall.door), {"code": badge})
    assert checked.status_code == 200 and len(checked.json()["voting_pass"]) == 16
    again = call("post", f"/congresses/{cid}/check-in", auth(hall.door), {"code": badge})
    assert again.status_code == 422 and "already checked in" in again.content.decode()
    assert call("get", f"/congresses/{cid}/quorum", officer).json()["present"] == 1
    # Motions and an amendment to a paragraph that does not exist.
    motion = call(
        "post",
        f"/congresses/{cid}/motions",
        officer,
        {"unit": "A", "title": "議案", "text": "一。\n\n二。"},
    )
    assert motion.status_code == 201, motion.content
    mid = motion.json()["id"]
    bad = call(
        "post",
        f"/motions/{mid}/amendments",
        officer,
        {"unit": "A", "paragraph": 3, "title": "修正", "text": "三。"},
    )
    assert bad.status_code == 422 and "does not exist" in bad.content.decode()
    assert Motion.objects.count() == 1
    for state in ("admitted", "debated", "voted", "adopted"):
        moved = call("post", f"/motions/{mid}/state", central, {"state": state})
        assert moved.status_code == 200, moved.content
    resolutions = call("get", f"/congresses/{cid}/resolutions", officer).json()
    assert resolutions == [{"number": "M1", "title": "議案", "paragraphs": ["一。", "二。"]}]
    # A poll, run by the secretariat; its result is public to the congress once published.
    poll = call(
        "post", f"/congresses/{cid}/polls", central, {"title": "承認", "kind": "yes_no"}
    ).json()
    assert call("get", f"/congresses/{cid}/polls", officer).status_code == 404
    assert call("post", f"/polls/{poll['id']}/open", officer).status_code == 404
    for action in ("open", "close", "publish"):
        assert call("post", f"/polls/{poll['id']}/{action}", central).status_code == 200
    published = call("get", f"/polls/{poll['id']}", officer).json()
    assert published["state"] == "published" and published["result"]["ballots"] == 0


def test_the_api_keeps_other_units_out(hall: Hall) -> None:
    f = hall.f
    hall.seat(f.b, 2, check_in=False, marker=MARK_B)
    hall.seat(f.a, 1, check_in=False)
    listing = call("get", f"/congresses/{hall.congress.pk}/delegates", auth(f.officer_a))
    assert listing.status_code == 200
    assert MARK_B not in listing.content.decode()
    assert len(listing.json()["items"]) == 1
    regional = Congress.objects.create(
        host=f.r1,
        number=1,
        kind="regional",
        title=f"{MARK_B} R1",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=1),
        quota_cutoff=CUTOFF,
    )
    officer_c = auth(make_user("officer-c", "officer", f.c))
    for url in (
        f"/congresses/{regional.pk}",
        f"/congresses/{regional.pk}/quotas",
        f"/congresses/{regional.pk}/delegates",
        f"/congresses/{regional.pk}/agenda",
        f"/congresses/{regional.pk}/motions",
        f"/congresses/{regional.pk}/resolutions",
    ):
        assert call("get", url, officer_c).status_code == 404, url
    names = [c["title"] for c in call("get", "/congresses", officer_c).json()["items"]]
    assert hall.congress.title in names and regional.title not in names
