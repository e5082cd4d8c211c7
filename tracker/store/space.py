"""Writing when the disk may be full: one StoreError (exit 3) that names the directory, never a traceback.

A run that cannot write stops with "no space left in DIR"; SQLite rolls the transaction
in progress back (the database stays intact), a raw capture being written leaves no
``.tmp`` file behind, and the next run, once there is room, goes on from the last good
versions. Imports nothing of the tracker but ``tracker.errors``.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.errors import StoreError

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_LOW = 1024 * 1024
"""Below this many free bytes, an SQLite I/O error is taken for a full disk."""


def no_space(directory: Path) -> StoreError:
    """The error of a full disk, naming the directory."""
    return StoreError(
        f"no space left in {directory}: free some space there (tracker prune --keep-days N removes raw "
        "captures no version needs), then run again; the database is intact and nothing stored was lost"
    )


def _nearly_full(directory: Path) -> bool:
    try:
        return shutil.disk_usage(directory).free < _LOW
    except OSError:
        return False


def write_error(directory: Path, exc: BaseException) -> StoreError:
    """The StoreError for a failed write in ``directory``: "no space left" when the disk is full."""
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return no_space(directory)
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL or "disk is full" in str(exc) or _nearly_full(directory):
            return no_space(directory)
        return StoreError(f"cannot write the history database in {directory}: {exc}")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StoreError(f"cannot write in {directory}: {reason}")


@contextmanager
def writing(directory: Path) -> Iterator[None]:
    """Within the block, a failed write (OSError, sqlite3.Error) is a StoreError naming ``directory``."""
    try:
        yield
    except StoreError:
        raise
    except (OSError, sqlite3.Error) as exc:
        raise write_error(directory, exc) from None
