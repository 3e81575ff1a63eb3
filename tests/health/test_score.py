"""The score: a weighted mean of 0–100 readings, indicators without anything to measure left
out, the three that cost most named in plain words; weights changed only by the federation's
administrators, every change kept and used from then on."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from branchwork.core.errors import PermissionDeniedError
from branchwork.health import services
from branchwork.health.models import Snapshot, Weights
from branchwork.health.scoring import DEFAULT_WEIGHTS, current_weights, score
from tests.conftest import Federation
from tests.health.test_metrics import OCT, october  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

FIGURES = {
    "contacted": (0.25, 25, 100),
    "youth": (0.15, 3, 20),  # half of the 30 % that counts as full marks
    "sweep_coverage": (None, 0, 0),  # no sweep yet: left out
    "newsletter_reach": (0.9, 90, 100),
    "dues": (0.5, 60000, 120000),
    "open_cases": (4.0, 4, None),
    "overdue_cases": (1.0, 1, None),
    "members": (100.0, 100, None),
    "joins": (1.0, 1, None),
    "leaves": (3.0, 3, None),
}


def test_the_score_and_its_explanation() -> None:
    result = score(FIGURES, DEFAULT_WEIGHTS)
    assert result.readings == {
        "contacted": 25.0,
        "youth": 50.0,
        "newsletter_reach": 90.0,
        "dues": 50.0,
        "cases_on_time": 75.0,
        "growth": 0.0,  # two more left than joined, of 100: 50 - 50
    }
    # (3×25 + 1×50 + 1×90 + 2×50 + 2×75 + 1×0) / (3+1+1+2+2+1) = 465 / 10
    assert result.value == 46.5
    # Costs: contacted 3×75=225, dues 2×50=100, growth 1×100=100, youth 50, cases 50, news 10.
    assert [code for code, _r in result.pulling_down()] == ["contacted", "dues", "growth"]
    with translation.override("en"):
        assert result.explanation() == [
            "Only 25% of households were in touch in the last 90 days.",
            "Only 50% of this year's dues are collected.",
            "More members left than joined this month (0 of 100).",
        ]
    with translation.override("ja"):
        assert result.explanation()[0] == "直近90日に連絡がついた世帯は25%だけです。"
    assert score({}, DEFAULT_WEIGHTS).value is None  # nothing to measure by


def test_weights_are_kept_and_used(federation: Federation, october: Federation) -> None:  # noqa: F811
    with pytest.raises(PermissionDeniedError):
        services.set_weights(actor=federation.regional, weights={"contacted": 1})
    for bad in ({"contacted": -1}, {"contacted": "a lot"}, {"magic": 1}, {"contacted": 0}):
        with pytest.raises(ValidationError):
            services.set_weights(actor=federation.central, weights=bad)
    assert current_weights() == DEFAULT_WEIGHTS
    services.set_weights(actor=federation.central, weights={"contacted": 1}, note="接触重視")
    assert current_weights()["contacted"] == 1.0 and current_weights()["dues"] == 0.0
    assert Weights.objects.count() == 1
    from branchwork.health.snapshots import compute

    compute(OCT)
    # With only "households in touch" weighing, A's score is its share in touch (1 of 3).
    a = Snapshot.objects.get(unit=federation.a, month=OCT, metric="score")
    assert a.value == pytest.approx(33.3, abs=0.05)
    nobody = Snapshot.objects.get(unit=federation.c, month=OCT, metric="score")
    assert nobody.value is None  # C has no households: nothing weighs


def test_the_weights_page(federation: Federation) -> None:
    from django.urls import reverse

    from tests.conftest import signed_in

    url = reverse("health:weights")
    regional = signed_in(federation.regional)
    page = regional.get(url)
    assert page.status_code == 200 and 'name="contacted"' not in page.content.decode()
    data = dict.fromkeys(DEFAULT_WEIGHTS, "1") | {"contacted": "5", "note": "接触重視"}
    assert regional.post(url, data).status_code == 403
    central = signed_in(federation.central)
    assert central.post(url, data).status_code == 302
    assert current_weights()["contacted"] == 5.0
    assert "接触重視" in central.get(url).content.decode()
    bad = central.post(url, data | {"dues": "11"})
    assert bad.status_code == 200 and 'class="error"' in bad.content.decode()
    assert Weights.objects.count() == 1
