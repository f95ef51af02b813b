"""Behind a reverse proxy: who the client is, and whether proxy-set headers may be believed.

``OTT_TRUSTED_PROXIES`` lists the CIDRs of the hops allowed to speak for a client (default:
loopback only). When the TCP peer is one of them, the client address is taken from
``X-Forwarded-For`` walking right to left past trusted hops — the first untrusted address is the
client, so a client cannot pick its own address by sending the header itself (nginx appends the
real peer after anything the client sent). Headers a proxy sets for the app (the country header)
are believed only when the peer is trusted. :func:`proxy_middleware` puts the resolved address in
``request.remote`` (rate limits, logs) and the verdict in ``request[VIA_TRUSTED_PROXY]``.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence

from aiohttp import web
from aiohttp.typedefs import Handler

from server import keys

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
VIA_TRUSTED_PROXY = "via_trusted_proxy"


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs (or single addresses) as networks; ValueError names a bad entry."""
    out: list[Network] = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as err:
            raise ValueError(f"not an IP network: {value!r}") from err
    return tuple(out)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "1.2.3.4:5678"
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


@functools.lru_cache(maxsize=8)
def _cached_networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def trusted_networks(request: web.Request) -> tuple[Network, ...]:
    """The app's ``trusted_proxies`` setting as networks (parsed once per distinct setting)."""
    return _cached_networks(tuple(request.app[keys.SETTINGS].trusted_proxies))


def is_trusted(address: str | None, networks: Sequence[Network]) -> bool:
    """Whether ``address`` lies in one of ``networks``."""
    addr = _address(address) if address else None
    return addr is not None and any(addr in net for net in networks)


def client_address(peer: str | None, forwarded_for: Sequence[str], networks: Sequence[Network]) -> str | None:
    """The client's address given the TCP peer and the ``X-Forwarded-For`` header values.

    An untrusted peer is the client. Otherwise the forwarded list is walked from the right: trusted
    hops are skipped, the first untrusted address is the client; a malformed entry stops the walk
    (everything left of it could be forged) and the last trusted hop counts as the client.
    """
    if not is_trusted(peer, networks):
        return peer
    hops = [h.strip() for value in forwarded_for for h in value.split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        addr = _address(hop)
        if addr is None:
            break
        client = str(addr)
        if not any(addr in net for net in networks):
            break
    return client


def peer_address(request: web.BaseRequest) -> str | None:
    """The TCP peer (the last hop), whatever ``request.remote`` was rewritten to."""
    transport = request.transport
    peername = transport.get_extra_info("peername") if transport is not None else None
    if isinstance(peername, tuple | list) and peername:
        return str(peername[0])
    return request.remote


def via_trusted_proxy(request: web.Request) -> bool:
    """True when the request reached the app through a trusted hop (or from loopback by default)."""
    known = request.get(VIA_TRUSTED_PROXY)
    if isinstance(known, bool):
        return known
    return is_trusted(peer_address(request), trusted_networks(request))


@web.middleware
async def proxy_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolve the client address through trusted hops into ``request.remote``; record the peer's trust."""
    networks = trusted_networks(request)
    peer = peer_address(request)
    trusted = is_trusted(peer, networks)
    if trusted and "X-Forwarded-For" in request.headers:
        client = client_address(peer, request.headers.getall("X-Forwarded-For"), networks)
        if client and client != request.remote:
            request = request.clone(remote=client)
    request[VIA_TRUSTED_PROXY] = trusted
    return await handler(request)
