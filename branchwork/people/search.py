"""The registry's CJK-aware search: keys written per person, and scoped queries over them.

Keys (see ``branchwork.core.text``): ``b:<bigram>`` for each character bigram of each
normalised name form (and of the hangul surname a romanised surname stands for; a form of one
or two characters is its own key), ``p:<digits>`` for phone numbers and ``e:<address>`` for
e-mail. A query term matches a person when, for one of its alternative keys, the person has
every bigram of it (a substring match that works for two-character names), or, for one
character, a key starting with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from operator import attrgetter
from typing import Any

from django.db.models import Count, Q, QuerySet

from branchwork.core.bulk import bulk_insert_fanout
from branchwork.core.text import bigrams, name_keys, normalise, query_keys

from .models import Person, PersonSearchKey

NAME_PARTS = (
    (
        "family_name_hangul",
        "family_name_kanji",
        "family_name_kana",
        "everyday_family_name",
        "everyday_family_name_kana",
        "family_name_latin",
    ),
    (
        "given_name_hangul",
        "given_name_kanji",
        "given_name_kana",
        "everyday_given_name",
        "everyday_given_name_kana",
        "given_name_latin",
    ),
)


@lru_cache(maxsize=200_000)
def _form_keys(text: str, latin: bool = False) -> frozenset[str]:
    """The bigram keys of one name form."""
    tokens = name_keys(latin=text) if latin else name_keys(hangul=text)
    return frozenset(f"b:{bg}"[:80] for token in tokens for bg in bigrams(token))


@lru_cache(maxsize=200_000)
def _part_keys(forms: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The keys of one part of a name (its family or its given name in every form, the last
    one romanised), and each form normalised, for the keys across family and given name.

    Parts repeat a lot (a few hundred family names cover most people, given names come from a
    few thousand), so each combination is computed once.
    """
    keys: frozenset[str] = frozenset()
    for form in forms[:-1]:
        if form:
            keys |= _form_keys(form)
    if forms[-1]:
        keys |= _form_keys(forms[-1], latin=True)
    return keys, tuple(normalise(form) for form in forms)


_family_forms = attrgetter(*NAME_PARTS[0])
_given_forms = attrgetter(*NAME_PARTS[1])
_NOT_DIGITS = re.compile(r"\D")


def keys_for(person: Any) -> set[str]:
    """The search keys of a person (any object with the person's name and contact fields).

    A one- or two-character name form is its own key ("b:李", "b:민수"), so single characters
    and two-character names are found without a separate whole-token key. The whole name
    written without a space ("김민수", "kimminsu") adds one key per script: the bigram across
    the join of family and given name.
    """
    family, family_norm = _part_keys(_family_forms(person))
    given, given_norm = _part_keys(_given_forms(person))
    out = set(family)
    out |= given
    for f, g in zip(family_norm, given_norm, strict=True):
        if f and g:
            out.add(f"b:{f[-1]}{g[0]}")
    for number in (person.phone, person.mobile):
        digits = _NOT_DIGITS.sub("", number)
        if digits:
            out.add(f"p:{digits[-8:]}")  # the last 8 digits: national or +81 forms meet
    if person.email:
        out.add(f"e:{person.email.strip().lower()}"[:80])
    return out


def reindex(people: Iterable[Person]) -> None:
    """Rewrite the search keys of these people (call inside the writing transaction)."""
    people = list(people)
    PersonSearchKey.objects.filter(person__in=[p.pk for p in people]).delete()
    PersonSearchKey.objects.bulk_create(
        [PersonSearchKey(person_id=p.pk, key=k) for p in people for k in sorted(keys_for(p))],
        batch_size=2000,
    )


def index_unindexed(batch: int = 2000) -> int:
    """Write keys for people who have none yet, through the fast bulk path (demo, imports).

    People are read in batches *before* each write: a COPY on PostgreSQL holds the connection,
    so the rows it consumes must not come from a query still running on it.
    """
    ids = list(
        Person.objects.exclude(pk__in=PersonSearchKey.objects.values("person_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    written = 0
    for start in range(0, len(ids), batch):
        people = list(Person.objects.filter(pk__in=ids[start : start + batch]))
        written += bulk_insert_fanout(
            PersonSearchKey, ("person", "key"), [(p.pk, keys_for(p)) for p in people]
        )
    return written


def _prefix(prefix: str) -> Q:
    """Keys starting with ``prefix``, as a range the (key, person) index serves on both
    databases: keys compare bytewise (SQLite's BINARY, PostgreSQL's "C" collation on this
    column), so the range is exactly the keys with this prefix. (SQLite's LIKE ignores case
    and so skips the index.)"""
    return Q(key__gte=prefix, key__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))


def _alternative_q(alternative: str) -> Q:
    grams = bigrams(alternative)
    if len(alternative) == 1:
        return Q(
            pk__in=PersonSearchKey.objects.filter(_prefix(f"b:{alternative}")).values("person_id")
        )
    ids = (
        PersonSearchKey.objects.filter(key__in=[f"b:{g}" for g in grams])
        .values("person_id")
        .annotate(n=Count("key", distinct=True))
        .filter(n=len(grams))
        .values("person_id")
    )
    return Q(pk__in=ids)


def contact_q(term: str) -> Q | None:
    """A term that looks like a phone number or an e-mail address matches those keys."""
    digits = "".join(ch for ch in normalise(term) if ch.isdigit())
    if len(digits) >= 6 and len(digits) >= len(normalise(term)) - 2:
        return Q(
            pk__in=PersonSearchKey.objects.filter(
                Q(key=f"p:{digits[-8:]}")
                if len(digits) >= 8
                else _prefix("p:") & Q(key__endswith=digits)
            ).values("person_id")
        )
    if "@" in term:
        return Q(
            pk__in=PersonSearchKey.objects.filter(key=f"e:{term.strip().lower()}").values(
                "person_id"
            )
        )
    return None


def search(people: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Filter an already scoped queryset of people by a search-box query (terms are ANDed)."""
    whole = contact_q("".join(query.split()))
    if whole is not None:  # a phone number typed with spaces ("+81 90 1234 5678")
        return people.filter(whole)
    for term in query.split():
        contact = contact_q(term)
        alternatives = set().union(*query_keys(term))
        if contact is None and not alternatives:
            continue  # a term of separators only ("・") narrows nothing
        cond = contact if contact is not None else Q(pk__in=[])
        for alternative in sorted(alternatives):
            cond |= _alternative_q(alternative)
        people = people.filter(cond)
    return people


__all__ = ["index_unindexed", "keys_for", "reindex", "search"]
