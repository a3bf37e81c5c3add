"""Which addresses a scrape may connect to: public ones only, unless private targets are allowed.

A shared instance fetches whatever URL a teammate adds, so without this anyone who can add a
company could make the server fetch its own loopback, the cloud metadata address or the office
network, and read the difference between an open and a closed port in the error. Loopback,
link-local, private, shared (CGNAT), multicast, reserved and unspecified addresses are refused
unless ``JOBSCRAPER_ALLOW_PRIVATE=1`` (the simulator, tests).

Names are checked as they are resolved, by the resolver the connection itself uses, so a name
cannot answer one address to a check and another to the connect (DNS rebinding); IP literals,
which aiohttp never resolves, are checked before sending. Every redirect hop is a new send, so
each hop is checked the same way.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Mapping
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

ALLOW_PRIVATE_ENV = "JOBSCRAPER_ALLOW_PRIVATE"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(OSError):
    """A connection to a non-public address was refused; ``reason`` is for people."""

    def __init__(self, host: str, address: str) -> None:
        shown = host if host == address else f"{host} ({address})"
        self.reason = (
            f"refused: {shown} is a private, loopback or link-local address "
            f"(set {ALLOW_PRIVATE_ENV}=1 to allow such targets)"
        )
        super().__init__(self.reason)


def allow_private_from_env(env: Mapping[str, str] | None = None) -> bool:
    """True when ``JOBSCRAPER_ALLOW_PRIVATE`` is ``1`` (or true / yes / on)."""
    raw = (os.environ if env is None else env).get(ALLOW_PRIVATE_ENV, "")
    return raw.strip().lower() in ("1", "true", "yes", "on")


def is_public(address: IPAddress) -> bool:
    """True for a globally routable unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        # ::ffff:10.0.0.1 and 2002:7f00:1:: (6to4) reach the IPv4 address they embed.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public(embedded)
        if address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return address.is_global and not address.is_multicast


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def literal_address(host: str) -> IPAddress | None:
    """The address a URL host spells literally (``10.0.0.1``, ``[::1]``), or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def check_url_host(url: str) -> None:
    """BlockedAddress when ``url``'s host is a literal non-public address (names are checked
    when resolved, by ``GuardedResolver``)."""
    host = urlsplit(url).hostname or ""
    address = literal_address(host)
    if address is not None and not is_public(address):
        raise BlockedAddress(host, str(address))


class GuardedResolver(AbstractResolver):
    """aiohttp's default resolver, refusing a name when any address it resolves to is not
    public (a name with one private address is not trusted with its public ones)."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            address = literal_address(result["host"])
            if address is None or not is_public(address):
                raise BlockedAddress(host, result["host"])
        return results

    async def close(self) -> None:
        await self._inner.close()
