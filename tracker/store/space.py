"""Writing when the disk may be full or read-only: one StoreError (exit 3) that names the directory, never a traceback.

A run that cannot write stops with "no space left in DIR" or "cannot write to DIR: read-only"
(a read-only file system or mount) or "...: permission denied"; SQLite rolls the transaction
in progress back (the database stays intact), a raw capture being written leaves no ``.tmp``
file behind, and the next run, once there is room, goes on from the last good versions.
``unwritable`` tells a read command to open the history read-only (``database``). Imports
nothing of the tracker but ``tracker.errors``.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.errors import StoreError

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_DENIED_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
WRITE_ERRNOS = _FULL_ERRNOS | _DENIED_ERRNOS
"""The errors of a write the data directory refused: the CLI answers them with a StoreError (exit 3)."""
_LOW = 1024 * 1024
"""Below this many free bytes, an SQLite I/O error is taken for a full disk."""


def no_space(directory: Path) -> StoreError:
    """The error of a full disk, naming the directory."""
    return StoreError(
        f"no space left in {directory}: free some space there (tracker prune --keep-days N removes raw "
        "captures no version needs), then run again; the database is intact and nothing stored was lost"
    )


READ_ONLY = "read-only (a read-only file system or mount)"


def cannot_write(directory: Path, why: str) -> StoreError:
    """The error of a data directory that refuses writes (``why``: "read-only", "permission denied"), naming it."""
    return StoreError(
        f"cannot write to {directory}: {why}. Read commands (status, changes, runs, history, report ...) still "
        "work; those that record (run, reextract, prune, confirm) need to write there: remount it read-write, "
        "fix its permissions, or point --data / TRACKER_DATA at a writable directory. Nothing stored was lost"
    )


def _read_only_mount(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def unwritable(directory: Path) -> StoreError | None:
    """Why the existing ``directory`` cannot be written (a read-only mount, permissions), or None when it can."""
    if not directory.is_dir():
        return None
    if _read_only_mount(directory):
        return cannot_write(directory, READ_ONLY)
    if not os.access(directory, os.W_OK):
        return cannot_write(directory, "permission denied")
    return None


def _nearly_full(directory: Path) -> bool:
    try:
        return shutil.disk_usage(directory).free < _LOW
    except OSError:
        return False


def write_error(directory: Path, exc: BaseException) -> StoreError:
    """The StoreError for a failed write in ``directory``: no space left, read-only, permission denied, or the cause."""
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return no_space(directory)
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return cannot_write(directory, READ_ONLY)
    if isinstance(exc, OSError) and exc.errno in _DENIED_ERRNOS:
        return unwritable(directory) or cannot_write(directory, "permission denied")
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL or "disk is full" in str(exc):
            return no_space(directory)
        denied = unwritable(directory)  # before "nearly full": a read-only mount may show no free space at all
        if denied is not None:
            return denied
        if _nearly_full(directory):
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
