"""The registry's CJK-aware search: keys written per person, and scoped queries over them.

Keys (see ``branchwork.core.text``): ``t:<token>`` for each whole normalised name form (and the
hangul surname that a romanised surname stands for), ``b:<bigram>`` for each character bigram
of each form, ``p:<digits>`` for phone numbers and ``e:<address>`` for e-mail. A query term
matches a person when, for one of its alternative keys, the person has every bigram of it (a
substring match that works for two-character names), or the whole token for one character.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

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


def keys_for(person: Person) -> set[str]:
    out: set[str] = set()
    for part in NAME_PARTS:
        hangul, kanji, kana, everyday, everyday_kana, latin = (getattr(person, f) for f in part)
        tokens = name_keys(
            hangul=hangul,
            kanji=kanji,
            kana=kana,
            everyday=everyday,
            everyday_kana=everyday_kana,
            latin=latin,
        )
        for token in tokens:
            out.add(f"t:{token}")
            out.update(f"b:{bg}" for bg in bigrams(token))
    # Whole names without the space between family and given name ("김민수", "kimminsu").
    for family_field, given_field in zip(*NAME_PARTS, strict=True):
        whole = normalise(getattr(person, family_field) + getattr(person, given_field))
        if whole:
            out.add(f"t:{whole}")
            out.update(f"b:{bg}" for bg in bigrams(whole))
    for number in (person.phone, person.mobile):
        digits = "".join(ch for ch in number if ch.isdigit())
        if digits:
            out.add(f"p:{digits[-8:]}")  # the last 8 digits: national or +81 forms meet
    if person.email:
        out.add(f"e:{person.email.strip().lower()}")
    return {k[:80] for k in out}


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
    from branchwork.core.bulk import bulk_insert

    ids = list(
        Person.objects.exclude(pk__in=PersonSearchKey.objects.values("person_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    written = 0
    for start in range(0, len(ids), batch):
        people = list(Person.objects.filter(pk__in=ids[start : start + batch]))
        rows = [(p.pk, key) for p in people for key in sorted(keys_for(p))]
        written += bulk_insert(PersonSearchKey, ("person", "key"), rows)
    return written


def _alternative_q(alternative: str) -> Q:
    grams = bigrams(alternative)
    if len(alternative) == 1:
        ids = PersonSearchKey.objects.filter(
            Q(key=f"t:{alternative}") | Q(key__startswith=f"b:{alternative}")
        ).values("person_id")
        return Q(pk__in=ids)
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
                key__startswith="p:", key__endswith=digits[-8:]
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
