"""iCalendar feeds: a unit's events (with its subtree) and a person's, for calendar
applications. A unit's public events are a public door; everything else is read with the scope
of the user whose calendar key is in the address."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from .models import CalendarKey, Event, EventStatus


def key_for(user: Any) -> CalendarKey:
    """The user's calendar key in use (made on first use)."""
    found = CalendarKey.objects.filter(user=user, retired_at__isnull=True).first()
    return found if found is not None else new_key(user)


@transaction.atomic
def new_key(user: Any) -> CalendarKey:
    """A new key; the old one, and every address made with it, stop working."""
    CalendarKey.objects.filter(user=user, retired_at__isnull=True).update(retired_at=timezone.now())
    return CalendarKey.objects.create(user=user, key=secrets.token_urlsafe(30))


def user_for_key(key: str) -> Any | None:
    found = (
        CalendarKey.objects.filter(key=key, retired_at__isnull=True).select_related("user").first()
    )
    if found is None or not found.user.is_active:
        return None
    return found.user


def ics(name: str, events: Iterable[Event], site: str) -> bytes:
    """The events as one iCalendar file; each event's UID stays the same across fetches, so a
    changed or cancelled event updates the copy in the calendar."""
    calendar = Calendar()
    calendar.add("prodid", "-//Branchwork//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for event in events:
        item = CalendarEvent()
        item.add("uid", f"event-{event.pk}@{site}")
        item.add("dtstamp", stamp)
        item.add("dtstart", event.starts_at)
        item.add("dtend", event.ends_at)
        item.add("summary", event.title)
        if event.venue:
            item.add("location", event.venue)
        if event.description:
            item.add("description", event.description)
        item.add("categories", [event.kind.name])
        item.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
        item.add("organizer", f"mailto:noreply@{site}", parameters={"cn": event.unit.name})
        calendar.add_component(item)
    body: bytes = calendar.to_ical()
    return body


def site_name() -> str:
    return str(getattr(settings, "CALENDAR_DOMAIN", "") or "branchwork.local")
