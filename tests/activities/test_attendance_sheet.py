"""Events run on paper: the printed attendance sheet (read back with poppler) and its ticks
entered afterwards in one screen, by the sheet's numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from branchwork.activities import services
from branchwork.activities.models import Event, EventKind, Registration
from tests.conftest import MARK_B, Federation, make_person, signed_in
from tests.imports.test_paper import fonts_of, screenshot, text_of


def make_event(federation: Federation) -> Event:
    starts = timezone.now() + dt.timedelta(days=1)
    return services.create_event(
        actor=federation.officer_a,
        unit=federation.a,
        kind=EventKind.objects.get(code="commemoration"),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        title_ja="創立記念の集い",
        title_ko="창립 기념 모임",
        venue="生野区民センター",
    )


def test_the_sheet_lists_everyone_registered_with_boxes_and_blank_lines(
    federation: Federation, tmp_path: Path
) -> None:
    event = make_event(federation)
    people = [federation.person_a, make_person(federation.a, family="박")]
    for person in people:
        services.register(actor=federation.officer_a, event=event, person=person)
    client = signed_in(federation.officer_a)
    client.cookies["django_language"] = "ko"
    response = client.get(reverse("activities:attendance-sheet", args=[event.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content, tmp_path)
    assert "창립기념모임" in text and "生野区民センター" in text
    for person in people:
        assert person.display_name.replace(" ", "") in text
    fonts = fonts_of(response.content, tmp_path)
    assert fonts and all(row.split()[-5] == "yes" for row in fonts)  # every font embedded
    screenshot(response.content, tmp_path, "attendance-sheet-ko")


def test_the_ticks_are_entered_by_the_sheets_numbers(federation: Federation) -> None:
    event = make_event(federation)
    regs = [
        services.register(actor=federation.officer_a, event=event, person=make_person(federation.a))
        for _ in range(3)
    ]
    client = signed_in(federation.officer_a)
    url = reverse("activities:attendance", args=[event.pk])
    page = client.get(url).content.decode()
    assert all(f'value="{r.pk}"' in page for r in regs)
    saved = client.post(url, {"present": [regs[0].pk, regs[2].pk]})
    assert saved.status_code == 302
    present = set(
        Registration.objects.filter(attended_at__isnull=False).values_list("pk", flat=True)
    )
    assert present == {regs[0].pk, regs[2].pk}
    other = make_event(federation)
    stray = services.register(actor=federation.officer_a, event=other, person=federation.person_a)
    refused = client.post(url, {"present": [regs[1].pk, stray.pk]})
    assert refused.status_code == 200 and 'role="alert"' in refused.content.decode()
    assert client.post(url, {"present": ["x"]}).status_code == 200
    present = set(
        Registration.objects.filter(attended_at__isnull=False).values_list("pk", flat=True)
    )
    assert present == {regs[0].pk, regs[2].pk}  # nothing half-done


def test_another_branch_neither_prints_nor_ticks(federation: Federation) -> None:
    starts = timezone.now() + dt.timedelta(days=1)
    event_b = services.create_event(
        actor=federation.officer_b,
        unit=federation.b,
        kind=EventKind.objects.get(code="meeting"),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        title_ja=f"{MARK_B}会議",
    )
    client = signed_in(federation.officer_a)
    for name in ("activities:attendance-sheet", "activities:attendance"):
        response = client.get(reverse(name, args=[event_b.pk]))
        assert response.status_code == 404 and MARK_B not in response.content.decode()
