"""Raw captures: the fetched bodies on disk, gzipped, each distinct body once.

Owns the ``<data>/raw`` directory: a body lives at ``raw/<sha[:2]>/<sha256>.gz`` and is
written atomically. No database here (what a version needs is the Store's to say: see
``Store.prune``). May import: ``tracker.errors``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from tracker.errors import StoreError
from tracker.store.space import write_error


class RawStore:
    """The raw-capture directory of one data dir, addressed by sha256."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the body with this sha256 is (or would be) kept."""
        return self.root / sha256[:2] / f"{sha256}.gz"

    def save(self, sha256: str, body: bytes) -> Path:
        """Keep a body once, atomically; return its path. StoreError ("no space left in DIR") if it cannot be written.

        A write that fails leaves no ``.tmp`` file behind.
        """
        path = self.path(sha256)
        if path.exists():
            return path
        tmp_name: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as tmp:
                tmp_name = tmp.name
                tmp.write(gzip.compress(body, mtime=0))
            os.replace(tmp_name, path)
        except OSError as exc:
            if tmp_name:
                with suppress(OSError):
                    os.unlink(tmp_name)
            raise write_error(self.root.parent, exc) from None
        return path

    def sweep(self) -> tuple[int, int]:
        """Delete stray ``.tmp`` files (a process killed while writing); return how many, and their bytes."""
        count = size = 0
        for stray in self.root.glob("*/*.tmp"):
            with suppress(OSError):
                bytes_ = stray.stat().st_size
                stray.unlink()
                count, size = count + 1, size + bytes_
        return count, size

    def load(self, sha256: str) -> bytes:
        """The body with this sha256; StoreError ("missing or damaged") if it was pruned, lost or corrupted.

        Damage is a gzip stream that does not inflate (zlib), is cut short, or inflates to a body whose
        sha256 is not the one it is stored under (issue 23).
        """
        try:
            body = gzip.decompress(self.path(sha256).read_bytes())
        except (OSError, EOFError, zlib.error) as exc:
            raise StoreError(f"raw capture {sha256} is missing or damaged: {exc}") from exc
        if hashlib.sha256(body).hexdigest() != sha256:
            raise StoreError(f"raw capture {sha256} is missing or damaged: its content no longer has this sha256")
        return body

    def iterate(self) -> Iterator[str]:
        """The sha256 of every body kept, in order."""
        for path in sorted(self.root.glob("*/*.gz")):
            yield path.name.removesuffix(".gz")

    def written_at(self, sha256: str) -> str:
        """When the body's file was last written (ISO 8601, UTC, seconds)."""
        return datetime.fromtimestamp(self.path(sha256).stat().st_mtime, UTC).isoformat(timespec="seconds")

    def delete(self, sha256: str) -> int:
        """Delete a body; return how many bytes it took on disk."""
        path = self.path(sha256)
        size = path.stat().st_size
        path.unlink()
        return size
