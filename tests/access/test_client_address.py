"""Per-address limits key on the client's address: behind a trusted reverse proxy, the address
the proxy names in X-Forwarded-For; from anyone else, the peer's own address, whatever header
it sends (access/client.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.urls import reverse

from branchwork.access.client import _networks, client_address, resolve
from tests.conftest import Federation

pytestmark = pytest.mark.django_db
PROXY = "127.0.0.1"
ALICE, BOB, MALLORY = "203.0.113.10", "198.51.100.20", "192.0.2.66"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_counts() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = [PROXY, "10.0.0.0/8"]


def via_proxy(client_addr: str, spoofed: str = "") -> dict[str, str]:
    """What the application sees from a request relayed by the proxy (which appends the
    address it saw to whatever the client sent)."""
    forwarded = f"{spoofed}, {client_addr}" if spoofed else client_addr
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def direct(client_addr: str, spoofed: str) -> dict[str, str]:
    return {"REMOTE_ADDR": client_addr, "HTTP_X_FORWARDED_FOR": spoofed}


def test_with_no_trusted_proxy_the_header_is_ignored() -> None:
    assert settings.TRUSTED_PROXIES == []  # the default: believe no one
    request = RequestFactory().get("/", **direct(MALLORY, ALICE))
    assert client_address(request) == MALLORY


def test_the_header_is_read_from_the_right_and_only_past_trusted_proxies() -> None:
    trusted = _networks((PROXY, "10.0.0.0/8", "2001:db8:ffff::/48"))
    # The proxy appended the client; what the client sent before that is not believed.
    assert resolve(PROXY, ALICE, trusted) == ALICE
    assert resolve(PROXY, f"{MALLORY}, {ALICE}", trusted) == ALICE
    # Several proxies of ours: skip each of them, from the right.
    assert resolve(PROXY, f"{MALLORY}, {ALICE}, 10.1.2.3, 10.0.0.9", trusted) == ALICE
    # A peer that is not our proxy: its header is ignored.
    assert resolve(MALLORY, ALICE, trusted) == MALLORY
    assert resolve(MALLORY, "", ()) == MALLORY
    # Ports, brackets and IPv4 written as IPv6, as proxies write them.
    assert resolve(PROXY, f"{ALICE}:51234", trusted) == ALICE
    assert resolve(PROXY, "[2001:db8::7]:443", trusted) == "2001:db8::7"
    assert resolve("::ffff:127.0.0.1", ALICE, trusted) == ALICE
    assert resolve("2001:db8:ffff::1", "2001:db8::8", trusted) == "2001:db8::8"
    # Garbage from beyond our proxies: the last proxy is all that is known.
    assert resolve(PROXY, f"{ALICE}, not-an-address", trusted) == PROXY
    assert resolve(PROXY, "", trusted) == PROXY
    # Only proxies of ours in the header: the farthest of them.
    assert resolve(PROXY, "10.0.0.5, 10.0.0.6", trusted) == "10.0.0.5"
    # No usable peer address (a Unix socket): one shared key, never the header's word.
    assert resolve("", ALICE, trusted) == "unknown"


def test_the_trusted_proxies_come_from_the_environment(monkeypatch: Any) -> None:
    from branchwork import settings as module

    monkeypatch.setenv("BRANCHWORK_TRUSTED_PROXIES", " 127.0.0.1 , 10.0.0.0/8,::1 ")
    assert module._networks("BRANCHWORK_TRUSTED_PROXIES") == ["127.0.0.1", "10.0.0.0/8", "::1"]
    monkeypatch.setenv("BRANCHWORK_TRUSTED_PROXIES", "127.0.0.1,proxy.local")
    with pytest.raises(ImproperlyConfigured, match="BRANCHWORK_TRUSTED_PROXIES"):
        module._networks("BRANCHWORK_TRUSTED_PROXIES")
    assert settings.AXES_CLIENT_IP_CALLABLE == "branchwork.access.client.client_address_or_none"


def test_trusting_the_whole_internet_is_warned_of(settings: Any) -> None:
    from branchwork.access.client import trusted_proxies_check

    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8", "fd00:1::/48"]
    assert trusted_proxies_check() == []
    for too_broad in ("0.0.0.0/0", "::/0", "0.0.0.0/7"):
        settings.TRUSTED_PROXIES = ["127.0.0.1", too_broad]
        (warning,) = trusted_proxies_check()
        assert warning.id == "branchwork.access.W001" and too_broad in warning.msg


def test_every_request_carries_the_client_address_in_remote_addr(behind_proxy: None) -> None:
    from django.http import HttpRequest, HttpResponse

    from branchwork.access.client import PEER, ClientAddressMiddleware
    from branchwork.access.views import client_ip

    seen: dict[str, Any] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(remote=request.META["REMOTE_ADDR"], peer=request.META.get(PEER))
        seen["helper"] = client_ip(request)
        return HttpResponse()

    ClientAddressMiddleware(view)(RequestFactory().get("/", **via_proxy(ALICE, MALLORY)))
    assert seen == {"remote": ALICE, "peer": PROXY, "helper": ALICE}
    ClientAddressMiddleware(view)(RequestFactory().get("/", **direct(MALLORY, ALICE)))
    assert seen == {"remote": MALLORY, "peer": None, "helper": MALLORY}


def sign_in(username: str, password: str, meta: dict[str, str]) -> int:
    response = Client().post(
        reverse("access:login"), {"username": username, "password": password}, **meta
    )
    return int(response.status_code)


def test_the_sign_in_limit_counts_each_client_behind_the_proxy(
    federation: Federation, behind_proxy: None, settings: Any
) -> None:
    settings.SIGNIN_RATE_LIMIT = (3, 300)
    for name in ("u1", "u2", "u3"):
        assert sign_in(name, "x", via_proxy(MALLORY)) == 200
    assert sign_in("u4", "x", via_proxy(MALLORY)) == 429
    # Another client behind the same proxy is not caught in Mallory's count…
    assert sign_in("officer-a", PASSWORD, via_proxy(ALICE)) == 302
    # …and Mallory cannot leave it by claiming other addresses in the header.
    assert sign_in("u5", "x", via_proxy(MALLORY, spoofed=BOB)) == 429


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(
    federation: Federation, settings: Any
) -> None:
    settings.SIGNIN_RATE_LIMIT = (3, 300)
    for i, fake in enumerate((ALICE, BOB, "10.0.0.1")):
        assert sign_in(f"u{i}", "x", direct(MALLORY, fake)) == 200
    assert sign_in("u9", "x", direct(MALLORY, "203.0.113.99")) == 429
    assert sign_in("officer-a", PASSWORD, direct(ALICE, "")) == 302


def test_the_lockout_of_django_axes_keys_on_the_client_behind_the_proxy(
    federation: Federation, behind_proxy: None
) -> None:
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("officer-a", "wrong", via_proxy(MALLORY))
    assert sign_in("officer-a", PASSWORD, via_proxy(MALLORY)) == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {MALLORY}
    # The account's owner, elsewhere behind the same proxy, still signs in.
    assert sign_in("officer-a", PASSWORD, via_proxy(ALICE)) == 302


def test_failed_voting_passes_count_per_client_behind_the_proxy(
    db: Any, behind_proxy: None
) -> None:
    from branchwork.congress import views

    url = reverse("congress:pass", args=["WRONGPASS0000000"])
    client = Client()
    for _ in range(views.PASS_FAILURES):
        assert client.post(url, **via_proxy(MALLORY)).status_code == 400
    assert client.post(url, **via_proxy(MALLORY)).status_code == 429
    # A delegate in another hall, behind the same proxy, can still try their pass.
    assert client.post(url, **via_proxy(ALICE)).status_code == 400


def test_password_resets_count_per_client_behind_the_proxy(db: Any, behind_proxy: None) -> None:
    url = reverse("access:password-reset")
    for _ in range(5):
        assert (
            Client().post(url, {"email": "x@example.org"}, **via_proxy(MALLORY)).status_code == 302
        )
    assert Client().post(url, {"email": "x@example.org"}, **via_proxy(MALLORY)).status_code == 429
    assert Client().post(url, {"email": "x@example.org"}, **via_proxy(ALICE)).status_code == 302
