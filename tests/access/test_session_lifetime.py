"""How long a sign-in lasts: it ends when left idle for SESSION_COOKIE_AGE, slides while used,
and ends SESSION_ABSOLUTE_AGE after it began however often it is used; a congress phone keeps
its binding through a long day and through the end of a sign-in on it.

The clock is moved by replacing ``django.utils.timezone.now``, which the session store, the
middleware and the audit log all read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchwork.access.middleware import SIGNED_IN_AT
from branchwork.access.models import AuditEvent
from tests.conftest import Federation, checked_in_delegate

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
HOME = "/"
LONG_SIGN_IN = "You were signed in for a long time, so you were signed out."


class Clock:
    def __init__(self, monkeypatch: Any) -> None:
        self.offset = dt.timedelta(0)
        real = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real() + self.offset)

    def advance(self, **delta: float) -> None:
        self.offset += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    return Clock(monkeypatch)


def sign_in(username: str) -> Client:
    """Signed in through the form, as a person does (in English, to read the messages)."""
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("access:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    return client


def keep_using(client: Client, clock: Clock, seconds: int, page: str = HOME) -> None:
    """Move the clock on by ``seconds``, using the page often enough that it never idles."""
    step = settings.SESSION_COOKIE_AGE // 3
    while seconds > step:
        clock.advance(seconds=step)
        seconds -= step
        assert client.get(page).status_code == 200
    clock.advance(seconds=seconds)


def signed_out_to_login(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("access:login"))


def test_an_idle_session_past_its_age_is_refused(
    federation: Federation, clock: Clock, settings: Any
) -> None:
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert not settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    settings.SESSION_ABSOLUTE_AGE = 30 * 24 * 3600  # here only the idle limit may end it
    client = sign_in("officer-a")
    clock.advance(seconds=settings.SESSION_COOKIE_AGE - 60)
    assert client.get(HOME).status_code == 200  # used just in time: it slides
    clock.advance(seconds=settings.SESSION_COOKIE_AGE - 60)
    assert client.get(HOME).status_code == 200
    clock.advance(seconds=settings.SESSION_COOKIE_AGE + 1)  # left idle past its age
    response = client.get(HOME)
    assert signed_out_to_login(response)
    assert response["Location"] == f"{reverse('access:login')}?next={HOME}"
    # The session is gone from the store, not merely unused.
    assert client.get(reverse("access:account")).status_code == 302
    assert LONG_SIGN_IN not in client.get(reverse("access:login")).content.decode()


def test_a_sign_in_ends_at_its_absolute_age_however_often_it_is_used(
    federation: Federation, clock: Clock
) -> None:
    client = sign_in("officer-a")
    user_id = federation.officer_a.pk
    keep_using(client, clock, settings.SESSION_ABSOLUTE_AGE - 60)
    assert client.get(HOME).status_code == 200
    clock.advance(seconds=60)
    response = client.get(HOME)
    assert signed_out_to_login(response)
    assert response["Location"] == f"{reverse('access:login')}?next={HOME}"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert LONG_SIGN_IN in page.content.decode()
    assert AuditEvent.objects.filter(action="sign_out", actor_id=user_id).exists()
    # Signing in again starts a new lifetime.
    again = sign_in("officer-a")
    assert again.get(HOME).status_code == 200


def test_a_fragment_after_the_absolute_age_sends_the_whole_page_to_sign_in(
    federation: Federation, clock: Clock
) -> None:
    client = sign_in("officer-a")
    keep_using(client, clock, settings.SESSION_ABSOLUTE_AGE)
    response = client.get(HOME, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("access:login")
    assert "_auth_user_id" not in client.session


def test_a_sign_in_from_before_the_rule_is_timed_from_its_next_request(
    federation: Federation, clock: Clock
) -> None:
    client = sign_in("officer-a")
    session = client.session
    del session[SIGNED_IN_AT]
    session.save()
    clock.advance(hours=1)
    assert client.get(HOME).status_code == 200
    assert isinstance(client.session[SIGNED_IN_AT], int)
    keep_using(client, clock, settings.SESSION_ABSOLUTE_AGE - 60)
    assert client.get(HOME).status_code == 200
    clock.advance(seconds=60)
    assert signed_out_to_login(client.get(HOME))


def test_the_absolute_age_is_set_from_the_environment(monkeypatch: Any) -> None:
    from branchwork import settings as module

    assert settings.SESSION_ABSOLUTE_AGE == 12 * 3600
    assert settings.SESSION_ABSOLUTE_AGE > settings.SESSION_COOKIE_AGE
    monkeypatch.setenv("BRANCHWORK_SESSION_ABSOLUTE_HOURS", "24")
    assert module._positive_int("BRANCHWORK_SESSION_ABSOLUTE_HOURS", 12) == 24
    for bad in ("0", "-3", "twelve", "1.5"):
        monkeypatch.setenv("BRANCHWORK_SESSION_ABSOLUTE_HOURS", bad)
        with pytest.raises(ImproperlyConfigured, match="BRANCHWORK_SESSION_ABSOLUTE_HOURS"):
            module._positive_int("BRANCHWORK_SESSION_ABSOLUTE_HOURS", 12)


# --------------------------------------------------------------------------------------------
# A congress phone


def _voting_pass(f: Federation) -> str:
    return checked_in_delegate(f)[1]


def _bind(phone: Client, voting_pass: str) -> str:
    """Scan the pass; return the phone's ballot page."""
    response = phone.post(reverse("congress:pass", args=[voting_pass]))
    assert response.status_code == 302
    assert phone.get(response["Location"]).status_code == 200
    return str(response["Location"])


def test_a_phone_stays_bound_through_a_long_congress_day(
    federation: Federation, clock: Clock
) -> None:
    phone = Client()
    ballots = _bind(phone, _voting_pass(federation))
    for _ in range(6):  # 8:30 to 20:30, the phone used every two hours
        clock.advance(hours=2)
        assert phone.get(ballots).status_code == 200
    clock.advance(seconds=settings.SESSION_COOKIE_AGE + 1)  # overnight, unused
    assert phone.get(ballots).status_code == 403


def test_a_phone_keeps_its_binding_when_the_sign_in_on_it_ends(
    federation: Federation, clock: Clock
) -> None:
    phone = sign_in("officer-a")  # a branch officer who is a delegate, on their own phone
    ballots = _bind(phone, _voting_pass(federation))
    keep_using(phone, clock, settings.SESSION_ABSOLUTE_AGE)
    response = phone.get(ballots)
    assert response.status_code == 200  # the sign-in ended, the ballots stay
    assert LONG_SIGN_IN in response.content.decode()
    assert "_auth_user_id" not in phone.session
    assert signed_out_to_login(phone.get(HOME))
    assert phone.get(ballots).status_code == 200
