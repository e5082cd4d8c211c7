"""Watched connections: the deadline of a fetch shuts its sockets, whatever they are waiting for.

requests' timeouts bound each socket read, not the exchange: a server that drips its status line
and headers one byte a second answers every read in time and holds the run for as long as it
likes. Within ``tracker.watchdog.watching(seconds)`` (``http.deadline``), every socket the thread
opens or reuses (from the TCP connect on, so the TLS handshake too, and each request on a
kept-alive connection) is handed to the thread's watch; when the seconds are up the watchdog
shuts them all, the read fails at once, and ``http`` reports the deadline. A socket opened after
the deadline is shut as soon as it exists. ``WatchedAdapter`` is the HTTPAdapter whose pools make
such connections. May import: tracker.watchdog.
"""

from __future__ import annotations

import socket
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from tracker.watchdog import watch_socket

__all__ = ["WatchedAdapter"]


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        watch_socket(sock)  # before the TLS handshake, which a server may drip too
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch_socket(self.sock)  # a kept-alive connection, reused by this fetch
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        watch_socket(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch_socket(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def _watch_pools(manager: PoolManager) -> PoolManager:
    """The manager, making watched pools (unless it makes its own kind: a SOCKS proxy's is left as it is)."""
    if manager.pool_classes_by_scheme == {"http": HTTPConnectionPool, "https": HTTPSConnectionPool}:
        manager.pool_classes_by_scheme = dict(_POOLS)
    return manager


class WatchedAdapter(HTTPAdapter):
    """requests' HTTPAdapter, whose connections (proxied ones included) a ``watching`` block can shut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        return _watch_pools(super().proxy_manager_for(proxy, **proxy_kwargs))
