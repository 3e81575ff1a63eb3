"""The leak crawler: every URL and API route, per role, with the ids of what the role must not see.

The world is the small demo federation. The crawling user holds one role on branch ``B0102``;
the demo's busiest branch, ``B0101`` (its cases, sweep, contacts, money, newsletters, import
jobs), is its sibling. Before the crawl, every out-of-scope object gets a marker of its own in
every free-text field: ``ZQ<model>_<id>X``, so a leak names the object that leaked. Out of
scope is every object tied only to units outside the home branch's subtree and its ancestors,
and the private objects of its ancestors (people, households, cases, money, ...).

Left unmarked, because they are public by design (docs/security.md, "Public by design"):

- the units above the home branch (their card: name, public contacts) and the reference tables;
- events and bulletins open to the public (anyone may read them on the public pages), and the
  bulletins and newsletters of the units above (news sent down to the branches);
- a congress's proceedings (agenda, motions, speakers, candidates, resolutions) in a congress
  the role may see: the hall's public record, shown on its projector.

The crawl then, for every role:

1. follows every link and htmx GET from the home page;
2. requests every URL pattern of the URLconf, each parameter filled in turn with the ids of
   out-of-scope objects of the model it names (a sibling's, another region's and the units
   above), and with one of the role's own;
3. requests every GET operation of the API's schema the same way, and the list operations with
   their unit filters set to out-of-scope units; sends every other operation (POST, PUT,
   PATCH, DELETE) on out-of-scope objects, which must be refused;
4. first makes every export the role may make, so their downloads are among the URLs.

Every body is read as a person would read it (PDFs through ``pdftotext``, workbooks cell by
cell, CP932 text decoded) and must hold no marker. Every URL pattern and API operation must be
requested at least once, or be named below with the reason it is not, so a new route cannot
escape the crawl. Runs in the PostgreSQL pass.
"""

from __future__ import annotations

import io
import itertools
import re
import subprocess
import zipfile
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, Concat, Left
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from branchwork.access.models import User
from branchwork.access.services import create_api_token
from branchwork.org.demo import build_demo
from branchwork.org.models import Unit
from tests.conftest import make_user, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only, pytest.mark.timeout(900)]

HOME = "B0102"
ROLES = (
    "viewer",
    "officer",
    "registrar",
    "case_worker",
    "treasurer",
    "unit_admin",
    "administrator",
)
MARKER = re.compile(r"ZQ(\d+)_(\d+)X", re.IGNORECASE)

# Text fields that hold codes, keys or values the application parses, not prose: left as they
# are, so the application still works on the marked world.
SKIP_FIELD = re.compile(
    r"(^|_)(code|codes|key|token|hash|digest|salt|path|postal|phone|mobile|email|lang|language|"
    r"status|kind|state|states|workflow|value|currency|format|mime|content_type|file|url|sha|"
    r"number|era|action|fmt|ip|iban|username|password|secret|device|model|app_label|field|"
    r"column|columns|item|items|scope|basis|encoding|policy|sex|gender|role|result)$"
)
# Models with no text a person reads, or whose rows are not objects of a unit.
SKIP_MODELS = {
    "people.PersonSearchKey",  # search keys, never shown
    "access.AuditEvent",  # the audit trail: read by administrators, checked by its own tests
    "access.AuditHead",
    "access.Role",
    "org.Unit",  # units are named on their public pages (/n/CODE/, the public calendar)
    "core.ScheduledRun",
    "core.RateCount",
    "health.Snapshot",  # numbers
    "congress.SealedBallot",
    "congress.Ballot",
    "congress.BallotChoice",
}
# Public by design when they belong to a unit above the home branch (see the docstring).
ABOVE_PUBLIC = {
    "activities.PartnerOrganisation",  # a region's partner co-hosts its branches' events
    "activities.PartnerContact",
    "org.Post",
    "org.Term",
    "org.TerritoryArea",
    "news.Bulletin",
    "news.Newsletter",
    "activities.Event",
    "activities.EventSeries",
    "money.DuesRate",
    "money.Fund",
    "education.School",
    "education.SchoolClass",
    "health.SupportPlan",
    "health.Goal",
}

# URL patterns not requested, with the reason.
NOT_CRAWLED = {
    "access:logout": "ends the crawler's session",
    "set_language": "a POST that changes the language, no data",
    "access:password_reset_confirm": "a signed link for one user, not an object id",
    "access:accept-invitation": "an invitation's secret, kept as a hash",
    "news:unsubscribe": "a recipient's secret",
    "congress:pass": "a voting pass's secret, kept as a hash",
}

# A URL or path parameter, by name, and the model whose ids fill it. ``pk`` and other bare
# names take their model from the first word of the path (see ``PATH_MODELS``).
PARAM_MODELS = {
    "consent_pk": "people.Consent",
    "consent_id": "people.Consent",
    "issue_pk": "imports.ImportIssue",
    "cid": "activities.PartnerContact",
    "rid": "activities.Registration",
    "tid": "care.SweepTarget",
    "target_id": "care.SweepTarget",
    "allocation_id": "money.Allocation",
    "area_id": "org.TerritoryArea",
    "bulletin_id": "news.Bulletin",
    "case_id": "care.Case",
    "congress_id": "congress.Congress",
    "contact_id": "activities.Contact",
    "delegate_id": "congress.Delegate",
    "enrolment_id": "education.Enrolment",
    "event_id": "activities.Event",
    "export_id": "imports.ExportJob",
    "fund_id": "money.Fund",
    "grant_id": "access.Grant",
    "household_id": "people.Household",
    "item_id": "money.AllocationItem",
    "job_id": "imports.ImportJob",
    "motion_id": "congress.Motion",
    "newsletter_id": "news.Newsletter",
    "partner_id": "activities.PartnerOrganisation",
    "person_id": "people.Person",
    "plan_id": "health.SupportPlan",
    "poll_id": "congress.Poll",
    "sweep_id": "care.Sweep",
    "term_id": "org.Term",
    "tx_id": "money.Transaction",
}
PATH_MODELS = {
    "accounts/tokens": "access.ApiToken",
    "units/*/access": "access.Grant",
    "units/*/territory": "org.TerritoryArea",
    "units/*/officers": "org.Term",
    "people": "people.Person",
    "households": "people.Household",
    "contacts": "activities.Contact",
    "events": "activities.Event",
    "calendar/*/people": "people.Person",
    "partners": "activities.PartnerOrganisation",
    "news": "news.Bulletin",
    "n/*": "news.Bulletin",
    "newsletters": "news.Newsletter",
    "cases": "care.Case",
    "sweeps": "care.Sweep",
    "enrolments": "education.Enrolment",
    "money/accounts": "money.Account",
    "money/transactions": "money.Transaction",
    "money/donations": "money.Donation",
    "money/funds": "money.Fund",
    "money/allocations": "money.Allocation",
    "money/items": "money.AllocationItem",
    "plans": "health.SupportPlan",
    "congresses": "congress.Congress",
    "delegates": "congress.Delegate",
    "polls": "congress.Poll",
    "agenda-items": "congress.AgendaItem",
    "papers": "congress.AgendaDocument",
    "speakers": "congress.Speaker",
    "motions": "congress.Motion",
    "exports": "imports.ExportJob",
    "imports": "imports.ImportJob",
}
ACTIONS = {  # the actions each view knows (an unknown one would answer 404 before any work)
    "care:case-action": ["note", "status", "assign", "escalate", "refer", "match"],
    "congress:poll-action": ["open", "close", "publish"],
    "congress:item-action": ["open", "close"],
    "congress:speaker": ["start", "end"],
    "api:poll_action": ["open", "close", "publish"],
    "api:item_action": ["open", "close"],
}
PER_MODEL = 2  # out-of-scope objects tried per model and parameter


# -- the marked world -------------------------------------------------------------------------


@dataclass
class World:
    home: Unit
    own_units: set[int]
    above_units: set[int]
    out_codes: list[str]
    hostile_codes: set[str] = field(default_factory=set)  # units neither own nor above
    hostile_ids: dict[str, list[int]] = field(default_factory=dict)  # the marked objects tried
    own_ids: dict[str, list[int]] = field(default_factory=dict)
    out_ids: dict[str, list[int]] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)  # marker number -> model label
    marked: int = 0


def _branchwork_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("branchwork.")]


def _unit_paths(model: type[models.Model], depth: int = 3) -> list[str]:
    """Every lookup from ``model`` to a unit id, through its foreign keys (not through users,
    who act on objects but do not own them)."""
    if model is Unit:
        return ["pk"]
    paths: list[str] = []

    def walk(m: type[models.Model], prefix: str, left: int) -> None:
        for f in m._meta.fields:
            if not isinstance(f, models.ForeignKey) or f.related_model is User:
                continue
            target = f.related_model
            if target is Unit:
                if f.name in ("merged_into",):
                    continue
                paths.append(f"{prefix}{f.name}_id")
            elif left > 1 and isinstance(target, type):
                walk(target, f"{prefix}{f.name}__", left - 1)

    walk(model, "", depth)
    return paths


def _text_fields(model: type[models.Model]) -> list[Any]:
    fields = []
    for f in model._meta.fields:
        if not isinstance(f, models.CharField | models.TextField):
            continue
        if isinstance(f, models.FileField) or f.choices or f.unique or f.primary_key:
            continue
        if SKIP_FIELD.search(f.name) or (f.max_length is not None and f.max_length < 24):
            continue
        fields.append(f)
    return fields


def _in(paths: list[str], units: set[int]) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{p}__in": units})
    return q


def _public_rows(label: str, model: type[models.Model], world: World) -> Q:
    """Rows public by design wherever they are."""
    if label == "activities.Event":
        return Q(audience="public")
    if label == "news.Bulletin":
        return Q(audience="public")
    if label in ("education.School", "education.SchoolClass"):
        # The school and class a child of the branch attends, wherever the school is: shown
        # on the child's own record (schools are public institutions).
        return Q(enrolments__person__unit_id__in=world.own_units)
    if label.startswith("congress."):
        # Proceedings of a congress the home branch takes part in: hosted above it.
        hosts = world.above_units | world.own_units
        if label == "congress.Congress":
            return Q(host_id__in=hosts)
        congress_path = {
            "congress.AgendaItem": "congress__host_id",
            "congress.AgendaDocument": "item__congress__host_id",
            "congress.Motion": "congress__host_id",
            "congress.Speaker": "item__congress__host_id",
            "congress.Election": "congress__host_id",
            "congress.Candidate": "election__congress__host_id",
            "congress.Poll": "congress__host_id",
            "congress.PollOption": "poll__congress__host_id",
            "congress.Quota": "congress__host_id",
        }.get(label)
        if congress_path:
            return Q(**{f"{congress_path}__in": hosts})
    return Q(pk__in=[])


def _congress_public_people(world: World) -> set[int]:
    """People named in the proceedings of a congress the home branch takes part in."""
    from branchwork.congress.models import Candidate, Speaker

    hosts = world.above_units | world.own_units
    named = set(
        Speaker.objects.filter(item__congress__host_id__in=hosts).values_list(
            "delegate__person_id", flat=True
        )
    )
    named |= set(
        Candidate.objects.filter(election__congress__host_id__in=hosts).values_list(
            "person_id", flat=True
        )
    )
    return named


def build_world() -> World:
    build_demo(size="small", seed=1)
    home = Unit.objects.get(code=HOME)
    own = set(home.subtree().values_list("pk", flat=True))
    above = set(home.ancestors().values_list("pk", flat=True)) - own
    out = set(Unit.objects.exclude(pk__in=own | above).values_list("pk", flat=True))
    out_units = Unit.objects.filter(pk__in=out).order_by("code")
    codes: list[str] = []
    for kind in out_units.values_list("kind", flat=True).distinct():
        codes += list(out_units.filter(kind=kind).values_list("code", flat=True)[:1])
    codes += list(Unit.objects.filter(pk__in=above).values_list("code", flat=True))
    world = World(home=home, own_units=own, above_units=above, out_codes=sorted(set(codes)))
    world.hostile_codes = set(Unit.objects.filter(pk__in=out).values_list("code", flat=True))
    public_people = _congress_public_people(world)
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    if postgres:  # the ledger's append-only trigger stands aside while markers are planted
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    for number, model in enumerate(_branchwork_models(), start=1):
        label = model._meta.label
        if label in SKIP_MODELS:
            continue
        paths = _unit_paths(model)
        if not paths:
            continue
        mine = _in(paths, own)
        world.own_ids[label] = list(
            model._default_manager.filter(mine).order_by("pk").values_list("pk", flat=True)[:1]
        )
        outside = _in(paths, out) & ~mine
        if label not in ABOVE_PUBLIC:
            outside |= _in(paths, above) & ~mine & ~_in(paths, out)
        outside &= ~_public_rows(label, model, world)
        if label == "people.Person":
            outside &= ~Q(pk__in=public_people)
        rows = models.QuerySet(model).filter(outside)  # past the ledger's append-only guard
        world.out_ids[label] = list(rows.order_by("pk").values_list("pk", flat=True)[:PER_MODEL])
        world.hostile_ids[label] = list(world.out_ids[label])
        # An above object too, when there is one (shown as out of scope as well).
        above_rows = model._default_manager.filter(
            _in(paths, above) & ~mine & ~_public_rows(label, model, world)
        )
        world.out_ids[label] += list(above_rows.order_by("pk").values_list("pk", flat=True)[:1])
        world.labels[number] = label
        for f in _text_fields(model):
            room = (f.max_length or 10_000) - 20
            marked = Concat(
                Value(f"ZQ{number}_"),
                Cast("pk", output_field=CharField()),
                Value("X "),
                Left(F(f.name), room),
                output_field=CharField(),
            )
            world.marked += rows.update(**{f.name: marked})
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            # The planner's statistics, as a real database has them: tables emptied and
            # analysed by earlier tests would otherwise look empty, and every query plan be
            # made for an empty table (ANALYZE counts the transaction's own rows).
            cursor.execute("ANALYZE")
    return world


# -- reading what comes back ------------------------------------------------------------------


def readable(response: Any) -> str:
    """The response as a person reads it."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    kind = response.get("Content-Type", "")
    if raw.startswith(b"%PDF"):
        done = subprocess.run(
            ["pdftotext", "-q", "-", "-"], input=raw, capture_output=True, check=True
        )
        return done.stdout.decode("utf-8", "replace") + raw.decode("latin-1")
    if raw.startswith(b"PK") and zipfile.is_zipfile(io.BytesIO(raw)):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if kind.startswith("image/png"):
        return ""
    for encoding in ("utf-8", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


@dataclass
class Crawl:
    world: World
    leaks: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # posts to out-of-scope objects let through
    writes: int = 0  # posts, puts, patches and deletes sent to out-of-scope objects
    requested: set[str] = field(default_factory=set)  # URL names and API operation ids
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    count: int = 0

    def check(self, where: str, response: Any) -> str:
        self.count += 1
        self.statuses[response.status_code] += 1
        assert response.status_code < 500, (where, response.status_code)
        body = readable(response)
        for number, pk in {(int(a), int(b)) for a, b in MARKER.findall(body)}:
            label = self.world.labels.get(number, "?")
            self.leaks.append(f"{where} [{response.status_code}] shows {label} #{pk}")
        return body


def _patterns() -> Iterator[tuple[str, str]]:
    """(route, name) of every URL pattern."""

    def walk(resolver: URLResolver, prefix: str, ns: str) -> Iterator[tuple[str, str]]:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
                yield from walk(p, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern):
                name = f"{ns}:{p.name}" if ns else (p.name or "")
                yield prefix + str(p.pattern), name

    yield from walk(get_resolver(), "", "")


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\{(\w+)\}")


def _path_model(route: str) -> str | None:
    """The model of a bare ``pk``: from the route's words before it, other parameters as ``*``
    (``units/*/access``)."""
    shape = re.sub(r"<[^>]+>", "*", route.split("<int:pk>")[0]).strip("/")
    return PATH_MODELS.get(shape)


def _values(world: World, name: str, route: str, url_name: str, key: str) -> list[Any]:
    """The values a parameter is filled with, as (value, hostile): out-of-scope ids first
    (hostile), then a visible one above and one of the role's own (not hostile). Parameters
    that name no object are neutral (None)."""
    if name == "code":
        return [(c, c in world.hostile_codes) for c in world.out_codes] + [(world.home.code, False)]
    if name == "key":
        return [(key, None)]
    if name == "fmt":
        return [(f, None) for f in ("png", "svg", "csv")]
    if name == "kind":
        return [(k, None) for k in ("contacts", "cases")]
    if name == "action":
        return [(a, None) for a in ACTIONS.get(url_name, ["x"])]
    label = PARAM_MODELS.get(name) or (_path_model(route) if name == "pk" else None)
    assert label, f"no model for {name} in {route} ({url_name}): add it to PARAM_MODELS"
    hostile = set(world.hostile_ids.get(label, []))
    ids = world.out_ids.get(label, []) + world.own_ids.get(label, [])
    return [(str(i), i in hostile) for i in ids] or [("999999", None)]


def _fill(world: World, route: str, url_name: str, key: str) -> list[tuple[str, bool]]:
    """The URLs of a route, each with whether it names an out-of-scope object."""
    names = [m[1] or m[2] for m in PARAM.findall(route)]
    choices = [_values(world, n, route, url_name, key) for n in names]
    urls = []
    for combo in itertools.islice(itertools.product(*choices), 60):
        url = route
        for value, _hostile in combo:
            url = PARAM.sub(value, url, count=1)
        urls.append(("/" + url.lstrip("/"), any(h is True for _v, h in combo)))
    return urls


def crawl_links(client: Client, crawl: Crawl, limit: int = 250) -> None:
    seen: set[str] = set()
    queue = deque(["/"])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        body = crawl.check(f"link {url}", response)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for link in re.findall(r'(?:href|hx-get|src)="(/[^"#]*)"', body):
            link = link.replace("&amp;", "&")
            if link.startswith(("/static/", "/i18n/", "/accounts/logout")) or link in seen:
                continue
            queue.append(link)


def crawl_urlconf(client: Client, crawl: Crawl, key: str) -> None:
    for route, name in _patterns():
        if name.startswith("api:") or name in NOT_CRAWLED:
            continue
        for url, hostile in _fill(crawl.world, route, name, key):
            response = client.get(url)
            crawl.check(f"{name} {url}", response)
            if response.status_code == 405 and hostile:
                # A form's target: posting to another branch's object is refused.
                response = client.post(url, {})
                crawl.writes += 1
                crawl.check(f"POST {name} {url}", response)
                if response.status_code < 400:
                    crawl.accepted.append(f"POST {url} [{response.status_code}]")
        crawl.requested.add(name)


def crawl_api(api: Client, crawl: Crawl) -> None:
    schema = api.get("/api/v1/openapi.json").json()
    for route, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        op = get.get("operationId", route)
        urls = _fill(crawl.world, route.removeprefix("/"), f"api:{op}", "")
        queries = [""]
        for param in get.get("parameters", []):
            if param.get("in") == "query" and param["name"] in ("unit", "code", "body"):
                queries += [f"?{param['name']}={c}" for c in crawl.world.out_codes]
            if param.get("in") == "query" and param["name"] in PARAM_MODELS:
                ids = crawl.world.out_ids.get(PARAM_MODELS[param["name"]], [])
                queries += [f"?{param['name']}={i}" for i in ids]
        for url, _hostile in urls:
            for query in queries if "{" not in route else [""]:
                crawl.check(f"api {url}{query}", api.get(url + query))
        crawl.requested.add(f"api:{op}")
    # Every other operation, on another branch's objects, is refused (whatever its body).
    for route, operations in schema["paths"].items():
        for method in ("post", "put", "patch", "delete"):
            if method not in operations:
                continue
            op = operations[method].get("operationId", route)
            for url, hostile in _fill(crawl.world, route.removeprefix("/"), f"api:{op}", ""):
                if not hostile:
                    continue
                send = getattr(api, method)
                response = send(url, data="{}", content_type="application/json")
                crawl.writes += 1
                crawl.check(f"{method.upper()} api {url}", response)
                if response.status_code < 400:
                    crawl.accepted.append(f"{method.upper()} {url} [{response.status_code}]")


def make_exports(user: User) -> int:
    """Every export the role may make of its branch, so the crawl downloads them. The tasks run
    at once, when the caller's ``django_capture_on_commit_callbacks`` runs the callbacks."""
    from django.test.utils import override_settings

    from branchwork.core.errors import PermissionDeniedError
    from branchwork.imports import exports
    from branchwork.imports.export_build import KINDS
    from branchwork.imports.export_columns import columns_for
    from branchwork.imports.selection import Selection

    made = 0
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        for kind, spec in KINDS.items():
            for file_format in spec.formats:
                try:
                    exports.start_export(
                        actor=user,
                        kind=kind,
                        file_format=file_format,
                        selection=Selection.from_data({}),
                        columns=[c.name for c in columns_for(kind, user)],
                        recipient="crawler",
                        purpose="leak test",
                        language="ja",
                    )
                except PermissionDeniedError:
                    continue
                made += 1
    return made


@pytest.mark.parametrize("role", ROLES)
def test_no_out_of_scope_object_reaches_any_role(
    role: str, django_capture_on_commit_callbacks: Any
) -> None:
    world = build_world()
    assert world.marked > 1000, world.marked
    for label in ("people.Person", "people.Household", "care.Case", "money.Transaction"):
        assert world.out_ids.get(label), label
    user = make_user(f"crawler-{role}", role, world.home)
    with django_capture_on_commit_callbacks(execute=True):
        exports_made = make_exports(user)
    from branchwork.activities.calendars import key_for

    key = key_for(user).key
    client = signed_in(user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user, name='crawl')[1]}")
    crawl = Crawl(world)
    crawl_links(client, crawl)
    crawl_urlconf(client, crawl, key)
    crawl_api(api, crawl)

    missing = {
        name
        for _route, name in _patterns()
        if name not in crawl.requested and name not in NOT_CRAWLED
    } - {n for n in crawl.requested if n.startswith("api:")}
    missing = {n for n in missing if not n.startswith("api:")}
    assert not missing, f"URL patterns the crawl did not request: {sorted(missing)}"
    assert crawl.count > 500, crawl.count
    assert crawl.writes > 250, crawl.writes
    assert crawl.statuses[200] > 50, dict(crawl.statuses)
    assert not crawl.leaks, "\n".join(sorted(set(crawl.leaks))[:80])
    assert not crawl.accepted, "\n".join(crawl.accepted[:80])
    assert exports_made >= 0


def test_the_markers_show_where_they_are_in_scope() -> None:
    """The crawl can fail: the planted markers are on the pages of a user who may see them."""
    world = build_world()
    central = world.home.ancestors()[0]
    client = signed_in(make_user("crawler-central", "administrator", central))
    crawl = Crawl(world)
    shown = set()
    for label, route in (
        ("people.Person", "/people/{}/"),
        ("people.Household", "/households/{}/"),
        ("care.Case", "/cases/{}/"),
        ("money.Transaction", "/money/transactions/{}/"),
    ):
        pk = world.hostile_ids[label][0]
        crawl.check(label, client.get(route.format(pk)))
        shown |= {leak.split(" shows ")[1].split(" #")[0] for leak in crawl.leaks}
    assert shown >= {"people.Person", "people.Household", "care.Case", "money.Transaction"}
