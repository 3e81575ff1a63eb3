"""The registry's CJK-aware search: keys written per person, and planned queries over them.

Every name form of a person is normalised (``branchwork.core.text.normalise``: width, kana
type, case and spacing fold away) into *tokens*: each family and each given name form, the
whole name (family and given name together, per script), and the hangul surnames a romanised
surname may stand for. **A search word finds a person when it is the start of one of their
tokens**: "김", "김민", "민수" and "김민수" all find 김민수, "Lee", "Yi" and "Rhee" find 이,
and "スンジャ" or "ｽﾝｼﾞｬ" find すんじゃ. Words are ANDed. Phone numbers (their last 8 digits) and
e-mail addresses are matched whole.

Two derived structures serve this, written together by :func:`reindex` and the bulk path:

* ``PersonSearchKey`` rows ``t:<token>`` for each part of a name, ``w:<family> <given>`` for
  each whole name, ``p:<digits>`` and ``e:<address>``, keyed by (person, key) with a (key,
  person) index. The people a word finds are a few ranges of that index: the tokens starting
  with it, and the whole names it runs into past a family name (split after each character;
  keys compare bytewise on both databases). A whole name keyed apart keeps a common family
  name's range to one key per person.
* ``Person.search_text``: the person's tokens in one string (" 김 김민수 민수 …"), so a person
  already at hand is checked for a word by looking in their own row.

A query is planned: when one of its words finds few people (counted on the index, the counts
kept an hour), the search starts from those people; otherwise it goes through the people in
scope, checking each. Over a wide scope (the federation) :func:`search_ids` stops at the
list's limit: two common words typed as a name are first looked for as a whole name, which
fills the list when they are common together; otherwise the least common word's keys are
walked in one statement, each person checked in their row, or, on PostgreSQL when it costs
less, the words' keys are hashed and joined in the index before any row is read. Every plan
checks every word on the person's own row, so they find the same people.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from branchwork.core.bulk import bulk_insert_fanout
from branchwork.core.db import pk_in
from branchwork.core.text import name_keys, normalise, query_keys

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


KEY_LENGTH = 80  # PersonSearchKey.key


@lru_cache(maxsize=200_000)
def _part_tokens(
    forms: tuple[str, ...],
) -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """The tokens of one part of a name (its family or its given name in every form, the last
    one romanised), each form normalised, for the whole name, and the tokens' keys.

    Parts repeat a lot (a few hundred family names cover most people, given names come from a
    few thousand), so each combination is computed once.
    """
    tokens: set[str] = set()
    for form in forms[:-1]:
        if form:
            tokens |= name_keys(hangul=form)
    if forms[-1]:
        tokens |= name_keys(latin=forms[-1])
    keys = frozenset(_token_key(token) for token in tokens)
    return frozenset(tokens), tuple(normalise(form) for form in forms), keys


_family_forms = attrgetter(*NAME_PARTS[0])
_given_forms = attrgetter(*NAME_PARTS[1])
_NOT_DIGITS = re.compile(r"\D")


def _name_tokens(person: Any) -> tuple[set[str], set[tuple[str, str]]]:
    """The tokens of a person's family and given names, and their whole names as (family,
    given) pairs, one per script that has both."""
    family, family_norm, _keys = _part_tokens(_family_forms(person))
    given, given_norm, _keys = _part_tokens(_given_forms(person))
    parts = set(family)
    parts |= given
    wholes = {(f, g) for f, g in zip(family_norm, given_norm, strict=True) if f and g}
    return parts, wholes


def tokens_for(person: Any) -> set[str]:
    """The normalised tokens a person is found by (any object with the name fields): each part
    of the name, and the whole name as typed without a space."""
    parts, wholes = _name_tokens(person)
    return parts | {f + g for f, g in wholes}


def index_entries(person: Any) -> tuple[set[str], str]:
    """The search keys and the search text of a person (any object with the name and contact
    fields), as :func:`reindex` and the bulk path write them: the keys of :func:`tokens_for`'s
    tokens, the whole names keyed apart, the phone numbers and the e-mail address.

    Written out rather than through :func:`_name_tokens`: a bulk load makes this for every
    person, and the parts' keys come ready from their cache."""
    family, family_norm, family_keys = _part_tokens(_family_forms(person))
    given, given_norm, given_keys = _part_tokens(_given_forms(person))
    keys = set(family_keys)
    keys |= given_keys
    tokens = set(family)
    tokens |= given
    for f, g in zip(family_norm, given_norm, strict=True):
        if f and g:
            tokens.add(f + g)
            keys.add(_whole_key(f, g))
    for number in (person.phone, person.mobile):
        if number:
            digits = number.replace("-", "")  # the stored form: 090-1234-5678
            if not (digits.isascii() and digits.isdigit()):
                digits = _NOT_DIGITS.sub("", number)
            if digits:
                keys.add(f"p:{digits[-8:]}")  # the last 8 digits: national or +81 forms meet
    if person.email:
        keys.add(f"e:{person.email.strip().lower()}"[:KEY_LENGTH])
    return keys, (" " + " ".join(sorted(tokens))) if tokens else ""


def keys_for(person: Any) -> set[str]:
    """The search keys of a person (see :func:`index_entries`)."""
    return index_entries(person)[0]


def reindex(people: Iterable[Person]) -> None:
    """Rewrite the search keys and text of these people (call inside the writing transaction)."""
    people = list(people)
    PersonSearchKey.objects.filter(person__in=[p.pk for p in people]).delete()
    rows = []
    for person in people:
        keys, text = index_entries(person)
        rows += [PersonSearchKey(person_id=person.pk, key=k) for k in sorted(keys)]
        if person.search_text != text:
            person.search_text = text
            Person.objects.filter(pk=person.pk).update(search_text=text)
    PersonSearchKey.objects.bulk_create(rows, batch_size=2000)


def index_unindexed(batch: int = 2000) -> int:
    """Write keys and text for people who have no keys yet, through the fast bulk path (demo,
    imports); return the keys written.

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
        entries = [(p, *index_entries(p)) for p in people]
        for person, _keys, text in entries:
            person.search_text = text
        Person.objects.bulk_update(people, ["search_text"], batch_size=500)
        written += bulk_insert_fanout(
            PersonSearchKey, ("person", "key"), [(p.pk, keys) for p, keys, _t in entries]
        )
    return written


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------

#: A word that finds at most this many people (counted on the index) starts the search from
#: them; a query with no such word goes through the people in scope, or, when the scope is
#: wide, walks its least common word's keys (docs/benchmarks.md has the measurements).
DRIVE_LIMIT = 8_000
_COUNTS: dict[str, tuple[float, int]] = {}
_COUNTS_TTL = 3600.0  # seconds; a stale count only changes the plan, never the result


def _token_key(token: str) -> str:
    """The key of a token, or of a word's prefix of one (cut to the column's length: a range on
    a cut prefix finds a few more people, whom the search text then turns away)."""
    return f"t:{token}"[:KEY_LENGTH]


def _whole_key(family: str, given: str) -> str:
    """The key of a whole name: family and given name apart, so that a word is looked up in the
    whole names only where it runs on past a family name (see :func:`_ranges`)."""
    return f"w:{family} {given}"[:KEY_LENGTH]


def _ranges(prefix: str) -> tuple[str, ...]:
    """Where the keys of the people a word's prefix finds begin: a token starting with it
    (``t:``), or a whole name it runs into, split after each possible family name (``w:``). A
    whole name the word ends within the family name of is found by the family name itself, so
    the ranges hold each person once per token of theirs that the word starts."""
    return (_token_key(prefix),) + tuple(
        _whole_key(prefix[:i], prefix[i:]) for i in range(1, len(prefix))
    )


def _past(prefix: str) -> str:
    """The first string after every string starting with ``prefix`` (bytewise)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _prefix(prefix: str) -> Q:
    """Keys starting with ``prefix``, as a range the (key, person) index serves on both
    databases: keys compare bytewise (SQLite's BINARY, PostgreSQL's "C" collation on this
    column), so the range is exactly the keys with this prefix. (SQLite's LIKE ignores case
    and so skips the index.)"""
    return Q(key__gte=prefix, key__lt=_past(prefix))


#: A word counted past this is common enough; counting it further would cost more than the
#: plans it chooses between differ by. Among such words the shortest counts as the commonest.
_COUNT_CAP = 50_000


def _postings(starts: Iterable[str]) -> tuple[str, list[str]]:
    """The person ids in the key ranges beginning with ``starts``, as one SQL query: each range
    its own index scan, read in turn (an OR would make PostgreSQL merge bitmaps of them all and
    read the table's pages). A person comes once per key of theirs in the ranges."""
    keys = connection.ops.quote_name(PersonSearchKey._meta.db_table)
    params = [bound for low in starts for bound in (low, _past(low))]
    one = f"SELECT k.person_id FROM {keys} AS k WHERE k.key >= %s AND k.key < %s"  # noqa: S608
    return " UNION ALL ".join([one] * (len(params) // 2)), params


def _people_count(starts: tuple[str, ...]) -> int:
    """How many keys begin with any of ``starts`` (up to :data:`_COUNT_CAP`), kept a few
    minutes."""

    def count() -> int:
        postings, params = _postings(starts)
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT COUNT(*) FROM ({postings} LIMIT %s) AS x",  # noqa: S608
                [*params, _COUNT_CAP],
            )
            return int(cur.fetchone()[0])

    return _remembered(_COUNTS, "\n".join(starts), count)


def _remembered(store: dict[str, tuple[float, int]], key: str, count: Callable[[], int]) -> int:
    """A count kept for :data:`_COUNTS_TTL` seconds (a stale one only changes the plan)."""
    now = time.monotonic()
    hit = store.get(key)
    if hit is not None and now - hit[0] < _COUNTS_TTL:
        return hit[1]
    if len(store) > 50_000:
        store.clear()
    store[key] = (now, count())
    return store[key][1]


#: A scope of more than SCOPE_LIMIT people is "wide" (most of the registry, not a region):
#: going through it person by person costs more than starting from a word's keys, even a
#: common word's.
SCOPE_LIMIT = 50_000
#: Over a wide scope, with several words, a word finding at most this many people starts the
#: search (search()); with any number of words, search_ids() walks the keys in SQL instead.
WIDE_DRIVE_LIMIT = 60_000


#: From this many people in scope, PostgreSQL is told to go through them by the unit index
#: (bench/registry.py: a region of 35,000 people in 60 units, 40 ms that way, 390 ms by a
#: parallel pass over the table, which it picked).
UNIT_INDEX_FROM = 5_000


_SCOPES: dict[str, tuple[float, int]] = {}


def _scope_size(people: QuerySet[Person]) -> int:
    """How many people a scoped queryset holds, counted up to just past :data:`SCOPE_LIMIT`
    and kept an hour (the same user's next search reuses it)."""
    return _remembered(
        _SCOPES,
        str(people.query),
        lambda: people.order_by().values("pk")[: SCOPE_LIMIT + 1].count(),
    )


@dataclass(frozen=True)
class _Word:
    """One search word: its alternatives as token prefixes, or a contact condition."""

    prefixes: tuple[str, ...] = ()
    contact: Q | None = None

    def condition(self) -> Q:
        if self.contact is not None:
            return self.contact
        cond = Q(pk__in=[])
        for prefix in self.prefixes:
            cond |= Q(search_text__contains=f" {prefix}")
        return cond

    @property
    def starts(self) -> tuple[str, ...]:
        """Where the key ranges of the people this word finds begin (see :func:`_ranges`)."""
        return tuple(start for prefix in self.prefixes for start in _ranges(prefix))

    def estimate(self) -> int:
        if self.contact is not None:
            return 1  # a phone number or an address: a handful of people at most
        return _people_count(self.starts)

    def people(self) -> Q:
        if self.contact is not None:
            return self.contact
        # The SQL is made here; the keys are parameters.
        return Q(pk__in=RawSQL(*_postings(self.starts)))  # noqa: S611


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


def _words(query: str) -> list[_Word]:
    words: list[_Word] = []
    for term in query.split():
        contact = contact_q(term)
        if contact is not None:
            words.append(_Word(contact=contact))
            continue
        alternatives = set().union(*query_keys(term))
        if alternatives:  # a term of separators only ("・") narrows nothing
            words.append(_Word(prefixes=tuple(sorted(alternatives))))
    return words


def search(people: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Filter an already scoped queryset of people by a search-box query (words are ANDed).

    Every word is checked on the person's own search text; when the most selective word finds
    at most :data:`DRIVE_LIMIT` people, the query also starts from them through the key index.
    Either way the result is the same; only the work done to reach it differs.
    """
    whole = contact_q("".join(query.split()))
    if whole is not None:  # a phone number typed with spaces ("+81 90 1234 5678")
        return people.filter(whole)
    words = _words(query)
    if not words:
        return people
    driver = min(words, key=lambda w: w.estimate())
    n = driver.estimate()
    if n <= DRIVE_LIMIT or (
        # Several common words over a wide scope ("Pak Ho" across the federation): the people
        # matching all of them are few and scattered, so going through the scope would read
        # most of it. Starting from the least common word reads fewer.
        len(words) > 1 and n <= WIDE_DRIVE_LIMIT and _scope_size(people) > SCOPE_LIMIT
    ):
        people = people.filter(driver.people())
    for word in words:
        people = people.filter(word.condition())
    return people


def search_ids(people: QuerySet[Person], query: str, limit: int) -> tuple[list[int], bool]:
    """The ids of at most ``limit`` people the query finds, in the list's order
    (:data:`LIST_ORDER`), and whether there are more: what a list shows, without going through
    every match of a one-word query over the registry."""
    if contact_q("".join(query.split())) is None:
        words = _words(query)
        if (
            words
            and all(word.contact is None for word in words)
            and _scope_size(people) > SCOPE_LIMIT
        ):
            sizes = sorted(word.estimate() for word in words)
            if len(words) > 1 and sizes[0] > DRIVE_LIMIT:
                # Common words typed as a name ("Kim Chol"): the people whose whole name is
                # one followed by the other are read first. When they fill the list, no one
                # else needs to be looked for.
                pairs = _whole_name_starts(words)
                if _people_count(pairs) > limit:  # (counted on the index: cheaper than a walk)
                    fast = _streamed_ids(people, words, pairs, limit)
                    if fast is not None and fast[1]:
                        return fast
            if connection.vendor == "postgresql" and _hashing_pays(sizes):
                return _hashed_ids(people, words, limit)
            if sizes[0] > DRIVE_LIMIT:
                driver = min(words, key=lambda w: w.estimate())
                streamed = _streamed_ids(people, words, driver.starts, limit)
                if streamed is not None:
                    return streamed
    # Unordered: which people are found first does not matter, and an order would make the
    # database walk everyone in that order rather than start from the word or the scope.
    found = search(people, query).order_by().values_list("pk", *LIST_ORDER)[: limit + 1]
    if connection.vendor != "postgresql" or _scope_size(people) <= UNIT_INDEX_FROM:
        return _listed(found, limit)
    # PostgreSQL would read the whole table (in parallel) to go through a region's people: it
    # cannot tell that they are a few thousand pages of it, read through the unit index.
    with transaction.atomic(using=people.db), connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        rows = list(found)
        cur.execute("RESET enable_seqscan")
    return _listed(rows, limit)


#: The order a list of people found is shown in (then by id): the name's reading.
LIST_ORDER = ("family_name_kana", "given_name_kana")


def _listed(
    rows: Iterable[Sequence[Any]], limit: int, more: bool = False
) -> tuple[list[int], bool]:
    """The first ``limit`` people of ``rows`` (each an id and the :data:`LIST_ORDER` columns;
    repeats dropped) in the list's order, and whether there are more (more rows than that, or
    ``more``). Sorted here rather than by the database: the rows are at hand, and a second
    statement to order them by id costs more than the search. Python orders strings by code
    point, as the C collation does (kana in their syllabary order)."""
    first: dict[int, Sequence[Any]] = {}
    for row in rows:
        first.setdefault(row[0], row)
    found = list(first.values())
    shown = sorted(found[:limit], key=lambda r: (*(v or "" for v in r[1:]), r[0]))
    return [row[0] for row in shown], more or len(found) > limit


#: What PostgreSQL spends, in microseconds, to read a person's row for a check (an index
#: descent and a heap page: the nested loop of the other plans), to hash a person id, and to
#: look one up in a hash while walking keys (bench/registry.py, 2 CPUs).
CHECK_US, HASH_US, PROBE_US = 5.0, 0.5, 0.3


def _hashing_pays(sizes: list[int]) -> bool:
    """Whether the hashed plan (:func:`_hashed_ids`) costs less than reading a row per key of
    the least common word, for words finding ``sizes`` people (least first) in a wide scope.

    Only over a wide scope (most of the registry): the people the words share are then mostly
    in scope. In a region's scope most of them are turned away by their own row, so reading
    rows from the start costs less than finding many people only to read and turn them away.
    (Hashing the scope's people too would take a pass over their rows: the scope is known by
    unit.)"""
    if len(sizes) < 2:
        return False
    hashed = sum(sizes[:-1])
    walked = sizes[-1] if sizes[-1] < _COUNT_CAP else 2 * _COUNT_CAP  # counted no further
    return CHECK_US * sizes[0] > HASH_US * hashed + PROBE_US * walked


def _checked(people: QuerySet[Person], words: list[_Word]) -> QuerySet[Person]:
    """The people in scope who have every word, each checked in their own row."""
    checked = people.select_related(None).order_by()
    for word in words:
        checked = checked.filter(word.condition())
    return checked


def _hashed_ids(people: QuerySet[Person], words: list[_Word], limit: int) -> tuple[list[int], bool]:
    """Common words over most of the registry, on PostgreSQL: the people every word's keys
    hold, found in the key index alone. The less common words' people are hashed; the most
    common word's keys are walked against them until enough are found; only those people are
    read and checked. Matches that are scattered ("Im Yong": two common words, a few hundred
    people with both) cost one pass over each word's keys instead of a row read per key.

    The planner is told not to join by nested loops here: its estimates for key ranges are
    far off, and a nested loop over two ranges of tens of thousands of keys is the worst plan.
    """
    ordered = sorted(words, key=lambda w: (w.estimate(), -min(map(len, w.prefixes))))
    walked, params = _postings(ordered[-1].starts)
    conditions = []
    for word in ordered[:-1]:
        hashed, hashed_params = _postings(word.starts)
        conditions.append(f"k.person_id IN ({hashed})")
        params += hashed_params
    sql = (
        f"SELECT k.person_id FROM ({walked}) AS k WHERE {' AND '.join(conditions)}"  # noqa: S608
        " LIMIT %s"
    )
    checked = _checked(people, words)
    # A person comes once per key of theirs the walked word starts: once per script it is in.
    wanted = (limit + 1) * len(ordered[-1].prefixes)
    while True:
        with transaction.atomic(using=people.db), connection.cursor() as cur:
            cur.execute("SET LOCAL enable_nestloop = off; SET LOCAL jit = off")
            cur.execute(sql, [*params, wanted])
            rows = cur.fetchall()
            cur.execute("RESET enable_nestloop; RESET jit")
        candidates = list(dict.fromkeys(row[0] for row in rows))
        found = list(
            checked.filter(pk_in(candidates, people.db)).values_list("pk", *LIST_ORDER)[: limit + 1]
        )
        if len(found) > limit or len(rows) < wanted:
            return _listed(found, limit)
        # Repeats or people turned away by their own row left too few: ask for more.
        wanted *= 4


def _whole_name_starts(words: list[_Word]) -> tuple[str, ...]:
    """The whole-name key ranges of the first two words read as a family and a given name, in
    either order: the people they hold have both words."""
    first, second = words[0].prefixes, words[1].prefixes
    return tuple(
        _whole_key(family, given)
        for a, b in ((first, second), (second, first))
        for family in a
        for given in b
    )


def _streamed_ids(
    people: QuerySet[Person], words: list[_Word], starts: tuple[str, ...], limit: int
) -> tuple[list[int], bool] | None:
    """Common words over a wide scope: walk the keys beginning with ``starts`` (the least
    common word's, or a whole name's) in index order, each person checked in their own row for
    the scope and every word, until ``limit`` are found. A
    common word is done after its first thousand keys; scattered matches cost one read per key
    of that word, never a pass over the whole scope.

    The people's own conditions are taken from the queryset as SQL; a queryset that joins other
    tables is left to :func:`search` (``None``).
    """
    checked = _checked(people, words)
    query = checked.query
    if sum(1 for alias in query.alias_map if query.alias_refcount[alias]) != 1:
        return None
    compiler = query.get_compiler(using=checked.db)
    try:
        where, where_params = compiler.compile(query.where)
    except EmptyResultSet:  # a scope of nobody
        return [], False
    table = connection.ops.quote_name(Person._meta.db_table)
    columns = [connection.ops.quote_name(name) for name in LIST_ORDER]  # columns named as fields
    shown = ", ".join(columns)
    if connection.vendor == "postgresql":
        # A LATERAL subquery behind OFFSET 0 is run per key, in the keys' order: PostgreSQL
        # cannot turn it into the hash join over every person it would otherwise pick. A
        # person with several tokens starting with the word comes once per token, so more
        # rows may be needed and the repeats are dropped here.
        postings, params = _postings(starts)
        sql = (
            f"SELECT k.person_id, {shown} FROM ({postings}) AS k CROSS JOIN LATERAL"  # noqa: S608
            f" (SELECT {shown} FROM {table} WHERE {table}.id = k.person_id AND ({where})"
            " OFFSET 0) AS x LIMIT %s"
        )
        # Read just enough rows first; only when repeats leave too few, read three times as many.
        for rows_wanted in (limit + 1, 3 * (limit + 1)):
            with connection.cursor() as cur:
                cur.execute(sql, [*params, *where_params, rows_wanted])
                rows = cur.fetchall()
            if len({row[0] for row in rows}) > limit or len(rows) < rows_wanted:
                break
        return _listed(rows, limit, more=len(rows) == rows_wanted)
    # SQLite keeps the tables in the order written when told CROSS JOIN: the keys first. The
    # ranges are read one after another (as an OR of them, SQLite gathered every key first
    # and took seconds over ten thousand).
    postings, params = _postings(starts)
    sql = (
        f"SELECT DISTINCT k.person_id, {', '.join(f'{table}.{c}' for c in columns)}"  # noqa: S608
        f" FROM ({postings}) AS k CROSS JOIN {table} ON {table}.id = k.person_id"
        f" WHERE ({where}) LIMIT %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, *where_params, limit + 1])
        return _listed(cur.fetchall(), limit)


__all__ = [
    "LIST_ORDER",
    "index_entries",
    "index_unindexed",
    "keys_for",
    "reindex",
    "search",
    "search_ids",
]
