"""A lock file in the data directory, so that two runs never overlap.

``fcntl.flock`` is released by the kernel when the holding process dies, so a
lock left behind by a killed run never blocks the next one: the file may stay,
the lock does not.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from tracker.errors import LockedError

__all__ = ["RUN_LOCK", "LockedError", "hold"]

RUN_LOCK = "run.lock"
"""The run lock's file name in the data directory (runs, reextract and prune take it)."""


@contextmanager
def hold(path: Path, what: str = "run") -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the block, or raise LockedError at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockedError(
                f"another tracker {what} is in progress ({holder}, lock {path}); "
                "wait for it to finish, or stop it first"
            ) from None
        _note(handle, f"pid {os.getpid()}")
        try:
            yield
        finally:
            _note(handle, "")
            fcntl.flock(handle, fcntl.LOCK_UN)


def _note(handle: IO[str], text: str) -> None:
    """Say who holds the lock; only a courtesy, so a full disk does not stop the run here (the run says so)."""
    try:  # unbuffered, so that nothing is left to flush (and fail) when the file is closed
        os.ftruncate(handle.fileno(), 0)
        os.pwrite(handle.fileno(), text.encode(), 0)
    except OSError:
        pass
