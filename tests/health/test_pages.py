"""The health page: a unit's score with its reasons and figures, the units under it with
trends and flags; a sibling's health refused; a fixed number of queries whatever the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branchwork.health import selectors
from branchwork.health.snapshots import compute
from tests.conftest import MARK_B, Federation, make_person, signed_in
from tests.health.test_metrics import OCT, home, october  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
SEP = dt.date(2026, 9, 1)


def test_a_branch_sees_its_health_and_its_groups(
    federation: Federation,
    october: Federation,  # noqa: F811
) -> None:
    compute(SEP)
    compute(OCT)
    client = signed_in(federation.officer_a)
    page = client.get(reverse("health:unit", args=["A"]) + "?month=2026-10")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="h-score"' in text and "<svg" in text
    assert "Only 33% of households were in touch in the last 90 days." in text
    assert "A1" in text and MARK_B not in text
    # A1 is flagged on its parent's page: nobody of its household was in touch.
    assert "The score is below 40." in text
    for code in ("B", "R1", "FED"):
        assert client.get(reverse("health:unit", args=[code])).status_code == 404
    regional = signed_in(federation.regional).get(reverse("health:unit", args=["R1"]))
    assert regional.status_code == 200 and MARK_B in regional.content.decode()  # B is below R1


def test_flags_for_a_low_or_falling_score() -> None:
    assert selectors._flag([None, 50.0]) == ""
    assert selectors._flag([70.0, 39.0]) == "The score is below 40."
    assert (
        selectors._flag([80.0, 75.0, 70.0, 65.0]) == "The score has fallen for 3 months in a row."
    )
    assert selectors._flag([80.0, 75.0, 75.0, 65.0]) == ""
    assert selectors._flag([None, 75.0, 70.0, 65.0]) == ""


def test_no_month_measured_yet(federation: Federation) -> None:
    page = signed_in(federation.officer_a).get(reverse("health:unit", args=["A"]))
    assert page.status_code == 200 and "No month has been measured yet." in page.content.decode()


def test_the_page_reads_a_fixed_number_of_queries(
    federation: Federation,
    october: Federation,  # noqa: F811
) -> None:
    client = signed_in(federation.regional)
    central = signed_in(federation.central)
    pages = [
        (client, reverse("health:unit", args=["R1"]) + "?month=2026-10"),
        (central, reverse("health:unit", args=["FED"]) + "?month=2026-10"),
        (central, reverse("health:map") + "?month=2026-10"),
        (client, reverse("health:unit-plans", args=["A"])),
    ]

    def queries() -> list[int]:
        compute(OCT)
        counts = []
        for who, url in pages:
            with CaptureQueriesContext(connection) as ctx:
                assert who.get(url).status_code == 200, url
            counts.append(len(ctx.captured_queries))
        return counts

    before = queries()
    for i in range(10):
        home(federation.a1, make_person(federation.a1), "2020-01-01")
        home(federation.b, make_person(federation.b), f"2020-01-{i + 1:02d}")
    assert queries() == before


def test_health_over_the_api(federation: Federation, october: Federation) -> None:  # noqa: F811
    from branchwork.access.services import create_api_token

    compute(OCT)
    client = signed_in(federation.officer_a)
    auth = {
        "HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=federation.officer_a, name='t', days=1)[1]}"
    }
    data = client.get("/api/v1/units/A/health?month=2026-10", **auth).json()
    assert data["unit"] == "A" and data["month"] == "2026-10-01"
    assert [c["unit"] for c in data["children"]] == ["A1"]
    assert any(r.startswith("Only 33% of households") for r in data["reasons"])
    assert {f["metric"] for f in data["figures"]} >= {"members", "contacted", "score"}
    assert MARK_B not in str(data)
    assert client.get("/api/v1/units/B/health", **auth).status_code == 404
    assert client.get("/api/v1/units/R1/health", **auth).status_code == 404


def test_the_map_of_the_regions(federation: Federation, october: Federation) -> None:  # noqa: F811
    from branchwork.org.models import UnitKind
    from tests.conftest import make_unit

    osaka = make_unit(federation.fed, "R27", UnitKind.REGION)
    home(osaka, make_person(osaka), "2020-01-01")
    compute(OCT)
    central = signed_in(federation.central).get(reverse("health:map") + "?month=2026-10")
    text = central.content.decode()
    assert central.status_code == 200
    assert text.count("<path") == 47  # every prefecture drawn
    assert 'data-unit="R27"' in text  # Osaka (27) is a link to its region's health
    assert "R1 unit" in text and "R27" in text  # the table lists every region, R1 unplaced
    regional = signed_in(federation.regional).get(reverse("health:map"))
    assert 'data-unit="R27"' not in regional.content.decode()  # not the regional officer's
    assert "R27" not in regional.content.decode()


def test_charts_as_svg_png_and_csv(federation: Federation, october: Federation) -> None:  # noqa: F811
    compute(SEP)
    compute(OCT)
    client = signed_in(federation.officer_a)
    page = client.get(reverse("health:unit", args=["A"]) + "?month=2026-10").content.decode()
    assert page.count('class="chart"') >= 4  # four charts drawn in the page
    url = reverse("health:chart", args=["A", "csv"]) + "?metric=members&month=2026-10"
    rows = client.get(url).content.decode("utf-8-sig").splitlines()
    assert rows[0] == "month,members" and rows[-2:] == ["2026-09,2", "2026-10,2"]
    svg = client.get(reverse("health:chart", args=["A", "svg"]) + "?metric=attendance")
    assert svg["Content-Type"] == "image/svg+xml" and b"<polyline" in svg.content
    png = client.get(reverse("health:chart", args=["A", "png"]) + "?metric=score")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert client.get(reverse("health:chart", args=["A", "gif"])).status_code == 404
    assert client.get(reverse("health:chart", args=["A", "csv"]) + "?metric=x").status_code == 404
    assert client.get(reverse("health:chart", args=["B", "csv"])).status_code == 404
