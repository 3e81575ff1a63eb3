"""Pages of events: a unit's events, making one, an event with its registrations, the door's
check-in page for a phone, and the QR code of a registration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.ratelimit import hit
from branchwork.access.scoping import scope_for
from branchwork.access.views import client_ip
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import apply_errors, submit
from branchwork.core.qr import data_uri
from branchwork.imports.paper import render_pdf
from branchwork.org import selectors as org_selectors
from branchwork.org.models import Unit
from branchwork.org.selectors import get_unit_for
from branchwork.people.search import search
from branchwork.people.selectors import get_person_for, person_in_scope, visible_people

from . import calendars, selectors, services
from .forms import CheckInForm, EventForm, GuestForm, RegisterForm, WalkInForm
from .models import Event, Registration, RegistrationStatus

PAGE = 30
REGISTRATIONS_PAGE = 100


@login_required
@require_GET
def unit_events(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    past = request.GET.get("when") == "past"
    events = selectors.visible_events(request.user).filter(unit__path__startswith=unit.path)
    now = timezone.now()
    events = (
        events.filter(ends_at__lt=now).order_by("-starts_at")
        if past
        else events.filter(ends_at__gte=now).order_by("starts_at")
    )
    return render(
        request,
        "activities/unit_events.html",
        {
            "unit": unit,
            "past": past,
            "page": Paginator(events, PAGE).get_page(request.GET.get("page")),
            "may_edit": scope_for(request.user).has("edit", unit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    if not scope_for(request.user).has("edit", unit):
        return render(request, "403.html", status=403)
    from .partners import partners_for_unit

    form = EventForm(
        request.POST or None,
        initial={"audience": "members"},
        partners=partners_for_unit(request.user, unit),
    )

    def run(data: dict[str, Any]) -> Event:
        texts = {k: data[k] for k in services.TEXT_FIELDS if k in data}
        sessions = data.get("sessions") or 1
        if sessions > 1:  # a recurring class: its first session is shown
            series = services.create_series(
                actor=request.user,
                unit=unit,
                kind=data["kind"],
                first_starts_at=data["starts_at"],
                duration=data["ends_at"] - data["starts_at"],
                sessions=sessions,
                every_days=data.get("every_days") or 7,
                venue=data["venue"],
                capacity=data["capacity"],
                audience=data["audience"],
                partners=list(data.get("partners") or ()),
                **texts,
            )
            return series.sessions.order_by("starts_at", "pk").first()  # type: ignore[return-value]
        return services.create_event(
            actor=request.user,
            unit=unit,
            kind=data["kind"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            venue=data["venue"],
            capacity=data["capacity"],
            audience=data["audience"],
            partners=list(data.get("partners") or ()),
            **texts,
        )

    done = submit(request, form, run, success=_("The event is created."))
    if done:
        return redirect("activities:event", pk=done.result.pk)
    return render(request, "activities/event_form.html", {"unit": unit, "form": form})


def _event_page(request: HttpRequest, event: Event, form: RegisterForm) -> HttpResponse:
    registrations = selectors.visible_registrations(request.user, event).order_by(
        "status", "created_at", "pk"
    )
    return render(
        request,
        "activities/event_detail.html",
        {
            "event": event,
            "counts": selectors.attendance_counts(event),
            "registrations": Paginator(registrations, REGISTRATIONS_PAGE).get_page(
                request.GET.get("page")
            ),
            "form": form,
            "organiser": scope_for(request.user).has("edit", event.unit),
            "sessions": list(
                Event.objects.filter(series_id=event.series_id).order_by("starts_at", "pk")
            )
            if event.series_id
            else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for(request.user, pk)
    form = RegisterForm(request.POST or None)

    def run(data: dict[str, Any]) -> Registration:
        person = person_in_scope(request.user, data["person"], "person")
        return services.register(
            actor=request.user, event=event, person=person, role=data.get("role") or "participant"
        )

    try:
        done = submit(request, form, run, success=_("The person is registered."))
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    if done:
        if done.result.status == RegistrationStatus.WAITING:
            messages.warning(request, _("The event is full: the person is on the waiting list."))
        return redirect("activities:event", pk=event.pk)
    return _event_page(request, event, form)


@login_required
@require_GET
def event_counts(request: HttpRequest, pk: int) -> HttpResponse:
    """The event's counts alone: the event page asks for them every few seconds, so those at
    the door and those watching see people arrive."""
    event = selectors.get_event_for(request.user, pk)
    return render(
        request,
        "activities/_counts.html",
        {"event": event, "counts": selectors.attendance_counts(event)},
    )


def _registration_for(request: HttpRequest, pk: int, rid: int) -> Registration:
    event = selectors.get_event_for(request.user, pk)
    registration = selectors.visible_registrations(request.user, event).filter(pk=rid).first()
    if registration is None:
        raise Http404
    return registration


@login_required
@require_POST
def registration_cancel(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    registration = _registration_for(request, pk, rid)
    try:
        moved = services.cancel_registration(actor=request.user, registration=registration)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    messages.success(request, _("The registration is cancelled."))
    if moved is not None:
        messages.info(request, _("The first on the waiting list has the place."))
    return redirect("activities:event", pk=pk)


@login_required
@require_GET
def registration_qr(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    """The QR code a person shows at the door: it carries the registration's code only."""
    registration = _registration_for(request, pk, rid)
    svg = segno.make(registration.code, error="m").svg_inline(scale=6, dark="#111")
    return HttpResponse(svg, content_type="image/svg+xml")


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The door: a phone scans a QR code (or an officer types the code, or finds the name and
    taps "present"); the counts update as people arrive."""
    event = selectors.get_event_for(request.user, pk)
    if not scope_for(request.user).has("edit", event.unit):
        return render(request, "403.html", status=403)
    form = CheckInForm(request.POST if "code" in request.POST else None)
    walk_in = WalkInForm(request.POST if "walk_in" in request.POST else None)
    if request.method == "POST":
        try:
            if "registration" in request.POST:
                number = request.POST["registration"]
                registration = (
                    event.registrations.filter(pk=int(number)).first() if number.isdigit() else None
                )
                if registration is None:
                    raise Http404
                done = services.check_in(actor=request.user, event=event, code=registration.code)
            elif "walk_in" in request.POST:
                done = None
                if walk_in.is_valid():
                    try:
                        person = person_in_scope(
                            request.user, walk_in.cleaned_data["walk_in"], "walk_in"
                        )
                        done = services.walk_in(actor=request.user, event=event, person=person)
                    except ValidationError as exc:
                        apply_errors(walk_in, exc)
            elif form.is_valid():
                done = services.check_in(
                    actor=request.user, event=event, code=form.cleaned_data["code"]
                )
            else:
                done = None
        except ValidationError as exc:
            apply_errors(form, exc)
            done = None
        if done is not None:
            who = done.person.display_name if done.person else done.guest_name
            messages.success(request, _("%(name)s is checked in.") % {"name": who})
            return redirect("activities:check-in", pk=event.pk)
    query = request.GET.get("q", "").strip()
    waiting = event.registrations.exclude(status=RegistrationStatus.CANCELLED).filter(
        attended_at__isnull=True
    )
    if query:
        found = search(visible_people(request.user), query[:100])
        waiting = waiting.filter(person__in=found.values("pk"))
    return render(
        request,
        "activities/check_in.html",
        {
            "event": event,
            "form": form,
            "counts": selectors.attendance_counts(event),
            "query": query,
            "waiting": waiting.select_related("person").order_by("pk")[:50],
            "walk_in": walk_in,
        },
    )


# --------------------------------------------------------------------------------------------
# Calendar feeds
# --------------------------------------------------------------------------------------------

FEED_DAYS_BACK = 90  # a feed holds what is to come and the last three months
FEED_LIMIT = 1000


def _feed(request: HttpRequest, name: str, events: Any) -> HttpResponse:
    lang = request.GET.get("lang", "")
    since = timezone.now() - timedelta(days=FEED_DAYS_BACK)
    chosen = (
        events.filter(ends_at__gte=since)
        .select_related("unit", "kind")
        .order_by("starts_at", "pk")[:FEED_LIMIT]
    )
    with translation.override(lang if lang in ("ko", "ja", "en") else None):
        body = calendars.ics(name, chosen, calendars.site_name())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def public_unit_feed(request: HttpRequest, code: str) -> HttpResponse:
    """The named public door for calendars: a unit's public events, its subtree's included."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404
    events = selectors.public_events().filter(unit__path__startswith=unit.path)
    return _feed(request, unit.name, events)


@require_GET
def unit_feed(request: HttpRequest, key: str, code: str) -> HttpResponse:
    user = calendars.user_for_key(key)
    if user is None:
        raise Http404
    unit = get_unit_for(user, code)
    events = selectors.visible_events(user).filter(unit__path__startswith=unit.path)
    return _feed(request, unit.name, events)


@require_GET
def person_feed(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    user = calendars.user_for_key(key)
    if user is None:
        raise Http404
    person = get_person_for(user, pk)
    events = (
        selectors.visible_events(user)
        .filter(
            registrations__person=person,
            registrations__status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITING],
        )
        .distinct()
    )
    return _feed(request, person.display_name, events)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_links(request: HttpRequest) -> HttpResponse:
    """The addresses to subscribe to in a calendar application, and a button to make new ones
    (the old stop working: for a lost phone)."""
    if request.method == "POST":
        calendars.new_key(request.user)
        messages.success(request, _("New calendar addresses are made; the old ones stop working."))
        return redirect("activities:calendars")
    key = calendars.key_for(request.user).key
    units = org_selectors.root_units(request.user)
    links = [
        (u, request.build_absolute_uri(reverse("activities:unit-feed", args=[key, u.code])))
        for u in units
    ]
    return render(request, "activities/calendars.html", {"links": links})


# --------------------------------------------------------------------------------------------
# The public door: an event open to the public, and registering for it
# --------------------------------------------------------------------------------------------

PUBLIC_RATE = (10, 600)  # registrations from one address per ten minutes


@require_http_methods(["GET", "POST"])
def public_event(request: HttpRequest, key: str) -> HttpResponse:
    """An event open to the public, by the key in its link: what, when, where, the places
    left, and a form to register. Nothing of the organiser's people is shown."""
    event = selectors.public_events().filter(public_key=key).first()
    if event is None:
        raise Http404
    form = GuestForm(request.POST or None)
    done = None
    if request.method == "POST" and form.is_valid():
        limit, window = PUBLIC_RATE
        if not hit(f"event-register:{client_ip(request)}", limit, window):
            return render(request, "access/locked_out.html", status=429)
        try:
            done = services.register_guest(
                event=event, name=form.cleaned_data["name"], contact=form.cleaned_data["contact"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    counts = selectors.attendance_counts(event)
    left = None if event.capacity is None else max(0, event.capacity - counts["registered"])
    qr = None
    if done is not None:
        qr = data_uri(done.code)
    return render(
        request,
        "activities/public_event.html",
        {"event": event, "form": form, "left": left, "done": done, "qr": qr},
        status=200,
    )


# --------------------------------------------------------------------------------------------
# Events run on paper: the attendance sheet, and its ticks entered afterwards
# --------------------------------------------------------------------------------------------

SHEET_BLANK_LINES = 10  # for those who come without registering


def _sheet_rows(event: Event) -> list[tuple[int, Registration]]:
    """The registrations in the sheet's order (numbered as printed): the same on paper and on
    the screen where the ticks are entered."""
    registrations = (
        event.registrations.exclude(status=RegistrationStatus.CANCELLED)
        .select_related("person__unit")
        .order_by("status", "person__family_name_kana", "person__given_name_kana", "pk")
    )
    return list(enumerate(registrations, start=1))


def _organised(request: HttpRequest, pk: int) -> Event:
    event = selectors.get_event_for(request.user, pk)
    if not scope_for(request.user).has("edit", event.unit):
        raise PermissionDeniedError("edit")
    return event


@login_required
@require_GET
def attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        event = _organised(request, pk)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    lang = (translation.get_language() or "ja")[:2]
    when = timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")
    pdf = render_pdf(
        "activities/paper/attendance.html",
        {
            "event": event,
            "when": when,
            "rows": _sheet_rows(event),
            "blanks": range(SHEET_BLANK_LINES),
        },
        title=event.title,
        lang=lang,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="attendance-{event.pk}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        event = _organised(request, pk)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    error = ""
    if request.method == "POST":
        try:
            present = {int(v) for v in request.POST.getlist("present")}
            count = services.record_attendance(actor=request.user, event=event, present=present)
        except ValueError:
            error = _("A ticked line is not a registration for this event.")
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request, _("Attendance is saved: %(count)s present.") % {"count": count}
            )
            return redirect("activities:event", pk=event.pk)
    return render(
        request,
        "activities/attendance.html",
        {"event": event, "rows": _sheet_rows(event), "error": error},
    )
