"""How long records are kept, and the purge that lists before it erases.

A retention rule keeps a kind of record for a number of years. ``due_for_purge`` selects, in SQL,
the people a rule would erase on a given day; ``plan_purge`` lists them per rule (a person due
under two rules is listed under the first only); ``execute_plan`` erases what was listed, in
batches, each batch in its own transaction, through ``privacy.erase_person`` with the reason
"retention", so the rows and therefore the counts stay.

"Older than N years" is strict: a member who left on 2020-03-01 under a five-year rule is kept
through 2025-03-01 and due from 2025-03-02.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.models import User
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Term, Unit

from .models import Membership, MembershipStatus, Person, RetentionKind, RetentionRule
from .privacy import erase_person

BATCH_SIZE = 200
MAX_YEARS = 100
NOTE_MAX = 300
# Rules are applied in this order; a person due under several is counted under the first.
RULE_ORDER = (RetentionKind.DECEASED, RetentionKind.FORMER_MEMBER, RetentionKind.NON_MEMBER)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def due_for_purge(rule: RetentionRule, today: dt.date | None = None) -> QuerySet[Person]:
    """The people ``rule`` would erase on ``today``: one SQL query, never already-erased people."""
    day = today or timezone.localdate()
    cutoff = years_before(day, rule.years)
    people = Person.objects.filter(erased_at__isnull=True)
    any_membership = Membership.objects.filter(person=OuterRef("pk"))
    if rule.kind == RetentionKind.FORMER_MEMBER:
        # Some membership, and every one of them former and left before the cutoff.
        still_counts = any_membership.filter(
            ~Q(status=MembershipStatus.FORMER) | Q(left__isnull=True) | Q(left__gte=cutoff)
        )
        return people.filter(Exists(any_membership), ~Exists(still_counts))
    if rule.kind == RetentionKind.NON_MEMBER:
        recent_term = Term.objects.filter(person=OuterRef("pk")).filter(
            Q(end__isnull=True) | Q(end__gte=cutoff)
        )
        account = User.objects.filter(person=OuterRef("pk"))
        return people.filter(
            ~Exists(any_membership),
            ~Exists(recent_term),
            ~Exists(account),
            updated_at__lt=_start_of(cutoff),
        )
    if rule.kind == RetentionKind.DECEASED:
        return people.filter(deceased_date__lt=cutoff)
    raise ValueError(rule.kind)


def _ordered(rules: Iterable[RetentionRule]) -> list[RetentionRule]:
    return sorted(rules, key=lambda r: RULE_ORDER.index(RetentionKind(r.kind)))


def due_by_rule(
    rules: Iterable[RetentionRule], today: dt.date | None = None
) -> list[tuple[RetentionRule, QuerySet[Person]]]:
    """Each rule with the people it would erase, excluding those an earlier rule already takes."""
    out: list[tuple[RetentionRule, QuerySet[Person]]] = []
    for rule in _ordered(rules):
        qs = due_for_purge(rule, today)
        for _earlier, earlier_qs in out:
            qs = qs.exclude(pk__in=earlier_qs.values("pk"))
        out.append((rule, qs))
    return out


def active_rules() -> list[RetentionRule]:
    return list(RetentionRule.objects.filter(active=True))


# --- who may change rules and purge ---------------------------------------------------------


def root_units() -> list[Unit]:
    return list(Unit.objects.filter(parent__isnull=True).order_by("path"))


def is_root_admin(actor: Any) -> bool:
    """Retention is federation-wide: the administration permission at every root unit."""
    scope = scope_for(actor)
    roots = root_units()
    return bool(roots) and all(scope.has("admin", r) for r in roots)


def sees_a_root(actor: Any) -> bool:
    scope = scope_for(actor)
    return any(scope.has("view", r) for r in root_units())


def require_root_admin(actor: Any) -> None:
    """``None`` is the system itself (the command line, a scheduled task)."""
    if actor is not None and not is_root_admin(actor):
        raise PermissionDeniedError("admin")


@transaction.atomic
def set_retention_rule(
    *, actor: Any, kind: str, years: int, active: bool = True, note: str = ""
) -> RetentionRule:
    """Create or change the rule for ``kind``; audited with the names of the fields changed."""
    require_root_admin(actor)
    if kind not in RetentionKind.values:
        raise invalid("kind", _("Unknown kind of record."))
    if years < 1:
        raise invalid("years", _("A record is kept for at least one year."))
    if years > MAX_YEARS:
        raise invalid("years", _("A record is kept for at most 100 years."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise invalid("note", _("The reason is too long (at most 300 characters)."))
    rule = RetentionRule.objects.select_for_update().filter(kind=kind).first()
    values = {"years": years, "active": active, "note": note}
    if rule is None:
        rule = RetentionRule.objects.create(kind=kind, **values)
        audit.record(actor=actor, action="create", obj=rule, fields=["kind", *values])
        return rule
    changed = [f for f, v in values.items() if getattr(rule, f) != v]
    if changed:
        for f in changed:
            setattr(rule, f, values[f])
        rule.save(update_fields=[*changed, "updated_at"])
        audit.record(actor=actor, action="update", obj=rule, fields=changed)
    return rule


# --- listing and erasing -------------------------------------------------------------------


@dataclass
class RuleReport:
    """What one rule takes: the people listed (id, unit code), per unit, and those erased."""

    kind: str
    years: int
    cutoff: dt.date
    people: list[tuple[int, str]]
    per_unit: list[tuple[str, int]]
    rule_id: int | None = None
    erased_ids: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(RetentionKind(self.kind).label)

    @property
    def ids(self) -> list[int]:
        return [pk for pk, _code in self.people]

    @property
    def count(self) -> int:
        return len(self.people)

    @property
    def erased(self) -> int:
        return len(self.erased_ids)


@dataclass
class PurgeReport:
    today: dt.date
    dry_run: bool
    rules: list[RuleReport]

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rules)

    @property
    def erased(self) -> int:
        return sum(r.erased for r in self.rules)

    @property
    def digest(self) -> str:
        """A fingerprint of what is listed: a confirmation is honoured only if it still holds."""
        text = ";".join(f"{r.kind}:{','.join(map(str, r.ids))}" for r in self.rules)
        return hashlib.sha256(f"{self.today.isoformat()}|{text}".encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        """Ids and counts only (a task's result is stored): no personal data."""
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "rules": [
                {
                    "kind": r.kind,
                    "years": r.years,
                    "cutoff": r.cutoff.isoformat(),
                    "listed": r.count,
                    "erased": r.erased,
                    "per_unit": dict(r.per_unit),
                    "ids": r.ids,
                    "erased_ids": r.erased_ids,
                }
                for r in self.rules
            ],
        }


def plan_purge(rules: Iterable[RetentionRule], today: dt.date | None = None) -> PurgeReport:
    """List, per rule, who would be erased; erase nothing. Two queries per rule."""
    day = today or timezone.localdate()
    report = PurgeReport(today=day, dry_run=True, rules=[])
    for rule, qs in due_by_rule(rules, day):
        per_unit = (
            qs.order_by()
            .values("unit__code")
            .annotate(n=Count("pk"))
            .order_by("unit__code")
            .values_list("unit__code", "n")
        )
        report.rules.append(
            RuleReport(
                kind=rule.kind,
                years=rule.years,
                cutoff=years_before(day, rule.years),
                people=list(qs.order_by("unit__code", "pk").values_list("pk", "unit__code")),
                per_unit=list(per_unit),
                rule_id=rule.pk,
            )
        )
    return report


def execute_plan(
    *,
    actor: Any,
    report: PurgeReport,
    rules: Sequence[RetentionRule],
    batch_size: int = BATCH_SIZE,
) -> PurgeReport:
    """Erase the people ``report`` listed who are still due, in batches of ``batch_size``, each
    batch in one transaction (a crash loses at most the batch in progress, which a rerun
    takes up again)."""
    require_root_admin(actor)
    by_kind = {r.kind: r for r in rules}
    for entry in report.rules:
        rule = by_kind[entry.kind]
        ids = entry.ids
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            with transaction.atomic():
                # Still due (someone may have rejoined since the listing), locked while erased.
                still_due = (
                    due_for_purge(rule, report.today)
                    .filter(pk__in=chunk)
                    .select_related("unit")
                    .select_for_update(of=("self",))
                    .order_by("pk")
                )
                for person in still_due:
                    erase_person(actor=actor, person=person, reason="retention")
                    entry.erased_ids.append(person.pk)
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="retention_purge",
                obj=rule,
                fields=["erased_at"] if entry.erased_ids else [],
            )
    report.dry_run = False
    return report


def purge(
    *,
    actor: Any,
    rules: Sequence[RetentionRule],
    dry_run: bool,
    today: dt.date | None = None,
    batch_size: int = BATCH_SIZE,
) -> PurgeReport:
    """List what ``rules`` would erase; unless ``dry_run``, erase it. Returns the report."""
    require_root_admin(actor)
    report = plan_purge(rules, today)
    if dry_run:
        return report
    return execute_plan(actor=actor, report=report, rules=rules, batch_size=batch_size)


@dataclass(frozen=True)
class PreviewRow:
    unit: Unit
    count: int


@dataclass
class RulePreview:
    rule: RetentionRule
    cutoff: dt.date
    rows: list[PreviewRow]

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows)


def preview_for(
    user: Any, rules: Iterable[RetentionRule], today: dt.date | None = None
) -> list[RulePreview]:
    """Per rule, how many people each unit would lose: counts only, only for units the user
    sees. One grouped query per rule, one for the units."""
    day = today or timezone.localdate()
    scope = scope_for(user)
    grouped: list[tuple[RetentionRule, list[tuple[int, int]]]] = []
    for rule, qs in due_by_rule(rules, day):
        per_unit = (
            scope.filter(qs.order_by(), "view")
            .values("unit_id")
            .annotate(n=Count("pk"))
            .values_list("unit_id", "n")
        )
        grouped.append((rule, list(per_unit)))
    unit_ids = {uid for _rule, counts in grouped for uid, _n in counts}
    units = Unit.objects.in_bulk(unit_ids) if unit_ids else {}
    out = []
    for rule, counts in grouped:
        rows = sorted(
            (PreviewRow(unit=units[uid], count=n) for uid, n in counts),
            key=lambda row: row.unit.path,
        )
        out.append(RulePreview(rule=rule, cutoff=years_before(day, rule.years), rows=rows))
    return out
