"""The values that flow through the pipeline: frozen dataclasses, no I/O.

``Fetched`` (fetch) → ``Extraction`` (extract: ``Metadata`` + ``Section``s) →
``Change`` (diff) → digest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["covered", "not_covered", "experimental", "mentioned", "absent"]
"""Coverage status of a code in a document (DESIGN.md, "Classify")."""

ChangeKind = Literal["new", "added", "removed", "changed", "metadata"]
"""Kinds of change between two good versions of a source (DESIGN.md, "Diff")."""

STATUSES: tuple[str, ...] = ("covered", "not_covered", "experimental", "mentioned", "absent")
CHANGE_KINDS: tuple[str, ...] = ("new", "added", "removed", "changed", "metadata")


@dataclass(frozen=True)
class Section:
    """The passage of a document that governs one tracked code."""

    code: str
    heading: str
    """Heading path above the passage, joined with " › "."""
    text: str
    """Normalized passage text: identical for identical policy wording."""
    status: str
    prior_auth: bool | None
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``tracker extract --json``."""
        return asdict(self)


@dataclass(frozen=True)
class Metadata:
    """Document-level facts; dates are ISO ``YYYY-MM-DD`` strings or None."""

    title: str | None = None
    policy_number: str | None = None
    effective_date: str | None = None
    last_review_date: str | None = None
    next_review_date: str | None = None
    version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A plain dict, for JSON and the database."""
        return asdict(self)


@dataclass(frozen=True)
class Extraction:
    """What extraction finds in one document: its metadata and sections."""

    metadata: Metadata = field(default_factory=Metadata)
    sections: tuple[Section, ...] = ()

    def for_code(self, code: str) -> tuple[Section, ...]:
        """The sections of one code, in document order."""
        return tuple(s for s in self.sections if s.code == code)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``tracker extract --json``."""
        return {
            "metadata": self.metadata.to_dict(),
            "sections": [s.to_dict() for s in self.sections],
        }
