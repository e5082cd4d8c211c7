"""Watchdog: an action run when a deadline passes, unless the work ended first.

A socket read waits at most its timeout, but a server that drips one byte a second never lets
a per-read timeout fire: only a clock running beside the work can end it. ``Watchdog`` is one
daemon thread holding the alarms of every thread, soonest first; ``arm`` sets one, ``disarm``
takes it back. An action (shutting a socket, say) runs in the watchdog's thread, at most once,
and never after ``disarm`` returned: ``disarm`` waits for an action in progress. Actions must
be short and must not raise (what one raises is dropped, so that the watchdog lives on).
Imports nothing of the tracker.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["WATCHDOG", "Alarm", "Watchdog", "alarm"]


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
                self._thread = threading.Thread(target=self._watch, name="tracker-watchdog", daemon=True)
                self._thread.start()
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
