from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class UnitCardOut(Schema):
    """What a user sees of a unit above its own: a name and public contacts."""

    code: str
    kind: str
    name_ko: str
    name_ja: str
    name_en: str
    public_phone: str
    public_email: str
    full: bool = False


class UnitOut(UnitCardOut):
    parent: str | None
    depth: int
    status: str
    status_date: dt.date | None
    merged_into: str | None
    postal_code: str
    address: str
    full: bool = True

    @staticmethod
    def resolve_parent(obj: Any) -> str | None:
        if isinstance(obj, dict):
            return obj.get("parent")
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_merged_into(obj: Any) -> str | None:
        if isinstance(obj, dict):
            return obj.get("merged_into")
        return obj.merged_into.code if obj.merged_into_id else None


class UnitIn(Schema):
    code: str = Field(max_length=40)
    kind: str
    parent: str = Field(max_length=40)
    name_ko: str = Field(max_length=200)
    name_ja: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    postal_code: str = Field("", max_length=8)
    address: str = Field("", max_length=300)
    public_phone: str = Field("", max_length=30)
    public_email: str = Field("", max_length=254)


class UnitPatch(Schema):
    name_ko: str | None = Field(None, max_length=200)
    name_ja: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=8)
    address: str | None = Field(None, max_length=300)
    public_phone: str | None = Field(None, max_length=30)
    public_email: str | None = Field(None, max_length=254)
    parent: str | None = Field(None, max_length=40)


class MergeIn(Schema):
    target: str = Field(max_length=40)
    on: dt.date | None = None


class TerritoryOut(Schema):
    id: int
    unit: str
    kind: str
    value: str
    label: str


class TerritoryIn(Schema):
    kind: str
    value: str = Field(max_length=12)
    label: str = Field("", max_length=200)


class PostOut(Schema):
    post_type: str
    seats: int
    holders: int
    vacancies: int


class PostIn(Schema):
    post_type: str = Field(max_length=40)
    seats: int = Field(ge=0, le=50)


class TermOut(Schema):
    id: int
    unit: str
    origin_unit: str
    post_type: str
    person_id: int
    person_name: str
    start: dt.date
    end: dt.date | None

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.code)

    @staticmethod
    def resolve_origin_unit(obj: Any) -> str:
        return str(obj.origin_unit.code)

    @staticmethod
    def resolve_post_type(obj: Any) -> str:
        return str(obj.post_type.code)

    @staticmethod
    def resolve_person_name(obj: Any) -> str:
        return str(obj.person.display_name)


class TermIn(Schema):
    post_type: str = Field(max_length=40)
    person_id: int
    start: dt.date
    end: dt.date | None = None


class TermEndIn(Schema):
    end: dt.date


class GrantOut(Schema):
    id: int
    user: str
    role: str
    unit: str
    valid_from: dt.date
    valid_until: dt.date | None
    term_id: int | None
    revoked: bool

    @staticmethod
    def resolve_user(obj: Any) -> str:
        return str(obj.user.username)

    @staticmethod
    def resolve_role(obj: Any) -> str:
        return str(obj.role.code)

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.code)

    @staticmethod
    def resolve_revoked(obj: Any) -> bool:
        return obj.revoked_at is not None


class GrantIn(Schema):
    username: str = Field(max_length=150)
    role: str = Field(max_length=40)
    unit: str = Field(max_length=40)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    term_id: int | None = None


class InvitationIn(Schema):
    email: str = Field(max_length=254)
    role: str = Field(max_length=40)
    unit: str = Field(max_length=40)
    valid_until: dt.date | None = None


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    unit: str
    expires_at: dt.datetime


class ErrorOut(Schema):
    detail: str


class RoleOut(Schema):
    code: str
    name_ko: str
    name_ja: str
    name_en: str
    permissions: list[str]

    @staticmethod
    def resolve_permissions(obj: Any) -> list[str]:
        return sorted(obj.permissions)


class PostTypeOut(Schema):
    code: str
    name_ko: str
    name_ja: str
    name_en: str
    order: int


class PostTypeIn(Schema):
    code: str = Field(max_length=40, pattern=r"^[a-z0-9_-]+$")
    name_ko: str = Field(min_length=1, max_length=200)
    name_ja: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    order: int = Field(100, ge=0, le=1000)


class PersonOut(Schema):
    id: int
    unit: str
    display_name: str
    family_name_hangul: str
    given_name_hangul: str
    family_name_kanji: str
    given_name_kanji: str
    family_name_kana: str
    given_name_kana: str
    everyday_family_name: str
    everyday_given_name: str
    everyday_family_name_kana: str
    everyday_given_name_kana: str
    family_name_latin: str
    given_name_latin: str
    sex: str
    birth_date: dt.date | None
    birth_precision: str
    generation: int | None
    languages: list[str]
    occupation: str
    family_business: str
    phone: str
    mobile: str
    email: str
    postal_code: str
    address: str
    deceased_date: dt.date | None
    notes: str
    version: int
    erased_at: dt.datetime | None = None  # set once the personal data was erased

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.code)


class PersonIn(Schema):
    family_name_hangul: str = Field("", max_length=60)
    given_name_hangul: str = Field("", max_length=60)
    family_name_kanji: str = Field("", max_length=60)
    given_name_kanji: str = Field("", max_length=60)
    family_name_kana: str = Field("", max_length=60)
    given_name_kana: str = Field("", max_length=60)
    everyday_family_name: str = Field("", max_length=60)
    everyday_given_name: str = Field("", max_length=60)
    everyday_family_name_kana: str = Field("", max_length=60)
    everyday_given_name_kana: str = Field("", max_length=60)
    family_name_latin: str = Field("", max_length=60)
    given_name_latin: str = Field("", max_length=60)
    sex: str = Field("", pattern=r"^(|female|male|other)$")
    birth_date: dt.date | None = None
    birth_precision: str = Field("day", pattern=r"^(day|month|year)$")
    generation: int | None = Field(None, ge=1, le=4)
    languages: list[str] = Field(default_factory=list, max_length=8)
    occupation: str = Field("", max_length=100)
    family_business: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    mobile: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    postal_code: str = Field("", max_length=12)
    address: str = Field("", max_length=300)
    deceased_date: dt.date | None = None
    notes: str = Field("", max_length=5000)


class PersonCreateIn(PersonIn):
    unit: str = Field(max_length=40)


class PersonPatch(Schema):
    """Only the fields given are changed; ``version`` is the one the client read."""

    version: int
    family_name_hangul: str | None = Field(None, max_length=60)
    given_name_hangul: str | None = Field(None, max_length=60)
    family_name_kanji: str | None = Field(None, max_length=60)
    given_name_kanji: str | None = Field(None, max_length=60)
    family_name_kana: str | None = Field(None, max_length=60)
    given_name_kana: str | None = Field(None, max_length=60)
    everyday_family_name: str | None = Field(None, max_length=60)
    everyday_given_name: str | None = Field(None, max_length=60)
    family_name_latin: str | None = Field(None, max_length=60)
    given_name_latin: str | None = Field(None, max_length=60)
    occupation: str | None = Field(None, max_length=100)
    family_business: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    mobile: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    postal_code: str | None = Field(None, max_length=12)
    address: str | None = Field(None, max_length=300)
    notes: str | None = Field(None, max_length=5000)


class SensitiveOut(Schema):
    nationality: str
    residency_status: str
    health_notes: str


class SensitiveIn(Schema):
    nationality: str = Field("", max_length=60)
    residency_status: str = Field("", max_length=100)
    health_notes: str = Field("", max_length=5000)


class ConflictOut(Schema):
    detail: str
    current: PersonOut


class RelationOut(Schema):
    relation: str
    person_id: int
    display_name: str


class RelationshipIn(Schema):
    kind: str = Field(pattern=r"^(parent|spouse|sibling|guardian)$")
    relative_id: int


class MembershipOut(Schema):
    id: int
    body: str
    status: str
    joined: dt.date | None
    left: dt.date | None

    @staticmethod
    def resolve_body(obj: Any) -> str:
        return str(obj.body.code)


class MembershipIn(Schema):
    body: str = Field(max_length=40)
    status: str = Field(pattern=r"^(member|supporter|former)$")
    joined: dt.date | None = None
    left: dt.date | None = None


class HouseholdMemberOut(Schema):
    person_id: int
    display_name: str
    relation: str
    since: dt.date
    until: dt.date | None

    @staticmethod
    def resolve_display_name(obj: Any) -> str:
        return str(obj.person.display_name)


class HouseholdOut(Schema):
    id: int
    unit: str
    unit_override: bool
    postal_code: str
    address: str
    members: list[HouseholdMemberOut]

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.code)

    @staticmethod
    def resolve_members(obj: Any) -> list[Any]:
        return list(obj.members.select_related("person").order_by("until", "since"))


class HouseholdIn(Schema):
    person_id: int
    relation: str = Field(pattern=r"^(head|spouse|child|parent|sibling|grandchild|other)$")
    address: str = Field(max_length=300)
    postal_code: str = Field("", max_length=12)
    unit: str | None = Field(None, max_length=40)


class HouseholdMoveIn(Schema):
    address: str = Field(max_length=300)
    postal_code: str = Field("", max_length=12)
    on: dt.date | None = None


class ConsentOut(Schema):
    id: int
    kind: str
    partner: str
    given_on: dt.date
    source: str
    withdrawn_on: dt.date | None


class ConsentIn(Schema):
    kind: str = Field(pattern=r"^(contact|photos|newsletter|share)$")
    partner: str = Field("", max_length=200)
    given_on: dt.date
    source: str = Field(max_length=200)


class EraseIn(Schema):
    """Erasure cannot be undone: the client repeats the person's number to confirm it."""

    confirm_person_id: int
