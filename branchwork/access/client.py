"""The client's address, the one thing every per-address limit keys on.

Behind a reverse proxy every request comes from the proxy's address (``REMOTE_ADDR``), so a
limit per address would put every client in one count. The proxy names the client in
``X-Forwarded-For``, but anyone can send that header: it is believed only from the peers
listed in ``TRUSTED_PROXIES`` (``BRANCHWORK_TRUSTED_PROXIES``; none by default). The header
is read from the right, each proxy having appended the address it saw, and the first address
that is not a trusted proxy is the client; what a client put in the header itself, to the
left of that, is never believed.

``ClientAddressMiddleware`` writes the result into ``REMOTE_ADDR`` (the peer's own address
is kept in ``BRANCHWORK_PEER_ADDR``), so code that reads ``REMOTE_ADDR`` gets the client too;
django-axes asks ``client_address`` itself (``AXES_CLIENT_IP_CALLABLE``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# request.META keys of our own; a header can never set them (headers arrive as HTTP_*).
RESOLVED = "BRANCHWORK_CLIENT_ADDR"  # the client's address, once resolved
PEER = "BRANCHWORK_PEER_ADDR"  # the peer's own address, when it differs
UNKNOWN = "unknown"


@lru_cache(maxsize=8)
def _networks(listed: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in listed)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


@register()
def trusted_proxies_check(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """A trusted network holding the whole Internet lets any client name its own address."""
    broad = [str(net) for net in trusted_networks() if net.prefixlen < net.max_prefixlen // 4]
    if not broad:
        return []
    return [
        Warning(
            f"TRUSTED_PROXIES believes X-Forwarded-For from {', '.join(broad)}: any client "
            "there can choose the address its rate limits count against.",
            hint="List only your reverse proxies in BRANCHWORK_TRUSTED_PROXIES.",
            id="branchwork.access.W001",
        )
    ]


def parse_address(text: str) -> Address | None:
    """An address as a proxy writes it: ``192.0.2.1``, ``192.0.2.1:443``, ``2001:db8::1`` or
    ``[2001:db8::1]:443``; an IPv4-mapped IPv6 address becomes the IPv4 one. None if none."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def resolve(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client's address, from the peer's address and the ``X-Forwarded-For`` it sent."""
    current = parse_address(peer)
    if current is None:
        return UNKNOWN  # no address (a Unix socket): one shared count, never a header's word
    if not networks or not _is_trusted(current, networks):
        return str(current)  # a direct client: whatever it says about itself is ignored
    for hop in reversed([part for part in forwarded_for.split(",") if part.strip()]):
        address = parse_address(hop)
        if address is None:
            break  # garbage from beyond our proxies: the last proxy is all we know
        current = address
        if not _is_trusted(current, networks):
            break
    return str(current)


def client_address(request: HttpRequest) -> str:
    """The address of the client that made ``request`` (see the module's docstring)."""
    meta = request.META
    known = meta.get(RESOLVED)
    if known:
        return str(known)
    address = resolve(
        str(meta.get("REMOTE_ADDR", "") or ""),
        str(meta.get("HTTP_X_FORWARDED_FOR", "") or ""),
        trusted_networks(),
    )
    meta[RESOLVED] = address
    return address


def client_address_or_none(request: HttpRequest) -> str | None:
    """``client_address`` for django-axes (``AXES_CLIENT_IP_CALLABLE``), which stores the
    address in an IP address column: None when there is none."""
    address = client_address(request)
    return None if address == UNKNOWN else address


class ClientAddressMiddleware:
    """Put the client's address in ``REMOTE_ADDR`` before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        address = client_address(request)
        if address not in (peer, UNKNOWN):
            request.META[PEER] = peer
            request.META["REMOTE_ADDR"] = address
        return self.get_response(request)
