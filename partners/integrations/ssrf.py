"""Where a webhook may be sent: refuse our own network (SSRF), checked on the resolved addresses. Pure.

The resolver is passed in (socket.getaddrinfo in production), so the rule is tested without DNS. The
sender then connects to one of the addresses checked here, never resolving the name a second time, so a
name that resolves to a public address at check time and to 127.0.0.1 a moment later (DNS rebinding)
gets nowhere.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from husky_support.domain import ErrorKind, Refused

Resolver = Callable[..., Sequence[tuple[Any, ...]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services; link-local covers 169.254.169.254, these are the other well-known ones.
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")})
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


class DestinationRefused(Refused):
    """A webhook destination the portal will not call: stable `code`, `message` for people."""

    kind = ErrorKind.INVALID


@dataclass(frozen=True, kw_only=True)
class Destination:
    scheme: str
    host: str  # the name as written (Host header, TLS SNI and certificate check)
    port: int
    path: str  # path and query to request
    addresses: tuple[str, ...]  # checked IP addresses to connect to, in resolver order


@dataclass(frozen=True, kw_only=True)
class DestinationPolicy:
    allow_http: bool = False
    allow_loopback: bool = False  # local development and tests: a receiver on 127.0.0.1 / ::1


def parse(url: str, policy: DestinationPolicy) -> tuple[str, str, int, str]:
    """Check the URL's shape: scheme, host, no credentials. Returns (scheme, host, port, path)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused("invalid_url", "That is not a valid URL.") from exc
    scheme = parts.scheme.lower()
    if scheme not in {"https", "http"}:
        raise DestinationRefused("invalid_scheme", "Webhook URLs start with https://.")
    if scheme == "http" and not policy.allow_http:
        raise DestinationRefused("https_required", "Webhook URLs must use https://.")
    if parts.username or parts.password:
        raise DestinationRefused("credentials_in_url", "Put no user name or password in the URL.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise DestinationRefused("invalid_url", "The URL has no host name.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or (443 if scheme == "https" else 80), path


def refusal_for(address: IPAddress, policy: DestinationPolicy) -> DestinationRefused | None:
    """Why one resolved address is not a permitted destination, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        if policy.allow_loopback:
            return None
        return DestinationRefused("loopback_address", f"{address} is a loopback address.")
    if address in METADATA_ADDRESSES or address.is_link_local:
        return DestinationRefused("link_local_address", f"{address} is a link-local or metadata address.")
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return DestinationRefused("private_address", f"{address} is a shared (carrier-grade NAT) address.")
    if address.is_private or address.is_unspecified or address.is_reserved or address.is_multicast:
        return DestinationRefused("private_address", f"{address} is a private or reserved address.")
    if not address.is_global:
        return DestinationRefused("private_address", f"{address} is not a public address.")
    return None


def check_url(url: str, policy: DestinationPolicy) -> None:
    """The checks possible without DNS (at registration): shape, and a literal address or localhost."""
    _scheme, host, _port, _path = parse(url, policy)
    if host == "localhost" or host.endswith(".localhost"):
        if not policy.allow_loopback:
            raise DestinationRefused("loopback_address", "localhost is a loopback address.")
        return
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return
    if (refusal := refusal_for(literal, policy)) is not None:
        raise refusal


def resolve_destination(url: str, policy: DestinationPolicy, *, resolve: Resolver) -> Destination:
    """Check the URL and every address its host resolves to (all must be permitted). Raises
    DestinationRefused with a stable code: invalid_url, https_required, dns_failed, loopback_address,
    link_local_address, private_address."""
    scheme, host, port, path = parse(url, policy)
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DestinationRefused("dns_failed", f"{host} could not be resolved.") from exc
    addresses: list[str] = []
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        address = ipaddress.ip_address(raw)
        if (refusal := refusal_for(address, policy)) is not None:
            raise refusal
        if raw not in addresses:
            addresses.append(raw)
    if not addresses:
        raise DestinationRefused("dns_failed", f"{host} has no address.")
    return Destination(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))
