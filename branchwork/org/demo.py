"""Generate a deterministic demo federation: ``branchwork demo --size small|japan --seed N``.

Units are created level by level with ``bulk_create`` (their paths filled in right after), so
the japan size (~3,500 units, ~6,000 officers) loads in seconds on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from branchwork.access.models import Grant, Role, User
from branchwork.core.bulk import bulk_insert, insert_objects, reserve_ids
from branchwork.people.demo_privacy import add_privacy_demo
from branchwork.people.demo_registry import add_residents, load_postal, plan_territories
from branchwork.people.models import Person
from branchwork.people.search import index_unindexed

from .demo_data import (
    DISTRICT_HEADS,
    DISTRICT_ROOTS,
    EVERYDAY_SURNAMES,
    GIVEN_NAMES,
    PREFECTURES,
    SURNAMES,
)
from .models import Post, PostType, Term, TerritoryArea, TerritoryKind, Unit, UnitKind, path_segment
from .reference import install_reference_data

FEDERATION_CODE = "FED"
DEMO_PASSWORD = "branchwork-demo"  # printed by the command; a demo database holds no real data


@dataclass(frozen=True)
class Size:
    regions: int
    branches: int | None  # per region; None: by the prefecture's weight
    groups: int  # per branch
    schools: int
    households: int


SIZES = {
    "small": Size(regions=3, branches=3, groups=3, schools=3, households=240),
    "japan": Size(regions=47, branches=None, groups=10, schools=60, households=200_000),
}


@dataclass
class DemoResult:
    units: int = 0
    people: int = 0
    terms: int = 0
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # user, pw, role, unit
    totp_secrets: dict[str, str] = field(default_factory=dict)
    created: bool = True


def ensure_reference_data() -> None:
    from branchwork.activities.models import EventKind
    from branchwork.activities.reference import install_event_kinds

    install_reference_data(Role, PostType)
    install_event_kinds(EventKind)
    from branchwork.care.models import CaseCategory
    from branchwork.care.reference import install_case_categories

    install_case_categories(CaseCategory)


class _Builder:
    def __init__(self, seed: int, size: str) -> None:
        self.rng = random.Random(seed)
        self.size = size
        self.today = timezone.localdate()

    def district(self) -> tuple[str, str, str]:
        h = self.rng.choice(DISTRICT_HEADS)
        r = self.rng.choice(DISTRICT_ROOTS)
        return h[0] + r[0], h[1] + r[1], h[2] + r[2]

    def person(self, unit: Unit) -> Person:
        s = self.rng.choice(SURNAMES)
        g = self.rng.choice(GIVEN_NAMES)
        p = Person(
            unit=unit,
            family_name_hangul=s[0],
            given_name_hangul=g[0],
            family_name_kanji=s[1],
            given_name_kanji=g[1],
            family_name_kana=s[2],
            given_name_kana=g[2],
            family_name_latin=s[3],
            given_name_latin=g[3],
        )
        if self.rng.random() < 0.5:
            e = self.rng.choice(EVERYDAY_SURNAMES)
            p.everyday_family_name = e[0]
            p.everyday_given_name = g[1]
        return p


def _bulk_units(units: list[Unit], parents: dict[int, Unit]) -> list[Unit]:
    """Insert one level of units with ids reserved first, so their paths are written at once."""
    for u, pk in zip(units, reserve_ids(Unit, len(units)), strict=True):
        parent = parents.get(id(u))
        u.pk = pk
        u.parent = parent
        u.path = (parent.path if parent else "") + path_segment(pk)
        u.depth = parent.depth + 1 if parent else 0
    return insert_objects(Unit, units)


def build_demo(*, size: str = "small", seed: int = 1) -> DemoResult:
    """Generate the demo federation in one transaction.

    Like ``loaddata``, the load runs with SQLite's per-row foreign-key checks off (outside any
    transaction already open, where SQLite allows it) and checks every foreign key of the
    written tables once at the end, which fails the load if one is broken."""
    if size not in SIZES:
        raise ValueError(size)
    if connection.in_atomic_block:
        return _build_demo(size, seed)
    with connection.constraint_checks_disabled(), transaction.atomic():
        result = _build_demo(size, seed)
        connection.check_constraints()
    return result


def _build_demo(size: str, seed: int) -> DemoResult:
    ensure_reference_data()
    result = DemoResult()
    existing = Unit.objects.filter(code=FEDERATION_CODE).first()
    if existing is not None:
        result.created = False
        _collect_logins(result)
        return result
    b = _Builder(seed, size)
    spec = SIZES[size]
    parents: dict[int, Unit] = {}

    fed = Unit(
        code=FEDERATION_CODE,
        kind=UnitKind.FEDERATION,
        name_ko="재일동포연합회",
        name_ja="在日同胞連合会",
        name_en="Federation of Korean Residents",
        postal_code="1000001",
        address="東京都千代田区 (架空)",
        public_phone="03-0000-0000",
        public_email="info@federation.example",
    )
    (fed,) = _bulk_units([fed], parents)

    prefs = PREFECTURES[: spec.regions] if size == "small" else PREFECTURES
    regions = []
    for jis, ja, ko, en, _w in prefs:
        u = Unit(
            code=f"R{jis}",
            kind=UnitKind.REGION,
            name_ko=f"{ko} 본부",
            name_ja=f"{ja}本部",
            name_en=f"{en} Headquarters",
            public_phone=f"0{jis}-000-0000",
            public_email=f"r{jis}@federation.example",
        )
        parents[id(u)] = fed
        regions.append(u)
    regions = _bulk_units(regions, parents)

    # Affiliated bodies at the centre, and in each region; schools attached to regions.
    affiliates = []
    for kind, ko, ja, en in (
        (UnitKind.WOMENS_UNION, "여성동맹", "女性同盟", "Women's Union"),
        (UnitKind.YOUTH_LEAGUE, "청년동맹", "青年同盟", "Youth League"),
        (UnitKind.BUSINESS_ASSOCIATION, "상공회", "商工会", "Business Association"),
    ):
        u = Unit(
            code=f"{kind[:2].upper()}-C",
            kind=kind,
            name_ko=f"중앙 {ko}",
            name_ja=f"中央{ja}",
            name_en=f"Central {en}",
        )
        parents[id(u)] = fed
        affiliates.append(u)
    for r in regions:
        for kind, ko, ja, en in (
            (UnitKind.WOMENS_UNION, "여성동맹", "女性同盟", "Women's Union"),
            (UnitKind.YOUTH_LEAGUE, "청년동맹", "青年同盟", "Youth League"),
        ):
            u = Unit(
                code=f"{kind[:2].upper()}-{r.code}",
                kind=kind,
                name_ko=f"{r.name_ko} {ko}",
                name_ja=f"{r.name_ja}{ja}",
                name_en=f"{r.name_en} {en}",
            )
            parents[id(u)] = r
            affiliates.append(u)
    school_levels = [
        ("초급학교", "初級学校", "Elementary School"),
        ("중급부", "中級部", "Middle School"),
        ("고급학교", "高級学校", "High School"),
        ("유치반", "幼稚班", "Kindergarten"),
    ]
    for i in range(spec.schools):
        r = regions[i % len(regions)]
        lvl = school_levels[i % len(school_levels)]
        d = b.district()
        u = Unit(
            code=f"S{i + 1:03d}",
            kind=UnitKind.SCHOOL,
            name_ko=f"{d[1]} {lvl[0]}",
            name_ja=f"{d[0]}{lvl[1]}",
            name_en=f"{d[2].title()} {lvl[2]}",
        )
        parents[id(u)] = r
        affiliates.append(u)
    affiliates = _bulk_units(affiliates, parents)

    branches: list[Unit] = []
    for r, pref in zip(regions, prefs, strict=True):
        n = spec.branches or pref[4]
        for j in range(n):
            d = b.district()
            u = Unit(
                code=f"B{pref[0]}{j + 1:02d}",
                kind=UnitKind.BRANCH,
                name_ko=f"{pref[2]} {d[1]} 지부",
                name_ja=f"{pref[1]}{d[0]}支部",
                name_en=f"{pref[3]} {d[2].title()} Branch",
                postal_code=f"{len(branches) * 3 % 1000:03d}{b.rng.randint(0, 9999):04d}",
                public_email=f"b{pref[0]}{j + 1:02d}@federation.example",
            )
            parents[id(u)] = r
            branches.append(u)
    branches = _bulk_units(branches, parents)

    groups = []
    for br in branches:
        for k in range(spec.groups):
            u = Unit(
                code=f"G{br.code[1:]}{k + 1:02d}",
                kind=UnitKind.GROUP,
                name_ko=f"{br.name_ko} 제{k + 1}반",
                name_ja=f"{br.name_ja}第{k + 1}班",
                name_en=f"{br.name_en} Group {k + 1}",
            )
            parents[id(u)] = br
            groups.append(u)
    groups = _bulk_units(groups, parents)

    # Territories from real postal codes; a municipality code per branch (fictional map).
    postal = load_postal()
    groups_of: dict[int, list[Unit]] = {}
    for g in groups:
        groups_of.setdefault(g.parent_id or 0, []).append(g)
    areas = plan_territories(postal, branches, groups_of)
    TerritoryArea.objects.bulk_create(
        [
            TerritoryArea(
                unit=br,
                kind=TerritoryKind.MUNICIPALITY,
                value=f"{br.code[1:3]}{100 + int(br.code[3:5]):03d}",
            )
            for br in branches
        ],
        batch_size=1000,
    )

    # Posts and officers.
    ptypes = {p.code: p for p in PostType.objects.all()}
    posts: list[Post] = []
    holders: list[tuple[Unit, PostType]] = []
    officer_units = [fed, *regions, *branches]
    for u in officer_units:
        for code, seats in (
            ("chair", 1),
            ("vice_chair", 2),
            ("secretary", 1),
            ("treasurer", 1),
            ("organiser", 1),
        ):
            posts.append(Post(unit=u, post_type=ptypes[code], seats=seats))
            for _s in range(seats):
                if b.rng.random() < 0.9:  # about one seat in ten is vacant
                    holders.append((u, ptypes[code]))
    for u in [*groups, *affiliates]:
        code = "group_leader" if u.kind == UnitKind.GROUP else "chair"
        posts.append(Post(unit=u, post_type=ptypes[code], seats=1))
        if b.rng.random() < 0.9:
            holders.append((u, ptypes[code]))
    Post.objects.bulk_create(posts, batch_size=1000)

    # Officers and their predecessors go through the fast bulk-write path, ids reserved first.
    people: list[Person] = []
    term_rows: list[tuple[int, int, int, Person, dt.date, dt.date]] = []
    for u, pt in holders:
        start = b.today - dt.timedelta(days=b.rng.randint(30, 3 * 365))
        holder = b.person(u)
        people.append(holder)
        term_rows.append((u.pk, u.pk, pt.pk, holder, start, start + dt.timedelta(days=3 * 365)))
        if b.rng.random() < 0.3:  # some history: a predecessor whose term ended before
            prev = b.person(u)
            people.append(prev)
            term_rows.append(
                (
                    u.pk,
                    u.pk,
                    pt.pk,
                    prev,
                    start - dt.timedelta(days=3 * 365),
                    start - dt.timedelta(days=1),
                )
            )
    insert_objects(Person, people)
    bulk_insert(
        Term,
        ("unit", "origin_unit", "post_type", "person", "start", "end", "note"),
        ((u, o, pt, person.pk, start, end, "") for u, o, pt, person, start, end in term_rows),
    )

    _demo_users(b, fed, regions, branches, groups, result)
    index_unindexed()

    # Residents in households over the territories, with memberships of the federation and of
    # their region's women's union and youth league.
    region_of = {br.pk: br.parent_id for br in branches}
    region_of |= {g.pk: region_of[g.parent_id or 0] for g in groups}
    by_kind_region = {(a.kind, a.parent_id): a for a in affiliates}
    add_residents(
        areas=areas,
        households=spec.households,
        rng=b.rng,
        today=b.today,
        bodies={
            "federation": fed,
            "womens_union": lambda u: by_kind_region.get(
                (UnitKind.WOMENS_UNION, region_of.get(u.pk))
            ),
            "youth_league": lambda u: by_kind_region.get(
                (UnitKind.YOUTH_LEAGUE, region_of.get(u.pk))
            ),
        },
    )
    add_privacy_demo(b.today, b.rng)
    from branchwork.imports.demo import add_import_demo

    add_import_demo(b.rng)
    from branchwork.activities.demo import add_contact_demo

    add_contact_demo(b.today, b.rng)
    from branchwork.activities.demo import add_event_demo

    add_event_demo(b.today, b.rng)
    from branchwork.activities.demo import add_partner_demo

    add_partner_demo(b.rng)
    from branchwork.care.demo import add_care_demo

    add_care_demo(b.today, b.rng)
    from branchwork.care.demo import add_sweep_demo

    add_sweep_demo(b.rng)
    from branchwork.news.demo import add_news_demo

    add_news_demo(b.today, b.rng)
    from branchwork.education.demo import add_school_demo

    add_school_demo(b.today, b.rng)
    from branchwork.money.demo import add_money_demo

    add_money_demo(b.today, b.rng)
    from branchwork.health.demo import add_health_demo

    add_health_demo(b.today)
    from branchwork.congress.demo import add_congress_demo

    add_congress_demo(b.today, b.rng)
    result.units = Unit.objects.count()
    result.people = Person.objects.count()
    result.terms = Term.objects.count()
    _collect_logins(result)
    return result


DEMO_USERS = [
    # username, role code, how to find the unit
    ("central-admin", "administrator", "federation"),
    ("regional-officer", "officer", "region"),
    ("branch-officer", "officer", "branch"),
    ("group-leader", "officer", "group"),
    ("case-worker", "case_worker", "branch"),
    ("school-officer", "officer", "school"),
    ("regional-treasurer", "treasurer", "region"),
]


def _demo_users(
    b: _Builder,
    fed: Unit,
    regions: list[Unit],
    branches: list[Unit],
    groups: list[Unit],
    result: DemoResult,
) -> None:
    import base64

    from django_otp.plugins.otp_totp.models import TOTPDevice

    region = next(r for r in regions if r.code in ("R27", "R01"))
    branch = next(br for br in branches if br.parent_id == region.pk)
    group = next(g for g in groups if g.parent_id == branch.pk)
    school = (
        Unit.objects.filter(kind=UnitKind.SCHOOL, parent=region).order_by("pk").first()
        or Unit.objects.filter(kind=UnitKind.SCHOOL).order_by("pk").first()
        or branch
    )
    where = {
        "federation": fed,
        "region": region,
        "branch": branch,
        "group": group,
        "school": school,
    }
    roles = {r.code: r for r in Role.objects.all()}
    for username, role, level in DEMO_USERS:
        unit = where[level]
        person = b.person(unit)
        person.save()
        user = User(
            username=username,
            email=f"{username}@demo.example",
            person=person,
            first_name=person.given_name_latin,
            last_name=person.family_name_latin,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        Grant.objects.create(
            user=user, role=roles[role], unit=unit, valid_from=b.today - dt.timedelta(days=365)
        )
        if roles[role].permissions & set(settings.TWO_FACTOR_PERMISSIONS):
            key = bytes(b.rng.getrandbits(8) for _ in range(20))
            TOTPDevice.objects.create(user=user, name="demo", confirmed=True, key=key.hex())
            result.totp_secrets[username] = base64.b32encode(key).decode()


def _collect_logins(result: DemoResult) -> None:
    import base64

    from django_otp.plugins.otp_totp.models import TOTPDevice

    for username, _role, _level in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        grant = Grant.objects.filter(user=user).select_related("role", "unit").first()
        if grant is None:
            continue
        result.logins.append((username, DEMO_PASSWORD, grant.role.name_en, grant.unit.code))
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            result.totp_secrets[username] = base64.b32encode(device.bin_key).decode()
