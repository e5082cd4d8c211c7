"""Watched connections: the deadline of a fetch shuts its sockets, whatever they are waiting for.

requests' timeouts bound each socket read, not the exchange: a server that drips its status line
and headers one byte a second answers every read in time and holds the run for as long as it
likes. Within ``watching(seconds)``, every socket the thread opens or reuses (the TCP connect,
the TLS handshake, each request on a kept-alive connection) is registered with the thread's
``Watch``; when the seconds are up the watchdog shuts them all (``shutdown``, which wakes a
blocked read at once), the read fails, and ``http`` reports the deadline. A socket opened after
the deadline is shut as soon as it exists. ``WatchedAdapter`` is the HTTPAdapter whose pools make
such connections. May import: tracker.watchdog.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from tracker.watchdog import alarm

__all__ = ["Watch", "WatchedAdapter", "current", "watching"]

_CURRENT = threading.local()


class Watch:
    """The sockets one fetch has used; ``expire`` shuts them, and any added later."""

    def __init__(self) -> None:
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.expired = False

    def add(self, sock: socket.socket | None) -> None:
        """Watch ``sock`` (shut at once when the deadline has passed)."""
        if sock is None:
            return
        with self._lock:
            if self.expired:
                _shut(sock)
            elif not any(s is sock for s in self._sockets):
                self._sockets.append(sock)

    def expire(self) -> None:
        """The deadline has passed: shut every socket watched."""
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Shut the socket both ways, waking a read blocked in another thread (TLS or not)."""
    try:  # the plain socket's shutdown, below ssl's: no TLS state is touched from this thread
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def current() -> Watch | None:
    """This thread's watch, if a watched block is in progress."""
    return getattr(_CURRENT, "watch", None)


@contextmanager
def watching(seconds: float) -> Iterator[Watch]:
    """Within the block, this thread's sockets are shut ``seconds`` from now (nested blocks: the inner one)."""
    previous = current()
    watch = Watch()
    _CURRENT.watch = watch
    try:
        with alarm(seconds, watch.expire):
            yield watch
    finally:
        _CURRENT.watch = previous


def _watched(sock: Any) -> None:
    watch = current()
    if watch is not None and isinstance(sock, socket.socket):
        watch.add(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watched(sock)  # before the TLS handshake, which a server may drip too
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self.sock)  # a kept-alive connection, reused by this fetch
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watched(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self.sock)
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
