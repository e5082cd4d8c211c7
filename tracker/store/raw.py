"""Raw captures: the fetched bodies on disk, gzipped, each distinct body once.

Owns the ``<data>/raw`` directory: a body lives at ``raw/<sha[:2]>/<sha256>.gz`` and is
written atomically. No database here (what a version needs is the Store's to say: see
``Store.prune``). May import: ``tracker.errors``.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from tracker.errors import StoreError


class RawStore:
    """The raw-capture directory of one data dir, addressed by sha256."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the body with this sha256 is (or would be) kept."""
        return self.root / sha256[:2] / f"{sha256}.gz"

    def save(self, sha256: str, body: bytes) -> Path:
        """Keep a body once, atomically; return its path."""
        path = self.path(sha256)
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as tmp:
            tmp.write(gzip.compress(body, mtime=0))
        os.replace(tmp.name, path)
        return path

    def load(self, sha256: str) -> bytes:
        """The body with this sha256; StoreError if it was pruned or lost."""
        try:
            return gzip.decompress(self.path(sha256).read_bytes())
        except (OSError, EOFError) as exc:
            raise StoreError(f"raw capture {sha256} is missing or damaged: {exc}") from exc

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
