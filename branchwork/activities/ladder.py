"""The participation ladder: how engaged each person has been over the last twelve months,
computed by the database from attendance, contacts and posts.

=========  =====  ================================================================
Level      Value  Reached by, within the last twelve months
=========  =====  ================================================================
leads      4      holding a post (a term of office on any of those days)
organises  3      organising an event (a registration with the role "organising")
volunteers 2      helping at an event (a registration with the role "helping")
attends    1      being present at an event, or coming to a meeting (a contact of
                  the channel "meeting" with the person)
none       0      none of these
=========  =====  ================================================================

A person is at the highest level they reached. Being visited or called does not count: the
ladder is about what a person does, the contact log about what the branch does. The levels are
a ``Case`` over ``Exists`` subqueries, so a page, a segment or a per-unit sum filters and
counts them in one query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchwork.org.models import Term
from branchwork.people.models import Person

from .models import Contact, ContactChannel, Registration, RegistrationRole, RegistrationStatus

WINDOW_DAYS = 365

NONE, ATTENDS, VOLUNTEERS, ORGANISES, LEADS = range(5)
LEVELS = [
    (NONE, _("none")),
    (ATTENDS, _("attends")),
    (VOLUNTEERS, _("volunteers")),
    (ORGANISES, _("organises")),
    (LEADS, _("leads")),
]
LEVEL_NAMES = dict(LEVELS)


def level_expression(today: dt.date | None = None) -> Case:
    day = today or timezone.localdate()
    since_day = day - dt.timedelta(days=WINDOW_DAYS)
    now = timezone.now()
    since = now - dt.timedelta(days=WINDOW_DAYS)
    took_part = Registration.objects.filter(
        person=OuterRef("pk"), event__starts_at__gte=since, event__starts_at__lte=now
    ).exclude(status=RegistrationStatus.CANCELLED)
    led = Term.objects.filter(person=OuterRef("pk"), start__lte=day).filter(
        Q(end__isnull=True) | Q(end__gte=since_day)
    )
    met = Contact.objects.filter(
        person=OuterRef("pk"),
        channel=ContactChannel.MEETING,
        contacted_on__gte=since_day,
        contacted_on__lte=day,
    )
    return Case(
        When(Exists(led), then=Value(LEADS)),
        When(Exists(took_part.filter(role=RegistrationRole.ORGANISER)), then=Value(ORGANISES)),
        When(Exists(took_part.filter(role=RegistrationRole.HELPER)), then=Value(VOLUNTEERS)),
        When(
            Exists(took_part.filter(attended_at__isnull=False)) | Exists(met),
            then=Value(ATTENDS),
        ),
        default=Value(NONE),
        output_field=IntegerField(),
    )


def with_level(people: QuerySet[Person], today: dt.date | None = None) -> QuerySet[Any]:
    """``people`` (already scoped by the caller) each annotated with ``level``."""
    annotated: QuerySet[Any] = people.annotate(level=level_expression(today))
    return annotated


def level_of(person: Person, today: dt.date | None = None) -> int:
    found: int = (
        with_level(Person.objects.filter(pk=person.pk), today).values_list("level", flat=True).get()
    )
    return found


def level_counts(
    people: QuerySet[Person], today: dt.date | None = None
) -> list[tuple[int, str, int]]:
    """How many of ``people`` stand at each level, every level listed (zero when none)."""
    rows = with_level(people, today).order_by().values("level").annotate(n=Count("pk")).order_by()
    found = {row["level"]: row["n"] for row in rows}
    return [(level, str(name), found.get(level, 0)) for level, name in LEVELS]
