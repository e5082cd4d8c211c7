"""The extractor's identity: computed, never bumped by hand.

A short hash of the source of every module that shapes what a stored reading says
(extraction, classification, the comparable per-code text) and of the installed
versions of the libraries that shape extracted text. Two processes with the same code
and the same libraries compute the same identity; an upgrade of either gives another,
and the run then re-reads the last version before comparing (see ``run.check``).
Reads files and package metadata only: no heavy import.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tracker.models import Extraction, Kind

LIBRARIES = ("pdfplumber", "pdfminer.six", "pypdfium2", "beautifulsoup4", "lxml", "soupsieve")
"""The installed distributions whose versions are part of the identity."""

_PACKAGE = Path(__file__).resolve().parent.parent
MODULES = ("extract/*.py", "judge/*.py", "models.py")
"""The package files (globs under ``tracker/``) whose source is part of the identity."""


def identity_of(sources: Mapping[str, bytes], versions: Mapping[str, str | None]) -> str:
    """The identity of an extractor made of ``sources`` (name → source) and ``versions`` (library → version)."""
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(f"file {name} {len(sources[name])}\n".encode())
        digest.update(sources[name])
    for library in sorted(versions):
        digest.update(f"lib {library} {versions[library] or '-'}\n".encode())
    return digest.hexdigest()[:12]


def library_versions() -> dict[str, str | None]:
    """The installed version of each library in ``LIBRARIES`` (None when absent)."""
    found: dict[str, str | None] = {}
    for library in LIBRARIES:
        try:
            found[library] = version(library)
        except PackageNotFoundError:
            found[library] = None
    return found


def module_sources() -> dict[str, bytes]:
    """The source of each module in ``MODULES``, by its path under ``tracker/``."""
    paths = sorted({p for pattern in MODULES for p in _PACKAGE.glob(pattern)})
    return {p.relative_to(_PACKAGE).as_posix(): p.read_bytes() for p in paths}


@cache
def current_identity() -> str:
    """The identity of the extractor installed here (computed once per process)."""
    return identity_of(module_sources(), library_versions())


ReadFunction = Callable[..., Extraction]


@dataclass(frozen=True)
class Extractor:
    """An extraction entry point with its identity: what reads documents, and who it is."""

    identity: str
    read: ReadFunction
    """``read(body, kind, codes, *, selector=None, encoding=None) -> Extraction``."""

    def __call__(
        self, body: bytes, kind: Kind, codes: Sequence[str], *, selector: str | None = None, encoding: str | None = None
    ) -> Extraction:
        """Read one document."""
        return self.read(body, kind, codes, selector=selector, encoding=encoding)


def current_extractor() -> Extractor:
    """The installed extractor: ``tracker.extract.extract`` under ``current_identity()``."""
    from tracker.extract import extract

    return Extractor(current_identity(), extract)
