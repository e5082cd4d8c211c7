"""The values that flow through the pipeline, and the vocabularies they speak: frozen dataclasses, no I/O.

``Fetched`` (fetch) → ``Extraction`` (extract: ``Metadata`` + ``Section``s) → ``Version``
(judge: a ``CodeView`` per code) → ``Change`` (judge) → digest. The vocabularies are Literal
types, so that mypy catches a misspelt status, kind, outcome or error class.
Imports nothing of the tracker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

Status = Literal["covered", "not_covered", "experimental", "mentioned", "absent"]
"""Coverage status of a code in a document (DESIGN.md, "Classify")."""

ChangeKind = Literal["new", "added", "removed", "changed", "metadata", "retired"]
"""Kinds of change between two good versions of a source (DESIGN.md, "Diff"); ``retired``: the payer retired
or archived the policy (tracker.feeds), never inferred from a failed fetch."""

Outcome = Literal["new", "changed", "unchanged", "error"]
"""What one run found for one source (DESIGN.md, `tracker runs`)."""

ErrorClass = Literal[
    "network", "timeout", "http-status", "challenge", "empty", "wrong-type", "unreadable", "too-large", "internal"
]
"""Why a fetch failed, as recorded in the fetch log."""

Kind = Literal["html", "pdf", "mcd-article", "json"]
"""What a document is: an HTML page, a PDF, a Medicare article (a saved capture sniffs as ``json``)."""

Payer = Literal["aetna", "bcbs", "cigna", "uhc", "medicare"]
"""The payers of DESIGN.md."""

Clock = Callable[[], datetime]
"""The clock, passed in: ``datetime.now(UTC)`` in the CLI, a test clock in tests."""


def iso(moment: datetime) -> str:
    """A timestamp as stored: ISO 8601, seconds, with offset."""
    return moment.isoformat(timespec="seconds")


STATUSES: tuple[Status, ...] = get_args(Status)
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
ERROR_CLASSES: tuple[ErrorClass, ...] = get_args(ErrorClass)
PAYERS: tuple[Payer, ...] = get_args(Payer)


@dataclass(frozen=True)
class Section:
    """The passage of a document that governs one tracked code."""

    code: str
    heading: str
    """Heading path above the passage, joined with " › "."""
    text: str
    """Normalized passage text: identical for identical policy wording."""
    status: Status
    prior_auth: bool | None
    page: int | None = None
    basis: dict[str, str] | None = None
    """Why it has its status: {"rule", "phrase", "from"} (tracker.judge.classify.decide); None when unknown."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``tracker extract --json``."""
        return asdict(self)


@dataclass(frozen=True)
class Metadata:
    """Document-level facts; dates are ISO ``YYYY-MM-DD`` strings (``YYYY-MM`` where the plan prints
    only a month, "Last Review: 8/2017") or None."""

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


@dataclass(frozen=True)
class Fetched:
    """A successful fetch: a usable body, or ``not_modified`` after a 304."""

    url: str
    http_status: int
    body: bytes
    content_type: str | None
    kind: Kind | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    final_url: str | None = None
    """Where redirects led, when that is not ``url``."""


@dataclass(frozen=True)
class CodeView:
    """What one version of a document says about one code."""

    status: Status
    prior_auth: bool | None
    text: str
    needs_review: bool = field(default=False, compare=False)
    """The sections that decide the status disagree (tracker.judge.classify.needs_review)."""


@dataclass(frozen=True)
class Version:
    """One good version of a source: its metadata, the codes looked for, and what it says of each."""

    metadata: Metadata
    codes: frozenset[str]
    views: Mapping[str, CodeView] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """A difference for one code between two versions of a source."""

    code: str
    kind: ChangeKind
    old_status: Status | None
    new_status: Status | None
    summary: str
    diff: str = ""
    old: CodeView | None = field(default=None, compare=False)
    """What the previous version said of the code (None for a first capture or an added code)."""
    new: CodeView | None = field(default=None, compare=False)
    """What the new version says of the code (None for a removed code)."""
