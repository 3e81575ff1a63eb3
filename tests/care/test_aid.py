"""Mutual aid: offers of help, the nearest matched to a case, the match on the timeline; a
sibling branch's offers are not seen."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branchwork.care import aid, services
from branchwork.care.models import CaseCategory, HelpMatch, HelpOffer
from branchwork.core.errors import PermissionDeniedError
from branchwork.people.models import Person
from tests.conftest import MARK_B, Federation, make_person, make_user, signed_in


def offer(federation: Federation, unit: object, kinds: list[str], **kw: object) -> HelpOffer:
    person = make_person(unit, marker=str(kw.pop("marker", "")))  # type: ignore[arg-type]
    if "postal" in kw:
        Person.objects.filter(pk=person.pk).update(postal_code=kw.pop("postal"))
        person.refresh_from_db()
    actor = federation.regional
    return aid.offer_help(actor=actor, person=person, kinds=kinds, **kw)  # type: ignore[arg-type]


def test_nearest_offers_first_and_the_match_on_the_timeline(federation: Federation) -> None:
    worker = make_user("worker-r1", "case_worker", federation.r1)
    Person.objects.filter(pk=federation.person_a.pk).update(postal_code="5440001")
    federation.person_a.refresh_from_db()
    case = services.open_case(
        actor=worker,
        unit=federation.a,
        person=federation.person_a,
        category=CaseCategory.objects.get(code="legal_residency"),
        subject="通訳が必要",
    )
    far = offer(federation, federation.b, ["interpreting"], postal="5430001")
    near_other_district = offer(federation, federation.a, ["interpreting"], postal="5300001")
    near = offer(federation, federation.a1, ["interpreting", "visiting"], postal="5440002")
    driver = offer(federation, federation.a, ["transport"], postal="5440003")
    ranked = [o.pk for o in aid.nearby_offers(worker, case)]
    assert ranked == [near.pk, driver.pk, near_other_district.pk, far.pk]
    only = [o.pk for o in aid.nearby_offers(worker, case, kind="interpreting")]
    assert only == [near.pk, near_other_district.pk, far.pk]
    client = signed_in(worker)
    page = client.get(reverse("care:case", args=[case.pk])).content.decode()
    assert 'id="h-aid"' in page
    client.post(reverse("care:case-action", args=[case.pk, "match"]), {"offer": near.pk})
    assert HelpMatch.objects.get().offer == near
    last = case.notes.order_by("pk").last()
    assert last is not None and near.person.display_name in last.text


def test_bad_offers_and_matches_are_refused(federation: Federation) -> None:
    with pytest.raises(ValidationError):
        aid.offer_help(actor=federation.officer_a, person=federation.person_a, kinds=[])
    with pytest.raises(ValidationError):
        aid.offer_help(actor=federation.officer_a, person=federation.person_a, kinds=["magic"])
    with pytest.raises(PermissionDeniedError):
        aid.offer_help(actor=federation.officer_a, person=federation.person_b, kinds=["visiting"])
    theirs = offer(federation, federation.b, ["visiting"])
    with pytest.raises(ValidationError):  # an offer the officer cannot see
        aid.match(actor=federation.officer_a, offer=theirs, need="買い物の手伝い")
    mine = offer(federation, federation.a, ["visiting"])
    with pytest.raises(ValidationError):  # neither a case nor a need
        aid.match(actor=federation.officer_a, offer=mine)
    aid.match(actor=federation.officer_a, offer=mine, need="買い物の手伝い")
    assert HelpMatch.objects.count() == 1


def test_a_sibling_branchs_offers_do_not_leak(federation: Federation) -> None:
    offer(federation, federation.b, ["legal"], description=f"{MARK_B} 弁護士", marker=MARK_B)
    client = signed_in(federation.officer_a)
    assert client.get(reverse("care:unit-offers", args=["B"])).status_code in (403, 404)
    for code in ("A", "R1"):
        body = client.get(reverse("care:unit-offers", args=[code])).content.decode()
        assert MARK_B not in body
    own = signed_in(federation.officer_b).get(reverse("care:unit-offers", args=["B"]))
    assert MARK_B in own.content.decode()


def test_record_an_offer_from_the_page(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    url = reverse("care:unit-offers", args=["A"])
    client.post(
        url,
        {
            "person": federation.person_a.pk,
            "kinds": ["transport", "visiting"],
            "area": "生野区",
            "availability": "土曜の午後",
        },
    )
    saved = HelpOffer.objects.get()
    assert saved.kinds == ["transport", "visiting"] and saved.area == "生野区"
    assert (
        client.post(url, {"person": federation.person_b.pk, "kinds": ["visiting"]}).status_code
        == 200
    )
    assert HelpOffer.objects.count() == 1


def test_mutual_aid_over_the_api(federation: Federation) -> None:
    from django.test import Client

    from branchwork.access.services import create_api_token

    worker = make_user("worker-a", "case_worker", federation.a)
    case = services.open_case(
        actor=worker,
        unit=federation.a,
        person=federation.person_a,
        category=CaseCategory.objects.get(code="elderly_care"),
        subject="見守り",
    )
    helper = make_person(federation.a1)
    secret = offer(federation, federation.b, ["visiting"], description=MARK_B, marker=MARK_B)
    auth = {
        "HTTP_AUTHORIZATION": "Bearer "
        + create_api_token(user=federation.officer_a, name="t", days=1)[1]
    }
    client = Client()
    made = client.post(
        "/api/v1/offers",
        {"person_id": helper.pk, "kinds": ["visiting"], "area": "生野区"},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201, made.content
    listed = client.get("/api/v1/offers?limit=100", **auth)
    assert MARK_B not in listed.content.decode()
    worker_auth = {
        "HTTP_AUTHORIZATION": "Bearer " + create_api_token(user=worker, name="t", days=1)[1]
    }
    nearby = client.get(f"/api/v1/cases/{case.pk}/nearby-offers", **worker_auth).json()
    assert [o["id"] for o in nearby] == [made.json()["id"]]
    refused = client.post(
        f"/api/v1/cases/{case.pk}/matches",
        {"offer_id": secret.pk},
        content_type="application/json",
        **worker_auth,
    )
    assert refused.status_code == 422
    matched = client.post(
        f"/api/v1/cases/{case.pk}/matches",
        {"offer_id": made.json()["id"]},
        content_type="application/json",
        **worker_auth,
    )
    assert matched.status_code == 201 and matched.json()["case_id"] == case.pk
    assert client.get(f"/api/v1/cases/{case.pk}/nearby-offers", **auth).status_code == 404
