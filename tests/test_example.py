"""A tutorial: how tests are written here. Read this first.

1. Data comes from the ``federation`` fixture (tests/conftest.py): a small tree with the three
   standard actors for every access test: an official of the unit that owns the object
   (``officer_a``), an official of a sibling unit (``officer_b``) and an official of the parent
   unit (``regional``). Objects of branch B carry a marker string, ``MARK_B``.
2. Sign in with ``signed_in(user)`` (or the ``as_user`` fixture): it also verifies the second
   factor for users whose grants require one.
3. Every page and API route gets the allowed case, the denied case (404 when out of scope, so
   that existence is not leaked) and the wrong-method case.
4. List pages pin their query count with ``django_assert_num_queries``, and say what each
   query is; the count must not grow with the number of rows.
5. Browser tests live in tests/browser/ and use the ``page`` fixture there (Debian's chromium).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import MARK_B, Federation, signed_in

pytestmark = pytest.mark.django_db


def test_the_three_actors_on_a_unit_page(federation: Federation) -> None:
    url = reverse("org:unit", args=[federation.a.code])
    assert signed_in(federation.officer_a).get(url).status_code == 200  # owner
    assert signed_in(federation.officer_b).get(url).status_code == 404  # sibling: not leaked
    assert signed_in(federation.regional).get(url).status_code == 200  # parent


def test_wrong_method(federation: Federation) -> None:
    url = reverse("org:unit", args=[federation.a.code])
    assert signed_in(federation.officer_a).post(url).status_code == 405


def test_markers_stay_in_their_branch(federation: Federation) -> None:
    page = signed_in(federation.officer_a).get(reverse("org:unit", args=["R1"]))
    assert MARK_B not in page.content.decode()


def test_query_count_is_pinned(federation: Federation, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(federation.regional)
    url = reverse("org:unit", args=[federation.r1.code])
    client.get(url)  # warm up: the session's first write
    # session, user, grants (scope), unit, ancestors, posts, current terms, children, units
    # below each child, people below each child, territory, past terms, merged units. The
    # session is read, not written: it slides at most every few minutes.
    with django_assert_num_queries(13):
        assert client.get(url).status_code == 200
