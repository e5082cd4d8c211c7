"""Watchdog: an action run when a deadline passes, unless the work ended first.

A socket read waits at most its timeout, but a server that drips one byte a second never lets
a per-read timeout fire: only a clock running beside the work can end it. ``Watchdog`` is one
daemon thread holding the alarms of every thread, soonest first; ``arm`` sets one, ``disarm``
takes it back. An action runs in the watchdog's thread, at most once, and never after
``disarm`` returned: ``disarm`` waits for an action in progress. Actions must be short and must
not raise (what one raises is dropped, so that the watchdog lives on).

``watching(seconds)`` is the common use: within the block, every socket the thread hands to
``watch_socket`` (the fetch's HTTP connections, the SMTP connection) is shut when the seconds are
up. ``shutdown`` wakes a read blocked in another thread at once; the socket is watched through a
duplicate of its descriptor, which outlives the original being wrapped in TLS (``wrap_socket``
detaches it), so a TLS handshake or a STARTTLS session is shut too. The duplicates are closed when
the block ends. Imports nothing of the tracker.
"""

from __future__ import annotations

import heapq
import itertools
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["WATCHDOG", "Alarm", "Watch", "Watchdog", "alarm", "current", "watch_socket", "watching"]


class Alarm:
    """One armed action: when it is due, and whether it has run."""

    def __init__(self, at: float, action: Callable[[], None]) -> None:
        self.at = at
        self.action = action
        self.fired = False
        self.cancelled = False
        self.lock = threading.Lock()
        """Held while the action runs, so that ``disarm`` returns only once it has."""


class Watchdog:
    """One daemon thread (started on first use) that runs each alarm's action when its time comes."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._due: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, action: Callable[[], None]) -> Alarm:
        """Run ``action`` ``seconds`` from now, unless disarmed before."""
        armed = Alarm(self.clock() + seconds, action)
        with self._changed:
            heapq.heappush(self._due, (armed.at, next(self._order), armed))
            if self._thread is None:
                self._thread = _start(self._watch)
            self._changed.notify()
        return armed

    def disarm(self, armed: Alarm) -> bool:
        """Take the alarm back (waiting for its action, if running); True when the action ran."""
        with armed.lock:
            armed.cancelled = True
            return armed.fired

    def _watch(self) -> None:
        while True:
            with self._changed:
                while not self._due or self._due[0][0] > self.clock():
                    wait = None if not self._due else self._due[0][0] - self.clock()
                    self._changed.wait(wait)
                _, _, armed = heapq.heappop(self._due)
            self._fire(armed)

    @staticmethod
    def _fire(armed: Alarm) -> None:
        with armed.lock:
            if armed.cancelled:
                return
            armed.fired = True
            try:
                armed.action()
            except Exception:  # noqa: BLE001, S110 - an action's failure must not stop every other alarm
                pass


@contextmanager
def signals_blocked() -> Iterator[None]:
    """Threads started inside this block take no signal, from their first instruction on.

    A signal delivered to another thread than the main one never wakes the main thread blocked
    in a wait (a Ctrl-C noticed only when the source in progress ends, so the run starts the next
    one: seen in tests/test_terminal.py). The mask is set in the starting thread, around the start,
    so that a new thread inherits it at birth rather than setting it a moment late; a signal that
    comes meanwhile waits, and is the main thread's when the block ends.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start(target: Callable[[], None]) -> threading.Thread:
    """The watchdog's daemon thread, which takes no signal (``signals_blocked``)."""
    thread = threading.Thread(target=target, name="tracker-watchdog", daemon=True)
    with signals_blocked():
        thread.start()
    return thread


WATCHDOG = Watchdog()
"""The process's watchdog."""


@contextmanager
def alarm(seconds: float, action: Callable[[], None], watchdog: Watchdog = WATCHDOG) -> Iterator[Alarm]:
    """Within the block, ``action`` runs if the block is still going ``seconds`` from now."""
    armed = watchdog.arm(seconds, action)
    try:
        yield armed
    finally:
        watchdog.disarm(armed)


# --- sockets shut at a deadline -------------------------------------------------------------------

_CURRENT = threading.local()


class Watch:
    """The sockets of one watched block; ``expire`` shuts them, and any handed over later."""

    def __init__(self) -> None:
        self._held: list[socket.socket] = []
        self._inodes: set[int] = set()
        self._lock = threading.Lock()
        self.expired = False
        self.closed = False

    def add(self, sock: socket.socket) -> None:
        """Watch ``sock`` (shut at once when the deadline has passed)."""
        with self._lock:
            try:
                inode = os.fstat(sock.fileno()).st_ino  # one socket, however many objects wrap it
                if self.closed or inode in self._inodes:
                    return
                held = _duplicate(sock)
            except OSError:
                return  # already closed: nothing to wait for
            if self.expired:
                _shut(held)
            self._held.append(held)
            self._inodes.add(inode)

    def expire(self) -> None:
        """The deadline has passed: shut every socket watched."""
        with self._lock:
            self.expired = True
            for held in self._held:
                _shut(held)

    def close(self) -> None:
        """The block has ended: let go of the duplicates (the sockets themselves are their owners')."""
        with self._lock:
            self.closed = True
            for held in self._held:
                held.close()
            self._held.clear()
            self._inodes.clear()


def _duplicate(sock: socket.socket) -> socket.socket:
    """A plain socket on a duplicate of ``sock``'s descriptor (an SSLSocket refuses ``dup``)."""
    fd = os.dup(sock.fileno())
    try:
        return socket.socket(sock.family, sock.type, sock.proto, fileno=fd)
    except OSError:
        os.close(fd)
        raise


def _shut(sock: socket.socket) -> None:
    """Shut the connection both ways, waking a read blocked on it in another thread."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the peer has gone already


def current() -> Watch | None:
    """This thread's watch, while a ``watching`` block is in progress."""
    return getattr(_CURRENT, "watch", None)


def watch_socket(sock: object) -> None:
    """Hand ``sock`` to this thread's watch, if a ``watching`` block is in progress (else nothing)."""
    watch = current()
    if watch is not None and isinstance(sock, socket.socket) and sock.fileno() >= 0:
        watch.add(sock)


@contextmanager
def watching(seconds: float, watchdog: Watchdog = WATCHDOG) -> Iterator[Alarm]:
    """Within the block, the sockets handed to ``watch_socket`` are shut ``seconds`` from now.

    The alarm says afterwards whether that happened (``fired``). A nested block watches its own.
    """
    previous = current()
    watch = Watch()
    _CURRENT.watch = watch
    try:
        with alarm(seconds, watch.expire, watchdog) as armed:
            yield armed
    finally:
        _CURRENT.watch = previous
        watch.close()
