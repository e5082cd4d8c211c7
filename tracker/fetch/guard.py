"""Redirect guard: a server may send the tracker elsewhere, but not into the network it runs in.

A URL written in sources.toml is the operator's choice and is fetched as written (loopback
test servers, an intranet mirror). A redirect is the server's choice: one to a scheme other
than http(s) is refused, and so is one to a host that is not the written one when any
address of that host is private, loopback or link-local (127/8, 10/8, 172.16/12,
192.168/16, 169.254/16, ::1, fc00::/7, fe80::/10 ...): a public policy page redirecting
to 169.254.169.254 or to an admin console on 127.0.0.1 is refused as a failure, before
anything is sent there. Names are resolved with an injectable resolver (tests never
resolve real names). May import: tracker.errors.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urljoin, urlsplit

from tracker.errors import FetchError

Resolver = Callable[[str, int], Sequence[str]]
"""Host and port → every address the host resolves to (as text)."""

ALLOWED_SCHEMES = ("http", "https")


def system_resolver(host: str, port: int) -> Sequence[str]:
    """Every address ``getaddrinfo`` gives for the host; none when it cannot be resolved (the fetch then fails)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return ()
    return tuple(str(info[4][0]) for info in infos)


def is_internal(address: str) -> bool:
    """True for an address a public server must not send the tracker to."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True  # not an address at all: refuse rather than guess
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast


def check_redirect(written_url: str, from_url: str, location: str, resolve: Resolver) -> None:
    """Raise FetchError when following ``location`` (from ``from_url``) would leave http(s) or go inside."""
    target = urljoin(from_url, location)
    parts = urlsplit(target)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise FetchError(
            f"redirected to {parts.scheme or 'no'}: scheme ({_shown(target)}), refused: "
            "only http and https redirects are followed",
            error_class="http-status",
        )
    host = (parts.hostname or "").lower()
    if host == (urlsplit(written_url).hostname or "").lower():
        return  # the operator's own host, as written in sources.toml
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise FetchError(
            f"redirected to a malformed URL ({_shown(target)}), refused", error_class="http-status"
        ) from None
    addresses = _addresses(host, port, resolve)
    internal = [a for a in addresses if is_internal(a)]
    if internal:
        raise FetchError(
            f"redirected to {_shown(target)}, which is a private, loopback or link-local address "
            f"({', '.join(sorted(set(internal)))}); such a redirect is refused. If the policy is really there, "
            "write that URL in sources.toml",
            error_class="http-status",
        )


def _addresses(host: str, port: int, resolve: Resolver) -> Sequence[str]:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return resolve(host, port)
    return (host,)


def _shown(url: str) -> str:
    """A URL for a message: printable, and not endless."""
    text = "".join(c if c.isprintable() else "?" for c in url)
    return text if len(text) <= 200 else text[:200] + "…"
